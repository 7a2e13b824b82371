package io.moesim.models.io;

import io.moesim.models.InputException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The one way moesim writes an output file or folder, so that a reader never sees half of one.
 *
 * <p>A file is written into a temporary file beside its target ({@code .moesim-XXXXXXXXXX.tmp}: short, so
 * that any legal target name works) and renamed onto the target once complete. On top of that:
 * <ul>
 *   <li>{@code -} is standard output, and so are {@code /dev/stdout}, {@code /dev/fd/1} and
 *       {@code /proc/self/fd/1} (written through {@link System#out}, so that the bytes land after what the
 *       program printed before, whatever standard output is);</li>
 *   <li>an existing target that is not a regular file (a FIFO, a device) is written straight through,
 *       never replaced; a symbolic link is followed and the file it points at is replaced, the link is
 *       kept;</li>
 *   <li>a new file gets the mode the umask allows (as {@link Files#newOutputStream} gives it, e.g. 0644
 *       under umask 022); a file overwritten keeps its mode (and its owner and group, where allowed);</li>
 *   <li>a folder ({@link #writeFolder}) is built in a temporary sibling folder and swapped into place
 *       (old renamed away, new renamed in, old deleted), so a reader sees the old folder or the new one,
 *       never a mix;</li>
 *   <li>temporary files and folders still in flight when the JVM is stopped by SIGINT or SIGTERM are
 *       deleted (and a folder renamed away is put back) by a shutdown hook.</li>
 * </ul>
 *
 * <p>Every failure of the file system is an {@link InputException} naming the target in the user's terms
 * ({@code out/r.json: cannot write: permission denied}).
 */
public final class OutputFiles {

    /** The name that means standard output. */
    public static final String STANDARD_OUTPUT = "-";

    /** Prefix of every temporary name; with 10 random characters and a suffix, 25 bytes in all. */
    static final String TEMP_PREFIX = ".moesim-";

    private static final int MAX_LINKS = 40;

    private OutputFiles() {
    }

    /** Writes a file's content into the stream it is given (closing that stream is allowed and harmless). */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes a folder's files into the (empty, temporary) folder it is given. */
    @FunctionalInterface
    public interface FolderContent {
        void writeInto(Path folder) throws IOException;
    }

    /** Whether {@code target} means standard output: {@code -}, {@code /dev/stdout}, {@code /dev/fd/1}, {@code /proc/self/fd/1}. */
    public static boolean isStandardOutput(Path target) {
        return target != null && (target.toString().equals(STANDARD_OUTPUT) || isStandardStream(target.toAbsolutePath(), 1));
    }

    /** Writes {@code bytes} to {@code target}. */
    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code text} to {@code target} in UTF-8. */
    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes what {@code content} produces to {@code target}; the target is untouched if it fails. */
    public static void write(Path target, Content content) {
        Objects.requireNonNull(content, "content");
        try (Pending pending = open(target)) {
            try {
                content.writeTo(pending.stream());
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
            pending.commit();
        }
    }

    /**
     * Starts writing {@code target} as a stream: write to {@link Pending#stream()}, then
     * {@link Pending#commit()}; closing a {@link Pending} that was not committed discards it.
     */
    public static Pending open(Path target) {
        Objects.requireNonNull(target, "target");
        if (isStandardOutput(target)) {
            return Pending.through(System.out, target, true);
        }
        Path absolute = target.toAbsolutePath();
        if (isStandardStream(absolute, 2)) {
            return Pending.through(System.err, target, true);
        }
        try {
            Path real = followLinks(target, absolute);
            if (Files.isDirectory(real)) {
                throw InputException.at(target, "cannot write", "it is a folder, not a file");
            }
            if (Files.exists(real) && !Files.isRegularFile(real)) {
                System.out.flush();
                return Pending.through(Files.newOutputStream(real, StandardOpenOption.WRITE), target, false);
            }
            Path dir = real.getParent();
            createFolders(target, dir);
            Path temp = Registry.INSTANCE.newTemp(dir, ".tmp");
            OutputStream stream;
            try {
                stream = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException | RuntimeException e) {
                Registry.INSTANCE.forget(temp);
                throw e;
            }
            return new Pending(target, real, temp, stream);
        } catch (IOException e) {
            throw cannotWrite(target, e);
        }
    }

    /**
     * Writes the folder {@code target}: {@code content} fills an empty temporary sibling folder, which then
     * replaces {@code target} (old one renamed away, new one renamed in, old one deleted). An existing
     * {@code target} may only hold entries whose names {@code ours} accepts (files this kind of output
     * writes): anything else is the user's, and is neither deleted nor mixed in, so the write is refused.
     */
    public static void writeFolder(Path target, Predicate<String> ours, FolderContent content) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(ours, "ours");
        Objects.requireNonNull(content, "content");
        if (isStandardOutput(target)) {
            throw InputException.at(target, "cannot write", "standard output cannot hold a folder; give a folder name");
        }
        Path temp = null;
        Path old = null;
        try {
            Path real = checkFolder(target, ours);
            Set<PosixFilePermission> keep = Files.isDirectory(real) ? permissions(real) : null;
            Path dir = real.getParent();
            createFolders(target, dir);
            temp = Registry.INSTANCE.newTemp(dir, ".tmp");
            try {
                Files.createDirectory(temp);
            } catch (IOException | RuntimeException e) {
                Registry.INSTANCE.forget(temp);
                temp = null;
                throw e;
            }
            content.writeInto(temp);
            if (keep != null) {
                Files.setPosixFilePermissions(temp, keep);
            }
            if (Files.isDirectory(real)) {
                old = Registry.INSTANCE.newTemp(dir, ".old", real);
                Files.move(real, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, real, StandardCopyOption.ATOMIC_MOVE);
            Registry.INSTANCE.forget(temp);
            temp = null;
            if (old != null) {
                deleteTree(old);
                Registry.INSTANCE.forget(old);
                old = null;
            }
        } catch (IOException e) {
            throw cannotWrite(target, e);
        } finally {
            if (old != null) {
                Registry.INSTANCE.undo(old);
            }
            if (temp != null) {
                Registry.INSTANCE.undo(temp);
            }
        }
    }

    /**
     * Checks, before any work is done, that {@link #writeFolder} could replace {@code target}: not standard
     * output, not a file, not a folder holding entries {@code ours} does not accept. Returns the folder's
     * real path (symbolic links followed). A command calls this first so that a long run does not end in
     * an error about its output.
     */
    public static Path checkFolder(Path target, Predicate<String> ours) {
        if (isStandardOutput(target)) {
            throw InputException.at(target, "cannot write", "standard output cannot hold a folder; give a folder name");
        }
        Path real = followLinks(target, target.toAbsolutePath());
        if (Files.exists(real) && !Files.isDirectory(real)) {
            throw InputException.at(target, "cannot write", "it is a file, not a folder");
        }
        if (real.getParent() == null) {
            throw InputException.at(target, "cannot write", "cannot replace the root folder");
        }
        if (Files.isDirectory(real)) {
            try (Stream<Path> entries = Files.list(real)) {
                for (Path entry : (Iterable<Path>) entries::iterator) {
                    String name = entry.getFileName().toString();
                    if (!ours.test(name) && !name.startsWith(TEMP_PREFIX)) {
                        throw InputException.at(target, "cannot write", "the folder holds " + name
                                + ", which this output does not write; remove it or choose another folder");
                    }
                }
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
        }
        return real;
    }

    /**
     * A file being written: its {@link #stream()} goes to a temporary file (or straight through to
     * standard output, a FIFO or a device), {@link #commit()} puts it in place, {@link #close()} without a
     * commit discards it.
     */
    public static final class Pending implements AutoCloseable {
        private final Path target;
        private final Path real;
        private final Path temp;
        private final OutputStream raw;
        private final OutputStream stream;
        private final boolean shared;
        private boolean done;

        private Pending(Path target, Path real, Path temp, OutputStream raw) {
            this(target, real, temp, raw, false);
        }

        private Pending(Path target, Path real, Path temp, OutputStream raw, boolean shared) {
            this.target = target;
            this.real = real;
            this.temp = temp;
            this.raw = raw;
            this.shared = shared;
            this.stream = new FilterOutputStream(raw) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    out.flush();
                }
            };
        }

        private static Pending through(OutputStream out, Path target, boolean shared) {
            if (shared && out instanceof PrintStream print) {
                print.flush();
            }
            return new Pending(target, null, null, out, shared);
        }

        /** Where to write; closing it only flushes. */
        public OutputStream stream() {
            return stream;
        }

        /** The target as given. */
        public Path target() {
            return target;
        }

        /** Finishes the file: renames the temporary file onto the target (keeping the target's mode). */
        public void commit() {
            if (done) {
                throw new IllegalStateException("already committed or discarded");
            }
            done = true;
            try {
                if (temp == null) {
                    raw.flush();
                    if (!shared) {
                        raw.close();
                    }
                    if (raw instanceof PrintStream print && print.checkError()) {
                        throw InputException.at(target, "cannot write", "standard output was closed");
                    }
                    return;
                }
                raw.close();
                if (Files.isRegularFile(real)) {
                    keepAttributes(real, temp);
                }
                try {
                    Files.move(temp, real, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, real, StandardCopyOption.REPLACE_EXISTING);
                }
                Registry.INSTANCE.forget(temp);
            } catch (IOException e) {
                discardTemp();
                throw cannotWrite(target, e);
            } catch (RuntimeException e) {
                discardTemp();
                throw e;
            }
        }

        /** Discards the file unless it was committed; the target is left as it was. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            if (temp == null) {
                try {
                    raw.flush();
                    if (!shared) {
                        raw.close();
                    }
                } catch (IOException ignored) {
                    // Nothing was promised about a stream written straight through.
                }
                return;
            }
            try {
                raw.close();
            } catch (IOException ignored) {
                // The file is deleted anyway.
            }
            discardTemp();
        }

        private void discardTemp() {
            Registry.INSTANCE.undo(temp);
        }
    }

    /**
     * The temporary files and folders in flight, and the shutdown hook that removes them when the JVM is
     * stopped by a signal (SIGINT, SIGTERM: the JVM runs shutdown hooks, not {@code finally} blocks, of
     * threads still running). It is the one piece of global mutable state here, and it has to be: a
     * shutdown hook can only reach what is reachable from a static root. Each entry maps a temporary path
     * to the path it must be renamed back to if that path is missing (a folder renamed away during a
     * swap), or to itself when it is only to be deleted.
     */
    private static final class Registry {
        static final Registry INSTANCE = new Registry();

        private final Map<Path, Path> inFlight = new ConcurrentHashMap<>();
        private volatile boolean stopping;

        private Registry() {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp, "moesim-output-cleanup"));
            } catch (IllegalStateException shuttingDown) {
                stopping = true;
            }
        }

        /** A fresh name in {@code dir}, registered before anything is created under it. */
        Path newTemp(Path dir, String suffix) throws IOException {
            return newTemp(dir, suffix, null);
        }

        Path newTemp(Path dir, String suffix, Path restoreTo) throws IOException {
            if (stopping) {
                throw new IOException("moesim is stopping");
            }
            for (int attempt = 0; attempt < 100; attempt++) {
                String random = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
                String name = TEMP_PREFIX + (random + "0000000000").substring(0, 10) + suffix;
                Path temp = dir.resolve(name);
                if (Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (inFlight.putIfAbsent(temp, restoreTo == null ? temp : restoreTo) == null) {
                    return temp;
                }
            }
            throw new FileAlreadyExistsException(dir.toString(), null, "no free temporary name");
        }

        void forget(Path temp) {
            inFlight.remove(temp);
        }

        /** Deletes {@code temp} (or renames it back where it came from) and forgets it. */
        void undo(Path temp) {
            Path restoreTo = inFlight.remove(temp);
            settle(temp, restoreTo);
        }

        private void cleanUp() {
            stopping = true;
            for (Map.Entry<Path, Path> e : List.copyOf(inFlight.entrySet())) {
                if (inFlight.remove(e.getKey()) != null) {
                    settle(e.getKey(), e.getValue());
                }
            }
        }

        private static void settle(Path temp, Path restoreTo) {
            try {
                if (restoreTo != null && !restoreTo.equals(temp) && Files.exists(temp, LinkOption.NOFOLLOW_LINKS)
                        && !Files.exists(restoreTo, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(temp, restoreTo, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    deleteTree(temp);
                }
            } catch (IOException | RuntimeException ignored) {
                // Best effort: the temporary name starts with .moesim- and is safe to delete by hand.
            }
        }
    }

    /** Follows symbolic links from {@code absolute} to the path that is not one (it may not exist). */
    private static Path followLinks(Path target, Path absolute) {
        Path p = absolute;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) {
                throw InputException.at(target, "cannot write", "too many levels of symbolic links");
            }
            try {
                Path link = Files.readSymbolicLink(p);
                p = p.resolveSibling(link).normalize();
            } catch (IOException e) {
                throw cannotWrite(target, e);
            }
        }
        return p;
    }

    /** Whether {@code p} names the process's standard output (fd 1) or error (fd 2). */
    private static boolean isStandardStream(Path p, int fd) {
        String s = p.normalize().toString();
        String name = fd == 1 ? "stdout" : "stderr";
        return s.equals("/dev/" + name) || s.equals("/dev/fd/" + fd) || s.equals("/proc/self/fd/" + fd);
    }

    private static void createFolders(Path target, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw InputException.at(target, "cannot write", folderName(e.getFile(), dir) + " is a file, not a folder");
        } catch (IOException e) {
            throw InputException.at(target, "cannot write", "cannot create the folder " + dir + ": " + problem(e));
        }
    }

    private static String folderName(String reported, Path dir) {
        return reported != null ? reported : dir.toString();
    }

    /**
     * Gives {@code temp} the mode of the file it replaces, and its owner and group where this process may
     * (root overwriting another user's file); a file system without POSIX attributes keeps its defaults.
     */
    private static void keepAttributes(Path existing, Path temp) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(existing, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        PosixFileAttributes old = view.readAttributes();
        Files.setPosixFilePermissions(temp, old.permissions());
        PosixFileAttributeView target = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
        PosixFileAttributes now = target.readAttributes();
        try {
            if (!now.owner().equals(old.owner())) {
                target.setOwner(old.owner());
            }
            if (!now.group().equals(old.group())) {
                target.setGroup(old.group());
            }
            if (!old.permissions().equals(Files.getPosixFilePermissions(temp))) {
                Files.setPosixFilePermissions(temp, old.permissions()); // chown may clear set-id bits
            }
        } catch (IOException notAllowed) {
            // Only the owner's mode can be kept; the file becomes this user's, as a fresh write would.
        }
    }

    private static Set<PosixFilePermission> permissions(Path p) throws IOException {
        try {
            return Files.getPosixFilePermissions(p);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** Deletes {@code root} and everything under it, without following links. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> children = new ArrayList<>();
            try (Stream<Path> entries = Files.list(root)) {
                entries.forEach(children::add);
            }
            for (Path child : children) {
                deleteTree(child);
            }
        }
        try {
            Files.deleteIfExists(root);
        } catch (DirectoryNotEmptyException e) {
            deleteTree(root);
        }
    }

    /** The one-line error for a failed write of {@code target}, in the user's terms. */
    public static InputException cannotWrite(Path target, IOException e) {
        return InputException.at(target, "cannot write", problem(e));
    }

    private static String problem(IOException e) {
        String problem;
        if (e instanceof AccessDeniedException) {
            problem = "permission denied";
        } else if (e instanceof NoSuchFileException) {
            problem = "a folder on the way does not exist";
        } else if (e instanceof NotDirectoryException) {
            problem = "a part of the path is a file, not a folder";
        } else if (e instanceof FileAlreadyExistsException f) {
            problem = (f.getFile() != null ? f.getFile() : "a part of the path") + " is in the way";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            problem = reason(f.getReason());
        } else if (e.getMessage() != null && !e.getMessage().isBlank()) {
            problem = reason(e.getMessage());
        } else {
            problem = "the file system refused";
        }
        return problem;
    }

    private static String reason(String reason) {
        String r = reason.strip();
        return switch (r.toLowerCase(Locale.ROOT)) {
            case "is a directory" -> "it is a folder, not a file";
            case "not a directory" -> "a part of the path is a file, not a folder";
            case "no space left on device" -> "no space left on the disk";
            case "read-only file system" -> "the file system is read-only";
            case "file name too long" -> "the file name is too long";
            default -> r.isEmpty() ? "the file system refused" : Character.toLowerCase(r.charAt(0)) + r.substring(1);
        };
    }
}
