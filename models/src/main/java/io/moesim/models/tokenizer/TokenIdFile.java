package io.moesim.models.tokenizer;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads token ids given directly instead of text: a file of non-negative decimal integers
 * separated by whitespace (spaces, tabs, newlines), e.g. {@code 1 22557 1526}. A {@code #} starts a
 * comment up to the end of the line.
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
     * {@link InputException} naming the file, the line and the entry.
     */
    public static int[] read(Path file, int vocabSize) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw new InputException(file + ": cannot read: " + e.getMessage(), e);
        }
        BpeModel.IntList ids = new BpeModel.IntList(text.length() / 5 + 4);
        String[] lines = text.split("\n", -1);
        for (int line = 0; line < lines.length; line++) {
            String content = lines[line];
            int hash = content.indexOf('#');
            if (hash >= 0) {
                content = content.substring(0, hash);
            }
            for (String word : content.trim().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                String where = "line " + (line + 1);
                long id;
                try {
                    id = Long.parseLong(word);
                } catch (NumberFormatException e) {
                    throw InputException.at(file, where, "'" + word + "' is not a token id (a non-negative integer)");
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
