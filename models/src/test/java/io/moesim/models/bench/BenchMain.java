package io.moesim.models.bench;

import io.moesim.models.tensor.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the limit and kernel benchmarks in one go and prints a Markdown table: each kernel's
 * rate beside the limit measured in the same run (memory bandwidth for memory-bound kernels,
 * peak FMA throughput at the same thread count for FMA-bound ones) and the ratio.
 * Usage: {@code BenchMain [output.md] [regex]} (see {@code models/bench.sh}).
 */
public final class BenchMain {

    private BenchMain() {
    }

    private record Row(String name, Map<String, String> params, double msPerOp) {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        String include = args.length > 1 ? args[1] : "io.moesim.models.bench.*";
        ChainedOptionsBuilder options = new OptionsBuilder().include(include).shouldFailOnError(true);
        Collection<RunResult> results = new Runner(options.build()).run();
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            var params = r.getParams();
            Map<String, String> p = new java.util.TreeMap<>();
            for (String key : params.getParamsKeys()) {
                p.put(key, params.getParam(key));
            }
            double score = r.getPrimaryResult().getScore();
            double ms = switch (r.getPrimaryResult().getScoreUnit()) {
                case "ms/op" -> score;
                case "us/op" -> score / 1e3;
                case "ns/op" -> score / 1e6;
                case "s/op" -> score * 1e3;
                default -> throw new IllegalStateException("unit " + r.getPrimaryResult().getScoreUnit());
            };
            String bench = params.getBenchmark();
            rows.add(new Row(bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1), p, ms));
        }
        String table = table(rows);
        System.out.println(table);
        if (args.length > 0 && !args[0].isEmpty()) {
            Path out = Path.of(args[0]);
            Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), ".bench", ".md");
            Files.writeString(tmp, table);
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Bytes a memory-bound op moves, or 0. */
    private static double bytes(Row r) {
        return switch (r.name) {
            case "LimitsBench.streamCopy" -> 8.0 * LimitsBench.STREAM_N;
            case "LimitsBench.streamTriad" -> 12.0 * LimitsBench.STREAM_N;
            case "MatVecBench.matvec" -> (double) KernelBench.MatVecBench.ROWS * KernelBench.MatVecBench.COLS
                    * io.moesim.models.tensor.DType.valueOf(r.params.get("dtype")).bytes();
            case "ExpertsBench.experts" -> Integer.parseInt(r.params.get("tokens")) <= 16
                    ? KernelBench.ExpertsBench.weightBytes(Integer.parseInt(r.params.get("tokens"))) : 0;
            case "SmallBench.attentionDecode" -> 2.0 * KernelBench.SmallBench.LEN * KernelBench.SmallBench.HEADS
                    * KernelBench.SmallBench.HEAD_DIM * 4;
            default -> 0;
        };
    }

    /** Floating-point operations of an FMA-bound op, or 0. */
    private static double flops(Row r) {
        return switch (r.name) {
            case "LimitsBench.fmaPeak" -> Double.parseDouble(r.params.get("threads")) * LimitsBench.FMA_ITERATIONS
                    * LimitsBench.FMA_CHAINS * Vectors.LANES * 2.0;
            case "GemmBench.matmul" -> 2.0 * KernelBench.GemmBench.ROWS * KernelBench.GemmBench.IN * KernelBench.GemmBench.TOKENS;
            case "ExpertsBench.experts" -> Integer.parseInt(r.params.get("tokens")) <= 16 ? 0
                    : 2.0 * 3 * Integer.parseInt(r.params.get("tokens")) * KernelBench.ExpertsBench.TOP_K
                    * KernelBench.ExpertsBench.D * KernelBench.ExpertsBench.FF;
            default -> 0;
        };
    }

    private static String table(List<Row> rows) {
        double bandwidth = 0;
        Map<String, Double> peak = new java.util.HashMap<>();
        for (Row r : rows) {
            if (r.name.startsWith("LimitsBench.stream")) {
                bandwidth = Math.max(bandwidth, bytes(r) / (r.msPerOp / 1e3));
            }
            if (r.name.equals("LimitsBench.fmaPeak")) {
                peak.put(r.params.get("threads"), flops(r) / (r.msPerOp / 1e3));
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | params | time/op | rate | limit (same run) | ratio |\n");
        sb.append("|---|---|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            double seconds = r.msPerOp / 1e3;
            String rate = "";
            String limit = "";
            String ratio = "";
            if (bytes(r) > 0) {
                double bps = bytes(r) / seconds;
                rate = fmt("%.1f GB/s", bps / 1e9);
                if (!r.name.startsWith("LimitsBench") && bandwidth > 0) {
                    limit = fmt("%.1f GB/s (best STREAM)", bandwidth / 1e9);
                    ratio = fmt("%.0f%%", 100 * bps / bandwidth);
                }
            } else if (flops(r) > 0) {
                double fps = flops(r) / seconds;
                rate = fmt("%.1f GFLOP/s", fps / 1e9);
                Double p = peak.get(r.params.getOrDefault("threads", "2"));
                if (!r.name.startsWith("LimitsBench") && p != null) {
                    limit = fmt("%.1f GFLOP/s (FMA peak, %s threads)", p / 1e9, r.params.getOrDefault("threads", "2"));
                    ratio = fmt("%.0f%%", 100 * fps / p);
                }
            }
            String time = r.msPerOp >= 1 ? fmt("%.2f ms", r.msPerOp) : fmt("%.1f us", r.msPerOp * 1e3);
            sb.append("| ").append(r.name).append(" | ").append(r.params.toString().replaceAll("[{}]", ""))
                    .append(" | ").append(time).append(" | ").append(rate).append(" | ").append(limit)
                    .append(" | ").append(ratio).append(" |\n");
        }
        return sb.toString();
    }

    private static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }
}
