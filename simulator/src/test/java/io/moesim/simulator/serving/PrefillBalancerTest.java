package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.analytic.RankPrefillCost;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.analytic.StepModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrefillBalancerTest {

    /** One second per token, nothing for attention: the balancer packs tokens. */
    private static final RankPrefillCost TOKENS_ONLY = new RankPrefillCost(1, 0, 0);
    /** Attention that matters: 1 s per token, 1 ms per attended pair. */
    private static final RankPrefillCost ATTENTION = new RankPrefillCost(1, 1e-3, 0);

    private static List<List<PrefillBalancer.Work>> none(int ranks) {
        List<List<PrefillBalancer.Work>> started = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            started.add(List.of());
        }
        return started;
    }

    private static PrefillBalancer.RankRoom[] rooms(int ranks, int tokens) {
        PrefillBalancer.RankRoom[] rooms = new PrefillBalancer.RankRoom[ranks];
        Arrays.fill(rooms, new PrefillBalancer.RankRoom(tokens, 1000, Long.MAX_VALUE));
        return rooms;
    }

    @Test
    void byHandTwoRanks() {
        // Three prompts of 10 tokens, 16 tokens per rank: 0 -> rank 0, 1 -> rank 1 (cheaper), 2 -> rank 0
        // (tie, lower index) with the 6 tokens of room left.
        List<PrefillBalancer.Work> pending = List.of(new PrefillBalancer.Work(10, 0, 10),
                new PrefillBalancer.Work(10, 0, 10), new PrefillBalancer.Work(10, 0, 10));
        PrefillBalancer.Plan plan = PrefillBalancer.plan(none(2), pending, rooms(2, 16), 16, false, TOKENS_ONLY);
        assertArrayEquals(new int[] {0, 1, 0}, plan.pendingRank());
        assertArrayEquals(new int[] {10, 10, 6}, plan.pendingChunk());
        assertArrayEquals(new double[] {16, 10}, plan.rankSeconds());
        assertFalse(plan.saturated());
    }

    @Test
    void startedPromptsContinueOnTheirRankFirst() {
        List<List<PrefillBalancer.Work>> started = List.of(List.of(new PrefillBalancer.Work(30, 100, 130)), List.of());
        List<PrefillBalancer.Work> pending = List.of(new PrefillBalancer.Work(8, 0, 8));
        PrefillBalancer.Plan plan = PrefillBalancer.plan(started, pending, rooms(2, 16), 16, false, TOKENS_ONLY);
        assertArrayEquals(new int[] {16}, plan.startedChunks()[0]);
        assertEquals(1, plan.pendingRank()[0]);
    }

    @Test
    void aLongContextIsCutToTheMedianRankWhenPromptsWait() {
        // Rank 0 continues a prompt after 100,000 cached tokens: a 16-token chunk costs
        // 16 + 1e-3 x (16 x 100,000 + 136) = 1,616.1 s; three ranks of 16 fresh tokens cost
        // 16 + 1e-3 x 136 = 16.136 s each. Prompts wait, so rank 0 is cut to the median (16.136 s):
        // 1 + 1e-3 x (100,000 + 1) = 101 s already exceeds it, and a rank keeps at least one token.
        List<List<PrefillBalancer.Work>> started = new ArrayList<>(none(4));
        started.set(0, List.of(new PrefillBalancer.Work(1000, 100_000, 101_000)));
        List<PrefillBalancer.Work> pending = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pending.add(new PrefillBalancer.Work(16, 0, 16));
        }
        PrefillBalancer.Plan plan = PrefillBalancer.plan(started, pending, rooms(4, 16), 16, false, ATTENTION);
        assertTrue(plan.saturated());
        assertArrayEquals(new int[] {1}, plan.startedChunks()[0]);
        assertEquals(16.136, plan.rankSeconds()[1], 1e-9);
        assertEquals(16.136, plan.targetSeconds(), 1e-9);
        assertArrayEquals(new int[] {1, 2, 3, -1, -1, -1, -1, -1, -1, -1}, plan.pendingRank());
        // Below saturation (nothing waits) the long chunk keeps its 16 tokens.
        PrefillBalancer.Plan light = PrefillBalancer.plan(started, pending.subList(0, 3), rooms(4, 16), 16, false,
                ATTENTION);
        assertFalse(light.saturated());
        assertArrayEquals(new int[] {16}, light.startedChunks()[0]);
    }

    @Test
    void longestChunkWithinInvertsChunkSeconds() {
        RankPrefillCost cost = new RankPrefillCost(2e-6, 3e-10, 5e-9);
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            long context = rng.nextLong(0, 200_000);
            double seconds = rng.nextDouble() * 0.5;
            int chunk = cost.longestChunkWithin(context, seconds);
            if (chunk > 0) {
                assertTrue(cost.chunkSeconds(context, chunk) <= seconds);
            }
            assertTrue(cost.chunkSeconds(context, chunk + 1) > seconds, "chunk " + chunk + " is not the longest");
        }
    }

    /** Random queues: budgets, slots and KV room hold; no prompt gets more than it has left; slow ranks are cut. */
    @Test
    void invariantsOnRandomQueues() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            int ranks = 1 + rng.nextInt(8);
            int budget = 64 + rng.nextInt(2000);
            int chunkCap = 16 + rng.nextInt(budget);
            List<List<PrefillBalancer.Work>> started = new ArrayList<>();
            PrefillBalancer.RankRoom[] rooms = new PrefillBalancer.RankRoom[ranks];
            for (int r = 0; r < ranks; r++) {
                List<PrefillBalancer.Work> own = new ArrayList<>();
                for (int i = rng.nextInt(3); i > 0; i--) {
                    own.add(new PrefillBalancer.Work(1 + rng.nextInt(5000), rng.nextInt(50_000), 0));
                }
                started.add(own);
                rooms[r] = new PrefillBalancer.RankRoom(budget, rng.nextInt(6), rng.nextLong(0, 40_000));
            }
            List<PrefillBalancer.Work> pending = new ArrayList<>();
            for (int i = rng.nextInt(40); i > 0; i--) {
                int remaining = 1 + (int) Math.min(30_000, Math.exp(rng.nextDouble() * 10));
                long context = rng.nextInt(20_000);
                pending.add(new PrefillBalancer.Work(remaining, context, context + remaining + 1));
            }
            PrefillBalancer.Plan plan = PrefillBalancer.plan(started, pending, rooms, chunkCap, rng.nextBoolean(),
                    ATTENTION);
            int[] tokens = new int[ranks];
            int[] admitted = new int[ranks];
            long[] kv = new long[ranks];
            for (int r = 0; r < ranks; r++) {
                for (int i = 0; i < started.get(r).size(); i++) {
                    int chunk = plan.startedChunks()[r][i];
                    assertTrue(chunk >= 0 && chunk <= started.get(r).get(i).remainingTokens() && chunk <= chunkCap);
                    tokens[r] += chunk;
                }
            }
            for (int j = 0; j < pending.size(); j++) {
                int r = plan.pendingRank()[j];
                if (r < 0) {
                    assertEquals(0, plan.pendingChunk()[j]);
                    continue;
                }
                int chunk = plan.pendingChunk()[j];
                assertTrue(chunk > 0 && chunk <= pending.get(j).remainingTokens() && chunk <= chunkCap);
                tokens[r] += chunk;
                admitted[r]++;
                kv[r] += pending.get(j).kvTokens();
            }
            for (int r = 0; r < ranks; r++) {
                assertTrue(tokens[r] <= budget, "token budget");
                assertTrue(admitted[r] <= rooms[r].requests(), "request slots");
                assertTrue(kv[r] <= rooms[r].kvTokens(), "KV room");
                if (plan.saturated() && ranks > 1) {
                    double median = plan.targetSeconds();
                    // A rank above the median keeps only the one token every rank with work keeps.
                    assertTrue(plan.rankSeconds()[r] <= median * (1 + 1e-12) || tokens[r] == 1,
                            "rank " + r + " at " + plan.rankSeconds()[r] + " s over the median " + median);
                }
            }
        }
    }

    @Test
    void deepSeekRankCostIsDominatedByAttentionAtLongContexts() {
        // DeepSeek-V3 on H800 (FP8 GEMMs at DeepGEMM's large-batch efficiency, MLA prefill in BF16):
        // per token and layer, projections + shared expert + router cost about as much as attending
        // to some thousands of earlier tokens.
        StepModel model = new StepModel(DeepSeekScenarios.deepSeekV3(), HardwareProfiles.byId("h800"),
                DeepSeekScenarios.FP8, new StepModel.Shape(32, 1, 2, 32));
        RankPrefillCost cost = model.rankPrefillCost(16384);
        double breakEven = cost.secondsPerToken() / cost.secondsPerAttendedToken();
        assertTrue(breakEven > 1000 && breakEven < 10_000, "break-even context " + breakEven);
    }
}
