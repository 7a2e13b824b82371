package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.simulator.scenario.ScenarioLoader;
import io.moesim.simulator.sweep.SweepAxis;
import io.moesim.simulator.sweep.SweepRunner;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportsTest {

    private static final Path DECODE = Path.of("..", "scenarios", "deepseek-v3-h800-decode.yaml");

    @Test
    void scenarioReportHasTitleChartsAndValidationAsText(@TempDir Path dir) throws Exception {
        List<ValidationRow> rows = List.of(new ValidationRow("decode output tokens/s per node", "tokens/s",
                28334, 14800, "DeepSeek open-infra-index"));
        Report report = Reports.of(DECODE, List.of(), rows);
        List<Path> files = ReportWriter.write(report, dir, Set.of(ReportWriter.Format.PDF, ReportWriter.Format.PNG));
        assertEquals(6, files.size(), "5 chart PNGs and the PDF");
        for (String png : List.of("memory", "timeline", "expert-load", "cost-hardware", "cost-hardware-on-demand")) {
            BufferedImage image = ImageIO.read(dir.resolve(png + ".png").toFile());
            assertEquals(1754, image.getWidth());
            assertEquals(1240, image.getHeight());
        }
        try (PDDocument pdf = Loader.loadPDF(dir.resolve("report.pdf").toFile())) {
            assertEquals(7, pdf.getNumberOfPages(), "title, 5 charts, validation table");
            String text = new PDFTextStripper().getText(pdf);
            for (String expected : List.of("moesim report: DeepSeek-V3 decode on H800",
                    "Memory per GPU by pool", "memory per GPU (GB, 10^9 bytes)", "HBM capacity 80.0 GB",
                    "One step on a GPU: compute, dispatch, combine, idle", "time within one step (ms)",
                    "Expert load per GPU per MoE layer (decode pool)", "GPU in the expert-parallel group (index)",
                    "MoE layer (index among MoE layers)", "Synthetic uniform routing",
                    "Cost per million tokens across hardware: owner/reserved cost per GPU-hour",
                    "Cost per million tokens across hardware: on-demand list price per GPU-hour",
                    "USD per million tokens", "hardware profile",
                    "Validation: predicted against measured", "+91.4%")) {
                assertTrue(squeeze(text).contains(squeeze(expected)), "PDF text lacks '" + expected + "'");
            }
            assertEquals(0, countImages(pdf), "charts are vector, not bitmaps");
        }
    }

    /**
     * Text without white space: PDFTextStripper breaks vertical (rotated) axis labels into pieces on
     * separate lines, though the characters are there as text (pdftotext reads them whole).
     */
    private static String squeeze(String text) {
        return text.replaceAll("\\s+", "");
    }

    private static int countImages(PDDocument pdf) throws Exception {
        int images = 0;
        for (var page : pdf.getPages()) {
            for (var name : page.getResources().getXObjectNames()) {
                var x = page.getResources().getXObject(name);
                if (x instanceof org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject) {
                    images++;
                } else if (x instanceof org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject form) {
                    for (var inner : form.getResources().getXObjectNames()) {
                        if (form.getResources().getXObject(inner)
                                instanceof org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject) {
                            images++;
                        }
                    }
                }
            }
        }
        return images;
    }

    @Test
    void sweepReportDrawsBothFrontsAndTheirTable(@TempDir Path dir) throws Exception {
        Path sweep = dir.resolve("sweep");
        new SweepRunner().run(DECODE, List.of("simulation.durationSeconds=20"),
                List.of(SweepAxis.parse("deployment.decode.maxBatchPerGpu=32,128"),
                SweepAxis.parse("hardware=h800,h200")), SweepRunner.Progress.NONE).write(sweep);
        Path out = dir.resolve("report");
        ReportWriter.write(Reports.of(sweep, List.of(), List.of()), out, Set.of(ReportWriter.Format.PDF));
        assertFalse(Files.exists(out.resolve("pareto-throughput.png")), "PDF only was asked for");
        try (PDDocument pdf = Loader.loadPDF(out.resolve("report.pdf").toFile())) {
            assertEquals(4, pdf.getNumberOfPages());
            String text = new PDFTextStripper().getText(pdf);
            for (String expected : List.of("Sweep: DeepSeek-V3", "Throughput per GPU against speed per user",
                    "tokens/s per user (1 / TPOT p50)", "output tokens/s per GPU", "Cost against latency",
                    "TPOT p50 (ms per output token)", "USD per million output tokens", "Points on a Pareto front",
                    "128, h200")) {
                assertTrue(squeeze(text).contains(squeeze(expected)), "PDF text lacks '" + expected + "'");
            }
        }
    }

    @Test
    void resultsJsonReportDrawsMemoryAndTimeline(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("run.json");
        io.moesim.simulator.results.RunResult.of(new ScenarioLoader().load(DECODE, List.of())).writeJson(json);
        Report report = Reports.of(json, List.of(), List.of());
        assertEquals(List.of("title", "memory", "timeline"), report.pages().stream().map(Page::name).toList());
    }

    @Test
    void syntheticExpertLoadsKeepEveryTokenCopy() {
        var scenario = new ScenarioLoader().load(DECODE, List.of());
        ExpertLoads loads = ExpertLoads.of(scenario, 144, 1000);
        assertEquals(scenario.model().numMoeLayers(), loads.loads().length);
        for (double[] layer : loads.loads()) {
            assertEquals(144, layer.length);
            assertEquals(1000.0 * scenario.model().moe().topK(), java.util.Arrays.stream(layer).sum(), 1e-9);
        }
        assertTrue(loads.maxOverMean() > 1, "GPUs without replicas take more than the mean");
    }

    @Test
    void badInputsAreOneLineInputExceptions(@TempDir Path dir) throws Exception {
        assertOneLine(assertThrows(InputException.class, () -> Reports.of(dir.resolve("nope.yaml"), List.of(), List.of())));
        assertOneLine(assertThrows(InputException.class, () -> Reports.of(dir, List.of(), List.of())));
        Path notResults = Files.writeString(dir.resolve("x.json"), "{\"a\": 1}");
        assertOneLine(assertThrows(InputException.class, () -> Reports.of(notResults, List.of(), List.of())));
        Path broken = Files.writeString(dir.resolve("y.json"), "{");
        assertOneLine(assertThrows(InputException.class, () -> Reports.of(broken, List.of(), List.of())));
        assertOneLine(assertThrows(InputException.class, () -> ReportWriter.Format.parse("pdf,svg")));
        assertOneLine(assertThrows(InputException.class, () -> Reports.of(DECODE, List.of("hardware=tpu9"), List.of())));
    }

    private static void assertOneLine(InputException e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
