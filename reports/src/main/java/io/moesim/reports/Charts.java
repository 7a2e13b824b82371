package io.moesim.reports;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StackedBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.YIntervalRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's charts, built with JFreeChart from plain numbers (no simulator types), styled for an
 * A4-landscape page: SansSerif fonts (kept as text in the PDF), white background, units on every axis.
 */
public final class Charts {

    private static final Color FRONT = new Color(0xc0392b);
    private static final Color DOMINATED = new Color(0x2e86c1);
    private static final Color INFEASIBLE = new Color(0xaaaaaa);
    private static final Font NOTE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 10);

    static {
        // JFreeChart draws rotated text (vertical axis labels) through TextLayout by default, which
        // PdfBoxGraphics2D can only draw as outlines; plain drawString under a rotation stays text.
        org.jfree.chart.text.TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    private Charts() {
    }

    /**
     * One point of a Pareto chart; {@code yLow..yHigh} is its error band (docs/validation.md), NaN
     * when the point's figure is uncalibrated.
     */
    public record ParetoPoint(String label, double x, double y, boolean feasible, boolean onFront, double yLow,
                              double yHigh) {
        /** A point without an error band. */
        public ParetoPoint(String label, double x, double y, boolean feasible, boolean onFront) {
            this(label, x, y, feasible, onFront, Double.NaN, Double.NaN);
        }
    }

    /**
     * A scatter of sweep points: the front drawn as a line through labelled points, other feasible
     * points in blue, infeasible ones grey (points with a NaN coordinate are left out).
     */
    public static JFreeChart pareto(String title, String xLabel, String yLabel, List<ParetoPoint> points, String note) {
        XYSeries front = new XYSeries("Pareto front", true, true);
        XYSeries dominated = new XYSeries("feasible, not on the front", false, true);
        XYSeries infeasible = new XYSeries("infeasible (does not fit in memory)", false, true);
        List<ParetoPoint> frontPoints = new ArrayList<>();
        for (ParetoPoint p : points) {
            if (!Double.isFinite(p.x()) || !Double.isFinite(p.y())) {
                continue;
            }
            if (!p.feasible()) {
                infeasible.add(p.x(), p.y());
            } else if (p.onFront()) {
                frontPoints.add(p);
            } else {
                dominated.add(p.x(), p.y());
            }
        }
        frontPoints.sort(Comparator.comparingDouble(ParetoPoint::x));
        List<String> frontLabels = new ArrayList<>();
        for (int i = 0; i < frontPoints.size(); i++) {
            ParetoPoint p = frontPoints.get(i);
            int alike = 0;
            while (i + 1 < frontPoints.size() && frontPoints.get(i + 1).x() == p.x() && frontPoints.get(i + 1).y() == p.y()) {
                alike++;
                i++;
            }
            // Points at the same place get one label, not labels printed over each other.
            frontLabels.add(shortLabel(p.label()) + (alike == 0 ? "" : " (and " + alike + " more here)"));
            front.add(p.x(), p.y());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(front);
        data.addSeries(dominated);
        data.addSeries(infeasible);

        NumberAxis xAxis = new NumberAxis(xLabel);
        xAxis.setAutoRangeIncludesZero(true);
        NumberAxis yAxis = new NumberAxis(yLabel);
        yAxis.setAutoRangeIncludesZero(true);
        xAxis.setUpperMargin(0.12);
        yAxis.setUpperMargin(0.08);
        ItemLabelPosition right = new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT);
        ItemLabelPosition left = new ItemLabelPosition(ItemLabelAnchor.OUTSIDE9, TextAnchor.CENTER_RIGHT);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer() {
            @Override
            public ItemLabelPosition getPositiveItemLabelPosition(int series, int item) {
                // A label to the right of a point in the right half of the plot would run off the chart:
                // those go to the left of their point.
                org.jfree.data.Range range = getPlot() == null ? null : getPlot().getDomainAxis().getRange();
                double x = data.getXValue(series, item);
                return range != null && x > range.getLowerBound() + 0.5 * range.getLength() ? left : right;
            }
        };
        keepSeriesLooks(renderer);
        renderer.setSeriesLinesVisible(0, true);
        renderer.setSeriesLinesVisible(1, false);
        renderer.setSeriesLinesVisible(2, false);
        renderer.setSeriesPaint(0, FRONT);
        renderer.setSeriesPaint(1, DOMINATED);
        renderer.setSeriesPaint(2, INFEASIBLE);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesShape(0, circle(5));
        renderer.setSeriesShape(1, circle(3.5));
        renderer.setSeriesShape(2, new Rectangle2D.Double(-3, -3, 6, 6));
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 8));
        renderer.setSeriesItemLabelGenerator(0, (dataset, series, item) -> frontLabels.get(item));
        renderer.setSeriesItemLabelsVisible(0, true);
        renderer.setItemLabelAnchorOffset(7);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setNoDataMessage(NO_DATA);
        YIntervalSeries bars = new YIntervalSeries("error band (validation residuals of the hardware)", false, true);
        for (ParetoPoint p : points) {
            if (p.feasible() && Double.isFinite(p.x()) && Double.isFinite(p.y()) && Double.isFinite(p.yLow())
                    && Double.isFinite(p.yHigh())) {
                bars.add(p.x(), p.y(), p.yLow(), p.yHigh());
            }
        }
        if (bars.getItemCount() > 0) {
            YIntervalSeriesCollection intervals = new YIntervalSeriesCollection();
            intervals.addSeries(bars);
            YIntervalRenderer barRenderer = new YIntervalRenderer();
            keepSeriesLooks(barRenderer);
            barRenderer.setSeriesPaint(0, new Color(90, 90, 90));
            barRenderer.setSeriesStroke(0, new BasicStroke(1f));
            barRenderer.setSeriesShape(0, new Rectangle2D.Double(0, 0, 0, 0));
            plot.setDataset(1, intervals);
            plot.setRenderer(1, barRenderer);
        }
        JFreeChart chart = new JFreeChart(title, plot);
        return styled(chart, note);
    }

    /** The longest point label drawn, in characters. */
    static final int MAX_LABEL = 40;

    /**
     * A point label short enough to stay on the chart: a value that is a file path is shown by its file
     * name, and the whole label is cut to {@link #MAX_LABEL} characters (the table has the full values).
     */
    static String shortLabel(String label) {
        List<String> parts = new ArrayList<>();
        for (String part : label.split(", ", -1)) {
            int slash = part.lastIndexOf('/');
            parts.add(slash >= 0 && slash < part.length() - 1 ? part.substring(slash + 1) : part);
        }
        String joined = String.join(", ", parts);
        return joined.length() <= MAX_LABEL ? joined : joined.substring(0, MAX_LABEL - 3) + "...";
    }

    /** What an empty chart says. */
    static final String NO_DATA = "no data";

    /**
     * A heatmap of tokens per GPU per MoE layer, coloured by load relative to the mean (white = mean,
     * blue below, red above).
     *
     * @param loads {@code loads[layer][gpu]} token copies received
     */
    public static JFreeChart heatmap(String title, double[][] loads, String note) {
        int layers = loads.length;
        int gpus = 0;
        int cells = 0;
        double sum = 0;
        for (double[] row : loads) {
            gpus = Math.max(gpus, row.length);
            for (double v : row) {
                if (Double.isFinite(v)) {
                    sum += v;
                    cells++;
                }
            }
        }
        double mean = cells == 0 ? 0 : sum / cells;
        double[] x = new double[cells];
        double[] y = new double[cells];
        double[] z = new double[cells];
        double max = 1;
        int i = 0;
        for (int l = 0; l < layers; l++) {
            for (int g = 0; g < loads[l].length; g++) {
                if (!Double.isFinite(loads[l][g])) {
                    continue;
                }
                x[i] = g;
                y[i] = l;
                z[i] = mean > 0 ? loads[l][g] / mean : 0;
                max = Math.max(max, z[i]);
                i++;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        if (cells > 0) {
            data.addSeries("load", new double[][] {x, y, z});
        }
        double upper = Math.max(2, Math.ceil(max * 4) / 4);
        DivergingScale scale = new DivergingScale(0, 1, upper);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(scale);
        NumberAxis xAxis = new NumberAxis("GPU in the expert-parallel group (index)");
        xAxis.setRange(-0.5, Math.max(1, gpus) - 0.5);
        xAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis yAxis = new NumberAxis("MoE layer (index among MoE layers)");
        yAxis.setRange(-0.5, Math.max(1, layers) - 0.5);
        yAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setNoDataMessage(NO_DATA);
        JFreeChart chart = new JFreeChart(title, plot);
        chart.removeLegend();
        NumberAxis scaleAxis = new NumberAxis("tokens received / mean over all GPUs and layers");
        scaleAxis.setRange(0, upper);
        PaintScaleLegend legend = new PaintScaleLegend(scale, scaleAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(new RectangleInsets(4, 10, 4, 4));
        legend.setStripWidth(14);
        legend.setAxisOffset(4);
        chart.addSubtitle(legend);
        return styled(chart, note);
    }

    /** White at {@code mid}, blue down to {@code lower}, red up to {@code upper}. */
    record DivergingScale(double lower, double mid, double upper) implements PaintScale {
        @Override
        public double getLowerBound() {
            return lower;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            if (value <= mid) {
                double t = Math.max(0, (value - lower) / (mid - lower));
                return mix(new Color(0x2166ac), Color.WHITE, t);
            }
            double t = Math.min(1, (value - mid) / (upper - mid));
            return mix(Color.WHITE, new Color(0xb2182b), t);
        }

        private static Color mix(Color a, Color b, double t) {
            return new Color((int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                    (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                    (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
        }
    }

    /** Memory of one pool per GPU, in bytes. */
    public record PoolMemory(String pool, double weights, double kvCache, double activations, double buffers,
                             double reserved, double capacity) {
    }

    /** Stacked bars of memory per GPU per pool, against the HBM capacity line. */
    public static JFreeChart memory(String title, List<PoolMemory> pools, String note) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double top = 0;
        double capacity = 0;
        boolean any = false;
        for (PoolMemory m : pools) {
            String pool = m.pool() + " pool";
            double[] parts = {m.weights(), m.kvCache(), m.activations(), m.buffers(), m.reserved()};
            String[] names = {"weights", "KV cache", "activations", "communication buffers", "runtime reserve"};
            double total = 0;
            for (int i = 0; i < parts.length; i++) {
                double gb = Double.isFinite(parts[i]) && parts[i] > 0 ? parts[i] / 1e9 : 0;
                data.addValue(gb, names[i], pool);
                total += gb;
            }
            any |= total > 0;
            top = Math.max(top, total);
            if (Double.isFinite(m.capacity()) && m.capacity() > 0) {
                capacity = Math.max(capacity, m.capacity() / 1e9);
            }
        }
        if (!any && capacity == 0) {
            // Nothing to draw: no pools, or every figure zero. The chart says so instead of failing.
            data.clear();
        }
        StackedBarRenderer renderer = new StackedBarRenderer();
        keepSeriesLooks(renderer);
        renderer.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setMaximumBarWidth(0.18);
        Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0x8c8c8c)};
        for (int i = 0; i < colors.length; i++) {
            renderer.setSeriesPaint(i, colors[i]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new java.text.DecimalFormat("0.0")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 8));
        renderer.setDefaultItemLabelPaint(Color.WHITE);
        NumberAxis yAxis = new NumberAxis("memory per GPU (GB, 10^9 bytes)");
        double upper = Math.max(top, capacity) * 1.12;
        yAxis.setRange(0, upper > 0 ? upper : 1);
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("pool"), yAxis, renderer);
        plot.setNoDataMessage(NO_DATA);
        ValueMarker line = new ValueMarker(capacity, Color.BLACK, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 1, new float[] {6, 4}, 0));
        line.setLabel(String.format(Locale.ROOT, "HBM capacity %.1f GB", capacity));
        line.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        line.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_LEFT);
        line.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        line.setLabelOffset(new RectangleInsets(2, 6, 2, 2));
        if (capacity > 0) {
            plot.addRangeMarker(line);
        }
        JFreeChart chart = new JFreeChart(title, plot);
        return styled(chart, note);
    }

    /** One bar of a timeline: lane (row), phase (colour), start and end in seconds. */
    public record Segment(String lane, String phase, double startSeconds, double endSeconds) {
    }

    /** A Gantt-like chart: one row per lane, segments coloured by phase, time in milliseconds. */
    public static JFreeChart timeline(String title, List<String> lanes, List<String> phases, List<Segment> segments,
                                      String note) {
        XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
        Map<String, XYIntervalSeries> byPhase = new java.util.LinkedHashMap<>();
        for (String phase : phases) {
            XYIntervalSeries series = new XYIntervalSeries(phase);
            byPhase.put(phase, series);
            data.addSeries(series);
        }
        double end = 0;
        for (Segment s : segments) {
            int lane = lanes.indexOf(s.lane());
            double a = s.startSeconds() * 1e3;
            double b = s.endSeconds() * 1e3;
            byPhase.get(s.phase()).add(lane, lane - 0.32, lane + 0.32, a, a, b);
            end = Math.max(end, b);
        }
        XYBarRenderer renderer = new XYBarRenderer();
        keepSeriesLooks(renderer);
        renderer.setUseYInterval(true);
        renderer.setBarPainter(new StandardXYBarPainter());
        renderer.setShadowVisible(false);
        renderer.setDrawBarOutline(true);
        renderer.setDefaultOutlinePaint(Color.WHITE);
        for (int i = 0; i < phases.size(); i++) {
            renderer.setSeriesPaint(i, phaseColor(phases.get(i), i));
        }
        SymbolAxis laneAxis = new SymbolAxis("GPU and stream", lanes.toArray(String[]::new));
        laneAxis.setGridBandsVisible(false);
        laneAxis.setInverted(true);
        NumberAxis timeAxis = new NumberAxis("time within one step (ms)");
        timeAxis.setRange(0, end > 0 ? end * 1.02 : 1);
        if (end <= 0) {
            data.removeAllSeries();
        }
        XYPlot plot = new XYPlot(data, laneAxis, timeAxis, renderer);
        plot.setNoDataMessage(NO_DATA);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        JFreeChart chart = new JFreeChart(title, plot);
        return styled(chart, note);
    }

    private static Color phaseColor(String phase, int index) {
        return switch (phase) {
            case "idle" -> new Color(0xe5e5e5);
            case "dispatch" -> new Color(0xd62728);
            case "combine" -> new Color(0xff9896);
            case "TP all-reduce" -> new Color(0x9467bd);
            case "attention" -> new Color(0x1f77b4);
            case "routed experts" -> new Color(0x2ca02c);
            case "shared experts and dense MLP" -> new Color(0x98df8a);
            case "router and LM head" -> new Color(0x17becf);
            default -> Color.getHSBColor(index * 0.13f, 0.6f, 0.8f);
        };
    }

    /**
     * The cost of a scenario on one hardware profile at one kind of price.
     *
     * @param usdPerGpuHour the price it was costed at, NaN when the profile has no price of that kind
     *                      (then both costs are NaN)
     */
    public record HardwareCost(String hardware, double usdPerMillionInput, double usdPerMillionOutput,
                               boolean feasible, double usdPerGpuHour) {
    }

    /**
     * Grouped bars of $/M input and output tokens per hardware profile, all at one kind of price
     * ({@code priceKind}, named under each bar with the price); infeasible ones grey, a profile without a
     * price of that kind labelled so and left without bars.
     */
    public static JFreeChart costAcrossHardware(String title, List<HardwareCost> costs, String priceKind,
                                                String note) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        boolean anyInput = costs.stream().anyMatch(c -> Double.isFinite(c.usdPerMillionInput()));
        boolean anyOutput = costs.stream().anyMatch(c -> Double.isFinite(c.usdPerMillionOutput()));
        List<Boolean> feasible = new ArrayList<>();
        for (HardwareCost c : costs) {
            String category = Double.isNaN(c.usdPerGpuHour())
                    ? c.hardware() + " (no " + priceKind + ")"
                    : c.hardware() + String.format(java.util.Locale.ROOT, " at $%.2f/h", c.usdPerGpuHour())
                            + (c.feasible() ? "" : " (does not fit)");
            if (anyInput) {
                data.addValue(finiteOrNull(c.usdPerMillionInput()), "input tokens", category);
            }
            if (anyOutput) {
                data.addValue(finiteOrNull(c.usdPerMillionOutput()), "output tokens", category);
            }
            feasible.add(c.feasible());
        }
        Color[] colors = {new Color(0x1f77b4), new Color(0xff7f0e)};
        Color[] greys = {new Color(0xb0b0b0), new Color(0xd0d0d0)};
        int firstSeries = anyInput ? 0 : 1;
        BarRenderer renderer = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                int kind = row + firstSeries;
                return feasible.get(column) ? colors[kind] : greys[kind];
            }
        };
        keepSeriesLooks(renderer);
        renderer.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        for (int i = 0; i < data.getRowCount(); i++) {
            renderer.setSeriesPaint(i, colors[i + firstSeries]);
        }
        renderer.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new java.text.DecimalFormat("$0.00")));
        renderer.setDefaultItemLabelsVisible(true);
        renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        NumberAxis yAxis = new NumberAxis("USD per million tokens");
        yAxis.setUpperMargin(0.12);
        CategoryAxis xAxis = new CategoryAxis("hardware profile at its " + priceKind + " per GPU-hour");
        xAxis.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        xAxis.setMaximumCategoryLabelLines(3);
        CategoryPlot plot = new CategoryPlot(data, xAxis, yAxis, renderer);
        for (HardwareCost c : costs) {
            if (Double.isNaN(c.usdPerGpuHour())) {
                org.jfree.chart.annotations.CategoryTextAnnotation none =
                        new org.jfree.chart.annotations.CategoryTextAnnotation("no " + priceKind,
                                c.hardware() + " (no " + priceKind + ")", 0);
                none.setTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_CENTER);
                none.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 10));
                none.setPaint(new Color(0x606060));
                plot.addAnnotation(none);
            }
        }
        plot.setNoDataMessage(NO_DATA);
        JFreeChart chart = new JFreeChart(title, plot);
        return styled(chart, note);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Stops the theme from replacing the series colours, shapes and strokes set here. */
    private static void keepSeriesLooks(org.jfree.chart.renderer.AbstractRenderer renderer) {
        renderer.setAutoPopulateSeriesPaint(false);
        renderer.setAutoPopulateSeriesShape(false);
        renderer.setAutoPopulateSeriesStroke(false);
        renderer.setAutoPopulateSeriesOutlinePaint(false);
    }

    private static Shape circle(double r) {
        return new Ellipse2D.Double(-r, -r, 2 * r, 2 * r);
    }

    /** Applies the report theme and adds {@code note} (if not empty) under the chart. */
    static JFreeChart styled(JFreeChart chart, String note) {
        StandardChartTheme theme = new StandardChartTheme("moesim");
        theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        theme.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        theme.setPlotBackgroundPaint(Color.WHITE);
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setDomainGridlinePaint(new Color(0xdddddd));
        theme.setRangeGridlinePaint(new Color(0xdddddd));
        theme.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        theme.setXYBarPainter(new StandardXYBarPainter());
        theme.setShadowVisible(false);
        theme.setAxisOffset(new RectangleInsets(0, 0, 0, 0));
        theme.apply(chart);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setFrame(BlockBorder.NONE);
            legend.setPosition(RectangleEdge.BOTTOM);
        }
        if (note != null && !note.isEmpty()) {
            TextTitle text = new TextTitle(note, NOTE_FONT);
            text.setPosition(RectangleEdge.BOTTOM);
            text.setPaint(Color.DARK_GRAY);
            text.setMargin(new RectangleInsets(6, 4, 0, 4));
            chart.addSubtitle(text);
        }
        return chart;
    }
}
