package io.moesim.simulator.serving;

import io.moesim.simulator.analytic.RankPrefillCost;
import java.util.Arrays;
import java.util.List;

/**
 * The prefill load balancer across the data-parallel attention ranks of one instance, after the
 * one DeepSeek describes for its production prefill (open-infra-index, 202502OpenSourceWeek day 6,
 * "Prefill Load Balancer": balance core-attention computation across GPUs and equalise the input
 * tokens per GPU). Each MoE layer waits for its slowest rank, so a rank holding one long prompt
 * (attention quadratic in its context) would hold up every other rank.
 *
 * <p>Per step, in three passes over a shared first-come-first-served queue of prompts not yet started:
 * <ol>
 *   <li>Every rank first continues the prompts it has started (their KV cache is there): a chunk
 *       of each, within the rank's token budget.</li>
 *   <li>Queued prompts, in arrival order, go to the rank whose estimated time is lowest among the
 *       ranks with token room, request slots and KV room; a prompt takes at most its rank's room
 *       and one chunk.</li>
 *   <li>When prompts are left waiting (the instance is saturated), no rank may take longer than
 *       the median rank: the chunks last given to a slower rank are shortened (or handed back to
 *       the queue) until its estimated time is the median's. Below saturation there is nothing to
 *       fill the time a shorter chunk would save, so nothing is shortened.</li>
 * </ol>
 * A rank's estimated time is {@link RankPrefillCost#chunkSeconds} summed over its chunks. The plan is a
 * pure function of its inputs.
 */
public final class PrefillBalancer {

    private PrefillBalancer() {
    }

    /** A prompt to prefill: tokens still to compute and tokens already in its KV cache. */
    public record Work(int remainingTokens, long contextTokens, long kvTokens) {
        public Work {
            if (remainingTokens <= 0 || contextTokens < 0 || kvTokens < 0) {
                throw new IllegalArgumentException("need remainingTokens > 0, contextTokens and kvTokens >= 0");
            }
        }
    }

    /**
     * Per rank: its budget of new tokens this step, request slots and KV-cache tokens it can still
     * take for new prompts.
     */
    public record RankRoom(int tokens, int requests, long kvTokens) {
    }

    /**
     * The step's plan.
     *
     * @param startedChunks per rank, the chunk of each of its started prompts (0: none this step)
     * @param pendingRank   per queued prompt (in queue order), its rank, or -1 if it waits
     * @param pendingChunk  per queued prompt, its chunk (0 if it waits)
     * @param rankSeconds   per rank, its estimated time
     * @param saturated     whether prompts were left waiting for room
     * @param targetSeconds when saturated, the median rank's time before shortening, which no rank
     *                      exceeds after it unless its one chunk is down to one token; else infinite
     */
    public record Plan(int[][] startedChunks, int[] pendingRank, int[] pendingChunk, double[] rankSeconds,
                       boolean saturated, double targetSeconds) {

        /** The slowest rank's estimated time over the mean rank's (1 = perfectly balanced). */
        public double imbalance() {
            double max = 0;
            double sum = 0;
            for (double s : rankSeconds) {
                max = Math.max(max, s);
                sum += s;
            }
            return sum == 0 ? 1 : max * rankSeconds.length / sum;
        }
    }

