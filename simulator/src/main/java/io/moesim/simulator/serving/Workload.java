package io.moesim.simulator.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The requests offered to the deployment: how they arrive, how long their prompts and outputs
 * are, and what fraction of each prompt hits the prefix cache (needs no prefill compute).
 *
 * @param arrivals      Poisson, fixed concurrency (closed loop) or a trace
 * @param inputTokens   prompt lengths (ignored for a trace)
 * @param outputTokens  output lengths (ignored for a trace)
 * @param prefixHitRate fraction of prompt tokens served from the prefix cache, in [0, 1)
 */
public record Workload(Arrivals arrivals, LengthDistribution inputTokens, LengthDistribution outputTokens,
                       double prefixHitRate) {

    public Workload {
        Objects.requireNonNull(arrivals, "arrivals");
        Objects.requireNonNull(inputTokens, "inputTokens");
        Objects.requireNonNull(outputTokens, "outputTokens");
        if (!(prefixHitRate >= 0 && prefixHitRate < 1)) {
            throw new IllegalArgumentException("prefixHitRate must be in [0, 1), got " + prefixHitRate);
        }
    }

    /** How requests arrive. */
    public sealed interface Arrivals permits Poisson, Concurrency, Trace {
    }

    /** Poisson arrivals at {@code requestsPerSecond}. */
    public record Poisson(double requestsPerSecond) implements Arrivals {
        public Poisson {
            if (!(requestsPerSecond > 0)) {
                throw new IllegalArgumentException("requestsPerSecond must be > 0");
            }
        }
    }

    /** A closed loop: {@code requests} requests in the system at all times; a finished one is replaced at once. */
    public record Concurrency(int requests) implements Arrivals {
        public Concurrency {
            if (requests <= 0) {
                throw new IllegalArgumentException("concurrency must be > 0");
            }
        }
    }

    /** Requests replayed from a trace, sorted by arrival time. */
    public record Trace(List<TraceEntry> entries) implements Arrivals {
        public Trace {
            entries = entries.stream().sorted(java.util.Comparator.comparingDouble(TraceEntry::arrivalSeconds)).toList();
        }

        /**
         * Reads a CSV trace: one request a line, {@code arrival_seconds,input_tokens,output_tokens};
         * a first line that does not start with a number is a header; {@code #} starts a comment.
         */
        public static Trace read(Path file) throws IOException {
            List<TraceEntry> entries = new ArrayList<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(file)) {
                lineNo++;
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#") || (lineNo == 1 && !Character.isDigit(s.charAt(0)))) {
                    continue;
                }
                String[] f = s.split("\\s*,\\s*");
                try {
                    if (f.length != 3) {
                        throw new IllegalArgumentException("need 3 fields");
                    }
                    entries.add(new TraceEntry(Double.parseDouble(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])));
                } catch (IllegalArgumentException e) {
                    throw io.moesim.models.InputException.at(file, "line " + lineNo,
                            "expected arrival_seconds,input_tokens,output_tokens (" + e.getMessage() + ")");
                }
            }
            return new Trace(entries);
        }
    }

    /** One traced request. */
    public record TraceEntry(double arrivalSeconds, int inputTokens, int outputTokens) {
        public TraceEntry {
            if (!(arrivalSeconds >= 0) || inputTokens <= 0 || outputTokens <= 0) {
                throw new IllegalArgumentException("arrival >= 0 and lengths > 0 required");
            }
        }
    }
}
