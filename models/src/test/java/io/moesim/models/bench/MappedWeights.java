package io.moesim.models.bench;

import io.moesim.models.tensor.DType;
import io.moesim.models.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/** Random weights in a memory-mapped temporary file, as a checkpoint's weights are at run time. */
final class MappedWeights implements AutoCloseable {

    private final Arena arena = Arena.ofShared();
    private final Path file;
    final Tensor tensor;

    MappedWeights(DType dtype, long seed, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        try {
            file = Files.createTempFile("moesim-bench", ".bin");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, n * dtype.bytes(), arena);
                fill(seg, dtype, n, seed);
                tensor = Tensor.of(dtype, seg, shape);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void fill(MemorySegment seg, DType dtype, long n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfShort s = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            float v = (float) (r.nextDouble() - 0.5) * 0.05f;
            switch (dtype) {
                case F32 -> seg.set(f, 4 * i, v);
                case BF16 -> seg.set(s, 2 * i, DType.floatToBf16(v));
                case F16 -> seg.set(s, 2 * i, Float.floatToFloat16(v));
            }
        }
    }

    static float[] randomVector(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() - 0.5);
        }
        return v;
    }

    @Override
    public void close() {
        arena.close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
