package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/** What keeps long text on the page, and charts with nothing to draw. */
class ReportLayoutTest {

    private static Graphics2D graphics() {
        Graphics2D g = new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB).createGraphics();
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        return g;
    }

    @Test
    void columnsThatDoNotFitShareTheRestEqually() {
        // 400 pt for columns of 50, 300, 500 and 30: 50 and 30 keep theirs, the other two get (400 - 80) / 2.
        assertArrayEquals(new double[] {50, 160, 160, 30}, Page.Table.fit(new double[] {50, 300, 500, 30}, 400), 1e-9);
        // They fit: unchanged.
        assertArrayEquals(new double[] {50, 100}, Page.Table.fit(new double[] {50, 100}, 400), 1e-9);
        // A column below the first share but above the next one is capped in a second round:
        // share 300 / 4 = 75 keeps 20; then (300 - 20) / 3 = 93.3 keeps 90; the last two get (280 - 90) / 2 = 95.
        assertArrayEquals(new double[] {20, 90, 95, 95}, Page.Table.fit(new double[] {20, 90, 200, 400}, 300), 1e-9);
    }

    @Test
    void wrapBreaksLongWordsAtSeparatorsAndLosesNothing() {
        Graphics2D g = graphics();
        FontMetrics m = g.getFontMetrics();
        String path = "/tmp/o/hw/a-rather-long-folder-name-for-profiles/h200-sxm-141gb-custom-profile.yaml";
        String text = "varied " + path + " and deployment.decode.maxBatchPerGpu";
        List<String> lines = Page.wrap(g, text, 90);
        assertTrue(lines.size() > 3, lines.toString());
        for (String line : lines) {
            assertTrue(m.stringWidth(line) <= 90, "'" + line + "' is wider than 90 pt");
        }
        assertEquals(text.replace(" ", ""), String.join("", lines).replace(" ", ""), "every character is kept");
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("/") || l.endsWith("-") || l.endsWith(".")),
                "long words break after a separator: " + lines);
    }

    @Test
    void paretoLabelsAreShort() {
        assertEquals("128, h200.yaml, eplb-global", Charts.shortLabel("128, /some/where/h200.yaml, eplb-global"));
        String cut = Charts.shortLabel("x".repeat(100));
        assertEquals(Charts.MAX_LABEL, cut.length());
        assertTrue(cut.endsWith("..."));
    }

    @Test
    void chartsWithNothingToDrawSayNoData() throws Exception {
        List<Page> pages = new ArrayList<>();
        pages.add(new Page.Chart("memory", "Memory", Charts.memory("Memory", List.of(), "")));
        pages.add(new Page.Chart("zero", "Zero", Charts.memory("Zero",
                List.of(new Charts.PoolMemory("decode", 0, 0, 0, 0, 0, 0)), "")));
        pages.add(new Page.Chart("nan", "NaN", Charts.memory("NaN",
                List.of(new Charts.PoolMemory("decode", Double.NaN, 0, 0, 0, 0, Double.NaN)), "")));
        pages.add(new Page.Chart("timeline", "Timeline", Charts.timeline("Timeline", List.of(), List.of("idle"),
                List.of(), "")));
        pages.add(new Page.Chart("heatmap", "Heatmap", Charts.heatmap("Heatmap", new double[0][], "")));
        pages.add(new Page.Chart("pareto", "Pareto", Charts.pareto("Pareto", "x", "y", List.of(), "")));
        Report report = new Report("empty", pages);
        ByteArrayOutputStream pdf = new ByteArrayOutputStream();
        ReportWriter.pdf(report, pdf);
        for (Page page : pages) {
            assertTrue(ReportWriter.png(page).length > 1000);
        }
        try (PDDocument doc = Loader.loadPDF(pdf.toByteArray())) {
            assertEquals(pages.size(), doc.getNumberOfPages());
            String text = new PDFTextStripper().getText(doc);
            assertEquals(pages.size(), text.split("no data", -1).length - 1, text);
        }
    }

    @Test
    void samePdfBytesEveryTime() throws Exception {
        Report report = new Report("same", List.of(new Page.Title("title", "A title", "sub",
                List.<String[]>of(new String[] {"label", "value"}))));
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ReportWriter.pdf(report, a);
        ReportWriter.pdf(report, b);
        // PDFBox alone draws the /ID from the clock (milliseconds): two saves would differ.
        assertArrayEquals(a.toByteArray(), b.toByteArray());
    }
}
