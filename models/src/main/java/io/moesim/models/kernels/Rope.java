package io.moesim.models.kernels;

/**
 * Rotary position embedding applied in place to the first {@code rotaryDim} dimensions of each
 * head (the rest pass through, as in partial-rotary models).
 *
 * <ul>
 *   <li>{@link #neox}: the half-split layout of Llama / Mixtral / Qwen / OLMoE (Hugging Face
 *       {@code rotate_half}): dimension {@code i} pairs with {@code i + rotaryDim/2}.</li>
 *   <li>{@link #interleaved}: the layout of DeepSeek's and GPT-J's original code: dimension
 *       {@code 2i} pairs with {@code 2i + 1}. (Hugging Face's DeepSeek code permutes the rotated
 *       part to half-split order after rotating; since queries and keys get the same
 *       permutation, attention scores are identical.)</li>
 * </ul>
 */
public final class Rope {

    private Rope() {
    }

    /** Half-split RoPE on {@code heads} heads of {@code headDim} at {@code x[offset ..]}, position {@code pos}. */
    public static void neox(float[] x, int offset, int heads, int headDim, RopeTable table, int pos) {
        int half = table.rotaryDim() / 2;
        checkPosition(table, pos, headDim);
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = table.cos()[t + i];
                float s = table.sin()[t + i];
                float a = x[base + i];
                float b = x[base + i + half];
                x[base + i] = a * c - b * s;
                x[base + i + half] = b * c + a * s;
            }
        }
    }

    /** Interleaved RoPE on {@code heads} heads of {@code headDim} at {@code x[offset ..]}, position {@code pos}. */
    public static void interleaved(float[] x, int offset, int heads, int headDim, RopeTable table, int pos) {
        int half = table.rotaryDim() / 2;
        checkPosition(table, pos, headDim);
        int t = pos * half;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                float c = table.cos()[t + i];
                float s = table.sin()[t + i];
                float a = x[base + 2 * i];
                float b = x[base + 2 * i + 1];
                x[base + 2 * i] = a * c - b * s;
                x[base + 2 * i + 1] = b * c + a * s;
            }
        }
    }

    /** Half-split RoPE with angles computed on the spot from {@code theta} (no table). */
    public static void neox(float[] x, int offset, int heads, int headDim, int rotaryDim, double theta, int pos) {
        neox(x, offset, heads, headDim, single(rotaryDim, theta, pos), 0);
    }

    /** Interleaved RoPE with angles computed on the spot from {@code theta} (no table). */
    public static void interleaved(float[] x, int offset, int heads, int headDim, int rotaryDim, double theta, int pos) {
        interleaved(x, offset, heads, headDim, single(rotaryDim, theta, pos), 0);
    }

    private static RopeTable single(int rotaryDim, double theta, int pos) {
        int half = rotaryDim / 2;
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int i = 0; i < half; i++) {
            double angle = pos * Math.pow(theta, -2.0 * i / rotaryDim);
            cos[i] = (float) Math.cos(angle);
            sin[i] = (float) Math.sin(angle);
        }
        return new RopeTable(rotaryDim, 1, cos, sin);
    }

    private static void checkPosition(RopeTable table, int pos, int headDim) {
        if (pos < 0 || pos >= table.maxPositions()) {
            throw new IndexOutOfBoundsException("position " + pos + " outside rope table of " + table.maxPositions());
        }
        if (table.rotaryDim() > headDim) {
            throw new IllegalArgumentException("rotaryDim " + table.rotaryDim() + " exceeds headDim " + headDim);
        }
    }
}
