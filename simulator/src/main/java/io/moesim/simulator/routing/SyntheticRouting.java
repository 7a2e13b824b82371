package io.moesim.simulator.routing;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Synthetic routing: each token picks {@code topK} distinct experts, with per-expert popularity
 * uniform or Zipf ({@code p(rank r) ~ 1 / r^exponent}). Under Zipf, which expert is hot differs
 * per MoE layer (a seeded permutation per layer). An expert cannot be chosen twice by one token,
 * so its per-token inclusion probability is capped at 1 (water-filling) and its load at the
 * token count.
 */
public final class SyntheticRouting implements RoutingSource {

    /** The popularity law. */
    public sealed interface Distribution permits Uniform, Zipf {
    }

    /** Every expert equally likely. */
    public record Uniform() implements Distribution {
    }

    /** Zipf law with the given exponent (> 0); 1.2 is a strongly skewed router. */
    public record Zipf(double exponent) implements Distribution {
        public Zipf {
            if (!(exponent > 0) || Double.isInfinite(exponent)) {
                throw new IllegalArgumentException("zipf exponent must be > 0, got " + exponent);
            }
        }
    }

    private final int numExperts;
    private final int topK;
    private final Distribution distribution;
    private final long layerSeed;
    private final SplittableRandom rng;
    private final double[][] layerProbabilities;
    private final int[] scratch;

    /**
     * @param numExperts   routed experts per layer
     * @param topK         experts per token
     * @param numMoeLayers MoE layers (each gets its own hot-expert order under Zipf)
     * @param distribution uniform or Zipf
     * @param rng          the stream the draws come from (e.g. {@code RandomStreams.stream("routing")})
     */
    public SyntheticRouting(int numExperts, int topK, int numMoeLayers, Distribution distribution, SplittableRandom rng) {
        if (numExperts <= 0 || topK <= 0 || topK > numExperts || numMoeLayers <= 0) {
            throw new IllegalArgumentException("need 0 < topK <= numExperts and numMoeLayers > 0");
        }
        this.numExperts = numExperts;
        this.topK = topK;
        this.distribution = distribution;
        this.rng = rng;
        this.layerSeed = rng.nextLong();
        this.layerProbabilities = new double[numMoeLayers][];
        this.scratch = new int[numExperts];
    }

    @Override
    public int numExperts() {
        return numExperts;
    }

    @Override
    public int topK() {
        return topK;
    }

    public Distribution distribution() {
        return distribution;
    }

    /**
     * Per-token probability of choosing each expert at {@code moeLayer}, divided by topK so it
     * sums to one; no entry exceeds {@code 1 / topK}.
     */
    public double[] copyProbabilities(int moeLayer) {
        double[] p = layerProbabilities[moeLayer];
        if (p == null) {
            p = buildProbabilities(moeLayer);
            layerProbabilities[moeLayer] = p;
        }
        return p;
    }

    private double[] buildProbabilities(int moeLayer) {
        double[] weights = new double[numExperts];
        if (distribution instanceof Zipf zipf) {
            int[] order = new int[numExperts];
            for (int i = 0; i < numExperts; i++) {
                order[i] = i;
            }
            SplittableRandom shuffle = new SplittableRandom(layerSeed + 0x9e3779b97f4a7c15L * (moeLayer + 1));
            for (int i = numExperts - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int rank = 0; rank < numExperts; rank++) {
                weights[order[rank]] = Math.pow(rank + 1, -zipf.exponent());
            }
        } else {
            Arrays.fill(weights, 1.0);
        }
        return capAtOnePerToken(weights, topK);
    }

