package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernel profiles at the command line: shown per entry, bound by a scenario's kernels:, bad files rejected. */
class KernelProfileCliTest {

    private static final Path MIXTRAL = Path.of("..", "scenarios", "mixtral-8x7b-h100.yaml");

    @Test
    void hardwareShowPrintsEveryKernelTableAndMarksTheUncalibratedOnes() {
        CliRun gb200 = CliRun.of("hardware", "show", "gb200-nvl72");
        assertEquals(0, gb200.status(), gb200.err());
        assertTrue(gb200.out().contains("kernels: gb200-nvl72 (SGLang / TensorRT-LLM on GB200 NVL72, 2025-06"), gb200.out());
        assertTrue(gb200.out().lines().anyMatch(l -> l.contains("allToAll.lowLatency.nvlink.dispatchSeconds")
                && l.contains("[derived]") && l.contains("ep=64")), gb200.out());
        assertTrue(gb200.out().lines().anyMatch(l -> l.contains("overlap.throughputKernels") && l.contains("[uncalibrated]")));
        CliRun h800 = CliRun.of("hardware", "show", "h800");
        assertTrue(h800.out().lines().anyMatch(l -> l.contains("overlap.throughputKernels") && l.contains("[fitted]")));
        assertTrue(h800.out().lines().anyMatch(l -> l.contains("gemm.fp8") && l.contains("[derived]")));
    }

    @Test
    void runNamesTheKernelProfileAndItsUncalibratedParts() {
        CliRun r = CliRun.of("run", MIXTRAL.toString(), "--analytic-only");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("kernels h100: DeepGEMM / FlashMLA / DeepEP on Hopper (H100 SXM)"), r.out());
        assertTrue(r.out().contains("uncalibrated (no kernel figure on this GPU, fallback used): gemm.bf16"), r.out());
    }

    @Test
    void aScenarioCanPointAtItsOwnKernelProfile(@TempDir Path dir) throws IOException {
        String kernels = Files.readString(Path.of("..", "kernel-profiles", "h100.yaml"));
        // Twice the achievable HBM fraction for GQA decode: never slower.
        Files.writeString(dir.resolve("fast.yaml"), kernels.replaceFirst(
                "(attention\\.gqaDecode\\.hbm:\n(?:  .*\n)*?  value: )0\\.832", "$1 1.0"));
        Files.copy(MIXTRAL, dir.resolve("s.yaml"));
        CliRun base = CliRun.of("run", dir.resolve("s.yaml").toString(), "--analytic-only");
        CliRun fast = CliRun.of("run", dir.resolve("s.yaml").toString(), "--analytic-only", "--set", "kernels=fast.yaml");
        assertEquals(0, fast.status(), fast.err());
        assertFalse(base.out().equals(fast.out()), "the kernel profile of the scenario is used");
    }

    @Test
    void badKernelProfilesAndPrecisionsAreOneLineNamingFileAndField(@TempDir Path dir) throws IOException {
        String kernels = Files.readString(Path.of("..", "kernel-profiles", "h100.yaml"));
        Files.writeString(dir.resolve("typo.yaml"), kernels + "gemm.fp8x:\n  unit: fraction\n");
        Files.copy(MIXTRAL, dir.resolve("s.yaml"));
        String s = dir.resolve("s.yaml").toString();
        BadInput.assertRejected(dir, List.of("typo.yaml", "gemm.fp8x"), "run", s, "--analytic-only", "--set", "kernels=typo.yaml");
        BadInput.assertRejected(dir, List.of("s.yaml", "kernels", "nowhere.yaml"), "run", s, "--set", "kernels=nowhere.yaml");
        BadInput.assertRejected(dir, List.of("s.yaml", "precision.expert"), "run", s, "--set", "precision.expert=fp4");
        BadInput.assertRejected(dir, List.of("s.yaml", "precision.experts", "fp5"), "run", s, "--set", "precision.experts=fp5");
        BadInput.assertRejected(dir, List.of("s.yaml", "precision", "fp3"), "run", s, "--set", "precision=fp3");
    }

    @Test
    void onePrecisionValueMeansEveryModule(@TempDir Path dir) throws IOException {
        Files.copy(MIXTRAL, dir.resolve("s.yaml"));
        String s = dir.resolve("s.yaml").toString();
        CliRun all = CliRun.of("run", s, "--analytic-only", "--set", "precision=fp8");
        CliRun map = CliRun.of("run", s, "--analytic-only", "--set",
                "precision={weights: fp8, activations: fp8, kvCache: fp8, dispatch: fp8, combine: fp8, router: fp8}");
        assertEquals(0, all.status(), all.err());
        // Same figures; only the echoed what-if line (the --set as typed) differs.
        assertEquals(withoutWhatIf(all.out()), withoutWhatIf(map.out()));
    }

    private static String withoutWhatIf(String out) {
        return out.lines().filter(l -> !l.startsWith("  what-if: ")).collect(java.util.stream.Collectors.joining("\n"));
    }
}
