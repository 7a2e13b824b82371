package io.moesim.simulator.serving;

import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ParameterCounts;
import io.moesim.simulator.analytic.RankDecodeCost;
import io.moesim.simulator.analytic.RankPrefillCost;
import io.moesim.simulator.analytic.StepModel;
import io.moesim.simulator.engine.Event;
import io.moesim.simulator.engine.RandomStreams;
import io.moesim.simulator.engine.Request;
import io.moesim.simulator.engine.Simulator;
import io.moesim.simulator.network.LinkSpec;
import io.moesim.simulator.network.Port;
import io.moesim.simulator.placement.PlacementPlan;
import io.moesim.simulator.routing.RoutingSource;
import io.moesim.simulator.routing.SyntheticRouting;
import io.moesim.simulator.routing.TraceRouting;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * The discrete-event serving simulation: requests arrive, are batched per data-parallel rank
 * (continuous batching, chunked prefill, KV-cache admission with pre-emption), instances step
 * one event per step with the step's duration from {@link StepModel}, and with disaggregation the
 * KV cache moves from the prefill to the decode pool over the NICs.
 */
public final class ServingSimulation {

    /** Event priorities at equal times: finish steps before arrivals, arrivals before step starts. */
    private static final int PRIORITY_STEP_END = 0;
    private static final int PRIORITY_ARRIVAL = 1;
    private static final int PRIORITY_KICK = 2;
    /** The attention-rank balance is measured on one step in this many (a prime, against periodic patterns). */
    static final int BALANCE_STRIDE = 13;

    private final ServingSpec spec;
    private final Simulator sim = new Simulator();
    private final RandomStreams streams;
    private final RandomGenerator lengthRng;
    private final SplittableRandom arrivalRng;
    private final List<Pool> pools = new ArrayList<>();
    private final double kvBytesPerToken;

    private long nextRequestId;
    private long arrived;
    private long completed;
    private long completedInWindow;
    private long preemptions;
    private final List<Request> measuredRequests = new ArrayList<>();
    private final List<Request> finishedMeasured = new ArrayList<>();

    public ServingSimulation(ServingSpec spec) {
        this.spec = spec;
        this.streams = new RandomStreams(spec.seed());
        this.lengthRng = new Well19937c(streams.stream("lengths").nextLong());
        this.arrivalRng = streams.stream("arrivals");
        this.kvBytesPerToken = ModelAccounting.kvCacheBytesPerToken(spec.model(), spec.precision().kvCache().bytes());
        for (int i = 0; i < spec.pools().size(); i++) {
            pools.add(new Pool(spec.pools().get(i), i));
        }
    }

    /**
     * Runs the simulation and returns its results: for the spec's duration, or with a stopping rule
     * until the headline throughput has settled (or the duration, the cap, is reached). The measured
     * window after warm-up is cut into batches whose headline throughputs give the confidence interval.
     */
    public SimulationResult run() {
        return run(seconds -> { });
    }

    /**
     * Runs the simulation, telling {@code progress} the simulated time reached after each hundredth of
     * it. Running in slices fires the same events in the same order as running at once (the progress
     * call schedules nothing), so the results do not depend on it.
     */
    public SimulationResult run(java.util.function.DoubleConsumer progress) {
        startArrivals();
        double warmup = spec.warmupSeconds();
        double window = spec.durationSeconds() - warmup;
        ServingSpec.Settle settle = spec.settle();
        int batches;
        double batchSeconds;
        if (settle == null) {
            batches = ServingSpec.FIXED_BATCHES;
            batchSeconds = window / batches;
        } else if (window < settle.batchSeconds()) {
            batches = 1;
            batchSeconds = window;
        } else {
            batches = (int) Math.floor(window / settle.batchSeconds() + 1e-9);
            batchSeconds = settle.batchSeconds();
        }
        sim.run(warmup);
        progress.accept(sim.now());
        double before = headlineTokens();
        List<Double> rates = new ArrayList<>();
        SimulationResult.Stop stop = settle == null ? SimulationResult.Stop.DURATION : SimulationResult.Stop.CAP;
        double end = warmup;
        for (int i = 1; i <= batches; i++) {
            end = settle == null && i == batches ? spec.durationSeconds() : warmup + i * batchSeconds;
            sim.run(end);
            progress.accept(sim.now());
            double now = headlineTokens();
            rates.add((now - before) / batchSeconds);
            before = now;
            if (settle != null && i >= settle.minBatches()) {
                SimulationResult.Interval ci = SimulationResult.Interval.of(rates);
                if (ci.halfWidth() <= settle.relativeHalfWidth() * ci.mean() && ci.mean() > 0) {
                    stop = SimulationResult.Stop.SETTLED;
                    break;
                }
            }
        }
        return results(end, batchSeconds, rates, stop);
    }

