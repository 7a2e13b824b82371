package io.moesim.models.train;

/**
 * One trainable tensor with its gradient and AdamW moments. A stacked tensor (one slice per
 * expert) exports as {@code slices} tensors named by {@link #exportName(int)}.
 *
 * @param name    Hugging Face tensor name, with {@code %d} for the expert index when stacked
 * @param shape   shape of one exported slice
 * @param slices  number of stacked slices (1 when not stacked)
 * @param decay   whether AdamW applies weight decay (matrices yes, norm weights no)
 */
record Param(String name, int[] shape, int slices, boolean decay, float[] w, float[] g, float[] m, float[] v) {

    static Param of(String name, int slices, boolean decay, int... shape) {
        long n = slices;
        for (int s : shape) {
            n *= s;
        }
        int size = Math.toIntExact(n);
        return new Param(name, shape, slices, decay, new float[size], new float[size], new float[size], new float[size]);
    }

    int size() {
        return w.length;
    }

    int sliceSize() {
        return w.length / slices;
    }

    String exportName(int slice) {
        return slices == 1 ? name : String.format(name, slice);
    }
}
