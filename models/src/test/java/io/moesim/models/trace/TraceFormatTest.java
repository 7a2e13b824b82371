package io.moesim.models.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFormatTest {

    @TempDir
    Path dir;

    static TraceHeader header(int numExperts, int topK) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(TraceHeader.META_SOURCE_TEXT, "shakespeare.txt");
        meta.put(TraceHeader.META_CONTEXT_TOKENS, "512");
        return new TraceHeader("tiny-moe", "MixtralForCausalLM", 6, List.of(1, 3, 5), numExperts, topK, meta);
    }

    /** A random trace of {@code tokens} tokens in two sequences, written through the window API. */
    private static RouterTrace randomTrace(TraceHeader h, int tokens, long seed, Path file) {
        Random random = new Random(seed);
        RouterTrace.Builder expected = RouterTrace.builder(h);
        int layers = h.numRecordedLayers();
        int k = h.topK();
        try (TraceWriter writer = TraceWriter.create(file, h)) {
            int done = 0;
            while (done < tokens) {
                int n = Math.min(tokens - done, 1 + random.nextInt(700));
                int seq = done < tokens / 2 ? 0 : 1;
                int[] pos = new int[n];
                int[] ids = new int[n];
                for (int t = 0; t < n; t++) {
                    pos[t] = done + t;
                    ids[t] = random.nextInt(32000);
                }
                int[][][] e = new int[n][layers][];
                float[][][] w = new float[n][layers][];
                for (int t = 0; t < n; t++) {
                    for (int li = 0; li < layers; li++) {
                        e[t][li] = distinct(random, h.numExperts(), k);
                        w[t][li] = new float[k];
                        for (int j = 0; j < k; j++) {
                            w[t][li][j] = random.nextFloat();
                        }
                    }
                }
                writer.beginWindow(seq, pos, ids);
                for (int li = layers - 1; li >= 0; li--) { // any layer order
                    int[][] le = new int[n][];
                    float[][] lw = new float[n][];
                    for (int t = 0; t < n; t++) {
                        le[t] = e[t][li];
                        lw[t] = w[t][li];
                    }
                    writer.layer(h.moeLayers().get(li), le, lw);
                }
                writer.endWindow();
                for (int t = 0; t < n; t++) {
                    expected.add(seq, pos[t], ids[t], e[t], w[t]);
                }
                done += n;
            }
        }
        return expected.build();
    }

    private static int[] distinct(Random random, int n, int k) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        return Arrays.copyOf(all, k);
    }

    private static void assertSameTrace(RouterTrace expected, RouterTrace actual) {
        assertEquals(expected.header(), actual.header());
        assertEquals(expected.numTokens(), actual.numTokens());
        for (int t = 0; t < expected.numTokens(); t++) {
            assertEquals(expected.seq(t), actual.seq(t));
            assertEquals(expected.position(t), actual.position(t));
            assertEquals(expected.tokenId(t), actual.tokenId(t));
            for (int li = 0; li < expected.numRecordedLayers(); li++) {
                for (int j = 0; j < expected.topK(); j++) {
                    assertEquals(expected.expert(t, li, j), actual.expert(t, li, j));
                    assertEquals(expected.weight(t, li, j), actual.weight(t, li, j));
                }
            }
        }
    }

    @Test
    void roundTripThroughWindowsKeepsEverything() {
        TraceHeader h = header(8, 2);
        Path file = dir.resolve("t.moetrace");
        RouterTrace expected = randomTrace(h, 2500, 1, file);
        RouterTrace actual = RouterTrace.read(file);
        assertSameTrace(expected, actual);
        assertEquals("shakespeare.txt", actual.header().metadata().get(TraceHeader.META_SOURCE_TEXT));
        // Entries come back by descending weight.
        for (int t = 0; t < actual.numTokens(); t++) {
            assertTrue(actual.weight(t, 2, 0) >= actual.weight(t, 2, 1));
        }
        // Expected file size: 16 + header + 4, chunks of <= 1024 tokens with 8 bytes framing, end 12.
        long record = 12 + 3 * 2 * (1 + 4);
        long headerBytes = TraceFormat.encodeHeader(h).length;
        long chunks = (2500 + 1023) / 1024;
        assertEquals(16 + headerBytes + 4 + chunks * 8 + 2500 * record + 12, sizeOf(file));
    }

    @Test
    void roundTripGzipAndTwoByteIdsAndStreaming() {
        TraceHeader h = header(300, 8);
        Path file = dir.resolve("t.moetrace.gz");
        RouterTrace expected = randomTrace(h, 1500, 2, file);
        assertSameTrace(expected, RouterTrace.read(file));
        try (TraceReader reader = TraceReader.open(file)) {
            assertEquals(2, reader.header().expertIdBytes());
            int count = 0;
            for (TokenRouting t; (t = reader.next()) != null; count++) {
                assertEquals(expected.tokenId(count), t.tokenId());
                assertEquals(expected.expert(count, 1, 7), t.experts()[1][7]);
            }
            assertEquals(1500, count);
            assertNull(reader.next());
        }
    }

    @Test
    void writerSortsByDescendingWeightAndRejectsBadEntries() {
        TraceHeader h = header(8, 2);
        Path file = dir.resolve("s.moetrace");
        try (TraceWriter writer = TraceWriter.create(file, h)) {
            writer.token(0, 0, 42, new int[][] {{1, 5}, {2, 3}, {7, 0}},
                    new float[][] {{0.25f, 0.75f}, {0.5f, 0.5f}, {0.9f, 0.1f}});
            assertThrows(IllegalArgumentException.class, () -> writer.token(0, 1, 1,
                    new int[][] {{1, 8}, {2, 3}, {7, 0}}, new float[][] {{1, 0}, {1, 0}, {1, 0}}));
            assertThrows(IllegalArgumentException.class, () -> writer.token(0, 1, 1,
                    new int[][] {{1, 1}, {2, 3}, {7, 0}}, new float[][] {{1, 0}, {1, 0}, {1, 0}}));
            assertThrows(IllegalStateException.class, () -> writer.layer(1, new int[0][], new float[0][]));
        }
        RouterTrace trace = RouterTrace.read(file);
        assertEquals(1, trace.numTokens());
        assertEquals(5, trace.expert(0, 0, 0));
        assertEquals(0.75f, trace.weight(0, 0, 0));
        assertEquals(2, trace.expert(0, 1, 0)); // tie keeps the given order
        assertEquals(7, trace.expert(0, 2, 0));
    }

    @Test
    void abortLeavesNoFileAndOpenWindowCannotClose() throws IOException {
        TraceHeader h = header(8, 2);
        Path file = dir.resolve("a.moetrace");
        TraceWriter writer = TraceWriter.create(file, h);
        writer.beginWindow(0, new int[] {0}, new int[] {1});
        writer.layer(1, new int[] {0, 1}, new float[] {0.5f, 0.5f});
        assertThrows(IllegalStateException.class, writer::endWindow);
        writer.abort();
        assertFalse(Files.exists(file));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Path writeSmall(String name) {
        Path file = dir.resolve(name);
        randomTrace(header(8, 2), 50, 3, file);
        return file;
    }

    @Test
    void truncatedFileIsRejectedNamingTheFile() throws IOException {
        Path file = writeSmall("full.moetrace");
        byte[] bytes = Files.readAllBytes(file);
        // Cut in the middle of the records, then just before the end marker's token count.
        for (int cut : new int[] {bytes.length / 2, bytes.length - 12, bytes.length - 3, 20}) {
            Path cutFile = dir.resolve("cut" + cut + ".moetrace");
            Files.write(cutFile, Arrays.copyOf(bytes, cut));
            InputException e = assertThrows(InputException.class, () -> RouterTrace.read(cutFile));
            assertTrue(e.getMessage().startsWith(cutFile.toString() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    @Test
    void foreignFileIsRejected() throws IOException {
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "{\"hello\": \"this is not a trace\"}\n");
        InputException e = assertThrows(InputException.class, () -> RouterTrace.read(file));
        assertEquals(file + ": magic: not a moesim router trace (wrong magic bytes)", e.getMessage());
        Path empty = dir.resolve("empty.moetrace");
        Files.write(empty, new byte[0]);
        assertThrows(InputException.class, () -> RouterTrace.read(empty));
    }

    @Test
    void unsupportedVersionIsRejected() throws IOException {
        Path file = writeSmall("v.moetrace");
        byte[] bytes = Files.readAllBytes(file);
        bytes[8] = 9;
        Files.write(file, bytes);
        InputException e = assertThrows(InputException.class, () -> RouterTrace.read(file));
        assertEquals(file + ": version: unsupported trace format version 9 (this moesim reads version 1)", e.getMessage());
    }

    @Test
    void expertIdAboveCountIsRejectedEvenWithValidChecksum() throws IOException {
        Path file = writeSmall("e.moetrace");
        byte[] bytes = Files.readAllBytes(file);
        int headerBytes = ByteBuffer.wrap(bytes, 12, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int chunkStart = 16 + headerBytes + 4;
        int payloadStart = chunkStart + 4;
        int recordBytes = 12 + 3 * 2 * 5;
        // Token 0, first layer, first expert id -> 9 (8 experts), then fix the chunk checksum.
        bytes[payloadStart + 12] = 9;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes, payloadStart, 50 * recordBytes);
        ByteBuffer.wrap(bytes, payloadStart + 50 * recordBytes, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue());
        Files.write(file, bytes);
        InputException e = assertThrows(InputException.class, () -> RouterTrace.read(file));
        assertEquals(file + ": token 0.layer 1.experts: expert 9 >= expert count 8", e.getMessage());
    }

    @Test
    void corruptedRecordFailsChecksum() throws IOException {
        Path file = writeSmall("c.moetrace");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 40] ^= 0x55;
        Files.write(file, bytes);
        InputException e = assertThrows(InputException.class, () -> RouterTrace.read(file));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void headerForModelListsItsMoeLayers() {
        var spec = new io.moesim.models.spec.ModelSpec("m", "M", "DeepseekV3ForCausalLM", "test", 6, 64, 100, false,
                new io.moesim.models.spec.AttentionSpec.Gqa(4, 2, 16, false, false, 0, 0), 2, 1, 128,
                new io.moesim.models.spec.MoeSpec(16, 4, 32, 1, 32, false,
                        io.moesim.models.spec.RoutingSpec.softmax(true)), 0, 4096);
        TraceHeader h = TraceHeader.forModel(spec, Map.of());
        assertEquals(List.of(2, 3, 4, 5), h.moeLayers());
        assertEquals(16, h.numExperts());
        assertEquals(4, h.topK());
        assertEquals(1, h.recordedIndexOf(3));
        assertEquals(-1, h.recordedIndexOf(1));
        assertArrayEquals(new int[] {2, 3, 4, 5}, h.moeLayers().stream().mapToInt(Integer::intValue).toArray());
    }
}
