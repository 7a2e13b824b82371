package io.moesim.models.kernels;

/**
 * Rotary position embedding tables: {@code cos[pos * half + i]} and {@code sin[pos * half + i]}
 * of angle {@code pos * invFreq[i] } for {@code i < half = rotaryDim / 2}, each already
 * multiplied by {@code attentionScaling} (1 for plain RoPE; YaRN's mscale for DeepSeek).
 *
 * @param rotaryDim        rotated dimensions per head (even)
 * @param maxPositions     positions covered
 * @param cos              cosines, {@code [maxPositions, rotaryDim/2]}
 * @param sin              sines, same layout
 */
public record RopeTable(int rotaryDim, int maxPositions, float[] cos, float[] sin) {

    public RopeTable {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("rotaryDim must be even and positive, maxPositions positive: " + rotaryDim + ", " + maxPositions);
        }
        long n = (long) maxPositions * (rotaryDim / 2);
        if (cos.length != n || sin.length != n) {
            throw new IllegalArgumentException("tables must hold " + n + " values");
        }
    }

    /** Plain RoPE: {@code invFreq[i] = theta^(-2i / rotaryDim)}. */
    public static RopeTable standard(int rotaryDim, double theta, int maxPositions) {
        double[] inv = new double[rotaryDim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = Math.pow(theta, -2.0 * i / rotaryDim);
        }
        return fromInverseFrequencies(inv, maxPositions, 1.0);
    }

    /** Tables from given inverse frequencies (length rotaryDim/2), e.g. YaRN-scaled ones. */
    public static RopeTable fromInverseFrequencies(double[] invFreq, int maxPositions, double attentionScaling) {
        int half = invFreq.length;
        float[] cos = new float[maxPositions * half];
        float[] sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * invFreq[i];
                cos[p * half + i] = (float) (Math.cos(angle) * attentionScaling);
                sin[p * half + i] = (float) (Math.sin(angle) * attentionScaling);
            }
        }
        return new RopeTable(2 * half, maxPositions, cos, sin);
    }
}
