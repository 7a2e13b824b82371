package io.moesim.models.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.forward.ForwardModel;
import io.moesim.models.forward.ModelConfig;
import io.moesim.models.forward.RouterObserver;
import io.moesim.models.forward.SequenceCache;
import io.moesim.models.kernels.Parallel;
import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.MemoryTensors;
import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.Vectors;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Decode and prefill speed of the CPU forward pass on a randomly initialised model of
 * OLMoE-1B-7B's shape (allenai/OLMoE-1B-7B-0924 config.json: 16 layers, d=2048, 16 heads of 128,
 * 64 experts top-8, expert ff=1024, vocab 50304, q/k norm over the full width), with BF16
 * weights generated on the fly in off-heap memory ({@link MemoryTensors}, about 13.8 GB; nothing
 * is written to disk). Beside the tokens/s it prints the bandwidth bound: the weight bytes one
 * decoded token reads (attention, router, the top-8 experts of every layer, the LM head)
 * divided by a STREAM-like read and triad bandwidth measured in the same process with the same
 * thread count.
 *
 * <pre>
 * models/bench.sh --olmoe [layers=16] [decodeTokens=32] [prompt=32] [threads=cores] [prefills=1]
 * </pre>
 * Needs about 14 GB of free memory for 16 layers; run with a small heap ({@code -Xmx1g}).
 */
public final class OlmoeDecode {

    static final int D = 2048;
    static final int FF = 1024;
    static final int EXPERTS = 64;
    static final int TOP_K = 8;
    static final int VOCAB = 50304;
    static final int HEADS = 16;

    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private OlmoeDecode() {
    }

    public static void main(String[] args) {
        int layers = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int decode = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int prompt = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int threads = args.length > 3 && !args[3].isEmpty() ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
        int prefills = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        try (Parallel par = Parallel.of(threads)) {
            double[] stream = streamBandwidth(par);
            System.out.printf(Locale.ROOT, "STREAM (%d threads, best of 5, 3 x 128 MiB arrays): read %.2f GB/s, triad %.2f GB/s%n",
                    threads, stream[0] / 1e9, stream[1] / 1e9);
            long t0 = System.nanoTime();
            MemoryTensors weights = generate(layers, 1234);
            System.out.printf(Locale.ROOT, "weights: %d layers, %.2f GB BF16 generated in memory in %.1f s%n",
                    layers, weights.bytes() / 1e9, (System.nanoTime() - t0) / 1e9);
            try (ForwardModel model = ForwardModel.of(config(layers), weights, par)) {
                SplittableRandom r = new SplittableRandom(5);
                int[] tokens = IntStream.range(0, prompt).map(i -> r.nextInt(VOCAB)).toArray();
                // warm-up: one short prefill and a few decode steps compile the kernels
                SequenceCache warm = model.newCache(8);
                model.forward(new int[] {1, 2, 3, 4}, warm, RouterObserver.NONE, ForwardModel.Logits.LAST);
                for (int i = 0; i < 4; i++) {
                    model.forward(new int[] {5 + i}, warm, RouterObserver.NONE, ForwardModel.Logits.LAST);
                }
                // the prompt is prefilled `prefills` times into fresh caches (on a shared machine the
                // best of a few is the steadier number); decode continues from the last one
                SequenceCache cache = null;
                float[] logits = null;
                double prefill = Double.MAX_VALUE;
                for (int p = 0; p < prefills; p++) {
                    cache = model.newCache(prompt + decode);
                    long t1 = System.nanoTime();
                    logits = model.forward(tokens, cache, RouterObserver.NONE, ForwardModel.Logits.LAST);
                    double seconds = (System.nanoTime() - t1) / 1e9;
                    if (prefills > 1) {
                        System.out.printf(Locale.ROOT, "prefill %d of %d: %.2f s%n", p + 1, prefills, seconds);
                    }
                    prefill = Math.min(prefill, seconds);
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < decode; i++) {
                    logits = model.forward(new int[] {argmax(logits)}, cache, RouterObserver.NONE, ForwardModel.Logits.LAST);
                }
                double dec = (System.nanoTime() - t2) / 1e9;
                long bytes = activeBytesPerToken(layers);
                System.out.printf(Locale.ROOT, "threads: %d, vector lanes: %d%n", threads, Vectors.LANES);
                System.out.printf(Locale.ROOT, "prefill: %d tokens in %.2f s = %.2f tokens/s%s%n", prompt, prefill, prompt / prefill,
                        prefills > 1 ? " (best of " + prefills + ")" : "");
                System.out.printf(Locale.ROOT, "decode: %d tokens in %.2f s = %.2f tokens/s (%.1f ms/token)%n",
                        decode, dec, decode / dec, 1e3 * dec / decode);
                System.out.printf(Locale.ROOT, "active weight bytes per decoded token: %.3f GB -> bound %.2f tokens/s at the read"
                                + " bandwidth, %.2f at triad; decode reaches %.0f%% of the read bound (%.1f GB/s effective)%n",
                        bytes / 1e9, stream[0] / bytes, stream[1] / bytes, 100 * (decode / dec) / (stream[0] / bytes),
                        bytes * (decode / dec) / 1e9);
            }
        }
    }

    /** Weight bytes read per decoded token: per layer q,k,v,o, router and top-k experts; the LM head. */
    static long activeBytesPerToken(int layers) {
        long perLayer = 4L * D * D + (long) EXPERTS * D + (long) TOP_K * 3 * D * FF;
        return 2 * (layers * perLayer + (long) VOCAB * D);
    }

