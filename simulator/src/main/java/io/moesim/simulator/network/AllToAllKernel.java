package io.moesim.simulator.network;

/**
 * Achievable bandwidths and fixed latency of one all-to-all kernel form (DeepEP's normal,
 * throughput-oriented kernels for prefill, or its low-latency kernels for decode), taken from
 * the hardware profile.
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
}
