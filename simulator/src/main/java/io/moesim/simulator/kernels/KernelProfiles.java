package io.moesim.simulator.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.simulator.config.Node;
import io.moesim.simulator.config.Yaml;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads kernel profiles: the shipped ones ({@code kernel-profiles/<id>.yaml}, one per shipped
 * hardware profile, in the jar) by id, or any kernel-profile YAML by path. Parsing is strict: an
 * unknown or missing key is an error naming the file and the key.
 */
public final class KernelProfiles {

    /** Classpath folder of the shipped kernel profiles. */
    public static final String RESOURCE_DIR = "/io/moesim/simulator/kernels/profiles/";

    private KernelProfiles() {
    }

    /** True when a kernel profile ships for {@code id}. */
    public static boolean ships(String id) {
        return id.matches("[a-z0-9-]+") && KernelProfiles.class.getResource(RESOURCE_DIR + id + ".yaml") != null;
    }

    /** The shipped kernel profile {@code id}. */
    public static KernelProfile byId(String id) {
        if (!ships(id)) {
            throw new InputException("no shipped kernel profile '" + id + "' (name one with kernels: ID or a path to a"
                    + " kernel-profile YAML)");
        }
        String source = "kernel-profiles/" + id + ".yaml";
        try (InputStream in = KernelProfiles.class.getResourceAsStream(RESOURCE_DIR + id + ".yaml")) {
            return parse(source, Yaml.read(source, in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + source, e);
        }
    }

    /** A kernel profile named by a shipped id or a path (relative to {@code baseDir}, null: the working directory). */
    public static KernelProfile resolve(String idOrPath, Path baseDir) {
        if (ships(idOrPath)) {
            return byId(idOrPath);
        }
        boolean looksLikePath = idOrPath.contains("/") || idOrPath.contains("\\") || idOrPath.endsWith(".yaml")
                || idOrPath.endsWith(".yml");
        if (!looksLikePath) {
            throw new InputException("unknown kernel profile '" + idOrPath + "' (shipped: one per hardware id; or give"
                    + " a path to a kernel-profile YAML)");
        }
        Path path = baseDir == null ? Path.of(idOrPath) : baseDir.resolve(idOrPath);
        if (!Files.isRegularFile(path)) {
            throw new InputException(path + ": no such kernel profile file");
        }
        return parse(path, Yaml.read(path));
    }

    /** Binds a parsed kernel profile; {@code source} names it in errors. */
    public static KernelProfile parse(Object source, JsonNode tree) {
        Node root = Node.root(source, tree);
        String id = root.string("id");
        String hardware = root.string("hardware");
        String software = root.string("software");
        String interpolation = root.string("interpolation");
        Map<String, KernelTable> tables = new LinkedHashMap<>();
        for (KernelProfile.Entry entry : KernelProfile.SCHEMA) {
            tables.put(entry.key(), table(root.map(entry.key()), entry));
        }
        root.finish();
        return new KernelProfile(id, hardware, software, interpolation, tables);
    }

    private static KernelTable table(Node node, KernelProfile.Entry entry) {
        String unit = node.choice("unit", null, entry.unit());
        KernelTable.Basis basis = KernelTable.Basis.valueOf(node.choice("basis", null, "measurement", "derived", "fitted",
                "estimate", "none").toUpperCase(Locale.ROOT));
        String source = node.string("source");
        String fallback = null;
        if (basis == KernelTable.Basis.NONE) {
            fallback = node.string("fallback");
        } else if (node.has("fallback")) {
            throw node.error("fallback", "only an entry with basis: none has a fallback");
        }
        if (node.has("value") == node.has("points")) {
            throw node.error("either value (a constant) or points (a table), not both or neither");
        }
        KernelTable table;
        if (node.has("value")) {
            table = KernelTable.constant(entry.key(), unit, basis, source, fallback,
                    node.number("value", entry.min(), entry.max()));
        } else {
            table = points(node, entry, unit, basis, source, fallback);
        }
        node.finish();
        return table;
    }

    private static KernelTable points(Node node, KernelProfile.Entry entry, String unit, KernelTable.Basis basis,
                                      String source, String fallback) {
        List<Node> points = node.listOfMaps("points");
        if (points.isEmpty()) {
            throw node.error("points", "needs at least one point");
        }
        List<String> axes = new ArrayList<>();
        for (String axis : entry.axes()) {
            if (points.getFirst().has(axis)) {
                axes.add(axis);
            }
        }
        if (axes.isEmpty()) {
            throw node.error("points", "each point needs " + String.join(" and/or ", entry.axes()) + ", and value");
        }
        List<double[]> rows = new ArrayList<>();
        for (Node point : points) {
            double[] row = new double[axes.size() + 1];
            for (int a = 0; a < axes.size(); a++) {
                row[a] = point.number(axes.get(a), 1e-9, 1e12);
            }
            row[axes.size()] = point.number("value", entry.min(), entry.max());
            point.finish();
            rows.add(row);
        }
        double[] first = distinct(rows, 0);
        double[] second = axes.size() == 2 ? distinct(rows, 1) : new double[] {Double.NaN};
        double[][] values = new double[first.length][second.length];
        boolean[][] seen = new boolean[first.length][second.length];
        for (int p = 0; p < rows.size(); p++) {
            double[] row = rows.get(p);
            int i = Arrays.binarySearch(first, row[0]);
            int j = axes.size() == 2 ? Arrays.binarySearch(second, row[1]) : 0;
            if (seen[i][j]) {
                throw node.error("points", "point " + p + " repeats a shape of an earlier point");
            }
            seen[i][j] = true;
            values[i][j] = row[axes.size()];
        }
        if (rows.size() != first.length * second.length) {
            throw node.error("points", "a table over " + axes.get(0) + " and " + axes.get(1)
                    + " needs every combination of their values (a full grid): " + first.length + " x " + second.length
                    + " points, found " + rows.size());
        }
        return new KernelTable(entry.key(), unit, basis, source, fallback, axes, first,
                axes.size() == 2 ? second : new double[0], values);
    }

    private static double[] distinct(List<double[]> rows, int column) {
        TreeSet<Double> set = new TreeSet<>();
        for (double[] row : rows) {
            set.add(row[column]);
        }
        return set.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
