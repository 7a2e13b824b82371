package io.moesim.simulator.placement;

import io.moesim.models.trace.RouterTrace;
import io.moesim.models.trace.TraceHeader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Router traces drawn from a skewed (Zipf) expert popularity, for tests. */
public final class SkewedTraces {

    private SkewedTraces() {
    }

    /**
     * A trace of {@code tokens} tokens over {@code layers} MoE layers: each token picks {@code topK}
     * distinct experts with probability ~ 1 / rank^exponent, the hot order a seeded permutation per
     * layer. Every {@code drift} tokens (0: never) the popularity of two random experts is swapped,
     * so later tokens differ from earlier ones as real text does.
     */
    public static RouterTrace zipf(int layers, int experts, int topK, int tokens, double exponent, int drift, long seed) {
        return grouped(layers, experts, topK, 1, 1, tokens, exponent, drift, seed);
    }

    /**
     * As {@link #zipf}, with group-limited routing as DeepSeek-V3's router: the experts form
     * {@code groups} consecutive groups; a token first draws {@code topGroups} distinct groups with
     * probability ~ their summed popularity, then its {@code topK} experts among those groups.
     */
    public static RouterTrace grouped(int layers, int experts, int topK, int groups, int topGroups, int tokens,
                                      double exponent, int drift, long seed) {
        int groupSize = experts / groups;
        List<Integer> moeLayers = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            moeLayers.add(l);
        }
        TraceHeader header = new TraceHeader("skewed-test", "", layers, moeLayers, experts, topK, Map.of());
        RouterTrace.Builder builder = RouterTrace.builder(header);
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] weight = new double[layers][experts];
        for (int l = 0; l < layers; l++) {
            int[] order = permutation(experts, rng);
            for (int r = 0; r < experts; r++) {
                weight[l][order[r]] = Math.pow(r + 1, -exponent);
            }
        }
        int[][] chosen = new int[layers][topK];
        float[][] w = new float[layers][topK];
        boolean[] taken = new boolean[experts];
        for (int t = 0; t < tokens; t++) {
            if (drift > 0 && t > 0 && t % drift == 0) {
                for (int l = 0; l < layers; l++) {
                    int a = rng.nextInt(experts);
                    int b = rng.nextInt(experts);
                    double x = weight[l][a];
                    weight[l][a] = weight[l][b];
                    weight[l][b] = x;
                }
            }
            for (int l = 0; l < layers; l++) {
                java.util.Arrays.fill(taken, true);
                boolean[] groupTaken = new boolean[groups];
                double total = 0;
                for (int g = 0; g < topGroups; g++) {
                    double groupTotal = 0;
                    double[] gw = new double[groups];
                    for (int x = 0; x < groups; x++) {
                        if (!groupTaken[x]) {
                            for (int e = x * groupSize; e < (x + 1) * groupSize; e++) {
                                gw[x] += weight[l][e];
                            }
                            groupTotal += gw[x];
                        }
                    }
                    double u = rng.nextDouble() * groupTotal;
                    int pick = -1;
                    for (int x = 0; x < groups; x++) {
                        if (!groupTaken[x]) {
                            pick = x;
                            u -= gw[x];
                            if (u < 0) {
                                break;
                            }
                        }
                    }
                    groupTaken[pick] = true;
                    for (int e = pick * groupSize; e < (pick + 1) * groupSize; e++) {
                        taken[e] = false;
                        total += weight[l][e];
                    }
                }
                for (int k = 0; k < topK; k++) {
                    double u = rng.nextDouble() * total;
                    int e = 0;
                    double acc = 0;
                    for (; e < experts - 1; e++) {
                        if (taken[e]) {
                            continue;
                        }
                        acc += weight[l][e];
                        if (acc > u) {
                            break;
                        }
                    }
                    while (taken[e]) {
                        e = (e + experts - 1) % experts;  // rounding at the end: the last open expert
                    }
                    taken[e] = true;
                    total -= weight[l][e];
                    chosen[l][k] = e;
                    w[l][k] = 1.0f / (k + 1);
                }
            }
            builder.add(t / 512, t % 512, t % 1000, chosen, w);
        }
        return builder.build();
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }
}
