package io.moesim.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenIdFileTest {

    @TempDir
    Path dir;

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("ids.txt"), text);
    }

    @Test
    void whitespaceCommasCommentsAndJsonArraysAllWork() throws IOException {
        assertArrayEquals(new int[] {1, 22557, 1526}, TokenIdFile.read(write("1 22557\t1526\n"), 30000));
        assertArrayEquals(new int[] {1, 2, 3, 4}, TokenIdFile.read(write("1, 2,3 ,\n4 # four\n# none\n"), 10));
        assertArrayEquals(new int[] {7, 0, 9}, TokenIdFile.read(write(" [7, 0,\n 9]\n"), 10));
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        for (String empty : new String[] {"", "\n \n", "# just a comment\n", ",,", "[]", " [ ] "}) {
            Path f = write(empty);
            assertEquals(f + ": token ids: the file holds no token ids",
                    assertThrows(InputException.class, () -> TokenIdFile.read(f, 10)).getMessage(), empty);
        }
    }

    @Test
    void badEntriesNameTheLineOrTheArrayIndex() throws IOException {
        Path f = write("1 2\n3 x\n");
        assertEquals(f + ": line 2: 'x' is not a token id (a non-negative integer)",
                assertThrows(InputException.class, () -> TokenIdFile.read(f, 10)).getMessage());
        Path g = write("[1, 2, 10]");
        assertEquals(g + ": [2]: token id 10 is outside [0, 10)",
                assertThrows(InputException.class, () -> TokenIdFile.read(g, 10)).getMessage());
        Path h = write("[1, \"2\"]");
        assertEquals(h + ": [1]: \"2\" is not a token id (a non-negative integer)",
                assertThrows(InputException.class, () -> TokenIdFile.read(h, 10)).getMessage());
        Path i = write("[1, 2");
        assertEquals(true, assertThrows(InputException.class, () -> TokenIdFile.read(i, 10)).getMessage()
                .startsWith(i + ": json: not valid JSON"));
    }
}
