package io.moesim.reports;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jfree.chart.JFreeChart;

/**
 * One page of a report, drawn into any {@link Graphics2D} (a PDF page through PdfBoxGraphics2D, or a
 * PNG image) at a size in points. Text is drawn as text with the logical {@code SansSerif} font, which
 * the PDF writer maps to Helvetica, so the PDF stays searchable.
 */
public sealed interface Page permits Page.Title, Page.Chart, Page.Table {

    /** File-name stem of the page ({@code pareto-throughput}); PNGs are written for charts only. */
    String name();

    /** The heading (chart title, table title). */
    String title();

    /** Draws the page into a {@code width x height} point area starting at (0, 0). */
    void draw(Graphics2D g, double width, double height);

    /** Margin around a page's content, in points. */
    double MARGIN = 28;

    /** A chart filling the page. */
    record Chart(String name, String title, JFreeChart chart) implements Page {
        public Chart {
            Objects.requireNonNull(chart, "chart");
        }

        @Override
        public void draw(Graphics2D g, double width, double height) {
            chart.draw(g, new Rectangle2D.Double(MARGIN, MARGIN, width - 2 * MARGIN, height - 2 * MARGIN));
        }
    }

    /**
     * The title page: a heading, a subtitle and a two-column list of facts.
     *
     * @param facts pairs {label, value}; a pair with an empty value is a section heading
     */
    record Title(String name, String title, String subtitle, List<String[]> facts) implements Page {
        public Title {
            facts = List.copyOf(facts);
        }

        @Override
        public void draw(Graphics2D g, double width, double height) {
            g.setColor(Color.WHITE);
            g.fill(new Rectangle2D.Double(0, 0, width, height));
            g.setColor(Color.BLACK);
            double y = MARGIN + 26;
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
            for (String line : wrap(g, title, width - 2 * MARGIN)) {
                g.drawString(line, (float) MARGIN, (float) y);
                y += 24;
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setColor(Color.DARK_GRAY);
            for (String line : wrap(g, subtitle, width - 2 * MARGIN)) {
                g.drawString(line, (float) MARGIN, (float) y);
                y += 14;
            }
            y += 6;
            g.setStroke(new BasicStroke(0.8f));
            g.draw(new Line2D.Double(MARGIN, y, width - MARGIN, y));
            y += 16;
            Font label = new Font(Font.SANS_SERIF, Font.BOLD, 10);
            Font value = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
            double labelWidth = 190;
            for (String[] fact : facts) {
                if (fact[1].isEmpty()) {
                    y += 4;
                    g.setColor(new Color(0x1f4e79));
                    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                    g.drawString(fact[0], (float) MARGIN, (float) y);
                    y += 15;
                    continue;
                }
                g.setColor(Color.BLACK);
                g.setFont(label);
                g.drawString(fact[0], (float) MARGIN, (float) y);
                g.setFont(value);
                for (String line : wrap(g, fact[1], width - 2 * MARGIN - labelWidth)) {
                    g.drawString(line, (float) (MARGIN + labelWidth), (float) y);
                    y += 13;
                }
            }
        }
    }

    /**
     * A table: a header row and text rows, columns sized to their widest cell; numbers right-aligned.
     *
     * @param note a line under the table (may be empty)
     */
    record Table(String name, String title, String note, List<String> header, List<List<String>> rows) implements Page {

        /** Rows that fit on one A4-landscape table page. */
        public static final int ROWS_PER_PAGE = 30;

        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            for (List<String> row : rows) {
                if (row.size() != header.size()) {
                    throw new IllegalArgumentException("a row has " + row.size() + " cells, the header " + header.size());
                }
            }
        }

        @Override
        public void draw(Graphics2D g, double width, double height) {
            g.setColor(Color.WHITE);
            g.fill(new Rectangle2D.Double(0, 0, width, height));
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            double y = MARGIN + 18;
            g.drawString(title, (float) MARGIN, (float) y);
            y += 24;
            Font headFont = new Font(Font.SANS_SERIF, Font.BOLD, 9);
            Font cellFont = new Font(Font.SANS_SERIF, Font.PLAIN, 9);
            int columns = header.size();
            double[] widths = new double[columns];
            for (int c = 0; c < columns; c++) {
                widths[c] = g.getFontMetrics(headFont).stringWidth(header.get(c));
                for (List<String> row : rows) {
                    widths[c] = Math.max(widths[c], g.getFontMetrics(cellFont).stringWidth(row.get(c)));
                }
            }
            double gap = 12;
            double rowHeight = 14;
            drawRow(g, header, widths, gap, y, headFont, true);
            y += 5;
            g.setStroke(new BasicStroke(0.8f));
            g.draw(new Line2D.Double(MARGIN, y, width - MARGIN, y));
            y += rowHeight;
            for (List<String> row : rows) {
                drawRow(g, row, widths, gap, y, cellFont, false);
                y += rowHeight;
            }
            if (!note.isEmpty()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 9));
                g.setColor(Color.DARK_GRAY);
                y += 6;
                for (String line : wrap(g, note, width - 2 * MARGIN)) {
                    g.drawString(line, (float) MARGIN, (float) y);
                    y += 12;
                }
            }
        }

        private static void drawRow(Graphics2D g, List<String> cells, double[] widths, double gap, double y, Font font,
                                    boolean header) {
            g.setFont(font);
            FontMetrics metrics = g.getFontMetrics();
            double x = MARGIN;
            for (int c = 0; c < cells.size(); c++) {
                String cell = cells.get(c);
                boolean number = !header && cell.matches("[-+$]?[0-9.,]+[%a-z]*");
                double at = number ? x + widths[c] - metrics.stringWidth(cell) : x;
                g.drawString(cell, (float) at, (float) y);
                x += widths[c] + gap;
            }
        }
    }

    /** Splits {@code text} into lines no wider than {@code width} in the current font. */
    static List<String> wrap(Graphics2D g, String text, double width) {
        FontMetrics metrics = g.getFontMetrics();
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (metrics.stringWidth(candidate) > width && !line.isEmpty()) {
                lines.add(line.toString());
                line = new StringBuilder(word);
            } else {
                line = new StringBuilder(candidate);
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }
}
