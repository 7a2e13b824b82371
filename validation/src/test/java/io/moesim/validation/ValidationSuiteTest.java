package io.moesim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.simulator.results.ErrorBands;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runs the project's validation cases (validation/cases): the build fails when one leaves its tolerance. */
class ValidationSuiteTest {

    @Test
    void everyCaseIsInsideItsToleranceOrAKnownGap() {
        Validator.Report report = Validator.run(Path.of("cases"));
        StringWriter table = new StringWriter();
        Validator.print(report, new PrintWriter(table));
        assertTrue(report.failures().isEmpty(), "validation cases outside their tolerance:\n" + table);
        assertTrue(report.rows().size() >= 15, "expected the published figures as cases:\n" + table);
        assertEquals(0, report.count(Validator.Status.GAP_CLOSED),
                "a known gap is now inside its tolerance: change it to expect: pass\n" + table);
        for (String hw : java.util.List.of("h100", "h200", "b200", "gb200-nvl72")) {
            assertTrue(report.onHardware(hw).withRole(ValidationCase.Role.VALIDATION).rows().size() >= 3,
                    "at least three validation cases on " + hw + "\n" + table);
        }
        // The committed error bands must be the ones these cases give (they change when a prediction moves).
        ErrorBands committed = ErrorBands.read(Path.of("error-bands.yaml"));
        ErrorBands current = Validator.bands(report).rounded();
        assertEquals(current.yaml(), committed.yaml(),
                "validation/error-bands.yaml is stale: run ./moesim validate --write-bands and commit it");
    }
}
