package io.moesim.simulator.scenario;

import java.util.Objects;

/**
 * The requests a deployment serves.
 *
 * @param inputTokens        prompt length per request
 * @param outputTokens       generated tokens per request
 * @param prefixCacheHitRate fraction of prompt tokens whose KV cache is found already computed
 * @param arrival            how requests arrive
 */
public record Workload(TokenCount inputTokens, TokenCount outputTokens, double prefixCacheHitRate, Arrival arrival) {

    public Workload {
        Objects.requireNonNull(inputTokens, "inputTokens");
        Objects.requireNonNull(outputTokens, "outputTokens");
        Objects.requireNonNull(arrival, "arrival");
        if (!(prefixCacheHitRate >= 0 && prefixCacheHitRate < 1)) {
            throw new IllegalArgumentException("prefixCacheHitRate must be in [0, 1)");
        }
    }

    /** How requests arrive. */
    public sealed interface Arrival permits Arrival.Concurrency, Arrival.Poisson, Arrival.Trace {
        /** A closed loop: this many requests per GPU in flight at all times (capped by the pool's batch). */
        record Concurrency(double perGpu) implements Arrival {
            public Concurrency {
                if (!(perGpu > 0)) {
                    throw new IllegalArgumentException("concurrencyPerGpu must be > 0");
                }
            }
        }

        /**
         * Requests replayed from a CSV file ({@code arrival_seconds,input_tokens,output_tokens}); the
         * analytic estimate treats it as Poisson at {@code requestsPerSecond} (requests / last arrival time).
         */
        record Trace(java.nio.file.Path path, double requestsPerSecond) implements Arrival {
            public Trace {
                Objects.requireNonNull(path, "path");
            }
        }

        /** An open loop: a Poisson process of this many requests per second for the whole deployment. */
        record Poisson(double requestsPerSecond) implements Arrival {
            public Poisson {
                if (!(requestsPerSecond > 0)) {
                    throw new IllegalArgumentException("poissonRequestsPerSecond must be > 0");
                }
            }
        }
    }
}
