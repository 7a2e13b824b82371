package io.moesim.models.trace;

/**
 * The router's choices for one token in every recorded MoE layer.
 *
 * <p>{@code experts[i][j]} is the j-th chosen expert in the i-th recorded layer (the decoder layer
 * {@code header.moeLayers().get(i)}), ordered by descending weight; {@code weights[i][j]} is the
 * gate weight the model multiplies that expert's output by. The arrays are owned by this record;
 * do not modify them.
 *
 * @param seq      index of the sequence (document, window stream) the token belongs to
 * @param position position of the token in its sequence (0-based)
 * @param tokenId  the token id
 * @param experts  chosen expert ids, {@code [recorded layer][k]}
 * @param weights  their gate weights, {@code [recorded layer][k]}
 */
public record TokenRouting(int seq, int position, int tokenId, int[][] experts, float[][] weights) {
}
