package io.moesim.simulator.network;

/** Bytes sent from GPU i to GPU j during one collective (an all-to-all dispatch or combine). */
public final class TrafficMatrix {

    private final double[][] bytes;

    /** A matrix over {@code numGpus} GPUs, all zero. */
    public TrafficMatrix(int numGpus) {
        this.bytes = new double[numGpus][numGpus];
    }

    /**
     * The traffic when GPU i holds a share {@code sourceTokens[i] / sum} of the tokens and each of
     * them sends that share of the {@code destinationCopies[j]} copies GPU j receives.
     */
    public static TrafficMatrix productForm(double[] sourceTokens, double[] destinationCopies, double bytesPerCopy) {
        int n = sourceTokens.length;
        TrafficMatrix m = new TrafficMatrix(n);
        double total = 0;
        for (double s : sourceTokens) {
            total += s;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m.bytes[i][j] = total == 0 ? 0 : bytesPerCopy * destinationCopies[j] * sourceTokens[i] / total;
            }
        }
        return m;
    }

    public int numGpus() {
        return bytes.length;
    }

    public double bytes(int from, int to) {
        return bytes[from][to];
    }

    public void set(int from, int to, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException("bytes must be >= 0, got " + value);
        }
        bytes[from][to] = value;
    }

    public void add(int from, int to, double value) {
        set(from, to, bytes[from][to] + value);
    }

    /** The reverse traffic (combine returns what dispatch sent), scaled by {@code factor} (e.g. BF16/FP8 size). */
    public TrafficMatrix transposed(double factor) {
        int n = numGpus();
        TrafficMatrix t = new TrafficMatrix(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t.bytes[j][i] = bytes[i][j] * factor;
            }
        }
        return t;
    }

    /** Sum of all entries. */
    public double totalBytes() {
        double sum = 0;
        for (double[] row : bytes) {
            for (double b : row) {
                sum += b;
            }
        }
        return sum;
    }
}
