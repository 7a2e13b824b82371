package io.moesim.models.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Byte-pair encoding of one pre-tokenized word, as Hugging Face's {@code BPE} model does it: the
 * word's characters become symbols (characters missing from the vocabulary become byte tokens
 * {@code <0xNN>} with byte fallback, else the unknown token, consecutive ones fused with
 * {@code fuse_unk}); then the adjacent pair with the lowest merge rank (leftmost among equals) is
 * merged until no pair merges.
 */
final class BpeModel {

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int unkId;          // -1: no unknown token
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String continuingPrefix;
    private final String endOfWordSuffix;
    private final int[] byteTokens = new int[256]; // id of <0xNN>, or -1

    BpeModel(Map<String, Integer> vocab, MergeTable merges, int unkId, boolean fuseUnk, boolean byteFallback,
             boolean ignoreMerges, String continuingPrefix, String endOfWordSuffix) {
        this.vocab = vocab;
        this.merges = merges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.continuingPrefix = continuingPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    /** Appends the ids of {@code word} to {@code out}. */
    void encode(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        int[] ids = initialSymbols(word);
        int n = ids.length;
        if (n == 0) {
            return;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            push(heap, ids, i, i + 1);
        }
        boolean[] removed = new boolean[n];
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            long merge = merges.get(ids[pos], ids[right]);
            if (merge < 0 || (int) (merge >>> 32) != rank) {
                continue; // stale entry: a neighbour changed since it was pushed
            }
            ids[pos] = (int) merge;
            removed[right] = true;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                push(heap, ids, prev[pos], pos);
            }
            if (next[pos] >= 0) {
                push(heap, ids, pos, next[pos]);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(ids[i]);
        }
    }

    private void push(LongHeap heap, int[] ids, int left, int right) {
        long merge = merges.get(ids[left], ids[right]);
        if (merge >= 0) {
            heap.add((merge & 0xFFFFFFFF00000000L) | left);
        }
    }

    private int[] initialSymbols(String word) {
        IntList symbols = new IntList(word.length());
        boolean lastWasUnk = false;
        int length = word.length();
        for (int i = 0; i < length; ) {
            int cp = word.codePointAt(i);
            int end = i + Character.charCount(cp);
            String ch = word.substring(i, end);
            if (continuingPrefix != null && i > 0) {
                ch = continuingPrefix + ch;
            }
            if (endOfWordSuffix != null && end == length) {
                ch = ch + endOfWordSuffix;
            }
            i = end;
            Integer id = vocab.get(ch);
            if (id != null) {
                symbols.add(id);
                lastWasUnk = false;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) {
                    all &= byteTokens[b & 0xFF] >= 0;
                }
                if (all) {
                    for (byte b : bytes) {
                        symbols.add(byteTokens[b & 0xFF]);
                    }
                    lastWasUnk = false;
                    continue;
                }
            }
            if (unkId >= 0) {
                if (!(fuseUnk && lastWasUnk)) {
                    symbols.add(unkId);
                }
                lastWasUnk = true;
            }
        }
        return symbols.toArray();
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int size;

        IntList(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[size++] = v;
        }

        void addAll(int[] values) {
            for (int v : values) {
                add(v);
            }
        }

        int size() {
            return size;
        }

        int get(int i) {
            return a[i];
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    /** A binary min-heap of longs. */
    static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && a[child + 1] < a[child]) {
                    child++;
                }
                if (a[child] >= last) {
                    break;
                }
                a[i] = a[child];
                i = child;
            }
            if (size > 0) {
                a[i] = last;
            }
            return top;
        }
    }
}
