package io.moesim.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerErrorsTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    @Test
    void malformedJsonNamesTheFile() throws IOException {
        Path file = write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,");
        InputException e = assertThrows(InputException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file + ": json: not valid JSON"), e.getMessage());
    }

    @Test
    void mergeOfUnknownTokenNamesTheField() throws IOException {
        Path file = write("t.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
        InputException e = assertThrows(InputException.class, () -> Tokenizer.load(file));
        assertEquals(file + ": model.merges[0]: token ab is not in the vocabulary", e.getMessage());
    }

    @Test
    void unsupportedModelIsRejected() throws IOException {
        Path file = write("t.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        InputException e = assertThrows(InputException.class, () -> Tokenizer.load(file));
        assertEquals(file + ": model.type: unsupported model type Unigram (moesim reads BPE tokenizers)", e.getMessage());
        Path noModel = write("n.json", "{\"version\": \"1.0\"}");
        assertEquals(noModel + ": model: missing",
                assertThrows(InputException.class, () -> Tokenizer.load(noModel)).getMessage());
        Path missing = dir.resolve("missing.json");
        assertEquals(missing + ": file: no such file or folder",
                assertThrows(InputException.class, () -> Tokenizer.load(missing)).getMessage());
    }

    @Test
    void handBuiltBpeMergesByRank() {
        // Merges: "a b" (rank 0), "b c" (rank 1), "ab c" (rank 2). "abc": (a,b) has the lower rank
        // -> ab c -> abc. "bcab": (b,c) rank 1 and (a,b) rank 0 -> a+b first, then b+c, then no more.
        String json = "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"bc\": 4, \"abc\": 5},"
                + " \"merges\": [\"a b\", \"b c\", \"ab c\"]}}";
        Tokenizer t = Tokenizer.parse(json, "hand");
        assertArrayEquals(new int[] {5}, t.encode("abc"));
        assertArrayEquals(new int[] {4, 3}, t.encode("bcab"));
        // "cab": (c,a) never merges, (a,b) does -> c ab.
        assertArrayEquals(new int[] {2, 3}, t.encode("cab"));
        assertEquals("c ab", t.decode(new int[] {2, 3})); // no decoder: tokens joined by spaces
    }

    @Test
    void tokenIdFile() throws IOException {
        Path file = write("ids.txt", "1 22557\t1526\n\n  28725 # a comment 99\n2\n");
        assertArrayEquals(new int[] {1, 22557, 1526, 28725, 2}, TokenIdFile.read(file));
        assertArrayEquals(new int[] {1, 22557, 1526, 28725, 2}, TokenIdFile.read(file, 32000));
        InputException range = assertThrows(InputException.class, () -> TokenIdFile.read(file, 2000));
        assertEquals(file + ": line 1: token id 22557 is outside [0, 2000)", range.getMessage());
        Path bad = write("bad.txt", "1 2\n3 x4\n");
        assertEquals(bad + ": line 2: 'x4' is not a token id (a non-negative integer)",
                assertThrows(InputException.class, () -> TokenIdFile.read(bad)).getMessage());
        Path negative = write("neg.txt", "-1");
        assertThrows(InputException.class, () -> TokenIdFile.read(negative));
    }
}
