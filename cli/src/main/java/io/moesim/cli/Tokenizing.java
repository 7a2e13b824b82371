package io.moesim.cli;

import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import io.moesim.models.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Text to token ids with the checkpoint's {@code tokenizer.json}. */
final class Tokenizing {

    private Tokenizing() {
    }

    /** Encodes the UTF-8 text file with {@code modelDir/tokenizer.json}; every id must fit the model's vocabulary. */
    static int[] tokenize(Path modelDir, Path text, int vocabSize) {
        Path file = modelDir.resolve("tokenizer.json");
        if (Files.isDirectory(file)) {
            throw InputException.at(file, "tokenizer.json", "is a folder, expected the tokenizer's JSON file");
        }
        if (!Files.isRegularFile(file)) {
            throw InputException.at(modelDir, "tokenizer.json", "missing; --text needs it (or pass --token-ids)");
        }
        Tokenizer tokenizer = Tokenizer.load(file);
        String content = InputFiles.readText(text, "--text");
        int[] ids = tokenizer.encode(content);
        if (ids.length == 0) {
            throw InputException.at(text, "--text", "no tokens in the text");
        }
        for (int id : ids) {
            if (id >= vocabSize) {
                throw InputException.at(file, "vocabulary", "token id " + id + " is outside the model's vocab_size "
                        + vocabSize);
            }
        }
        return ids;
    }
}
