package io.moesim.models.trace;

import io.moesim.models.InputException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A whole router trace in memory, in flat arrays for fast replay.
 *
 * <p>Tokens are numbered {@code 0..numTokens()-1} in file order; layers by their recorded index
 * {@code 0..numRecordedLayers()-1} (decoder layer {@code header().moeLayers().get(i)}); choices by
 * rank {@code 0..topK()-1}, by descending weight. {@link #expert(int, int, int)} and
 * {@link #weight(int, int, int)} read one entry; {@link #copyExperts(int, int, int[], int)} and
 * {@link #copyWeights(int, int, float[], int)} copy a token's top-k in one layer. The arrays
 * themselves are not exposed, so a trace stays immutable.
 *
 * <p>Immutable once built. Build one with {@link #builder(TraceHeader)}, or read a file with
 * {@link #read(Path)}; {@link #write(Path)} writes it back.
 */
public final class RouterTrace {

    private final TraceHeader header;
    private final int numTokens;
    private final int layers;
    private final int topK;
    private final int[] seqs;
    private final int[] positions;
    private final int[] tokenIds;
    private final short[] experts;  // unsigned 16-bit ids, [token][layer][k]
    private final float[] weights;  // same layout

    private RouterTrace(TraceHeader header, int numTokens, int[] seqs, int[] positions, int[] tokenIds,
                        short[] experts, float[] weights) {
        this.header = header;
        this.numTokens = numTokens;
        this.layers = header.numRecordedLayers();
        this.topK = header.topK();
        this.seqs = seqs;
        this.positions = positions;
        this.tokenIds = tokenIds;
        this.experts = experts;
        this.weights = weights;
    }

    /** Loads the whole trace in {@code file}; bad files throw {@link InputException} as in {@link TraceReader}. */
    public static RouterTrace read(Path file) {
        try (TraceReader reader = TraceReader.open(file)) {
            Builder builder = builder(reader.header());
            while (reader.advance()) {
                if (builder.size == Integer.MAX_VALUE - 8
                        || (long) (builder.size + 1) * builder.stride > Integer.MAX_VALUE - 8) {
                    throw new InputException(file + ": too many tokens to load in memory; read it with TraceReader");
                }
                builder.appendRaw(reader.currentSeq(), reader.currentPosition(), reader.currentTokenId(),
                        reader.currentExperts(), reader.currentWeights(), reader.currentOffset());
            }
            return builder.build();
        }
    }

    /** Writes this trace to {@code file} (temp file + rename; gzip when the name ends in {@code .gz}). */
    public void write(Path file) {
        try (TraceWriter writer = TraceWriter.create(file, header)) {
            for (int t = 0; t < numTokens; t++) {
                writer.token(token(t));
            }
        }
    }

    /** A builder for a trace with this header. */
    public static Builder builder(TraceHeader header) {
        return new Builder(header);
    }

    public TraceHeader header() {
        return header;
    }

    public int numTokens() {
        return numTokens;
    }

    public int numRecordedLayers() {
        return layers;
    }

    public int topK() {
        return topK;
    }

    public int numExperts() {
        return header.numExperts();
    }

    /** Decoder-layer index of recorded layer {@code layerIndex}. */
    public int decoderLayer(int layerIndex) {
        return header.moeLayers().get(layerIndex);
    }

    public int seq(int token) {
        return seqs[Objects.checkIndex(token, numTokens)];
    }

    public int position(int token) {
        return positions[Objects.checkIndex(token, numTokens)];
    }

    public int tokenId(int token) {
        return tokenIds[Objects.checkIndex(token, numTokens)];
    }

    /** The {@code rank}-th expert (by descending weight) of {@code token} in recorded layer {@code layerIndex}. */
    public int expert(int token, int layerIndex, int rank) {
        return Short.toUnsignedInt(experts[index(token, layerIndex, rank)]);
    }

    /** The gate weight of {@link #expert(int, int, int)}. */
    public float weight(int token, int layerIndex, int rank) {
        return weights[index(token, layerIndex, rank)];
    }

    /** Copies the top-k expert ids of {@code token} in {@code layerIndex} into {@code dst} at {@code dstOffset}. */
    public void copyExperts(int token, int layerIndex, int[] dst, int dstOffset) {
        int base = index(token, layerIndex, 0);
        for (int j = 0; j < topK; j++) {
            dst[dstOffset + j] = Short.toUnsignedInt(experts[base + j]);
        }
    }

    /** Copies the top-k weights of {@code token} in {@code layerIndex} into {@code dst} at {@code dstOffset}. */
    public void copyWeights(int token, int layerIndex, float[] dst, int dstOffset) {
        System.arraycopy(weights, index(token, layerIndex, 0), dst, dstOffset, topK);
    }

    /** One token's routing in every recorded layer (freshly allocated arrays). */
    public TokenRouting token(int token) {
        int[][] e = new int[layers][topK];
        float[][] w = new float[layers][topK];
        for (int li = 0; li < layers; li++) {
            copyExperts(token, li, e[li], 0);
            copyWeights(token, li, w[li], 0);
        }
        return new TokenRouting(seqs[token], positions[token], tokenIds[token], e, w);
    }

    private int index(int token, int layerIndex, int rank) {
        Objects.checkIndex(token, numTokens);
        Objects.checkIndex(layerIndex, layers);
        Objects.checkIndex(rank, topK);
        return (token * layers + layerIndex) * topK + rank;
    }

    /**
     * Collects tokens into a {@link RouterTrace}. Entries are checked and sorted by descending
     * weight exactly as {@link TraceWriter} does; invalid ones throw {@link IllegalArgumentException}.
     */
    public static final class Builder {
        private final TraceHeader header;
        private final int stride;
        private int size;
        private int[] seqs = new int[16];
        private int[] positions = new int[16];
        private int[] tokenIds = new int[16];
        private short[] experts;
        private float[] weights;
        private final int[] rowIds;
        private final float[] rowWeights;

        private Builder(TraceHeader header) {
            this.header = Objects.requireNonNull(header, "header");
            this.stride = header.numRecordedLayers() * header.topK();
            this.experts = new short[16 * stride];
            this.weights = new float[16 * stride];
            this.rowIds = new int[header.topK()];
            this.rowWeights = new float[header.topK()];
        }

        /** Appends one token; {@code experts}/{@code weights} are {@code [recorded layer index][k]}. */
        public Builder add(int seq, int position, int tokenId, int[][] experts, float[][] weights) {
            int layers = header.numRecordedLayers();
            int k = header.topK();
            if (experts.length != layers || weights.length != layers) {
                throw new IllegalArgumentException("expected " + layers + " recorded layers, got "
                        + experts.length + " expert rows and " + weights.length + " weight rows");
            }
            ensure(size + 1);
            int base = size * stride;
            for (int li = 0; li < layers; li++) {
                if (experts[li].length != k || weights[li].length != k) {
                    throw new IllegalArgumentException("layer " + header.moeLayers().get(li) + ": expected top-" + k);
                }
                System.arraycopy(experts[li], 0, rowIds, 0, k);
                System.arraycopy(weights[li], 0, rowWeights, 0, k);
                TraceWriter.checkAndSort(header, rowIds, rowWeights, 0, "token " + size + ", layer " + header.moeLayers().get(li));
                for (int j = 0; j < k; j++) {
                    this.experts[base + li * k + j] = (short) rowIds[j];
                    this.weights[base + li * k + j] = rowWeights[j];
                }
            }
            seqs[size] = seq;
            this.positions[size] = position;
            tokenIds[size] = tokenId;
            size++;
            return this;
        }

        /** Appends a token's routing. */
        public Builder add(TokenRouting routing) {
            return add(routing.seq(), routing.position(), routing.tokenId(), routing.experts(), routing.weights());
        }

        /** Appends already checked and sorted entries (from a reader). */
        void appendRaw(int seq, int position, int tokenId, int[] ids, float[] w, int offset) {
            ensure(size + 1);
            int base = size * stride;
            for (int i = 0; i < stride; i++) {
                experts[base + i] = (short) ids[offset + i];
            }
            System.arraycopy(w, offset, weights, base, stride);
            seqs[size] = seq;
            positions[size] = position;
            tokenIds[size] = tokenId;
            size++;
        }

        /** Tokens added so far. */
        public int size() {
            return size;
        }

        public RouterTrace build() {
            return new RouterTrace(header, size, Arrays.copyOf(seqs, size), Arrays.copyOf(positions, size),
                    Arrays.copyOf(tokenIds, size), Arrays.copyOf(experts, size * stride), Arrays.copyOf(weights, size * stride));
        }

        private void ensure(int tokens) {
            if (tokens <= seqs.length) {
                return;
            }
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(tokens, 2L * seqs.length));
            if ((long) capacity * stride > Integer.MAX_VALUE - 8) {
                capacity = Math.max(tokens, (Integer.MAX_VALUE - 8) / stride);
                if ((long) tokens * stride > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("trace too large to hold in memory");
                }
            }
            seqs = Arrays.copyOf(seqs, capacity);
            positions = Arrays.copyOf(positions, capacity);
            tokenIds = Arrays.copyOf(tokenIds, capacity);
            experts = Arrays.copyOf(experts, capacity * stride);
            weights = Arrays.copyOf(weights, capacity * stride);
        }
    }
}
