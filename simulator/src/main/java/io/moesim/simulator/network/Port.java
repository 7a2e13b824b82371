package io.moesim.simulator.network;

/**
 * A link port as a shared resource over simulated time: transfers through it are served
 * first come, first served, so concurrent transfers share its bandwidth by queueing. Used for
 * KV-cache transfers from prefill to decode instances.
 */
public final class Port {

    private final LinkSpec link;
    private double busyUntilSeconds;
    private double busySeconds;
    private double bytesCarried;

    public Port(LinkSpec link) {
        this.link = link;
    }

    public LinkSpec link() {
        return link;
    }

    public double busyUntilSeconds() {
        return busyUntilSeconds;
    }

    /** Seconds the port spent moving bytes. */
    public double busySeconds() {
        return busySeconds;
    }

    public double bytesCarried() {
        return bytesCarried;
    }

    /**
     * Reserves a transfer of {@code bytes} starting no earlier than {@code nowSeconds} through
     * every port of {@code path} (sender's NIC, receiver's NIC, ...): it starts when all are free,
     * runs at the slowest port's bandwidth, and returns the time it completes (latency included).
     */
    public static double transfer(double nowSeconds, double bytes, Port... path) {
        double start = nowSeconds;
        double bandwidth = Double.POSITIVE_INFINITY;
        double latency = 0;
        for (Port p : path) {
            start = Math.max(start, p.busyUntilSeconds);
            bandwidth = Math.min(bandwidth, p.link.bytesPerSecond());
            latency = Math.max(latency, p.link.latencySeconds());
        }
        double busy = bytes / bandwidth;
        for (Port p : path) {
            p.busyUntilSeconds = start + busy;
            p.busySeconds += busy;
            p.bytesCarried += bytes;
        }
        return start + busy + latency;
    }
}
