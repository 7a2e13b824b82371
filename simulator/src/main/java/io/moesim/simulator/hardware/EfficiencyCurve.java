package io.moesim.simulator.hardware;

import java.util.List;
import java.util.Objects;

/**
 * Achieved fraction of peak tensor-core FLOPs of a (grouped) GEMM as a function of the tokens in
 * one group (the M dimension: tokens per expert, or tokens of a dense GEMM). Linear in log2(tokens)
 * between points, flat beyond the first and the last. It describes the compute side only; a GEMM
 * with few tokens is slower still because it must stream all its weights, which the step model
 * counts against HBM bandwidth.
 *
 * @param points (tokens, fraction) with strictly increasing tokens and fractions in (0, 1]
 * @param kind   what kind of figures the points are
 * @param source where they come from
 */
public record EfficiencyCurve(List<Point> points, Quantity.Kind kind, String source) {

    /** One point: at {@code tokens} tokens per group the GEMM reaches {@code fraction} of peak. */
    public record Point(double tokens, double fraction) {
        public Point {
            if (!(tokens >= 1) || !(fraction > 0 && fraction <= 1)) {
                throw new IllegalArgumentException("need tokens >= 1 and fraction in (0, 1]");
            }
        }
    }

    public EfficiencyCurve {
        points = List.copyOf(points);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        if (points.isEmpty()) {
            throw new IllegalArgumentException("need at least one point");
        }
        for (int i = 1; i < points.size(); i++) {
            if (!(points.get(i).tokens() > points.get(i - 1).tokens())) {
                throw new IllegalArgumentException("tokens must increase");
            }
        }
    }

    /** The fraction of peak at {@code tokens} tokens per group. */
    public double fractionAt(double tokens) {
        Point first = points.getFirst();
        Point last = points.getLast();
        if (tokens <= first.tokens()) {
            return first.fraction();
        }
        if (tokens >= last.tokens()) {
            return last.fraction();
        }
        for (int i = 1; i < points.size(); i++) {
            Point hi = points.get(i);
            if (tokens <= hi.tokens()) {
                Point lo = points.get(i - 1);
                double t = (Math.log(tokens) - Math.log(lo.tokens())) / (Math.log(hi.tokens()) - Math.log(lo.tokens()));
                return lo.fraction() + t * (hi.fraction() - lo.fraction());
            }
        }
        return last.fraction();
    }
}
