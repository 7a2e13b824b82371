package io.moesim.simulator.engine;

/**
 * One inference request moving through the simulated deployment: its prompt (of which
 * {@code cachedInputTokens} hit the prefix cache and need no prefill compute), its output
 * length, and its progress and timestamps.
 */
public final class Request {

    /** Where a request is in its life. */
    public enum State { QUEUED, PREFILLING, TRANSFERRING, DECODING, FINISHED }

    private final long id;
    private final double arrivalSeconds;
    private final int inputTokens;
    private final int cachedInputTokens;
    private final int outputTokens;

    private State state = State.QUEUED;
    private int prefillTargetTokens;
    private int prefilledTokens;
    private int generatedTokens;
    private int decodedSincePrefill;
    private double firstTokenSeconds = Double.NaN;
    private double finishSeconds = Double.NaN;
    private int preemptions;
    private double tpotStartSeconds = Double.NaN;
    private int tpotStartTokens = 1;

    public Request(long id, double arrivalSeconds, int inputTokens, int cachedInputTokens, int outputTokens) {
        if (inputTokens <= 0 || outputTokens <= 0) {
            throw new IllegalArgumentException("request " + id + ": input and output tokens must be > 0");
        }
        if (cachedInputTokens < 0 || cachedInputTokens >= inputTokens) {
            throw new IllegalArgumentException("request " + id + ": cached tokens must be in [0, input)");
        }
        this.id = id;
        this.arrivalSeconds = arrivalSeconds;
        this.inputTokens = inputTokens;
        this.cachedInputTokens = cachedInputTokens;
        this.outputTokens = outputTokens;
        this.prefilledTokens = cachedInputTokens;
        this.prefillTargetTokens = inputTokens;
    }

    public long id() { return id; }
    public double arrivalSeconds() { return arrivalSeconds; }
    public int inputTokens() { return inputTokens; }
    public int cachedInputTokens() { return cachedInputTokens; }
    public int outputTokens() { return outputTokens; }
    public State state() { return state; }
    public int prefilledTokens() { return prefilledTokens; }
    public int generatedTokens() { return generatedTokens; }
    public double firstTokenSeconds() { return firstTokenSeconds; }
    public double finishSeconds() { return finishSeconds; }
    public int preemptions() { return preemptions; }

    /** Tokens still to prefill: the prompt, or after a pre-emption the prompt and the tokens generated before it. */
    public int remainingPrefillTokens() {
        return prefillTargetTokens - prefilledTokens;
    }

    /** Tokens whose KV is held: what was prefilled (cache hits included) plus tokens decoded since. */
    public int contextTokens() {
        return prefilledTokens + decodedSincePrefill;
    }

    /** Context length once the prefill completes (the prefix-cache hit included). */
    public int prefillTargetTokens() {
        return prefillTargetTokens;
    }

    public void setState(State state) {
        this.state = state;
    }

    /** Records {@code tokens} more prompt tokens prefilled. */
    public void prefill(int tokens) {
        if (tokens < 0 || tokens > remainingPrefillTokens()) {
            throw new IllegalArgumentException("prefill " + tokens + " of " + remainingPrefillTokens() + " remaining");
        }
        prefilledTokens += tokens;
    }

    /** Records one output token produced at {@code nowSeconds}; the first one sets the TTFT. */
    public void emitToken(double nowSeconds) {
        if (generatedTokens >= outputTokens) {
            throw new IllegalStateException("request " + id + " already produced all its tokens");
        }
        if (generatedTokens == 0) {
            firstTokenSeconds = nowSeconds;
        }
        generatedTokens++;
        decodedSincePrefill++;
        if (generatedTokens == outputTokens) {
            finishSeconds = nowSeconds;
            state = State.FINISHED;
        }
    }

    /**
     * Records {@code tokens} output tokens produced by consecutive decode steps, the last at
     * {@code nowSeconds}: the same as that many {@link #emitToken} calls for a request that already
     * has its first token (a simulator advancing decoding requests in aggregate catches up with this).
     */
    public void emitTokens(int tokens, double nowSeconds) {
        if (tokens < 0 || generatedTokens == 0 || generatedTokens + tokens > outputTokens) {
            throw new IllegalArgumentException("request " + id + ": cannot add " + tokens + " tokens to "
                    + generatedTokens + " of " + outputTokens);
        }
        generatedTokens += tokens;
        decodedSincePrefill += tokens;
        if (tokens > 0 && generatedTokens == outputTokens) {
            finishSeconds = nowSeconds;
            state = State.FINISHED;
        }
    }

    /** Pre-emption: the KV cache is dropped and the context must be prefilled again (recompute). */
    public void preempt() {
        preemptions++;
        prefillTargetTokens = inputTokens + generatedTokens;
        prefilledTokens = cachedInputTokens;
        decodedSincePrefill = 0;
        state = State.QUEUED;
    }

    /** Whether every output token was produced. */
    public boolean finished() {
        return state == State.FINISHED;
    }

    /** Time to first token (NaN until produced). */
    public double ttftSeconds() {
        return firstTokenSeconds - arrivalSeconds;
    }

    /** Mean time per output token after the first (NaN until finished or with one token). */
    public double tpotSeconds() {
        double start = Double.isNaN(tpotStartSeconds) ? firstTokenSeconds : tpotStartSeconds;
        return outputTokens > tpotStartTokens ? (finishSeconds - start) / (outputTokens - tpotStartTokens) : Double.NaN;
    }

    /**
     * Measures the TPOT from now on: for a request whose earlier tokens were not simulated (a decode
     * pool's initial requests, placed part-way through their outputs).
     */
    public void restartTpot(double nowSeconds) {
        tpotStartSeconds = nowSeconds;
        tpotStartTokens = generatedTokens;
    }
}
