package io.moesim.models.kernels;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * How many threads a kernel may use: a small fixed pool. Kernels split their work into blocks
 * whose boundaries never depend on the thread count, and each output element is computed by one
 * thread in a fixed order, so results are bitwise identical for any thread count.
 */
public final class Parallel implements AutoCloseable {

    private static final class Default {
        static final Parallel INSTANCE = new Parallel(Runtime.getRuntime().availableProcessors());
    }

    private final int threads;
    private final ForkJoinPool pool;

    private Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    /** A pool of {@code threads} threads (1: everything runs on the calling thread). */
    public static Parallel of(int threads) {
        return new Parallel(threads);
    }

    /** Runs everything on the calling thread. */
    public static Parallel sequential() {
        return new Parallel(1);
    }

    /** A shared pool with one thread per available processor (never closed). */
    public static Parallel cores() {
        return Default.INSTANCE;
    }

    /** Number of threads. */
    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(b)} for every block {@code b < blocks}, spread over the threads; returns when all are done. */
    public void forEach(int blocks, IntConsumer body) {
        if (pool == null || blocks <= 1) {
            for (int b = 0; b < blocks; b++) {
                body.accept(b);
            }
            return;
        }
        pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(body)).join();
    }

    /** Stops the pool's threads (not needed for {@link #cores()}). */
    @Override
    public void close() {
        if (pool != null && this != Default.INSTANCE) {
            pool.shutdown();
        }
    }
}
