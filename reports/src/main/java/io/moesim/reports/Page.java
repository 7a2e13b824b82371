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
            double content = width - 2 * MARGIN;
            // The label column is as wide as the widest label, within limits; a longer label wraps inside
            // it, so it never prints over its value.
            double widest = 0;
            for (String[] fact : facts) {
                if (!fact[1].isEmpty()) {
                    widest = Math.max(widest, g.getFontMetrics(label).stringWidth(fact[0]));
                }
            }
            double gap = 12;
            double labelWidth = Math.min(Math.max(widest + gap, 120), 0.4 * content);
            double lineHeight = 13;
            for (String[] fact : facts) {
                if (fact[1].isEmpty()) {
                    y += 4;
                    g.setColor(new Color(0x1f4e79));
                    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
                    for (String line : wrap(g, fact[0], content)) {
                        g.drawString(line, (float) MARGIN, (float) y);
                        y += 15;
                    }
                    continue;
                }
                g.setColor(Color.BLACK);
                g.setFont(label);
                List<String> labelLines = wrap(g, fact[0], labelWidth - gap);
                for (int i = 0; i < labelLines.size(); i++) {
                    g.drawString(labelLines.get(i), (float) MARGIN, (float) (y + i * lineHeight));
                }
                g.setFont(value);
                List<String> valueLines = wrap(g, fact[1], content - labelWidth);
                for (int i = 0; i < valueLines.size(); i++) {
                    g.drawString(valueLines.get(i), (float) (MARGIN + labelWidth), (float) (y + i * lineHeight));
                }
                y += Math.max(labelLines.size(), valueLines.size()) * lineHeight;
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
            double available = width - 2 * MARGIN;
            // Columns as wide as their widest cell; when they do not fit across the page the widest
            // columns give way and their cells wrap. When the wrapped rows do not fit down the page the
            // font gets smaller. Nothing is cut.
            Layout layout = null;
            for (float size = 9f; size >= 4.5f; size -= 0.5f) {
                layout = layout(g, size, available);
                double noteHeight = note.isEmpty() ? 0 : 6 + 12 * wrap(g, note, available).size();
                if (y + layout.height() + noteHeight <= height - MARGIN) {
                    break;
                }
            }
            double gap = layout.gap();
            drawRow(g, layout.headerLines(), layout.widths(), gap, y, layout.headFont(), layout.lineHeight(), true);
            y += (layout.headerLines().stream().mapToInt(List::size).max().orElse(1) - 1) * layout.lineHeight() + 5;
            g.setStroke(new BasicStroke(0.8f));
            g.draw(new Line2D.Double(MARGIN, y, width - MARGIN, y));
            y += layout.lineHeight() + 3;
            for (List<List<String>> row : layout.rowLines()) {
                drawRow(g, row, layout.widths(), gap, y, layout.cellFont(), layout.lineHeight(), false);
                y += row.stream().mapToInt(List::size).max().orElse(1) * layout.lineHeight() + layout.cellFont().getSize2D() / 9;
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

        /** Column widths, every cell split into its lines, at one font size. */
        private record Layout(Font headFont, Font cellFont, double lineHeight, double gap, double[] widths,
                              List<List<String>> headerLines, List<List<List<String>>> rowLines, double height) {
        }

        private Layout layout(Graphics2D g, float size, double available) {
            Font headFont = new Font(Font.SANS_SERIF, Font.BOLD, 9).deriveFont(size);
            Font cellFont = new Font(Font.SANS_SERIF, Font.PLAIN, 9).deriveFont(size);
            FontMetrics head = g.getFontMetrics(headFont);
            FontMetrics cell = g.getFontMetrics(cellFont);
            double gap = size * 4 / 3;
            double lineHeight = size * 13 / 9;
            int columns = header.size();
            double[] natural = new double[columns];
            for (int c = 0; c < columns; c++) {
                natural[c] = head.stringWidth(header.get(c));
                for (List<String> row : rows) {
                    natural[c] = Math.max(natural[c], cell.stringWidth(row.get(c)));
                }
            }
            double[] widths = fit(natural, available - gap * (columns - 1));
            List<List<String>> headerLines = new ArrayList<>();
            g.setFont(headFont);
            for (int c = 0; c < columns; c++) {
                headerLines.add(wrap(g, header.get(c), widths[c]));
            }
            double height = (headerLines.stream().mapToInt(List::size).max().orElse(1) - 1) * lineHeight + 5
                    + lineHeight + 3;
            g.setFont(cellFont);
            List<List<List<String>>> rowLines = new ArrayList<>();
            for (List<String> row : rows) {
                List<List<String>> lines = new ArrayList<>();
                for (int c = 0; c < columns; c++) {
                    lines.add(wrap(g, row.get(c), widths[c]));
                }
                rowLines.add(lines);
                height += lines.stream().mapToInt(List::size).max().orElse(1) * lineHeight + size / 9;
            }
            return new Layout(headFont, cellFont, lineHeight, gap, widths, headerLines, rowLines, height);
        }

        /**
         * Widths that sum to at most {@code total}: a column narrower than an equal share of what is left
         * keeps its width, the wider ones share the rest equally.
         */
        static double[] fit(double[] natural, double total) {
            double[] widths = natural.clone();
            double sum = 0;
            for (double w : natural) {
                sum += w;
            }
            if (sum <= total) {
                return widths;
            }
            boolean[] capped = new boolean[natural.length];
            double left = total;
            int open = natural.length;
            boolean changed = true;
            while (changed && open > 0) {
                changed = false;
                double share = left / open;
                for (int c = 0; c < natural.length; c++) {
                    if (!capped[c] && natural[c] <= share) {
                        capped[c] = true;
                        left -= natural[c];
                        open--;
                        changed = true;
                    }
                }
            }
            double share = open == 0 ? 0 : Math.max(left / open, 1);
            for (int c = 0; c < natural.length; c++) {
                if (!capped[c]) {
                    widths[c] = share;
                }
            }
            return widths;
        }

        private static void drawRow(Graphics2D g, List<List<String>> cells, double[] widths, double gap, double y,
                                    Font font, double lineHeight, boolean header) {
            g.setFont(font);
            g.setColor(Color.BLACK);
            FontMetrics metrics = g.getFontMetrics();
            double x = MARGIN;
            for (int c = 0; c < cells.size(); c++) {
                List<String> lines = cells.get(c);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    boolean number = !header && lines.size() == 1 && line.matches("[-+$]?[0-9.,]+[%a-z]*");
                    double at = number ? x + widths[c] - metrics.stringWidth(line) : x;
                    g.drawString(line, (float) at, (float) (y + i * lineHeight));
                }
                x += widths[c] + gap;
            }
        }
    }

    /**
     * Splits {@code text} into lines no wider than {@code width} in the current font: at spaces, and a
     * word wider than a line (a long path, a dotted key) after a {@code / . , - _ =} where it can, else
     * anywhere.
     */
    static List<String> wrap(Graphics2D g, String text, double width) {
        FontMetrics metrics = g.getFontMetrics();
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (metrics.stringWidth(candidate) <= width) {
                line = new StringBuilder(candidate);
                continue;
            }
            if (!line.isEmpty()) {
                lines.add(line.toString());
                line = new StringBuilder();
            }
            String rest = word;
            while (metrics.stringWidth(rest) > width && rest.length() > 1) {
                int cut = 1;
                while (cut < rest.length() && metrics.stringWidth(rest.substring(0, cut + 1)) <= width) {
                    cut++;
                }
                int soft = -1;
                for (int i = cut; i > cut / 2; i--) {
                    if ("/.,-_=".indexOf(rest.charAt(i - 1)) >= 0) {
                        soft = i;
                        break;
                    }
                }
                int at = soft > 0 ? soft : cut;
                lines.add(rest.substring(0, at));
                rest = rest.substring(at);
            }
            line = new StringBuilder(rest);
        }
        if (!line.isEmpty() || lines.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }
}
