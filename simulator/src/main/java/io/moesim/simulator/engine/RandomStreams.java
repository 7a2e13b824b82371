package io.moesim.simulator.engine;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The one seeded source of randomness of a run, split deterministically into named streams:
 * {@code stream("arrivals")} is the same sequence for the same seed whatever other streams
 * were taken before, so adding a random consumer does not perturb the others.
 */
public final class RandomStreams {

    private final long seed;

    public RandomStreams(long seed) {
        this.seed = seed;
    }

    /** The run's seed. */
    public long seed() {
        return seed;
    }

    /** An independent stream named {@code name}, the same for the same seed and name. */
    public SplittableRandom stream(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return new SplittableRandom(mix(seed ^ mix(h)));
    }

    /** An independent stream for item {@code index} of a family of streams (a layer, a rank). */
    public SplittableRandom stream(String name, long index) {
        return new SplittableRandom(mix(stream(name).nextLong() ^ mix(index + 0x9e3779b97f4a7c15L)));
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
