package io.moesim.simulator.network;

/**
 * Achievable bandwidths and fixed latency of one all-to-all kernel form and phase (DeepEP's normal,
 * throughput-oriented kernels for prefill, or the low-latency kernels for decode; dispatch or
 * combine), read from the kernel profile's tables at the instance's EP size.
 *
 * @param name                  for reports ("normal", "low-latency")
 * @param nvlinkBytesPerSecond  achievable NVLink bandwidth per GPU and direction inside a domain
 * @param rdmaBytesPerSecond    achievable NIC (RDMA) bandwidth per GPU and direction across domains
 * @param latencySeconds        fixed cost of one dispatch or combine
 */
public record AllToAllKernel(String name, double nvlinkBytesPerSecond, double rdmaBytesPerSecond, double latencySeconds) {
    public AllToAllKernel {
        if (!(nvlinkBytesPerSecond > 0) || !(rdmaBytesPerSecond > 0) || !(latencySeconds >= 0)) {
            throw new IllegalArgumentException("all-to-all bandwidths must be > 0 and latency >= 0");
        }
    }

    /**
     * Time of one all-to-all: the busiest port's bytes over its bandwidth, plus the latency.
     * NVLink and NIC ports work in parallel, so the slower of the two busiest ports decides.
     */
    public double seconds(PortLoads loads) {
        double nv = loads.maxNvlinkBytes() / nvlinkBytesPerSecond;
        double nic = loads.maxNicBytes() / rdmaBytesPerSecond;
        return Math.max(nv, nic) + latencySeconds;
    }

    /** Time of one all-to-all with an explicit traffic matrix. */
    public double seconds(TrafficMatrix traffic, Topology topology) {
        return seconds(PortLoads.of(traffic, topology));
    }

    /**
     * Time of one all-to-all whose traffic has the product form of {@link PortLoads#productForm}
     * (GPU i sends its token share of the copies GPU j receives), computed without allocating;
     * equal to {@code seconds(PortLoads.productForm(...))}. {@code domainScratch} needs
     * 2 x numDomains entries.
     */
    public double secondsProductForm(double[] sourceTokens, double[] destinationCopies, double bytesPerCopy,
                                     Topology topology, double[] domainScratch) {
        return secondsProductForm(sourceTokens, destinationCopies, bytesPerCopy, bytesPerCopy, topology, domainScratch);
    }

    /**
     * As {@link #secondsProductForm(double[], double[], double, Topology, double[])} with different
     * bytes per copy on NVLink and on the NICs: DeepEP's normal kernels send a token once per remote
     * node and fan it out over NVLink there, so fewer bytes per copy cross the NICs.
     */
    public double secondsProductForm(double[] sourceTokens, double[] destinationCopies, double nvlinkBytesPerCopy,
                                     double nicBytesPerCopy, Topology topology, double[] domainScratch) {
        int n = topology.numGpus();
        int domains = topology.numDomains();
        java.util.Arrays.fill(domainScratch, 0, 2 * domains, 0.0);
        double srcTotal = 0, dstTotal = 0;
        for (int g = 0; g < n; g++) {
            int d = topology.domain(g);
            domainScratch[d] += sourceTokens[g];
            domainScratch[domains + d] += destinationCopies[g];
            srcTotal += sourceTokens[g];
            dstTotal += destinationCopies[g];
        }
        if (srcTotal == 0) {
            return latencySeconds;
        }
        double maxNv = 0, maxNic = 0;
        for (int g = 0; g < n; g++) {
            int d = topology.domain(g);
            double share = sourceTokens[g] / srcTotal;
            double copies = destinationCopies[g];
            double srcDomain = domainScratch[d];
            double dstDomain = domainScratch[domains + d];
            maxNv = Math.max(maxNv, Math.max(share * (dstDomain - copies), copies * (srcDomain - sourceTokens[g]) / srcTotal));
            maxNic = Math.max(maxNic, Math.max(share * (dstTotal - dstDomain), copies * (srcTotal - srcDomain) / srcTotal));
        }
        return Math.max(nvlinkBytesPerCopy * maxNv / nvlinkBytesPerSecond, nicBytesPerCopy * maxNic / rdmaBytesPerSecond)
                + latencySeconds;
    }

    /**
     * The sending side of product-form traffic ({@link PortLoads#productForm}), prepared once for
     * several all-to-alls with the same senders (every MoE layer of a step sends the same tokens).
     */
    public static final class Sources {
        final Topology topology;
        final double[] share;
        final double[] sameDomainOthers;
        final double[] otherDomains;
        double total;

