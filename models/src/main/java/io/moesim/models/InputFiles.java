package io.moesim.models;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnmappableCharacterException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Reading the files a user gives moesim, with every failure said in the user's terms as an
 * {@link InputException} naming the file: a missing file, a folder where a file was expected,
 * a file that cannot be read, text that is not UTF-8 (with the byte offset), JSON or YAML that
 * does not parse (with line and column), repeats a key, or holds more than one document.
 */
public final class InputFiles {

    /**
     * Largest text file (config, tokenizer, token ids, text to trace, model YAML) moesim reads whole: 256 MiB,
     * some ten times the largest published tokenizer.json and more text than a CPU forward pass traces in a day.
     */
    public static final long MAX_TEXT_BYTES = 256L << 20;

    private InputFiles() {
    }

    /** The whole of {@code file} as UTF-8 text; {@code field} names what it is in errors ("file", "--text"). */
    public static String readText(Path file, String field) {
        String text = decodeUtf8(readBytes(file, field, MAX_TEXT_BYTES), file, field);
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** {@code bytes} as UTF-8; invalid UTF-8 is an {@link InputException} giving the offset of the first bad byte. */
    public static String decodeUtf8(byte[] bytes, Object file, String field) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never gives more chars than bytes
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            String what = at < bytes.length ? "invalid byte 0x" + String.format("%02x", bytes[at] & 0xff) : "a cut character";
            throw InputException.at(file, field, "not UTF-8 text (" + what + " at byte " + at + ")");
        }
        return out.flip().toString();
    }

    /**
     * The bytes of {@code file}, refusing more than {@code maxBytes}; read as a stream with that cap, so
     * that a pipe or a device ({@code /dev/zero}) cannot make moesim read forever.
     */
    public static byte[] readBytes(Path file, String field, long maxBytes) {
        if (Files.isDirectory(file)) {
            throw InputException.at(file, field, "is a folder, expected a file");
        }
        int cap = (int) Math.min(maxBytes, Integer.MAX_VALUE - 16);
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(cap + 1);
            if (bytes.length > cap) {
                throw InputException.at(file, field, "larger than the " + cap + "-byte limit for this kind of file");
            }
            return bytes;
        } catch (IOException e) {
            throw InputException.at(file, field, describe(e));
        } catch (OutOfMemoryError e) {
            throw InputException.at(file, field, "too large to read into memory");
        }
    }

    /** What went wrong in a file operation, in a user's words (no exception class names). */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "a path component is a file, not a folder";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "already exists and is in the way";
        }
        if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            return "is a folder that is not empty";
        }
        if (e instanceof MalformedInputException || e instanceof UnmappableCharacterException) {
            return "not UTF-8 text";
        }
        if (e instanceof java.io.CharConversionException) {
            return "not UTF-8 text";
        }
        if (e instanceof java.io.EOFException) {
            return "file ends early (truncated)";
        }
        if (e instanceof java.util.zip.ZipException) {
            return "corrupt compressed data";
        }
        String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (reason == null || reason.isBlank()) {
            return "cannot read or write (input/output error)";
        }
        String lower = reason.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("is a directory")) {
            return "is a folder, expected a file";
        }
        if (lower.contains("not a directory")) {
            return "a path component is a file, not a folder";
        }
        if (lower.contains("no space")) {
            return "no space left on the device";
        }
        if (lower.contains("read-only file system")) {
            return "the file system is read-only";
        }
        if (lower.contains("permission denied")) {
            return "permission denied";
        }
        if (lower.contains("file name too long")) {
            return "file name too long";
        }
        // A message from the operating system; strip any Java class name that may lead it.
        return reason.replaceAll("\\b(?:[a-z]+\\.)+[A-Z][A-Za-z]*(?:Exception|Error):\\s*", "");
    }

    /**
     * Checks that {@code out} can be created as a file: it is not a folder, and its nearest existing
     * ancestor is a folder (not a file). {@code option} names the argument in errors ({@code --out}).
     */
    public static void requireOutputFile(Path out, String option) {
        if (Files.isDirectory(out)) {
            throw InputException.at(out, option, "is a folder; give the name of a file to write");
        }
        for (Path p = out.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw InputException.at(out, option, p + " is a file, not a folder");
                }
                if (!Files.isWritable(p)) {
                    throw InputException.at(out, option, "folder " + p + " is not writable");
                }
                return;
            }
        }
    }

    /**
     * Checks that {@code dir} can be used as an output folder: it is a folder or does not exist yet, and its
     * nearest existing ancestor is a folder.
     */
    public static void requireOutputFolder(Path dir, String option) {
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw InputException.at(dir, option, "is a file; give a folder");
            }
            if (!Files.isWritable(dir)) {
                throw InputException.at(dir, option, "folder is not writable");
            }
            return;
        }
        requireOutputFile(dir, option);
    }

    /** A mapper for user JSON: duplicate keys are errors; NaN and Infinity are not numbers. */
    public static ObjectMapper strictJson() {
        ObjectMapper mapper = new ObjectMapper();
        mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        return mapper;
    }

    /** Reads {@code file} as one JSON value with {@link #strictJson()}; {@code field} names it in errors. */
    public static JsonNode readJson(Path file, String field) {
        return parse(strictJson(), readText(file, field), file, field, "JSON");
    }

    /**
     * Parses {@code text} (read from {@code file}) as exactly one document with {@code mapper}
     * (JSON or YAML): a syntax error, a repeated key or a second document is an
     * {@link InputException} with the line and column. An empty text gives {@code null}.
     */
    public static JsonNode parse(ObjectMapper mapper, String text, Object file, String field, String format) {
        try (JsonParser parser = mapper.createParser(text)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonNode root = mapper.readTree(parser);
            if (root != null && !root.isMissingNode()) {
                if (parser.nextToken() != null) {
                    JsonLocation at = parser.currentTokenLocation();
                    throw InputException.at(file, field, "not valid " + format + ": more than one document or value"
                            + " (the second starts at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
                }
            }
            return root == null || root.isMissingNode() ? null : root;
        } catch (JacksonException e) {
            JsonLocation at = e.getLocation();
            String where = at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")";
            String message = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage();
            message = message.lines().findFirst().orElse("syntax error")
                    .replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
                    .replaceAll("\\s*\\[Source:[^\\]]*\\]", "");
            throw InputException.at(file, field, "not valid " + format + ": " + message + where);
        } catch (IOException e) {
            throw InputException.at(file, field, describe(e));
        }
    }
}
