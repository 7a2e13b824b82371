package io.moesim.simulator.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.moesim.models.InputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads YAML and JSON files into trees strictly, turning every failure into a one-line
 * {@link InputException} in the user's terms: a missing file, a folder where a file belongs, a file
 * over {@link #MAX_FILE_BYTES}, bytes that are not UTF-8, a syntax error (with its line), a key given
 * twice in one map (with its dotted path), and a second YAML document in one file are all refused.
 */
public final class Yaml {

    /** The largest input file read (64 MiB): far above any scenario, profile, case or placement file. */
    public static final int MAX_FILE_BYTES = 64 << 20;

    private static final ObjectMapper MAPPER = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Yaml() {
    }

    /** The shared YAML mapper (thread-safe once configured). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Parses the YAML (or JSON) file at {@code path}. */
    public static JsonNode read(Path path) {
        return parse(path, text(path), MAPPER, "YAML");
    }

    /** Parses a YAML stream; {@code source} names it in errors. */
    public static JsonNode read(Object source, InputStream in) throws IOException {
        return parse(source, utf8(source, bounded(source, in)), MAPPER, "YAML");
    }

    /** Parses the JSON file at {@code path} (one value, keys unique, no trailing content). */
    public static JsonNode readJson(Path path) {
        return parse(path, text(path), JSON, "JSON");
    }

    /**
     * The text of {@code path}: a regular file (or a stream such as a pipe) of at most
     * {@link #MAX_FILE_BYTES} bytes of UTF-8 (a leading byte-order mark is dropped).
     */
    public static String text(Path path) {
        if (Files.isDirectory(path)) {
            throw new InputException(path + ": is a folder, expected a file");
        }
        try (InputStream in = Files.newInputStream(path)) {
            return utf8(path, bounded(path, in));
        } catch (NoSuchFileException e) {
            throw new InputException(path + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InputException(path + ": permission denied");
        } catch (IOException e) {
            throw new InputException(path + ": cannot read the file");
        }
    }

    private static byte[] bounded(Object source, InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        if (bytes.length > MAX_FILE_BYTES) {
            throw new InputException(source + ": larger than " + (MAX_FILE_BYTES >> 20) + " MiB, the most moesim reads");
        }
        return bytes;
    }

    /** Decodes {@code bytes} as UTF-8, naming the line of the first byte that is not. */
    static String utf8(Object source, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new InputException(source + ": line " + line + ": not UTF-8 text (byte 0x"
                    + String.format("%02X", bytes[Math.min(at, bytes.length - 1)] & 0xff) + "); save the file as UTF-8");
        }
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private static JsonNode parse(Object source, String text, ObjectMapper mapper, String format) {
        try (JsonParser parser = mapper.createParser(text)) {
            JsonNode tree = mapper.readTree(parser);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new InputException(source + ": empty file");
            }
            if (parser.nextToken() != null) {
                JsonLocation where = parser.currentTokenLocation();
                throw new InputException(source + ": line " + where.getLineNr() + ": a second " + format
                        + " document; a file holds one");
            }
            return tree;
        } catch (JacksonException e) {
            String message = e.getOriginalMessage().lines().findFirst().orElse("");
            if (message.startsWith("Duplicate field '") && e.getProcessor() instanceof JsonParser p) {
                String key = message.substring("Duplicate field '".length(), message.lastIndexOf('\''));
                String path = path(p.getParsingContext(), key);
                throw InputException.at(source, path, "given twice (line " + p.currentLocation().getLineNr()
                        + "); each key once");
            }
            JsonLocation where = e.getLocation();
            String at = where == null || where.getLineNr() < 1 ? "" : "line " + where.getLineNr() + ": ";
            if (message.startsWith("Malformed numeric value") && e.getProcessor() instanceof JsonParser p
                    && p.getParsingContext() != null && p.getParsingContext().getCurrentName() != null) {
                // YAML's .nan and .inf: name the field (no figure of moesim may be NaN or infinite).
                JsonStreamContext context = p.getParsingContext();
                throw InputException.at(source, path(context, context.getCurrentName()), at
                        + "not a finite number (" + message.substring("Malformed numeric value ".length()) + ")");
            }
            throw new InputException(source + ": " + at + "not valid " + format + ": " + plain(message));
        } catch (IOException e) {
            throw new InputException(source + ": cannot read the file");
        }
    }

    /** The dotted path of {@code key} in the map the parser is in ({@code deployment.decode.gpus}). */
    private static String path(JsonStreamContext context, String key) {
        String path = key;
        for (JsonStreamContext c = context == null ? null : context.getParent(); c != null && !c.inRoot();
             c = c.getParent()) {
            String joint = path.startsWith("[") ? "" : ".";
            if (c.inArray()) {
                path = "[" + c.getCurrentIndex() + "]" + joint + path;
            } else if (c.getCurrentName() != null) {
                path = c.getCurrentName() + joint + path;
            }
        }
        return path;
    }

    /** A parser's message without its Java-facing parts ("(for Object starting at ...)", class names). */
    private static String plain(String message) {
        int cut = message.indexOf(" (for ");
        String m = cut > 0 ? message.substring(0, cut) : message;
        return m.replace("com.fasterxml.jackson.", "").replace("java.lang.", "");
    }

    /** Parses one value written on a command line ({@code 72}, {@code h200}, {@code {tp: 1, dp: 8}}). */
    public static JsonNode readValue(String text) throws IOException {
        JsonNode value = MAPPER.readTree(text);
        return value == null || value.isMissingNode() ? MAPPER.getNodeFactory().textNode(text) : value;
    }
}
