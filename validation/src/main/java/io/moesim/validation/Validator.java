package io.moesim.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs validation cases ({@code moesim validate}): each case's prediction against its published
 * figure, the relative error, and whether it is inside its tolerance.
 */
public final class Validator {

    private Validator() {
    }

    /** The outcome of a case. */
    public enum Status {
        /** Inside the tolerance. */
        PASS,
        /** Outside the tolerance of a case expected to pass: fails the suite. */
        FAIL,
        /** Outside the tolerance of a documented known gap: shown, does not fail. */
        KNOWN_GAP,
        /** A known gap now inside its tolerance: the case should be changed to {@code expect: pass}. */
        GAP_CLOSED;

        /** Lower-case, dash-separated name for tables and JSON. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One case's result.
     *
     * @param predicted     moesim's figure in the case's unit
     * @param relativeError (predicted - measured) / measured
     */
    public record Row(ValidationCase validationCase, double predicted, double relativeError, Status status) {
        public double measured() {
            return validationCase.measuredValue();
        }
    }

    /** Every case's row and the summary figures. */
    public record Report(List<Row> rows) {

        /** Cases that fail the suite. */
        public List<Row> failures() {
            return rows.stream().filter(r -> r.status() == Status.FAIL).toList();
        }

        public long count(Status status) {
            return rows.stream().filter(r -> r.status() == status).count();
        }

        /** Median absolute relative error over all cases. */
        public double medianAbsoluteError() {
            double[] errors = rows.stream().mapToDouble(r -> Math.abs(r.relativeError())).sorted().toArray();
            if (errors.length == 0) {
                return Double.NaN;
            }
            int mid = errors.length / 2;
            return errors.length % 2 == 1 ? errors[mid] : (errors[mid - 1] + errors[mid]) / 2;
        }

        /** The case with the largest absolute relative error. */
        public Row worst() {
            return rows.stream().max((a, b) -> Double.compare(Math.abs(a.relativeError()), Math.abs(b.relativeError())))
                    .orElse(null);
        }

        /** The same figures over the cases expected to pass (known gaps left out). */
        public Report withoutKnownGaps() {
            return new Report(rows.stream().filter(r -> r.validationCase().expect() == ValidationCase.Expect.PASS).toList());
        }
    }

    /** Runs every case. */
    public static Report run(List<ValidationCase> cases) {
        return run(cases, done -> { });
    }

    /** Runs every case, telling {@code progress} how many are done after each one. */
    public static Report run(List<ValidationCase> cases, java.util.function.IntConsumer progress) {
        Probe.Runs runs = new Probe.Runs();
        List<Row> rows = new ArrayList<>();
        for (ValidationCase c : cases) {
            double predicted;
            try {
                predicted = c.probe().predict(runs) / Units.factor(c.unit());
            } catch (io.moesim.models.InputException e) {
                // Name the case whose probe failed, unless the message already does.
                throw e.getMessage().startsWith(c.file()) ? e
                        : io.moesim.models.InputException.at(c.file(), "probe", e.getMessage());
            }
            double error = (predicted - c.measuredValue()) / c.measuredValue();
            boolean inside = Math.abs(error) <= c.tolerance();
            Status status = c.expect() == ValidationCase.Expect.PASS ? (inside ? Status.PASS : Status.FAIL)
                    : (inside ? Status.GAP_CLOSED : Status.KNOWN_GAP);
            rows.add(new Row(c, predicted, error, status));
            progress.accept(rows.size());
        }
        return new Report(rows);
    }

    /** Runs every case of {@code dir}. */
    public static Report run(Path dir) {
        return run(CaseLoader.loadDir(dir));
    }

