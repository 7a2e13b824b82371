package io.moesim.simulator.routing;

import java.util.SplittableRandom;

/**
 * Fast multinomial and binomial draws for routing: conditional binomials, each drawn exactly by
 * geometric skips when its mean is small and by a rounded normal approximation when the mean
 * and its complement are both at least 30 (the error there is far below routing noise).
 */
final class Multinomial {

    private static final double NORMAL_THRESHOLD = 30.0;

    private Multinomial() {
    }

    /** Draws counts of {@code n} trials over outcomes with probabilities {@code p} (summing to 1) into {@code out}. */
    static void sample(SplittableRandom rng, int n, double[] p, int[] out) {
        int left = n;
        double massLeft = 1.0;
        int last = p.length - 1;
        for (int i = 0; i < last; i++) {
            if (left == 0 || massLeft <= 0) {
                out[i] = 0;
                continue;
            }
            double q = Math.min(1.0, Math.max(0.0, p[i] / massLeft));
            int k = binomial(rng, left, q);
            out[i] = k;
            left -= k;
            massLeft -= p[i];
        }
        out[last] = left;
    }

    /** One Binomial(n, q) draw. */
    static int binomial(SplittableRandom rng, int n, double q) {
        if (q <= 0 || n == 0) {
            return 0;
        }
        if (q >= 1) {
            return n;
        }
        if (q > 0.5) {
            return n - binomial(rng, n, 1 - q);
        }
        double mean = n * q;
        if (mean >= NORMAL_THRESHOLD && n - mean >= NORMAL_THRESHOLD) {
            double sd = Math.sqrt(mean * (1 - q));
            long k = Math.round(mean + sd * gaussian(rng));
            return (int) Math.max(0, Math.min(n, k));
        }
        // Waiting time between successes is geometric: count successes before passing n trials.
        double logQ = Math.log1p(-q);
        int successes = 0;
        long position = 0;
        while (true) {
            double u = 1.0 - rng.nextDouble();
            position += (long) Math.floor(Math.log(u) / logQ) + 1;
            if (position > n) {
                return successes;
            }
            successes++;
        }
    }

    static double gaussian(SplittableRandom rng) {
        // Marsaglia polar method; one value per call keeps the stream simple and deterministic.
        double u, v, s;
        do {
            u = 2 * rng.nextDouble() - 1;
            v = 2 * rng.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * Math.sqrt(-2 * Math.log(s) / s);
    }
}