    /**
     * Plans one step.
     *
     * @param started     per rank, its started prompts in admission order
     * @param pending     queued prompts, first come first
     * @param rooms       per rank, its room
     * @param chunkTokens most tokens of one prompt in one step
     * @param moreQueued  whether prompts beyond {@code pending} wait in the queue too
     * @param cost        the rank cost estimate
     */
    public static Plan plan(List<List<Work>> started, List<Work> pending, RankRoom[] rooms, int chunkTokens,
                            boolean moreQueued, RankPrefillCost cost) {
        int ranks = rooms.length;
        if (started.size() != ranks) {
            throw new IllegalArgumentException(started.size() + " started lists for " + ranks + " ranks");
        }
        double[] seconds = new double[ranks];
        int[] tokenRoom = new int[ranks];
        int[] slots = new int[ranks];
        long[] kvRoom = new long[ranks];
        // Assignment order per rank, for trimming last-in first-out: index >= 0 a started prompt, < 0 a queued one (-1 - j).
        int[][] order = new int[ranks][];
        int[] orderSize = new int[ranks];
        int[][] startedChunks = new int[ranks][];
        for (int r = 0; r < ranks; r++) {
            tokenRoom[r] = rooms[r].tokens();
            slots[r] = rooms[r].requests();
            kvRoom[r] = rooms[r].kvTokens();
            startedChunks[r] = new int[started.get(r).size()];
            order[r] = new int[started.get(r).size() + 8];
        }

        // 1. Started prompts continue where their KV cache is.
        for (int r = 0; r < ranks; r++) {
            List<Work> own = started.get(r);
            for (int i = 0; i < own.size() && tokenRoom[r] > 0; i++) {
                Work w = own.get(i);
                int chunk = Math.min(Math.min(w.remainingTokens(), chunkTokens), tokenRoom[r]);
                startedChunks[r][i] = chunk;
                tokenRoom[r] -= chunk;
                seconds[r] += cost.chunkSeconds(w.contextTokens(), chunk);
                order[r] = push(order[r], orderSize[r]++, i);
            }
        }

        // 2. Queued prompts, first come first, to the least busy rank with room.
        int[] pendingRank = new int[pending.size()];
        int[] pendingChunk = new int[pending.size()];
        Arrays.fill(pendingRank, -1);
        boolean saturated = moreQueued;
        for (int j = 0; j < pending.size(); j++) {
            Work w = pending.get(j);
            int best = -1;
            for (int r = 0; r < ranks; r++) {
                if (tokenRoom[r] > 0 && slots[r] > 0 && kvRoom[r] >= w.kvTokens()
                        && (best < 0 || seconds[r] < seconds[best])) {
                    best = r;
                }
            }
            if (best < 0) {
                saturated = true;
                break;
            }
            int chunk = Math.min(Math.min(w.remainingTokens(), chunkTokens), tokenRoom[best]);
            pendingRank[j] = best;
            pendingChunk[j] = chunk;
            tokenRoom[best] -= chunk;
            slots[best]--;
            kvRoom[best] -= w.kvTokens();
            seconds[best] += cost.chunkSeconds(w.contextTokens(), chunk);
            order[best] = push(order[best], orderSize[best]++, -1 - j);
        }

        // 3. Saturated: no rank slower than the median rank.
        double target = Double.POSITIVE_INFINITY;
        if (saturated && ranks > 1) {
            double[] sorted = seconds.clone();
            Arrays.sort(sorted);
            target = sorted[(ranks - 1) / 2];
            for (int r = 0; r < ranks; r++) {
                for (int k = orderSize[r] - 1; k >= 0 && seconds[r] > target; k--) {
                    int item = order[r][k];
                    Work w = item >= 0 ? started.get(r).get(item) : pending.get(-1 - item);
                    int chunk = item >= 0 ? startedChunks[r][item] : pendingChunk[-1 - item];
                    double others = seconds[r] - cost.chunkSeconds(w.contextTokens(), chunk);
                    // The rank's first chunk always keeps at least one token, so every rank with work progresses.
                    int keep = Math.max(k == 0 ? 1 : 0, Math.min(chunk, cost.longestChunkWithin(w.contextTokens(), target - others)));
                    seconds[r] = others + cost.chunkSeconds(w.contextTokens(), keep);
                    if (item >= 0) {
                        startedChunks[r][item] = keep;
                    } else if (keep > 0) {
                        pendingChunk[-1 - item] = keep;
                    } else {
                        pendingRank[-1 - item] = -1;
                        pendingChunk[-1 - item] = 0;
                    }
                }
            }
        }
        return new Plan(startedChunks, pendingRank, pendingChunk, seconds, saturated, target);
    }

    private static int[] push(int[] array, int size, int value) {
        int[] a = size < array.length ? array : Arrays.copyOf(array, array.length * 2);
        a[size] = value;
        return a;
    }
}
