package io.moesim.reports;

import io.moesim.models.InputException;
import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.engine.RandomStreams;
import io.moesim.simulator.routing.ExpertPlacement;
import io.moesim.simulator.routing.RoutingSource;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.scenario.Scenario;
import java.util.Locale;

/**
 * Token copies each GPU of an expert-parallel group receives at each MoE layer in one step, computed
 * from the scenario's routing (synthetic uniform or Zipf, or the first tokens of its router trace)
 * and its placement. Used for the heatmap until the simulator's results carry measured loads.
 *
 * @param loads       {@code loads[moeLayer][gpu]}
 * @param description what the numbers are, for the chart's note
 */
public record ExpertLoads(double[][] loads, String description) {

    /**
     * One step of {@code tokensPerStep} tokens entering an EP group of {@code ep} GPUs.
     *
     * @throws InputException when the trace's experts do not match the model
     */
    public static ExpertLoads of(Scenario scenario, int ep, int tokensPerStep) {
        int experts = scenario.model().moe().numRoutedExperts();
        int topK = scenario.model().moe().topK();
        int redundant = scenario.placement().redundantExperts();
        ExpertPlacement placement = ExpertPlacement.contiguous(experts, ep, redundant);
        int[] perExpert = new int[experts];
        int[] perSlot = new int[experts + redundant];
        double[] perGpu = new double[ep];
        String placementText = String.format(Locale.ROOT, "%s placement of %d experts%s over EP%d",
                scenario.placement().strategy(), experts, redundant > 0 ? " + " + redundant + " redundant" : "", ep);
        if (scenario.routing() instanceof Scenario.Routing.Trace trace) {
            RouterTrace recorded = RouterTrace.read(trace.path());
            if (recorded.numExperts() != experts) {
                throw new InputException(trace.path() + ": the trace has " + recorded.numExperts()
                        + " experts, the model " + experts);
            }
            int tokens = Math.min(tokensPerStep, recorded.numTokens());
            double[][] loads = new double[recorded.numRecordedLayers()][ep];
            for (int l = 0; l < loads.length; l++) {
                java.util.Arrays.fill(perExpert, 0);
                for (int t = 0; t < tokens; t++) {
                    for (int k = 0; k < recorded.topK(); k++) {
                        perExpert[recorded.expert(t, l, k)]++;
                    }
                }
                placement.slotLoads(perExpert, perSlot);
                placement.gpuLoads(perSlot, loads[l]);
            }
            return new ExpertLoads(loads, String.format(Locale.ROOT,
                    "From the first %d tokens of router trace %s (recorded layers), %s.", tokens,
                    trace.path().getFileName(), placementText));
        }
        SyntheticRouting.Distribution distribution = scenario.routing() instanceof Scenario.Routing.Zipf zipf
                ? new SyntheticRouting.Zipf(zipf.exponent()) : new SyntheticRouting.Uniform();
        int layers = scenario.model().numMoeLayers();
        RoutingSource routing = new SyntheticRouting(experts, topK, layers, distribution,
                new RandomStreams(scenario.seed()).stream("routing"));
        double[][] loads = new double[layers][ep];
        for (int l = 0; l < layers; l++) {
            routing.expertLoads(l, tokensPerStep, perExpert);
            placement.slotLoads(perExpert, perSlot);
            placement.gpuLoads(perSlot, perGpu);
            loads[l] = perGpu.clone();
        }
        String law = distribution instanceof SyntheticRouting.Zipf z
                ? String.format(Locale.ROOT, "Zipf (exponent %.2f)", z.exponent()) : "uniform";
        return new ExpertLoads(loads, String.format(Locale.ROOT,
                "Synthetic %s routing (seed %d), one step of %,d tokens, %s; not measured.", law, scenario.seed(),
                tokensPerStep, placementText));
    }

    /** Largest GPU load over the mean, over all layers. */
    public double maxOverMean() {
        double sum = 0;
        double max = 0;
        int n = 0;
        for (double[] row : loads) {
            for (double v : row) {
                sum += v;
                max = Math.max(max, v);
                n++;
            }
        }
        return sum == 0 ? Double.NaN : max / (sum / n);
    }
}
