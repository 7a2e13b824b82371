package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfile.Price.Kind;
import io.moesim.simulator.hardware.Quantity;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.data.category.CategoryDataset;
import org.junit.jupiter.api.Test;

/** The cost-across-hardware charts price every profile with one kind of price at a time (issue 14). */
class CostAcrossHardwareTest {

    private static final Path DECODE = Path.of("..", "scenarios", "deepseek-v3-h800-decode.yaml");

    private static Quantity usd(double value) {
        return new Quantity(value, "USD/GPU-hour", Quantity.Kind.SPEC, "test");
    }

    @Test
    void eachKindPricesEveryRunWithThatKindOnly() {
        List<Reports.HardwareRun> runs = List.of(
                new Reports.HardwareRun("a", new HardwareProfile.Price(usd(2), null), 0.5, 3.0, true),
                new Reports.HardwareRun("b", new HardwareProfile.Price(usd(1.5), usd(6)), 0.25, 1.0, false));
        List<Charts.HardwareCost> owner = Reports.costsAt(Kind.OWNER, runs);
        assertEquals(new Charts.HardwareCost("a", 1.0, 6.0, true, 2), owner.get(0));
        assertEquals(new Charts.HardwareCost("b", 0.375, 1.5, false, 1.5), owner.get(1));
        List<Charts.HardwareCost> onDemand = Reports.costsAt(Kind.ON_DEMAND, runs);
        Charts.HardwareCost none = onDemand.get(0);
        assertTrue(Double.isNaN(none.usdPerGpuHour()) && Double.isNaN(none.usdPerMillionInput())
                && Double.isNaN(none.usdPerMillionOutput()), "a has no on-demand price: no bar, not a made-up one");
        assertEquals(new Charts.HardwareCost("b", 1.5, 6.0, false, 6), onDemand.get(1));
    }

    /**
     * With a stand-in for the simulator whose cost is proportional to the price it is given, the charts'
     * bars are the shipped profiles' prices of one kind times that cost, every run being made at $1.
     */
    @Test
    void chartsOfTheShippedProfilesShowOneKindEachAndNameIt() {
        List<Double> pricesSeen = new ArrayList<>();
        List<Page> pages = Reports.costPages(DECODE, List.of(), new ScenarioLoader(), (Scenario s) -> {
            pricesSeen.add(s.usdPerGpuHour());
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            r.put("feasible", true);
            r.putObject("cost").put("usdPerMillionInputTokens", Double.NaN)
                    .put("usdPerMillionOutputTokens", 0.1 * s.usdPerGpuHour());
            return (JsonNode) r;
        });
        assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 1.0), pricesSeen, "the scenario's own $2 is dropped");
        assertEquals(2, pages.size());
        Page.Chart owner = (Page.Chart) pages.get(0);
        Page.Chart onDemand = (Page.Chart) pages.get(1);
        assertEquals("cost-hardware", owner.name());
        assertEquals("Cost per million tokens across hardware: owner/reserved cost per GPU-hour", owner.title());
        assertEquals("cost-hardware-on-demand", onDemand.name());
        assertEquals("Cost per million tokens across hardware: on-demand list price per GPU-hour", onDemand.title());

        CategoryDataset ownerBars = ((CategoryPlot) owner.chart().getPlot()).getDataset();
        assertEquals(List.of("output tokens"), ownerBars.getRowKeys(), "no input series when no pool prefills");
        assertEquals(List.of("h800 at $2.00/h", "h100 at $2.30/h", "h200 at $2.30/h", "b200 at $1.95/h",
                "gb200-nvl72 at $3.20/h"), ownerBars.getColumnKeys());
        double[] owners = {2.00, 2.30, 2.30, 1.95, 3.20};
        for (int i = 0; i < owners.length; i++) {
            assertEquals(0.1 * owners[i], ownerBars.getValue(0, i).doubleValue(), 1e-12);
        }

        CategoryDataset onDemandBars = ((CategoryPlot) onDemand.chart().getPlot()).getDataset();
        assertEquals(List.of("h800 (no on-demand list price)", "h100 at $6.16/h", "h200 at $6.31/h",
                "b200 at $8.60/h", "gb200-nvl72 at $10.50/h"), onDemandBars.getColumnKeys());
        assertEquals(null, onDemandBars.getValue(0, 0), "no bar for a profile without the kind");
        double[] lists = {6.16, 6.31, 8.60, 10.50};
        for (int i = 0; i < lists.length; i++) {
            assertEquals(0.1 * lists[i], onDemandBars.getValue(0, i + 1).doubleValue(), 1e-12);
        }
        assertEquals(0, ((CategoryPlot) owner.chart().getPlot()).getAnnotations().size());
        List<?> marks = ((CategoryPlot) onDemand.chart().getPlot()).getAnnotations();
        assertEquals(1, marks.size(), "the profile without an on-demand price is marked on the plot");
        assertEquals("no on-demand list price",
                ((org.jfree.chart.annotations.CategoryTextAnnotation) marks.get(0)).getText());
        String axis = ((CategoryPlot) onDemand.chart().getPlot()).getDomainAxis().getLabel();
        assertEquals("hardware profile at its on-demand list price per GPU-hour", axis);
    }
}
