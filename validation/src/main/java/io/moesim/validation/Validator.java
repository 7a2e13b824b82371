package io.moesim.validation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.models.InputException;
import io.moesim.simulator.results.ErrorBands;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.TreeMap;
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

        /** The cases of one role. */
        public Report withRole(ValidationCase.Role role) {
            return new Report(rows.stream().filter(r -> r.validationCase().role() == role).toList());
        }

        /** The cases of one hardware. */
        public Report onHardware(String hardware) {
            return new Report(rows.stream().filter(r -> r.validationCase().hardware().equals(hardware)).toList());
        }

        /** Hardware ids of the cases, sorted ({@code none} last). */
        public List<String> hardware() {
            return rows.stream().map(r -> r.validationCase().hardware()).distinct()
                    .sorted(Comparator.comparing((String h) -> h.equals(ValidationCase.NO_HARDWARE)).thenComparing(h -> h))
                    .toList();
        }

        /** One line per hardware and role: case count, median and worst absolute error. */
        public List<Group> groups() {
            List<Group> groups = new ArrayList<>();
            for (String hw : hardware()) {
                for (ValidationCase.Role role : List.of(ValidationCase.Role.VALIDATION, ValidationCase.Role.CALIBRATION)) {
                    Report part = onHardware(hw).withRole(role);
                    if (!part.rows().isEmpty()) {
                        groups.add(new Group(hw, role, part.rows().size(), part.medianAbsoluteError(), part.worst()));
                    }
                }
            }
            return groups;
        }

        /** The side-by-side pairs: each case naming a partner, with moesim's ratio against the published one. */
        public List<PairRow> pairs() {
            Map<String, Row> byName = new LinkedHashMap<>();
            rows.forEach(r -> byName.put(r.validationCase().name(), r));
            List<PairRow> pairs = new ArrayList<>();
            for (Row r : rows) {
                ValidationCase.Pair pair = r.validationCase().pair();
                if (pair == null) {
                    continue;
                }
                Row partner = byName.get(pair.partner());
                if (partner == null) {
                    throw InputException.at(r.validationCase().file(), "pair.case",
                            "no case named '" + pair.partner() + "' among the cases run");
                }
                double measured = pair.publishedRatio() != null ? pair.publishedRatio() : r.measured() / partner.measured();
                double error = (1 + r.relativeError()) / (1 + partner.relativeError()) - 1;
                pairs.add(new PairRow(r, partner, measured, measured * (1 + error), error));
            }
            return pairs;
        }
    }

    /**
     * One hardware's cases of one role.
     *
     * @param median median absolute relative error
     * @param worst  the case with the largest absolute error
     */
    public record Group(String hardware, ValidationCase.Role role, int cases, double median, Row worst) {
    }

    /**
     * Two cases published side by side on two hardware.
     *
     * @param measuredRatio  the published ratio (or the ratio of the measured figures)
     * @param predictedRatio moesim's ratio, in the same terms
     * @param relativeError  predictedRatio / measuredRatio - 1 = (1 + e_case) / (1 + e_partner) - 1
     */
    public record PairRow(Row row, Row partner, double measuredRatio, double predictedRatio, double relativeError) {
    }

    /**
     * The kind of headline figure a case's residual informs, or null: validation-role {@code run}
     * cases of a throughput key, a TTFT or TPOT key, or a cost per million tokens (which informs
     * throughput as its inverse). Calibration cases, kernel-level cases and known gaps marked
     * {@code band: false} (a published setup moesim cannot express) inform no band.
     */
    public static ErrorBands.Kind bandKind(ValidationCase c) {
        if (c.role() != ValidationCase.Role.VALIDATION || !c.band() || !(c.probe() instanceof Probe.Run run)) {
            return null;
        }
        String key = run.key();
        if (key.startsWith("throughput.") || key.startsWith("cost.usdPerMillion")) {
            return ErrorBands.Kind.THROUGHPUT;
        }
        if (key.startsWith("latency.ttftSeconds.")) {
            return ErrorBands.Kind.TTFT;
        }
        if (key.startsWith("latency.tpotSeconds.")) {
            return ErrorBands.Kind.TPOT;
        }
        return null;
    }

    /** The error bands the report's validation cases give (docs/validation.md, "Error bands"). */
    public static ErrorBands bands(Report report) {
        Map<String, Map<ErrorBands.Kind, List<ErrorBands.Residual>>> residuals = new TreeMap<>();
        for (Row r : report.rows()) {
            ErrorBands.Kind kind = bandKind(r.validationCase());
            if (kind == null) {
                continue;
            }
            boolean cost = ((Probe.Run) r.validationCase().probe()).key().startsWith("cost.");
            double residual = cost ? 1 / (1 + r.relativeError()) - 1 : r.relativeError();
            residuals.computeIfAbsent(r.validationCase().hardware(), h -> new EnumMap<>(ErrorBands.Kind.class))
                    .computeIfAbsent(kind, k -> new ArrayList<>())
                    .add(new ErrorBands.Residual(r.validationCase().name(), residual));
        }
        return new ErrorBands(residuals);
    }

    /** Writes the bands file ({@code validation/error-bands.yaml}) through a temporary file and a rename. */
    public static void writeBands(Report report, Path file) {
        String text = bands(report).yaml();
        Files2.writeAtomically(file, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
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

    /** Prints the table by hardware, the summary per hardware and role, the headline error and the side-by-side pairs. */
    public static void print(Report report, PrintWriter out) {
        int width = Math.max(4, report.rows().stream().mapToInt(r -> r.validationCase().name().length()).max().orElse(4));
        String format = "%-" + width + "s  %-11s  %-16s  %14s  %14s  %-12s  %8s  %6s  %s%n";
        for (String hw : report.hardware()) {
            out.printf(Locale.ROOT, "%s%n", hw.equals(ValidationCase.NO_HARDWARE) ? "model figures (no hardware)" : "hardware " + hw);
            out.printf(Locale.ROOT, format, "case", "role", "model", "predicted", "measured", "unit", "error", "tol", "status");
            for (Row r : report.onHardware(hw).rows()) {
                ValidationCase c = r.validationCase();
                out.printf(Locale.ROOT, format, c.name(), c.role().name().toLowerCase(Locale.ROOT), c.model(),
                        number(r.predicted()), number(r.measured()), c.unit(), percent(r.relativeError()),
                        tolerance(c.tolerance()), r.status().label());
            }
            out.println();
        }
        for (Row r : report.rows()) {
            if (r.status() == Status.KNOWN_GAP || r.status() == Status.GAP_CLOSED) {
                out.printf(Locale.ROOT, "%s %s: %s%n", r.status().label(), r.validationCase().name(),
                        r.validationCase().reason());
            }
        }
        out.println();
        out.printf(Locale.ROOT, "%-12s  %-11s  %5s  %12s  %12s  %s%n", "hardware", "role", "cases", "median |err|",
                "worst |err|", "worst case");
        for (Group g : report.groups()) {
            out.printf(Locale.ROOT, "%-12s  %-11s  %5d  %12s  %12s  %s%n", g.hardware(), g.role().name().toLowerCase(Locale.ROOT),
                    g.cases(), tolerance(g.median()), tolerance(Math.abs(g.worst().relativeError())),
                    g.worst().validationCase().name());
        }
        out.println();
        out.printf(Locale.ROOT, "%d cases: %d pass, %d fail, %d known gap(s), %d gap(s) closed%n", report.rows().size(),
                report.count(Status.PASS), report.count(Status.FAIL), report.count(Status.KNOWN_GAP),
                report.count(Status.GAP_CLOSED));
        Report validation = report.withRole(ValidationCase.Role.VALIDATION);
        Row worst = validation.worst();
        if (worst != null) {
            out.printf(Locale.ROOT, "headline (validation cases only, %d): median absolute error %s, worst %s (%s)%n",
                    validation.rows().size(), tolerance(validation.medianAbsoluteError()),
                    tolerance(Math.abs(worst.relativeError())), worst.validationCase().name());
            Report expected = validation.withoutKnownGaps();
            Row worstExpected = expected.worst();
            if (worstExpected != null) {
                out.printf(Locale.ROOT, "  without known gaps (%d): median %s, worst %s (%s)%n", expected.rows().size(),
                        tolerance(expected.medianAbsoluteError()), tolerance(Math.abs(worstExpected.relativeError())),
                        worstExpected.validationCase().name());
            }
        }
        List<PairRow> pairs = report.pairs();
        if (!pairs.isEmpty()) {
            out.println();
            out.println("side by side (ratio of the two cases' figures: published, moesim's, error)");
            for (PairRow p : pairs) {
                out.printf(Locale.ROOT, "  %s (%s) / %s (%s): published %.2f, predicted %.2f, %s%n",
                        p.row().validationCase().name(), p.row().validationCase().hardware(),
                        p.partner().validationCase().name(), p.partner().validationCase().hardware(),
                        p.measuredRatio(), p.predictedRatio(), percent(p.relativeError()));
            }
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
            row.put("hardware", c.hardware());
            row.put("model", c.model());
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
            ErrorBands.Kind kind = bandKind(c);
            row.put("band", kind == null ? null : kind.key());
            row.put("pair", c.pair() == null ? null : c.pair().partner());
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
        Report validation = report.withRole(ValidationCase.Role.VALIDATION);
        Map<String, Object> headline = new LinkedHashMap<>();
        headline.put("cases", validation.rows().size());
        headline.put("medianAbsoluteRelativeError", validation.medianAbsoluteError());
        Row worstValidation = validation.worst();
        headline.put("worstAbsoluteRelativeError", worstValidation == null ? null : Math.abs(worstValidation.relativeError()));
        headline.put("worstCase", worstValidation == null ? null : worstValidation.validationCase().name());
        summary.put("headline", headline);
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Group g : report.groups()) {
            Map<String, Object> group = new LinkedHashMap<>();
            group.put("hardware", g.hardware());
            group.put("role", g.role().name().toLowerCase(Locale.ROOT));
            group.put("cases", g.cases());
            group.put("medianAbsoluteRelativeError", g.median());
            group.put("worstAbsoluteRelativeError", Math.abs(g.worst().relativeError()));
            group.put("worstCase", g.worst().validationCase().name());
            groups.add(group);
        }
        summary.put("byHardware", groups);
        root.put("summary", summary);
        List<Map<String, Object>> pairs = new ArrayList<>();
        for (PairRow p : report.pairs()) {
            Map<String, Object> pair = new LinkedHashMap<>();
            pair.put("case", p.row().validationCase().name());
            pair.put("hardware", p.row().validationCase().hardware());
            pair.put("partner", p.partner().validationCase().name());
            pair.put("partnerHardware", p.partner().validationCase().hardware());
            pair.put("measuredRatio", p.measuredRatio());
            pair.put("predictedRatio", p.predictedRatio());
            pair.put("relativeError", p.relativeError());
            pairs.add(pair);
        }
        root.put("pairs", pairs);
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
