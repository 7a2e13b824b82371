package io.moesim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.models.InputException;
import io.moesim.models.spec.AttentionSpec;
import io.moesim.models.spec.CatalogEntry;
import io.moesim.models.spec.ModelAccounting;
import io.moesim.models.spec.ModelSpec;
import io.moesim.models.spec.ModelSpecs;
import io.moesim.models.spec.MoeSpec;
import io.moesim.models.spec.ParameterCounts;
import io.moesim.models.spec.PublishedSize;
import io.moesim.models.spec.RoutingSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moesim models}: the model catalog and the accounting of one model. */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description = "Lists the model catalog and shows a model's parameters and KV cache.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.ShowModel.class})
public final class ModelsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code moesim models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the catalog: id, name, layers, experts, top-k, total and active parameters.")
    static final class ListModels implements Runnable {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            String format = "%-18s %-22s %6s %9s %5s %10s %10s%n";
            out.printf(Locale.ROOT, format, "ID", "NAME", "LAYERS", "EXPERTS", "TOP-K", "TOTAL", "ACTIVE");
            for (CatalogEntry entry : ModelSpecs.catalog()) {
                ModelSpec m = entry.spec();
                ParameterCounts p = ModelAccounting.parameters(m);
                MoeSpec moe = m.moe();
                String experts = moe.numRoutedExperts() + (moe.numSharedExperts() > 0 ? "+" + moe.numSharedExperts() : "");
                out.printf(Locale.ROOT, format, m.id(), m.displayName(), m.numLayers(), experts, moe.topK(),
                        billions(p.total()), billions(p.activePerToken()));
            }
            out.println("Experts: routed+shared. Active counts the embedding table; see `moesim models show ID`.");
            out.flush();
        }
    }

    /** {@code moesim models show ID|CONFIG_JSON [--json]}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows a model's architecture, parameters by component, active parameters and KV cache.")
    static final class ShowModel implements Runnable {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID|CONFIG_JSON",
                description = "A catalog id, a Hugging Face config.json (or its folder), or a model YAML.")
        String model;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Option(names = "--kv-bytes", paramLabel = "BYTES", defaultValue = "2",
                description = "Bytes per KV-cache element (2 = BF16, 1 = FP8; default: ${DEFAULT-VALUE}).")
        double kvBytes;

        @Override
        public void run() {
            if (!(kvBytes > 0)) {
                throw new InputException("--kv-bytes: must be > 0, got " + kvBytes);
            }
            ModelSpec m = ModelSpecs.resolve(model, Path.of("").toAbsolutePath());
            Optional<PublishedSize> published = ModelSpecs.catalogEntry(model).flatMap(CatalogEntry::published);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(toJson(m, published, kvBytes));
            } else {
                printText(out, m, published, kvBytes);
            }
            out.flush();
        }
    }

    static String billions(long parameters) {
        return String.format(Locale.ROOT, "%.2fB", parameters / 1e9);
    }

    static String toJson(ModelSpec m, Optional<PublishedSize> published, double kvBytes) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ParameterCounts p = ModelAccounting.parameters(m);
        ObjectNode root = mapper.createObjectNode();
        root.put("id", m.id());
        root.put("displayName", m.displayName());
        root.put("architecture", m.architecture());
        root.put("source", m.source());
        root.put("numLayers", m.numLayers());
        root.put("numMoeLayers", m.numMoeLayers());
        root.put("hiddenSize", m.hiddenSize());
        root.put("vocabSize", m.vocabSize());
        root.put("maxContextTokens", m.maxContextTokens());
        root.put("numRoutedExperts", m.moe().numRoutedExperts());
        root.put("numSharedExperts", m.moe().numSharedExperts());
        root.put("topK", m.moe().topK());
        root.put("totalParameters", p.total());
        root.put("totalParametersWithMtp", p.totalWithMtp());
        root.put("activeParametersPerToken", p.activePerToken());
        root.put("activeParametersPerTokenExcludingEmbedding", p.activePerTokenExcludingEmbedding());
        root.put("kvCacheBytesPerElement", kvBytes);
        root.put("kvCacheElementsPerTokenPerLayer", ModelAccounting.kvCacheElementsPerTokenPerLayer(m));
        root.put("kvCacheBytesPerToken", ModelAccounting.kvCacheBytesPerToken(m, kvBytes));
        ObjectNode parameters = root.putObject("parameters");
        parameters.put("embedding", p.embedding());
        parameters.put("attention", p.attention());
        parameters.put("denseMlp", p.denseMlp());
        parameters.put("routedExperts", p.routedExperts());
        parameters.put("activeRoutedExperts", p.activeRoutedExperts());
        parameters.put("sharedExperts", p.sharedExperts());
        parameters.put("routers", p.routers());
        parameters.put("norms", p.norms());
        parameters.put("lmHead", p.lmHead());
        parameters.put("mtp", p.mtp());
        published.ifPresent(size -> {
            ObjectNode node = root.putObject("published");
            node.put("totalParameters", size.totalParameters());
            node.put("activeParameters", size.activeParameters());
            node.put("activeIncludesEmbedding", size.activeIncludesEmbedding());
            node.put("source", size.source());
        });
        try {
            return mapper.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void printText(PrintWriter out, ModelSpec m, Optional<PublishedSize> published, double kvBytes) {
        ParameterCounts p = ModelAccounting.parameters(m);
        out.printf(Locale.ROOT, "%s (%s), %s%n", m.displayName(), m.id(), m.architecture());
        out.printf(Locale.ROOT, "source: %s%n", m.source());
        out.printf(Locale.ROOT, "layers: %d (%d MoE, %d dense), hidden %d, vocab %d, context %d tokens%s%n",
                m.numLayers(), m.numMoeLayers(), m.numDenseLayers(), m.hiddenSize(), m.vocabSize(),
                m.maxContextTokens(), m.tiedEmbeddings() ? ", tied embeddings" : "");
        out.println("attention: " + describe(m.attention()));
        out.println("experts: " + describe(m.moe()));
        out.println("parameters:");
        row(out, "embedding", p.embedding());
        row(out, "attention", p.attention());
        row(out, "dense MLP", p.denseMlp());
        row(out, "routed experts", p.routedExperts());
        row(out, "shared experts", p.sharedExperts());
        row(out, "routers", p.routers());
        row(out, "norms", p.norms());
        row(out, "LM head", p.lmHead());
        out.printf(Locale.ROOT, "  %-30s %14s%s%n", "total (without MTP)", billions(p.total()),
                published.map(s -> compare(p.total(), s.totalParameters())).orElse(""));
        out.printf(Locale.ROOT, "  %-30s %14s%s%n", "active per token", billions(p.activePerToken()),
                published.filter(PublishedSize::activeIncludesEmbedding)
                        .map(s -> compare(p.activePerToken(), s.activeParameters())).orElse(""));
        out.printf(Locale.ROOT, "  %-30s %14s%s%n", "active excluding embedding",
                billions(p.activePerTokenExcludingEmbedding()),
                published.filter(s -> !s.activeIncludesEmbedding())
                        .map(s -> compare(p.activePerTokenExcludingEmbedding(), s.activeParameters())).orElse(""));
        if (p.mtp() > 0) {
            out.printf(Locale.ROOT, "  %-30s %14s  (not in total)%n", "MTP modules (" + m.mtpModules() + ")",
                    billions(p.mtp()));
        }
        published.ifPresent(s -> out.println("published: " + s.source()));
        out.printf(Locale.ROOT, "KV cache: %.0f bytes per token (%d elements per token per layer x %d layers x %s bytes)%n",
                ModelAccounting.kvCacheBytesPerToken(m, kvBytes), ModelAccounting.kvCacheElementsPerTokenPerLayer(m),
                m.numLayers(), trim(kvBytes));
        if (m.attention() instanceof AttentionSpec.Gqa g && g.slidingWindowLayers() > 0) {
            out.printf(Locale.ROOT, "  %d of %d layers keep at most %d tokens (sliding window); the figure counts all%n",
                    g.slidingWindowLayers(), m.numLayers(), g.slidingWindowTokens());
        }
    }

    private static void row(PrintWriter out, String name, long parameters) {
        if (parameters > 0) {
            out.printf(Locale.ROOT, "  %-30s %14s%n", name, billions(parameters));
        }
    }

    private static String compare(long computed, double published) {
        return String.format(Locale.ROOT, "  (published %sB, %+.1f%%)", trim(published / 1e9),
                100 * (computed - published) / published);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private static String describe(AttentionSpec attention) {
        return switch (attention) {
            case AttentionSpec.Gqa g -> String.format(Locale.ROOT, "GQA, %d heads, %d KV heads, head dim %d%s%s%s",
                    g.numHeads(), g.numKvHeads(), g.headDim(), g.qkvBias() ? ", qkv bias" : "",
                    g.qkNorm() ? ", q/k norm" : "",
                    g.slidingWindowLayers() > 0 ? ", window " + g.slidingWindowTokens() + " tokens on "
                            + g.slidingWindowLayers() + " layers" : "");
            case AttentionSpec.Mla m -> String.format(Locale.ROOT,
                    "MLA, %d heads, q_lora %d, kv_lora %d, qk_nope %d, qk_rope %d, v_head %d",
                    m.numHeads(), m.qLoraRank(), m.kvLoraRank(), m.qkNopeHeadDim(), m.qkRopeHeadDim(), m.vHeadDim());
        };
    }

    private static String describe(MoeSpec moe) {
        RoutingSpec r = moe.routing();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%d routed (top-%d, width %d)",
                moe.numRoutedExperts(), moe.topK(), moe.expertIntermediateSize()));
        if (moe.numSharedExperts() > 0) {
            s.append(String.format(Locale.ROOT, " + %d shared (width %d%s)", moe.numSharedExperts(),
                    moe.sharedExpertIntermediateSize(), moe.sharedExpertGate() ? ", sigmoid gate" : ""));
        }
        s.append("; routing ").append(r.scoring().name().toLowerCase(Locale.ROOT));
        if (r.numGroups() > 1) {
            s.append(String.format(Locale.ROOT, ", top-%d of %d groups", r.topKGroups(), r.numGroups()));
        }
        if (r.selectionBias()) {
            s.append(", selection bias");
        }
        s.append(r.normalizeTopK() ? ", renormalised" : ", not renormalised");
        if (r.routedScalingFactor() != 1.0) {
            s.append(", scaled x").append(r.routedScalingFactor());
        }
        return s.toString();
    }
}
