package io.moesim.models.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedSet;

/**
 * One {@code .safetensors} file, memory-mapped whole (no 2 GiB limit, nothing copied into the
 * heap). Layout: 8-byte little-endian header length N, N bytes of JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the
 * data; offsets are relative to the start of the data.
 *
 * <p>The header is validated at {@link #open}: every tensor's offsets must lie inside the data
 * section and its byte length must equal element count times element size (when the dtype is
 * one safetensors defines). Tensors of dtypes moesim cannot read (anything but F32, BF16, F16)
 * may be present; asking for one with {@link #tensor} fails with an {@link InputException}.
 *
 * <p>Tensor views stay valid until {@link #close}; the mapping is shared, so views may be read
 * from any thread.
 */
public final class SafetensorsFile implements AutoCloseable {

    private static final ObjectMapper JSON = InputFiles.strictJson();
    /** Refuse headers larger than this (the reference implementation's limit is 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> infos;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> infos,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.infos = infos;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}; throws {@link InputException} naming the file and tensor. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole;
            if (java.nio.file.Files.isDirectory(path)) {
                throw InputException.at(path, "file", "is a folder, expected a .safetensors file");
            }
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            } catch (IOException e) {
                throw InputException.at(path, "file", "cannot read: " + InputFiles.describe(e));
            }
            long fileBytes = whole.byteSize();
            if (fileBytes < 8) {
                throw InputException.at(path, "header", "file of " + fileBytes + " bytes is shorter than the 8-byte header length");
            }
            long headerBytes = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerBytes < 2) {
                throw InputException.at(path, "header", "header length " + headerBytes + " is too small for a JSON"
                        + " header (is this a safetensors file?)");
            }
            if (headerBytes > fileBytes - 8) {
                throw InputException.at(path, "header", "header length " + Long.toUnsignedString(headerBytes)
                        + " runs past the end of the file (" + fileBytes + " bytes): truncated, or not a safetensors file");
            }
            if (headerBytes > MAX_HEADER_BYTES) {
                throw InputException.at(path, "header", "header length " + headerBytes + " exceeds " + MAX_HEADER_BYTES + " bytes");
            }
            byte[] headerUtf8 = whole.asSlice(8, headerBytes).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = whole.asSlice(8 + headerBytes);
            Map<String, String> metadata = new LinkedHashMap<>();
            String header = InputFiles.decodeUtf8(headerUtf8, path, "header");
            Map<String, TensorInfo> infos = parseHeader(path, header, data.byteSize(), metadata);
            checkLayout(path, infos, data.byteSize());
            return new SafetensorsFile(path, arena, data, infos, Collections.unmodifiableMap(metadata));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, String header, long dataBytes, Map<String, String> metadata) {
        JsonNode root = InputFiles.parse(JSON, header.stripTrailing(), path, "header", "JSON");
        if (root == null || !root.isObject()) {
            throw InputException.at(path, "header", "bad JSON: expected an object of tensors");
        }
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) {
                    throw InputException.at(path, "__metadata__", "expected an object of strings");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = node.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = m.next();
                    if (!e.getValue().isTextual()) {
                        throw InputException.at(path, "__metadata__." + e.getKey(), "expected a string, got "
                                + e.getValue().getNodeType().name().toLowerCase(java.util.Locale.ROOT));
                    }
                    metadata.put(e.getKey(), e.getValue().textValue());
                }
                continue;
            }
            infos.put(name, parseTensor(path, name, node, dataBytes));
        }
        return Collections.unmodifiableMap(infos);
    }

    private static TensorInfo parseTensor(Path path, String name, JsonNode node, long dataBytes) {
        String field = "tensor '" + name + "'";
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.path("data_offsets").size() != 2) {
            throw InputException.at(path, field, "expected {dtype, shape, data_offsets: [begin, end]}");
        }
        String dtype = node.get("dtype").asText();
        JsonNode shapeNode = node.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                String text = d.toString();
                throw InputException.at(path, field + ".shape", "dimension " + (text.length() > 30
                        ? text.substring(0, 27) + "..." : text) + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
        }
        JsonNode b = node.get("data_offsets").get(0);
        JsonNode e = node.get("data_offsets").get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()) {
            throw InputException.at(path, field + ".data_offsets", "offsets must be integers");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (end < begin) {
            throw InputException.at(path, field + ".data_offsets", "[" + begin + ", " + end + "]: the end is before"
                    + " the beginning");
        }
        if (begin < 0 || end > dataBytes) {
            throw InputException.at(path, field + ".data_offsets", "[" + begin + ", " + end
                    + "] does not fit the data section of " + dataBytes + " bytes");
        }
        TensorInfo info = new TensorInfo(name, dtype, shape, begin, end);
        long elementBytes = elementBytes(dtype);
        long elements;
        try {
            elements = info.elementCount();
        } catch (ArithmeticException overflow) {
            throw InputException.at(path, field + ".shape", "element count overflows");
        }
        if (elementBytes > 0 && (elements > Long.MAX_VALUE / elementBytes || elements * elementBytes != end - begin)) {
            throw InputException.at(path, field, "data_offsets span " + (end - begin) + " bytes but "
                    + dtype + " x " + java.util.Arrays.toString(shape) + " needs " + elements + " x " + elementBytes);
        }
        return info;
    }

    /**
     * Refuses two tensors whose bytes overlap (naming both), bytes that belong to no tensor, and data
     * after the last tensor: as the reference implementation, the tensors must tile the data section.
     */
    private static void checkLayout(Path path, Map<String, TensorInfo> infos, long dataBytes) {
        java.util.List<TensorInfo> sorted = new java.util.ArrayList<>(infos.values());
        sorted.removeIf(t -> t.byteLength() == 0);
        sorted.sort(java.util.Comparator.comparingLong(TensorInfo::dataBegin).thenComparingLong(TensorInfo::dataEnd));
        TensorInfo reach = null; // the tensor reaching furthest so far
        long covered = 0;
        for (TensorInfo t : sorted) {
            if (reach != null && t.dataBegin() < reach.dataEnd()) {
                throw InputException.at(path, "tensor '" + t.name() + "'.data_offsets", "bytes [" + t.dataBegin() + ", "
                        + t.dataEnd() + ") overlap tensor '" + reach.name() + "' at [" + reach.dataBegin() + ", "
                        + reach.dataEnd() + ")");
            }
            if (t.dataBegin() > covered) {
                throw InputException.at(path, "tensor '" + t.name() + "'.data_offsets", "bytes [" + covered + ", "
                        + t.dataBegin() + ") before it belong to no tensor");
            }
            if (reach == null || t.dataEnd() > reach.dataEnd()) {
                reach = t;
            }
            covered = Math.max(covered, t.dataEnd());
        }
        if (covered != dataBytes) {
            throw InputException.at(path, "data", (dataBytes - covered) + " bytes after the last tensor's data belong"
                    + " to no tensor (junk appended, or wrong data_offsets)");
        }
    }

