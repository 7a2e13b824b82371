package io.moesim.simulator.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * The pools of a deployment: a colocated pool alone, or a prefill pool and/or a decode pool
 * (disaggregated serving). A scenario may describe only one of the two disaggregated pools, to
 * study it alone (DeepSeek published its prefill and decode units separately).
 *
 * @param prefill   the prefill pool, or null
 * @param decode    the decode pool, or null
 * @param colocated the pool that does both, or null
 */
public record Deployment(Pool prefill, Pool decode, Pool colocated) {

    public Deployment {
        if (colocated != null && (prefill != null || decode != null)) {
            throw new IllegalArgumentException("colocated excludes prefill and decode pools");
        }
        if (colocated == null && prefill == null && decode == null) {
            throw new IllegalArgumentException("need at least one pool");
        }
    }

    /** The pools present, in the order prefill, decode, colocated. */
    public List<Pool> pools() {
        List<Pool> pools = new ArrayList<>();
        for (Pool pool : new Pool[] {prefill, decode, colocated}) {
            if (pool != null) {
                pools.add(pool);
            }
        }
        return List.copyOf(pools);
    }

    /** GPUs over all pools. */
    public int totalGpus() {
        return pools().stream().mapToInt(Pool::gpus).sum();
    }
}
