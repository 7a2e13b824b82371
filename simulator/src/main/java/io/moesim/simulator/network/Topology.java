package io.moesim.simulator.network;

/**
 * GPUs grouped into NVLink domains (an 8-GPU node behind NVSwitch, or a 72-GPU NVL72 rack);
 * traffic inside a domain goes over NVLink, across domains over each GPU's own NIC into a
 * rail-optimised fabric (one NIC per GPU, no oversubscription modelled).
 *
 * @param numGpus        GPUs in the group that communicates (an EP group, a TP group)
 * @param gpusPerDomain  GPUs per NVLink domain
 */
public record Topology(int numGpus, int gpusPerDomain) {
    public Topology {
        if (numGpus <= 0 || gpusPerDomain <= 0) {
            throw new IllegalArgumentException("numGpus and gpusPerDomain must be > 0");
        }
    }

    /** The NVLink domain of GPU {@code gpu}. */
    public int domain(int gpu) {
        return gpu / gpusPerDomain;
    }

    /** Number of domains the GPUs span. */
    public int numDomains() {
        return (numGpus + gpusPerDomain - 1) / gpusPerDomain;
    }

    /** Whether the GPUs sit in one NVLink domain. */
    public boolean singleDomain() {
        return numGpus <= gpusPerDomain;
    }
}
