package io.moesim.simulator.routing;

import io.moesim.models.InputException;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.trace.RouterTrace;
import io.moesim.simulator.placement.LayerPlacement;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Routing replayed from a recorded router trace ({@code io.moesim.models.trace}).
 *
 * <p><b>Tokens.</b> Replay uses the trace tokens of a {@link TraceRoutingWindow} (all of them by
 * default), numbered {@code 0..R-1}. Steps take consecutive tokens: a step of N tokens reads
 * window tokens {@code cursor .. cursor+N-1} (modulo R, so a batch larger than the window wraps
 * around it), and the next step starts where this one ended. A call for an MoE layer at or below
 * the previous call's layer starts a new step, so the step model's layer-by-layer calls need no
 * extra signal. Batches thus keep the trace's correlations (a sequence's neighbouring tokens).
 *
 * <p><b>Layers.</b> With {@code L} target MoE layers and {@code Lt} recorded layers, target
 * MoE layer {@code i} reads recorded layer {@code floor(i * Lt / L)}. When {@code c} consecutive
 * target layers read the same recorded layer (a tiny twin's trace on a deep model), the j-th of
 * them ({@code j = 0..c-1}) reads the window shifted by {@code j * floor(R / c)} tokens, so the
 * copies see different tokens at every step rather than repeating each other; over the whole
 * window they carry the same counts.
 *
 * <p><b>Replay modes.</b> {@link Mode#TOKEN_EXACT} walks every token of the step ({@code N x topK}
 * per layer). {@link Mode#WINDOWED} (the default) gives the same per-expert counts from running
 * sums kept every {@link #BLOCK_TOKENS} tokens of the window: a step costs {@code E + 2 x BLOCK x topK}
 * per layer whatever N is. Per-expert counts, and so per-GPU loads, are identical in both modes; only
 * {@link #remoteNodeSends} differs (see there).
 *
 * <p>The expert count and top-k of the trace must equal the target's: a trace of another shape
 * is refused with an {@link InputException} naming the file and the field.
 */
public final class TraceRouting implements RoutingSource {

    /** How replay computes a step's loads. */
    public enum Mode { TOKEN_EXACT, WINDOWED }

    /** Tokens between stored running sums in {@link Mode#WINDOWED}. */
    public static final int BLOCK_TOKENS = 64;

    private final RouterTrace trace;
    private final Mode mode;
    private final int numExperts;
    private final int topK;
    private final int windowStart;
    private final int windowTokens;
    private final int[] traceLayer;   // per target MoE layer
    private final int[] layerOffset;  // per target MoE layer, tokens
    private final int[][] blockSums;  // per recorded layer: [(block) * E + e], counts of window tokens [0, block*B)
    private final int[][] totals;     // per recorded layer: counts over the whole window
    private final Map<LayerPlacement, double[][]> sendSums = new IdentityHashMap<>();

    private long cursor;
    private int lastLayer = Integer.MAX_VALUE;
    private int lastTokens;

    /**
     * @param trace        the trace
     * @param source       what errors name (the trace file)
     * @param moeLayers    MoE layers of the target model
     * @param numExperts   routed experts of the target model
     * @param topK         experts per token of the target model
     * @param window       the trace tokens replayed
     * @param mode         token-exact or windowed replay
     */
    public TraceRouting(RouterTrace trace, Object source, int moeLayers, int numExperts, int topK,
                        TraceRoutingWindow window, Mode mode) {
        if (trace.numExperts() != numExperts) {
            throw InputException.at(source, "num_experts", "the trace has " + trace.numExperts()
                    + " experts per layer, the model " + numExperts);
        }
        if (trace.topK() != topK) {
            throw InputException.at(source, "top_k", "the trace chose " + trace.topK()
                    + " experts per token, the model chooses " + topK);
        }
        if (moeLayers <= 0) {
            throw new IllegalArgumentException("moeLayers must be > 0");
        }
        this.trace = trace;
        this.mode = mode;
        this.numExperts = numExperts;
        this.topK = topK;
        this.windowStart = window.start();
        this.windowTokens = window.tokens();
        if (window.end() > trace.numTokens()) {
            throw InputException.at(source, "tokens", "window " + window + " goes past the trace's "
                    + trace.numTokens() + " tokens");
        }
        int recorded = trace.numRecordedLayers();
        this.traceLayer = new int[moeLayers];
        this.layerOffset = new int[moeLayers];
        int[] copies = new int[recorded];
        for (int i = 0; i < moeLayers; i++) {
            traceLayer[i] = (int) ((long) i * recorded / moeLayers);
            copies[traceLayer[i]]++;
        }
        int[] seen = new int[recorded];
        for (int i = 0; i < moeLayers; i++) {
            int l = traceLayer[i];
            layerOffset[i] = seen[l]++ * (windowTokens / copies[l]);
        }
        this.blockSums = new int[recorded][];
        this.totals = new int[recorded][];
        int blocks = windowTokens / BLOCK_TOKENS;
        for (int l = 0; l < recorded; l++) {
            if (copies[l] == 0) {
                continue;
            }
            int[] sums = new int[(blocks + 1) * numExperts];
            int[] running = new int[numExperts];
            for (int b = 0; b < blocks; b++) {
                for (int t = b * BLOCK_TOKENS; t < (b + 1) * BLOCK_TOKENS; t++) {
                    addToken(l, t, running);
                }
                System.arraycopy(running, 0, sums, (b + 1) * numExperts, numExperts);
            }
            for (int t = blocks * BLOCK_TOKENS; t < windowTokens; t++) {
                addToken(l, t, running);
            }
            blockSums[l] = sums;
            totals[l] = running;
        }
    }

    /** Replay of {@code trace} (read from {@code file}) for the MoE layers of {@code spec}, over {@code window}. */
    public static TraceRouting forModel(RouterTrace trace, Object file, ModelSpec spec, TraceRoutingWindow window, Mode mode) {
        return new TraceRouting(trace, file, spec.numMoeLayers(), spec.moe().numRoutedExperts(), spec.moe().topK(),
                window, mode);
    }

    @Override
    public int numExperts() {
        return numExperts;
    }

    @Override
    public int topK() {
        return topK;
    }

    public Mode mode() {
        return mode;
    }

    /** Target MoE layers this replay serves. */
    public int numMoeLayers() {
        return traceLayer.length;
    }

    /** Tokens of the replayed window. */
    public int windowTokens() {
        return windowTokens;
    }

    /** The recorded layer (index in the trace) target MoE layer {@code moeLayer} reads. */
    public int traceLayer(int moeLayer) {
        return traceLayer[moeLayer];
    }

    /** The token shift of target MoE layer {@code moeLayer} within the window. */
    public int layerOffset(int moeLayer) {
        return layerOffset[moeLayer];
    }

    /** The window token where the next step starts (or the current one, mid-step). */
    public long cursor() {
        return cursor;
    }

    /** Restarts replay at window token {@code token}. */
    public void seek(long token) {
        cursor = Math.floorMod(token, (long) windowTokens);
        lastLayer = Integer.MAX_VALUE;
        lastTokens = 0;
    }

    @Override
    public void expertLoads(int moeLayer, int numTokens, int[] tokensPerExpert) {
        if (tokensPerExpert.length != numExperts) {
            throw new IllegalArgumentException("need one slot per expert (" + numExperts + ")");
        }
        if (moeLayer <= lastLayer) {
            cursor = (cursor + lastTokens) % windowTokens;
        }
        lastLayer = moeLayer;
        lastTokens = numTokens;
        windowCounts(moeLayer, cursor, numTokens, tokensPerExpert);
    }

    /**
     * Counts of the {@code numTokens} tokens starting at window token {@code start} that chose each
     * expert at target MoE layer {@code moeLayer} (the layer's shift applied, wrapping around the window).
     */
    public void windowCounts(int moeLayer, long start, int numTokens, int[] tokensPerExpert) {
        Arrays.fill(tokensPerExpert, 0);
        int l = traceLayer[moeLayer];
        int from = (int) Math.floorMod(start + layerOffset[moeLayer], (long) windowTokens);
        int laps = numTokens / windowTokens;
        int rest = numTokens % windowTokens;
        if (laps > 0) {
            for (int e = 0; e < numExperts; e++) {
                tokensPerExpert[e] = laps * totals[l][e];
            }
        }
        int firstEnd = Math.min(windowTokens, from + rest);
        addRange(l, from, firstEnd, tokensPerExpert);
        addRange(l, 0, rest - (firstEnd - from), tokensPerExpert);
    }

    /** Counts over the whole window at target MoE layer {@code moeLayer}, as doubles (for fitting a placement). */
    public double[] totalCounts(int moeLayer) {
        int[] t = totals[traceLayer[moeLayer]];
        double[] out = new double[numExperts];
        for (int e = 0; e < numExperts; e++) {
            out[e] = t[e];
        }
        return out;
    }

    /** {@link #totalCounts(int)} for every target MoE layer, {@code [layer][expert]}. */
    public double[][] totalCounts() {
        double[][] out = new double[traceLayer.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = totalCounts(i);
        }
        return out;
    }

    private void addRange(int l, int from, int to, int[] out) {
        if (to <= from) {
            return;
        }
        if (mode == Mode.TOKEN_EXACT || to - from < 2 * BLOCK_TOKENS) {
            for (int t = from; t < to; t++) {
                addToken(l, t, out);
            }
            return;
        }
        int firstBlock = (from + BLOCK_TOKENS - 1) / BLOCK_TOKENS;
        int lastBlock = to / BLOCK_TOKENS;
        int[] sums = blockSums[l];
        int hi = lastBlock * numExperts;
        int lo = firstBlock * numExperts;
        for (int e = 0; e < numExperts; e++) {
            out[e] += sums[hi + e] - sums[lo + e];
        }
        for (int t = from; t < firstBlock * BLOCK_TOKENS; t++) {
            addToken(l, t, out);
        }
        for (int t = lastBlock * BLOCK_TOKENS; t < to; t++) {
            addToken(l, t, out);
        }
    }

    private void addToken(int l, int windowToken, int[] out) {
        int t = windowStart + windowToken;
        for (int k = 0; k < topK; k++) {
            out[trace.expert(t, l, k)]++;
        }
    }

    /**
     * Node-to-node sends of the dispatch for {@code numTokens} tokens starting at window token
     * {@code start} at target MoE layer {@code moeLayer} under {@code placement}, with nodes of
     * {@code gpusPerNode} GPUs, counted as DeepEP's normal kernels send: a token goes once to each
     * node other than its own that holds at least one of its chosen experts' replicas (then on over
     * NVLink). Each copy picks one of its expert's replicas uniformly at random, so a token reaches
     * node m with probability {@code h_m = 1 - prod_k (1 - share of expert k's replicas on m)}; the
     * result is the expected number of sends.
     *
     * <p>{@link Mode#TOKEN_EXACT}: the i-th token of the batch sits on GPU {@code i mod G} (tokens
     * dealt round-robin over the data-parallel ranks), and sends {@code sum over m != own node of h_m}.
     * {@link Mode#WINDOWED}: the source node is taken as uniform over the nodes, so a token sends
     * {@code (1 - 1/nodes) sum_m h_m}; running sums of {@code sum_m h_m} are kept per placement
     * every {@link #BLOCK_TOKENS} tokens, computed once. The two differ by how each token's own node
     * is drawn, not on average.
     *
     * <p>Divide by {@code numTokens * topK} for the share of dispatch copies that cross nodes.
     */
    public double remoteNodeSends(int moeLayer, long start, int numTokens, LayerPlacement placement, int gpusPerNode) {
        int gpus = placement.numGpus();
        int nodes = gpus / gpusPerNode;
        if (nodes <= 1) {
            return 0;
        }
        int l = traceLayer[moeLayer];
        int from = (int) Math.floorMod(start + layerOffset[moeLayer], (long) windowTokens);
        double[][] shares = nodeShares(placement, gpusPerNode);
        if (mode == Mode.TOKEN_EXACT) {
            double sends = 0;
            double[] reach = new double[nodes];
            for (int i = 0; i < numTokens; i++) {
                int t = (from + i) % windowTokens;
                tokenReach(l, t, shares, reach);
                int own = (i % gpus) / gpusPerNode;
                for (int m = 0; m < nodes; m++) {
                    if (m != own) {
                        sends += reach[m];
                    }
                }
            }
            return sends;
        }
        double[] sums = sendSums.computeIfAbsent(placement, p -> new double[traceLayer.length][])[moeLayer];
        if (sums == null) {
            sums = new double[windowTokens + 1];
            double[] reach = new double[nodes];
            for (int t = 0; t < windowTokens; t++) {
                tokenReach(l, t, shares, reach);
                double s = 0;
                for (double r : reach) {
                    s += r;
                }
                sums[t + 1] = sums[t] + s;
            }
            sendSums.get(placement)[moeLayer] = sums;
        }
        int laps = numTokens / windowTokens;
        int rest = numTokens % windowTokens;
        double total = laps * sums[windowTokens];
        int firstEnd = Math.min(windowTokens, from + rest);
        total += sums[firstEnd] - sums[from];
        total += sums[rest - (firstEnd - from)];
        return total * (1.0 - 1.0 / nodes);
    }

    private void tokenReach(int l, int windowToken, double[][] shares, double[] reach) {
        Arrays.fill(reach, 1.0);
        int t = windowStart + windowToken;
        for (int k = 0; k < topK; k++) {
            double[] s = shares[trace.expert(t, l, k)];
            for (int m = 0; m < reach.length; m++) {
                reach[m] *= 1.0 - s[m];
            }
        }
        for (int m = 0; m < reach.length; m++) {
            reach[m] = 1.0 - reach[m];
        }
    }

    private double[][] nodeShares(LayerPlacement placement, int gpusPerNode) {
        double[][] shares = new double[numExperts][];
        for (int e = 0; e < numExperts; e++) {
            shares[e] = placement.nodeShares(e, gpusPerNode);
        }
        return shares;
    }
}
