package io.moesim.models.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code pre_tokenizer} of tokenizer.json: splits a normalized segment into the words that BPE
 * encodes one by one, possibly rewriting them (byte-level mapping, metaspace replacement).
 */
sealed interface PreTokenizer {

    /**
     * A piece of text being pre-tokenized.
     *
     * @param text    its current text
     * @param atStart whether it begins at offset 0 of the original input (Metaspace's "first" scheme)
     */
    record Piece(String text, boolean atStart) {
    }

    /** Splits each piece further; returns the new list. */
    List<Piece> apply(List<Piece> pieces);

    /** GPT-2's split pattern, used by ByteLevel with {@code use_regex}. */
    Pattern GPT2_PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Several pre-tokenizers in order. */
    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        public List<Piece> apply(List<Piece> pieces) {
            for (PreTokenizer p : steps) {
                pieces = p.apply(pieces);
            }
            return pieces;
        }
    }

    /** Byte-level: optional prefix space, optional GPT-2 regex split, then every byte as its character. */
    record ByteLevelSplit(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        public List<Piece> apply(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>();
            for (Piece p : pieces) {
                String s = p.text();
                if (addPrefixSpace && !s.startsWith(" ")) {
                    s = " " + s;
                }
                List<Piece> parts = useRegex
                        ? Split.split(new Piece(s, p.atStart()), GPT2_PATTERN, Behavior.ISOLATED, false)
                        : List.of(new Piece(s, p.atStart()));
                for (Piece part : parts) {
                    out.add(new Piece(ByteLevel.encode(part.text()), part.atStart()));
                }
            }
            return out;
        }
    }

    /** How the prepend scheme of Metaspace applies. */
    enum PrependScheme { ALWAYS, FIRST, NEVER }

    /** SentencePiece style: spaces become {@code replacement}, prepended per scheme, optionally split before it. */
    record Metaspace(String replacement, PrependScheme scheme, boolean split) implements PreTokenizer {
        public List<Piece> apply(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>();
            for (Piece p : pieces) {
                String s = p.text().replace(" ", replacement);
                boolean prepend = scheme == PrependScheme.ALWAYS || (scheme == PrependScheme.FIRST && p.atStart());
                if (prepend && !s.startsWith(replacement)) {
                    s = replacement + s;
                }
                Piece q = new Piece(s, p.atStart());
                if (split) {
                    out.addAll(Split.split(q, Pattern.compile(Pattern.quote(replacement)), Behavior.MERGED_WITH_NEXT, false));
                } else if (!s.isEmpty()) {
                    out.add(q);
                }
            }
            return out;
        }
    }

    /** What a split does with the matched text. */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** Splits on a literal string or regular expression. */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        public List<Piece> apply(List<Piece> pieces) {
            List<Piece> out = new ArrayList<>();
            for (Piece p : pieces) {
                out.addAll(split(p, pattern, behavior, invert));
            }
            return out;
        }

        static List<Piece> split(Piece piece, Pattern pattern, Behavior behavior, boolean invert) {
            String s = piece.text();
            // Alternating spans [start, end, isMatch].
            List<int[]> spans = new ArrayList<>();
            Matcher m = pattern.matcher(s);
            int last = 0;
            while (m.find()) {
                if (m.start() == m.end()) {
                    continue;
                }
                if (m.start() > last) {
                    spans.add(new int[] {last, m.start(), invert ? 1 : 0});
                }
                spans.add(new int[] {m.start(), m.end(), invert ? 0 : 1});
                last = m.end();
            }
            if (last < s.length()) {
                spans.add(new int[] {last, s.length(), invert ? 1 : 0});
            }
            List<int[]> merged = new ArrayList<>();
            switch (behavior) {
                case ISOLATED -> merged.addAll(spans);
                case REMOVED -> spans.stream().filter(x -> x[2] == 0).forEach(merged::add);
                case MERGED_WITH_PREVIOUS -> {
                    for (int[] x : spans) {
                        if (x[2] == 1 && !merged.isEmpty() && merged.get(merged.size() - 1)[2] == 0) {
                            merged.get(merged.size() - 1)[1] = x[1];
                            merged.get(merged.size() - 1)[2] = 1;
                        } else {
                            merged.add(x.clone());
                        }
                    }
                }
                case MERGED_WITH_NEXT -> {
                    boolean pendingMatch = false;
                    for (int[] x : spans) {
                        if (pendingMatch) {
                            merged.get(merged.size() - 1)[1] = x[1];
                            pendingMatch = x[2] == 1;
                        } else {
                            merged.add(x.clone());
                            pendingMatch = x[2] == 1;
                        }
                    }
                }
                case CONTIGUOUS -> {
                    for (int[] x : spans) {
                        if (x[2] == 1 && !merged.isEmpty() && merged.get(merged.size() - 1)[2] == 1) {
                            merged.get(merged.size() - 1)[1] = x[1];
                        } else {
                            merged.add(x.clone());
                        }
                    }
                }
            }
            List<Piece> out = new ArrayList<>(merged.size());
            for (int[] x : merged) {
                if (x[1] > x[0]) {
                    out.add(new Piece(s.substring(x[0], x[1]), piece.atStart() && x[0] == 0));
                }
            }
            return out;
        }
    }

    /** Splits digits from the rest: each digit alone, or runs of digits. */
    record Digits(boolean individual) implements PreTokenizer {
        public List<Piece> apply(List<Piece> pieces) {
            Pattern p = Pattern.compile(individual ? "\\p{Nd}" : "\\p{Nd}+");
            List<Piece> out = new ArrayList<>();
            for (Piece piece : pieces) {
                out.addAll(Split.split(piece, p, individual ? Behavior.ISOLATED : Behavior.CONTIGUOUS, false));
            }
            return out;
        }
    }
}
