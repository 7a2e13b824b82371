package io.moesim.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {

    @TempDir
    Path dir;

    @Test
    void invalidUtf8IsReportedWithTheOffsetOfTheFirstBadByte() throws IOException {
        Path f = dir.resolve("t.txt");
        // "héllo" then a lone continuation byte at offset 6 ("h" 1 + "é" 2 + "llo" 3)
        byte[] ok = "héllo".getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[ok.length + 2];
        System.arraycopy(ok, 0, bad, 0, ok.length);
        bad[6] = (byte) 0x80;
        bad[7] = 'x';
        Files.write(f, bad);
        InputException e = assertThrows(InputException.class, () -> InputFiles.readText(f, "--text"));
        assertEquals(f + ": --text: not UTF-8 text (invalid byte 0x80 at byte 6)", e.getMessage());
        Files.write(f, new byte[] {'a', (byte) 0xe2, (byte) 0x82}); // a character cut at the end
        assertTrue(assertThrows(InputException.class, () -> InputFiles.readText(f, "file")).getMessage()
                .contains("at byte 1"));
    }

    @Test
    void aByteOrderMarkIsDropped() throws IOException {
        Path f = dir.resolve("bom.txt");
        Files.write(f, new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '4', '2'});
        assertEquals("42", InputFiles.readText(f, "file"));
    }

    @Test
    void foldersAndMissingFilesAreSaidInWords() {
        assertEquals(dir + ": file: is a folder, expected a file",
                assertThrows(InputException.class, () -> InputFiles.readText(dir, "file")).getMessage());
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": file: no such file or folder",
                assertThrows(InputException.class, () -> InputFiles.readJson(missing, "file")).getMessage());
    }

    @Test
    void ioExceptionsNeverShowTheirClassName() {
        assertEquals("no such file or folder", InputFiles.describe(new NoSuchFileException("/x")));
        assertEquals("permission denied", InputFiles.describe(new AccessDeniedException("/x")));
        assertEquals("is a folder, expected a file", InputFiles.describe(new IOException("Is a directory")));
        assertEquals("no space left on the device",
                InputFiles.describe(new FileSystemException("/x", null, "No space left on device")));
        assertEquals("cannot read or write (input/output error)", InputFiles.describe(new IOException((String) null)));
        assertEquals("boom", InputFiles.describe(new IOException("java.io.CharConversionException: boom")));
        assertFalse(InputFiles.describe(new java.io.CharConversionException("Invalid UTF-8")).contains("Exception"));
    }

    @Test
    void jsonMustBeOneDocumentWithoutRepeatedKeys() throws IOException {
        ObjectMapper json = InputFiles.strictJson();
        assertEquals(2, InputFiles.parse(json, "{\"a\": 1, \"b\": 2}", "f.json", "file", "JSON").size());
        assertNull(InputFiles.parse(json, "  \n", "f.json", "file", "JSON"));
        String dup = assertThrows(InputException.class,
                () -> InputFiles.parse(json, "{\"a\": 1,\n \"a\": 2}", "f.json", "file", "JSON")).getMessage();
        assertTrue(dup.startsWith("f.json: file: not valid JSON: Duplicate field 'a' (line 2"), dup);
        String two = assertThrows(InputException.class,
                () -> InputFiles.parse(json, "{}\n{}", "f.json", "file", "JSON")).getMessage();
        assertEquals("f.json: file: not valid JSON: more than one document or value (the second starts at line 2, column 1)",
                two);
        String nan = assertThrows(InputException.class,
                () -> InputFiles.parse(json, "{\"a\": NaN}", "f.json", "file", "JSON")).getMessage();
        assertTrue(nan.contains("NaN") && !nan.contains("Source:") && !nan.contains("Exception"), nan);
    }

    @Test
    void yamlSecondDocumentsAndRepeatedKeysAreErrors() {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        String two = assertThrows(InputException.class,
                () -> InputFiles.parse(yaml, "a: 1\n---\nb: 2\n", "m.yaml", "document", "YAML")).getMessage();
        assertTrue(two.startsWith("m.yaml: document: not valid YAML: more than one document"), two);
        String dup = assertThrows(InputException.class,
                () -> InputFiles.parse(yaml, "a: 1\na: 2\n", "m.yaml", "document", "YAML")).getMessage();
        assertTrue(dup.contains("Duplicate field 'a'"), dup);
    }

    @Test
    void outputChecksRefuseFoldersAndFilesInTheWay() throws IOException {
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        assertTrue(assertThrows(InputException.class, () -> InputFiles.requireOutputFile(dir, "--out"))
                .getMessage().endsWith("--out: is a folder; give the name of a file to write"));
        assertEquals(file.resolve("a/b.txt") + ": --out: " + file + " is a file, not a folder",
                assertThrows(InputException.class, () -> InputFiles.requireOutputFile(file.resolve("a/b.txt"), "--out"))
                        .getMessage());
        assertEquals(file + ": --out: is a file; give a folder",
                assertThrows(InputException.class, () -> InputFiles.requireOutputFolder(file, "--out")).getMessage());
        InputFiles.requireOutputFile(dir.resolve("new/deeper/out.txt"), "--out");
        InputFiles.requireOutputFolder(dir.resolve("new"), "--out");
        assertFalse(Files.exists(dir.resolve("new")), "checks create nothing");
    }
}
