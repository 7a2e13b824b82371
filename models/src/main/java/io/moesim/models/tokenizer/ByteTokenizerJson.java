package io.moesim.models.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Hugging Face {@code tokenizer.json} whose token ids are the text's UTF-8 byte values (0 to 255),
 * with one special token after them: the vocabulary of moesim's tiny twins. It is a byte-level BPE
 * with no merges, so the Hugging Face {@code tokenizers} library and {@link Tokenizer} both encode
 * a text to exactly its bytes; no BOS is added (the twins were trained on raw byte windows).
 */
public final class ByteTokenizerJson {

    private ByteTokenizerJson() {
    }

    /** The tokenizer.json text for a byte vocabulary with {@code specialToken} at id 256. */
    public static String json(String specialToken) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode special = added.addObject();
        special.put("id", 256);
        special.put("content", specialToken);
        special.put("single_word", false);
        special.put("lstrip", false);
        special.put("rstrip", false);
        special.put("normalized", false);
        special.put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", false);
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", false);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        model.putArray("merges");
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
