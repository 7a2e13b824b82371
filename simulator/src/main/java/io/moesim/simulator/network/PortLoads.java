package io.moesim.simulator.network;

/**
 * Bytes that each GPU sends and receives over NVLink (inside its domain) and over its NIC
 * (across domains) during one collective. Traffic from a GPU to itself uses no port.
 */
public record PortLoads(double[] nvlinkOutBytes, double[] nvlinkInBytes, double[] nicOutBytes, double[] nicInBytes) {

    /** Port loads of an explicit traffic matrix {@code bytes[i][j]} from GPU i to GPU j. */
    public static PortLoads of(TrafficMatrix traffic, Topology topology) {
        int n = traffic.numGpus();
        if (n != topology.numGpus()) {
            throw new IllegalArgumentException("traffic matrix has " + n + " GPUs, topology " + topology.numGpus());
        }
        double[] nvOut = new double[n], nvIn = new double[n], nicOut = new double[n], nicIn = new double[n];
        for (int i = 0; i < n; i++) {
            int di = topology.domain(i);
            for (int j = 0; j < n; j++) {
                double b = traffic.bytes(i, j);
                if (i == j || b == 0) {
                    continue;
                }
                if (topology.domain(j) == di) {
                    nvOut[i] += b;
                    nvIn[j] += b;
                } else {
                    nicOut[i] += b;
                    nicIn[j] += b;
                }
            }
        }
        return new PortLoads(nvOut, nvIn, nicOut, nicIn);
    }

    /**
     * Port loads of a product-form traffic matrix, computed in O(GPUs) without building it:
     * GPU i holds a share {@code sourceTokens[i] / sum} of the tokens and sends that share of
     * the {@code destinationCopies[j]} token copies GPU j receives, {@code bytesPerCopy} each.
     * Equal to {@link #of} on {@link TrafficMatrix#productForm} with the same arguments.
     */
    public static PortLoads productForm(double[] sourceTokens, double[] destinationCopies, double bytesPerCopy,
                                        Topology topology) {
        int n = topology.numGpus();
        if (sourceTokens.length != n || destinationCopies.length != n) {
            throw new IllegalArgumentException("arrays must have one entry per GPU (" + n + ")");
        }
        int domains = topology.numDomains();
        double[] srcByDomain = new double[domains];
        double[] dstByDomain = new double[domains];
        double srcTotal = 0, dstTotal = 0;
        for (int g = 0; g < n; g++) {
            srcByDomain[topology.domain(g)] += sourceTokens[g];
            dstByDomain[topology.domain(g)] += destinationCopies[g];
            srcTotal += sourceTokens[g];
            dstTotal += destinationCopies[g];
        }
        double[] nvOut = new double[n], nvIn = new double[n], nicOut = new double[n], nicIn = new double[n];
        if (srcTotal == 0) {
            return new PortLoads(nvOut, nvIn, nicOut, nicIn);
        }
        for (int g = 0; g < n; g++) {
            int d = topology.domain(g);
            double share = sourceTokens[g] / srcTotal;
            double copies = destinationCopies[g];
            nvOut[g] = bytesPerCopy * share * (dstByDomain[d] - copies);
            nicOut[g] = bytesPerCopy * share * (dstTotal - dstByDomain[d]);
            nvIn[g] = bytesPerCopy * copies * (srcByDomain[d] - sourceTokens[g]) / srcTotal;
            nicIn[g] = bytesPerCopy * copies * (srcTotal - srcByDomain[d]) / srcTotal;
        }
        return new PortLoads(nvOut, nvIn, nicOut, nicIn);
    }

    /** Total bytes that crossed any port (each byte counted once, at its sender). */
    public double totalBytes() {
        double sum = 0;
        for (int g = 0; g < nvlinkOutBytes.length; g++) {
            sum += nvlinkOutBytes[g] + nicOutBytes[g];
        }
        return sum;
    }

    /** The busiest NVLink port's bytes (either direction). */
    public double maxNvlinkBytes() {
        return Math.max(max(nvlinkOutBytes), max(nvlinkInBytes));
    }

    /** The busiest NIC port's bytes (either direction). */
    public double maxNicBytes() {
        return Math.max(max(nicOutBytes), max(nicInBytes));
    }

    private static double max(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