    /**
     * Tokens of the headline throughput counted so far (after warm-up): output tokens of the decoding
     * pools, or input tokens (cache hits included) of a prefill pool alone.
     */
    private double headlineTokens() {
        double output = 0;
        double input = 0;
        boolean decodes = false;
        for (Pool pool : pools) {
            if (pool.poolSpec.role() != PoolSpec.Role.PREFILL) {
                output += pool.outputTokens;
                decodes = true;
            } else {
                input += pool.inputTokens;
            }
        }
        return decodes ? output : input;
    }

    // ------------------------------------------------------------------ arrivals

    private void startArrivals() {
        switch (spec.workload().arrivals()) {
            case Workload.Poisson p -> scheduleNextPoisson(p.requestsPerSecond());
            case Workload.Concurrency c -> {
                for (int i = 0; i < c.requests(); i++) {
                    sim.schedule(0, PRIORITY_ARRIVAL, Event.of(() -> {
                        Request r = sampleRequest();
                        if (spec.decodeOnly()) {
                            // Start in steady state: each initial request is part-way through its output.
                            age = (int) (arrivalRng.nextDouble() * r.outputTokens());
                        }
                        arrive(r);
                        age = 0;
                    }));
                }
            }
            case Workload.Trace t -> {
                for (Workload.TraceEntry e : t.entries()) {
                    if (e.arrivalSeconds() <= spec.durationSeconds()) {
                        sim.scheduleAt(e.arrivalSeconds(), PRIORITY_ARRIVAL,
                                Event.of(() -> arrive(newRequest(e.inputTokens(), e.outputTokens()))));
                    }
                }
            }
        }
    }

    private void scheduleNextPoisson(double rate) {
        double gap = -Math.log(1.0 - arrivalRng.nextDouble()) / rate;
        sim.schedule(gap, PRIORITY_ARRIVAL, Event.of(() -> {
            arrive(sampleRequest());
            scheduleNextPoisson(rate);
        }));
    }

    private Request sampleRequest() {
        return newRequest(spec.workload().inputTokens().sample(lengthRng), spec.workload().outputTokens().sample(lengthRng));
    }

    private Request newRequest(int input, int output) {
        int cached = Math.min(input - 1, (int) Math.floor(input * spec.workload().prefixHitRate()));
        return new Request(nextRequestId++, sim.now(), input, cached, output);
    }

    /** Output tokens an initial request of a decode pool alone has already produced (set around its arrival). */
    private int age;

    private void arrive(Request request) {
        arrived++;
        if (request.arrivalSeconds() >= spec.warmupSeconds()) {
            measuredRequests.add(request);
        }
        if (spec.decodeOnly()) {
            // The left-out prefill pool computed the prompt and the first token; the KV cache arrives with it.
            request.prefill(request.remainingPrefillTokens());
            for (int i = 0; i <= Math.min(age, request.outputTokens() - 1); i++) {
                request.emitToken(sim.now());
            }
            request.restartTpot(sim.now());
            if (request.finished()) {
                complete(request);
                return;
            }
            request.setState(Request.State.QUEUED);
        }
        pools.getFirst().accept(request);
    }

    private void complete(Request request) {
        completed++;
        if (measuring()) {
            finishedMeasured.add(request);
            completedInWindow++;
        }
        if (spec.workload().arrivals() instanceof Workload.Concurrency) {
            sim.schedule(0, PRIORITY_ARRIVAL, Event.of(() -> arrive(sampleRequest())));
        }
    }

    private void prefillOnlyDone(Request request) {
        completed++;
        if (measuring()) {
            completedInWindow++;
        }
        if (spec.workload().arrivals() instanceof Workload.Concurrency) {
            sim.schedule(0, PRIORITY_ARRIVAL, Event.of(() -> arrive(sampleRequest())));
        }
    }

    private boolean measuring() {
        return sim.now() >= spec.warmupSeconds();
    }

    // ------------------------------------------------------------------ pools, instances, ranks

    private final class Pool {
        final PoolSpec poolSpec;
        final List<Instance> instances = new ArrayList<>();
        final long kvCapacityTokensPerRank;
        double busySeconds, gpuComputeSeconds, exposedCommGpuSeconds, stepSeconds;
        /** Rank balance: time of the sampled steps, and of the same batches spread evenly over the ranks. */
        double sampledStepSeconds, balancedStepSeconds;
        double inputTokens, computedInputTokens, outputTokens, batchTokens;
        long steps;
        /** With the attention balancer: prompts not yet given to a rank, first come first. */
        final ArrayDeque<Request> queue = new ArrayDeque<>();
        final boolean balanced;
        final RankPrefillCost rankCost;
        /** With the KV balancer: what a rank's requests and KV tokens cost it. */
        final RankDecodeCost rankDecodeCost;

