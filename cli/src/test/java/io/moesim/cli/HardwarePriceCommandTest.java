package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moesim hardware show/list} print every kind of price, each with its source (issue 14). */
class HardwarePriceCommandTest {

    private static List<String> priceLines(String out) {
        List<String> lines = out.lines().toList();
        int start = lines.indexOf(lines.stream().filter(l -> l.startsWith("price:")).findFirst().orElseThrow());
        int end = lines.indexOf(lines.stream().filter(l -> l.startsWith("kernels:")).findFirst().orElseThrow());
        return lines.subList(start + 1, end);
    }

    @Test
    void showPrintsBothKindsWithTheirSources() {
        CliRun b200 = CliRun.of("hardware", "show", "b200");
        assertEquals(0, b200.status(), b200.err());
        List<String> lines = priceLines(b200.out());
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("usdPerGpuHour (owner/reserved cost)") && lines.get(0).contains("1.950")
                && lines.get(0).contains("SemiAnalysis"), lines.get(0));
        assertTrue(lines.get(1).contains("onDemandUsdPerGpuHour (on-demand list price)")
                && lines.get(1).contains("8.600") && lines.get(1).contains("https://www.coreweave.com/pricing"),
                lines.get(1));
    }

    @Test
    void showSaysSoWhereAKindIsMissing() {
        CliRun h800 = CliRun.of("hardware", "show", "h800");
        assertEquals(0, h800.status(), h800.err());
        List<String> lines = priceLines(h800.out());
        assertTrue(lines.get(0).contains("2.000") && lines.get(0).contains("DeepSeek"), lines.get(0));
        assertTrue(lines.get(1).matches("\\s+onDemandUsdPerGpuHour \\(on-demand list price\\)\\s+none published for"
                + " this hardware"), lines.get(1));
    }

    @Test
    void listHasAColumnPerKind() {
        CliRun list = CliRun.of("hardware", "list");
        assertEquals(0, list.status(), list.err());
        String h800 = list.out().lines().filter(l -> l.startsWith("h800 ")).findFirst().orElseThrow();
        String gb200 = list.out().lines().filter(l -> l.startsWith("gb200-nvl72 ")).findFirst().orElseThrow();
        assertTrue(h800.matches(".*\\s2\\.00\\s+-$"), h800);
        assertTrue(gb200.matches(".*\\s3\\.20\\s+10\\.50$"), gb200);
    }

    @Test
    void aUserProfileWithABadOnDemandPriceIsOneLineNamingTheField(@TempDir Path dir) throws IOException {
        String h100 = Files.readString(Path.of("..", "hardware-profiles", "h100.yaml"));
        Files.writeString(dir.resolve("mine.yaml"), h100.replace("onDemandUsdPerGpuHour: { value: 6.16",
                "onDemandUsdPerGpuHour: { value: cheap"));
        String line = BadInput.assertRejected(dir, List.of("mine.yaml", "price.onDemandUsdPerGpuHour.value"),
                "hardware", "show", dir.resolve("mine.yaml").toString());
        assertTrue(line.startsWith("moesim: "), line);
    }
}