    static ModelConfig config(int layers) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("OlmoeForCausalLM");
        c.put("hidden_size", D).put("intermediate_size", FF).put("num_hidden_layers", layers)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", HEADS).put("num_experts", EXPERTS)
                .put("num_experts_per_tok", TOP_K).put("vocab_size", VOCAB).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 10000.0).put("norm_topk_prob", false).put("tie_word_embeddings", false)
                .put("max_position_embeddings", 4096);
        return ModelConfig.parse(c, Path.of("olmoe-1b-7b-shape (generated)"));
    }

    /** All tensors of the model, BF16, uniform in +-sqrt(3/fan_in) (unit-variance outputs); norms are ones. */
    static MemoryTensors generate(int layers, long seed) {
        MemoryTensors m = new MemoryTensors("generated OLMoE-shaped weights");
        random(m.allocate("model.embed_tokens.weight", DType.BF16, VOCAB, D), seed, 0.02f);
        random(m.allocate("lm_head.weight", DType.BF16, VOCAB, D), seed + 1, 0.02f);
        ones(m.allocate("model.norm.weight", DType.BF16, D));
        float s = (float) Math.sqrt(3.0 / D);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            long ls = seed + 1000L * (l + 1);
            ones(m.allocate(p + "input_layernorm.weight", DType.BF16, D));
            ones(m.allocate(p + "post_attention_layernorm.weight", DType.BF16, D));
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                random(m.allocate(p + "self_attn." + proj + ".weight", DType.BF16, D, D), ls++, s);
            }
            ones(m.allocate(p + "self_attn.q_norm.weight", DType.BF16, D));
            ones(m.allocate(p + "self_attn.k_norm.weight", DType.BF16, D));
            random(m.allocate(p + "mlp.gate.weight", DType.BF16, EXPERTS, D), ls++, s);
            random(m.allocate(p + "mlp.experts.gate_up_proj", DType.BF16, EXPERTS, 2 * FF, D), ls++, s);
            random(m.allocate(p + "mlp.experts.down_proj", DType.BF16, EXPERTS, D, FF), ls++, (float) Math.sqrt(3.0 / FF));
        }
        return m;
    }

    private static void ones(Tensor t) {
        MemorySegment seg = t.segment();
        for (long i = 0; i < t.size(); i++) {
            seg.set(Vectors.SHORT_LE, 2 * i, DType.floatToBf16(1f));
        }
    }

    /**
     * Fills a BF16 tensor with values uniform in {@code [-bound, bound)}: a SplitMix64 stream per
     * 1 MiB block (so the content does not depend on the thread count), four BF16 per long.
     */
    private static void random(Tensor t, long seed, float bound) {
        MemorySegment seg = t.segment();
        long longs = seg.byteSize() / 8;
        long blockLongs = 1 << 17;
        int blocks = (int) ((longs + blockLongs - 1) / blockLongs);
        IntStream.range(0, blocks).parallel().forEach(b -> {
            long state = seed * 0x9E3779B97F4A7C15L + b;
            long end = Math.min(longs, (b + 1) * blockLongs);
            for (long i = b * blockLongs; i < end; i++) {
                state += 0x9E3779B97F4A7C15L;
                long z = state;
                z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                z ^= z >>> 31;
                long packed = 0;
                for (int k = 0; k < 4; k++) {
                    // 16 random bits -> uniform in [-1, 1) -> BF16 (top half of the float's bits)
                    float u = ((short) (z >>> (16 * k))) * (bound / 32768f);
                    packed |= (long) (Float.floatToRawIntBits(u) >>> 16) << (16 * k);
                }
                seg.set(LONG_LE, 8 * i, packed);
            }
        });
        for (long i = longs * 4; i < t.size(); i++) {
            seg.set(Vectors.SHORT_LE, 2 * i, DType.floatToBf16(0f));
        }
    }

    /** Best of 5 {read, triad} bytes/s on three 128 MiB float arrays, 64 blocks over {@code par}. */
    static double[] streamBandwidth(Parallel par) {
        int n = 32 << 20;
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        int blocks = 64;
        int chunk = n / blocks;
        int lanes = Vectors.LANES;
        double bestRead = 0;
        double bestTriad = 0;
        float[] sink = new float[blocks];
        for (int rep = 0; rep < 5; rep++) {
            long t0 = System.nanoTime();
            par.forEach(blocks, blk -> {
                FloatVector s0 = FloatVector.zero(Vectors.F);
                FloatVector s1 = FloatVector.zero(Vectors.F);
                FloatVector s2 = FloatVector.zero(Vectors.F);
                FloatVector s3 = FloatVector.zero(Vectors.F);
                int end = (blk + 1) * chunk;
                for (int i = blk * chunk; i < end; i += 4 * lanes) {
                    s0 = s0.add(FloatVector.fromArray(Vectors.F, b, i));
                    s1 = s1.add(FloatVector.fromArray(Vectors.F, b, i + lanes));
                    s2 = s2.add(FloatVector.fromArray(Vectors.F, b, i + 2 * lanes));
                    s3 = s3.add(FloatVector.fromArray(Vectors.F, b, i + 3 * lanes));
                }
                sink[blk] = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
            });
            bestRead = Math.max(bestRead, 4.0 * n / ((System.nanoTime() - t0) / 1e9));
            long t1 = System.nanoTime();
            par.forEach(blocks, blk -> {
                int end = (blk + 1) * chunk;
                for (int i = blk * chunk; i < end; i += lanes) {
                    FloatVector.fromArray(Vectors.F, c, i).fma(FloatVector.broadcast(Vectors.F, 3f), FloatVector.fromArray(Vectors.F, b, i)).intoArray(a, i);
                }
            });
            bestTriad = Math.max(bestTriad, 12.0 * n / ((System.nanoTime() - t1) / 1e9));
        }
        if (sink[0] != chunk || a[0] != 7f) {
            throw new IllegalStateException("STREAM kernels computed wrong values");
        }
        return new double[] {bestRead, bestTriad};
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
