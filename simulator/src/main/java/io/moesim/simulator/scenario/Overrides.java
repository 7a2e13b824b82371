package io.moesim.simulator.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import io.moesim.simulator.hardware.HardwareProfile;
import io.moesim.simulator.hardware.HardwareProfiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What follows from a {@code --set} beyond the key it names, so that a what-if changes what the user
 * meant and nothing silently stays behind (docs/scenarios.md, "What-ifs"):
 * <ul>
 *   <li>{@code deployment.POOL.gpus=N} alone scales the pool's split: attention {@code dp} becomes
 *       {@code N / tp} and {@code experts.ep} keeps its share of the GPUs ({@code ep x N / gpus}); when
 *       it cannot ({@code tp} does not divide {@code N}), the error says which key to set too. A
 *       {@code --set} of the pool's {@code attention} (or {@code experts}) keeps what it gives; the
 *       other part still scales.</li>
 *   <li>{@code hardware=ID} drops the scenario's {@code price} (it was the old hardware's), so the new
 *       profile's price applies, unless a {@code --set price...} gives one; the scenario's {@code name}
 *       names the new hardware where it named the old.</li>
 * </ul>
 */
final class Overrides {

    private Overrides() {
    }

    /** Whether one of {@code sets} gives the price ({@code price=...} or {@code price.KEY=...}). */
    static boolean priceSet(List<String> sets) {
        return sets.stream().map(Overrides::key).anyMatch(k -> k.equals("price") || k.startsWith("price."));
    }

    /** Applies to {@code tree} what follows from {@code sets}, given the tree as the file had it. */
    static void follow(String source, ObjectNode original, ObjectNode tree, List<String> sets, Path dir) {
        List<String> keys = sets.stream().map(Overrides::key).toList();
        for (String role : List.of("prefill", "decode", "colocated")) {
            String prefix = "deployment." + role;
            if (keys.contains(prefix + ".gpus")
                    && keys.stream().noneMatch(k -> k.equals(prefix) || k.equals("deployment"))) {
                scalePool(source, prefix, original.at("/deployment/" + role), tree.at("/deployment/" + role),
                        keys.stream().noneMatch(k -> k.startsWith(prefix + ".attention")),
                        keys.stream().noneMatch(k -> k.startsWith(prefix + ".experts")));
            }
        }
        if (keys.contains("hardware")) {
            followHardware(original, tree, keys, dir);
        }
    }

    private static void scalePool(String source, String prefix, JsonNode before, JsonNode after,
                                  boolean scaleAttention, boolean scaleExperts) {
        if (!before.isObject() || !after.isObject()) {
            return;
        }
        JsonNode g0 = before.get("gpus");
        JsonNode g1 = after.get("gpus");
        JsonNode attention = after.get("attention");
        JsonNode experts = after.get("experts");
        if (g0 == null || g1 == null || !g0.canConvertToInt() || !g1.canConvertToInt() || !g0.isIntegralNumber()
                || !g1.isIntegralNumber() || attention == null || !attention.isObject() || experts == null
                || !experts.isObject()) {
            return; // the binding reports what is missing or malformed
        }
        long oldGpus = g0.asLong();
        long newGpus = g1.asLong();
        JsonNode tp = attention.get("tp");
        JsonNode ep = experts.get("ep");
        if (oldGpus == newGpus || oldGpus < 1 || newGpus < 1 || tp == null || ep == null || !tp.isIntegralNumber()
                || !ep.isIntegralNumber() || tp.asLong() < 1 || ep.asLong() < 1) {
            return;
        }
        long t = tp.asLong();
        long e = ep.asLong();
        if (scaleAttention) {
            if (newGpus % t != 0) {
                throw InputException.at(source, prefix + ".gpus", newGpus + " is not a multiple of the pool's attention tp "
                        + t + "; give the split too, e.g. --set " + prefix + ".attention={tp: 1, dp: " + newGpus + "}");
            }
            ((ObjectNode) attention).put("dp", newGpus / t);
        }
        if (scaleExperts) {
            if (e * newGpus % oldGpus != 0) {
                throw InputException.at(source, prefix + ".gpus", "ep " + e + " of " + oldGpus + " GPUs does not scale to "
                        + newGpus + " GPUs; give it too, e.g. --set " + prefix + ".experts.ep=" + newGpus);
            }
            ((ObjectNode) experts).put("ep", e * newGpus / oldGpus);
        }
    }

    private static void followHardware(ObjectNode original, ObjectNode tree, List<String> keys, Path dir) {
        JsonNode before = original.get("hardware");
        JsonNode after = tree.get("hardware");
        if (before == null || after == null || !before.isTextual() || !after.isTextual()
                || before.asText().equals(after.asText())) {
            return;
        }
        if (keys.stream().noneMatch(k -> k.equals("price") || k.startsWith("price."))) {
            tree.remove("price");
        }
        JsonNode name = tree.get("name");
        if (name == null || !name.isTextual() || keys.contains("name")) {
            return;
        }
        HardwareProfile oldProfile;
        HardwareProfile newProfile;
        try {
            oldProfile = HardwareProfiles.resolve(before.asText(), dir);
            newProfile = HardwareProfiles.resolve(after.asText(), dir);
        } catch (InputException e) {
            return; // the binding names the bad hardware
        }
        tree.put("name", renamed(name.asText(), oldProfile.id(), newProfile.id()));
    }

    /**
     * {@code name} with each mention of the hardware {@code oldId} (case and {@code -}/space aside)
     * replaced by {@code newId} in capitals ({@code "V3 on H800"} becomes {@code "V3 on H200"}), or
     * {@code " (on NEWID)"} added when it names no hardware.
     */
    static String renamed(String name, String oldId, String newId) {
        StringBuilder regex = new StringBuilder("(?i)(?<![A-Za-z0-9])");
        String[] parts = oldId.split("[- ]");
        for (int i = 0; i < parts.length; i++) {
            regex.append(i == 0 ? "" : "[- ]").append(Pattern.quote(parts[i]));
        }
        regex.append("(?![A-Za-z0-9])");
        String display = newId.toUpperCase(Locale.ROOT).replace('-', ' ');
        Matcher m = Pattern.compile(regex.toString()).matcher(name);
        if (!m.find()) {
            return name + " (on " + display + ")";
        }
        return m.replaceAll(Matcher.quoteReplacement(display));
    }

    private static String key(String set) {
        int eq = set.indexOf('=');
        return (eq < 0 ? set : set.substring(0, eq)).strip();
    }
}
