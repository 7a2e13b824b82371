package io.moesim.simulator.scenario;

/**
 * A number of tokens per request: a fixed number or a distribution. The analytic model uses the
 * mean; the discrete-event simulator will draw from the distribution.
 */
public sealed interface TokenCount permits TokenCount.Fixed, TokenCount.Uniform, TokenCount.Normal,
        TokenCount.LogNormal, TokenCount.Exponential {

    /** Mean tokens. */
    double mean();

    /** Mean of the squared token count (the attention work of a prompt grows with its square). */
    double meanOfSquares();

    /**
     * The mean weighted by length, E[n^2] / E[n]: the length of the prompt an average prompt token
     * belongs to. Equal to the mean when every request is alike; larger the more lengths spread.
     */
    default double lengthWeightedMean() {
        return meanOfSquares() / mean();
    }

    /** Always {@code tokens}. */
    record Fixed(double tokens) implements TokenCount {
        public Fixed {
            if (!(tokens >= 1)) {
                throw new IllegalArgumentException("tokens must be >= 1");
            }
        }

        @Override
        public double mean() {
            return tokens;
        }

        @Override
        public double meanOfSquares() {
            return tokens * tokens;
        }
    }

    /** Uniform on [min, max]. */
    record Uniform(double min, double max) implements TokenCount {
        public Uniform {
            if (!(min >= 1 && max >= min)) {
                throw new IllegalArgumentException("need 1 <= min <= max");
            }
        }

        @Override
        public double mean() {
            return (min + max) / 2;
        }

        @Override
        public double meanOfSquares() {
            return (min * min + min * max + max * max) / 3;
        }
    }

    /** Normal with this mean and standard deviation (draws below 1 become 1). */
    record Normal(double mean, double stddev) implements TokenCount {
        public Normal {
            if (!(mean >= 1 && stddev >= 0)) {
                throw new IllegalArgumentException("need mean >= 1 and stddev >= 0");
            }
        }

        @Override
        public double meanOfSquares() {
            return mean * mean + stddev * stddev;
        }
    }

    /** Log-normal with this median and log-space standard deviation sigma. */
    record LogNormal(double median, double sigma) implements TokenCount {
        public LogNormal {
            if (!(median >= 1 && sigma >= 0)) {
                throw new IllegalArgumentException("need median >= 1 and sigma >= 0");
            }
        }

        @Override
        public double mean() {
            return median * Math.exp(sigma * sigma / 2);
        }

        @Override
        public double meanOfSquares() {
            return median * median * Math.exp(2 * sigma * sigma);
        }
    }

    /** Exponential with this mean. */
    record Exponential(double mean) implements TokenCount {
        public Exponential {
            if (!(mean >= 1)) {
                throw new IllegalArgumentException("need mean >= 1");
            }
        }

        @Override
        public double meanOfSquares() {
            return 2 * mean * mean;
        }
    }
}
