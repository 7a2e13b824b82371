package io.moesim.validation;

import java.util.Objects;

/**
 * One published measurement and how moesim reproduces it (a file of {@code validation/cases/},
 * format in docs/validation.md).
 *
 * @param file          the case file (for messages)
 * @param name          short id (the file name without {@code .yaml})
 * @param description   one line: what was measured, on what
 * @param role          whether the figure is independent of the model's parameters or was used to fit them
 * @param sourceUrl     where the figure was published
 * @param sourceSection the section of docs/sources.md that quotes it
 * @param measuredValue the published figure, in {@code unit}
 * @param unit          its unit (one of {@link Units})
 * @param tolerance     the largest relative error |predicted - measured| / measured that passes
 * @param expect        whether the case is expected inside its tolerance or is a known gap
 * @param reason        why a known gap is one (null otherwise)
 * @param probe         what moesim computes
 * @param hardware      the hardware profile id the figure was measured on (the probe's, or the run
 *                      scenario's); {@code none} for a figure of the model alone
 * @param model         the model id (the probe's or the scenario's)
 * @param pair          the case published side by side with this one on other hardware, or null
 * @param band          whether the residual informs the error bands (false only for a known gap whose
 *                      published setup uses a feature moesim cannot express, e.g. multi-token prediction)
 */
public record ValidationCase(String file, String name, String description, Role role, String sourceUrl,
                             String sourceSection, double measuredValue, String unit, double tolerance,
                             Expect expect, String reason, Probe probe, String hardware, String model, Pair pair,
                             boolean band) {

    /** A figure that does not depend on hardware (model accounting). */
    public static final String NO_HARDWARE = "none";

    /**
     * This case's partner, published side by side on other hardware (e.g. GB200 against H100 decode
     * per GPU): moesim's ratio of the two predictions is compared with the published ratio.
     *
     * @param partner        the partner case's name
     * @param publishedRatio the ratio this case / partner as the source states it (e.g. 2.7 for "2.7x"),
     *                       or null to take the ratio of the two measured figures
     */
    public record Pair(String partner, Double publishedRatio) {
        public Pair {
            Objects.requireNonNull(partner, "partner");
        }
    }

    public ValidationCase {
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(model, "model");
        if (!band && expect != Expect.KNOWN_GAP) {
            throw new IllegalArgumentException("only a known gap can be left out of the error bands");
        }
        if (expect == Expect.KNOWN_GAP && (reason == null || reason.isBlank())) {
            throw new IllegalArgumentException("a known gap needs a reason");
        }
    }

    /** Whether the measured figure is independent of the model or was used to calibrate it. */
    public enum Role {
        /** An independent check: nothing in the model was fitted to it. */
        VALIDATION,
        /** A calibration point: a model parameter was fitted or derived from this figure, so agreement is by construction. */
        CALIBRATION
    }

    /** What the case expects. */
    public enum Expect {
        /** Inside the tolerance; a case that leaves it fails the suite. */
        PASS,
        /** A documented miss: shown with its error, never failing the suite. */
        KNOWN_GAP
    }

    /** The measured figure in SI units. */
    public double measuredSi() {
        return measuredValue * Units.factor(unit);
    }
}
