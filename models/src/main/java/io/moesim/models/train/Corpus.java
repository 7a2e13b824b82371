package io.moesim.models.train;

import io.moesim.models.InputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training text as bytes: per domain a training part and a held-out part, as written by
 * {@code scripts/build-corpus.sh} ({@code DOMAIN.train.txt}, {@code DOMAIN.heldout.txt}).
 * Token id = byte value.
 */
public record Corpus(List<String> domains, byte[][] train, byte[][] heldout) {

    public static final List<String> DOMAINS = List.of("prose", "code", "techprose");

    /** Reads the three domains from {@code dir}. */
    public static Corpus load(Path dir) {
        byte[][] train = new byte[DOMAINS.size()][];
        byte[][] held = new byte[DOMAINS.size()][];
        for (int i = 0; i < DOMAINS.size(); i++) {
            train[i] = read(dir.resolve(DOMAINS.get(i) + ".train.txt"));
            held[i] = read(dir.resolve(DOMAINS.get(i) + ".heldout.txt"));
        }
        return new Corpus(DOMAINS, train, held);
    }

    private static byte[] read(Path file) {
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length < 1024) {
                throw InputException.at(file.toString(), "bytes", "corpus file is too short (" + b.length + " bytes)");
            }
            return b;
        } catch (IOException e) {
            throw InputException.at(file.toString(), "file",
                    "cannot read corpus file (run scripts/build-corpus.sh first): " + io.moesim.models.InputFiles.describe(e));
        }
    }

    /** Batch of step {@code step}: sequence b comes from domain b mod 3 at a position drawn from (seed, step). */
    public int[][] batch(long seed, int step, int batch, int len) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        int[][] out = new int[batch][len];
        for (int b = 0; b < batch; b++) {
            byte[] text = train[b % train.length];
            int start = rnd.nextInt(text.length - len);
            for (int i = 0; i < len; i++) {
                out[b][i] = text[start + i] & 0xFF;
            }
        }
        return out;
    }
}
