package io.moesim.simulator.bench;

import io.moesim.simulator.engine.Event;
import io.moesim.simulator.engine.Simulator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/** Events per second through the engine: 1,000 self-rescheduling entities, 1,000,000 events per invocation. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class EventQueueBenchmark {

    private static final int EVENTS = 1_000_000;

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long events() {
        Simulator sim = new Simulator();
        SplittableRandom rng = new SplittableRandom(1);
        long[] fired = {0};
        for (int i = 0; i < 1000; i++) {
            sim.schedule(rng.nextDouble(), 0, new Event() {
                @Override
                public void fire() {
                    if (++fired[0] + sim.pendingEvents() <= EVENTS) {
                        sim.schedule(rng.nextDouble(), 0, Event.of(this::fire));
                    }
                }
            });
        }
        sim.run(Double.POSITIVE_INFINITY);
        return fired[0];
    }
}
