package io.moesim.models.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void roundTripsEachDtypeAndMetadata() {
        float[] a = random(3 * 5, 1);
        float[] b = random(4 * 7, 2);
        float[] c = random(33, 3);
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter()
                .metadata("format", "pt")
                .put("a", DType.F32, a, 3, 5)
                .put("b", DType.BF16, b, 4, 7)
                .put("c", DType.F16, c, 33)
                .put("empty", DType.F32, new float[0], 0, 4)
                .write(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("a", "b", "c", "empty"), List.copyOf(f.names()));
            assertEquals("pt", f.metadata().get("format"));
            Tensor ta = f.tensor("a");
            assertEquals(DType.F32, ta.dtype());
            assertEquals(List.of(3, 5), List.of(ta.dim(0), ta.dim(1)));
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], ta.get(i));
            }
            Tensor tb = f.tensor("b");
            for (int i = 0; i < b.length; i++) {
                assertEquals(DType.bf16ToFloat(DType.floatToBf16(b[i])), tb.get(i));
                assertEquals(b[i], tb.get(i), Math.abs(b[i]) / 256);
            }
            Tensor tc = f.tensor("c");
            float[] widened = tc.toFloatArray();
            for (int i = 0; i < c.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(c[i])), tc.get(i));
                assertEquals(tc.get(i), widened[i]);
            }
            assertEquals(0, f.tensor("empty").size());
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between BF16 neighbours 1 and 1 + 2^-7: ties to even gives 1.
        assertEquals(1.0f, DType.bf16ToFloat(DType.floatToBf16(1.0f + 0x1p-8f)));
        // 1 + 3*2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even gives 1 + 2^-6.
        assertEquals(1.0f + 0x1p-6f, DType.bf16ToFloat(DType.floatToBf16(1.0f + 3 * 0x1p-8f)));
        assertTrue(Float.isNaN(DType.bf16ToFloat(DType.floatToBf16(Float.NaN))));
    }

    @Test
    void checkpointReadsSingleFileAndShards() throws IOException {
        Path single = dir.resolve("single");
        new SafetensorsWriter().put("w", DType.F32, new float[] {1, 2}, 2).write(single.resolve("model.safetensors"));
        try (Checkpoint cp = Checkpoint.open(single)) {
            assertTrue(cp.has("w"));
            assertEquals(2f, cp.tensor("w").get(1));
        }
        Path sharded = dir.resolve("sharded");
        new SafetensorsWriter().put("x", DType.F32, new float[] {3}, 1).write(sharded.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().put("y", DType.BF16, new float[] {4, 5}, 2).write(sharded.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(sharded.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 8},
                 "weight_map": {"x": "model-00001-of-00002.safetensors", "y": "model-00002-of-00002.safetensors"}}""");
        try (Checkpoint cp = Checkpoint.open(sharded)) {
            assertEquals(List.of("x", "y"), List.copyOf(cp.names()));
            assertEquals(3f, cp.tensor("x").get(0));
            assertEquals(5f, cp.tensor("y").get(1));
            assertFalse(cp.has("z"));
            InputException missing = assertThrows(InputException.class, () -> cp.tensor("z"));
            assertTrue(missing.getMessage().contains("'z'"), missing.getMessage());
            assertTrue(missing.getMessage().contains("model-00001-of-00002.safetensors, model-00002-of-00002.safetensors"),
                    missing.getMessage());
        }
    }

    @Test
    void indexNamingAMissingShardIsAnInputError() throws IOException {
        new SafetensorsWriter().put("x", DType.F32, new float[] {3}, 1).write(dir.resolve("a.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"b.safetensors\"}}");
        InputException e = assertThrows(InputException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
        assertTrue(e.getMessage().contains("b.safetensors") && e.getMessage().contains("'y'"), e.getMessage());
    }

    @Test
    void emptyDirectoryIsAnInputError() {
        InputException e = assertThrows(InputException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    /** Writes a file with the given header JSON and {@code dataBytes} zero bytes of data. */
    private Path rawFile(String name, String header, int dataBytes, long declaredHeaderLength) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(declaredHeaderLength < 0 ? h.length : declaredHeaderLength).put(h);
        Path p = dir.resolve(name);
        Files.write(p, buf.array());
        return p;
    }

    private InputException openFails(Path p) {
        return assertThrows(InputException.class, () -> SafetensorsFile.open(p).close());
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        Path p = rawFile("long.safetensors", "{}", 0, 1000);
        InputException e = openFails(p);
        assertTrue(e.getMessage().startsWith(p + ": header:"), e.getMessage());
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[3]);
        assertTrue(openFails(tiny).getMessage().contains("shorter than"));
    }

    @Test
    void badJson() throws IOException {
        Path p = rawFile("bad.safetensors", "{\"a\": {\"dtype\": ", 0, -1);
        InputException e = openFails(p);
        assertTrue(e.getMessage().startsWith(p + ": header: not valid JSON"), e.getMessage());
    }

    @Test
    void offsetsOutsideTheDataSection() throws IOException {
        Path p = rawFile("off.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8, -1);
        InputException e = openFails(p);
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("tensor 'w'"), e.getMessage());
        assertTrue(e.getMessage().contains("does not fit the data section of 8 bytes"), e.getMessage());
    }

    @Test
    void byteLengthDisagreeingWithShape() throws IOException {
        Path p = rawFile("len.safetensors", "{\"w\": {\"dtype\": \"BF16\", \"shape\": [2, 3], \"data_offsets\": [0, 8]}}", 8, -1);
        InputException e = openFails(p);
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("needs 6 x 2"), e.getMessage());
    }

    @Test
    void unsupportedDtypeFailsWhenRead() throws IOException {
        Path p = rawFile("i64.safetensors", "{\"ids\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8, -1);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            InputException e = assertThrows(InputException.class, () -> f.tensor("ids"));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'ids'")
                    && e.getMessage().contains("unsupported dtype I64"), e.getMessage());
        }
    }

    @Test
    void missingTensorInOneFile() throws IOException {
        Path p = dir.resolve("m.safetensors");
        new SafetensorsWriter().put("w", DType.F32, new float[] {1}, 1).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            InputException e = assertThrows(InputException.class, () -> f.tensor("nope"));
            assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains(p.toString()), e.getMessage());
        }
    }

    /**
     * A 2.5 GiB sparse file: the header describes one F32 tensor spanning it all; the value at the
     * very end is written and read back through the mapping (nothing is loaded into the heap).
     */
    @Test
    void readsPastTwoGibibytesFromASparseFile() throws IOException {
        long elements = (5L << 30) / 2 / 4; // 2.5 GiB of F32
        String header = "{\"big\": {\"dtype\": \"F32\", \"shape\": [" + (elements / 1024) + ", 1024], \"data_offsets\": [0, "
                + elements * 4 + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            ByteBuffer prefix = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(h.length).put(h);
            raf.write(prefix.array());
            long end = 8 + h.length + elements * 4;
            raf.setLength(end);
            raf.seek(end - 4);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(42.5f).array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            Tensor big = f.tensor("big");
            assertEquals(elements, big.size());
            assertEquals(42.5f, big.get(elements - 1));
            assertEquals(0f, big.get(elements / 2));
            Tensor lastRow = big.rows(big.dim(0) - 1, 1);
            assertEquals(42.5f, lastRow.get(1023));
        }
    }
}
