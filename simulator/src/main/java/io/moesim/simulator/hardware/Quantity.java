package io.moesim.simulator.hardware;

import io.moesim.simulator.config.Node;
import java.util.Objects;

/**
 * One sourced hardware number: its value in SI units, the unit as written, where it comes from
 * and what kind of figure it is.
 *
 * @param value  the number in SI units (bytes, bytes/s, FLOP/s, W, s, USD, or a fraction)
 * @param unit   unit label as written in the profile ({@code FLOP/s}, {@code B/s}, {@code fraction})
 * @param kind   vendor spec, measurement, arithmetic on those, or an estimate
 * @param source where the number comes from (document, section, URL)
 */
public record Quantity(double value, String unit, Kind kind, String source) {

    /** What kind of figure a number is. */
    public enum Kind {
        /** A vendor or spec-sheet figure. */
        SPEC,
        /** Measured by someone (kernel benchmark, production report). */
        MEASUREMENT,
        /** Arithmetic on sourced numbers (the source says which). */
        DERIVED,
        /** An assumption with its reason, where no figure was found. */
        ESTIMATE
    }

    public Quantity {
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite");
        }
    }

    /** Reads {@code { value, unit, kind, source }} under {@code key}; the value must be in [min, max]. */
    static Quantity read(Node parent, String key, double min, double max) {
        Node node = parent.map(key);
        double value = node.number("value", min, max);
        String unit = node.string("unit");
        Kind kind = Kind.valueOf(node.choice("kind", null, "spec", "measurement", "derived", "estimate").toUpperCase());
        String source = node.string("source");
        node.finish();
        return new Quantity(value, unit, kind, source);
    }
}
