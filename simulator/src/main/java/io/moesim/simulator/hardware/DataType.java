package io.moesim.simulator.hardware;

import java.util.Locale;

/** A number format of weights, activations, KV cache or messages, with its size in bytes. */
public enum DataType {
    FP32(4.0),
    BF16(2.0),
    FP16(2.0),
    FP8(1.0),
    /** 4-bit floats; scale factors are not counted. */
    FP4(0.5);

    private final double bytes;

    DataType(double bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
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