    /** Prints the table and the summary. */
    public static void print(Report report, PrintWriter out) {
        int width = Math.max(4, report.rows().stream().mapToInt(r -> r.validationCase().name().length()).max().orElse(4));
        String format = "%-" + width + "s  %14s  %14s  %-12s  %8s  %6s  %s%n";
        out.printf(Locale.ROOT, format, "case", "predicted", "measured", "unit", "error", "tol", "status");
        for (Row r : report.rows()) {
            ValidationCase c = r.validationCase();
            String status = r.status().label() + (c.role() == ValidationCase.Role.CALIBRATION ? " (calibration point)" : "");
            out.printf(Locale.ROOT, format, c.name(), number(r.predicted()), number(r.measured()), c.unit(),
                    percent(r.relativeError()), tolerance(c.tolerance()), status);
        }
        out.println();
        for (Row r : report.rows()) {
            if (r.status() == Status.KNOWN_GAP || r.status() == Status.GAP_CLOSED) {
                out.printf(Locale.ROOT, "%s %s: %s%n", r.status().label(), r.validationCase().name(),
                        r.validationCase().reason());
            }
        }
        Row worst = report.worst();
        Report expected = report.withoutKnownGaps();
        Row worstExpected = expected.worst();
        out.printf(Locale.ROOT, "%d cases: %d pass, %d fail, %d known gap(s), %d gap(s) closed%n", report.rows().size(),
                report.count(Status.PASS), report.count(Status.FAIL), report.count(Status.KNOWN_GAP),
                report.count(Status.GAP_CLOSED));
        if (worst != null) {
            out.printf(Locale.ROOT, "absolute relative error: median %s, worst %s (%s)%n",
                    tolerance(report.medianAbsoluteError()), tolerance(Math.abs(worst.relativeError())),
                    worst.validationCase().name());
        }
        if (worstExpected != null) {
            out.printf(Locale.ROOT, "without known gaps: median %s, worst %s (%s)%n",
                    tolerance(expected.medianAbsoluteError()), tolerance(Math.abs(worstExpected.relativeError())),
                    worstExpected.validationCase().name());
        }
        for (Row r : report.failures()) {
            out.printf(Locale.ROOT, "FAIL %s: predicted %s %s, measured %s, error %s outside the %s tolerance (%s)%n",
                    r.validationCase().name(), number(r.predicted()), r.validationCase().unit(), number(r.measured()),
                    percent(r.relativeError()), tolerance(r.validationCase().tolerance()), r.validationCase().file());
        }
        out.flush();
    }

    /** The report as a JSON tree. */
    public static Map<String, Object> toJson(Report report) {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Map<String, Object>> cases = new ArrayList<>();
        for (Row r : report.rows()) {
            ValidationCase c = r.validationCase();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("case", c.name());
            row.put("description", c.description());
            row.put("role", c.role().name().toLowerCase(Locale.ROOT));
            row.put("predicted", r.predicted());
            row.put("measured", r.measured());
            row.put("unit", c.unit());
            row.put("relativeError", r.relativeError());
            row.put("tolerance", c.tolerance());
            row.put("status", r.status().label());
            row.put("reason", c.reason());
            Map<String, Object> source = new LinkedHashMap<>(); // Map.of would change the key order from run to run
            source.put("url", c.sourceUrl());
            source.put("section", c.sourceSection());
            row.put("source", source);
            cases.add(row);
        }
        root.put("cases", cases);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("cases", report.rows().size());
        for (Status s : Status.values()) {
            summary.put(s.label(), report.count(s));
        }
        summary.put("medianAbsoluteRelativeError", report.medianAbsoluteError());
        Row worst = report.worst();
        summary.put("worstAbsoluteRelativeError", worst == null ? null : Math.abs(worst.relativeError()));
        summary.put("worstCase", worst == null ? null : worst.validationCase().name());
        Report expected = report.withoutKnownGaps();
        summary.put("medianAbsoluteRelativeErrorWithoutKnownGaps", expected.medianAbsoluteError());
        Row worstExpected = expected.worst();
        summary.put("worstAbsoluteRelativeErrorWithoutKnownGaps",
                worstExpected == null ? null : Math.abs(worstExpected.relativeError()));
        root.put("summary", summary);
        return root;
    }

    /** Writes the JSON to {@code file} ({@code -}: standard output) through a temporary file and a rename; a figure that is not finite is null. */
    public static void writeJson(Report report, Path file) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files2.writeAtomically(file, out -> mapper.writeValue(out, Files2.finite(toJson(report))));
    }

    static String number(double value) {
        double a = Math.abs(value);
        if (a != 0 && (a >= 1e7 || a < 1e-3)) {
            return String.format(Locale.ROOT, "%.4g", value);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }

    /** A tolerance as a short percentage: 15%, 0.1%. */
    static String tolerance(double fraction) {
        return new java.math.BigDecimal(fraction * 100).round(new java.math.MathContext(3)).stripTrailingZeros()
                .toPlainString() + "%";
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%+.1f%%", fraction * 100);
    }

}
