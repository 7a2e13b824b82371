package io.moesim.simulator.memory;

import io.moesim.simulator.hardware.DataType;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import io.moesim.simulator.scenario.Pool;
import io.moesim.simulator.scenario.Precision;
import io.moesim.simulator.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * For a pool that does not fit in memory, the smallest single changes that make it fit, each
 * computed with {@link MemoryModel} (not guessed) and written as the {@code --set} that makes it:
 * <ol>
 *   <li>the fewest GPUs above the pool's count that fit, the split scaled as {@code --set
 *       deployment.POOL.gpus=N} scales it (attention {@code dp = N / tp}, {@code ep} keeping its share);
 *       when the pool is whole nodes, whole nodes;</li>
 *   <li>narrower weights, then a narrower KV cache, among the formats the GPU has tensor-core peaks for;</li>
 *   <li>the largest batch ({@code maxBatchPerGpu}) or prefill step ({@code maxTokensPerGpu}) that fits;</li>
 *   <li>each shipped hardware profile with more memory per GPU on which the pool fits as it is.</li>
 * </ol>
 */
public final class FitSearch {

    /** GPU counts are searched up to this many times the pool's. */
    private static final int MAX_GPU_FACTOR = 64;

    private FitSearch() {
    }

    /**
     * One change that makes a pool fit.
     *
     * @param set           the override, {@code KEY=VALUE}, ready for {@code --set}
     * @param what          what it changes, in words
     * @param totalBytes    memory per GPU needed after the change
     * @param capacityBytes HBM per GPU after the change
     */
    public record Fix(String set, String what, double totalBytes, double capacityBytes) {
        /** {@code --set KEY=VALUE: what (N of M GB per GPU)}. */
        public String describe() {
            return String.format(Locale.ROOT, "--set %s: %s (%.1f of %.1f GB per GPU)", set, what, totalBytes / 1e9,
                    capacityBytes / 1e9);
        }
    }

    /** The changes that make {@code pool} of {@code scenario} fit; empty when it fits or none is found. */
    public static List<Fix> fixes(Scenario scenario, Pool pool) {
        List<Fix> fixes = new ArrayList<>();
        if (MemoryModel.of(scenario, pool).fits()) {
            return fixes;
        }
        String prefix = "deployment." + pool.role().key();
        Pool bigger = fewestGpus(scenario, pool);
        if (bigger != null) {
            fixes.add(fix(scenario, bigger, prefix + ".gpus=" + bigger.gpus(), String.format(Locale.ROOT,
                    "%d GPUs instead of %d (attention TP%d x DP%d, EP%d)", bigger.gpus(), pool.gpus(),
                    bigger.attentionTp(), bigger.attentionDp(), bigger.ep())));
        }
        Precision p = scenario.precision();
        for (DataType type : narrower(scenario.hardware(), p.weights())) {
            Precision q = new Precision(type, p.activations(), p.kvCache(), p.dispatch(), p.combine());
            Scenario s = with(scenario, scenario.hardware(), q);
            if (MemoryModel.of(s, pool).fits()) {
                fixes.add(fix(s, pool, "precision.weights=" + type.key(), type.key() + " weights instead of "
                        + p.weights().key()));
                break;
            }
        }
        for (DataType type : narrower(scenario.hardware(), p.kvCache())) {
            Precision q = new Precision(p.weights(), p.activations(), type, p.dispatch(), p.combine());
            Scenario s = with(scenario, scenario.hardware(), q);
            if (MemoryModel.of(s, pool).fits()) {
                fixes.add(fix(s, pool, "precision.kvCache=" + type.key(), type.key() + " KV cache instead of "
                        + p.kvCache().key()));
                break;
            }
        }
        if (pool.role().decodes()) {
            int b = largest(pool.maxBatchPerGpu() - 1, x -> MemoryModel.of(scenario, withBatch(pool, x,
                    pool.maxTokensPerGpu())).fits());
            if (b > 0) {
                fixes.add(fix(scenario, withBatch(pool, b, pool.maxTokensPerGpu()), prefix + ".maxBatchPerGpu=" + b,
                        "at most " + b + " sequences per GPU instead of " + pool.maxBatchPerGpu()));
            }
        }
        if (pool.role().prefills()) {
            int t = largest(pool.maxTokensPerGpu() - 1, x -> MemoryModel.of(scenario, withBatch(pool,
                    pool.maxBatchPerGpu(), x)).fits());
            if (t > 0) {
                fixes.add(fix(scenario, withBatch(pool, pool.maxBatchPerGpu(), t), prefix + ".maxTokensPerGpu=" + t,
                        "at most " + t + " prompt tokens per GPU per step instead of " + pool.maxTokensPerGpu()));
            }
        }
        double hbm = scenario.hardware().gpu().hbmBytes().value();
        for (HardwareProfile h : HardwareProfiles.all()) {
            if (h.gpu().hbmBytes().value() > hbm && !h.id().equals(scenario.hardware().id())) {
                Scenario s = with(scenario, h, scenario.precision());
                if (MemoryModel.of(s, pool).fits()) {
                    fixes.add(fix(s, pool, "hardware=" + h.id(), h.name() + " instead of " + scenario.hardware().name()));
                }
            }
        }
        return fixes;
    }

