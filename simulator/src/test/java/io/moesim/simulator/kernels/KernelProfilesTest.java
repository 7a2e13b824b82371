package io.moesim.simulator.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.config.Yaml;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelProfilesTest {

    private static String shipped(String id) throws IOException {
        return new String(KernelProfiles.class.getResourceAsStream(KernelProfiles.RESOURCE_DIR + id + ".yaml")
                .readAllBytes(), StandardCharsets.UTF_8);
    }

    private static KernelProfile parse(String text) throws IOException {
        return KernelProfiles.parse("k.yaml", Yaml.read("k.yaml", new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void everyShippedHardwareProfileHasItsKernelProfile() {
        for (HardwareProfile h : HardwareProfiles.all()) {
            assertEquals(h.id(), h.kernels().id());
            assertEquals(h.id(), h.kernels().hardware());
            assertTrue(h.kernels().software().matches(".*20\\d\\d.*"), h.id() + " names its software generation");
            for (KernelTable t : h.kernels().tables().values()) {
                assertTrue(t.source().length() > 20, h.id() + " " + t.key());
            }
        }
    }

    @Test
    void oneAxisTableIsLinearInLogShapeAndFlatOutside() {
        KernelTable fp8 = KernelProfiles.byId("h800").table("gemm.fp8");
        // Points 256: 0.441, 512: 0.494, 1024: 0.545, 4096: 0.647.
        assertEquals(0.441, fp8.at(1), 1e-12);
        assertEquals(0.647, fp8.at(1e6), 1e-12);
        assertEquals(0.494, fp8.at(512), 1e-12);
        // 2,048 is halfway between 1,024 and 4,096 in log: (0.545 + 0.647) / 2.
        assertEquals(0.596, fp8.at(2048), 1e-12);
        // 362 = 256 x 2^0.5 (to 0.1%): 0.441 + 0.5 x 0.053.
        assertEquals(0.441 + 0.053 * Math.log(362 / 256.0) / Math.log(2), fp8.at(362), 1e-12);
    }

    @Test
    void twoAxisTableIsBilinearInLogBatchAndLogContext() {
        KernelTable mla = KernelProfiles.byId("b200").table("attention.mlaDecode.hbm");
        assertEquals(List.of("batch", "context"), mla.axes());
        // Grid points are the published fractions of 8,000 GB/s (KA1).
        assertEquals(0.2526, mla.at("batch", 128, "context", 2048), 1e-12);
        assertEquals(0.5059, mla.at("batch", 256, "context", 2048), 1e-12);
        assertEquals(0.5019, mla.at("batch", 256, "context", 4096), 1e-12);
        // Halfway in log batch (181.02) and at a grid context: the mean of the two rows.
        double b = Math.sqrt(128.0 * 256);
        assertEquals((0.2526 + 0.5059) / 2, mla.at("batch", b, "context", 2048), 1e-12);
        // Halfway in both: the mean of four corners (2,048 .. 4,096 at context sqrt(2048 x 4096)).
        double s = Math.sqrt(2048.0 * 4096);
        assertEquals((0.2526 + 0.5059 + 0.2509 + 0.5019) / 4, mla.at("batch", b, "context", s), 1e-12);
        // Flat beyond the grid.
        assertEquals(0.5155, mla.at("batch", 4096, "context", 1e6), 1e-12);
    }

    @Test
    void gb200AllToAllTablesReproduceTheOneSidedKernelFigures() {
        KernelProfile k = KernelProfiles.byId("gb200-nvl72");
        double bw = k.table("allToAll.lowLatency.nvlink.bytesPerSecond").at(64);
        double fixed = k.table("allToAll.lowLatency.nvlink.dispatchSeconds").at(64);
        // EP64, 512 tokens per rank, BF16: 63/64 x 512 x 8 x 14,336 B on the busiest port (KE1: 115.7 us).
        double bytes = 63.0 / 64 * 512 * 8 * 14336;
        assertEquals(115.7e-6, bytes / bw + fixed, 0.5e-6);
        assertEquals(209.4e-6, 2 * bytes / bw + fixed, 1.5e-6);
        // EP size changes the fixed cost: EP8 (batch 1) is dominated by it.
        assertTrue(k.table("allToAll.lowLatency.nvlink.combineSeconds").at(8)
                > k.table("allToAll.lowLatency.nvlink.combineSeconds").at(64));
    }

    @Test
    void profilesWithoutAKernelFigureSayWhichPartsAreUncalibrated() {
        List<String> h800 = KernelProfiles.byId("h800").uncalibrated();
        assertTrue(h800.contains("gemm.bf16") && !h800.contains("gemm.fp8"), h800.toString());
        assertFalse(h800.contains("overlap.throughputKernels"), "the H800's overlap is fitted, not uncalibrated");
        for (String id : List.of("h100", "h200", "b200", "gb200-nvl72")) {
            List<String> missing = KernelProfiles.byId(id).uncalibrated();
            assertTrue(missing.contains("overlap.throughputKernels"), id + ": overlap borrowed from the H800");
            for (String key : missing) {
                assertTrue(KernelProfiles.byId(id).table(key).fallback().length() > 5, id + " " + key);
            }
        }
        assertFalse(KernelProfiles.byId("gb200-nvl72").uncalibrated().contains("allToAll.lowLatency.nvlink.bytesPerSecond"));
    }

    @Test
    void strictParsingNamesFileAndKey() throws IOException {
        String text = shipped("h800");
        assertEquals("k.yaml: gemm.fp8.vaule: unknown key", assertThrows(InputException.class,
                () -> parse(text.replace("gemm.fp8:\n  unit: \"fraction\"", "gemm.fp8:\n  vaule: 1\n  unit: \"fraction\""))).getMessage()
                .replaceAll(" \\(.*", ""));
        assertTrue(assertThrows(InputException.class, () -> parse(text + "gemm.fp16:\n  unit: fraction\n")).getMessage()
                .startsWith("k.yaml: gemm.fp16: unknown key"));
        assertEquals("k.yaml: host.kernelsPerLayer: missing", assertThrows(InputException.class,
                () -> parse(text.substring(0, text.indexOf("host.kernelsPerLayer:")))).getMessage());
        InputException noFallback = assertThrows(InputException.class,
                () -> parse(text.replaceFirst("  fallback: \"the FP8 table \\(DeepGEMM[^\"]*\"\n", "")));
        assertEquals("k.yaml: gemm.bf16.fallback: missing", noFallback.getMessage());
        InputException badBasis = assertThrows(InputException.class,
                () -> parse(text.replaceFirst("  basis: measurement", "  basis: guess")));
        assertTrue(badBasis.getMessage().startsWith("k.yaml: hbm.achievableFraction.basis:"), badBasis.getMessage());
        InputException range = assertThrows(InputException.class,
                () -> parse(text.replace("{ tokens: 256, value: 0.441 }", "{ tokens: 256, value: 1.5 }")));
        assertTrue(range.getMessage().startsWith("k.yaml: gemm.bf16.points[0].value:"), range.getMessage());
        String b200 = shipped("b200");
        InputException grid = assertThrows(InputException.class,
                () -> parse(b200.replaceFirst("    - \\{ batch: 128, context: 4096, value: [0-9.]+ \\}\n", "")));
        assertTrue(grid.getMessage().contains("full grid"), grid.getMessage());
        InputException unit = assertThrows(InputException.class,
                () -> parse(text.replaceFirst("unit: \"B/s\"", "unit: \"GB/s\"")));
        assertTrue(unit.getMessage().startsWith("k.yaml: allToAll.normal.nvlink.dispatchBytesPerSecond.unit:"), unit.getMessage());
    }
}
