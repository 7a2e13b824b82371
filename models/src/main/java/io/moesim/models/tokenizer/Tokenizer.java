package io.moesim.models.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.models.InputException;
import io.moesim.models.InputFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A BPE tokenizer read from a Hugging Face {@code tokenizer.json}, giving the same ids as the
 * Hugging Face {@code tokenizers} library for the kinds MoE checkpoints use:
 * <ul>
 *   <li><b>byte-level BPE</b> (GPT-2 style; Qwen, OLMoE, DeepSeek): a {@code ByteLevel}
 *       pre-tokenizer with GPT-2's split regex, or a {@code Split} regex followed by
 *       {@code ByteLevel} without regex;</li>
 *   <li><b>SentencePiece-style BPE</b> (Mixtral, Llama 2): a {@code Metaspace} pre-tokenizer, or the
 *       older normalizer sequence {@code Prepend("▁")} + {@code Replace(" ", "▁")} without
 *       pre-tokenizer, with byte fallback to {@code <0xNN>} tokens.</li>
 * </ul>
 *
 * <p>Pipeline, as in the library: added tokens (special or not) are cut out of the raw text first
 * (leftmost, longest first; with their {@code lstrip}/{@code rstrip}/{@code single_word} options),
 * each remaining segment is normalized, tokens marked {@code normalized} are cut out of it, the
 * rest is pre-tokenized into words and each word is BPE-encoded by merge rank; finally the
 * post-processor adds special tokens (e.g. Mixtral's {@code <s>}) when asked to.
 *
 * <p>Supported components: normalizers Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD, Lowercase,
 * Strip; pre-tokenizers ByteLevel, Metaspace, Split, Digits, Sequence; model BPE (byte fallback,
 * fuse_unk, ignore_merges, subword prefix/suffix; no dropout); decoders ByteLevel, Metaspace,
 * Replace, ByteFallback, Fuse, Strip, Sequence; post-processors TemplateProcessing, ByteLevel,
 * RobertaProcessing, BertProcessing, Sequence. Anything else is rejected when loading.
 *
 * <p>Immutable and thread-safe.
 */
public final class Tokenizer {

    /** An entry of {@code added_tokens}. */
    private record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
                              boolean normalized, boolean special) {
    }

    /** A segment of text, or an added token ({@code addedId >= 0}). */
    private record Segment(String text, int addedId, boolean atStart) {
    }

    private static final int CACHE_MAX_WORD = 256;
    private static final int CACHE_MAX_ENTRIES = 200_000;

    private final String source;
    private final BpeModel model;
    private final Normalizer normalizer;     // null: none
    private final PreTokenizer preTokenizer; // null: the segment is one word
    private final Decoder decoder;           // null: tokens joined by spaces
    private final PostProcessor postProcessor;
    private final List<AddedToken> rawAdded;
    private final List<AddedToken> normalizedAdded;
    private final Map<Integer, AddedToken> addedById;
    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private Tokenizer(String source, BpeModel model, Normalizer normalizer, PreTokenizer preTokenizer, Decoder decoder,
                      PostProcessor postProcessor, List<AddedToken> added, Map<String, Integer> vocab) {
        this.source = source;
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.decoder = decoder;
        this.postProcessor = postProcessor;
        this.rawAdded = added.stream().filter(a -> !a.normalized()).toList();
        this.normalizedAdded = added.stream().filter(AddedToken::normalized).toList();
        this.addedById = new HashMap<>();
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedToken a : added) {
            addedById.put(a.id(), a);
            size = Math.max(size, a.id() + 1);
        }
        this.vocab = vocab;
        this.idToToken = new String[size];
        vocab.forEach((token, id) -> idToToken[id] = token);
        for (AddedToken a : added) {
            idToToken[a.id()] = a.content();
        }
    }

    /** Reads a {@code tokenizer.json}; a missing, malformed or unsupported file throws {@link InputException}. */
    public static Tokenizer load(Path file) {
        return parse(InputFiles.readText(file, "file"), file.toString());
    }

    /** Parses the text of a {@code tokenizer.json}; {@code source} names it in error messages. */
    public static Tokenizer parse(String json, String source) {
        JsonNode root = InputFiles.parse(InputFiles.strictJson(), json, source, "json", "JSON");
        if (root == null || !root.isObject()) {
            throw InputException.at(source, "json", "not a tokenizer.json object");
        }
        return new Parser(source).tokenizer(root);
    }

    /** Where this tokenizer was read from. */
    public String source() {
        return source;
    }

    /** Number of ids (one more than the largest id of the vocabulary and added tokens). */
    public int vocabSize() {
        return idToToken.length;
    }

    /** The id of a token string (vocabulary or added token), if any. */
    public OptionalInt tokenToId(String token) {
        for (AddedToken a : addedById.values()) {
            if (a.content().equals(token)) {
                return OptionalInt.of(a.id());
            }
        }
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The token string of {@code id}, or {@code null} if no token has that id. */
    public String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** Encodes {@code text} with the post-processor's special tokens (as the library's default). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /** Encodes {@code text}; {@code addSpecialTokens} applies the post-processor (e.g. a leading {@code <s>}). */
    public int[] encode(String text, boolean addSpecialTokens) {
        BpeModel.IntList ids = new BpeModel.IntList(text.length() / 3 + 4);
        for (Segment raw : splitAdded(text, rawAdded, true)) {
            if (raw.addedId() >= 0) {
                ids.add(raw.addedId());
                continue;
            }
            String normalized = normalizer == null ? raw.text() : normalizer.apply(raw.text());
            for (Segment seg : splitAdded(normalized, normalizedAdded, raw.atStart())) {
                if (seg.addedId() >= 0) {
                    ids.add(seg.addedId());
                    continue;
                }
                List<PreTokenizer.Piece> words = List.of(new PreTokenizer.Piece(seg.text(), seg.atStart()));
                if (preTokenizer != null) {
                    words = preTokenizer.apply(words);
                }
                for (PreTokenizer.Piece w : words) {
                    encodeWord(w.text(), ids);
                }
            }
        }
        int[] result = ids.toArray();
        return addSpecialTokens ? postProcessor.apply(result) : result;
    }

    private void encodeWord(String word, BpeModel.IntList out) {
        if (word.length() > CACHE_MAX_WORD) {
            model.encode(word, out);
            return;
        }
        int[] cached = cache.get(word);
        if (cached == null) {
            BpeModel.IntList ids = new BpeModel.IntList(8);
            model.encode(word, ids);
            cached = ids.toArray();
            if (cache.size() >= CACHE_MAX_ENTRIES) {
                cache.clear();
            }
            cache.put(word, cached);
        }
        out.addAll(cached);
    }

    /** Decodes ids to text, special tokens included. */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** Decodes ids to text; {@code skipSpecialTokens} leaves out added tokens marked special. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            AddedToken added = addedById.get(id);
            if (added != null && added.special() && skipSpecialTokens) {
                continue;
            }
            String token = idToToken(id);
            if (token == null) {
                throw new IllegalArgumentException("id " + id + " is not in the vocabulary of " + source);
            }
            tokens.add(token);
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.apply(tokens));
    }

    /** Cuts the added tokens out of {@code text}: leftmost match first, the longest at that place. */
    private static List<Segment> splitAdded(String text, List<AddedToken> tokens, boolean atStart) {
        if (tokens.isEmpty() || text.isEmpty()) {
            return text.isEmpty() ? List.of() : List.of(new Segment(text, -1, atStart));
        }
        List<Segment> out = new ArrayList<>();
        int last = 0;   // end of the previous added token
        int i = 0;
        while (i < text.length()) {
            AddedToken match = null;
            for (AddedToken a : tokens) {
                if (text.startsWith(a.content(), i) && !a.content().isEmpty()
                        && (match == null || a.content().length() > match.content().length())
                        && (!a.singleWord() || isWordBoundary(text, i, i + a.content().length()))) {
                    match = a;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int end = i + match.content().length();
            if (match.lstrip()) {
                while (start > last && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (match.rstrip()) {
                while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
            }
            if (start > last) {
                out.add(new Segment(text.substring(last, start), -1, atStart && last == 0));
            }
            out.add(new Segment(null, match.id(), atStart && start == 0));
            last = end;
            i = end;
        }
        if (last < text.length()) {
            out.add(new Segment(text.substring(last), -1, atStart && last == 0));
        }
        return out;
    }

    private static boolean isWordBoundary(String text, int start, int end) {
        boolean before = start == 0 || !isWordChar(text.codePointBefore(start));
        boolean after = end == text.length() || !isWordChar(text.codePointAt(end));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }

    /** Reads the parts of a tokenizer.json, naming the field of anything it cannot use. */
    private static final class Parser {
        private final String source;

        Parser(String source) {
            this.source = source;
        }

        private InputException bad(String field, String problem) {
            return InputException.at(source, field, problem);
        }

        private JsonNode require(JsonNode node, String name, String field) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                throw bad(field, "missing");
            }
            return value;
        }

        private String text(JsonNode node, String name, String field) {
            JsonNode value = require(node, name, field);
            if (!value.isTextual()) {
                throw bad(field, "must be a string");
            }
            return value.asText();
        }

        private boolean flag(JsonNode node, String name, boolean otherwise) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return otherwise;
            }
            if (!value.isBoolean()) {
                throw bad(name, "must be true or false, got " + brief(value));
            }
            return value.booleanValue();
        }

        private String optionalText(JsonNode node, String name) {
            JsonNode value = node.get(name);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual()) {
                throw bad(name, "must be a string, got " + brief(value));
            }
            return value.textValue();
        }

        private static String brief(JsonNode value) {
            String text = value.toString();
            return text.length() > 30 ? text.substring(0, 27) + "..." : text;
        }

        private static boolean absent(JsonNode node) {
            return node == null || node.isNull();
        }

        Tokenizer tokenizer(JsonNode root) {
            JsonNode modelNode = require(root, "model", "model");
            if (!modelNode.isObject()) {
                throw bad("model", "must be an object, got " + brief(modelNode));
            }
            Map<String, Integer> vocab = new HashMap<>();
            BpeModel model = model(modelNode, vocab);
            List<AddedToken> added = new ArrayList<>();
            JsonNode addedNode = root.get("added_tokens");
            if (!absent(addedNode)) {
                if (!addedNode.isArray()) {
                    throw bad("added_tokens", "must be an array");
                }
                for (int i = 0; i < addedNode.size(); i++) {
                    JsonNode a = addedNode.get(i);
                    String field = "added_tokens[" + i + "]";
                    JsonNode id = require(a, "id", field + ".id");
                    if (!a.isObject()) {
                        throw bad(field, "must be an object {id, content, ...}");
                    }
                    if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                        throw bad(field + ".id", "must be a non-negative integer");
                    }
                    added.add(new AddedToken(id.asInt(), text(a, "content", field + ".content"),
                            flag(a, "single_word", false), flag(a, "lstrip", false), flag(a, "rstrip", false),
                            flag(a, "normalized", false), flag(a, "special", false)));
                }
            }
            Normalizer normalizer = absent(root.get("normalizer")) ? null : normalizer(root.get("normalizer"), "normalizer");
            PreTokenizer pre = absent(root.get("pre_tokenizer")) ? null : preTokenizer(root.get("pre_tokenizer"), "pre_tokenizer");
            Decoder decoder = absent(root.get("decoder")) ? null : decoder(root.get("decoder"), "decoder");
            Map<String, Integer> allTokens = new HashMap<>(vocab);
            added.forEach(a -> allTokens.put(a.content(), a.id()));
            PostProcessor post = absent(root.get("post_processor")) ? new PostProcessor.Identity()
                    : postProcessor(root.get("post_processor"), "post_processor", allTokens);
            return new Tokenizer(source, model, normalizer, pre, decoder, post, added, vocab);
        }

        private BpeModel model(JsonNode m, Map<String, Integer> vocab) {
            String type = optionalText(m, "type");
            if (type != null && !type.equals("BPE")) {
                throw bad("model.type", "unsupported model type " + type + " (moesim reads BPE tokenizers)");
            }
            if (!absent(m.get("dropout")) && (!m.get("dropout").isNumber() || m.get("dropout").asDouble() != 0)) {
                throw bad("model.dropout", "BPE dropout is not supported");
            }
            JsonNode v = require(m, "vocab", "model.vocab");
            if (!v.isObject()) {
                throw bad("model.vocab", "must be an object of token -> id");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                    throw bad("model.vocab." + e.getKey(), "id must be a non-negative integer");
                }
                vocab.put(e.getKey(), e.getValue().asInt());
            }
            JsonNode mergesNode = require(m, "merges", "model.merges");
            if (!mergesNode.isArray()) {
                throw bad("model.merges", "must be an array");
            }
            MergeTable merges = new MergeTable(mergesNode.size());
            for (int rank = 0; rank < mergesNode.size(); rank++) {
                JsonNode entry = mergesNode.get(rank);
                String field = "model.merges[" + rank + "]";
                String left;
                String right;
                if (entry.isTextual()) {
                    String s = entry.asText();
                    int space = s.indexOf(' ');
                    if (space < 0 || s.indexOf(' ', space + 1) >= 0) {
                        throw bad(field, "'" + s + "' is not two tokens separated by one space");
                    }
                    left = s.substring(0, space);
                    right = s.substring(space + 1);
                } else if (entry.isArray() && entry.size() == 2 && entry.get(0).isTextual() && entry.get(1).isTextual()) {
                    left = entry.get(0).asText();
                    right = entry.get(1).asText();
                } else {
                    throw bad(field, "must be \"a b\" or [\"a\", \"b\"]");
                }
                Integer a = vocab.get(left);
                Integer b = vocab.get(right);
                Integer merged = vocab.get(left + right);
                if (a == null || b == null || merged == null) {
                    throw bad(field, "token " + (a == null ? left : b == null ? right : left + right)
                            + " is not in the vocabulary");
                }
                merges.putIfAbsent(a, b, rank, merged);
            }
            String unk = optionalText(m, "unk_token");
            int unkId = -1;
            if (unk != null) {
                Integer id = vocab.get(unk);
                if (id == null) {
                    throw bad("model.unk_token", unk + " is not in the vocabulary");
                }
                unkId = id;
            }
            return new BpeModel(vocab, merges, unkId, flag(m, "fuse_unk", false), flag(m, "byte_fallback", false),
                    flag(m, "ignore_merges", false), optionalText(m, "continuing_subword_prefix"),
                    optionalText(m, "end_of_word_suffix"));
        }

        private Pattern pattern(JsonNode node, String field) {
            JsonNode p = require(node, "pattern", field);
            if (p.has("String")) {
                return Pattern.compile(Pattern.quote(p.get("String").asText()));
            }
            if (p.has("Regex")) {
                try {
                    return Pattern.compile(p.get("Regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
                } catch (PatternSyntaxException e) {
                    throw bad(field + ".Regex", "invalid regular expression: " + e.getDescription());
                }
            }
            throw bad(field, "must hold String or Regex");
        }

        private Normalizer normalizer(JsonNode n, String field) {
            String type = text(n, "type", field + ".type");
            return switch (type) {
                case "Sequence" -> {
                    List<Normalizer> list = new ArrayList<>();
                    JsonNode items = require(n, "normalizers", field + ".normalizers");
                    for (int i = 0; i < items.size(); i++) {
                        list.add(normalizer(items.get(i), field + ".normalizers[" + i + "]"));
                    }
                    yield new Normalizer.Sequence(List.copyOf(list));
                }
                case "Prepend" -> new Normalizer.Prepend(text(n, "prepend", field + ".prepend"));
                case "Replace" -> new Normalizer.Replace(pattern(n, field + ".pattern"), text(n, "content", field + ".content"));
                case "NFC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFC);
                case "NFD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFD);
                case "NFKC" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKC);
                case "NFKD" -> new Normalizer.Unicode(java.text.Normalizer.Form.NFKD);
                case "Lowercase" -> new Normalizer.Lowercase();
                case "Strip" -> new Normalizer.Strip(flag(n, "strip_left", true), flag(n, "strip_right", true));
                default -> throw bad(field + ".type", "unsupported normalizer " + type);
            };
        }

        private PreTokenizer.PrependScheme scheme(JsonNode n, String field) {
            String scheme = optionalText(n, "prepend_scheme");
            if (scheme == null) {
                return flag(n, "add_prefix_space", true) ? PreTokenizer.PrependScheme.ALWAYS : PreTokenizer.PrependScheme.NEVER;
            }
            return switch (scheme) {
                case "always" -> PreTokenizer.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.PrependScheme.FIRST;
                case "never" -> PreTokenizer.PrependScheme.NEVER;
                default -> throw bad(field + ".prepend_scheme", "unknown scheme " + scheme);
            };
        }

        private PreTokenizer preTokenizer(JsonNode n, String field) {
            String type = text(n, "type", field + ".type");
            return switch (type) {
                case "Sequence" -> {
                    List<PreTokenizer> list = new ArrayList<>();
                    JsonNode items = require(n, "pretokenizers", field + ".pretokenizers");
                    for (int i = 0; i < items.size(); i++) {
                        list.add(preTokenizer(items.get(i), field + ".pretokenizers[" + i + "]"));
                    }
                    yield new PreTokenizer.Sequence(List.copyOf(list));
                }
                case "ByteLevel" -> new PreTokenizer.ByteLevelSplit(flag(n, "add_prefix_space", true), flag(n, "use_regex", true));
                case "Metaspace" -> new PreTokenizer.Metaspace(text(n, "replacement", field + ".replacement"),
                        scheme(n, field), flag(n, "split", true));
                case "Split" -> {
                    String behavior = text(n, "behavior", field + ".behavior");
                    PreTokenizer.Behavior b = switch (behavior) {
                        case "Removed" -> PreTokenizer.Behavior.REMOVED;
                        case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
                        case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
                        case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
                        case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
                        default -> throw bad(field + ".behavior", "unknown behavior " + behavior);
                    };
                    yield new PreTokenizer.Split(pattern(n, field + ".pattern"), b, flag(n, "invert", false));
                }
                case "Digits" -> new PreTokenizer.Digits(flag(n, "individual_digits", false));
                default -> throw bad(field + ".type", "unsupported pre-tokenizer " + type);
            };
        }

        private Decoder decoder(JsonNode n, String field) {
            String type = text(n, "type", field + ".type");
            return switch (type) {
                case "Sequence" -> {
                    List<Decoder> list = new ArrayList<>();
                    JsonNode items = require(n, "decoders", field + ".decoders");
                    for (int i = 0; i < items.size(); i++) {
                        list.add(decoder(items.get(i), field + ".decoders[" + i + "]"));
                    }
                    yield new Decoder.Sequence(List.copyOf(list));
                }
                case "ByteLevel" -> new Decoder.ByteLevelDecoder();
                case "Replace" -> {
                    JsonNode p = require(n, "pattern", field + ".pattern");
                    if (!p.has("String")) {
                        throw bad(field + ".pattern", "only String patterns are supported in decoders");
                    }
                    yield new Decoder.Replace(p.get("String").asText(), text(n, "content", field + ".content"));
                }
                case "ByteFallback" -> new Decoder.ByteFallback();
                case "Fuse" -> new Decoder.Fuse();
                case "Strip" -> {
                    String content = text(n, "content", field + ".content");
                    if (content.length() != 1) {
                        throw bad(field + ".content", "must be one character");
                    }
                    yield new Decoder.Strip(content.charAt(0), n.path("start").asInt(0), n.path("stop").asInt(0));
                }
                case "Metaspace" -> new Decoder.MetaspaceDecoder(text(n, "replacement", field + ".replacement"), scheme(n, field));
                default -> throw bad(field + ".type", "unsupported decoder " + type);
            };
        }

        private int[] tokenIds(Map<String, Integer> tokens, String token, String field) {
            Integer id = tokens.get(token);
            if (id == null) {
                throw bad(field, "token " + token + " is not in the vocabulary");
            }
            return new int[] {id};
        }

        private PostProcessor postProcessor(JsonNode n, String field, Map<String, Integer> tokens) {
            String type = text(n, "type", field + ".type");
            return switch (type) {
                case "ByteLevel" -> new PostProcessor.Identity();
                case "Sequence" -> {
                    List<PostProcessor> list = new ArrayList<>();
                    JsonNode items = require(n, "processors", field + ".processors");
                    for (int i = 0; i < items.size(); i++) {
                        list.add(postProcessor(items.get(i), field + ".processors[" + i + "]", tokens));
                    }
                    yield new PostProcessor.Sequence(List.copyOf(list));
                }
                case "RobertaProcessing", "BertProcessing" -> {
                    JsonNode cls = require(n, "cls", field + ".cls");
                    JsonNode sep = require(n, "sep", field + ".sep");
                    List<int[]> items = new ArrayList<>();
                    items.add(new int[] {cls.get(1).asInt()});
                    items.add(null);
                    items.add(new int[] {sep.get(1).asInt()});
                    yield new PostProcessor.Template(items);
                }
                case "TemplateProcessing" -> {
                    JsonNode single = require(n, "single", field + ".single");
                    JsonNode special = n.path("special_tokens");
                    List<int[]> items = new ArrayList<>();
                    for (int i = 0; i < single.size(); i++) {
                        JsonNode item = single.get(i);
                        String itemField = field + ".single[" + i + "]";
                        if (item.has("Sequence")) {
                            items.add(null);
                        } else if (item.has("SpecialToken")) {
                            String id = text(item.get("SpecialToken"), "id", itemField + ".SpecialToken.id");
                            JsonNode spec = special.get(id);
                            if (spec != null && spec.has("ids")) {
                                int[] ids = new int[spec.get("ids").size()];
                                for (int j = 0; j < ids.length; j++) {
                                    ids[j] = spec.get("ids").get(j).asInt();
                                }
                                items.add(ids);
                            } else {
                                items.add(tokenIds(tokens, id, itemField));
                            }
                        } else {
                            throw bad(itemField, "must be a Sequence or a SpecialToken");
                        }
                    }
                    yield new PostProcessor.Template(items);
                }
                default -> throw bad(field + ".type", "unsupported post-processor " + type);
            };
        }
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + vocabSize() + " ids, " + rawAdded.size() + normalizedAdded.size()
                + " added tokens " + Arrays.toString(addedById.keySet().stream().sorted().limit(5).toArray()) + "]";
    }
}
