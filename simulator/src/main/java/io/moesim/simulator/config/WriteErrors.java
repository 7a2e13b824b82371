package io.moesim.simulator.config;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Turns a failed write into one line in the user's terms (no {@code java.io} class or message). */
public final class WriteErrors {

    private WriteErrors() {
    }

    /**
     * Checks, before any work, that {@code file} can be written: it is not a folder, no part of its
     * folder is a file; {@code option} names the argument in the message (e.g. {@code --out}).
     */
    public static void checkWritable(String option, Path file) {
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw InputException.at(option, file.toString(), "is a folder, expected a file name");
        }
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw InputException.at(option, file.toString(), p + " is a file, not a folder");
                }
                if (!Files.isWritable(p)) {
                    throw InputException.at(option, file.toString(), "cannot write into " + p + ": permission denied");
                }
                return;
            }
        }
    }

    /** The error for {@code e} raised while writing {@code file}. */
    public static InputException of(Path file, IOException e) {
        return new InputException(file + ": cannot write: " + reason(file, e));
    }

    static String reason(Path file, IOException e) {
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return "it is a folder";
        }
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                return p + " is a file, not a folder";
            }
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "its folder does not exist";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name is in the way";
        }
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
        if (message.contains("read-only")) {
            return "the file system is read-only";
        }
        if (message.contains("no space")) {
            return "no space left on the device";
        }
        if (message.contains("name too long")) {
            return "the file name is too long";
        }
        return "the file system refused the write";
    }
}
