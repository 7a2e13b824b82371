package io.moesim.cli;

import io.moesim.models.InputException;
import java.nio.file.Path;

/** Text to token ids with the checkpoint's {@code tokenizer.json}. */
final class Tokenizing {

    private Tokenizing() {
    }

    static int[] tokenize(Path modelDir, Path text, int vocabSize) {
        throw InputException.at(text, "--text", "tokenizing text is not available in this build; pass --token-ids");
    }
}