        Pool(PoolSpec poolSpec, int index) {
            this.poolSpec = poolSpec;
            this.kvCapacityTokensPerRank = poolSpec.kvCapacityTokensPerRank() > 0
                    ? poolSpec.kvCapacityTokensPerRank() : kvCapacityFromMemory(poolSpec);
            if (kvCapacityTokensPerRank < spec.model().maxContextTokens() / 64) {
                throw new IllegalArgumentException(poolSpec.name() + ": the weights leave room for only "
                        + kvCapacityTokensPerRank + " KV tokens per rank");
            }
            this.balanced = poolSpec.balancer() == io.moesim.simulator.scenario.Pool.Balancer.ATTENTION;
            double[][] traceLoads = spec.trace() == null ? null : spec.trace().fitLoads(spec.model());
            int gpus = poolSpec.gpusPerInstance();
            int gpusPerNode = PlacementPlan.gpusPerNode(gpus, spec.hardware().network().nvlinkDomainCount());
            for (int i = 0; i < poolSpec.instances(); i++) {
                RoutingSource routing;
                double[][] loads;
                if (spec.trace() != null) {
                    // Instances replay the trace from evenly spaced starting tokens, so they do not step in lockstep.
                    TraceRouting replay = spec.trace().replay(spec.model());
                    replay.seek((long) i * replay.windowTokens() / poolSpec.instances());
                    routing = replay;
                    loads = traceLoads;
                } else {
                    SyntheticRouting synthetic = new SyntheticRouting(spec.model().moe().numRoutedExperts(),
                            spec.model().moe().topK(), Math.max(1, spec.model().numMoeLayers()), spec.routing(),
                            streams.stream("routing/" + index, i));
                    routing = synthetic;
                    // The placement is fitted on the law's own expected loads (the ideal of a balancer).
                    loads = new double[spec.model().numMoeLayers()][];
                    for (int l = 0; l < loads.length; l++) {
                        loads[l] = synthetic.copyProbabilities(l);
                    }
                }
                List<io.moesim.simulator.routing.ExpertPlacement> placements = spec.model().numMoeLayers() == 0 ? null
                        : spec.placement().layers(spec.model(), loads, gpus, gpusPerNode, poolSpec.redundantExperts());
                StepModel model = new StepModel(spec.model(), spec.hardware(), spec.precision(),
                        new StepModel.Shape(poolSpec.gpusPerInstance(), poolSpec.attentionTp(), poolSpec.microBatches(),
                                poolSpec.redundantExperts(), poolSpec.cudaGraphs()), placements);
                instances.add(new Instance(this, model, model.drawnLoads(routing)));
            }
            this.rankCost = instances.getFirst().stepModel.rankPrefillCost(poolSpec.maxTokensPerRank());
            this.rankDecodeCost = instances.getFirst().stepModel.rankDecodeCost(poolSpec.maxRequestsPerRank());
        }

        /** Takes a request: into the pool's queue with the attention balancer, else to the least loaded rank. */
        void accept(Request request) {
            if (balanced) {
                queue.addLast(request);
                for (Instance instance : instances) {
                    instance.kick();
                }
            } else {
                leastLoadedRank().enqueue(request);
            }
        }

        /**
         * The rank an arriving request joins: fewest requests; or with the KV balancer, among the ranks
         * with a free batch slot (all ranks if none has one), the lowest estimated time.
         */
        Rank leastLoadedRank() {
            boolean byKv = poolSpec.balancer() == io.moesim.simulator.scenario.Pool.Balancer.KV;
            Rank best = null;
            boolean bestHasRoom = false;
            double bestCost = Double.POSITIVE_INFINITY;
            for (Instance instance : instances) {
                for (Rank rank : instance.ranks) {
                    boolean hasRoom = !byKv || rank.load() < poolSpec.maxRequestsPerRank();
                    double cost = byKv ? rankDecodeCost.seconds(rank.load(), rank.kvUsed + rank.pendingKvTokens)
                            : rank.load();
                    if (best == null || (hasRoom && !bestHasRoom) || (hasRoom == bestHasRoom && cost < bestCost)) {
                        best = rank;
                        bestHasRoom = hasRoom;
                        bestCost = cost;
                    }
                }
            }
            return best;
        }
    }