    /** The pool with the fewest GPUs above its own that fits, or null below {@value #MAX_GPU_FACTOR} times. */
    static Pool fewestGpus(Scenario scenario, Pool pool) {
        int g = pool.gpus();
        int perNode = scenario.hardware().network().gpusPerNodeCount();
        int step = g % perNode == 0 ? perNode : 1;
        int slots = scenario.model().moe().numRoutedExperts() + scenario.placement().redundantExperts();
        long limit = Math.min(1_000_000L, (long) g * MAX_GPU_FACTOR);
        for (long n = ((long) g / step + 1) * step; n <= limit; n += step) {
            if (n % pool.attentionTp() != 0 || (long) pool.ep() * n % g != 0) {
                continue;
            }
            long ep = (long) pool.ep() * n / g;
            if (ep % pool.attentionTp() != 0 || (slots > 0 && ep > slots)) {
                continue;
            }
            Pool candidate = new Pool(pool.role(), (int) n, pool.attentionTp(), (int) (n / pool.attentionTp()), (int) ep,
                    pool.maxBatchPerGpu(), pool.maxTokensPerGpu(), pool.microBatches(), pool.balancer());
            if (MemoryModel.of(scenario, candidate).fits()) {
                return candidate;
            }
        }
        return null;
    }

    /** The largest x in [1, max] with {@code fits(x)} (memory grows with x), or 0. */
    private static int largest(int max, IntPredicate fits) {
        if (max < 1 || !fits.test(1)) {
            return 0;
        }
        int lo = 1;
        int hi = max;
        while (lo < hi) {
            int mid = lo + (hi - lo + 1) / 2;
            if (fits.test(mid)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private static List<DataType> narrower(HardwareProfile hardware, DataType current) {
        List<DataType> types = new ArrayList<>();
        for (DataType type : List.of(DataType.FP8, DataType.FP4)) {
            if (type.bytes() < current.bytes() && hardware.gpu().peakFlopsPerSecond().containsKey(type)) {
                types.add(type);
            }
        }
        return types;
    }

    private static Pool withBatch(Pool pool, int batch, int tokens) {
        return new Pool(pool.role(), pool.gpus(), pool.attentionTp(), pool.attentionDp(), pool.ep(), batch, tokens,
                pool.microBatches(), pool.balancer());
    }

    private static Fix fix(Scenario scenario, Pool pool, String set, String what) {
        PoolMemory m = MemoryModel.of(scenario, pool);
        return new Fix(set, what, m.totalBytes(), m.capacityBytes());
    }

    private static Scenario with(Scenario s, HardwareProfile hardware, Precision precision) {
        return new Scenario(s.source(), s.name(), s.modelRef(), s.model(), hardware.id(), hardware, s.deployment(),
                s.placement(), precision, s.workload(), s.usdPerGpuHour(), s.priceSource(), s.routing(), s.seed(),
                s.simulation());
    }
}
