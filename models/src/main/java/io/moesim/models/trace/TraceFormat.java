package io.moesim.models.trace;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Constants and header encoding of the trace file format (byte layout: {@code docs/trace-format.md}). */
final class TraceFormat {

    /** File signature: 0x89 "MOETRC" 0x0A. */
    static final byte[] MAGIC = {(byte) 0x89, 'M', 'O', 'E', 'T', 'R', 'C', '\n'};
    static final int VERSION = 1;
    /** Weight encoding code: IEEE-754 binary32, little-endian. */
    static final int WEIGHTS_FLOAT32 = 1;
    /** Tokens per chunk the writer aims for. */
    static final int CHUNK_TOKENS = 1024;
    /** Limits a reader applies before allocating. */
    static final int MAX_HEADER_BYTES = 16 << 20;
    static final int MAX_CHUNK_BYTES = 1 << 30;

    private TraceFormat() {
    }

    /** Bytes of one token record: seq, position, token id, then per recorded layer k ids and k weights. */
    static long recordBytes(TraceHeader header) {
        return 12L + (long) header.numRecordedLayers() * header.topK() * (header.expertIdBytes() + 4);
    }

    static byte[] encodeHeader(TraceHeader h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        putString(out, h.modelId());
        putString(out, h.architecture());
        putInt(out, h.numLayers());
        putInt(out, h.numRecordedLayers());
        for (int layer : h.moeLayers()) {
            putInt(out, layer);
        }
        putInt(out, h.numExperts());
        putInt(out, h.topK());
        out.write(h.expertIdBytes());
        out.write(WEIGHTS_FLOAT32);
        out.write(0);
        out.write(0);
        putInt(out, h.metadata().size());
        for (Map.Entry<String, String> e : h.metadata().entrySet()) {
            putString(out, e.getKey());
            putString(out, e.getValue());
        }
        return out.toByteArray();
    }

    static void putInt(ByteArrayOutputStream out, int value) {
        out.write(value);
        out.write(value >>> 8);
        out.write(value >>> 16);
        out.write(value >>> 24);
    }

    static void putString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        putInt(out, bytes.length);
        out.writeBytes(bytes);
    }

    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
