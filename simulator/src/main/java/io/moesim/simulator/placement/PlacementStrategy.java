package io.moesim.simulator.placement;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How experts are laid out on GPUs (see {@code docs/placement.md}).
 *
 * <ul>
 *   <li>{@link #CONTIGUOUS}: experts 0..E-1 in order, GPU after GPU, then the redundant replicas;</li>
 *   <li>{@link #ROUND_ROBIN}: expert i (then replica i) on GPU i mod G;</li>
 *   <li>{@link #EPLB_HIERARCHICAL}: DeepSeek EPLB's hierarchical policy (expert groups packed onto
 *       nodes, hot experts replicated within nodes, replicas packed onto GPUs);</li>
 *   <li>{@link #EPLB_GLOBAL}: DeepSeek EPLB's global policy (replicate over all GPUs, then pack).</li>
 * </ul>
 */
public enum PlacementStrategy {
    CONTIGUOUS("contiguous"),
    ROUND_ROBIN("round-robin"),
    EPLB_HIERARCHICAL("eplb-hierarchical"),
    EPLB_GLOBAL("eplb-global");

    private final String id;

    PlacementStrategy(String id) {
        this.id = id;
    }

    /** The name used in scenarios and on the command line. */
    public String id() {
        return id;
    }

    /** The strategy named {@code id}; an {@link IllegalArgumentException} listing the valid names otherwise. */
    public static PlacementStrategy parse(String id) {
        for (PlacementStrategy s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown placement strategy '" + id + "' (expected one of "
                + ids() + ")");
    }

    /** The valid names, comma separated. */
    public static String ids() {
        return Arrays.stream(values()).map(PlacementStrategy::id).collect(Collectors.joining(", "));
    }
}
