package io.moesim.models.bench;

import io.moesim.models.kernels.Parallel;
import io.moesim.models.tensor.Vectors;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
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

/**
 * This machine's limits, measured in the same run as the kernels: STREAM-like copy and triad on
 * arrays far larger than the last-level cache (bytes counted as STREAM does: copy 2 x 4 B per
 * element, triad 3 x 4 B), and peak FMA throughput of a register-resident FloatVector loop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx3g"})
public class LimitsBench {

    /** Floats per STREAM array: 32 Mi (128 MiB each, 4x a 32 MiB L3). */
    public static final int STREAM_N = 32 << 20;
    /** Blocks the STREAM arrays are split into across threads. */
    private static final int STREAM_BLOCKS = 64;
    /** Iterations of the FMA loop per thread. */
    public static final int FMA_ITERATIONS = 1 << 22;
    /** Independent accumulators in the FMA loop (> latency x pipes on current x86). */
    public static final int FMA_CHAINS = 12;

    @Param({"1", "2"})
    public int threads;

    private Parallel par;
    private float[] a;
    private float[] b;
    private float[] c;

    @Setup(Level.Trial)
    public void setup() {
        par = Parallel.of(threads);
        a = new float[STREAM_N];
        b = new float[STREAM_N];
        c = new float[STREAM_N];
        for (int i = 0; i < STREAM_N; i++) {
            b[i] = i;
            c[i] = 1;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        par.close();
    }

    /** {@code a = b}: 8 bytes per element. */
    @Benchmark
    public float streamCopy() {
        int chunk = STREAM_N / STREAM_BLOCKS;
        par.forEach(STREAM_BLOCKS, blk -> System.arraycopy(b, blk * chunk, a, blk * chunk, chunk));
        return a[STREAM_N - 1];
    }

    /** {@code a = b + 3 c}: 12 bytes per element. */
    @Benchmark
    public float streamTriad() {
        int chunk = STREAM_N / STREAM_BLOCKS;
        int lanes = Vectors.LANES;
        FloatVector three = FloatVector.broadcast(Vectors.F, 3f);
        par.forEach(STREAM_BLOCKS, blk -> {
            int end = (blk + 1) * chunk;
            for (int i = blk * chunk; i < end; i += lanes) {
                FloatVector.fromArray(Vectors.F, c, i).fma(three, FloatVector.fromArray(Vectors.F, b, i)).intoArray(a, i);
            }
        });
        return a[STREAM_N - 1];
    }

    /** {@link #FMA_ITERATIONS} x {@link #FMA_CHAINS} vector FMAs on each of {@code threads} threads. */
    @Benchmark
    public float fmaPeak() {
        float[] sums = new float[threads];
        par.forEach(threads, t -> sums[t] = fmaLoop(1f + t * 1e-7f));
        return sums[0];
    }

    private static float fmaLoop(float seed) {
        FloatVector m = FloatVector.broadcast(Vectors.F, 0.999999f);
        FloatVector k = FloatVector.broadcast(Vectors.F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(Vectors.F, seed);
        FloatVector a1 = a0.add(1f);
        FloatVector a2 = a0.add(2f);
        FloatVector a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f);
        FloatVector a5 = a0.add(5f);
        FloatVector a6 = a0.add(6f);
        FloatVector a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f);
        FloatVector a9 = a0.add(9f);
        FloatVector a10 = a0.add(10f);
        FloatVector a11 = a0.add(11f);
        for (int i = 0; i < FMA_ITERATIONS; i++) {
            a0 = a0.fma(m, k);
            a1 = a1.fma(m, k);
            a2 = a2.fma(m, k);
            a3 = a3.fma(m, k);
            a4 = a4.fma(m, k);
            a5 = a5.fma(m, k);
            a6 = a6.fma(m, k);
            a7 = a7.fma(m, k);
            a8 = a8.fma(m, k);
            a9 = a9.fma(m, k);
            a10 = a10.fma(m, k);
            a11 = a11.fma(m, k);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
