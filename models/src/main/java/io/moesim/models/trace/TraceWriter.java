package io.moesim.models.trace;

import io.moesim.models.io.OutputFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a router trace file as tokens are routed, without holding the trace in memory.
 *
 * <p>The file is written to a temporary file next to the target and renamed onto it by
 * {@link #close()}, so a reader never sees a half-written trace; {@link #abort()} (or an exception
 * inside try-with-resources followed by {@code abort}) discards it. A target whose name ends in
 * {@code .gz} is gzip-compressed; readers detect that by themselves.
 *
 * <p>Two ways to append, which may be mixed between windows:
 * <ul>
 *   <li>one token at a time, all recorded layers at once: {@link #token(int, int, int, int[][], float[][])};</li>
 *   <li>a window of tokens, layer by layer, as a forward pass computes them:
 *       <pre>{@code
 * writer.beginWindow(seq, positions, tokenIds);       // the window's tokens
 * for each recorded MoE layer l (any order):
 *     writer.layer(l, experts, weights);               // [token in window][k], l = decoder-layer index
 * writer.endWindow();                                  // all recorded layers given -> appended
 *       }</pre></li>
 * </ul>
 *
 * <p>Every (token, layer) entry must hold exactly {@code topK} distinct expert ids in
 * {@code [0, numExperts)} with finite weights. The writer stores them ordered by descending
 * weight (a stable sort: equal weights keep the order given), so callers may pass them in any order.
 * Weights are stored as float32, exactly as given. Invalid arguments throw
 * {@link IllegalArgumentException} (they are the caller's bug, not the user's).
 *
 * <p>Not thread-safe.
 */
public final class TraceWriter implements AutoCloseable {

    private final Path target;
    private final OutputFiles.Pending pending;
    private final TraceHeader header;
    private final OutputStream out;
    private final int layers;
    private final int topK;
    private final int idBytes;
    private final int recordBytes;
    private final int chunkTokens;
    private final ByteBuffer chunk;
    private final CRC32 crc = new CRC32();
    private int chunkCount;
    private long tokensWritten;
    private boolean finished;

    // State of the window being recorded, if any.
    private int windowSeq;
    private int[] windowPositions;
    private int[] windowTokens;
    private int[] windowExperts;   // [token][recorded layer][k]
    private float[] windowWeights; // same layout
    private boolean[] windowLayerDone;

    private TraceWriter(Path target, TraceHeader header) throws IOException {
        this.target = target;
        this.header = header;
        this.layers = header.numRecordedLayers();
        this.topK = header.topK();
        this.idBytes = header.expertIdBytes();
        long bytes = TraceFormat.recordBytes(header);
        if (bytes > TraceFormat.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("one token record would take " + bytes + " bytes");
        }
        this.recordBytes = (int) bytes;
        this.chunkTokens = (int) Math.max(1, Math.min(TraceFormat.CHUNK_TOKENS, (8L << 20) / recordBytes));
        this.chunk = ByteBuffer.allocate(chunkTokens * recordBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.pending = OutputFiles.open(target);
        try {
            OutputStream buffered = new BufferedOutputStream(pending.stream(), 1 << 16);
            this.out = target.getFileName().toString().endsWith(".gz")
                    ? new GZIPOutputStream(buffered, 1 << 16) : buffered;
            writeHeader();
        } catch (IOException | RuntimeException e) {
            pending.close();
            throw e;
        }
    }

    /**
     * Starts writing a trace to {@code target} (gzip-compressed when the name ends in {@code .gz}).
     *
     * @throws io.moesim.models.InputException if the file cannot be created or written
     */
    public static TraceWriter create(Path target, TraceHeader header) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(header, "header");
        try {
            return new TraceWriter(target, header);
        } catch (IOException e) {
            throw OutputFiles.cannotWrite(target, e);
        }
    }

    /** The header being written. */
    public TraceHeader header() {
        return header;
    }

    /** Tokens appended so far (windows count once ended). */
    public long tokensWritten() {
        return tokensWritten;
    }

    /**
     * Appends one token's routing in every recorded layer.
     *
     * @param experts {@code [recorded layer index][k]}: the layer order of {@link TraceHeader#moeLayers()}
     * @param weights same shape as {@code experts}
     */
    public void token(int seq, int position, int tokenId, int[][] experts, float[][] weights) {
        requireOpen();
        if (windowPositions != null) {
            throw new IllegalStateException("a window is open: call endWindow() first");
        }
        if (experts.length != layers || weights.length != layers) {
            throw new IllegalArgumentException("expected " + layers + " recorded layers, got "
                    + experts.length + " expert rows and " + weights.length + " weight rows");
        }
        int[] ids = new int[layers * topK];
        float[] w = new float[layers * topK];
        for (int i = 0; i < layers; i++) {
            copyRow(experts[i], weights[i], ids, w, i * topK, "layer " + header.moeLayers().get(i));
        }
        appendToken(seq, position, tokenId, ids, w, 0);
    }

    /** Appends a {@link TokenRouting} (as read from another trace with the same layers, experts and top-k). */
    public void token(TokenRouting routing) {
        token(routing.seq(), routing.position(), routing.tokenId(), routing.experts(), routing.weights());
    }

    /**
     * Opens a window of tokens whose routing will be given layer by layer.
     *
     * @param seq       the sequence index of every token in the window
     * @param positions each token's position in the sequence
     * @param tokenIds  each token's id (same length as {@code positions})
     */
    public void beginWindow(int seq, int[] positions, int[] tokenIds) {
        requireOpen();
        if (windowPositions != null) {
            throw new IllegalStateException("a window is already open: call endWindow() first");
        }
        if (positions.length != tokenIds.length) {
            throw new IllegalArgumentException(positions.length + " positions but " + tokenIds.length + " token ids");
        }
        int n = positions.length;
        windowSeq = seq;
        windowPositions = positions.clone();
        windowTokens = tokenIds.clone();
        windowExperts = new int[n * layers * topK];
        windowWeights = new float[n * layers * topK];
        windowLayerDone = new boolean[layers];
    }

    /**
     * Gives the routing of every token of the open window in one MoE layer.
     *
     * @param decoderLayer the decoder-layer index (as in the checkpoint), one of {@link TraceHeader#moeLayers()}
     * @param experts      {@code [token in window][k]}
     * @param weights      same shape as {@code experts}
     */
    public void layer(int decoderLayer, int[][] experts, float[][] weights) {
        int li = beginLayer(decoderLayer);
        int n = windowPositions.length;
        if (experts.length != n || weights.length != n) {
            throw new IllegalArgumentException("window has " + n + " tokens, got "
                    + experts.length + " expert rows and " + weights.length + " weight rows");
        }
        for (int t = 0; t < n; t++) {
            copyRow(experts[t], weights[t], windowExperts, windowWeights, (t * layers + li) * topK,
                    "layer " + decoderLayer + ", window token " + t);
        }
        windowLayerDone[li] = true;
    }

    /**
     * Same as {@link #layer(int, int[][], float[][])} with flat arrays: the j-th choice of window
     * token t is at {@code t * topK + j}.
     */
    public void layer(int decoderLayer, int[] experts, float[] weights) {
        int li = beginLayer(decoderLayer);
        int n = windowPositions.length;
        if (experts.length != n * topK || weights.length != n * topK) {
            throw new IllegalArgumentException("window of " + n + " tokens needs " + n * topK
                    + " entries, got " + experts.length + " experts and " + weights.length + " weights");
        }
        for (int t = 0; t < n; t++) {
            int dst = (t * layers + li) * topK;
            System.arraycopy(experts, t * topK, windowExperts, dst, topK);
            System.arraycopy(weights, t * topK, windowWeights, dst, topK);
            checkAndSort(header, windowExperts, windowWeights, dst, "layer " + decoderLayer + ", window token " + t);
        }
        windowLayerDone[li] = true;
    }

    /** Appends the open window's tokens; every recorded layer must have been given. */
    public void endWindow() {
        requireOpen();
        if (windowPositions == null) {
            throw new IllegalStateException("no window is open");
        }
        for (int li = 0; li < layers; li++) {
            if (!windowLayerDone[li]) {
                throw new IllegalStateException("window ended without layer " + header.moeLayers().get(li));
            }
        }
        int[] positions = windowPositions;
        windowPositions = null;
        for (int t = 0; t < positions.length; t++) {
            appendToken(windowSeq, positions[t], windowTokens[t], windowExperts, windowWeights, t * layers * topK);
        }
        windowTokens = null;
        windowExperts = null;
        windowWeights = null;
        windowLayerDone = null;
    }

    /**
     * Writes the end of the trace and renames the temporary file onto the target. A window still
     * open is an error (its tokens are not written and the trace is discarded).
     */
    @Override
    public void close() {
        if (finished) {
            return;
        }
        if (windowPositions != null) {
            abort();
            throw new IllegalStateException("closed with a window still open; trace discarded");
        }
        if (tokensWritten == 0) {
            abort();
            throw new IllegalStateException("no tokens were given; an empty trace is not written");
        }
        finished = true;
        try {
            flushChunk();
            ByteBuffer end = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            end.putInt(0).putLong(tokensWritten);
            out.write(end.array());
            out.close();
        } catch (IOException e) {
            pending.close();
            throw OutputFiles.cannotWrite(target, e);
        }
        pending.commit();
    }

    /** Discards everything written; the target is left untouched. Safe to call more than once. */
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // The file is deleted anyway.
        }
        pending.close();
    }

    private int beginLayer(int decoderLayer) {
        requireOpen();
        if (windowPositions == null) {
            throw new IllegalStateException("no window is open: call beginWindow() first");
        }
        int li = header.recordedIndexOf(decoderLayer);
        if (li < 0) {
            throw new IllegalArgumentException("layer " + decoderLayer + " is not a recorded layer " + header.moeLayers());
        }
        if (windowLayerDone[li]) {
            throw new IllegalStateException("layer " + decoderLayer + " given twice for this window");
        }
        return li;
    }

    private void copyRow(int[] experts, float[] weights, int[] ids, float[] w, int offset, String where) {
        if (experts.length != topK || weights.length != topK) {
            throw new IllegalArgumentException(where + ": expected top-" + topK + ", got "
                    + experts.length + " experts and " + weights.length + " weights");
        }
        System.arraycopy(experts, 0, ids, offset, topK);
        System.arraycopy(weights, 0, w, offset, topK);
        checkAndSort(header, ids, w, offset, where);
    }

    /**
     * Checks the {@code topK} entries at {@code offset} (ids in range and distinct, weights finite)
     * and sorts them by descending weight, stably.
     */
    static void checkAndSort(TraceHeader header, int[] ids, float[] w, int offset, String where) {
        int k = header.topK();
        for (int j = 0; j < k; j++) {
            int id = ids[offset + j];
            if (id < 0 || id >= header.numExperts()) {
                throw new IllegalArgumentException(where + ": expert " + id + " outside [0, " + header.numExperts() + ")");
            }
            if (!Float.isFinite(w[offset + j]) || w[offset + j] < 0) {
                throw new IllegalArgumentException(where + ": weight of expert " + id + " is " + w[offset + j]
                        + ", not a finite number >= 0");
            }
            for (int i = 0; i < j; i++) {
                if (ids[offset + i] == id) {
                    throw new IllegalArgumentException(where + ": expert " + id + " chosen twice");
                }
            }
        }
        // Insertion sort: k is small, and it is stable.
        for (int j = 1; j < k; j++) {
            int id = ids[offset + j];
            float weight = w[offset + j];
            int i = j - 1;
            while (i >= 0 && w[offset + i] < weight) {
                ids[offset + i + 1] = ids[offset + i];
                w[offset + i + 1] = w[offset + i];
                i--;
            }
            ids[offset + i + 1] = id;
            w[offset + i + 1] = weight;
        }
    }

    private void appendToken(int seq, int position, int tokenId, int[] ids, float[] w, int offset) {
        chunk.putInt(seq).putInt(position).putInt(tokenId);
        for (int li = 0; li < layers; li++) {
            int base = offset + li * topK;
            for (int j = 0; j < topK; j++) {
                if (idBytes == 1) {
                    chunk.put((byte) ids[base + j]);
                } else {
                    chunk.putShort((short) ids[base + j]);
                }
            }
            for (int j = 0; j < topK; j++) {
                chunk.putFloat(w[base + j]);
            }
        }
        chunkCount++;
        tokensWritten++;
        if (chunkCount == chunkTokens) {
            try {
                flushChunk();
            } catch (IOException e) {
                abort();
                throw OutputFiles.cannotWrite(target, e);
            }
        }
    }

    private void writeHeader() throws IOException {
        byte[] body = TraceFormat.encodeHeader(header);
        ByteBuffer start = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        start.put(TraceFormat.MAGIC).putShort((short) TraceFormat.VERSION).putShort((short) 0).putInt(body.length);
        out.write(start.array());
        out.write(body);
        crc.reset();
        crc.update(body);
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array());
    }

    private void flushChunk() throws IOException {
        if (chunkCount == 0) {
            return;
        }
        byte[] count = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(chunkCount).array();
        out.write(count);
        out.write(chunk.array(), 0, chunk.position());
        crc.reset();
        crc.update(chunk.array(), 0, chunk.position());
        out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue()).array());
        chunk.clear();
        chunkCount = 0;
    }

    private void requireOpen() {
        if (finished) {
            throw new IllegalStateException("trace writer for " + target + " is closed");
        }
    }

    @Override
    public String toString() {
        return "TraceWriter[" + target + ", " + tokensWritten + " tokens, layers " + Arrays.toString(header.moeLayers().toArray()) + "]";
    }
}