    /**
     * KV tokens a rank can hold: HBM left per GPU after the runtime reserve and this GPU's share of
     * the weights (non-expert weights replicated per DP rank and split over TP; its expert slots),
     * times the rank's GPUs.
     */
    private long kvCapacityFromMemory(PoolSpec pool) {
        ParameterCounts p = ModelAccounting.parameters(spec.model());
        io.moesim.simulator.scenario.Precision pr = spec.precision();
        double w = pr.weights(io.moesim.simulator.scenario.Precision.Module.EXPERTS).bytes();
        double nonExpert = p.attention() * pr.weights(io.moesim.simulator.scenario.Precision.Module.ATTENTION).bytes()
                + p.denseMlp() * pr.weights(io.moesim.simulator.scenario.Precision.Module.DENSE).bytes()
                + p.sharedExperts() * w
                // Routers at the default weight type as before (MemoryModel counts them BF16): 0.1% of capacity moves
                // DpBalancingSimulationTest's KV-balanced decode by 40% (reported to the serving helper).
                + p.routers() * pr.weights().bytes()
                + (p.embedding() + p.lmHead()) * pr.embeddingBytes() + p.norms() * 2.0;
        // The fullest GPU's expert slots (every rank gets the capacity of the fullest GPU).
        int slots = io.moesim.simulator.routing.ExpertPlacement.slotsPerGpu(
                spec.model().moe().numRoutedExperts() + pool.redundantExperts(), pool.gpusPerInstance());
        double experts = (double) slots * spec.model().numMoeLayers() * ModelAccounting.routedExpertWeights(spec.model()) * w;
        double free = spec.hardware().gpu().hbmBytes().value() - spec.hardware().gpu().runtimeReservedBytes().value()
                - nonExpert / pool.attentionTp() - experts;
        return (long) Math.max(0, free * pool.attentionTp() / kvBytesPerToken);
    }

    private final class Instance {
        final Pool pool;
        final StepModel stepModel;
        final StepModel.Loads loads;
        final List<Rank> ranks = new ArrayList<>();
        final StepModel.Batch batch;
        /** Scratch: the current batch spread evenly over the ranks. */
        final StepModel.Batch balanced;
        final Port[] nics;
        boolean busy;
        boolean kickPending;
        long startedSteps;

        Instance(Pool pool, StepModel stepModel, StepModel.Loads loads) {
            this.pool = pool;
            this.stepModel = stepModel;
            this.loads = loads;
            int n = pool.poolSpec.ranksPerInstance();
            for (int r = 0; r < n; r++) {
                ranks.add(new Rank(this, r));
            }
            batch = new StepModel.Batch(n);
            balanced = new StepModel.Batch(n);
            nics = new Port[pool.poolSpec.gpusPerInstance()];
            LinkSpec nic = stepModel.kvTransferLink();
            for (int g = 0; g < nics.length; g++) {
                nics[g] = new Port(nic);
            }
        }

        void kick() {
            if (!busy && !kickPending) {
                kickPending = true;
                sim.schedule(0, PRIORITY_KICK, Event.of(this::startStep));
            }
        }

        void startStep() {
            kickPending = false;
            if (busy) {
                return;
            }
            batch.clear();
            if (pool.balanced) {
                planBalanced();
            } else {
                for (Rank rank : ranks) {
                    rank.plan(batch);
                }
            }
            int tokens = (int) Math.round(batch.totalTokens());
            if (tokens == 0) {
                return;
            }
            StepModel.Step time = stepModel.step(batch, loads);
            busy = true;
            double start = sim.now();
            // Attention-rank balance: this step's time (expected expert loads) over the time of the same
            // batch spread evenly over the ranks; the DES step lasts as long as its slowest rank.
            // Measured on every BALANCE_STRIDE-th step of an instance (two more step timings each).
            double balance = Double.NaN;
            if (ranks.size() > 1 && startedSteps++ % BALANCE_STRIDE == 0) {
                balanced.setBalanced(batch);
                double actual = stepModel.step(batch).stepSeconds();
                balance = actual > 0 ? stepModel.step(balanced).stepSeconds() / actual : 1;
            }
            double stepBalance = balance;
            sim.schedule(time.stepSeconds(), PRIORITY_STEP_END,
                    Event.of(() -> endStep(time, tokens, start, stepBalance)));
        }

        /**
         * The attention balancer's step: started prompts continue on their ranks, queued ones go
         * where the {@link PrefillBalancer} puts them (a window of the queue large enough to fill
         * every rank).
         */
        void planBalanced() {
            PoolSpec ps = pool.poolSpec;
            List<List<PrefillBalancer.Work>> started = new ArrayList<>(ranks.size());
            PrefillBalancer.RankRoom[] rooms = new PrefillBalancer.RankRoom[ranks.size()];
            long roomTokens = 0;
            long roomRequests = 0;
            for (Rank rank : ranks) {
                List<PrefillBalancer.Work> own = new ArrayList<>();
                for (Live l : rank.running) {
                    Request r = l.request;
                    own.add(new PrefillBalancer.Work(r.remainingPrefillTokens(), r.contextTokens(), 0));
                }
                started.add(own);
                int slots = ps.maxRequestsPerRank() - rank.running.size();
                rooms[rank.index] = new PrefillBalancer.RankRoom(ps.maxTokensPerRank(), slots,
                        rank.kvCapacity() - rank.kvUsed);
                roomTokens += ps.maxTokensPerRank();
                roomRequests += Math.max(0, slots);
            }
            List<Request> window = new ArrayList<>();
            List<PrefillBalancer.Work> pending = new ArrayList<>();
            long windowTokens = 0;
            for (Request r : pool.queue) {
                if (windowTokens > roomTokens || window.size() > roomRequests) {
                    break;
                }
                window.add(r);
                pending.add(new PrefillBalancer.Work(r.remainingPrefillTokens(), r.contextTokens(), Rank.reserved(r) + 1));
                windowTokens += r.remainingPrefillTokens();
            }
            PrefillBalancer.Plan plan = PrefillBalancer.plan(started, pending, rooms, ps.chunkTokens(),
                    window.size() < pool.queue.size(), pool.rankCost);
            for (Rank rank : ranks) {
                rank.planStarted(batch, plan.startedChunks()[rank.index]);
            }
            Set<Request> taken = Collections.newSetFromMap(new IdentityHashMap<>());
            for (int j = 0; j < window.size(); j++) {
                if (plan.pendingRank()[j] >= 0) {
                    ranks.get(plan.pendingRank()[j]).admit(batch, window.get(j), plan.pendingChunk()[j]);
                    taken.add(window.get(j));
                }
            }
            if (!taken.isEmpty()) {
                pool.queue.removeIf(taken::contains);
            }
        }

