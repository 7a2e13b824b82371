package io.moesim.models.bench;

import io.moesim.models.kernels.Activations;
import io.moesim.models.kernels.Attention;
import io.moesim.models.kernels.ExpertWeights;
import io.moesim.models.kernels.Experts;
import io.moesim.models.kernels.KvCache;
import io.moesim.models.kernels.MatMul;
import io.moesim.models.kernels.MatVec;
import io.moesim.models.kernels.Norm;
import io.moesim.models.kernels.Parallel;
import io.moesim.models.kernels.Rope;
import io.moesim.models.kernels.RopeTable;
import io.moesim.models.tensor.DType;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** JMH benchmarks of the forward-pass kernels; {@link BenchMain} sets each beside the machine's limits. */
public final class KernelBench {

    private KernelBench() {
    }

    @State(Scope.Benchmark)
    public abstract static class Base {
        @Param({"2"})
        public int threads;

        Parallel par;

        void start() {
            par = Parallel.of(threads);
        }

        void stop() {
            par.close();
        }
    }

    /** Matrix-vector on a mapped matrix far larger than the 32 MiB L3: memory-bound. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
    public static class MatVecBench extends Base {
        public static final int ROWS = 8192;
        public static final int COLS = 8192;

        @Param({"F32", "BF16", "F16"})
        public DType dtype;

        MappedWeights w;
        float[] x = MappedWeights.randomVector(COLS, 1);
        float[] out = new float[ROWS];

        @Setup(Level.Trial)
        public void setup() {
            start();
            w = new MappedWeights(dtype, 2, ROWS, COLS);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            w.close();
            stop();
        }

        @Benchmark
        public float matvec() {
            MatVec.matvec(par, w.tensor, x, out);
            return out[ROWS - 1];
        }
    }

    /** One expert GEMM of OLMoE's shape: [1024, 2048] weights over 64 tokens: FMA-bound. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
    public static class GemmBench {
        public static final int ROWS = 1024;
        public static final int IN = 2048;
        public static final int TOKENS = 64;

        @Param({"1", "2"})
        public int threads;

        @Param({"BF16", "F32"})
        public DType dtype;

        Parallel par;
        MappedWeights w;
        float[] x = MappedWeights.randomVector(TOKENS * IN, 3);
        float[] out = new float[TOKENS * ROWS];

        @Setup(Level.Trial)
        public void setup() {
            par = Parallel.of(threads);
            w = new MappedWeights(dtype, 4, ROWS, IN);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            w.close();
            par.close();
        }

        @Benchmark
        public float matmul() {
            MatMul.matmul(par, w.tensor, x, TOKENS, out);
            return out[0];
        }
    }

    /** The grouped expert product of one OLMoE-1B-7B MoE layer (64 experts, top-8, d=2048, ff=1024, BF16). */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
    public static class ExpertsBench extends Base {
        public static final int EXPERTS = 64;
        public static final int TOP_K = 8;
        public static final int D = 2048;
        public static final int FF = 1024;

        /**
         * 1: decode (weights of 8 experts streamed from memory); 16: a short prefill (about 2
         * tokens per expert, nearly every expert used: memory-bound); 256: prefill (about 32
         * tokens per expert).
         */
        @Param({"1", "16", "256"})
        public int tokens;

        MappedWeights gateUp;
        MappedWeights down;
        ExpertWeights weights;
        float[] x;
        float[] out;
        int[] chosen;
        float[] gates;

        @Setup(Level.Trial)
        public void setup() {
            start();
            gateUp = new MappedWeights(DType.BF16, 5, EXPERTS, 2 * FF, D);
            down = new MappedWeights(DType.BF16, 6, EXPERTS, D, FF);
            weights = ExpertWeights.packed(gateUp.tensor, down.tensor);
            x = MappedWeights.randomVector(tokens * D, 7);
            out = new float[tokens * D];
            chosen = routing(tokens);
            gates = new float[tokens * TOP_K];
            Arrays.fill(gates, 1f / TOP_K);
        }

        /** Random top-8 routing (8 distinct experts per token, fixed seed) of {@code tokens} tokens. */
        static int[] routing(int tokens) {
            int[] chosen = new int[tokens * TOP_K];
            SplittableRandom r = new SplittableRandom(8);
            for (int t = 0; t < tokens; t++) {
                boolean[] used = new boolean[EXPERTS];
                for (int k = 0; k < TOP_K; k++) {
                    int e;
                    do {
                        e = r.nextInt(EXPERTS);
                    } while (used[e]);
                    used[e] = true;
                    chosen[t * TOP_K + k] = e;
                }
            }
            return chosen;
        }

        /** Weight bytes one call reads: gate, up and down of every expert the routing uses (BF16). */
        static double weightBytes(int tokens) {
            long distinct = Arrays.stream(routing(tokens)).distinct().count();
            return distinct * 3.0 * D * FF * 2;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            gateUp.close();
            down.close();
            stop();
        }

        @Benchmark
        public float experts() {
            Experts.forward(par, weights, x, tokens, TOP_K, chosen, gates, out);
            return out[0];
        }
    }

    /** Decode attention: 16 heads of 128 over 2048 cached positions (32 MiB of keys and values). */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
    public static class SmallBench extends Base {
        public static final int HEADS = 16;
        public static final int HEAD_DIM = 128;
        public static final int LEN = 2048;
        public static final int D = 2048;

        KvCache cache;
        float[] q = MappedWeights.randomVector(HEADS * HEAD_DIM, 9);
        float[] attnOut = new float[HEADS * HEAD_DIM];
        float[] x = MappedWeights.randomVector(D, 10);
        float[] normWeight = MappedWeights.randomVector(D, 11);
        float[] normOut = new float[D];
        float[] logits = MappedWeights.randomVector(D, 12);
        float[] work = new float[D];
        RopeTable rope = RopeTable.standard(HEAD_DIM, 10000, LEN);

        @Setup(Level.Trial)
        public void setup() {
            start();
            cache = new KvCache(LEN, HEADS, HEAD_DIM, HEAD_DIM);
            float[] k = new float[HEADS * HEAD_DIM];
            for (int p = 0; p < LEN; p++) {
                k = MappedWeights.randomVector(HEADS * HEAD_DIM, 100 + p);
                cache.put(p, k, 0, k, 0);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            stop();
        }

        @Benchmark
        public float attentionDecode() {
            Attention.decode(par, q, HEADS, cache, LEN - 1, 0.088f, attnOut);
            return attnOut[0];
        }

        @Benchmark
        public float rmsNorm() {
            Norm.rms(normOut, 0, x, 0, normWeight, 0, D, 1e-6f);
            return normOut[0];
        }

        @Benchmark
        public float ropeNeox() {
            System.arraycopy(q, 0, work, 0, HEADS * HEAD_DIM);
            Rope.neox(work, 0, HEADS, HEAD_DIM, rope, LEN - 1);
            return work[0];
        }

        @Benchmark
        public float softmax() {
            System.arraycopy(logits, 0, work, 0, D);
            Activations.softmax(work, 0, D);
            return work[0];
        }
    }
}
