package io.moesim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Case files: bad ones give one-line errors naming file and field; statuses follow the tolerance and the expectation. */
class CaseLoaderTest {

    @TempDir
    Path tmp;

    private static final String GOOD = """
            description: DeepSeek-V3 total parameters
            source: { url: https://arxiv.org/abs/2412.19437, section: docs/sources.md section 2 }
            measured: { value: %s, unit: B parameters }
            tolerance: 1%%
            %s
            probe:
              model: { model: deepseek-v3, quantity: totalParameters }
            """;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    private void assertOneLineError(String text, String... fragments) throws Exception {
        Path file = write("bad.yaml", text);
        InputException e = assertThrows(InputException.class, () -> CaseLoader.load(file));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage());
        }
    }

    @Test
    void badCaseFilesGiveOneLineErrors() throws Exception {
        assertOneLineError(GOOD.formatted("671", "colour: blue"), "colour");
        assertOneLineError(GOOD.formatted("671", "").replace("measured: { value: 671, unit: B parameters }\n", ""),
                "measured", "missing");
        assertOneLineError(GOOD.formatted("671", "").replace("B parameters", "furlongs"), "measured.unit", "furlongs");
        assertOneLineError(GOOD.formatted("671", "expect: known-gap"), "reason", "missing");
        assertOneLineError(GOOD.formatted("671", "reason: because"), "reason");
        assertOneLineError(GOOD.formatted("671", "").replace("tolerance: 1%", "tolerance: lots"), "tolerance", "lots");
        assertOneLineError(GOOD.formatted("abc", ""), "measured.value");
        assertOneLineError(GOOD.formatted("671", "") + "  gemm: { hardware: h800, m: 64, n: 4096, k: 7168 }\n",
                "probe", "exactly one");
        assertOneLineError(GOOD.formatted("671", "").replace("totalParameters", "weight"), "probe.model.quantity");
        assertOneLineError("description: [unclosed\n", "not valid YAML");
        assertOneLineError(GOOD.formatted("671", "").replace("model: { model: deepseek-v3, quantity: totalParameters }",
                "run: { scenario: nowhere.yaml, key: cost.usdPerHour }"), "probe.run.scenario", "no such file");
    }

    @Test
    void statusFollowsToleranceAndExpectation() throws Exception {
        // ModelAccounting gives DeepSeek-V3 671.0B parameters (MTP excluded).
        List<ValidationCase> cases = List.of(
                CaseLoader.load(write("a-inside.yaml", GOOD.formatted("671", ""))),
                CaseLoader.load(write("b-outside.yaml", GOOD.formatted("600", ""))),
                CaseLoader.load(write("c-gap.yaml", GOOD.formatted("600", "expect: known-gap\nreason: a test"))),
                CaseLoader.load(write("d-closed.yaml", GOOD.formatted("671", "expect: known-gap\nreason: a test"))));
        Validator.Report report = Validator.run(cases);
        assertEquals(List.of(Validator.Status.PASS, Validator.Status.FAIL, Validator.Status.KNOWN_GAP,
                Validator.Status.GAP_CLOSED), report.rows().stream().map(Validator.Row::status).toList());
        Validator.Row outside = report.rows().get(1);
        assertEquals(671.0, outside.predicted(), 0.5);
        assertEquals((outside.predicted() - 600) / 600, outside.relativeError(), 1e-12);
        assertEquals(1, report.failures().size());
        assertEquals("b-outside", report.worst().validationCase().name());
        assertEquals(0.01, cases.getFirst().tolerance(), 1e-15);
    }

    @Test
    void tolerancesAreFractionsOrPercentages() {
        assertEquals(0.02, CaseLoader.parseTolerance("2%"), 1e-15);
        assertEquals(0.02, CaseLoader.parseTolerance("0.02"), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> CaseLoader.parseTolerance("-1%"));
        assertThrows(IllegalArgumentException.class, () -> CaseLoader.parseTolerance("two"));
    }
}
