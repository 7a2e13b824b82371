package io.moesim.models.trace;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load statistics of a router trace: per recorded MoE layer, how the tokens spread over the
 * experts and which experts fire together; plus a summary over the layers.
 *
 * <p>Definitions, for a layer with N tokens, E experts, top-k K and c<sub>e</sub> the number of
 * tokens that chose expert e (so Σ c<sub>e</sub> = N·K):
 * <ul>
 *   <li><b>token share</b> of e = c<sub>e</sub> / N, the fraction of tokens routed to e (shares sum to K);</li>
 *   <li><b>load</b> mean = N·K / E; <b>max/mean</b> = max c<sub>e</sub> / mean (1 = perfectly balanced;
 *       the busiest expert's excess is what makes a GPU the straggler);</li>
 *   <li><b>coefficient of variation</b> = population standard deviation of c<sub>e</sub> / mean;</li>
 *   <li><b>entropy</b> of p<sub>e</sub> = c<sub>e</sub> / (N·K) in bits, and normalised by log2(E)
 *       (1 = uniform load; 1 when E = 1);</li>
 *   <li><b>pairs</b>: for each unordered pair of experts both in a token's top-k, the number of such
 *       tokens, and its share of N.</li>
 * </ul>
 * A trace without tokens gives zeros everywhere.
 *
 * @param modelId    the trace's model
 * @param numExperts E
 * @param topK       K
 * @param tokens     N, tokens in the trace
 * @param layers     one entry per recorded layer, in header order
 * @param summary    over the layers
 */
public record TraceStats(String modelId, int numExperts, int topK, long tokens, List<LayerStats> layers, Summary summary) {

    /** Experts and pairs listed per layer by default. */
    public static final int DEFAULT_TOP = 5;

    public TraceStats {
        layers = List.copyOf(layers);
    }

    /**
     * Statistics of one recorded layer.
     *
     * @param layer                  decoder-layer index
     * @param expertCounts           c<sub>e</sub>, tokens per expert, indexed by expert id
     * @param tokenShares            c<sub>e</sub> / N
     * @param maxOverMeanLoad        max c<sub>e</sub> / mean
     * @param coefficientOfVariation std(c) / mean
     * @param entropyBits            entropy of the load distribution, bits
     * @param normalizedEntropy      entropyBits / log2(E)
     * @param topExperts             the most loaded experts, most first (ties: lower id first)
     * @param topPairs               the most frequent co-activated pairs, most first (ties: lower ids first)
     */
    public record LayerStats(int layer, long[] expertCounts, double[] tokenShares, double maxOverMeanLoad,
                             double coefficientOfVariation, double entropyBits, double normalizedEntropy,
                             List<ExpertShare> topExperts, List<ExpertPair> topPairs) {
    }

    /** An expert with its token count and share of tokens. */
    public record ExpertShare(int expert, long tokens, double share) {
    }

    /** Two experts ({@code first < second}) chosen together by {@code tokens} tokens; share of all tokens. */
    public record ExpertPair(int first, int second, long tokens, double share) {
    }

    /**
     * Over all recorded layers.
     *
     * @param meanMaxOverMeanLoad        mean over layers of max/mean
     * @param maxMaxOverMeanLoad         the worst layer's max/mean
     * @param maxLoadLayer               that layer (decoder index)
     * @param meanCoefficientOfVariation mean over layers of the CV
     * @param maxCoefficientOfVariation  the largest CV
     * @param maxCvLayer                 that layer
     * @param meanNormalizedEntropy      mean over layers of the normalised entropy
     * @param minNormalizedEntropy       the lowest normalised entropy (most skewed layer)
     * @param minEntropyLayer            that layer
     */
    public record Summary(double meanMaxOverMeanLoad, double maxMaxOverMeanLoad, int maxLoadLayer,
                          double meanCoefficientOfVariation, double maxCoefficientOfVariation, int maxCvLayer,
                          double meanNormalizedEntropy, double minNormalizedEntropy, int minEntropyLayer) {
    }

    /** Statistics of an in-memory trace, with {@link #DEFAULT_TOP} experts and pairs per layer. */
    public static TraceStats of(RouterTrace trace) {
        return of(trace, DEFAULT_TOP);
    }

    /** Statistics of an in-memory trace, listing {@code top} experts and pairs per layer. */
    public static TraceStats of(RouterTrace trace, int top) {
        Accumulator acc = new Accumulator(trace.header());
        int[] row = new int[trace.topK()];
        for (int t = 0; t < trace.numTokens(); t++) {
            for (int li = 0; li < trace.numRecordedLayers(); li++) {
                trace.copyExperts(t, li, row, 0);
                acc.add(li, row, 0);
            }
            acc.tokens++;
        }
        return acc.finish(top);
    }

    /** Statistics of a trace file, read as a stream (the trace need not fit in memory). */
    public static TraceStats of(Path file, int top) {
        try (TraceReader reader = TraceReader.open(file)) {
            Accumulator acc = new Accumulator(reader.header());
            int layers = reader.header().numRecordedLayers();
            int k = reader.header().topK();
            while (reader.advance()) {
                int base = reader.currentOffset();
                for (int li = 0; li < layers; li++) {
                    acc.add(li, reader.currentExperts(), base + li * k);
                }
                acc.tokens++;
            }
            return acc.finish(top);
        }
    }

    /** Counts per layer; pairs in a dense triangle for up to 512 experts, else in a map. */
    private static final class Accumulator {
        private final TraceHeader header;
        private final int e;
        private final int k;
        private final long[][] counts;
        private final long[][] densePairs;
        private final List<Map<Long, long[]>> sparsePairs;
        long tokens;

        Accumulator(TraceHeader header) {
            this.header = header;
            this.e = header.numExperts();
            this.k = header.topK();
            int layers = header.numRecordedLayers();
            counts = new long[layers][e];
            if (e <= 512) {
                densePairs = new long[layers][e * e];
                sparsePairs = null;
            } else {
                densePairs = null;
                sparsePairs = new ArrayList<>();
                for (int i = 0; i < layers; i++) {
                    sparsePairs.add(new HashMap<>());
                }
            }
        }

        void add(int li, int[] ids, int offset) {
            long[] c = counts[li];
            for (int j = 0; j < k; j++) {
                int a = ids[offset + j];
                c[a]++;
                for (int i = 0; i < j; i++) {
                    int b = ids[offset + i];
                    int lo = Math.min(a, b);
                    int hi = Math.max(a, b);
                    if (densePairs != null) {
                        densePairs[li][lo * e + hi]++;
                    } else {
                        sparsePairs.get(li).computeIfAbsent((long) lo * e + hi, x -> new long[1])[0]++;
                    }
                }
            }
        }

        TraceStats finish(int top) {
            List<LayerStats> layers = new ArrayList<>();
            for (int li = 0; li < counts.length; li++) {
                layers.add(layer(li, top));
            }
            return new TraceStats(header.modelId(), e, k, tokens, layers, summarise(layers));
        }

        private LayerStats layer(int li, int top) {
            long[] c = counts[li];
            double n = tokens;
            double total = n * k;
            double mean = total / e;
            double[] shares = new double[e];
            long max = 0;
            double squares = 0;
            double entropy = 0;
            for (int x = 0; x < e; x++) {
                shares[x] = n == 0 ? 0 : c[x] / n;
                max = Math.max(max, c[x]);
                squares += (c[x] - mean) * (c[x] - mean);
                if (c[x] > 0) {
                    double p = c[x] / total;
                    entropy -= p * log2(p);
                }
            }
            double maxOverMean = n == 0 ? 0 : max / mean;
            double cv = n == 0 ? 0 : Math.sqrt(squares / e) / mean;
            double normalized = n == 0 ? 0 : e == 1 ? 1 : entropy / log2(e);

            Integer[] order = new Integer[e];
            for (int x = 0; x < e; x++) {
                order[x] = x;
            }
            Arrays.sort(order, (a, b) -> c[a] != c[b] ? Long.compare(c[b], c[a]) : Integer.compare(a, b));
            List<ExpertShare> topExperts = new ArrayList<>();
            for (int i = 0; i < Math.min(top, e) && n > 0; i++) {
                topExperts.add(new ExpertShare(order[i], c[order[i]], shares[order[i]]));
            }
            return new LayerStats(header.moeLayers().get(li), c.clone(), shares, maxOverMean, cv, entropy, normalized,
                    topExperts, topPairs(li, top, n));
        }

        private List<ExpertPair> topPairs(int li, int top, double n) {
            List<ExpertPair> pairs = new ArrayList<>();
            if (densePairs != null) {
                long[] p = densePairs[li];
                for (int a = 0; a < e; a++) {
                    for (int b = a + 1; b < e; b++) {
                        if (p[a * e + b] > 0) {
                            pairs.add(new ExpertPair(a, b, p[a * e + b], p[a * e + b] / n));
                        }
                    }
                }
            } else {
                for (Map.Entry<Long, long[]> entry : sparsePairs.get(li).entrySet()) {
                    int a = (int) (entry.getKey() / e);
                    int b = (int) (entry.getKey() % e);
                    pairs.add(new ExpertPair(a, b, entry.getValue()[0], entry.getValue()[0] / n));
                }
            }
            pairs.sort((x, y) -> x.tokens() != y.tokens() ? Long.compare(y.tokens(), x.tokens())
                    : x.first() != y.first() ? Integer.compare(x.first(), y.first())
                    : Integer.compare(x.second(), y.second()));
            return List.copyOf(pairs.subList(0, Math.min(top, pairs.size())));
        }

        private static Summary summarise(List<LayerStats> layers) {
            double sumLoad = 0;
            double sumCv = 0;
            double sumEntropy = 0;
            LayerStats maxLoad = layers.get(0);
            LayerStats maxCv = layers.get(0);
            LayerStats minEntropy = layers.get(0);
            for (LayerStats l : layers) {
                sumLoad += l.maxOverMeanLoad();
                sumCv += l.coefficientOfVariation();
                sumEntropy += l.normalizedEntropy();
                if (l.maxOverMeanLoad() > maxLoad.maxOverMeanLoad()) {
                    maxLoad = l;
                }
                if (l.coefficientOfVariation() > maxCv.coefficientOfVariation()) {
                    maxCv = l;
                }
                if (l.normalizedEntropy() < minEntropy.normalizedEntropy()) {
                    minEntropy = l;
                }
            }
            int n = layers.size();
            return new Summary(sumLoad / n, maxLoad.maxOverMeanLoad(), maxLoad.layer(),
                    sumCv / n, maxCv.coefficientOfVariation(), maxCv.layer(),
                    sumEntropy / n, minEntropy.normalizedEntropy(), minEntropy.layer());
        }

        private static double log2(double x) {
            return Math.log(x) / Math.log(2);
        }
    }

    /** A human-readable table: one line per layer, then the summary. */
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "trace of %s: %d tokens, %d MoE layers, %d experts, top-%d%n",
                modelId, tokens, layers.size(), numExperts, topK));
        s.append(String.format(Locale.ROOT, "%5s %8s %6s %8s %6s  %-40s %s%n",
                "layer", "max/mean", "CV", "H(bits)", "H/Hmax", "top experts (token share)", "top pair (token share)"));
        for (LayerStats l : layers) {
            StringBuilder experts = new StringBuilder();
            for (int i = 0; i < Math.min(3, l.topExperts().size()); i++) {
                ExpertShare x = l.topExperts().get(i);
                experts.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%d(%.3f)", x.expert(), x.share()));
            }
            String pair = l.topPairs().isEmpty() ? "-" : String.format(Locale.ROOT, "%d+%d(%.3f)",
                    l.topPairs().get(0).first(), l.topPairs().get(0).second(), l.topPairs().get(0).share());
            s.append(String.format(Locale.ROOT, "%5d %8.3f %6.3f %8.3f %6.3f  %-40s %s%n", l.layer(), l.maxOverMeanLoad(),
                    l.coefficientOfVariation(), l.entropyBits(), l.normalizedEntropy(), experts, pair));
        }
        Summary m = summary;
        s.append(String.format(Locale.ROOT, "summary: max/mean mean %.3f, worst %.3f (layer %d); CV mean %.3f, worst %.3f (layer %d); "
                        + "normalised entropy mean %.3f, lowest %.3f (layer %d)%n",
                m.meanMaxOverMeanLoad(), m.maxMaxOverMeanLoad(), m.maxLoadLayer(),
                m.meanCoefficientOfVariation(), m.maxCoefficientOfVariation(), m.maxCvLayer(),
                m.meanNormalizedEntropy(), m.minNormalizedEntropy(), m.minEntropyLayer()));
        return s.toString();
    }

    /** The statistics of decoder layer {@code decoderLayer}. */
    public LayerStats layer(int decoderLayer) {
        for (LayerStats l : layers) {
            if (l.layer() == decoderLayer) {
                return l;
            }
        }
        throw new IllegalArgumentException("layer " + decoderLayer + " is not in the trace");
    }
}
