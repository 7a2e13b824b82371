package io.moesim.simulator.network;

/**
 * Tensor-parallel collectives over {@code n} GPUs connected by one kind of link (NVLink within a
 * domain). Standard ring/tree cost formulas with the link's achievable bandwidth as bus bandwidth.
 */
public final class Collectives {

    private Collectives() {
    }

    /** Ring all-reduce of {@code bytes} (the full buffer on each GPU): 2(n-1)/n x bytes / bw + 2(n-1) x latency. */
    public static double ringAllReduceSeconds(double bytes, int n, LinkSpec link) {
        if (n <= 1) {
            return 0;
        }
        return 2.0 * (n - 1) / n * bytes / link.bytesPerSecond() + 2.0 * (n - 1) * link.latencySeconds();
    }

    /** Tree (double binary tree) all-reduce: 2 x bytes / bw + 2 ceil(log2 n) x latency; better for small buffers. */
    public static double treeAllReduceSeconds(double bytes, int n, LinkSpec link) {
        if (n <= 1) {
            return 0;
        }
        int depth = 32 - Integer.numberOfLeadingZeros(n - 1);
        return 2.0 * bytes / link.bytesPerSecond() + 2.0 * depth * link.latencySeconds();
    }

    /** The faster of ring and tree all-reduce (what NCCL's tuner picks, roughly). */
    public static double allReduceSeconds(double bytes, int n, LinkSpec link) {
        return Math.min(ringAllReduceSeconds(bytes, n, link), treeAllReduceSeconds(bytes, n, link));
    }

    /** Ring all-gather producing {@code bytes} on each GPU: (n-1)/n x bytes / bw + (n-1) x latency. */
    public static double allGatherSeconds(double bytes, int n, LinkSpec link) {
        if (n <= 1) {
            return 0;
        }
        return (double) (n - 1) / n * bytes / link.bytesPerSecond() + (n - 1) * link.latencySeconds();
    }

    /** Ring reduce-scatter of a {@code bytes} buffer: same cost as all-gather. */
    public static double reduceScatterSeconds(double bytes, int n, LinkSpec link) {
        return allGatherSeconds(bytes, n, link);
    }
}
