package io.moesim.models.spec;

/**
 * The two phases of serving a request. They differ in how many new tokens a step carries per
 * sequence and, for multi-head latent attention (MLA), in the form of attention that is computed:
 *
 * <ul>
 *   <li>{@link #PREFILL}: the prompt (or a chunk of it) in one step. MLA runs in the
 *       <em>decompressed</em> form: the latent is expanded to per-head keys and values by
 *       {@code kv_b_proj} and attention runs with head dimension qk_nope + qk_rope (keys) and v_head_dim
 *       (values), as in DeepSeek's prefill kernels.</li>
 *   <li>{@link #DECODE}: one new token per sequence per step (more with speculative decoding). MLA runs
 *       in the <em>weight-absorbed</em> form: {@code W_UK} is folded into the query and {@code W_UV} into
 *       the output, so attention runs directly on the cached latent with head dimension
 *       kv_lora_rank + qk_rope for keys and kv_lora_rank for values (FlashMLA).</li>
 * </ul>
 * For grouped-query attention both phases compute the same thing per token.
 */
public enum Phase {
    PREFILL,
    DECODE
}
