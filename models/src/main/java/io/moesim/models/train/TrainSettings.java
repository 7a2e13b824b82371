package io.moesim.models.train;

/**
 * How a twin is trained.
 *
 * @param steps        optimiser steps
 * @param batch        sequences per step (a third from each corpus domain)
 * @param peakLr       learning rate after warmup
 * @param warmupSteps  linear warmup steps; then cosine decay to {@code minLrRatio * peakLr}
 * @param minLrRatio   final learning rate as a fraction of the peak
 * @param weightDecay  AdamW decoupled weight decay (matrices only)
 * @param clipNorm     global gradient-norm clip
 * @param seed         seed of initialisation and batch sampling
 * @param evalBytes    held-out bytes evaluated per domain
 */
public record TrainSettings(int steps, int batch, double peakLr, int warmupSteps, double minLrRatio,
                            double weightDecay, double clipNorm, long seed, int evalBytes) {

    public TrainSettings {
        if (steps <= 0 || batch <= 0 || warmupSteps < 0 || !(peakLr > 0) || evalBytes < 0) {
            throw new IllegalArgumentException("bad training settings");
        }
    }

    /** Defaults used for the shipped twins. */
    public static TrainSettings defaults(int steps) {
        return new TrainSettings(steps, 12, 4e-3, Math.min(60, steps / 10), 0.1, 0.1, 1.0, 1234, 24_000);
    }

    /** Learning rate of step {@code step} (0-based): linear warmup, then cosine to the floor. */
    public double lr(int step) {
        if (step < warmupSteps) {
            return peakLr * (step + 1) / warmupSteps;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
        double cos = 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
        return peakLr * (minLrRatio + (1 - minLrRatio) * cos);
    }
}
