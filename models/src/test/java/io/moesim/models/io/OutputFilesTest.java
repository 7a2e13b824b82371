package io.moesim.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFilesTest {

    @TempDir
    Path dir;

    /** The mode a new file gets under this process's umask, asked of a shell that inherits it. */
    static Set<PosixFilePermission> umaskMode() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "umask").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertEquals(0, p.waitFor());
        int umask = Integer.parseInt(out, 8);
        return mode(0666 & ~umask);
    }

    static Set<PosixFilePermission> mode(int bits) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((bits & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    private List<String> leftovers() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".moesim-")).forEach(names::add);
        }
        return names;
    }

    @Test
    void newFileGetsTheUmaskModeNotOwnerOnly() throws Exception {
        Path file = dir.resolve("sub/out.json");
        OutputFiles.writeString(file, "{}\n");
        assertEquals("{}\n", Files.readString(file));
        assertEquals(umaskMode(), Files.getPosixFilePermissions(file));
        // The same mode Files.newOutputStream gives a new file.
        Path plain = dir.resolve("plain");
        Files.newOutputStream(plain).close();
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void overwritingKeepsTheExistingMode() throws Exception {
        for (String perms : List.of("rw-r-----", "rw----r--", "rw-rw-rw-", "rwxr-xr-x")) {
            Path file = dir.resolve("f-" + perms);
            Files.writeString(file, "old");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(perms));
            OutputFiles.writeString(file, "new");
            assertEquals("new", Files.readString(file));
            assertEquals(perms, PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }

    /** As root, overwriting another user's file keeps it theirs (skipped by the check when not root). */
    @Test
    void overwritingKeepsOwnerAndGroupWhereAllowed() throws Exception {
        Path file = dir.resolve("theirs.txt");
        Files.writeString(file, "old");
        java.nio.file.attribute.PosixFileAttributeView view =
                Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class);
        java.nio.file.attribute.UserPrincipalLookupService users = file.getFileSystem().getUserPrincipalLookupService();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            view.setOwner(users.lookupPrincipalByName("nobody"));
        }
        var before = view.readAttributes();
        OutputFiles.writeString(file, "new");
        var after = Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class).readAttributes();
        assertEquals("new", Files.readString(file));
        assertEquals(before.owner(), after.owner());
        assertEquals(before.group(), after.group());
        assertEquals(before.permissions(), after.permissions());
    }

    @Test
    void symlinkIsKeptAndItsTargetReplaced() throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "old");
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = dir.resolve("link.json");
        Files.createSymbolicLink(link, Path.of("real.json"));
        OutputFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("real.json"), Files.readSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(real)));
        // A dangling link: the file it names is created, the link stays a link.
        Path dangling = dir.resolve("dangling");
        Files.createSymbolicLink(dangling, dir.resolve("made/by-link.txt"));
        OutputFiles.writeString(dangling, "x");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("x", Files.readString(dir.resolve("made/by-link.txt")));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void dashIsStandardOutput() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            System.out.print("before;");
            OutputFiles.writeString(Path.of("-"), "{\"a\":1}\n");
            OutputFiles.writeString(Path.of("/dev/stdout"), "[dev]");
            OutputFiles.write(Path.of("-"), out -> {
                out.write('x');
                out.close(); // closing the stream it is given must not close standard output
            });
            System.out.print(";after");
        } finally {
            System.setOut(saved);
        }
        assertEquals("before;{\"a\":1}\n[dev]x;after", captured.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(Path.of("-")));
        assertTrue(OutputFiles.isStandardOutput(Path.of("-")));
        assertTrue(OutputFiles.isStandardOutput(Path.of("/dev/stdout")));
        assertTrue(OutputFiles.isStandardOutput(Path.of("/proc/self/fd/1")));
        assertFalse(OutputFiles.isStandardOutput(Path.of("./-")));
    }

    @Test
    void fifoIsWrittenThroughNotReplaced() throws Exception {
        Path fifo = dir.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        byte[][] read = new byte[1][];
        Thread reader = new Thread(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                read[0] = in.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        reader.start();
        OutputFiles.writeString(fifo, "through the pipe");
        reader.join(TimeUnit.SECONDS.toMillis(60));
        assertEquals("through the pipe", new String(read[0], StandardCharsets.UTF_8));
        assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "the FIFO is still a FIFO");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void devNullIsWrittenThrough() {
        OutputFiles.writeString(Path.of("/dev/null"), "gone");
        assertTrue(Files.exists(Path.of("/dev/null")) && !Files.isRegularFile(Path.of("/dev/null")));
    }

    @Test
    void longestLegalNamesWork() throws Exception {
        for (int length : List.of(232, 240, 255)) {
            String name = "r".repeat(length - 5) + ".json";
            assertEquals(length, name.getBytes(StandardCharsets.UTF_8).length);
            Path file = dir.resolve(name);
            OutputFiles.writeString(file, "ok");
            assertEquals("ok", Files.readString(file));
            OutputFiles.writeString(file, "again");
            assertEquals("again", Files.readString(file));
        }
        Path folder = dir.resolve("d".repeat(255));
        OutputFiles.writeFolder(folder, n -> n.equals("a.txt"), tmp -> Files.writeString(tmp.resolve("a.txt"), "1"));
        OutputFiles.writeFolder(folder, n -> n.equals("a.txt"), tmp -> Files.writeString(tmp.resolve("a.txt"), "2"));
        assertEquals("2", Files.readString(folder.resolve("a.txt")));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void failedWriteLeavesTargetAndNoTemp() throws Exception {
        Path file = dir.resolve("keep.txt");
        Files.writeString(file, "old");
        assertThrows(IllegalStateException.class, () -> OutputFiles.write(file, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("boom");
        }));
        assertEquals("old", Files.readString(file));
        try (OutputFiles.Pending pending = OutputFiles.open(file)) {
            pending.stream().write(1);
            // not committed: discarded on close
        }
        assertEquals("old", Files.readString(file));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void errorsAreOneLineInTheUsersTerms() throws Exception {
        Path aFile = dir.resolve("a-file");
        Files.writeString(aFile, "x");
        InputException under = assertThrows(InputException.class, () -> OutputFiles.writeString(aFile.resolve("x.json"), "{}"));
        assertTrue(under.getMessage().startsWith(aFile.resolve("x.json") + ": cannot write: "), under.getMessage());
        assertTrue(under.getMessage().contains("is a file, not a folder"), under.getMessage());
        InputException folder = assertThrows(InputException.class, () -> OutputFiles.writeString(dir, "{}"));
        assertEquals(dir + ": cannot write: it is a folder, not a file", folder.getMessage());
        InputException notFolder = assertThrows(InputException.class,
                () -> OutputFiles.writeFolder(aFile, n -> true, tmp -> { }));
        assertEquals(aFile + ": cannot write: it is a file, not a folder", notFolder.getMessage());
        InputException dash = assertThrows(InputException.class,
                () -> OutputFiles.writeFolder(Path.of("-"), n -> true, tmp -> { }));
        assertTrue(dash.getMessage().contains("standard output cannot hold a folder"));
        for (InputException e : List.of(under, folder, notFolder, dash)) {
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("Exception"), e.getMessage());
        }
        assertEquals("x", Files.readString(aFile));
    }

    @Test
    void folderIsSwappedWholeAndKeepsItsMode() throws Exception {
        Path out = dir.resolve("report");
        OutputFiles.writeFolder(out, n -> n.endsWith(".png"), tmp -> {
            Files.writeString(tmp.resolve("a.png"), "old a");
            Files.writeString(tmp.resolve("b.png"), "old b");
        });
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-x---"));
        OutputFiles.writeFolder(out, n -> n.endsWith(".png"), tmp -> Files.writeString(tmp.resolve("a.png"), "new a"));
        assertEquals("new a", Files.readString(out.resolve("a.png")));
        assertFalse(Files.exists(out.resolve("b.png")), "a page of the old report does not survive");
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(umaskMode(), Files.getPosixFilePermissions(out.resolve("a.png")));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void folderWithSomeoneElsesFilesIsNotReplaced() throws Exception {
        Path out = dir.resolve("mine");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        Files.writeString(out.resolve("a.png"), "old");
        InputException e = assertThrows(InputException.class,
                () -> OutputFiles.writeFolder(out, n -> n.endsWith(".png"), tmp -> Files.writeString(tmp.resolve("a.png"), "new")));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertEquals("old", Files.readString(out.resolve("a.png")));
    }

    @Test
    void failedFolderLeavesTheOldOneWhole() throws Exception {
        Path out = dir.resolve("sweep");
        OutputFiles.writeFolder(out, n -> true, tmp -> {
            Files.writeString(tmp.resolve("sweep.csv"), "old csv");
            Files.writeString(tmp.resolve("sweep.json"), "old json");
        });
        assertThrows(IllegalStateException.class, () -> OutputFiles.writeFolder(out, n -> true, tmp -> {
            Files.writeString(tmp.resolve("sweep.csv"), "new csv");
            throw new IllegalStateException("killed between the two files");
        }));
        assertEquals("old csv", Files.readString(out.resolve("sweep.csv")));
        assertEquals("old json", Files.readString(out.resolve("sweep.json")));
        assertEquals(List.of(), leftovers());
    }

    /** A JVM stopped by SIGTERM or SIGINT while writing leaves no temporary file or folder behind. */
    @Test
    void signalRemovesTemporaries() throws Exception {
        for (String signal : List.of("TERM", "INT")) {
            Path work = Files.createDirectories(dir.resolve("sig-" + signal));
            Files.createDirectories(work.resolve("folder"));
            Files.writeString(work.resolve("folder/a.png"), "old");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    SlowWriter.class.getName(), work.toString()).redirectErrorStream(true).start();
            byte[] ready = child.getInputStream().readNBytes(6);
            assertEquals("ready\n", new String(ready, StandardCharsets.US_ASCII));
            try (Stream<Path> during = Files.list(work)) {
                assertTrue(during.anyMatch(p -> p.getFileName().toString().startsWith(".moesim-")),
                        "the child has temporaries in flight");
            }
            assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(child.pid())).start().waitFor());
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            try (Stream<Path> after = Files.list(work)) {
                assertEquals(List.of("folder"), after.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertFalse(Files.exists(work.resolve("out.bin")));
            assertEquals("old", Files.readString(work.resolve("folder/a.png")), "the old folder is put back");
        }
    }

    /** Starts a file and a folder (with the old folder renamed away), says "ready", then waits to be killed. */
    public static final class SlowWriter {
        public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            OutputFiles.Pending pending = OutputFiles.open(work.resolve("out.bin"));
            pending.stream().write(new byte[1000]);
            OutputFiles.writeFolder(work.resolve("folder"), n -> true, tmp -> {
                Files.writeString(tmp.resolve("a.png"), "new");
                System.out.print("ready\n");
                System.out.flush();
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            });
        }
    }
}
