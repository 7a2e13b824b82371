package io.moesim.simulator.engine;

/**
 * Something that happens at a simulated instant. Events fire in order of time, then priority
 * (lower first), then the order they were scheduled in, so that runs are deterministic.
 * An event is scheduled once; {@link Simulator#schedule} stamps its time and sequence number.
 */
public abstract class Event {

    double timeSeconds;
    int priority;
    long sequence = -1;

    /** Simulated time at which the event fires (SI seconds); valid once scheduled. */
    public final double timeSeconds() {
        return timeSeconds;
    }

    /** Tie-breaking priority among events at the same time: lower fires first. */
    public final int priority() {
        return priority;
    }

    /** Insertion order, the last tie-breaker. */
    public final long sequence() {
        return sequence;
    }

    /** What the event does when the clock reaches it. */
    public abstract void fire();

    /** Wraps an action as an event. */
    public static Event of(Runnable action) {
        return new Event() {
            @Override
            public void fire() {
                action.run();
            }
        };
    }

    static int compare(Event a, Event b) {
        int byTime = Double.compare(a.timeSeconds, b.timeSeconds);
        if (byTime != 0) {
            return byTime;
        }
        if (a.priority != b.priority) {
            return Integer.compare(a.priority, b.priority);
        }
        return Long.compare(a.sequence, b.sequence);
    }
}