    /** Element size of a safetensors dtype name, or 0 if unknown. */
    private static long elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0" -> 1;
            default -> 0;
        };
    }

    /** The file this was mapped from. */
    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public SequencedSet<String> names() {
        return Collections.unmodifiableSequencedSet(new java.util.LinkedHashSet<>(infos.keySet()));
    }

    /** Whether the header has tensor {@code name}. */
    public boolean has(String name) {
        return infos.containsKey(name);
    }

    /** All tensor entries by name, in header order. */
    public Map<String, TensorInfo> infos() {
        return infos;
    }

    /** The header entry of {@code name}; {@link InputException} if absent. */
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw InputException.at(path, "tensor '" + name + "'", "not found in " + path);
        }
        return info;
    }

    /** The {@code __metadata__} map (empty if the header has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The raw bytes of {@code name} (any dtype). */
    public MemorySegment bytes(String name) {
        TensorInfo info = info(name);
        return data.asSlice(info.dataBegin(), info.byteLength());
    }

    /**
     * A view of tensor {@code name} in the mapping. {@link InputException} if it is absent, its
     * dtype is not F32/BF16/F16, or a dimension exceeds {@code int}.
     */
    public Tensor tensor(String name) {
        TensorInfo info = info(name);
        DType dtype = DType.fromSafetensorsName(info.dtypeName());
        if (dtype == null) {
            throw InputException.at(path, "tensor '" + name + "'.dtype", "unsupported dtype " + info.dtypeName()
                    + " (moesim reads F32, BF16, F16)");
        }
        long[] shape = info.shape();
        int[] intShape = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw InputException.at(path, "tensor '" + name + "'.shape", "dimension " + shape[i] + " exceeds " + Integer.MAX_VALUE);
            }
            intShape[i] = (int) shape[i];
        }
        return Tensor.of(dtype, data.asSlice(info.dataBegin(), info.byteLength()), intShape);
    }

    /** Unmaps the file; views obtained from it must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
