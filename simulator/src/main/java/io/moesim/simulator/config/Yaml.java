package io.moesim.simulator.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.moesim.models.InputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads YAML (and therefore JSON) files into trees, turning every failure into one-line {@link InputException}s. */
public final class Yaml {

    private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());

    private Yaml() {
    }

    /** The shared YAML mapper (thread-safe once configured). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Parses the file at {@code path}. */
    public static JsonNode read(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return read(path, in);
        } catch (NoSuchFileException e) {
            throw new InputException(path + ": no such file");
        } catch (IOException e) {
            throw new InputException(path + ": cannot read: " + e.getMessage());
        }
    }

    /** Parses a stream; {@code source} names it in errors. */
    public static JsonNode read(Object source, InputStream in) throws IOException {
        try {
            JsonNode tree = MAPPER.readTree(in);
            if (tree == null || tree.isMissingNode()) {
                throw new InputException(source + ": empty file");
            }
            return tree;
        } catch (JacksonException e) {
            JsonLocation where = e.getLocation();
            String at = where == null ? "" : "line " + where.getLineNr() + ": ";
            throw new InputException(source + ": " + at + "not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
    }

    /** Parses one value written on a command line ({@code 72}, {@code h200}, {@code {tp: 1, dp: 8}}). */
    public static JsonNode readValue(String text) throws IOException {
        JsonNode value = MAPPER.readTree(text);
        return value == null || value.isMissingNode() ? MAPPER.getNodeFactory().textNode(text) : value;
    }
}
