package io.moesim.models.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;

/**
 * Typed reads of the fields of a JSON or YAML object, with {@link InputException}s that name the
 * file and the field. {@code null} values count as absent.
 */
final class Fields {

    private final Object source;
    private final String prefix;
    private final JsonNode node;

    Fields(Object source, String prefix, JsonNode node) {
        this.source = source;
        this.prefix = prefix;
        this.node = node;
    }

    Object source() {
        return source;
    }

    String path(String field) {
        return prefix.isEmpty() ? field : prefix + "." + field;
    }

    InputException error(String field, String problem) {
        return InputException.at(source, path(field), problem);
    }

    boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    JsonNode required(String field) {
        if (!has(field)) {
            throw error(field, "missing");
        }
        return node.get(field);
    }

    /** The object at {@code field}, required. */
    Fields object(String field) {
        JsonNode value = required(field);
        if (!value.isObject()) {
            throw error(field, "expected an object, got " + describe(value));
        }
        return new Fields(source, path(field), value);
    }

    int integer(String field) {
        JsonNode value = required(field);
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            if (value.isNumber() && value.asDouble() == Math.rint(value.asDouble())
                    && Math.abs(value.asDouble()) <= Integer.MAX_VALUE) {
                return (int) value.asDouble();
            }
            if (value.isNumber() && value.asDouble() == Math.rint(value.asDouble())) {
                throw error(field, "integer " + describe(value) + " is out of range (at most " + Integer.MAX_VALUE + ")");
            }
            throw error(field, "expected an integer, got " + describe(value));
        }
        return value.intValue();
    }

    int integer(String field, int absent) {
        return has(field) ? integer(field) : absent;
    }

    long longInteger(String field) {
        JsonNode value = required(field);
        if (value.isNumber() && value.asDouble() == Math.rint(value.asDouble())) {
            return value.isIntegralNumber() ? value.longValue() : (long) value.asDouble();
        }
        throw error(field, "expected an integer, got " + describe(value));
    }

    double number(String field) {
        JsonNode value = required(field);
        if (!value.isNumber() || !Double.isFinite(value.doubleValue())) {
            throw error(field, "expected a finite number, got " + describe(value));
        }
        return value.doubleValue();
    }

    double number(String field, double absent) {
        return has(field) ? number(field) : absent;
    }

    boolean bool(String field) {
        JsonNode value = required(field);
        if (!value.isBoolean()) {
            throw error(field, "expected true or false, got " + describe(value));
        }
        return value.booleanValue();
    }

    boolean bool(String field, boolean absent) {
        return has(field) ? bool(field) : absent;
    }

    String text(String field) {
        JsonNode value = required(field);
        if (!value.isTextual()) {
            throw error(field, "expected a string, got " + describe(value));
        }
        return value.textValue();
    }

    String text(String field, String absent) {
        return has(field) ? text(field) : absent;
    }

    /** Refuses any key of this object that is not in {@code known}, naming it and listing the known ones. */
    void allowOnly(java.util.Collection<String> known) {
        for (java.util.Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw error(key, "unknown key (known here: " + String.join(", ", known) + ")");
            }
        }
    }

    /** The integer at {@code field}, which must be in {@code [min, max]}. */
    int integerIn(String field, int min, int max) {
        int value = integer(field);
        if (value < min || value > max) {
            throw error(field, "must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    static String describe(JsonNode value) {
        String text = value.toString();
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }
}
