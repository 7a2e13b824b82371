package io.moesim.models.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A {@code decoder} of tokenizer.json: turns the tokens' strings back into text. */
sealed interface Decoder {

    /** Transforms the list of token strings (the final text is their concatenation). */
    List<String> apply(List<String> tokens);

    /** Several decoders in order. */
    record Sequence(List<Decoder> decoders) implements Decoder {
        public List<String> apply(List<String> tokens) {
            for (Decoder d : decoders) {
                tokens = d.apply(tokens);
            }
            return tokens;
        }
    }

    /** Byte-level characters back to bytes, then UTF-8 (invalid bytes become U+FFFD). */
    record ByteLevelDecoder() implements Decoder {
        public List<String> apply(List<String> tokens) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (String t : tokens) {
                byte[] mapped = new byte[t.length()];
                boolean all = true;
                for (int i = 0; i < t.length() && all; i++) {
                    int b = ByteLevel.byteOf(t.charAt(i));
                    all = b >= 0;
                    mapped[i] = (byte) b;
                }
                bytes.writeBytes(all ? mapped : t.getBytes(StandardCharsets.UTF_8));
            }
            return List.of(bytes.toString(StandardCharsets.UTF_8));
        }
    }

    /** Replaces a literal string in every token. */
    record Replace(String pattern, String content) implements Decoder {
        public List<String> apply(List<String> tokens) {
            return tokens.stream().map(t -> t.replace(pattern, content)).toList();
        }
    }

    /** Runs of {@code <0xNN>} tokens become the text of their bytes (U+FFFD per byte if not UTF-8). */
    record ByteFallback() implements Decoder {
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>();
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    pending.write(b);
                    continue;
                }
                flush(pending, out);
                out.add(t);
            }
            flush(pending, out);
            return out;
        }

        private static int byteToken(String t) {
            if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
                try {
                    return Integer.parseInt(t.substring(3, 5), 16);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
            return -1;
        }

        private static void flush(ByteArrayOutputStream pending, List<String> out) {
            if (pending.size() == 0) {
                return;
            }
            byte[] bytes = pending.toByteArray();
            pending.reset();
            try {
                out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
            } catch (CharacterCodingException e) {
                for (int i = 0; i < bytes.length; i++) {
                    out.add("\uFFFD");
                }
            }
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements Decoder {
        public List<String> apply(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(char content, int start, int stop) implements Decoder {
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>();
            for (String t : tokens) {
                int from = 0;
                while (from < start && from < t.length() && t.charAt(from) == content) {
                    from++;
                }
                int to = t.length();
                while (t.length() - to < stop && to > from && t.charAt(to - 1) == content) {
                    to--;
                }
                out.add(t.substring(from, to));
            }
            return out;
        }
    }

    /** Metaspace: the replacement character back to a space; the first token loses a leading space. */
    record MetaspaceDecoder(String replacement, PreTokenizer.PrependScheme scheme) implements Decoder {
        public List<String> apply(List<String> tokens) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i).replace(replacement, " ");
                if (i == 0 && scheme != PreTokenizer.PrependScheme.NEVER && t.startsWith(" ")) {
                    t = t.substring(1);
                }
                out.add(t);
            }
            return out;
        }
    }
}
