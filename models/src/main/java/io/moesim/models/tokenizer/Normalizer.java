package io.moesim.models.tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code normalizer} of tokenizer.json: rewrites a text segment before pre-tokenization. */
sealed interface Normalizer {

    String apply(String s);

    /** Several normalizers in order. */
    record Sequence(List<Normalizer> normalizers) implements Normalizer {
        public String apply(String s) {
            for (Normalizer n : normalizers) {
                s = n.apply(s);
            }
            return s;
        }
    }

    /** Puts {@code prefix} in front of a non-empty segment. */
    record Prepend(String prefix) implements Normalizer {
        public String apply(String s) {
            return s.isEmpty() ? s : prefix + s;
        }
    }

    /** Replaces every match of a literal string or a regular expression. */
    record Replace(Pattern pattern, String content) implements Normalizer {
        public String apply(String s) {
            return pattern.matcher(s).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    /** Unicode normalisation form NFC, NFD, NFKC or NFKD. */
    record Unicode(java.text.Normalizer.Form form) implements Normalizer {
        public String apply(String s) {
            return java.text.Normalizer.normalize(s, form);
        }
    }

    /** Lower-cases (locale-independent). */
    record Lowercase() implements Normalizer {
        public String apply(String s) {
            return s.toLowerCase(Locale.ROOT);
        }
    }

    /** Removes leading and/or trailing whitespace. */
    record Strip(boolean left, boolean right) implements Normalizer {
        public String apply(String s) {
            if (left) {
                s = s.stripLeading();
            }
            if (right) {
                s = s.stripTrailing();
            }
            return s;
        }
    }
}
