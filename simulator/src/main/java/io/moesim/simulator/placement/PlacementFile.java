package io.moesim.simulator.placement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.moesim.models.InputException;
import io.moesim.simulator.config.Yaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes a {@link Placement} as YAML or JSON: per MoE layer, per GPU, the experts it holds.
 *
 * <pre>
 * experts: 12          # logical experts per layer
 * gpusPerNode: 4       # optional, default: all GPUs in one node
 * layers:              # one entry per MoE layer (or a single entry used for every layer)
 *   - [[5, 6], [5, 7], [8, 4], [3, 4], [10, 9], [10, 2], [0, 1], [11, 1]]
 *   - ...
 * </pre>
 *
 * The GPU count is the length of each layer's list; every GPU holds the same number of slots and
 * every expert appears at least once. Mistakes are {@link InputException}s naming the file and the
 * field ({@code layers[1][3][0]}).
 */
public final class PlacementFile {

    private PlacementFile() {
    }

    /**
     * Reads {@code file}.
     *
     * @param expectedExperts the model's routed experts (checked), or 0 to accept the file's
     * @param expectedLayers  the model's MoE layers: the file has that many layers or one (repeated);
     *                        0 to accept any count
     */
    public static Placement read(Path file, int expectedExperts, int expectedLayers) {
        JsonNode root = Yaml.read(file);
        if (!root.isObject()) {
            throw new InputException(file + ": expected a map with 'experts' and 'layers'");
        }
        root.fieldNames().forEachRemaining(key -> {
            if (!List.of("experts", "gpusPerNode", "layers", "model", "strategy", "redundantExperts").contains(key)) {
                throw InputException.at(file, key, "unknown key (expected experts, gpusPerNode, layers)");
            }
        });
        int experts = positiveInt(file, root, "experts");
        if (expectedExperts > 0 && experts != expectedExperts) {
            throw InputException.at(file, "experts", experts + " experts, but the model has " + expectedExperts);
        }
        JsonNode layersNode = root.get("layers");
        if (layersNode == null || !layersNode.isArray() || layersNode.isEmpty()) {
            throw InputException.at(file, "layers", "expected a non-empty list (per layer, per GPU, the experts it holds)");
        }
        List<LayerPlacement> layers = new ArrayList<>();
        int gpus = -1;
        for (int l = 0; l < layersNode.size(); l++) {
            String field = "layers[" + l + "]";
            JsonNode layer = layersNode.get(l);
            if (!layer.isArray() || layer.isEmpty()) {
                throw InputException.at(file, field, "expected a list with one list of experts per GPU");
            }
            if (gpus < 0) {
                gpus = layer.size();
            } else if (layer.size() != gpus) {
                throw InputException.at(file, field, layer.size() + " GPUs, but layers[0] has " + gpus);
            }
            // Every GPU gets as many slots as the fullest one; a GPU listing fewer experts has empty slots.
            int slotsPerGpu = 0;
            for (int g = 0; g < gpus; g++) {
                JsonNode gpu = layer.get(g);
                if (!gpu.isArray() || gpu.isEmpty()) {
                    throw InputException.at(file, field + "[" + g + "]", "expected a non-empty list of expert ids");
                }
                slotsPerGpu = Math.max(slotsPerGpu, gpu.size());
            }
            List<Integer> slots = new ArrayList<>();
            for (int g = 0; g < gpus; g++) {
                JsonNode gpu = layer.get(g);
                String gpuField = field + "[" + g + "]";
                for (int k = 0; k < slotsPerGpu; k++) {
                    if (k >= gpu.size()) {
                        slots.add(io.moesim.simulator.routing.ExpertPlacement.EMPTY);
                        continue;
                    }
                    JsonNode id = gpu.get(k);
                    if (!id.canConvertToInt() || !id.isIntegralNumber() || id.asInt() < 0 || id.asInt() >= experts) {
                        throw InputException.at(file, gpuField + "[" + k + "]", "expected an expert id in [0, "
                                + experts + "), got " + id);
                    }
                    slots.add(id.asInt());
                }
            }
            boolean[] seen = new boolean[experts];
            slots.stream().filter(e -> e >= 0).forEach(e -> seen[e] = true);
            for (int e = 0; e < experts; e++) {
                if (!seen[e]) {
                    throw InputException.at(file, field, "expert " + e + " is placed on no GPU");
                }
            }
            layers.add(new LayerPlacement(gpus, experts, slots.stream().mapToInt(Integer::intValue).toArray()));
        }
        if (expectedLayers > 0 && layers.size() != expectedLayers) {
            if (layers.size() != 1) {
                throw InputException.at(file, "layers", layers.size() + " layers, but the model has "
                        + expectedLayers + " MoE layers (give one per MoE layer, or one for all)");
            }
            List<LayerPlacement> repeated = new ArrayList<>();
            for (int l = 0; l < expectedLayers; l++) {
                repeated.add(layers.get(0));
            }
            layers = repeated;
        }
        int gpusPerNode = gpus;
        if (root.has("gpusPerNode")) {
            gpusPerNode = positiveInt(file, root, "gpusPerNode");
            if (gpus % gpusPerNode != 0) {
                throw InputException.at(file, "gpusPerNode", gpusPerNode + " does not divide " + gpus + " GPUs");
            }
        }
        return new Placement(gpus, gpusPerNode, layers);
    }

    /** Writes {@code placement} to {@code file}: JSON when the name ends in {@code .json}, else YAML (temp file + rename). */
    public static void write(Placement placement, Path file) {
        ObjectMapper mapper = file.getFileName().toString().endsWith(".json")
                ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                : new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));
        String text;
        try {
            text = mapper.writeValueAsString(toTree(placement));
        } catch (IOException e) {
            throw io.moesim.simulator.config.WriteErrors.of(file, e);
        }
        io.moesim.models.io.OutputFiles.writeString(file, text);
    }

    /** The tree {@link #write} writes. */
    public static ObjectNode toTree(Placement placement) {
        ObjectNode root = Yaml.mapper().createObjectNode();
        root.put("experts", placement.numExperts());
        root.put("gpusPerNode", placement.gpusPerNode());
        ArrayNode layers = root.putArray("layers");
        for (LayerPlacement layer : placement.layers()) {
            ArrayNode gpus = layers.addArray();
            for (int g = 0; g < layer.numGpus(); g++) {
                ArrayNode ids = gpus.addArray();
                for (int e : layer.expertsOnGpu(g)) {
                    ids.add(e);
                }
            }
        }
        return root;
    }

    private static int positiveInt(Path file, JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null) {
            throw InputException.at(file, key, "missing");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            throw InputException.at(file, key, "expected a positive integer, got " + v);
        }
        return v.asInt();
    }
}
