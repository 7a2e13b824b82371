package io.moesim.models.tokenizer;

import java.util.List;

/** A {@code post_processor} of tokenizer.json, for a single sequence: adds special tokens around it. */
sealed interface PostProcessor {

    /** The ids with the special tokens added. */
    int[] apply(int[] ids);

    /** Leaves the ids unchanged (ByteLevel's post-processor only adjusts offsets). */
    record Identity() implements PostProcessor {
        public int[] apply(int[] ids) {
            return ids;
        }
    }

    /** A template: special-token ids and the sequence ({@code null} element) in order. */
    record Template(List<int[]> items) implements PostProcessor {
        public int[] apply(int[] ids) {
            BpeModel.IntList out = new BpeModel.IntList(ids.length + 4);
            for (int[] item : items) {
                out.addAll(item == null ? ids : item);
            }
            return out.toArray();
        }
    }

    /** Several post-processors in order. */
    record Sequence(List<PostProcessor> steps) implements PostProcessor {
        public int[] apply(int[] ids) {
            for (PostProcessor p : steps) {
                ids = p.apply(ids);
            }
            return ids;
        }
    }
}
