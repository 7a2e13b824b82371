package io.moesim.simulator.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A strict reader over one map of a parsed YAML/JSON tree. It knows the file and the dotted path
 * of the map, so that every error names them, and it remembers which keys were read so that
 * {@link #finish()} can reject the keys nobody asked for (misspellings).
 *
 * <p>Numbers may be written as YAML numbers or as strings such as {@code 989e12} (YAML 1.1
 * reads an exponent without a dot as a string).
 */
public final class Node {

    private final Object source;
    private final String path;
    private final ObjectNode map;
    private final Set<String> read = new HashSet<>();

    private Node(Object source, String path, ObjectNode map) {
        this.source = source;
        this.path = path;
        this.map = map;
    }

    /** The root map of a document; {@code source} is the file (or name) errors mention. */
    public static Node root(Object source, JsonNode tree) {
        if (tree == null || !tree.isObject()) {
            throw new InputException(source + ": expected a map of keys at the top level");
        }
        return new Node(source, "", (ObjectNode) tree);
    }

    public Object source() {
        return source;
    }

    /** Dotted path of this map ({@code ""} at the root). */
    public String path() {
        return path;
    }

    /** Dotted path of a key of this map. */
    public String pathOf(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** An error about {@code key} of this map. */
    public InputException error(String key, String problem) {
        return InputException.at(source, pathOf(key), problem);
    }

    /** An error about this map itself. */
    public InputException error(String problem) {
        return path.isEmpty() ? new InputException(source + ": " + problem) : InputException.at(source, path, problem);
    }

    public boolean has(String key) {
        JsonNode value = map.get(key);
        return value != null && !value.isNull();
    }

    /** The raw value of {@code key}, marked as read; null when absent. */
    public JsonNode raw(String key) {
        read.add(key);
        JsonNode value = map.get(key);
        return value == null || value.isNull() ? null : value;
    }

    private JsonNode required(String key) {
        JsonNode value = raw(key);
        if (value == null) {
            throw error(key, "missing");
        }
        return value;
    }

    /** The map under {@code key}; it must be present. */
    public Node map(String key) {
        JsonNode value = required(key);
        if (!value.isObject()) {
            throw error(key, "expected a map, got " + describe(value));
        }
        return new Node(source, pathOf(key), (ObjectNode) value);
    }

    /** The map under {@code key}, or null when absent. */
    public Node optionalMap(String key) {
        return raw(key) == null ? null : map(key);
    }

    /** The maps of the list under {@code key}. */
    public List<Node> listOfMaps(String key) {
        JsonNode value = required(key);
        if (!value.isArray()) {
            throw error(key, "expected a list, got " + describe(value));
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isObject()) {
                throw InputException.at(source, pathOf(key) + "[" + i + "]", "expected a map, got " + describe(item));
            }
            nodes.add(new Node(source, pathOf(key) + "[" + i + "]", (ObjectNode) item));
        }
        return nodes;
    }

    public String string(String key) {
        JsonNode value = required(key);
        if (!value.isValueNode() || value.isBoolean()) {
            throw error(key, "expected a text value, got " + describe(value));
        }
        String text = value.asText().strip();
        if (text.isEmpty()) {
            throw error(key, "must not be empty");
        }
        return text;
    }

    public String string(String key, String defaultValue) {
        return has(key) ? string(key) : mark(key, defaultValue);
    }

    /** A text value among {@code allowed} (compared without case), returned in lower case. */
    public String choice(String key, String defaultValue, String... allowed) {
        String value = defaultValue == null ? string(key) : string(key, defaultValue);
        for (String option : allowed) {
            if (option.equalsIgnoreCase(value)) {
                return option;
            }
        }
        throw error(key, "'" + value + "' is not one of " + String.join(", ", allowed));
    }

    public double number(String key) {
        JsonNode value = required(key);
        double number;
        if (value.isNumber()) {
            number = value.doubleValue();
        } else if (value.isTextual()) {
            try {
                number = Double.parseDouble(value.asText().strip().replace("_", ""));
            } catch (NumberFormatException e) {
                throw error(key, "expected a number, got '" + value.asText() + "'");
            }
        } else {
            throw error(key, "expected a number, got " + describe(value));
        }
        if (!Double.isFinite(number)) {
            throw error(key, "expected a finite number, got " + value.asText());
        }
        return number;
    }

    /** A number in {@code [min, max]}. */
    public double number(String key, double min, double max) {
        double number = number(key);
        if (number < min || number > max) {
            throw error(key, format(number) + " is out of range [" + format(min) + ", " + format(max) + "]");
        }
        return number;
    }

    public double number(String key, double min, double max, double defaultValue) {
        return has(key) ? number(key, min, max) : mark(key, defaultValue);
    }

    /** A number greater than zero. */
    public double positive(String key) {
        double number = number(key);
        if (!(number > 0)) {
            throw error(key, "must be > 0, got " + format(number));
        }
        return number;
    }

    /** A whole number in {@code [min, max]}. */
    public int integer(String key, long min, long max) {
        double number = number(key);
        if (number != Math.rint(number)) {
            throw error(key, "expected a whole number, got " + format(number));
        }
        if (number < min || number > max) {
            throw error(key, format(number) + " is out of range [" + min + ", " + max + "]");
        }
        return (int) number;
    }

    public int integer(String key, long min, long max, int defaultValue) {
        return has(key) ? integer(key, min, max) : mark(key, defaultValue);
    }

    public boolean bool(String key, boolean defaultValue) {
        if (!has(key)) {
            return mark(key, defaultValue);
        }
        JsonNode value = raw(key);
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual() && (value.asText().equalsIgnoreCase("true") || value.asText().equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(value.asText());
        }
        throw error(key, "expected true or false, got " + describe(value));
    }

    /** Marks {@code key} as known without reading it (a key a later version will read). */
    public void allow(String key) {
        read.add(key);
    }

    /** Rejects every key of this map that was not read. */
    public void finish() {
        Iterator<String> names = map.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!read.contains(name)) {
                throw error(name, "unknown key");
            }
        }
    }

    private <T> T mark(String key, T value) {
        read.add(key);
        return value;
    }

    static String describe(JsonNode value) {
        if (value.isObject()) {
            return "a map";
        }
        if (value.isArray()) {
            return "a list";
        }
        return "'" + value.asText() + "'";
    }

    /** A number as a user wrote it: integers without a fraction. */
    public static String format(double number) {
        if (number == Math.rint(number) && Math.abs(number) < 1e15) {
            return Long.toString((long) number);
        }
        return Double.toString(number);
    }
}
