package io.moesim.simulator.bench;

import io.moesim.simulator.analytic.AnalyticModel;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.scenario.Scenario;
import io.moesim.simulator.scenario.Scenarios;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One decode step of the shipped DeepSeek-V3 H800 decode deployment (EP144, 88 requests per GPU,
 * 61 layers): the time the simulator spends per step event once requests advance in aggregate
 * (uniform routing drawn per layer, expert GEMMs per slot, all-to-all port maxima).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class DecodeStepBenchmark {

    private StepModel model;
    private StepModel.Batch batch;
    private StepModel.Loads loads;

    @Setup(Level.Trial)
    public void setUp() {
        Scenario s = Scenarios.load(Scenarios.shipped("deepseek-v3-h800-decode.yaml"));
        model = AnalyticModel.stepModel(s, s.deployment().decode());
        batch = model.decodeBatch(88, 4989);
        loads = model.drawnLoads(new SyntheticRouting(256, 8, s.model().numMoeLayers(), new SyntheticRouting.Uniform(),
                new SplittableRandom(1)));
    }

    /** Decode steps per second. */
    @Benchmark
    public double decodeStep() {
        return model.step(batch, loads).stepSeconds();
    }
}
