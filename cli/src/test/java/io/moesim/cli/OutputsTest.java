package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How every command writes its outputs: {@code -} is standard output, new files get the umask's mode and
 * overwritten ones keep theirs, symbolic links stay, long names work, folders are replaced whole, and
 * the same inputs give the same bytes.
 */
class OutputsTest {

    private static final String DECODE = Path.of("..", "scenarios", "deepseek-v3-h800-decode.yaml").toString();
    private static final String CASES = Path.of("..", "validation", "cases").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Runs {@code moesim ARGS} with {@link System#out} captured too (where {@code -} writes). */
    private static CliRun withStdout(StringBuilder stdout, String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            return CliRun.of(args);
        } finally {
            System.setOut(saved);
            stdout.append(captured.toString(StandardCharsets.UTF_8));
        }
    }

    /** The mode a new file gets under this process's umask (asked of a shell, which inherits it). */
    private static Set<PosixFilePermission> umaskMode() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "umask").start();
        int umask = Integer.parseInt(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip(), 8);
        assertEquals(0, p.waitFor());
        Set<PosixFilePermission> mode = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE = 0400 .. 0001
        for (int i = 0; i < bits.length; i++) {
            if ((0666 & ~umask & (0400 >> i)) != 0) {
                mode.add(bits[i]);
            }
        }
        return mode;
    }

    private static List<String> hidden(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
        }
    }

    @Test
    void jsonDashIsStandardOutputAndTheTableGoesToStderr() throws Exception {
        StringBuilder stdout = new StringBuilder();
        CliRun r = withStdout(stdout, "run", DECODE, "--analytic-only", "--json", "-");
        assertEquals(0, r.status(), r.err());
        JsonNode json = JSON.readTree(stdout.toString());
        assertEquals("deepseek-v3", json.path("model").asText());
        assertEquals("", r.out(), "standard output holds the JSON only");
        assertTrue(r.err().contains("ANALYTIC ESTIMATE"), r.err());
        assertFalse(Files.exists(Path.of("-")), "no file named '-'");

        StringBuilder validateOut = new StringBuilder();
        CliRun v = withStdout(validateOut, "validate", "--cases", CASES, "--json", "-");
        assertTrue(v.status() == 0 || v.status() == 1, v.err());
        assertTrue(JSON.readTree(validateOut.toString()).path("cases").isArray());
        assertFalse(Files.exists(Path.of("-")));
    }

    @Test
    void modesFollowTheUmaskAndOverwritesKeepTheirMode() throws Exception {
        Path fresh = dir.resolve("fresh.json");
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", fresh.toString()).status());
        assertEquals(umaskMode(), Files.getPosixFilePermissions(fresh), "not 0600");

        Path shared = dir.resolve("shared.json");
        Files.writeString(shared, "old");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", shared.toString()).status());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(0, CliRun.of("validate", "--cases", CASES, "--json", shared.toString()).status() & ~1);
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
        assertEquals(List.of(), hidden(dir));
    }

    @Test
    void symlinkStaysALinkAndLongNamesWork() throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "old");
        Path link = dir.resolve("link.json");
        Files.createSymbolicLink(link, real.getFileName());
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", link.toString()).status());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("deepseek-v3", JSON.readTree(real.toFile()).path("model").asText());

        String name = "r".repeat(250) + ".json"; // 255 bytes, the longest name ext4 allows
        Path longName = dir.resolve(name);
        CliRun r = CliRun.of("run", DECODE, "--analytic-only", "--json", longName.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.size(longName) > 100);
        Path longFolder = dir.resolve("s".repeat(255));
        CliRun s = CliRun.of("sweep", DECODE, "--vary", "deployment.decode.maxBatchPerGpu=32,64", "--analytic-only",
                "--out", longFolder.toString());
        assertEquals(0, s.status(), s.err());
        assertTrue(Files.exists(longFolder.resolve("sweep.json")));
        assertEquals(List.of(), hidden(dir));
    }

    /** run, sweep, report and validate, twice each: the same bytes every time. */
    @Test
    void sameInputsSameBytes() throws Exception {
        List<Map<String, byte[]>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("try" + i);
            Files.createDirectories(out);
            assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", out.resolve("run.json").toString()).status());
            assertEquals(0, CliRun.of("sweep", DECODE, "--vary", "deployment.decode.maxBatchPerGpu=32,64",
                    "--vary", "hardware=h800,h200", "--analytic-only", "--threads", "2",
                    "--out", out.resolve("sweep").toString()).status());
            assertEquals(0, CliRun.of("report", out.resolve("sweep").toString(), "--out",
                    out.resolve("sweep-report").toString()).status());
            assertEquals(0, CliRun.of("report", out.resolve("run.json").toString(), "--validation", CASES, "--out",
                    out.resolve("run-report").toString()).status());
            assertEquals(0, CliRun.of("validate", "--cases", CASES, "--json", out.resolve("validate.json").toString())
                    .status() & ~1);
            Map<String, byte[]> files = new TreeMap<>();
            try (Stream<Path> all = Files.walk(out)) {
                for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                    files.put(out.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
            runs.add(files);
        }
        assertEquals(runs.get(0).keySet(), runs.get(1).keySet());
        assertTrue(runs.get(0).keySet().containsAll(List.of("run.json", "sweep/sweep.csv", "sweep/sweep.json",
                "sweep-report/report.pdf", "sweep-report/pareto-cost.png", "run-report/report.pdf",
                "run-report/memory.png", "validate.json")), runs.get(0).keySet().toString());
        for (String name : runs.get(0).keySet()) {
            assertArrayEquals(runs.get(0).get(name), runs.get(1).get(name), name + " differs between two runs");
        }
        // The keys of validate --json come in one documented order.
        JsonNode first = JSON.readTree(runs.get(0).get("validate.json")).path("cases").get(0);
        List<String> keys = new ArrayList<>();
        first.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("case", "description", "hardware", "model", "role", "predicted", "measured", "unit",
                "relativeError", "tolerance", "status", "reason", "source", "band", "pair"), keys);
        List<String> sourceKeys = new ArrayList<>();
        first.path("source").fieldNames().forEachRemaining(sourceKeys::add);
        assertEquals(List.of("url", "section"), sourceKeys);
    }

    @Test
    void reportOfResultsWithZeroMemoryOrNoPoolsIsDrawn() throws Exception {
        Path results = dir.resolve("run.json");
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", results.toString()).status());
        ObjectNode zero = (ObjectNode) JSON.readTree(results.toFile());
        for (Iterator<JsonNode> pools = zero.path("memory").elements(); pools.hasNext(); ) {
            ObjectNode m = (ObjectNode) pools.next();
            for (String field : List.of("weightsBytes", "kvCacheBytes", "activationBytes", "bufferBytes",
                    "reservedBytes", "totalBytes")) { // capacity stays: 0 bytes of HBM is refused in one line
                m.put(field, 0);
            }
        }
        ObjectNode empty = zero.deepCopy();
        empty.putObject("memory");
        empty.putObject("pools");
        for (var input : Map.of("zero.json", zero, "empty.json", empty).entrySet()) {
            Path file = dir.resolve(input.getKey());
            JSON.writeValue(file.toFile(), input.getValue());
            Path out = dir.resolve("report-" + input.getKey());
            CliRun r = CliRun.of("report", file.toString(), "--out", out.toString());
            if (input.getKey().equals("empty.json")) {
                // A results JSON with no pools is not a run's: refused in one line naming the field.
                assertEquals(2, r.status(), r.err());
                assertTrue(r.err().contains("memory") && r.err().strip().lines().count() == 1, r.err());
                continue;
            }
            assertEquals(0, r.status(), input.getKey() + ": " + r.err());
            assertTrue(Files.size(out.resolve("report.pdf")) > 1000);
            assertTrue(Files.exists(out.resolve("memory.png")) && Files.exists(out.resolve("timeline.png")));
        }
    }

    @Test
    void aReportFolderIsReplacedWholeNeverMixed() throws Exception {
        Path results = dir.resolve("run.json");
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", results.toString()).status());
        Path out = dir.resolve("report");
        Files.createDirectories(out);
        Files.writeString(out.resolve("expert-load.png"), "a page of an older report");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-x---"));
        CliRun r = CliRun.of("report", results.toString(), "--out", out.toString(), "--format", "png");
        assertEquals(0, r.status(), r.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("memory.png", "timeline.png"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no page of the old report is left");
        }
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(List.of(), hidden(dir));
    }

    @Test
    void outputsThatCannotBeWrittenAreOneLineErrors() throws Exception {
        Path results = dir.resolve("run.json");
        assertEquals(0, CliRun.of("run", DECODE, "--analytic-only", "--json", results.toString()).status());
        Path watched = dir.resolve("watched");
        Files.createDirectories(watched.resolve("mine"));
        Files.writeString(watched.resolve("mine/notes.txt"), "the user's own file");
        Files.writeString(watched.resolve("a-file"), "x");
        BadInput.assertRejected(watched, List.of("mine", "notes.txt"),
                "report", results.toString(), "--out", watched.resolve("mine").toString());
        BadInput.assertRejected(watched, List.of("a-file", "not a folder"),
                "report", results.toString(), "--out", watched.resolve("a-file").toString());
        BadInput.assertRejected(watched, List.of("-", "standard output"),
                "sweep", DECODE, "--vary", "deployment.decode.maxBatchPerGpu=32,64", "--analytic-only", "--out", "-");
        BadInput.assertRejected(watched, List.of("a-file", "not a folder"),
                "run", DECODE, "--analytic-only", "--json", watched.resolve("a-file/r.json").toString());
        BadInput.assertRejected(watched, List.of("mine", "folder"),
                "validate", "--cases", CASES, "--json", watched.resolve("mine").toString());
    }
}
