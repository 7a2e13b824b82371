package io.moesim.models.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import io.moesim.models.tensor.Tensor;
import io.moesim.models.tensor.TensorSource;
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
public final class Checkpoint implements TensorSource {

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
        JsonNode root = InputFiles.readJson(index, "file");
        if (root == null || !root.isObject()) {
            throw InputException.at(index, "document", "expected a JSON object with a weight_map");
        }
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw InputException.at(index, "weight_map", "missing or not an object of tensor name to shard file");
        }
        if (weightMap.isEmpty()) {
            throw InputException.at(index, "weight_map", "lists no tensors");
        }
        Path folder = location.toAbsolutePath().normalize();
        Path realFolder;
        try {
            realFolder = folder.toRealPath();
        } catch (IOException e) {
            throw InputException.at(location, "checkpoint", InputFiles.describe(e));
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        Map<String, Path> shardPaths = new LinkedHashMap<>();
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "weight_map.'" + e.getKey() + "'";
            if (!e.getValue().isTextual() || e.getValue().textValue().isBlank()) {
                throw InputException.at(index, field, "expected the name of a shard file, got " + e.getValue());
            }
            String shard = e.getValue().textValue();
            if (!shardPaths.containsKey(shard)) {
                shardPaths.put(shard, shardInside(index, field, folder, realFolder, shard));
            }
            shardOf.put(e.getKey(), shard);
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                SafetensorsFile f = opened.get(e.getValue());
                if (f == null) {
                    f = SafetensorsFile.open(shardPaths.get(e.getValue()));
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

    /**
     * The shard {@code name} of the index, which must be a relative path that stays inside the checkpoint
     * folder, also once symbolic links are followed, and name a regular file.
     */
    private static Path shardInside(Path index, String field, Path folder, Path realFolder, String name) {
        Path relative;
        try {
            relative = Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw InputException.at(index, field, "shard '" + name + "' is not a valid file name");
        }
        if (relative.isAbsolute() || name.startsWith("/") || name.startsWith("\\")) {
            throw InputException.at(index, field, "shard '" + name + "' is an absolute path; shards must lie in the"
                    + " checkpoint folder " + folder);
        }
        Path shard = folder.resolve(relative).normalize();
        if (!shard.startsWith(folder) || shard.equals(folder)) {
            throw InputException.at(index, field, "shard '" + name + "' leaves the checkpoint folder " + folder);
        }
        if (!Files.exists(shard)) {
            throw InputException.at(index, field, "shard '" + name + "' does not exist in " + folder);
        }
        Path real;
        try {
            real = shard.toRealPath();
        } catch (IOException e) {
            throw InputException.at(index, field, "shard '" + name + "': " + InputFiles.describe(e));
        }
        if (!real.startsWith(realFolder)) {
            throw InputException.at(index, field, "shard '" + name + "' is a link that leaves the checkpoint folder "
                    + folder);
        }
        if (!Files.isRegularFile(real)) {
            throw InputException.at(index, field, "shard '" + name + "' is not a regular file");
        }
        return shard;
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
    @Override
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
    @Override
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

    /**
     * The shard file holding {@code name}; for an absent name, the single file, or the index file
     * of a sharded checkpoint (where the name would have to be listed).
     */
    @Override
    public Path origin(String name) {
        SafetensorsFile f = byName.get(name);
        if (f != null) {
            return f.path();
        }
        return Files.isDirectory(location) && Files.isRegularFile(location.resolve(INDEX_FILE))
                ? location.resolve(INDEX_FILE) : files.getFirst().path();
    }

    /** Unmaps every file. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
