package io.moesim.validation;

import io.moesim.models.InputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writing a file through a temporary file in the same folder and a rename, so readers never see half of it. */
final class Files2 {

    private Files2() {
    }

    /** What writes the content. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    static void writeAtomically(Path file, Writer writer) {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(temp)) {
                    writer.write(out);
                }
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new InputException(file + ": cannot write: " + e.getMessage());
        }
    }
}