        void endStep(StepModel.Step time, int tokens, double start, double balance) {
            busy = false;
            if (measuring()) {
                double measured = sim.now() - Math.max(start, spec.warmupSeconds());
                double share = time.stepSeconds() > 0 ? measured / time.stepSeconds() : 0;
                pool.busySeconds += measured;
                pool.gpuComputeSeconds += time.gpuComputeSeconds() * share;
                pool.exposedCommGpuSeconds += time.exposedCommunicationSeconds() * pool.poolSpec.gpusPerInstance() * share;
                pool.stepSeconds += time.stepSeconds();
                if (!Double.isNaN(balance)) {
                    pool.sampledStepSeconds += time.stepSeconds();
                    pool.balancedStepSeconds += time.stepSeconds() * balance;
                }
                pool.batchTokens += (double) tokens / ranks.size();
                pool.steps++;
            }
            for (Rank rank : ranks) {
                rank.finishStep();
            }
            kick();
        }
    }

    /**
     * A request admitted to a rank (its running set), with its place in the rank's decode group.
     * {@code seq} is its admission order on the rank, which is the order of the running list.
     */
    private static final class Live implements Comparable<Live> {
        final Request request;
        final long seq;
        /** The rank's decode tick at which the request's token counts were last brought up to date. */
        long syncedTick;
        /** The tick after which the request has produced its last token (while grouped). */
        long finishTick;
        boolean grouped;

        Live(Request request, long seq) {
            this.request = request;
            this.seq = seq;
        }

