package io.moesim.simulator.hardware;

import java.util.Locale;

/** A number format of weights, activations, KV cache or messages, with its size in bytes. */
public enum DataType {
    FP32(4.0),
    BF16(2.0),
    FP16(2.0),
    FP8(1.0),
    /**
     * NVFP4: 4-bit E2M1 values with one FP8 (E4M3) scale per 16 values, 0.5 + 1/16 bytes per value
     * (NVIDIA, "Introducing NVFP4", 2025; docs/sources.md section 8 notes). FP8's block scales (one
     * FP32 per 128 x 128 weights in DeepSeek's checkpoint) are 1/4,096 of a byte and not counted.
     */
    FP4(0.5 + 1.0 / 16);

    private final double bytes;

    DataType(double bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element, scales included. */
    public double bytes() {
        return bytes;
    }

    /** The lower-case name used in YAML ({@code bf16}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type named {@code key} (any case), or null. */
    public static DataType parse(String key) {
        for (DataType type : values()) {
            if (type.key().equalsIgnoreCase(key)) {
                return type;
            }
        }
        return null;
    }
}
