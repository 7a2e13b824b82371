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

    /**
     * {@code tree} (maps, lists, values) with every number that is not finite replaced by null, so
     * that no JSON moesim writes holds {@code NaN} or {@code Infinity}.
     */
    static Object finite(Object tree) {
        return switch (tree) {
            case Double d when !Double.isFinite(d) -> null;
            case Float f when !Float.isFinite(f) -> null;
            case java.util.Map<?, ?> map -> {
                java.util.Map<Object, Object> copy = new java.util.LinkedHashMap<>();
                map.forEach((k, v) -> copy.put(k, finite(v)));
                yield copy;
            }
            case java.util.List<?> list -> {
                java.util.List<Object> copy = new java.util.ArrayList<>();
                list.forEach(v -> copy.add(finite(v)));
                yield copy;
            }
            case null, default -> tree;
        };
    }
}
