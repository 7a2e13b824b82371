package io.moesim.simulator.kernels;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One entry of a kernel profile: what one kind of kernel achieves on one GPU, as a constant or as a
 * table over one or two shape axes (tokens per group, batch, context, EP size), with the public
 * benchmark it comes from.
 *
 * <p>Interpolation: linear in the natural log of each axis between table points, flat beyond the
 * first and the last point (no extrapolation); a two-axis table is a full grid, bilinear in
 * (log a, log b).
 *
 * @param key      the entry's key in the profile ({@code gemm.fp8})
 * @param unit     unit of the values ({@code fraction}, {@code B/s}, {@code s}, ...)
 * @param basis    what kind of figure it is; {@link Basis#NONE} means no kernel figure exists
 * @param source   the benchmark (or arithmetic on it) the values come from
 * @param fallback with basis none: what was used instead (required); else null
 * @param axes     names of the table's axes: empty (a constant), one or two
 * @param first    points of the first axis, strictly increasing (empty for a constant)
 * @param second   points of the second axis (empty unless two axes)
 * @param values   values[i][j] at (first[i], second[j]); a constant is values[0][0]
 */
public record KernelTable(String key, String unit, Basis basis, String source, String fallback, List<String> axes,
                          double[] first, double[] second, double[][] values) {

    /** What kind of figure an entry is. */
    public enum Basis {
        /** A kernel benchmark's own figure. */
        MEASUREMENT,
        /** Arithmetic on kernel benchmark figures (the source says which). */
        DERIVED,
        /** Fitted on the profile's one designated calibration point (H800 overlap only). */
        FITTED,
        /** An assumption with its reason (no benchmark isolates it). */
        ESTIMATE,
        /** No kernel figure for this GPU: the values are a fallback, and the output says {@code uncalibrated}. */
        NONE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public KernelTable {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(basis, "basis");
        Objects.requireNonNull(source, "source");
        axes = List.copyOf(axes);
        if (axes.size() > 2 || (axes.isEmpty() && (values.length != 1 || values[0].length != 1))) {
            throw new IllegalArgumentException(key + ": a constant has one value, a table one or two axes");
        }
        if (basis == Basis.NONE && fallback == null) {
            throw new IllegalArgumentException(key + ": basis none needs a fallback");
        }
    }

    /** A constant. */
    public static KernelTable constant(String key, String unit, Basis basis, String source, String fallback, double value) {
        return new KernelTable(key, unit, basis, source, fallback, List.of(), new double[0], new double[0],
                new double[][] {{value}});
    }

    /** True unless the entry has no kernel figure behind it. */
    public boolean calibrated() {
        return basis != Basis.NONE;
    }

    /** The value at a shape; {@code shape} gives each axis its value by name (unused axes are ignored). */
    public double at(Shape shape) {
        if (axes.isEmpty()) {
            return values[0][0];
        }
        double a = shape.of(axes.get(0));
        if (axes.size() == 1) {
            return interpolate(first, a, i -> values[i][0]);
        }
        double b = shape.of(axes.get(1));
        return interpolate(first, a, i -> interpolate(second, b, j -> values[i][j]));
    }

    /** The value of a one-axis table (or a constant) at {@code x}. */
    public double at(double x) {
        if (axes.size() > 1) {
            throw new IllegalStateException(key + " has two axes");
        }
        return axes.isEmpty() ? values[0][0] : interpolate(first, x, i -> values[i][0]);
    }

    /** The value of a two-axis table at (a, b); a one-axis table reads its axis from a or b by name. */
    public double at(String axisA, double a, String axisB, double b) {
        return at(name -> name.equals(axisA) ? a : name.equals(axisB) ? b : Double.NaN);
    }

    private interface Column {
        double value(int i);
    }

    /** Linear in log(x) between the two neighbouring points, flat outside. */
    static double interpolate(double[] xs, double x, Column column) {
        int n = xs.length;
        if (!(x > xs[0])) {
            return column.value(0);
        }
        if (x >= xs[n - 1]) {
            return column.value(n - 1);
        }
        int hi = 1;
        while (xs[hi] < x) {
            hi++;
        }
        double t = (Math.log(x) - Math.log(xs[hi - 1])) / (Math.log(xs[hi]) - Math.log(xs[hi - 1]));
        double lo = column.value(hi - 1);
        return lo + t * (column.value(hi) - lo);
    }

    /** The value of each named axis at the point looked up. */
    @FunctionalInterface
    public interface Shape {
        double of(String axis);
    }

    /** One line: the values as written, for {@code moesim hardware show}. */
    public String describeValues() {
        if (axes.isEmpty()) {
            return String.format(Locale.ROOT, "%.4g", values[0][0]);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < first.length; i++) {
            if (axes.size() == 1) {
                out.append(String.format(Locale.ROOT, "%s%s=%s:%.4g", i == 0 ? "" : " ", axes.get(0), num(first[i]),
                        values[i][0]));
            } else {
                for (int j = 0; j < second.length; j++) {
                    out.append(String.format(Locale.ROOT, "%s(%s,%s):%.4g", out.isEmpty() ? "" : " ", num(first[i]),
                            num(second[j]), values[i][j]));
                }
            }
        }
        return axes.size() == 2 ? axes.get(0) + " x " + axes.get(1) + " " + out : out.toString();
    }

    private static String num(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : String.format(Locale.ROOT, "%.4g", x);
    }
}
