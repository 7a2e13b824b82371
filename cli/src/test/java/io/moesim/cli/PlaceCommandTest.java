package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.trace.RouterTrace;
import io.moesim.models.trace.TraceHeader;
import io.moesim.simulator.placement.Placement;
import io.moesim.simulator.placement.PlacementFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlaceCommandTest {

    @TempDir
    Path dir;

    private Path trace;


    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** An OLMoE-shaped trace (64 experts, top-8), 2 recorded layers, skewed: expert e drawn with weight 1/(e+1). */
    @BeforeEach
    void skewedTrace() {
        TraceHeader h = new TraceHeader("olmoe-twin", "", 2, List.of(0, 1), 64, 8, Map.of());
        RouterTrace.Builder b = RouterTrace.builder(h);
        SplittableRandom rng = new SplittableRandom(5);
        double[] w = new double[64];
        for (int e = 0; e < 64; e++) {
            w[e] = 1.0 / (e + 1);
        }
        for (int t = 0; t < 2000; t++) {
            int[][] ids = new int[2][8];
            float[][] ws = new float[2][8];
            for (int l = 0; l < 2; l++) {
                boolean[] taken = new boolean[64];
                for (int k = 0; k < 8; k++) {
                    int e;
                    do {
                        double u = rng.nextDouble() * 4.74;  // ~ H(64)
                        e = 0;
                        for (double acc = w[0]; acc < u && e < 63; acc += w[++e]) {
                            // walk the cumulative weights
                        }
                        e = (e + 17 * l) % 64;
                    } while (taken[e]);
                    taken[e] = true;
                    ids[l][k] = e;
                    ws[l][k] = 1.0f / (k + 2);
                }
            }
            b.add(0, t, t, ids, ws);
        }
        trace = dir.resolve("olmoe.moetrace");
        b.build().write(trace);
    }

    @Test
    void eplbWithRedundantExpertsBalancesBetterAndWritesThePlacement() throws Exception {
        Path out = dir.resolve("placement.yaml");
        CliRun none = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "8",
                "--nodes", "2", "--strategy", "contiguous", "--json");
        CliRun eplb = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "8",
                "--nodes", "2", "--strategy", "eplb-hierarchical", "--redundant", "16", "--out", out.toString(), "--json");
        assertEquals(0, none.status(), none.err());
        assertEquals(0, eplb.status(), eplb.err());
        JsonNode a = new ObjectMapper().readTree(none.out());
        JsonNode b = new ObjectMapper().readTree(eplb.out());
        assertEquals(16, b.get("layers").size());
        assertEquals("0:1000", b.get("fitTokens").asText());
        assertEquals("1000:2000", b.get("evalTokens").asText());
        assertTrue(a.get("imbalance").asDouble() > 1.5, a.toString());
        assertTrue(b.get("imbalance").asDouble() < 1.15, b.toString());
        assertTrue(b.get("imbalance").asDouble() >= 1.0);
        double share = b.get("crossNodeShare").asDouble();
        assertTrue(share > 0 && share < 1.0, "cross-node sends per copy " + share);
        Placement p = PlacementFile.read(out, 64, 16);
        assertEquals(8, p.numGpus());
        assertEquals(4, p.gpusPerNode());
        assertEquals(10, p.layer(0).slotsPerGpu());

        // The written placement evaluates to the same numbers when brought back with --placement.
        CliRun again = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "8",
                "--nodes", "2", "--placement", out.toString(), "--json");
        assertEquals(0, again.status(), again.err());
        JsonNode c = new ObjectMapper().readTree(again.out());
        assertEquals(b.get("imbalance").asDouble(), c.get("imbalance").asDouble(), 1e-12);
        assertEquals(b.get("crossNodeShare").asDouble(), c.get("crossNodeShare").asDouble(), 1e-12);
        assertEquals("file", c.get("strategy").asText());

        CliRun text = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "8",
                "--strategy", "round-robin", "--batch-tokens", "100", "--fit-tokens", ":1500", "--eval-tokens", "1500:");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("evaluated on tokens 1500:2000 in batches of 100 tokens"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("overall")), text.out());
    }

    private Path writePlacement(int gpus) {
        Path file = dir.resolve("rr.yaml");
        double[][] loads = io.moesim.simulator.placement.Placer.uniformLoads(16, 64);
        PlacementFile.write(io.moesim.simulator.placement.Placer.place(
                io.moesim.simulator.placement.PlacementStrategy.ROUND_ROBIN, loads, gpus, gpus, 0, 64), file);
        return file;
    }

    @Test
    void mistakesAreOneLine() {
        CliRun r = run("place", "--model", "deepseek-v3", "--trace", trace.toString(), "--gpus", "32");
        assertEquals(2, r.status());
        assertEquals("moesim: " + trace + ": num_experts: the trace has 64 experts per layer, the model 256",
                r.err().strip());
        r = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "8", "--strategy", "eplb");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("moesim: --strategy: unknown placement strategy 'eplb'"), r.err());
        // 64 experts + 3 redundant over 8 GPUs is fine (9 slots each, some empty); over 128 GPUs some get none.
        r = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "128", "--redundant", "3");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("moesim: --redundant: 64 experts + 3 redundant leave some of 128 GPUs"), r.err());
        r = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "4", "--placement",
                writePlacement(8).toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("layers: places experts on 8 GPUs, but --gpus is 4"), r.err());
        r = run("place", "--model", "olmoe-1b-7b", "--trace", trace.toString(), "--gpus", "8", "--eval-tokens", "5:3");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("moesim: " + trace + ": --eval-tokens: window 5:3"), r.err());
    }
}
