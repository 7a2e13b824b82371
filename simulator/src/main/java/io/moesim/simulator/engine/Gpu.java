package io.moesim.simulator.engine;

/**
 * One GPU of the simulated cluster: its index, the NVLink domain (node or NVL72 rack) it sits
 * in, and the time it has spent computing, communicating (not hidden behind compute) and idle.
 */
public final class Gpu {

    private final int index;
    private final int domain;
    private double computeSeconds;
    private double communicationSeconds;
    private double busySeconds;

    public Gpu(int index, int domain) {
        this.index = index;
        this.domain = domain;
    }

    public int index() {
        return index;
    }

    /** NVLink domain (node, or NVL72 rack) index. */
    public int domain() {
        return domain;
    }

    /** Accounts one step: time computing, time in exposed communication, and the step's wall time. */
    public void accountStep(double computeSeconds, double exposedCommunicationSeconds, double stepSeconds) {
        this.computeSeconds += computeSeconds;
        this.communicationSeconds += exposedCommunicationSeconds;
        this.busySeconds += stepSeconds;
    }

    public double computeSeconds() {
        return computeSeconds;
    }

    public double communicationSeconds() {
        return communicationSeconds;
    }

    /** Time inside steps (compute + exposed communication + waiting for the slowest GPU). */
    public double busySeconds() {
        return busySeconds;
    }
}
