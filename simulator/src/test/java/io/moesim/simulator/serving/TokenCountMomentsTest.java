package io.moesim.simulator.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.simulator.scenario.TokenCount;
import org.apache.commons.math3.random.Well19937c;
import org.junit.jupiter.api.Test;

/** Second moments of token counts, by hand and against the simulator's draws. */
class TokenCountMomentsTest {

    @Test
    void byHand() {
        assertEquals(16, new TokenCount.Fixed(4).meanOfSquares());
        assertEquals(4, new TokenCount.Fixed(4).lengthWeightedMean());
        assertEquals(13.0 / 3, new TokenCount.Uniform(1, 3).meanOfSquares(), 1e-12);
        assertEquals(104, new TokenCount.Normal(10, 2).meanOfSquares(), 1e-12);
        assertEquals(50, new TokenCount.Exponential(5).meanOfSquares(), 1e-12);
        // Log-normal, median 1, sigma 1: E[n^2] = e^2, E[n] = e^0.5, so E[n^2] / E[n] = e^1.5 = mean x e^(sigma^2).
        TokenCount.LogNormal l = new TokenCount.LogNormal(1, 1);
        assertEquals(Math.exp(2), l.meanOfSquares(), 1e-12);
        assertEquals(l.mean() * Math.E, l.lengthWeightedMean(), 1e-12);
    }

    /** The analytic model's moments are those of the lengths the simulation draws (rounding aside). */
    @Test
    void agreeWithTheSimulatorsDraws() {
        TokenCount[] counts = {new TokenCount.LogNormal(2723, 1.0), new TokenCount.Exponential(500),
                new TokenCount.Uniform(100, 900), new TokenCount.Normal(1000, 200)};
        for (TokenCount count : counts) {
            LengthDistribution lengths = ServingSpecs.lengths(count);
            Well19937c rng = new Well19937c(5);
            int n = 400_000;
            double sum = 0;
            double sumSquares = 0;
            for (int i = 0; i < n; i++) {
                double x = lengths.sample(rng);
                sum += x;
                sumSquares += x * x;
            }
            assertEquals(count.lengthWeightedMean(), sumSquares / sum, 0.03 * count.lengthWeightedMean(), count.toString());
        }
    }
}
