package io.moesim.reports;

import java.util.Objects;

/**
 * One row of a report's validation table: a quantity moesim predicts beside a measured or published
 * value. The validation work fills these; a report includes the table only when rows are given.
 *
 * @param quantity  what is compared ("DeepSeek-V3 decode, output tokens/s per node")
 * @param unit      unit of both values ("tokens/s")
 * @param predicted moesim's value
 * @param measured  the reference value
 * @param source    where the reference comes from
 */
public record ValidationRow(String quantity, String unit, double predicted, double measured, String source) {

    public ValidationRow {
        Objects.requireNonNull(quantity, "quantity");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(source, "source");
    }

    /** Relative error {@code predicted / measured - 1} (NaN when measured is 0). */
    public double relativeError() {
        return measured == 0 ? Double.NaN : predicted / measured - 1;
    }
}
