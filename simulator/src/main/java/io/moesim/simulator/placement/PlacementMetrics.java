package io.moesim.simulator.placement;

import io.moesim.models.trace.RouterTrace;

/** Load imbalance of a placement: the busiest GPU's token copies over the mean GPU's. */
public final class PlacementMetrics {

    private PlacementMetrics() {
    }

    /** max over mean of the copies each GPU receives when expert e receives {@code loads[e]}; 1 when all are idle. */
    public static double imbalance(LayerPlacement layer, double[] loads) {
        double[] perGpu = new double[layer.numGpus()];
        layer.gpuLoads(loads, perGpu);
        double max = 0;
        double sum = 0;
        for (double x : perGpu) {
            max = Math.max(max, x);
            sum += x;
        }
        return sum == 0 ? 1.0 : max * perGpu.length / sum;
    }

    /**
     * Imbalance over all layers: sum over layers of the busiest GPU's copies over the sum of the
     * mean GPU's (how much longer the expert phase of a step takes than if all GPUs were equal).
     */
    public static double imbalance(Placement placement, double[][] loads) {
        double max = 0;
        double mean = 0;
        double[] perGpu = new double[placement.numGpus()];
        for (int l = 0; l < placement.numLayers(); l++) {
            placement.layer(l).gpuLoads(loads[l], perGpu);
            double m = 0;
            double s = 0;
            for (double x : perGpu) {
                m = Math.max(m, x);
                s += x;
            }
            max += m;
            mean += s / perGpu.length;
        }
        return mean == 0 ? 1.0 : max / mean;
    }

    /** Tokens that chose each expert, {@code [recorded layer][expert]}, over all tokens of {@code trace}. */
    public static double[][] expertCounts(RouterTrace trace) {
        return expertCounts(trace, 0, trace.numTokens());
    }

    /** Tokens in {@code [from, to)} of {@code trace} that chose each expert, {@code [recorded layer][expert]}. */
    public static double[][] expertCounts(RouterTrace trace, int from, int to) {
        double[][] counts = new double[trace.numRecordedLayers()][trace.numExperts()];
        for (int t = from; t < to; t++) {
            for (int l = 0; l < trace.numRecordedLayers(); l++) {
                for (int k = 0; k < trace.topK(); k++) {
                    counts[l][trace.expert(t, l, k)]++;
                }
            }
        }
        return counts;
    }
}
