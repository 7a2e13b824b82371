package io.moesim.models.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.models.InputException;
import io.moesim.models.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tensors of a safetensors file tile its data section; a shard index stays inside its folder. */
class SafetensorsLayoutTest {

    @TempDir
    Path dir;

    /** A file with {@code header} (JSON) and {@code dataBytes} zero bytes of data. */
    private Path raw(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(dir.resolve(name), b.array());
    }

    private String openError(Path p) {
        return assertThrows(InputException.class, () -> SafetensorsFile.open(p).close()).getMessage();
    }

    @Test
    void overlappingTensorsAreRefusedNamingBoth() throws IOException {
        Path p = raw("o.safetensors", """
                {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12);
        assertEquals(p + ": tensor 'b'.data_offsets: bytes [4, 12) overlap tensor 'a' at [0, 8)", openError(p));
    }

    @Test
    void holesAndTrailingBytesAreRefused() throws IOException {
        Path hole = raw("h.safetensors", """
                {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""", 12);
        assertEquals(hole + ": tensor 'b'.data_offsets: bytes [4, 8) before it belong to no tensor", openError(hole));
        Path junk = raw("j.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 9);
        assertTrue(openError(junk).startsWith(junk + ": data: 5 bytes after the last tensor's data"), openError(junk));
        Path empty = raw("e.safetensors", "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [0, 0]}}", 0);
        SafetensorsFile.open(empty).close();
    }

    @Test
    void headerMustBeUtf8JsonWithoutRepeatedTensorsOrNonStringMetadata() throws IOException {
        Path dup = raw("d.safetensors", """
                {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                 "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", 4);
        assertTrue(openError(dup).contains("header: not valid JSON: Duplicate field 'a'"), openError(dup));
        Path meta = raw("m.safetensors", "{\"__metadata__\": {\"format\": 5}}", 0);
        assertEquals(meta + ": __metadata__.format: expected a string, got number", openError(meta));
        byte[] b = Files.readAllBytes(raw("u.safetensors", "{\"\u00e9\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4));
        b[10] = (byte) 0xff; // the first byte of the two-byte e-acute
        Path utf = Files.write(dir.resolve("u.safetensors"), b);
        assertEquals(utf + ": header: not UTF-8 text (invalid byte 0xff at byte 2)", openError(utf));
    }

    private Path sharded(String shardName) throws IOException {
        Path m = Files.createDirectories(dir.resolve("ckpt"));
        new SafetensorsWriter().put("w", DType.F32, new float[] {1, 2}, 2).write(m.resolve("part.safetensors"));
        Files.writeString(m.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"w\": \"" + shardName + "\"}}");
        return m;
    }

    @Test
    void shardPathsMayNotLeaveTheCheckpointFolder() throws IOException {
        Files.writeString(dir.resolve("secret.safetensors"), "x");
        for (String name : new String[] {"../secret.safetensors", "../../etc/passwd", "a/../../secret.safetensors", "."}) {
            Path m = sharded(name);
            String e = assertThrows(InputException.class, () -> Checkpoint.open(m)).getMessage();
            assertTrue(e.startsWith(m.resolve(Checkpoint.INDEX_FILE) + ": weight_map.'w': shard '" + name
                    + "' leaves the checkpoint folder"), e);
        }
        Path abs = sharded("/etc/passwd");
        assertTrue(assertThrows(InputException.class, () -> Checkpoint.open(abs)).getMessage()
                .contains("is an absolute path"));
    }

    @Test
    void aSymbolicLinkOutOfTheFolderIsRefusedAndOneInsideIsFine() throws IOException {
        Path m = sharded("link.safetensors");
        Files.copy(m.resolve("part.safetensors"), dir.resolve("outside.safetensors"));
        Files.createSymbolicLink(m.resolve("link.safetensors"), Path.of("..", "outside.safetensors"));
        assertTrue(assertThrows(InputException.class, () -> Checkpoint.open(m)).getMessage()
                .contains("shard 'link.safetensors' is a link that leaves the checkpoint folder"));
        Files.delete(m.resolve("link.safetensors"));
        Files.createSymbolicLink(m.resolve("link.safetensors"), Path.of("part.safetensors"));
        try (Checkpoint c = Checkpoint.open(m)) {
            assertEquals(2.0f, c.tensor("w").get(1));
        }
        Files.writeString(m.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"w\": \"./sub/../part.safetensors\"}}");
        try (Checkpoint c = Checkpoint.open(m)) {
            assertEquals(1.0f, c.tensor("w").get(0), "a path that stays inside after normalizing is accepted");
        }
    }
}
