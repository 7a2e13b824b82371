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

        /** The most requests a trace may hold (a million requests simulate in about 400 MB). */
        public static final int MAX_REQUESTS = 1_000_000;

        /** The most tokens of one prompt or one output. */
        public static final int MAX_TOKENS = 1_000_000_000;

        /** The columns of a trace, named in its header line. */
        public static final List<String> COLUMNS = List.of("arrival_seconds", "input_tokens", "output_tokens");

        /**
         * Reads a CSV trace (RFC 4180, read with Jackson's CSV parser): a header line naming the columns
         * {@code arrival_seconds,input_tokens,output_tokens} (in any order), then one request a line;
         * lines starting with {@code #} are comments. Arrival times are finite, at least 0 and
         * non-decreasing (the file is sorted by arrival); token counts are whole numbers in
         * [1, {@link #MAX_TOKENS}]; at most {@link #MAX_REQUESTS} requests. Every mistake is an
         * {@link io.moesim.models.InputException} naming the file, the column and the line.
         */
        public static Trace read(Path file) {
            String text = io.moesim.simulator.config.Yaml.text(file);
            com.fasterxml.jackson.dataformat.csv.CsvMapper mapper = new com.fasterxml.jackson.dataformat.csv.CsvMapper();
            com.fasterxml.jackson.dataformat.csv.CsvSchema schema = com.fasterxml.jackson.dataformat.csv.CsvSchema
                    .emptySchema().withComments();
            List<TraceEntry> entries = new ArrayList<>();
            try (com.fasterxml.jackson.databind.MappingIterator<String[]> rows = mapper.readerFor(String[].class)
                    .with(schema)
                    .with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.WRAP_AS_ARRAY)
                    .with(com.fasterxml.jackson.dataformat.csv.CsvParser.Feature.SKIP_EMPTY_LINES)
                    .readValues(text)) {
                // The header: read as the first row of plain values so that its names can be checked.
                if (!rows.hasNextValue()) {
                    throw io.moesim.models.InputException.at(file, "header", "empty file; the first line names the"
                            + " columns " + String.join(",", COLUMNS));
                }
                List<String> header = java.util.Arrays.stream(rows.nextValue()).map(String::strip).toList();
                int[] column = new int[COLUMNS.size()];
                for (int c = 0; c < COLUMNS.size(); c++) {
                    column[c] = header.indexOf(COLUMNS.get(c));
                    if (column[c] < 0) {
                        throw io.moesim.models.InputException.at(file, COLUMNS.get(c), "missing from the header line '"
                                + String.join(",", header) + "'; the first line names the columns "
                                + String.join(",", COLUMNS));
                    }
                    if (header.lastIndexOf(COLUMNS.get(c)) != column[c]) {
                        throw io.moesim.models.InputException.at(file, COLUMNS.get(c), "named twice in the header");
                    }
                }
                for (String name : header) {
                    if (!COLUMNS.contains(name)) {
                        throw io.moesim.models.InputException.at(file, name.isEmpty() ? "header" : name,
                                "unknown column (expected " + String.join(",", COLUMNS) + ")");
                    }
                }
                double last = 0;
                while (rows.hasNextValue()) {
                    int line = rows.getCurrentLocation().getLineNr();
                    List<String> row = List.of(rows.nextValue());
                    if (row.size() != header.size()) {
                        throw io.moesim.models.InputException.at(file, "line " + line, row.size()
                                + " values, but the header names " + header.size() + " columns");
                    }
                    if (entries.size() == MAX_REQUESTS) {
                        throw io.moesim.models.InputException.at(file, "line " + line, "more than "
                                + String.format(java.util.Locale.ROOT, "%,d", MAX_REQUESTS)
                                + " requests, the most a trace may hold");
                    }
                    double arrival = seconds(file, line, row.get(column[0]).strip());
                    if (arrival < last) {
                        throw io.moesim.models.InputException.at(file, COLUMNS.get(0), "line " + line + ": "
                                + row.get(column[0]).strip() + " is before the previous request's " + last
                                + "; sort the file by arrival time");
                    }
                    last = arrival;
                    entries.add(new TraceEntry(arrival, tokens(file, line, COLUMNS.get(1), row.get(column[1]).strip()),
                            tokens(file, line, COLUMNS.get(2), row.get(column[2]).strip())));
                }
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                com.fasterxml.jackson.core.JsonLocation where = e.getLocation();
                throw io.moesim.models.InputException.at(file, where == null ? "csv" : "line " + where.getLineNr(),
                        "not valid CSV: " + e.getOriginalMessage().lines().findFirst().orElse(""));
            } catch (IOException e) {
                throw new io.moesim.models.InputException(file + ": cannot read the file");
            }
            if (entries.isEmpty()) {
                throw io.moesim.models.InputException.at(file, COLUMNS.get(0), "no request after the header line");
            }
            return new Trace(entries);
        }

        private static double seconds(Path file, int line, String text) {
            double value;
            try {
                value = Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw io.moesim.models.InputException.at(file, COLUMNS.get(0), "line " + line + ": expected a number"
                        + " of seconds, got '" + text + "'");
            }
            if (!Double.isFinite(value) || value < 0) {
                throw io.moesim.models.InputException.at(file, COLUMNS.get(0), "line " + line + ": '" + text
                        + "' is not a finite number of seconds >= 0");
            }
            return value;
        }

        private static int tokens(Path file, int line, String column, String text) {
            long value;
            try {
                value = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw io.moesim.models.InputException.at(file, column, "line " + line + ": expected a whole number"
                        + " of tokens, got '" + text + "'");
            }
            if (value < 1 || value > MAX_TOKENS) {
                throw io.moesim.models.InputException.at(file, column, "line " + line + ": " + value
                        + " is out of range [1, " + MAX_TOKENS + "]");
            }
            return (int) value;
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
