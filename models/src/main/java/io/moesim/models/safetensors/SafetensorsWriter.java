package io.moesim.models.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import io.moesim.models.io.OutputFiles;
import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects tensors (given as floats, stored as F32, BF16 or F16) and metadata, then writes one
 * {@code .safetensors} file: to a temporary file beside the target, then renamed over it.
 * Tensors are written in the order they were added; the header is padded with spaces to a
 * multiple of 8 bytes so that the data section is 8-byte aligned.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *     .metadata("format", "pt")
 *     .put("model.norm.weight", DType.BF16, normWeights, 2048)
 *     .write(dir.resolve("model.safetensors"));
 * }</pre>
 */
public final class SafetensorsWriter {

    private record Entry(DType dtype, int[] shape, float[] values) {
    }

    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds tensor {@code name} with {@code shape}, rounding {@code values} (row-major) to
     * {@code dtype} (BF16 rounds to nearest even). The array is kept, not copied, until written.
     */
    public SafetensorsWriter put(String name, DType dtype, float[] values, int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension " + d);
            }
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + values.length);
        }
        if (name.equals("__metadata__") || tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor name " + name + " is reserved or already added");
        }
        tensors.put(name, new Entry(dtype, shape.clone(), values));
        return this;
    }

    /** Adds a copy of {@code tensor}'s values, stored as {@code dtype}. */
    public SafetensorsWriter put(String name, DType dtype, Tensor tensor) {
        return put(name, dtype, tensor.toFloatArray(), tensor.shape());
    }

    /** Writes the file (temporary file, then atomic rename over {@code target}); {@link InputException} if it cannot. */
    public void write(Path target) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            Entry t = e.getValue();
            ObjectNode node = header.putObject(e.getKey());
            node.put("dtype", t.dtype.name());
            ArrayNode shape = node.putArray("shape");
            for (int d : t.shape) {
                shape.add(d);
            }
            long bytes = (long) t.values.length * t.dtype.bytes();
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes;
        try {
            headerBytes = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (headerBytes.length + 7) / 8 * 8;
        byte[] headerPadded = Arrays.copyOf(headerBytes, padded);
        Arrays.fill(headerPadded, headerBytes.length, padded, (byte) ' ');

        OutputFiles.write(target, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded).array());
            out.write(headerPadded);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry t : tensors.values()) {
                for (float v : t.values) {
                    if (buf.remaining() < 4) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    switch (t.dtype) {
                        case F32 -> buf.putFloat(v);
                        case BF16 -> buf.putShort(DType.floatToBf16(v));
                        case F16 -> buf.putShort(Float.floatToFloat16(v));
                    }
                }
            }
            out.write(buf.array(), 0, buf.position());
        });
    }
}
