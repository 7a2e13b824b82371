package io.moesim.models.forward;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/** Splits a loop over {@code [0, n)} into contiguous blocks run on the common fork-join pool. */
final class Parallel {

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private Parallel() {
    }

    /** Runs {@code body.accept(i)} for every i in [0, n); small loops run on the calling thread. */
    static void forRange(int n, int minPerBlock, IntConsumer body) {
        int blocks = Math.min(CORES * 4, Math.max(1, n / Math.max(1, minPerBlock)));
        if (blocks <= 1 || CORES == 1) {
            for (int i = 0; i < n; i++) {
                body.accept(i);
            }
            return;
        }
        IntStream.range(0, blocks).parallel().forEach(b -> {
            int from = (int) ((long) n * b / blocks);
            int to = (int) ((long) n * (b + 1) / blocks);
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        });
    }
}
