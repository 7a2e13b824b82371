package io.moesim.simulator.placement;

import java.nio.file.Path;

/**
 * Writes a synthetic skewed router trace ({@link SkewedTraces#grouped}) for documentation runs of
 * {@code moesim place}. Arguments: OUT LAYERS EXPERTS TOPK GROUPS TOPGROUPS TOKENS EXPONENT DRIFT SEED.
 */
public final class SkewedTraceMain {

    private SkewedTraceMain() {
    }

    public static void main(String[] args) {
        if (args.length != 10) {
            System.err.println("usage: OUT LAYERS EXPERTS TOPK GROUPS TOPGROUPS TOKENS EXPONENT DRIFT SEED");
            System.exit(2);
        }
        SkewedTraces.grouped(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                Double.parseDouble(args[7]), Integer.parseInt(args[8]), Long.parseLong(args[9]))
                .write(Path.of(args[0]));
    }
}
