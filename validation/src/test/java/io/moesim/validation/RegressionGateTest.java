package io.moesim.validation;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The regression gate over the shipped scenarios: a change to a profile, a model or the simulator
 * that moves a prediction past 2% fails the build with the diff. After a reviewed change, rewrite
 * the golden files with {@code ./moesim regress --update} (docs/validation.md).
 */
class RegressionGateTest {

    @Test
    void shippedScenariosMatchTheirGoldenFiles() {
        StringWriter diff = new StringWriter();
        PrintWriter out = new PrintWriter(diff);
        Regression.Report report = Regression.run(Path.of("..", "scenarios"), Path.of("golden"), Regression.DEFAULT_SETS,
                Regression.DEFAULT_TOLERANCE, false, out);
        Regression.printSummary(report, out);
        assertFalse(report.failed(), "predictions moved (after a reviewed change: ./moesim regress --update):\n" + diff);
    }
}
