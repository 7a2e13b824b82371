package io.moesim.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ByteTokenizerJsonTest {

    private static int[] bytesOf(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Test
    void encodesEveryTextToItsUtf8BytesAndBack() {
        Tokenizer tokenizer = Tokenizer.parse(ByteTokenizerJson.json("<|endoftext|>"), "byte tokenizer");
        String text = "KING RICHARD: Ay, \u00e9t\u00e9 \u2014 \ud83d\ude00\n\tint x = a >= b ? 1 : 0;  \u0000\u007f";
        assertArrayEquals(bytesOf(text), tokenizer.encode(text));
        assertEquals(text, tokenizer.decode(tokenizer.encode(text)));
        assertArrayEquals(new int[] {104, 105, 256}, tokenizer.encode("hi<|endoftext|>"));
        assertEquals(257, tokenizer.vocabSize());
    }

    @Test
    void shippedTwinsCarryExactlyThisTokenizer() throws Exception {
        String expected = ByteTokenizerJson.json("<|endoftext|>");
        for (String twin : new String[] {"mixtral-twin", "qwen3-moe-twin", "deepseek-v3-twin"}) {
            assertEquals(expected, Files.readString(Path.of("twins", twin, "tokenizer.json")), twin);
        }
    }
}
