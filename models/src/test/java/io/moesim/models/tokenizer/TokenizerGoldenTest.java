package io.moesim.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Exact agreement with Hugging Face's {@code tokenizers} library (npm 0.23.2): the golden ids in
 * {@code tokenizer-golden/golden-*.json} were produced by {@code tokenizer-golden/generate.js}.
 */
class TokenizerGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Loaded once: reading the 1.8 MB file takes a second on a busy machine. */
    private static final Tokenizer MIXTRAL = Tokenizer.load(resource("tokenizers/mixtral-8x7b/tokenizer.json"));

    static Path resource(String name) {
        try {
            return Path.of(TokenizerGoldenTest.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    /** Checks every golden case; returns the number of cases. */
    private static int check(Tokenizer tokenizer, String golden, boolean checkDecode) throws IOException {
        JsonNode cases = JSON.readTree(resource("tokenizer-golden/" + golden).toFile()).get("cases");
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            String label = golden + ": " + text.substring(0, Math.min(40, text.length())).replace("\n", "\\n");
            assertArrayEquals(ints(c.get("ids")), tokenizer.encode(text), label);
            int[] plain = ints(c.get("ids_no_special"));
            assertArrayEquals(plain, tokenizer.encode(text, false), label);
            if (checkDecode) {
                assertEquals(c.get("decoded").asText(), tokenizer.decode(plain), label);
            }
        }
        return cases.size();
    }

    @Test
    void mixtralMatchesTheLibrary() throws IOException {
        Tokenizer mixtral = MIXTRAL;
        assertEquals(32000, mixtral.vocabSize());
        assertTrue(check(mixtral, "golden-mixtral.json", true) >= 20);
    }

    @Test
    void mixtralInMetaspaceFormMatchesTheLibrary() throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(resource("tokenizers/mixtral-8x7b/tokenizer.json").toFile());
        root.putNull("normalizer");
        ObjectNode meta = JSON.createObjectNode();
        meta.put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", "first").put("split", false);
        root.set("pre_tokenizer", meta);
        root.set("decoder", meta.deepCopy());
        Tokenizer tokenizer = Tokenizer.parse(JSON.writeValueAsString(root), "mixtral-metaspace");
        check(tokenizer, "golden-mixtral-metaspace.json", true);
    }

    @Test
    void byteLevelWithGpt2RegexMatchesTheLibrary() throws IOException {
        Tokenizer tokenizer = Tokenizer.load(resource("tokenizer-golden/tiny-bytelevel.tokenizer.json"));
        check(tokenizer, "golden-tiny-bytelevel.json", true);
    }

    @Test
    void byteLevelAfterQwenStyleSplitMatchesTheLibrary() throws IOException {
        Tokenizer tokenizer = Tokenizer.load(resource("tokenizer-golden/tiny-bytelevel-split.tokenizer.json"));
        check(tokenizer, "golden-tiny-bytelevel-split.json", true);
    }

    @Test
    void decodeInvertsEncodeForMixtral() {
        Tokenizer mixtral = MIXTRAL;
        String text = "Grüße aus Zürich 🦙 — done.";
        assertEquals(text, mixtral.decode(mixtral.encode(text, true), true));
        assertEquals(1, mixtral.tokenToId("<s>").getAsInt());
        assertEquals("<0x0A>", mixtral.idToToken(13));
    }

    @Test
    void encodesALongTextQuickly() throws IOException {
        Tokenizer mixtral = MIXTRAL;
        // About 90 kB of JSON, English and unicode; '<' replaced so that no special token appears
        // (special tokens do not decode back to the text they were cut from).
        String text = Files.readString(resource("tokenizer-golden/golden-mixtral.json")).replace('<', '\u2039').repeat(4);
        long start = System.nanoTime();
        int[] ids = mixtral.encode(text, false);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(ids.length > text.length() / 8, "ids " + ids.length);
        assertTrue(seconds < 5, "took " + seconds + " s");
        assertEquals(text, mixtral.decode(ids));
    }
}
