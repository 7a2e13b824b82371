package io.moesim.simulator.routing;

import io.moesim.models.spec.ModelSpec;
import io.moesim.models.trace.RouterTrace;
import java.util.Objects;

/**
 * A simulation's trace replay: the trace, the tokens replayed, and the tokens a load-aware
 * placement is fitted on.
 *
 * @param trace  the loaded trace
 * @param source what errors name (the trace file)
 * @param replay the tokens steps replay
 * @param fit    the tokens whose expert counts a placement strategy balances
 */
public record TraceRoutingPlan(RouterTrace trace, Object source, TraceRoutingWindow replay, TraceRoutingWindow fit) {

    public TraceRoutingPlan {
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(replay, "replay");
        Objects.requireNonNull(fit, "fit");
    }

    /** A windowed replay of the replay tokens for {@code model}'s MoE layers. */
    public TraceRouting replay(ModelSpec model) {
        return TraceRouting.forModel(trace, source, model, replay, TraceRouting.Mode.WINDOWED);
    }

    /** Expert counts over the fit tokens, {@code [moe layer][expert]}. */
    public double[][] fitLoads(ModelSpec model) {
        return TraceRouting.forModel(trace, source, model, fit, TraceRouting.Mode.WINDOWED).totalCounts();
    }
}
