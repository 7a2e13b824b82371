package io.moesim.simulator.network;

/**
 * A port's achievable bandwidth in one direction and the fixed latency of a transfer through it.
 * Use achievable (measured) figures, e.g. DeepEP's ~160 GB/s NVLink and ~50 GB/s RDMA on H800,
 * not the vendor's signalling rate.
 *
 * @param bytesPerSecond achievable bandwidth per direction
 * @param latencySeconds fixed cost of one transfer or kernel
 */
public record LinkSpec(double bytesPerSecond, double latencySeconds) {
    public LinkSpec {
        if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
            throw new IllegalArgumentException("bytesPerSecond must be > 0 and finite, got " + bytesPerSecond);
        }
        if (!(latencySeconds >= 0)) {
            throw new IllegalArgumentException("latencySeconds must be >= 0, got " + latencySeconds);
        }
    }

    /** Time to move {@code bytes} through this port alone: bytes / bandwidth + latency. */
    public double transferSeconds(double bytes) {
        return bytes / bytesPerSecond + latencySeconds;
    }
}