        public Sources(Topology topology) {
            this.topology = topology;
            int n = topology.numGpus();
            share = new double[n];
            sameDomainOthers = new double[n];
            otherDomains = new double[n];
        }

        /** Prepares for {@code sourceTokens} (one entry per GPU of the topology). */
        public void set(double[] sourceTokens) {
            int n = topology.numGpus();
            int per = topology.gpusPerDomain();
            total = 0;
            for (int g = 0; g < n; g++) {
                total += sourceTokens[g];
            }
            for (int start = 0; start < n; start += per) {
                int end = Math.min(n, start + per);
                double domain = 0;
                for (int g = start; g < end; g++) {
                    domain += sourceTokens[g];
                }
                for (int g = start; g < end; g++) {
                    share[g] = sourceTokens[g] / total;
                    sameDomainOthers[g] = domain - sourceTokens[g];
                    otherDomains[g] = total - domain;
                }
            }
        }
    }

    /**
     * {@link #secondsProductForm(double[], double[], double, double, Topology, double[])} with the
     * senders prepared: the same value to the last bit (a maximum of quotients by one positive
     * number is the quotient of the maximum), without the per-call work on the senders.
     */
    public double secondsProductForm(Sources sources, double[] destinationCopies, double nvlinkBytesPerCopy,
                                     double nicBytesPerCopy) {
        if (sources.total == 0) {
            return latencySeconds;
        }
        BusiestPorts busiest = busiestPorts(sources, destinationCopies, new BusiestPorts());
        return Math.max(nvlinkBytesPerCopy * busiest.nvlinkCopies / nvlinkBytesPerSecond,
                nicBytesPerCopy * busiest.nicCopies / rdmaBytesPerSecond) + latencySeconds;
    }

    /** Copies on the busiest NVLink port and the busiest NIC of one product-form all-to-all (reused between calls). */
    public static final class BusiestPorts {
        double nvlinkCopies;
        double nicCopies;

        public double nvlinkCopies() {
            return nvlinkCopies;
        }

        public double nicCopies() {
            return nicCopies;
        }
    }

    /**
     * The busiest ports of product-form traffic ({@link PortLoads#productForm}) with the senders
     * prepared, in copies: the same maxima {@link #secondsProductForm(Sources, double[], double, double)}
     * takes, once for a dispatch and its combine.
     */
    public static BusiestPorts busiestPorts(Sources sources, double[] destinationCopies, BusiestPorts out) {
        out.nvlinkCopies = 0;
        out.nicCopies = 0;
        if (sources.total == 0) {
            return out;
        }
        Topology topology = sources.topology;
        int n = topology.numGpus();
        int per = topology.gpusPerDomain();
        double dstTotal = 0;
        for (int g = 0; g < n; g++) {
            dstTotal += destinationCopies[g];
        }
        double maxNvOut = 0, maxNvIn = 0, maxNicOut = 0, maxNicIn = 0;
        for (int start = 0; start < n; start += per) {
            int end = Math.min(n, start + per);
            double dstDomain = 0;
            for (int g = start; g < end; g++) {
                dstDomain += destinationCopies[g];
            }
            double dstRemote = dstTotal - dstDomain;
            for (int g = start; g < end; g++) {
                double share = sources.share[g];
                double copies = destinationCopies[g];
                maxNvOut = Math.max(maxNvOut, share * (dstDomain - copies));
                maxNvIn = Math.max(maxNvIn, copies * sources.sameDomainOthers[g]);
                maxNicOut = Math.max(maxNicOut, share * dstRemote);
                maxNicIn = Math.max(maxNicIn, copies * sources.otherDomains[g]);
            }
        }
        out.nvlinkCopies = Math.max(maxNvOut, maxNvIn / sources.total);
        out.nicCopies = Math.max(maxNicOut, maxNicIn / sources.total);
        return out;
    }

    /** Transfer time (no fixed cost) of the busiest ports {@code ports} at these bytes per copy. */
    public double transferSeconds(BusiestPorts ports, double nvlinkBytesPerCopy, double nicBytesPerCopy) {
        return Math.max(nvlinkBytesPerCopy * ports.nvlinkCopies / nvlinkBytesPerSecond,
                nicBytesPerCopy * ports.nicCopies / rdmaBytesPerSecond);
    }
}
