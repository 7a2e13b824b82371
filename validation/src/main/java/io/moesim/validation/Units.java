package io.moesim.validation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The units a validation case may state its measured figure in, each with its factor to the SI
 * unit moesim computes in (tokens/s, bytes/s, seconds, FLOP/s, parameters, bytes, US dollars).
 */
public final class Units {

    private static final Map<String, Double> FACTORS = new LinkedHashMap<>();

    static {
        FACTORS.put("tokens/s", 1.0);
        FACTORS.put("GB/s", 1e9);
        FACTORS.put("s", 1.0);
        FACTORS.put("ms", 1e-3);
        FACTORS.put("us", 1e-6);
        FACTORS.put("TFLOPS", 1e12);
        FACTORS.put("parameters", 1.0);
        FACTORS.put("B parameters", 1e9);
        FACTORS.put("bytes", 1.0);
        FACTORS.put("GB", 1e9);
        FACTORS.put("USD", 1.0);
    }

    private Units() {
    }

    /** Whether {@code unit} is known. */
    public static boolean known(String unit) {
        return FACTORS.containsKey(unit);
    }

    /** The known units, for error messages. */
    public static String names() {
        return String.join(", ", FACTORS.keySet());
    }

    /** How many SI units one {@code unit} is. */
    public static double factor(String unit) {
        Double factor = FACTORS.get(unit);
        if (factor == null) {
            throw new IllegalArgumentException("unknown unit " + unit);
        }
        return factor;
    }
}
