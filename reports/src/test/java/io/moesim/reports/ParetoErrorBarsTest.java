package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.junit.jupiter.api.Test;

/** The Pareto chart draws a point's error band as a vertical bar, and nothing for an uncalibrated point. */
class ParetoErrorBarsTest {

    @Test
    void bandsBecomeVerticalBars() {
        JFreeChart chart = Charts.pareto("t", "x", "y", List.of(
                new Charts.ParetoPoint("a", 10, 1000, true, true, 900, 1250),
                new Charts.ParetoPoint("b", 20, 800, true, true),                 // uncalibrated: no bar
                new Charts.ParetoPoint("c", 30, 700, false, false, 600, 800)),    // infeasible: no bar
                "note");
        XYPlot plot = chart.getXYPlot();
        YIntervalSeriesCollection bars = (YIntervalSeriesCollection) plot.getDataset(1);
        assertEquals(1, bars.getItemCount(0));
        assertEquals(10, bars.getXValue(0, 0), 1e-12);
        assertEquals(1000, bars.getYValue(0, 0), 1e-12);
        assertEquals(900, bars.getStartYValue(0, 0), 1e-12);
        assertEquals(1250, bars.getEndYValue(0, 0), 1e-12);
    }

    @Test
    void noBandsNoSecondDataset() {
        JFreeChart chart = Charts.pareto("t", "x", "y", List.of(new Charts.ParetoPoint("a", 10, 1000, true, true)), "n");
        assertNull(chart.getXYPlot().getDataset(1));
    }
}
