package io.moesim.simulator.hardware;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.models.InputException;
import io.moesim.simulator.config.Node;
import io.moesim.simulator.config.Yaml;
import io.moesim.simulator.kernels.KernelProfile;
import io.moesim.simulator.kernels.KernelProfiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Loads hardware profiles: the ones shipped in the jar (from {@code hardware-profiles/}, listed in
 * its {@code index.txt}) by id, or any profile YAML by path.
 */
public final class HardwareProfiles {

    /** Classpath folder of the shipped profiles. */
    public static final String RESOURCE_DIR = "/io/moesim/simulator/hardware/profiles/";

    private HardwareProfiles() {
    }

    /** Ids of the shipped profiles, in index order. */
    public static List<String> ids() {
        InputStream in = HardwareProfiles.class.getResourceAsStream(RESOURCE_DIR + "index.txt");
        if (in == null) {
            throw new IllegalStateException("hardware profile index missing from the classpath");
        }
        List<String> ids = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                String id = line.strip();
                if (!id.isEmpty() && !id.startsWith("#")) {
                    ids.add(id);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the hardware profile index", e);
        }
        return List.copyOf(ids);
    }

    /** Every shipped profile. */
    public static List<HardwareProfile> all() {
        return ids().stream().map(HardwareProfiles::byId).toList();
    }

    /** A shipped profile by id. */
    public static HardwareProfile byId(String id) {
        if (!ids().contains(id)) {
            throw new InputException("unknown hardware profile '" + id + "' (known: " + String.join(", ", ids()) + ")");
        }
        String resource = RESOURCE_DIR + id + ".yaml";
        try (InputStream in = HardwareProfiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("hardware profile " + id + " listed but missing");
            }
            String source = "hardware-profiles/" + id + ".yaml";
            return parse(source, Yaml.read(source, in));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    /**
     * A profile named by {@code idOrPath}: a shipped id, or else a YAML file (relative paths
     * resolve against {@code baseDir}, which may be null for the working directory).
     */
    public static HardwareProfile resolve(String idOrPath, Path baseDir) {
        if (ids().contains(idOrPath)) {
            return byId(idOrPath);
        }
        boolean looksLikePath = idOrPath.contains("/") || idOrPath.contains("\\") || idOrPath.endsWith(".yaml")
                || idOrPath.endsWith(".yml");
        if (!looksLikePath) {
            throw new InputException("unknown hardware profile '" + idOrPath + "' (known: " + String.join(", ", ids())
                    + "; or give a path to a profile YAML)");
        }
        Path path = baseDir == null ? Path.of(idOrPath) : baseDir.resolve(idOrPath);
        if (!Files.isRegularFile(path)) {
            throw new InputException(path + ": no such hardware profile file");
        }
        return load(path);
    }

    /** A profile from a YAML file. */
    public static HardwareProfile load(Path path) {
        return parse(path, Yaml.read(path));
    }

    /** Binds a parsed profile; {@code source} names it in errors. */
    public static HardwareProfile parse(Object source, JsonNode tree) {
        Node root = Node.root(source, tree);
        String id = root.string("id");
        String name = root.string("name");
        String description = root.string("description", "");

        Node gpuNode = root.map("gpu");
        Node peaks = gpuNode.map("peakFlopsPerSecond");
        Map<DataType, Quantity> peak = new EnumMap<>(DataType.class);
        for (DataType type : new DataType[] {DataType.BF16, DataType.FP8, DataType.FP4}) {
            if (peaks.has(type.key()) || type == DataType.BF16) {
                peak.put(type, Quantity.read(peaks, type.key(), 1e9, 1e18));
            }
        }
        peaks.finish();
        HardwareProfile.Gpu gpu = new HardwareProfile.Gpu(peak,
                Quantity.read(gpuNode, "hbmBytes", 1e6, 1e15),
                Quantity.read(gpuNode, "hbmBytesPerSecond", 1e9, 1e15),
                Quantity.read(gpuNode, "powerWatts", 1, 1e5),
                Quantity.read(gpuNode, "runtimeReservedBytes", 0, 1e12));
        gpuNode.finish();

        Node net = root.map("network");
        HardwareProfile.Network network = new HardwareProfile.Network(
                integral(net, "gpusPerNode"),
                integral(net, "nvlinkDomainGpus"),
                Quantity.read(net, "nvlinkBytesPerSecond", 1e6, 1e14),
                integral(net, "nicsPerGpu"),
                Quantity.read(net, "nicBitsPerSecond", 1e6, 1e14));
        if (network.nvlinkDomainCount() % network.gpusPerNodeCount() != 0) {
            throw net.error("nvlinkDomainGpus", "must be a multiple of gpusPerNode");
        }
        net.finish();

        Node priceNode = root.map("price");
        HardwareProfile.Price price = new HardwareProfile.Price(Quantity.read(priceNode, "usdPerGpuHour", 0, 1e4),
                priceNode.optionalMap("onDemandUsdPerGpuHour") == null ? null
                        : Quantity.read(priceNode, "onDemandUsdPerGpuHour", 0, 1e4));
        priceNode.finish();

        // What kernels achieve lives in its own file: kernel-profiles/<id>.yaml, or the one named here.
        String kernelsRef = root.string("kernels", id);
        KernelProfile kernels;
        try {
            Path base = source instanceof Path path ? path.toAbsolutePath().getParent() : null;
            kernels = KernelProfiles.resolve(kernelsRef, base);
        } catch (InputException e) {
            throw root.error("kernels", e.getMessage());
        }
        root.finish();
        return new HardwareProfile(id, name, description, gpu, network, price, kernels);
    }

    private static Quantity integral(Node parent, String key) {
        Quantity quantity = Quantity.read(parent, key, 1, 1e6);
        if (quantity.value() != Math.rint(quantity.value())) {
            throw parent.error(key + ".value", "expected a whole number");
        }
        return quantity;
    }

}
