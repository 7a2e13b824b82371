package io.moesim.simulator.hardware;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.config.Yaml;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HardwareProfilesTest {

    @Test
    void shipsTheFiveProfilesOfTheIssue() {
        assertEquals(List.of("h800", "h100", "h200", "b200", "gb200-nvl72"), HardwareProfiles.ids());
        for (HardwareProfile profile : HardwareProfiles.all()) {
            assertTrue(profile.gpu().hbmBytes().source().length() > 10, profile.id());
        }
    }

    @Test
    void h800NumbersAreThePublishedOnes() {
        HardwareProfile h800 = HardwareProfiles.byId("h800");
        assertEquals(989e12, h800.gpu().peakFlopsPerSecond(DataType.BF16));
        assertEquals(1979e12, h800.gpu().peakFlopsPerSecond(DataType.FP8));
        // No FP4 on Hopper: FP4 weights run at FP8 speed.
        assertEquals(1979e12, h800.gpu().peakFlopsPerSecond(DataType.FP4));
        assertEquals(3352e9, h800.gpu().hbmBytesPerSecond().value());
        assertEquals(200e9, h800.network().nvlinkBytesPerSecond().value());
        assertEquals(io.moesim.simulator.kernels.KernelTable.Basis.MEASUREMENT,
                h800.kernels().table("allToAll.normal.rdma.dispatchBytesPerSecond").basis());
        assertEquals(2.0, h800.price().usdPerGpuHour().value());
    }

    @Test
    void gb200HasOneSeventyTwoGpuNvlinkDomain() {
        HardwareProfile gb200 = HardwareProfiles.byId("gb200-nvl72");
        assertEquals(72, gb200.network().nvlinkDomainCount());
        assertEquals(10000e12, gb200.gpu().peakFlopsPerSecond(DataType.FP4));
    }

    @Test
    void gemmCurveInterpolatesInLogTokensAndIsFlatOutside() {
        io.moesim.simulator.kernels.KernelTable curve = HardwareProfiles.byId("h800").kernels().table("gemm.fp8");
        assertEquals(0.441, curve.at(16), 1e-12);
        assertEquals(0.647, curve.at(1e6), 1e-12);
        assertEquals((0.494 + 0.545) / 2, curve.at(Math.sqrt(512 * 1024)), 1e-12);
    }

    @Test
    void unknownIdIsOneLine() {
        InputException e = assertThrows(InputException.class, () -> HardwareProfiles.resolve("h900", null));
        assertTrue(e.getMessage().startsWith("unknown hardware profile 'h900'"), e.getMessage());
    }

    @Test
    void aProfileFileResolvesRelativeToItsBaseDirectory(@TempDir Path dir) throws IOException {
        String text = new String(HardwareProfiles.class.getResourceAsStream(HardwareProfiles.RESOURCE_DIR + "h100.yaml")
                .readAllBytes(), StandardCharsets.UTF_8).replace("id: h100", "id: my-h100\nkernels: h100");
        Files.writeString(dir.resolve("mine.yaml"), text);
        assertEquals("my-h100", HardwareProfiles.resolve("mine.yaml", dir).id());
    }

    @Test
    void misspelledKeyAndMissingSourceNameTheField() throws IOException {
        String text = new String(HardwareProfiles.class.getResourceAsStream(HardwareProfiles.RESOURCE_DIR + "h100.yaml")
                .readAllBytes(), StandardCharsets.UTF_8);
        InputException unknown = assertThrows(InputException.class, () -> parse(text.replace("hbmBytesPerSecond:", "hbmBytesPerSec:")));
        assertEquals("x.yaml: gpu.hbmBytesPerSecond: missing", unknown.getMessage());
        InputException noSource = assertThrows(InputException.class,
                () -> parse(text.replaceFirst(", source: \"80 GB[^\"]*\"", "")));
        assertEquals("x.yaml: gpu.hbmBytes.source: missing", noSource.getMessage());
    }

    private static HardwareProfile parse(String text) throws IOException {
        return HardwareProfiles.parse("x.yaml", Yaml.read("x.yaml", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
    }
}