    /** Water-filling: inclusion probabilities k x p normalised to sum to k with none above 1; returned divided by k. */
    static double[] capAtOnePerToken(double[] weights, int topK) {
        int n = weights.length;
        double[] inclusion = new double[n];
        boolean[] capped = new boolean[n];
        int budget = topK;
        while (true) {
            double free = 0;
            for (int i = 0; i < n; i++) {
                if (!capped[i]) {
                    free += weights[i];
                }
            }
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                if (!capped[i]) {
                    inclusion[i] = budget * weights[i] / free;
                    if (inclusion[i] >= 1.0) {
                        capped[i] = true;
                        inclusion[i] = 1.0;
                        budget--;
                        changed = true;
                    }
                }
            }
            if (!changed) {
                break;
            }
        }
        for (int i = 0; i < n; i++) {
            inclusion[i] /= topK;
        }
        return inclusion;
    }

    /**
     * Expected copies per expert at or above which {@link #expertLoads} uses the pooled normal
     * approximation; the exact draw already approximates each conditional binomial by a normal there.
     */
    public static final double FAST_THRESHOLD = 30.0;

    /** Standard normal deviates drawn once per source, read from a random offset per call. */
    private static final int POOL = 1 << 16;
    private double[] normals;

    /**
     * Per-expert loads, drawn fast: when every expert expects at least {@link #FAST_THRESHOLD}
     * copies, the multinomial of {@code numTokens x topK} copies is replaced by its normal
     * approximation with the exact multinomial covariance, {@code X_e = N p_e + sqrt(N p_e) (Z_e -
     * sqrt(p_e) sum_j sqrt(p_j) Z_j)} (which sums to N), with the standard normals Z read from a pool
     * drawn once, from a random offset per call (docs/performance-simulator.md); rounded, the rounding
     * residue given to random experts. Below the threshold it is {@link #exactExpertLoads}.
     */
    @Override
    public void expertLoads(int moeLayer, int numTokens, int[] tokensPerExpert) {
        double[] p = copyProbabilities(moeLayer);
        int copies = numTokens * topK;
        if (copies * minProbability(moeLayer) < FAST_THRESHOLD) {
            exactExpertLoads(moeLayer, numTokens, tokensPerExpert);
            return;
        }
        if (tokensPerExpert.length != numExperts) {
            throw new IllegalArgumentException("need one slot per expert (" + numExperts + ")");
        }
        if (normals == null) {
            normals = new double[POOL];
            for (int i = 0; i < POOL; i++) {
                normals[i] = Multinomial.gaussian(rng);
            }
        }
        double[] root = layerRoots(moeLayer);
        int offset = rng.nextInt(POOL);
        double s = 0;
        for (int e = 0, i = offset; e < numExperts; e++, i = (i + 1) & (POOL - 1)) {
            s += root[e] * normals[i];
        }
        double sqrtN = Math.sqrt(copies);
        int sum = 0;
        for (int e = 0, i = offset; e < numExperts; e++, i = (i + 1) & (POOL - 1)) {
            double x = copies * p[e] + sqrtN * root[e] * (normals[i] - root[e] * s);
            int k = (int) Math.max(0, Math.min(numTokens, Math.round(x)));
            tokensPerExpert[e] = k;
            sum += k;
        }
        // Rounding and clamping residue: one token at a time to (or from) experts from a random start.
        int e = rng.nextInt(numExperts);
        while (sum != copies) {
            if (sum < copies && tokensPerExpert[e] < numTokens) {
                tokensPerExpert[e]++;
                sum++;
            } else if (sum > copies && tokensPerExpert[e] > 0) {
                tokensPerExpert[e]--;
                sum--;
            }
            e = (e + 1) % numExperts;
        }
    }

    private double[][] roots;
    private double[] minP;

    private double[] layerRoots(int moeLayer) {
        if (roots == null) {
            roots = new double[layerProbabilities.length][];
        }
        double[] r = roots[moeLayer];
        if (r == null) {
            double[] p = copyProbabilities(moeLayer);
            r = new double[p.length];
            for (int e = 0; e < p.length; e++) {
                r[e] = Math.sqrt(p[e]);
            }
            roots[moeLayer] = r;
        }
        return r;
    }

    private double minProbability(int moeLayer) {
        if (minP == null) {
            minP = new double[layerProbabilities.length];
            java.util.Arrays.fill(minP, -1);
        }
        if (minP[moeLayer] < 0) {
            double min = 1;
            for (double v : copyProbabilities(moeLayer)) {
                min = Math.min(min, v);
            }
            minP[moeLayer] = min;
        }
        return minP[moeLayer];
    }

    /**
     * The exact draw: a multinomial of {@code numTokens x topK} copies by conditional binomials
     * ({@link Multinomial}), then any expert above {@code numTokens} capped and its excess moved to
     * experts with room.
     */
    public void exactExpertLoads(int moeLayer, int numTokens, int[] tokensPerExpert) {
        if (tokensPerExpert.length != numExperts) {
            throw new IllegalArgumentException("need one slot per expert (" + numExperts + ")");
        }
        double[] p = copyProbabilities(moeLayer);
        int copies = numTokens * topK;
        Multinomial.sample(rng, copies, p, tokensPerExpert);
        // A token picks distinct experts: move any excess over numTokens to experts with room.
        int excess = 0;
        for (int e = 0; e < numExperts; e++) {
            if (tokensPerExpert[e] > numTokens) {
                excess += tokensPerExpert[e] - numTokens;
                tokensPerExpert[e] = numTokens;
            }
        }
        for (int e = 0; excess > 0; e = (e + 1) % numExperts) {
            if (tokensPerExpert[e] < numTokens) {
                tokensPerExpert[e]++;
                excess--;
            }
        }
    }
}
