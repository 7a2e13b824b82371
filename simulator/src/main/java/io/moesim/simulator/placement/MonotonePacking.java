package io.moesim.simulator.placement;

import io.moesim.simulator.routing.ExpertPlacement;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Makes a placement's busiest GPU never heavier with more physical expert slots (see
 * {@code docs/placement.md}, "More replicas never hurt the fitted loads").
 *
 * <p>Works on a slot table: {@code gpus} GPUs of {@code cap} slots each, GPU after GPU, each slot
 * holding an expert index or {@link ExpertPlacement#EMPTY}; an expert's load is split evenly over
 * its replicas. Two tools:
 * <ul>
 *   <li>{@link #refine}: local search on the busiest GPU: move one of its replicas to a GPU with a
 *       free slot, or swap it with a lighter replica of another GPU, when that makes the busiest GPU
 *       lighter and the other GPU stays below the old maximum; repeat until no such move exists.
 *       A packing where no move or swap lightens the busiest GPU is left exactly as it was.</li>
 *   <li>{@link #chain}: the placement for {@code p} physical slots is the strategy's own (fresh)
 *       placement when its busiest GPU is no heavier than the chosen placement for {@code p - 1};
 *       otherwise the lighter of the fresh one and the {@code p - 1} placement with one more replica
 *       added (the expert and GPU whose addition leaves the lightest busiest GPU, then refined).
 *       Starting from the fewest slots that fill every GPU, this walks up one slot at a time.</li>
 * </ul>
 * Comparisons use {@link #maxGpuLoad}, which sums a GPU's slots in slot order exactly as
 * {@link LayerPlacement#gpuLoads(double[], double[])} does, so the chosen maxima are the metric's.
 */
final class MonotonePacking {

    /** Additions tried (each refined) when the fresh placement would raise the busiest GPU. */
    static final int CANDIDATES = 64;

    private MonotonePacking() {
    }

    /** Replicas of each expert in {@code table}. */
    static int[] replicaCounts(int[] table, int experts) {
        int[] count = new int[experts];
        for (int e : table) {
            if (e != ExpertPlacement.EMPTY) {
                count[e]++;
            }
        }
        return count;
    }

    /** The busiest GPU's load, each GPU's slots summed in slot order (as {@code LayerPlacement.gpuLoads}). */
    static double maxGpuLoad(int[] table, int gpus, double[] loads) {
        int cap = table.length / gpus;
        int[] count = replicaCounts(table, loads.length);
        double max = 0;
        for (int g = 0; g < gpus; g++) {
            double sum = 0;
            for (int s = g * cap; s < (g + 1) * cap; s++) {
                if (table[s] != ExpertPlacement.EMPTY) {
                    sum += loads[table[s]] / count[table[s]];
                }
            }
            max = Math.max(max, sum);
        }
        return max;
    }

    /** The same table with {@code cap} slots per GPU (at least the current number), new slots empty. */
    static int[] widen(int[] table, int gpus, int cap) {
        int old = table.length / gpus;
        if (old == cap) {
            return table.clone();
        }
        int[] out = new int[gpus * cap];
        Arrays.fill(out, ExpertPlacement.EMPTY);
        for (int g = 0; g < gpus; g++) {
            System.arraycopy(table, g * old, out, g * cap, old);
        }
        return out;
    }

    /**
     * Local search lowering the busiest GPU (see the class comment). Replicas keep their slot order
     * on the GPUs they stay on; a replica that arrives takes the GPU's first free slot, and a GPU
     * that loses one closes the gap. Returns a new table; the same content when nothing improves.
     */
    static int[] refine(int[] table, int gpus, double[] loads) {
        int cap = table.length / gpus;
        int[] count = replicaCounts(table, loads.length);
        int[] out = table.clone();
        double[] gpuLoad = new double[gpus];
        int[] filled = new int[gpus];
        for (int s = 0; s < out.length; s++) {
            if (out[s] != ExpertPlacement.EMPTY) {
                gpuLoad[s / cap] += loads[out[s]] / count[out[s]];
                filled[s / cap]++;
            }
        }
        for (int iteration = 0; iteration < 100 * out.length; iteration++) {
            int b = 0;
            for (int g = 1; g < gpus; g++) {
                if (gpuLoad[g] > gpuLoad[b]) {
                    b = g;
                }
            }
            double top = gpuLoad[b];
            double bestMax = top;
            int bestFrom = -1;
            int bestTo = -1;     // a slot: empty for a move, occupied for a swap
            for (int i = b * cap; i < (b + 1) * cap; i++) {
                if (out[i] == ExpertPlacement.EMPTY) {
                    continue;
                }
                double wi = loads[out[i]] / count[out[i]];
                for (int j = 0; j < out.length; j++) {
                    int q = j / cap;
                    if (q == b) {
                        j = (b + 1) * cap - 1;
                        continue;
                    }
                    double wj;
                    if (out[j] == ExpertPlacement.EMPTY) {
                        if (filled[b] == 1 || j != q * cap + filled[q]) {
                            continue;    // keep every GPU holding an expert; try each GPU's first free slot once
                        }
                        wj = 0;
                    } else {
                        wj = loads[out[j]] / count[out[j]];
                        if (wj >= wi) {
                            continue;
                        }
                    }
                    double newB = top - wi + wj;
                    double newQ = gpuLoad[q] + wi - wj;
                    double m = Math.max(newB, newQ);
                    if (newB < top && newQ < top && m < bestMax) {
                        bestMax = m;
                        bestFrom = i;
                        bestTo = j;
                    }
                }
            }
            if (bestFrom < 0) {
                break;
            }
            int q = bestTo / cap;
            double wi = loads[out[bestFrom]] / count[out[bestFrom]];
            if (out[bestTo] == ExpertPlacement.EMPTY) {
                out[bestTo] = out[bestFrom];
                // Close the gap on the busiest GPU, keeping its order.
                System.arraycopy(out, bestFrom + 1, out, bestFrom, (b + 1) * cap - bestFrom - 1);
                out[(b + 1) * cap - 1] = ExpertPlacement.EMPTY;
                filled[b]--;
                filled[q]++;
                gpuLoad[b] -= wi;
                gpuLoad[q] += wi;
            } else {
                double wj = loads[out[bestTo]] / count[out[bestTo]];
                int tmp = out[bestTo];
                out[bestTo] = out[bestFrom];
                out[bestFrom] = tmp;
                gpuLoad[b] += wj - wi;
                gpuLoad[q] += wi - wj;
            }
        }
        return out;
    }

    /**
     * The table with one more replica: over every expert and every GPU with a free slot, the
     * addition that leaves the lightest busiest GPU (ties: the expert with the largest load per
     * replica, then the lower expert, then the lower GPU). {@code cap} must leave a free slot.
     */
    static int[][] addReplica(int[] table, int gpus, double[] loads, int k) {
        int cap = table.length / gpus;
        int experts = loads.length;
        int[] count = replicaCounts(table, experts);
        double[] gpuLoad = new double[gpus];
        int[] filled = new int[gpus];
        for (int s = 0; s < table.length; s++) {
            if (table[s] != ExpertPlacement.EMPTY) {
                gpuLoad[s / cap] += loads[table[s]] / count[table[s]];
                filled[s / cap]++;
            }
        }
        Integer[] byLoad = new Integer[gpus];
        for (int g = 0; g < gpus; g++) {
            byLoad[g] = g;
        }
        Arrays.sort(byLoad, (x, y) -> Double.compare(gpuLoad[y], gpuLoad[x]));
        // held[e][k]: the k-th replica's GPU (repeated when a GPU holds several).
        int[][] held = new int[experts][];
        int[] seen = new int[experts];
        for (int e = 0; e < experts; e++) {
            held[e] = new int[count[e]];
        }
        for (int s = 0; s < table.length; s++) {
            int e = table[s];
            if (e != ExpertPlacement.EMPTY) {
                held[e][seen[e]++] = s / cap;
            }
        }
        java.util.List<double[]> found = new java.util.ArrayList<>();   // {max, -load per replica, expert, gpu}
        double[] delta = new double[gpus];
        for (int e = 0; e < experts; e++) {
            int c = count[e];
            double before = loads[e] / c;
            double after = loads[e] / (c + 1);
            for (int g : held[e]) {
                delta[g] += after - before;
            }
            for (int g = 0; g < gpus; g++) {
                if (filled[g] == cap) {
                    continue;
                }
                delta[g] += after;
                double m = 0;
                for (int h : held[e]) {
                    m = Math.max(m, gpuLoad[h] + delta[h]);
                }
                m = Math.max(m, gpuLoad[g] + delta[g]);
                for (int h : byLoad) {      // the heaviest GPU the addition leaves alone
                    if (h != g && !holds(held[e], h)) {
                        m = Math.max(m, gpuLoad[h]);
                        break;
                    }
                }
                delta[g] -= after;
                found.add(new double[] {m, -before, e, g});
            }
            for (int g : held[e]) {
                delta[g] = 0;
            }
        }
        found.sort((x, y) -> {
            for (int i = 0; i < 4; i++) {
                int c = Double.compare(x[i], y[i]);
                if (c != 0) {
                    return c;
                }
            }
            return 0;
        });
        int[][] out = new int[Math.min(k, found.size())][];
        for (int i = 0; i < out.length; i++) {
            int e = (int) found.get(i)[2];
            int g = (int) found.get(i)[3];
            out[i] = table.clone();
            out[i][g * cap + filled[g]] = e;
        }
        return out;
    }

    private static boolean holds(int[] gpus, int g) {
        for (int h : gpus) {
            if (h == g) {
                return true;
            }
        }
        return false;
    }

    /**
     * The monotone chain (see the class comment) from {@code from} to {@code to} physical slots over
     * {@code gpus} GPUs of {@code ceil(p / gpus)} slots.
     *
     * @param fresh  the strategy's own slot table for p physical slots
     * @param refine whether additions are refined by {@link #refine} (the load-aware strategies)
     * @return the slot table for {@code to} physical slots
     */
    static int[] chain(double[] loads, int from, int to, int gpus, IntFunction<int[]> fresh, boolean refine) {
        int[] chosen = fresh.apply(from);
        double chosenMax = maxGpuLoad(chosen, gpus, loads);
        for (int p = from + 1; p <= to; p++) {
            int[] candidate = fresh.apply(p);
            double candidateMax = maxGpuLoad(candidate, gpus, loads);
            if (candidateMax > chosenMax) {
                for (int[] added : addReplica(widen(chosen, gpus, ExpertPlacement.slotsPerGpu(p, gpus)), gpus, loads,
                        CANDIDATES)) {
                    int[] refined = refine ? refine(added, gpus, loads) : added;
                    double addedMax = maxGpuLoad(refined, gpus, loads);
                    if (addedMax < candidateMax) {
                        candidate = refined;
                        candidateMax = addedMax;
                    }
                    if (candidateMax <= chosenMax) {
                        break;
                    }
                }
            }
            if (candidateMax > chosenMax) {
                // Nothing found with p replicas is as good: the replica is not placed, its slot stays empty.
                chosen = widen(chosen, gpus, ExpertPlacement.slotsPerGpu(p, gpus));
            } else {
                chosen = candidate;
                chosenMax = candidateMax;
            }
        }
        return chosen;
    }
}
