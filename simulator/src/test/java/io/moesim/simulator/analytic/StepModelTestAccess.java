package io.moesim.simulator.analytic;

import io.moesim.simulator.hardware.HardwareProfile;

/** Test helper: hardware variants for other packages' tests. */
public final class StepModelTestAccess {
    private StepModelTestAccess() {
    }

    /** {@code h} with every link bandwidth multiplied by {@code factor}. */
    public static HardwareProfile withLinks(HardwareProfile h, double factor) {
        return StepModelTest.withLinks(h, factor);
    }
}
