package io.moesim.simulator.sweep;

/**
 * Pareto fronts of two objectives. A point is on the front when it is eligible, both its values are
 * finite, and no other eligible point is at least as good in both objectives and strictly better in
 * one. Equal points are all on the front (none dominates the other).
 */
public final class Pareto {

    /** Whether an objective is to be made large or small. */
    public enum Sense {
        MAXIMIZE, MINIMIZE
    }

    private Pareto() {
    }

    /**
     * The front of objectives {@code a} (sense {@code senseA}) and {@code b} (sense {@code senseB}).
     *
     * @param eligible points that may be on the front (infeasible points are not)
     * @return one flag per point
     */
    public static boolean[] front(double[] a, Sense senseA, double[] b, Sense senseB, boolean[] eligible) {
        int n = a.length;
        if (b.length != n || eligible.length != n) {
            throw new IllegalArgumentException("objectives and eligibility need one entry per point");
        }
        double[] x = oriented(a, senseA);
        double[] y = oriented(b, senseB);
        boolean[] candidate = new boolean[n];
        for (int i = 0; i < n; i++) {
            candidate[i] = eligible[i] && Double.isFinite(x[i]) && Double.isFinite(y[i]);
        }
        boolean[] front = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (!candidate[i]) {
                continue;
            }
            boolean dominated = false;
            for (int j = 0; j < n && !dominated; j++) {
                dominated = candidate[j] && x[j] >= x[i] && y[j] >= y[i] && (x[j] > x[i] || y[j] > y[i]);
            }
            front[i] = !dominated;
        }
        return front;
    }

    /** The values turned so that larger is better. */
    private static double[] oriented(double[] values, Sense sense) {
        double[] out = values.clone();
        if (sense == Sense.MINIMIZE) {
            for (int i = 0; i < out.length; i++) {
                out[i] = -out[i];
            }
        }
        return out;
    }
}
