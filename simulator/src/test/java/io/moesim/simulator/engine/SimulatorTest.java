package io.moesim.simulator.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    @Test
    void eventsFireByTimeThenPriorityThenInsertionOrder() {
        Simulator sim = new Simulator();
        List<String> fired = new ArrayList<>();
        sim.scheduleAt(2.0, 0, Event.of(() -> fired.add("t2")));
        sim.scheduleAt(1.0, 5, Event.of(() -> fired.add("t1-p5-a")));
        sim.scheduleAt(1.0, -1, Event.of(() -> fired.add("t1-p-1")));
        sim.scheduleAt(1.0, 5, Event.of(() -> fired.add("t1-p5-b")));
        sim.scheduleAt(1.0, 5, Event.of(() -> fired.add("t1-p5-c")));
        sim.scheduleAt(0.5, 9, Event.of(() -> fired.add("t0.5")));
        sim.run(Double.POSITIVE_INFINITY);
        assertEquals(List.of("t0.5", "t1-p-1", "t1-p5-a", "t1-p5-b", "t1-p5-c", "t2"), fired);
        assertEquals(2.0, sim.now());
        assertEquals(6, sim.firedEvents());
    }

    @Test
    void heapOrdersManyRandomEvents() {
        Simulator sim = new Simulator();
        SplittableRandom rng = new SplittableRandom(7);
        double[] last = {-1};
        int[] count = {0};
        for (int i = 0; i < 10_000; i++) {
            sim.scheduleAt(Math.floor(rng.nextDouble() * 100), rng.nextInt(3), Event.of(() -> {
                if (sim.now() < last[0]) {
                    throw new AssertionError("clock went back");
                }
                last[0] = sim.now();
                count[0]++;
            }));
        }
        sim.run(Double.POSITIVE_INFINITY);
        assertEquals(10_000, count[0]);
    }

    @Test
    void eventsScheduledDuringTheRunAndStopTime() {
        Simulator sim = new Simulator();
        int[] ticks = {0};
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            ticks[0]++;
            sim.schedule(1.0, tick[0]);
        };
        sim.schedule(0.0, tick[0]);
        sim.run(9.5);
        assertEquals(10, ticks[0]); // t = 0..9
        assertEquals(9.5, sim.now());
        assertEquals(1, sim.pendingEvents());
    }

    @Test
    void cannotScheduleInThePastOrTwice() {
        Simulator sim = new Simulator();
        sim.scheduleAt(1.0, 0, Event.of(() -> { }));
        sim.run(2.0);
        assertThrows(IllegalArgumentException.class, () -> sim.scheduleAt(1.5, 0, Event.of(() -> { })));
        Event e = sim.schedule(1.0, 0, Event.of(() -> { }));
        assertThrows(IllegalStateException.class, () -> sim.schedule(1.0, 0, e));
    }

    @Test
    void namedStreamsAreDeterministicAndIndependent() {
        RandomStreams a = new RandomStreams(42);
        RandomStreams b = new RandomStreams(42);
        b.stream("other").nextLong(); // taking another stream first changes nothing
        assertEquals(a.stream("arrivals").nextLong(), b.stream("arrivals").nextLong());
        assertEquals(a.stream("layer", 3).nextLong(), b.stream("layer", 3).nextLong());
        assertNotEquals(a.stream("arrivals").nextLong(), a.stream("lengths").nextLong());
        assertNotEquals(a.stream("layer", 3).nextLong(), a.stream("layer", 4).nextLong());
        assertNotEquals(a.stream("arrivals").nextLong(), new RandomStreams(43).stream("arrivals").nextLong());
    }

    @Test
    void requestLifecycleAndPreemptionRecompute() {
        Request r = new Request(1, 0.5, 100, 40, 3);
        assertEquals(60, r.remainingPrefillTokens());
        r.prefill(60);
        r.emitToken(1.0);
        r.emitToken(1.1);
        assertEquals(102, r.contextTokens());
        r.preempt();
        assertEquals(62, r.remainingPrefillTokens()); // prompt + 2 generated, minus the cache hit
        r.prefill(62);
        r.emitToken(2.0);
        assertEquals(Request.State.FINISHED, r.state());
        assertEquals(0.5, r.ttftSeconds(), 1e-12);
        assertEquals((2.0 - 1.0) / 2, r.tpotSeconds(), 1e-12);
        assertEquals(1, r.preemptions());
    }
}
