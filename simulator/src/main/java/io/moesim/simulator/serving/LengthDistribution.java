package io.moesim.simulator.serving;

import org.apache.commons.math3.distribution.LogNormalDistribution;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.random.RandomGenerator;

/** A distribution of token counts (prompt or output lengths); samples are rounded and clamped to at least 1. */
public sealed interface LengthDistribution {

    /** One length, at least 1 token. */
    int sample(RandomGenerator rng);

    /** The mean length (before rounding and clamping). */
    double mean();

    /** Always {@code tokens}. */
    record Fixed(int tokens) implements LengthDistribution {
        public Fixed {
            if (tokens <= 0) {
                throw new IllegalArgumentException("tokens must be > 0, got " + tokens);
            }
        }

        @Override
        public int sample(RandomGenerator rng) {
            return tokens;
        }

        @Override
        public double mean() {
            return tokens;
        }
    }

    /** Uniform over [min, max] inclusive. */
    record Uniform(int min, int max) implements LengthDistribution {
        public Uniform {
            if (min <= 0 || max < min) {
                throw new IllegalArgumentException("need 0 < min <= max, got " + min + ".." + max);
            }
        }

        @Override
        public int sample(RandomGenerator rng) {
            return min + rng.nextInt(max - min + 1);
        }

        @Override
        public double mean() {
            return (min + max) / 2.0;
        }
    }

    /** Normal with the given mean and standard deviation. */
    record Normal(double mean, double sd) implements LengthDistribution {
        public Normal {
            if (!(mean > 0) || !(sd >= 0)) {
                throw new IllegalArgumentException("need mean > 0 and sd >= 0");
            }
        }

        @Override
        public int sample(RandomGenerator rng) {
            double x = sd == 0 ? mean : new NormalDistribution(rng, mean, sd).sample();
            return (int) Math.max(1, Math.round(x));
        }
    }

    /** Log-normal with the given mean and standard deviation of the lengths themselves. */
    record LogNormal(double mean, double sd) implements LengthDistribution {
        public LogNormal {
            if (!(mean > 0) || !(sd > 0)) {
                throw new IllegalArgumentException("need mean > 0 and sd > 0");
            }
        }

        @Override
        public int sample(RandomGenerator rng) {
            double sigma2 = Math.log1p(sd * sd / (mean * mean));
            double mu = Math.log(mean) - sigma2 / 2;
            return (int) Math.max(1, Math.round(new LogNormalDistribution(rng, mu, Math.sqrt(sigma2)).sample()));
        }
    }

    /** Exponential with the given mean. */
    record Exponential(double mean) implements LengthDistribution {
        public Exponential {
            if (!(mean > 0)) {
                throw new IllegalArgumentException("need mean > 0");
            }
        }

        @Override
        public int sample(RandomGenerator rng) {
            return (int) Math.max(1, Math.round(-mean * Math.log(1 - rng.nextDouble())));
        }
    }
}
