package io.moesim.validation;

import io.moesim.models.io.OutputFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/** Writing a file through {@link OutputFiles} (temporary file and rename; {@code -} is standard output). */
final class Files2 {

    private Files2() {
    }

    /** What writes the content. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    static void writeAtomically(Path file, Writer writer) {
        OutputFiles.write(file, writer::write);
    }
}
