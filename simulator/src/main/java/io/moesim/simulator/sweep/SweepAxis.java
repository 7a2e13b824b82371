package io.moesim.simulator.sweep;

import io.moesim.models.InputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One varied key of a sweep: a dotted scenario path (as for {@code --set}) and the values it takes,
 * each written as YAML text ({@code 64}, {@code h200}, {@code {tp: 1, dp: 8}}).
 *
 * @param key    dotted path, e.g. {@code deployment.decode.maxBatchPerGpu}
 * @param values the values in the order given (at least one, no duplicates)
 */
public record SweepAxis(String key, List<String> values) {

    public SweepAxis {
        Objects.requireNonNull(key, "key");
        values = List.copyOf(values);
        if (key.isBlank()) {
            throw new InputException("--vary: empty key");
        }
        if (values.isEmpty()) {
            throw new InputException("--vary " + key + ": no values");
        }
        for (String v : values) {
            if (v.isBlank()) {
                throw new InputException("--vary " + key + ": empty value in " + String.join(",", values));
            }
        }
        if (values.stream().distinct().count() != values.size()) {
            throw new InputException("--vary " + key + ": a value is listed twice in " + String.join(",", values));
        }
    }

    /**
     * Parses {@code KEY=V1,V2,...}. Commas inside brackets or braces belong to the value, so
     * {@code deployment.decode.attention={tp: 1, dp: 8},{tp: 2, dp: 4}} gives two values.
     */
    public static SweepAxis parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new InputException("--vary " + spec + ": expected KEY=V1,V2,... with a dotted KEY");
        }
        String key = spec.substring(0, eq).strip();
        List<String> values = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : spec.substring(eq + 1).toCharArray()) {
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            }
            if (c == ',' && depth == 0) {
                values.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (depth != 0) {
            throw new InputException("--vary " + key + ": unbalanced brackets in " + spec.substring(eq + 1));
        }
        values.add(current.toString().strip());
        return new SweepAxis(key, values);
    }

    /** The {@code --set} form of value {@code i}. */
    public String set(int i) {
        return key + "=" + values.get(i);
    }
}
