package io.moesim.models.trace;

import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads a router trace file token by token, checking it as it goes (plain or gzip-compressed;
 * detected from the first bytes).
 *
 * <pre>{@code
 * try (TraceReader reader = TraceReader.open(path)) {
 *     TraceHeader header = reader.header();
 *     for (TokenRouting t; (t = reader.next()) != null; ) { ... }
 * }
 * }</pre>
 *
 * <p>A file that is not a trace (wrong magic), has an unsupported version, is cut short, fails a
 * checksum or holds an expert id outside {@code [0, numExperts)} throws one {@link InputException}
 * whose message names the file and what is wrong. The end of the trace is only accepted after its
 * end marker has been read and the token count in it matches. To load a whole trace into arrays,
 * use {@link RouterTrace#read(Path)}.
 */
public final class TraceReader implements AutoCloseable {

    private final Path file;
    private final InputStream in;
    private final TraceHeader header;
    private final int layers;
    private final int topK;
    private final int idBytes;
    private final int recordBytes;
    private final CRC32 crc = new CRC32();
    private long offset;       // bytes consumed from the (uncompressed) stream
    private long tokensRead;
    private boolean ended;

    // The decoded current chunk.
    private int chunkTokens;
    private int chunkNext;
    private int[] seqs = new int[0];
    private int[] positions = new int[0];
    private int[] tokenIds = new int[0];
    private int[] experts = new int[0];   // [token][layer][k]
    private float[] weights = new float[0];

    private TraceReader(Path file, InputStream in) {
        this.file = file;
        this.in = in;
        this.header = readHeader();
        this.layers = header.numRecordedLayers();
        this.topK = header.topK();
        this.idBytes = header.expertIdBytes();
        this.recordBytes = (int) TraceFormat.recordBytes(header);
    }

    /** Opens {@code file} and reads its header. */
    public static TraceReader open(Path file) {
        InputStream raw;
        if (Files.isDirectory(file)) {
            throw InputException.at(file, "file", "is a folder, expected a trace file");
        }
        try {
            raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new InputException(file + ": no such file");
        } catch (IOException e) {
            throw InputException.at(file, "file", "cannot read: " + InputFiles.describe(e));
        }
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new StrictGzipInputStream(raw), 1 << 16) : raw;
            return new TraceReader(file, in);
        } catch (IOException e) {
            closeQuietly(raw);
            throw InputException.at(file, "file", "cannot read: " + reason(e));
        } catch (RuntimeException e) {
            closeQuietly(raw);
            throw e;
        }
    }

    /** The trace's header. */
    public TraceHeader header() {
        return header;
    }

    /** The file being read. */
    public Path file() {
        return file;
    }

    /** The next token's routing, or {@code null} after the last one (the end marker has then been checked). */
    public TokenRouting next() {
        if (!advance()) {
            return null;
        }
        int t = chunkNext - 1;
        int[][] e = new int[layers][topK];
        float[][] w = new float[layers][topK];
        for (int li = 0; li < layers; li++) {
            int base = (t * layers + li) * topK;
            System.arraycopy(experts, base, e[li], 0, topK);
            System.arraycopy(weights, base, w[li], 0, topK);
        }
        return new TokenRouting(seqs[t], positions[t], tokenIds[t], e, w);
    }

    /**
     * Moves to the next token without allocating; its fields are then read through
     * {@link #currentSeq()}, {@link #currentExperts()} and friends. Returns false at the end.
     */
    boolean advance() {
        if (chunkNext == chunkTokens) {
            if (ended || !readChunk()) {
                return false;
            }
        }
        chunkNext++;
        return true;
    }

    int currentSeq() {
        return seqs[chunkNext - 1];
    }

    int currentPosition() {
        return positions[chunkNext - 1];
    }

    int currentTokenId() {
        return tokenIds[chunkNext - 1];
    }

    /** Flat experts of the current chunk; the current token's start at {@link #currentOffset()}. */
    int[] currentExperts() {
        return experts;
    }

    float[] currentWeights() {
        return weights;
    }

    int currentOffset() {
        return (chunkNext - 1) * layers * topK;
    }

    @Override
    public void close() {
        closeQuietly(in);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // Reading is over; nothing to recover.
        }
    }

    /** An I/O failure in the user's terms: the gzip layer's own messages, or the operating system's reason. */
    private static String reason(IOException e) {
        if ((e instanceof java.util.zip.ZipException || e instanceof java.io.EOFException) && e.getMessage() != null) {
            return e.getMessage();
        }
        return InputFiles.describe(e);
    }

    private InputException bad(String field, String problem) {
        return InputException.at(file, field, problem);
    }

    private byte[] readFully(int n, String what) {
        byte[] bytes;
        try {
            bytes = in.readNBytes(n);
        } catch (IOException e) {
            throw InputException.at(file, what, "cannot read: " + reason(e));
        }
        if (bytes.length < n) {
            throw InputException.at(file, what, "file is truncated: needed " + n + " bytes at byte "
                    + offset + ", found " + bytes.length);
        }
        offset += n;
        return bytes;
    }

    private TraceHeader readHeader() {
        byte[] start;
        try {
            start = in.readNBytes(16);
        } catch (IOException e) {
            throw InputException.at(file, "header", "cannot read: " + reason(e));
        }
        if (start.length == 0) {
            throw InputException.at(file, "magic", "the file is empty, not a moesim router trace");
        }
        int prefix = Math.min(start.length, TraceFormat.MAGIC.length);
        if (start.length < TraceFormat.MAGIC.length
                && Arrays.equals(start, 0, prefix, TraceFormat.MAGIC, 0, prefix)) {
            throw InputException.at(file, "header", "file is truncated after " + start.length + " bytes");
        }
        if (start.length < TraceFormat.MAGIC.length
                || !Arrays.equals(start, 0, TraceFormat.MAGIC.length, TraceFormat.MAGIC, 0, TraceFormat.MAGIC.length)) {
            throw InputException.at(file, "magic", "not a moesim router trace (wrong magic bytes)");
        }
        if (start.length < 16) {
            throw InputException.at(file, "header", "file is truncated after " + start.length + " bytes");
        }
        offset = 16;
        ByteBuffer b = TraceFormat.le(start);
        b.position(8);
        int version = Short.toUnsignedInt(b.getShort());
        if (version != TraceFormat.VERSION) {
            throw bad("version", "unsupported trace format version " + version + " (this moesim reads version "
                    + TraceFormat.VERSION + ")");
        }
        b.getShort();
        int headerBytes = b.getInt();
        if (headerBytes < 0 || headerBytes > TraceFormat.MAX_HEADER_BYTES) {
            throw bad("header", "header length " + Integer.toUnsignedString(headerBytes) + " is out of range");
        }
        byte[] body = readFully(headerBytes, "header");
        int stored = TraceFormat.le(readFully(4, "header checksum")).getInt();
        crc.reset();
        crc.update(body);
        if ((int) crc.getValue() != stored) {
            throw bad("header", "checksum mismatch (corrupt file)");
        }
        return parseHeader(TraceFormat.le(body));
    }

    private TraceHeader parseHeader(ByteBuffer b) {
        try {
            String modelId = string(b, "header.model");
            String architecture = string(b, "header.architecture");
            int numLayers = b.getInt();
            int recorded = b.getInt();
            if (recorded <= 0 || recorded > numLayers) {
                throw bad("header.num_recorded", Integer.toUnsignedString(recorded) + " recorded layers for a model of "
                        + numLayers + " layers (num_layers)");
            }
            if (recorded > b.remaining() / 4) {
                throw bad("header.num_recorded", recorded + " recorded layers do not fit the " + b.remaining()
                        + " bytes left in the header");
            }
            List<Integer> moeLayers = new ArrayList<>(recorded);
            for (int i = 0; i < recorded; i++) {
                moeLayers.add(b.getInt());
            }
            int numExperts = b.getInt();
            int topK = b.getInt();
            int idBytes = b.get();
            int weightFormat = b.get();
            b.getShort();
            if (weightFormat != TraceFormat.WEIGHTS_FLOAT32) {
                throw bad("header.weight_format", "unsupported weight encoding " + weightFormat);
            }
            int entries = b.getInt();
            if (entries < 0 || entries > b.remaining() / 8) {
                throw bad("header.metadata", "entry count " + entries + " is out of range");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (int i = 0; i < entries; i++) {
                String key = string(b, "header.metadata");
                if (metadata.put(key, string(b, "header.metadata." + key)) != null) {
                    throw bad("header.metadata." + key, "key given twice");
                }
            }
            if (b.hasRemaining()) {
                throw bad("header", b.remaining() + " unexpected bytes at the end of the header");
            }
            if (numLayers <= 0) {
                throw bad("header.num_layers", "must be > 0, got " + numLayers);
            }
            for (int i = 0; i < moeLayers.size(); i++) {
                int layer = moeLayers.get(i);
                if (layer < 0 || layer >= numLayers || (i > 0 && layer <= moeLayers.get(i - 1))) {
                    throw bad("header.moe_layers", "must be strictly increasing layer indices in [0, num_layers "
                            + numLayers + "), got " + moeLayers);
                }
            }
            if (numExperts <= 0 || numExperts > TraceHeader.MAX_EXPERTS) {
                throw bad("header.num_experts", "must be in [1, " + TraceHeader.MAX_EXPERTS + "], got "
                        + Integer.toUnsignedString(numExperts));
            }
            if (topK <= 0 || topK > numExperts) {
                throw bad("header.top_k", "must be in [1, num_experts " + numExperts + "], got "
                        + Integer.toUnsignedString(topK));
            }
            TraceHeader h;
            try {
                h = new TraceHeader(modelId, architecture, numLayers, moeLayers, numExperts, topK, metadata);
            } catch (IllegalArgumentException e) {
                throw bad("header", e.getMessage());
            }
            if (idBytes != h.expertIdBytes()) {
                throw bad("header.expert_id_bytes", idBytes + " does not match " + numExperts + " experts");
            }
            if (TraceFormat.recordBytes(h) > TraceFormat.MAX_CHUNK_BYTES) {
                throw bad("header", "token records of " + TraceFormat.recordBytes(h) + " bytes are too large");
            }
            return h;
        } catch (java.nio.BufferUnderflowException e) {
            throw bad("header", "header ends early");
        }
    }

    private String string(ByteBuffer b, String field) {
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            throw bad(field, "string length " + Integer.toUnsignedString(length) + " is out of range");
        }
        ByteBuffer slice = b.slice(b.position(), length);
        b.position(b.position() + length);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw bad(field, "not valid UTF-8");
        }
    }

    /**
     * The writer's rules for one (token, layer) entry: distinct experts, weights finite and >= 0, by
     * descending weight.
     */
    private void checkEntry(long token, int layer, int base) {
        for (int j = 0; j < topK; j++) {
            float w = weights[base + j];
            String field = "token " + token + ".layer " + layer;
            if (!Float.isFinite(w) || w < 0) {
                throw bad(field + ".weights", "weight " + w + " of expert " + experts[base + j]
                        + " is not a finite number >= 0");
            }
            if (j > 0 && w > weights[base + j - 1]) {
                throw bad(field + ".weights", "weights are not in descending order (" + weights[base + j - 1] + " then "
                        + w + ")");
            }
            for (int i = 0; i < j; i++) {
                if (experts[base + i] == experts[base + j]) {
                    throw bad(field + ".experts", "expert " + experts[base + j] + " chosen twice");
                }
            }
        }
    }

    /** Reads and decodes the next chunk; returns false at the (checked) end marker. */
    private boolean readChunk() {
        long chunkStart = offset;
        int count = TraceFormat.le(readFully(4, "token " + tokensRead + ": chunk")).getInt();
        if (count == 0) {
            long total = TraceFormat.le(readFully(8, "end marker")).getLong();
            if (total != tokensRead) {
                throw bad("end marker", "says " + total + " tokens but " + tokensRead + " were read");
            }
            if (tokensRead == 0) {
                throw bad("end marker", "the trace holds no tokens");
            }
            int extra;
            try {
                extra = in.read();
            } catch (IOException e) {
                throw bad("end marker", "after the end of the trace: " + reason(e));
            }
            if (extra != -1) {
                throw bad("end marker", "unexpected data after the end of the trace");
            }
            ended = true;
            chunkTokens = 0;
            chunkNext = 0;
            return false;
        }
        if (count < 0 || (long) count * recordBytes > TraceFormat.MAX_CHUNK_BYTES) {
            throw bad("chunk at byte " + chunkStart, "token count " + Integer.toUnsignedString(count) + " is out of range");
        }
        String where = "tokens " + tokensRead + ".." + (tokensRead + count - 1);
        byte[] payload = readFully(count * recordBytes, where);
        int stored = TraceFormat.le(readFully(4, where + " checksum")).getInt();
        crc.reset();
        crc.update(payload);
        if ((int) crc.getValue() != stored) {
            throw bad(where, "checksum mismatch (corrupt file)");
        }
        decode(payload, count);
        return true;
    }

    private void decode(byte[] payload, int count) {
        int entries = count * layers * topK;
        if (seqs.length < count) {
            seqs = new int[count];
            positions = new int[count];
            tokenIds = new int[count];
        }
        if (experts.length < entries) {
            experts = new int[entries];
            weights = new float[entries];
        }
        ByteBuffer b = TraceFormat.le(payload);
        int numExperts = header.numExperts();
        for (int t = 0; t < count; t++) {
            seqs[t] = b.getInt();
            positions[t] = b.getInt();
            tokenIds[t] = b.getInt();
            for (int li = 0; li < layers; li++) {
                int base = (t * layers + li) * topK;
                for (int j = 0; j < topK; j++) {
                    int id = idBytes == 1 ? Byte.toUnsignedInt(b.get()) : Short.toUnsignedInt(b.getShort());
                    if (id >= numExperts) {
                        throw bad("token " + (tokensRead + t) + ".layer " + header.moeLayers().get(li) + ".experts",
                                "expert " + id + " >= expert count " + numExperts);
                    }
                    experts[base + j] = id;
                }
                for (int j = 0; j < topK; j++) {
                    weights[base + j] = b.getFloat();
                }
                checkEntry(tokensRead + t, header.moeLayers().get(li), base);
            }
        }
        tokensRead += count;
        chunkTokens = count;
        chunkNext = 0;
    }
}
