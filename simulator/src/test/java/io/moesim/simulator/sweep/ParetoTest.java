package io.moesim.simulator.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ParetoTest {

    private static final boolean T = true;
    private static final boolean F = false;

    @Test
    void bothMaximisedHandChecked() {
        // (x, y): A(1,9) B(4,7) C(3,6) dominated by B, D(7,2), E(6,1) dominated by D, F(7,2) equal to D.
        double[] x = {1, 4, 3, 7, 6, 7};
        double[] y = {9, 7, 6, 2, 1, 2};
        boolean[] front = Pareto.front(x, Pareto.Sense.MAXIMIZE, y, Pareto.Sense.MAXIMIZE, new boolean[] {T, T, T, T, T, T});
        assertArrayEquals(new boolean[] {T, T, F, T, F, T}, front);
    }

    @Test
    void bothMinimisedHandChecked() {
        // cost, latency: A(1,9) B(2,3) C(3,3) dominated by B, D(5,1), E(6,1) dominated by D.
        double[] cost = {1, 2, 3, 5, 6};
        double[] latency = {9, 3, 3, 1, 1};
        boolean[] front = Pareto.front(cost, Pareto.Sense.MINIMIZE, latency, Pareto.Sense.MINIMIZE, new boolean[] {T, T, T, T, T});
        assertArrayEquals(new boolean[] {T, T, F, T, F}, front);
    }

    @Test
    void ineligibleAndNanPointsAreNeverOnTheFrontNorDominate() {
        // B dominates everything but is infeasible; C has a NaN; so A and D form the front.
        double[] x = {1, 10, Double.NaN, 5};
        double[] y = {5, 10, 100, 1};
        boolean[] front = Pareto.front(x, Pareto.Sense.MAXIMIZE, y, Pareto.Sense.MAXIMIZE, new boolean[] {T, F, T, T});
        assertArrayEquals(new boolean[] {T, F, F, T}, front);
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Pareto.front(new double[2], Pareto.Sense.MAXIMIZE,
                new double[3], Pareto.Sense.MAXIMIZE, new boolean[2]));
    }
}