        @Override
        public int compareTo(Live o) {
            int c = Long.compare(finishTick, o.finishTick);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /**
     * One data-parallel rank: its queue, its running requests and their KV tokens.
     *
     * <p>Decoding requests advance in aggregate: while every running request is decoding and all of
     * them fit the token budget (group mode, the steady state of a decode pool), a step adds the
     * rank's request count and context sum to the batch, counts one more tick, and touches only the
     * requests that finish at this tick (a priority queue by finishing tick) or are admitted. A
     * request's token counts are brought up to date only when it finishes or leaves the group. Any
     * other step (a prefill chunk, a budget smaller than the decoders, a request without its first
     * token) first brings every request up to date and plans them one by one (listed mode), as
     * before; the rank goes back to group mode after a step that leaves only decoding requests.
     * Both modes give the same batches, token counts, times and event order.
     */
    private final class Rank {
        final Instance instance;
        final int index;
        final ArrayDeque<Request> waiting = new ArrayDeque<>();
        final List<Live> running = new ArrayList<>();
        final List<Live> planned = new ArrayList<>();
        int[] plannedChunks = new int[64];
        long kvUsed;
        long nextSeq;

        // The decode group (group mode): every running request, advanced one token per tick.
        boolean groupMode = true;
        boolean groupStep;
        final PriorityQueue<Live> finishes = new PriorityQueue<>();
        long tick;
        int groupCount;
        /** Sum over the group of (context tokens - tick): constant for a member while it stays. */
        long groupBase;

        Rank(Instance instance, int index) {
            this.instance = instance;
            this.index = index;
        }

        int incoming;
        /** KV tokens of the requests waiting here or on their way (not yet in {@code kvUsed}). */
        long pendingKvTokens;

        /** Requests waiting, running or on their way here (KV transfer in flight). */
        int load() {
            return waiting.size() + running.size() + incoming;
        }

        long kvCapacity() {
            return instance.pool.kvCapacityTokensPerRank;
        }

        void enqueue(Request request) {
            waiting.addLast(request);
            pendingKvTokens += reserved(request);
            instance.kick();
        }

        static long reserved(Request r) {
            return (long) r.contextTokens() + r.remainingPrefillTokens();
        }

        /** KV tokens a running request holds, counting the ticks not yet applied to a grouped one. */
        long reserved(Live l) {
            return reserved(l.request) + (l.grouped ? tick - l.syncedTick : 0);
        }

        private void sync(Live l, double nowSeconds) {
            l.request.emitTokens((int) (tick - l.syncedTick), nowSeconds);
            l.syncedTick = tick;
        }

        private void join(Live l) {
            Request r = l.request;
            l.syncedTick = tick;
            l.finishTick = tick + r.outputTokens() - r.generatedTokens();
            l.grouped = true;
            groupBase += r.contextTokens() - tick;
            groupCount++;
            finishes.add(l);
        }

        private void leave(Live l) {
            sync(l, sim.now());
            l.grouped = false;
            groupBase -= l.request.contextTokens() - tick;
            groupCount--;
            finishes.remove(l);
        }

        /** Whether a request can join the group: decoding, with its first token. */
        private static boolean decodeReady(Request r) {
            return r.remainingPrefillTokens() == 0 && r.generatedTokens() > 0;
        }

        /**
         * Leaves group mode: brings every request up to date; with {@code plannedThisStep} they are
         * planned as this step's decoders (group mode had added them all to the batch).
         */
        private void materialize(boolean plannedThisStep) {
            for (Live l : running) {
                sync(l, sim.now());
                l.grouped = false;
                if (plannedThisStep) {
                    add(l, 0);
                }
            }
            finishes.clear();
            groupCount = 0;
            groupBase = 0;
            groupMode = false;
            groupStep = false;
        }

        /** Enters group mode if every running request is decoding. */
        private void maybeRegroup() {
            for (Live l : running) {
                if (!decodeReady(l.request) || l.request.state() != Request.State.DECODING) {
                    return;
                }
            }
            for (Live l : running) {
                join(l);
            }
            groupMode = true;
        }

        void plan(StepModel.Batch batch) {
            PoolSpec ps = instance.pool.poolSpec;
            planned.clear();
            int budget = ps.maxTokensPerRank();
            if (groupMode && groupCount > budget) {
                materialize(false);
            }
            groupStep = groupMode;
            if (groupMode) {
                // Every running request decodes and grows by one token; pre-empt the newest until they fit.
                while (kvUsed + groupCount > kvCapacity() && !running.isEmpty()) {
                    Live victim = running.removeLast();
                    leave(victim);
                    preempt(victim, ps);
                }
                if (kvUsed + groupCount > kvCapacity()) {
                    throw new IllegalStateException("KV cache over capacity after pre-emption");
                }
                batch.addDecodes(index, groupCount, groupBase + groupCount * tick);
                budget -= groupCount;
            } else {
                budget = planListed(batch, ps, budget);
            }
            while (!waiting.isEmpty() && running.size() < ps.maxRequestsPerRank()) {
                Request r = waiting.peekFirst();
                long need = reserved(r) + 1;
                if (kvUsed + need > kvCapacity()) {
                    break;
                }
                if (r.remainingPrefillTokens() > 0 && budget <= 0) {
                    break;
                }
                if (groupMode && !(decodeReady(r) && budget > 0)) {
                    materialize(true);
                }
                waiting.pollFirst();
                pendingKvTokens -= reserved(r);
                Live live = new Live(r, nextSeq++);
                running.add(live);
                kvUsed += reserved(r);
                if (r.remainingPrefillTokens() > 0) {
                    r.setState(Request.State.PREFILLING);
                    budget -= addChunk(batch, live, budget, ps);
                } else {
                    r.setState(Request.State.DECODING);
                    if (budget > 0) {
                        batch.addDecode(index, r.contextTokens());
                        if (groupMode) {
                            join(live);
                        } else {
                            add(live, 0);
                        }
                        budget--;
                    }
                }
            }
        }

        /**
         * The attention balancer's step on this rank: a chunk of each started prompt ({@code chunks}
         * in running order; 0 skips it this step). Prefill ranks hold only prompts being prefilled.
         */
        void planStarted(StepModel.Batch batch, int[] chunks) {
            planned.clear();
            if (groupMode) {
                materialize(false);
            }
            groupStep = false;
            for (int i = 0; i < running.size(); i++) {
                Live l = running.get(i);
                if (chunks[i] > 0) {
                    batch.addPrefill(index, l.request.prefilledTokens(), chunks[i]);
                    add(l, chunks[i]);
                }
            }
        }

        /** The attention balancer gives this rank a queued prompt and its first chunk. */
        void admit(StepModel.Batch batch, Request r, int chunk) {
            Live live = new Live(r, nextSeq++);
            running.add(live);
            kvUsed += reserved(r);
            r.setState(Request.State.PREFILLING);
            batch.addPrefill(index, r.prefilledTokens(), chunk);
            add(live, chunk);
        }

        /** Listed mode: pre-emption, then decoders and prefill chunks one by one; returns the budget left. */
        private int planListed(StepModel.Batch batch, PoolSpec ps, int budget) {
            // Decoding requests each grow by one token; pre-empt the newest until they fit.
            int decoding = 0;
            for (Live l : running) {
                if (l.request.remainingPrefillTokens() == 0) {
                    decoding++;
                }
            }
            while (kvUsed + decoding > kvCapacity() && !running.isEmpty()) {
                Live victim = running.removeLast();
                if (victim.request.remainingPrefillTokens() == 0) {
                    decoding--;
                }
                preempt(victim, ps);
            }
            if (kvUsed + decoding > kvCapacity()) {
                throw new IllegalStateException("KV cache over capacity after pre-emption");
            }
            for (Live l : running) {
                if (l.request.remainingPrefillTokens() == 0 && budget > 0) {
                    batch.addDecode(index, l.request.contextTokens());
                    add(l, 0);
                    budget--;
                }
            }
            for (Live l : running) {
                if (l.request.remainingPrefillTokens() > 0 && budget > 0) {
                    budget -= addChunk(batch, l, budget, ps);
                }
            }
            return budget;
        }

        /** Drops a running request's KV cache (already out of the running list and the group). */
        private void preempt(Live victim, PoolSpec ps) {
            Request r = victim.request;
            kvUsed -= reserved(r);
            r.preempt();
            preemptions++;
            if (ps.role() == PoolSpec.Role.DECODE) {
                // A decode-only pool cannot recompute: send the request back through the prefill pool.
                pools.getFirst().accept(r);
            } else {
                waiting.addFirst(r);
                pendingKvTokens += reserved(r);
            }
        }

        private int addChunk(StepModel.Batch batch, Live l, int budget, PoolSpec ps) {
            Request r = l.request;
            int chunk = Math.min(Math.min(r.remainingPrefillTokens(), ps.chunkTokens()), budget);
            batch.addPrefill(index, r.prefilledTokens(), chunk);
            add(l, chunk);
            return chunk;
        }

        private void add(Live l, int chunk) {
            if (planned.size() == plannedChunks.length) {
                plannedChunks = java.util.Arrays.copyOf(plannedChunks, plannedChunks.length * 2);
            }
            plannedChunks[planned.size()] = chunk;
            planned.add(l);
        }

        void finishStep() {
            if (groupStep) {
                finishGroupStep();
            } else {
                finishListedStep();
                if (!groupMode) {
                    maybeRegroup();
                }
            }
            planned.clear();
        }

        /** Group mode: every member produced a token; those at their last token finish, in running order. */
        private void finishGroupStep() {
            Pool pool = instance.pool;
            tick++;
            kvUsed += groupCount;
            if (measuring()) {
                pool.outputTokens += groupCount;
            }
            boolean removed = false;
            while (!finishes.isEmpty() && finishes.peek().finishTick == tick) {
                Live l = finishes.poll();
                sync(l, sim.now());
                l.grouped = false;
                groupBase -= l.request.contextTokens() - tick;
                groupCount--;
                kvUsed -= reserved(l.request);
                removed = true;
                complete(l.request);
            }
            if (removed) {
                running.removeIf(l -> l.request.finished());
            }
        }

        private void finishListedStep() {
            Pool pool = instance.pool;
            boolean measuring = measuring();
            boolean removed = false;
            for (int i = 0; i < planned.size(); i++) {
                Request r = planned.get(i).request;
                int chunk = plannedChunks[i];
                if (chunk > 0) {
                    r.prefill(chunk);
                    if (measuring) {
                        pool.computedInputTokens += chunk;
                    }
                    if (r.remainingPrefillTokens() > 0) {
                        continue;
                    }
                    if (measuring) {
                        pool.inputTokens += r.prefillTargetTokens();
                    }
                    if (r.generatedTokens() > 0) {
                        // Recompute after pre-emption: the context is back, decoding resumes (after a
                        // KV transfer when this is a prefill pool).
                        if (pool.poolSpec.role() == PoolSpec.Role.PREFILL) {
                            kvUsed -= reserved(r);
                            r.setState(Request.State.TRANSFERRING);
                            removed = true;
                            transfer(r);
                        } else {
                            r.setState(Request.State.DECODING);
                        }
                        continue;
                    }
                }
                kvUsed++;
                r.emitToken(sim.now());
                if (measuring) {
                    pool.outputTokens++;
                }
                if (r.finished()) {
                    kvUsed -= reserved(r);
                    removed = true;
                    complete(r);
                } else if (chunk > 0 && pool.poolSpec.role() == PoolSpec.Role.PREFILL) {
                    kvUsed -= reserved(r);
                    r.setState(Request.State.TRANSFERRING);
                    removed = true;
                    if (pools.size() > 1) {
                        transfer(r);
                    } else {
                        // A prefill pool alone: the request leaves with its first token.
                        prefillOnlyDone(r);
                    }
                } else {
                    r.setState(Request.State.DECODING);
                }
            }
            if (removed) {
                running.removeIf(l -> l.request.finished() || l.request.state() == Request.State.TRANSFERRING);
            }
        }

        private void transfer(Request r) {
            Rank target = pools.get(1).leastLoadedRank();
            int tp = instance.pool.poolSpec.attentionTp();
            Port from = instance.nics[index * tp];
            Port to = target.instance.nics[target.index * target.instance.pool.poolSpec.attentionTp()];
            double done = Port.transfer(sim.now(), r.contextTokens() * kvBytesPerToken, from, to);
            target.incoming++;
            long kv = Rank.reserved(r);
            target.pendingKvTokens += kv;
            sim.scheduleAt(done, PRIORITY_ARRIVAL, Event.of(() -> {
                target.incoming--;
                target.pendingKvTokens -= kv;
                r.setState(Request.State.QUEUED);
                target.enqueue(r);
            }));
        }
    }

    // ------------------------------------------------------------------ results

    /** The KV tokens held by every rank never exceed its capacity; checked by tests after a run. */
    public boolean kvWithinCapacity() {
        for (Pool pool : pools) {
            for (Instance instance : pool.instances) {
                for (Rank rank : instance.ranks) {
                    long sum = 0;
                    for (Live l : rank.running) {
                        sum += rank.reserved(l);
                    }
                    if (sum != rank.kvUsed || rank.kvUsed > rank.kvCapacity()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Requests waiting, running and their KV tokens, per pool: a one-line summary for diagnostics. */
    public String queueSummary() {
        StringBuilder sb = new StringBuilder();
        for (Pool pool : pools) {
            long waiting = pool.queue.size(), running = 0, kv = 0;
            for (Instance instance : pool.instances) {
                for (Rank rank : instance.ranks) {
                    waiting += rank.waiting.size();
                    running += rank.running.size();
                    kv += rank.kvUsed;
                }
            }
            sb.append(pool.poolSpec.name()).append(": waiting ").append(waiting).append(", running ").append(running)
                    .append(", KV tokens ").append(kv).append("; ");
        }
        return sb.toString();
    }

    /** KV capacity in tokens of one rank of pool {@code index}. */
    public long kvCapacityTokensPerRank(int index) {
        return pools.get(index).kvCapacityTokensPerRank;
    }

    private SimulationResult results(double endSeconds, double batchSeconds, List<Double> batchRates,
                                     SimulationResult.Stop stop) {
        double measured = endSeconds - spec.warmupSeconds();
        List<SimulationResult.PoolResult> poolResults = new ArrayList<>();
        long steps = 0;
        for (Pool pool : pools) {
            PoolSpec ps = pool.poolSpec;
            int gpus = ps.gpus();
            double gpuSeconds = gpus * measured;
            double compute = pool.gpuComputeSeconds / gpuSeconds;
            double comm = pool.exposedCommGpuSeconds / gpuSeconds;
            poolResults.add(new SimulationResult.PoolResult(ps.name(), ps.role(), gpus,
                    (double) gpus / spec.hardware().network().gpusPerNodeCount(),
                    pool.inputTokens / measured, pool.computedInputTokens / measured, pool.outputTokens / measured,
                    pool.busySeconds / (ps.instances() * measured), compute, comm, Math.max(0, 1 - compute - comm),
                    pool.steps == 0 ? 0 : pool.batchTokens / pool.steps,
                    pool.steps == 0 ? 0 : pool.stepSeconds / pool.steps, pool.steps,
                    pool.sampledStepSeconds > 0 ? pool.balancedStepSeconds / pool.sampledStepSeconds : 1));
            steps += pool.steps;
        }
        // TTFT of requests that arrived after warm-up (none for a decode pool alone: its requests arrive
        // with their first token); TPOT of requests that finished after warm-up.
        double[] ttft = spec.decodeOnly() ? new double[0] : measuredRequests.stream()
                .filter(r -> r.generatedTokens() > 0).mapToDouble(Request::ttftSeconds).toArray();
        double[] tpot = finishedMeasured.stream().mapToDouble(Request::tpotSeconds).filter(x -> !Double.isNaN(x))
                .toArray();
        SimulationResult.Interval ci = SimulationResult.Interval.of(batchRates);
        SimulationResult.Measurement measurement = new SimulationResult.Measurement(spec.warmupSeconds(), measured,
                completedInWindow, arrived - completed, stop, batchSeconds, List.copyOf(batchRates), ci,
                spec.settle() == null ? Double.NaN : spec.settle().relativeHalfWidth());
        return new SimulationResult(sim.now(), measured, arrived, completed, arrived - completed,
                SimulationResult.Percentiles.of(ttft), SimulationResult.Percentiles.of(tpot), preemptions,
                poolResults, sim.firedEvents(), steps, measurement);
    }
}
