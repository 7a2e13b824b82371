package io.moesim.simulator.engine;

/**
 * The discrete-event core: a clock in SI seconds and a queue of pending events. The loop is
 * {@code while ((ev = next()) != null) ev.fire();} — {@link #next()} advances the clock to the
 * event it returns.
 */
public final class Simulator {

    private final EventQueue queue = new EventQueue();
    private double nowSeconds;
    private long nextSequence;
    private long firedEvents;
    private double stopSeconds = Double.POSITIVE_INFINITY;

    /** Current simulated time in seconds. */
    public double now() {
        return nowSeconds;
    }

    /** Events fired so far. */
    public long firedEvents() {
        return firedEvents;
    }

    /** Pending events. */
    public int pendingEvents() {
        return queue.size();
    }

    /** Schedules {@code event} at {@code now() + delaySeconds} with the given tie-break priority. */
    public <E extends Event> E schedule(double delaySeconds, int priority, E event) {
        return scheduleAt(nowSeconds + delaySeconds, priority, event);
    }

    /** Schedules {@code event} at absolute time {@code timeSeconds} (not before now). */
    public <E extends Event> E scheduleAt(double timeSeconds, int priority, E event) {
        if (!(timeSeconds >= nowSeconds)) {
            throw new IllegalArgumentException("cannot schedule at " + timeSeconds + " s, before now " + nowSeconds + " s");
        }
        if (event.sequence >= 0) {
            throw new IllegalStateException("event already scheduled");
        }
        event.timeSeconds = timeSeconds;
        event.priority = priority;
        event.sequence = nextSequence++;
        queue.add(event);
        return event;
    }

    /** Schedules an action after a delay with priority 0. */
    public Event schedule(double delaySeconds, Runnable action) {
        return schedule(delaySeconds, 0, Event.of(action));
    }

    /**
     * Removes the next event, advances the clock to it and returns it; null when the queue is
     * empty or the next event lies after the stop time (the clock then moves to the stop time).
     */
    public Event next() {
        Event ev = queue.peek();
        if (ev == null || ev.timeSeconds > stopSeconds) {
            if (stopSeconds != Double.POSITIVE_INFINITY) {
                nowSeconds = Math.max(nowSeconds, stopSeconds);
            }
            return null;
        }
        queue.poll();
        nowSeconds = ev.timeSeconds;
        firedEvents++;
        return ev;
    }

    /** Fires events until none is left or the next lies after {@code untilSeconds}. */
    public void run(double untilSeconds) {
        stopSeconds = untilSeconds;
        Event ev;
        while ((ev = next()) != null) {
            ev.fire();
        }
    }
}
