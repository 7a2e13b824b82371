package io.moesim.models.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.models.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedSet;

/**
 * The weights of a Hugging Face checkpoint directory: either one {@code model.safetensors}, or
 * the shards listed in {@code model.safetensors.index.json} ({@code weight_map}: tensor name to
 * shard file). A path to a single {@code .safetensors} file is accepted as well. All files are
 * memory-mapped at {@link #open} (which costs no reading) and validated there.
 */
public final class Checkpoint implements AutoCloseable {

    /** File name of a single-file checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** File name of the shard index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path location;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byName;

    private Checkpoint(Path location, List<SafetensorsFile> files, Map<String, SafetensorsFile> byName) {
        this.location = location;
        this.files = files;
        this.byName = byName;
    }

    /** Opens a checkpoint directory (or one {@code .safetensors} file); {@link InputException} on any problem. */
    public static Checkpoint open(Path location) {
        if (Files.isRegularFile(location)) {
            return single(location, location);
        }
        if (!Files.isDirectory(location)) {
            throw InputException.at(location, "checkpoint", "no such directory or file");
        }
        Path index = location.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return sharded(location, index);
        }
        Path single = location.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single(location, single);
        }
        throw InputException.at(location, "checkpoint", "neither " + SINGLE_FILE + " nor " + INDEX_FILE + " found");
    }

    private static Checkpoint single(Path location, Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        for (String name : f.names()) {
            byName.put(name, f);
        }
        return new Checkpoint(location, List.of(f), byName);
    }

    private static Checkpoint sharded(Path location, Path index) {
        JsonNode weightMap;
        try {
            JsonNode root = new ObjectMapper().readTree(index.toFile());
            weightMap = root == null ? null : root.get("weight_map");
        } catch (IOException e) {
            throw InputException.at(index, "index", "bad JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (weightMap == null || !weightMap.isObject()) {
            throw InputException.at(index, "weight_map", "missing or not an object of tensor name to shard file");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        weightMap.fields().forEachRemaining(e -> shardOf.put(e.getKey(), e.getValue().asText()));
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                SafetensorsFile f = opened.get(e.getValue());
                if (f == null) {
                    Path shard = location.resolve(e.getValue());
                    if (!Files.isRegularFile(shard)) {
                        throw InputException.at(index, "weight_map.'" + e.getKey() + "'", "shard " + e.getValue()
                                + " does not exist in " + location);
                    }
                    f = SafetensorsFile.open(shard);
                    opened.put(e.getValue(), f);
                    files.add(f);
                }
                if (!f.has(e.getKey())) {
                    throw InputException.at(f.path(), "tensor '" + e.getKey() + "'", "listed in " + INDEX_FILE
                            + " but absent from this shard");
                }
                byName.put(e.getKey(), f);
            }
        } catch (RuntimeException ex) {
            files.forEach(SafetensorsFile::close);
            throw ex;
        }
        return new Checkpoint(location, Collections.unmodifiableList(files), byName);
    }

    /** The directory (or file) this checkpoint was opened from. */
    public Path location() {
        return location;
    }

    /** The mapped files, in the order first referenced. */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Whether the checkpoint has tensor {@code name}. */
    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** All tensor names, in index (or header) order. */
    public SequencedSet<String> names() {
        return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(byName.keySet()));
    }

    /** Header entry of {@code name}; {@link InputException} naming the files searched if absent. */
    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    /** A view of tensor {@code name}; {@link InputException} if absent or of an unsupported dtype. */
    public Tensor tensor(String name) {
        return fileOf(name).tensor(name);
    }

    /** The metadata of the first file (Hugging Face writes the same {@code format: pt} in every shard). */
    public Map<String, String> metadata() {
        return files.getFirst().metadata();
    }

    private SafetensorsFile fileOf(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null) {
            List<String> searched = files.stream().map(x -> x.path().getFileName().toString()).toList();
            throw InputException.at(location, "tensor '" + name + "'", "not found (searched " + String.join(", ", searched) + ")");
        }
        return f;
    }

    /** Unmaps every file. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
