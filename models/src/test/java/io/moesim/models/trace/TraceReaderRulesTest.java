package io.moesim.models.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader accepts exactly what the writer writes: it enforces the writer's rules on every entry. */
class TraceReaderRulesTest {

    @TempDir
    Path dir;

    /** HandTrace as bytes, with {@code edit} applied to its (only) chunk's payload and the chunk checksum redone. */
    private byte[] patched(Consumer<ByteBuffer> edit) throws IOException {
        Path file = dir.resolve("hand.moetrace");
        HandTrace.build().write(file);
        byte[] b = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerBytes = bb.getInt(12);
        int chunk = 16 + headerBytes + 4;
        int count = bb.getInt(chunk);
        int payload = chunk + 4;
        int recordBytes = 12 + 2 * (2 + 2 * 4);
        edit.accept(bb.slice(payload, count * recordBytes).order(ByteOrder.LITTLE_ENDIAN));
        CRC32 crc = new CRC32();
        crc.update(b, payload, count * recordBytes);
        bb.putInt(payload + count * recordBytes, (int) crc.getValue());
        return b;
    }

    private String readError(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("t.moetrace"), bytes);
        return assertThrows(InputException.class, () -> RouterTrace.read(file)).getMessage()
                .substring(file.toString().length() + 2);
    }

    // token 0, recorded layer 0: ids at payload 12 and 13 (0, 1), weights at 14 and 18 (0.6, 0.4)

    @Test
    void theUntouchedTraceReads() throws IOException {
        Path file = Files.write(dir.resolve("ok.moetrace"), patched(p -> { }));
        assertEquals(4, RouterTrace.read(file).numTokens());
    }

    @Test
    void duplicateExpertsAreRefused() throws IOException {
        assertEquals("token 0.layer 0.experts: expert 0 chosen twice", readError(patched(p -> p.put(13, (byte) 0))));
    }

    @Test
    void nanNegativeAndUnorderedWeightsAreRefused() throws IOException {
        assertEquals("token 0.layer 0.weights: weight NaN of expert 0 is not a finite number >= 0",
                readError(patched(p -> p.putFloat(14, Float.NaN))));
        assertEquals("token 0.layer 0.weights: weight -0.4 of expert 1 is not a finite number >= 0",
                readError(patched(p -> p.putFloat(18, -0.4f))));
        assertEquals("token 0.layer 0.weights: weights are not in descending order (0.4 then 0.6)",
                readError(patched(p -> {
                    p.putFloat(14, 0.4f);
                    p.putFloat(18, 0.6f);
                })));
    }

    @Test
    void exportOfABadTraceWritesNoNaNAndLeavesNoFile() throws IOException {
        Path bad = Files.write(dir.resolve("bad.moetrace"), patched(p -> p.putFloat(14, Float.NaN)));
        Path out = dir.resolve("out.jsonl");
        assertThrows(InputException.class, () -> TraceJsonl.export(bad, out));
        assertFalse(Files.exists(out));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("bad.moetrace", "hand.moetrace"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static byte[] gzip(byte[] b, int from, int to) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b, from, to - from);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void gzipMembersMayBeConcatenatedButJunkAfterTheStreamIsRefused() throws IOException {
        byte[] plain = patched(p -> { });
        int half = plain.length / 2;
        Path two = Files.write(dir.resolve("two.moetrace.gz"), concat(gzip(plain, 0, half), gzip(plain, half, plain.length)));
        assertEquals(4, RouterTrace.read(two).numTokens(), "a gzip file of two members is valid gzip");
        byte[] whole = gzip(plain, 0, plain.length);
        for (byte[] junk : List.of(new byte[] {'x'}, new byte[64], new byte[] {0x1f})) {
            Path file = Files.write(dir.resolve("junk.moetrace.gz"), concat(whole, junk));
            String e = assertThrows(InputException.class, () -> RouterTrace.read(file)).getMessage();
            assertEquals(file + ": end marker: after the end of the trace: unexpected data after the end of the"
                    + " compressed stream", e);
        }
        byte[] badCrc = whole.clone();
        badCrc[badCrc.length - 8] ^= 1;
        Path crc = Files.write(dir.resolve("crc.moetrace.gz"), badCrc);
        assertTrue(assertThrows(InputException.class, () -> RouterTrace.read(crc)).getMessage()
                .contains("gzip checksum mismatch"));
        Path cut = Files.write(dir.resolve("cut.moetrace.gz"), Arrays.copyOf(whole, whole.length - 3));
        assertTrue(assertThrows(InputException.class, () -> RouterTrace.read(cut)).getMessage()
                .contains("truncated gzip file"));
    }

    @Test
    void anEmptyTraceIsNeitherWrittenNorRead() throws IOException {
        TraceHeader h = new TraceHeader("m", "a", 1, List.of(0), 4, 2, Map.of());
        Path file = dir.resolve("empty.moetrace");
        TraceWriter w = TraceWriter.create(file, h);
        assertThrows(IllegalStateException.class, w::close);
        assertFalse(Files.exists(file));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no temporary file left");
        }
        byte[] plain = patched(p -> { });
        ByteBuffer bb = ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN);
        int chunk = 16 + bb.getInt(12) + 4;
        byte[] noTokens = concat(Arrays.copyOf(plain, chunk), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        assertEquals("end marker: the trace holds no tokens", readError(noTokens));
    }

    @Test
    void theWriterRefusesNegativeWeights() {
        TraceHeader h = new TraceHeader("m", "a", 1, List.of(0), 4, 2, Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RouterTrace.builder(h)
                .add(0, 0, 1, new int[][] {{0, 1}}, new float[][] {{0.5f, -0.5f}}));
        assertTrue(e.getMessage().contains("not a finite number >= 0"), e.getMessage());
    }
}
