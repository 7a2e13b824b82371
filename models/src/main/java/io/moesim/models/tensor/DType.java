package io.moesim.models.tensor;

/**
 * Element types moesim's forward pass reads and writes, with their safetensors names.
 *
 * <p>F32 is IEEE binary32; BF16 is the upper 16 bits of a binary32 (widening is a 16-bit
 * shift); F16 is IEEE binary16 ({@link Float#float16ToFloat}).
 */
public enum DType {
    F32(4),
    BF16(2),
    F16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype named {@code name} in a safetensors header, or {@code null} if moesim cannot read it. */
    public static DType fromSafetensorsName(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "BF16" -> BF16;
            case "F16" -> F16;
            default -> null;
        };
    }

    /** Rounds a float to the nearest BF16 (ties to even), as its 16 raw bits; NaN stays NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** Widens BF16 raw bits to a float (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }
}
