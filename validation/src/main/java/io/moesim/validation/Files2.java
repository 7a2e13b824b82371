package io.moesim.validation;

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
            throw io.moesim.simulator.config.WriteErrors.of(file, e);
        }
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
