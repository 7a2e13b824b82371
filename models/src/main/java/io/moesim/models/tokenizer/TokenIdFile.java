package io.moesim.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.nio.file.Path;

/**
 * Reads token ids given directly instead of text: non-negative decimal integers separated by
 * whitespace or commas, e.g. {@code 1 22557 1526} or {@code 1, 22557, 1526} (a {@code #} starts a
 * comment up to the end of the line), or one JSON array of integers, {@code [1, 22557, 1526]}.
 * A file without any id is refused.
 */
public final class TokenIdFile {

    private TokenIdFile() {
    }

    /** All ids in {@code file}, in order. */
    public static int[] read(Path file) {
        return read(file, Integer.MAX_VALUE);
    }

    /**
     * All ids in {@code file}, each checked to be below {@code vocabSize}; a bad entry throws
     * {@link InputException} naming the file, the line (or array index) and the entry.
     */
    public static int[] read(Path file, int vocabSize) {
        String text = InputFiles.readText(file, "file");
        int[] ids = text.strip().startsWith("[") ? readJsonArray(file, text, vocabSize) : readList(file, text, vocabSize);
        if (ids.length == 0) {
            throw InputException.at(file, "token ids", "the file holds no token ids");
        }
        return ids;
    }

    private static int[] readJsonArray(Path file, String text, int vocabSize) {
        JsonNode root = InputFiles.parse(InputFiles.strictJson(), text, file, "json", "JSON");
        if (root == null || !root.isArray()) {
            throw InputException.at(file, "json", "expected one JSON array of token ids");
        }
        int[] ids = new int[root.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode n = root.get(i);
            String where = "[" + i + "]";
            if (!n.isIntegralNumber()) {
                String shown = n.toString();
                throw InputException.at(file, where, (shown.length() > 30 ? shown.substring(0, 27) + "..." : shown)
                        + " is not a token id (a non-negative integer)");
            }
            if (!n.canConvertToLong() || n.longValue() < 0 || n.longValue() >= vocabSize) {
                throw InputException.at(file, where, "token id " + n + " is outside [0, " + vocabSize + ")");
            }
            ids[i] = n.intValue();
        }
        return ids;
    }

    private static int[] readList(Path file, String text, int vocabSize) {
        BpeModel.IntList ids = new BpeModel.IntList(text.length() / 5 + 4);
        String[] lines = text.split("\n", -1);
        for (int line = 0; line < lines.length; line++) {
            String content = lines[line];
            int hash = content.indexOf('#');
            if (hash >= 0) {
                content = content.substring(0, hash);
            }
            for (String word : content.trim().split("[\\s,]+")) {
                if (word.isEmpty()) {
                    continue;
                }
                String where = "line " + (line + 1);
                long id;
                try {
                    id = Long.parseLong(word);
                } catch (NumberFormatException e) {
                    String shown = word.length() > 30 ? word.substring(0, 27) + "..." : word;
                    throw InputException.at(file, where, "'" + shown + "' is not a token id (a non-negative integer)");
                }
                if (id < 0 || id >= vocabSize) {
                    throw InputException.at(file, where, "token id " + word + " is outside [0, " + vocabSize + ")");
                }
                ids.add((int) id);
            }
        }
        return ids.toArray();
    }
}
