#!/usr/bin/env python3
"""Writes kernel-profiles/<id>.yaml from the tables below (the arithmetic on each benchmark figure is
in its source text; docs/calibration.md section "Kernel profiles" explains each). Run from the
repository root: python3 scripts/kernel-profiles.py"""
import math

INTERP = ("linear in log(shape) between table points, flat beyond the first and last point; "
          "two-axis tables are full grids, bilinear in (log batch, log context)")
UNITS = {"fraction": "fraction", "B/s": "B/s", "s": "s", "passes": "passes", "kernels": "kernels"}

def c(unit, value, basis, source, fallback=None):
    return dict(unit=unit, value=value, basis=basis, source=source, fallback=fallback)

def t(unit, axes, rows, basis, source, fallback=None):
    return dict(unit=unit, axes=axes, rows=rows, basis=basis, source=source, fallback=fallback)

def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

def fmt(x):
    if isinstance(x, int):
        return str(x)
    return ('%.6g' % x)

def write(pid, hardware, software, header, entries):
    out = [header.rstrip(), f"id: {pid}", f"hardware: {hardware}", f"software: {q(software)}",
           f"interpolation: {q(INTERP)}"]
    for key, e in entries:
        out.append(f"{key}:")
        out.append(f"  unit: {q(e['unit'])}")
        out.append(f"  basis: {e['basis']}")
        out.append(f"  source: {q(e['source'])}")
        if e.get('fallback'):
            out.append(f"  fallback: {q(e['fallback'])}")
        if 'value' in e:
            out.append(f"  value: {fmt(e['value'])}")
        else:
            out.append("  points:")
            for row in e['rows']:
                parts = [f"{a}: {fmt(v)}" for a, v in zip(e['axes'], row[:-1])]
                parts.append(f"value: {fmt(row[-1])}")
                out.append("    - { " + ", ".join(parts) + " }")
    open(f"kernel-profiles/{pid}.yaml", "w").write("\n".join(out) + "\n")

# ---------------------------------------------------------------- H800 (DeepSeek's own kernels)
H800_FP8 = [(256, 0.441), (512, 0.494), (1024, 0.545), (4096, 0.647)]
DEEPGEMM = ("DeepGEMM FP8 grouped GEMMs on H800, March 2025 (github.com/deepseek-ai/DeepGEMM README; docs/sources.md "
            "section 6): mean of the gate+up (N=4096,K=7168) and down (N=7168,K=2048) shapes over the 1,979 TFLOPS FP8 "
            "peak. 256 tokens/group: (932+815)/2; 512: (1040+916)/2; 1024: (1233+925)/2; 4096 and 8192: (1346+1214)/2. "
            "Below 256 tokens the kernels are bound by streaming weights (gemm.weightStreamingFraction), so the table is "
            "flat there")
WS = ("DeepGEMM on H800 at 64 tokens (docs/sources.md section 6): N=4096,K=7168 at 287 TFLOPS moves 30.4 MB in 13.1 us = "
      "2.32 TB/s; N=7168,K=2048 at 295 TFLOPS moves 15.7 MB in 6.4 us = 2.47 TB/s; mean 2.39 of 3.352 TB/s")
FLASHMLA_C = ("FlashMLA dense decode on H800, April 2025 kernel: up to 660 of 989 TFLOPS BF16, compute-bound with 128 "
              "query heads (github.com/deepseek-ai/FlashMLA README; docs/sources.md section 6b, KA2h)")
FLASHMLA_M = ("FlashMLA on H800: up to 3,000 GB/s of 3,352 in the memory-bound configuration (FlashMLA README; "
              "docs/sources.md section 6b, KA2h)")
SMALL_LAUNCH = ("ESTIMATE: per layer and micro-batch, the fixed GPU time of about a dozen small kernels (2x fused "
                "add+RMSNorm, RoPE, FP8 activation quantisation, router top-k, SwiGLU, KV-cache write) of well under a "
                "microsecond of work each at decode batch sizes, plus their gaps; fused kernels are the norm: TensorRT-LLM "
                "fused DeepSeek's top-k routing from 252 us to 15 us per call on B200 (blog3, docs/sources.md section 8 "
                "notes). With smallKernels.hiddenPassesPerToken it gives 9.7 us at the 64 tokens per micro-batch of "
                "DeepSeek's decode profile, the 10 us per layer of the constant it replaces (docs/calibration.md)")
SMALL_PASSES = ("ESTIMATE: per layer and token, BF16 hidden vectors the small kernels read or write: fused add+RMSNorm "
                "twice (read 2, write 2 each: 8), FP8 quantisation of the two GEMM inputs (read 1, write 0.5 each: 3), "
                "router top-k and residual bookkeeping (about 1): 12, costed at hbm.achievableFraction. No kernel "
                "benchmark isolates them")
HOST_STEP = ("ESTIMATE: SGLang's overlap scheduler prepares the next batch on the CPU while the GPU runs the current "
             "one (LMSYS blog 2024-12-04, SGLang v0.4 'zero-overhead batch scheduler'), so no host time per step is "
             "added with CUDA graphs")
HOST_LAUNCH = ("ESTIMATE: CPU cost of one eager kernel launch through PyTorch and the framework, about 5 us. Without "
               "CUDA graphs a layer cannot run faster than its launches: layer time = max(GPU time, kernelsPerLayer x "
               "this). Sourced checks, not fitted: CUDA graphs were worth 22% end to end on B200 (TensorRT-LLM blog3) "
               "and batch-1 DeepSeek-R1 decode on 8 B200 runs at ~9 ms per step (blog1, 111 tok/s/user), a floor set by "
               "launches and latency (docs/sources.md section 8 notes)")
HOST_KERNELS = ("ESTIMATE: kernels launched per decoder layer and micro-batch: the GEMMs and attention (about 8), the "
                "small kernels (about 12), all-to-all or all-reduce calls (2-4) and their bookkeeping: about 30")

def hopper_alltoall(nv_normal, nv_normal_src, nv_ll, nv_ll_src, nv_ll_d, nv_ll_c, nv_ll_fixed_src,
                    rdma_basis, rdma_src, ll_basis, ll_d, ll_c, ll_src, fallback_nv=None, fallback_rdma=None,
                    nv_basis="measurement", nv_ll_basis="derived"):
    return [
        ("allToAll.normal.nvlink.dispatchBytesPerSecond", c("B/s", nv_normal[0], nv_basis, nv_normal_src, fallback_nv)),
        ("allToAll.normal.nvlink.combineBytesPerSecond", c("B/s", nv_normal[1], nv_basis, nv_normal_src, fallback_nv)),
        ("allToAll.normal.rdma.dispatchBytesPerSecond", c("B/s", 50e9, rdma_basis, rdma_src, fallback_rdma)),
        ("allToAll.normal.rdma.combineBytesPerSecond", c("B/s", 50e9, rdma_basis, rdma_src, fallback_rdma)),
    ]

H800_NORMAL_FIXED = ("ESTIMATE: not separable in DeepEP's normal-kernel tables, whose bandwidths are bytes over total time "
                     "at 4,096 tokens; a few microseconds of launch and notification assumed")
H800_RDMA = ("DeepEP normal kernels on H800, 1x CX7 400 Gb/s IB per GPU: internode EP16/32/64 dispatch 43/58/51 GB/s, "
             "combine 43/57/50 GB/s (DeepEP README; docs/sources.md section 4). The spread is not monotone in EP, so one "
             "value, DeepSeek's own 'IB (50 GB/s)' (V3 report; section 1, A1), serves every EP size")
H800_NV = ("DeepEP normal intranode EP8 on H800: dispatch 153 GB/s, combine 158 GB/s over NVLink (DeepEP README; "
           "docs/sources.md section 4); the mean, 155 GB/s, for both (DeepSeek: 'NVLink 160 GB/s', A1)")
H800_LL_NV = ("DeepEP low-latency kernels with NVLink (June 2025) at EP8 on H800, 128 tokens per rank: dispatch 77 us, "
              "combine 114 us (docs/sources.md section 4). Busiest NVLink port: 7/8 x 128 x 8 x 7,392 B = 6.62 MB "
              "dispatched (FP8), 12.85 MB combined (BF16); with one fixed cost for both, the 37 us difference over the "
              "6.22 MB difference gives 168 GB/s")
H800_LL_NV_FIXED = "77 us - 6.62 MB / 168 GB/s = 38 us; combine 114 us - 12.85 MB / 168 GB/s = 38 us (derived from the same DeepEP EP8 figures, docs/sources.md section 4)"
H800_LL_RDMA = ("RDMA goodput of one CX7 400 Gb/s NIC under DeepEP: the normal internode kernels reach 43-58 GB/s "
                "(docs/sources.md section 4); DeepSeek: IB 50 GB/s (A1). The low-latency kernels' own 39-41 GB/s (bytes "
                "over total time) include the fixed cost per call, which is in dispatchSeconds / combineSeconds")
H800_LL_D = ("DeepEP low-latency dispatch on H800, 128 tokens per rank (docs/sources.md section 4): EP32 155 us (June "
             "2025 NVLink version), EP128 192 us (same in the Feb and June versions), EP256 194 us (Feb 2025 pure-RDMA "
             "version, the only figure published there). The busiest NIC carries (EP-8)/EP of 128 x 8 x 7,392 B (FP8 with scales): at 50 GB/s "
             "that is 113.5 / 141.9 / 146.7 us, leaving 41.5 / 50.1 / 47.3 us per call of fixed cost (launch, IBGDA "
             "round trips, waiting for the slowest rank)")
H800_LL_C = ("DeepEP low-latency combine on H800 (docs/sources.md section 4): EP32 273 us, EP128 369 us, EP256 360 us; "
             "BF16 copies, (EP-8)/EP of 128 x 8 x 14,336 B at 50 GB/s = 220.2 / 275.3 / 284.4 us, leaving 52.8 / 93.8 / "
             "75.6 us per call")
SM_FRACTION = ("20 of the H800's 132 SMs run DeepSeek's throughput all-to-all kernels beside compute (DeepSeek-V3 "
               "technical report, arXiv 2412.19437, section 3.2.2); the low-latency kernels take none while in flight "
               "(docs/sources.md section 5)")
OVERLAP_T = ("FITTED on the H800's designated calibration point: DeepSeek's balanced-routing prefill profile (profile-data "
             "via SGLang, 62,713 input tok/s per node at EP32, 16,384 tokens per GPU, 4,096-token prompts; "
             "docs/sources.md section 5), analytic estimate (docs/calibration.md): 0.42 gives 62,832 (+0.2%). Refitted from 0.36 when the small kernels became per token (their 12 hidden passes per token add ~1 ms per layer at 8,192 tokens per micro-batch; 0.36 now gives 60,878, -2.9%)")
OVERLAP_L = ("FITTED on the H800's designated calibration point: DeepSeek's balanced-routing decode profile (profile-data "
             "via SGLang, 18,598 output tok/s per node at EP128, 128 requests per GPU, KV 4,096; docs/sources.md section "
             "5), analytic estimate (docs/calibration.md)")

def common_tail(basis_overlap, sm, sm_basis, sm_src, fb_overlap=None, fb_sm=None, fb_small=None, small_basis="estimate"):
    return [
        ("overlap.communicationSmFraction", c("fraction", sm, sm_basis, sm_src, fb_sm)),
        ("overlap.throughputKernels", c("fraction", 0.42, basis_overlap, OVERLAP_T, fb_overlap)),
        ("overlap.lowLatencyKernels", c("fraction", 0.64, basis_overlap, OVERLAP_L, fb_overlap)),
        ("smallKernels.launchSeconds", c("s", 6e-6, small_basis, SMALL_LAUNCH, fb_small)),
        ("smallKernels.hiddenPassesPerToken", c("passes", 12, small_basis, SMALL_PASSES, fb_small)),
        ("host.stepSeconds", c("s", 0, "estimate", HOST_STEP)),
        ("host.launchSecondsPerKernel", c("s", 5e-6, "estimate", HOST_LAUNCH)),
        ("host.kernelsPerLayer", c("kernels", 30, "estimate", HOST_KERNELS)),
    ]

def header(pid, text):
    return (f"# Kernel profile {pid}: what kernels achieve on this GPU with the software generation named below.\n"
            "# What the GPU is (peaks, memory, links, price) lives in hardware-profiles/; these tables are fractions of\n"
            "# those peaks or achieved bandwidths, each from a public kernel benchmark (ids of docs/sources.md section 8:\n"
            "# KA.. attention, KB.. GEMM, KE.. all-to-all, KF.. memory; sections 4-6b for DeepSeek's H800 kernels).\n"
            "# basis: measurement | derived (arithmetic on benchmark figures) | fitted (the one designated calibration\n"
            "# point) | estimate (no benchmark isolates it) | none (no kernel figure for this GPU: the fallback says what\n"
            "# is used, and moesim prints the part as uncalibrated). Written by scripts/kernel-profiles.py.\n"
            + "".join("# " + line + "\n" for line in text))

def h800():
    fb_fp8 = "the FP8 table (DeepGEMM on H800) as the same fraction of the BF16 peak"
    e = [
        ("hbm.achievableFraction", c("fraction", 0.895, "measurement", FLASHMLA_M)),
        ("gemm.weightStreamingFraction", c("fraction", 0.71, "derived", WS)),
        ("gemm.bf16", t("fraction", ["tokens"], H800_FP8, "none", "no BF16 GEMM benchmark on H800 in docs/sources.md", fb_fp8)),
        ("gemm.fp8", t("fraction", ["tokens"], H800_FP8, "derived", DEEPGEMM)),
        ("gemm.fp4", t("fraction", ["tokens"], H800_FP8, "none", "Hopper has no FP4 tensor cores: FP4 weights run at the FP8 peak (hardware profile)", "the FP8 table")),
        ("attention.mlaDecode.compute", c("fraction", 0.667, "measurement", FLASHMLA_C)),
        ("attention.mlaDecode.hbm", c("fraction", 0.895, "measurement", FLASHMLA_M)),
        ("attention.gqaDecode.compute", c("fraction", 0.667, "none", "no GQA decode benchmark on H800", "the FlashMLA decode fraction")),
        ("attention.gqaDecode.hbm", c("fraction", 0.895, "none", "no GQA decode benchmark on H800", "the FlashMLA decode fraction")),
        ("attention.prefill.compute", c("fraction", 0.667, "none", "no published H800 prefill-attention figure (MLA runs prefill in MHA form)", "the FlashMLA decode compute fraction")),
        ("allToAll.normal.nvlink.dispatchBytesPerSecond", c("B/s", 155e9, "measurement", H800_NV)),
        ("allToAll.normal.nvlink.combineBytesPerSecond", c("B/s", 155e9, "measurement", H800_NV)),
        ("allToAll.normal.rdma.dispatchBytesPerSecond", c("B/s", 50e9, "measurement", H800_RDMA)),
        ("allToAll.normal.rdma.combineBytesPerSecond", c("B/s", 50e9, "measurement", H800_RDMA)),
        ("allToAll.normal.dispatchSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
        ("allToAll.normal.combineSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
        ("allToAll.lowLatency.nvlink.bytesPerSecond", c("B/s", 168e9, "derived", H800_LL_NV)),
        ("allToAll.lowLatency.nvlink.dispatchSeconds", c("s", 38e-6, "derived", H800_LL_NV_FIXED)),
        ("allToAll.lowLatency.nvlink.combineSeconds", c("s", 38e-6, "derived", H800_LL_NV_FIXED)),
        ("allToAll.lowLatency.rdma.bytesPerSecond", c("B/s", 50e9, "measurement", H800_LL_RDMA)),
        ("allToAll.lowLatency.rdma.dispatchSeconds", t("s", ["ep"], [(32, 41.5e-6), (128, 50.1e-6), (256, 47.3e-6)], "derived", H800_LL_D)),
        ("allToAll.lowLatency.rdma.combineSeconds", t("s", ["ep"], [(32, 52.8e-6), (128, 93.8e-6), (256, 75.6e-6)], "derived", H800_LL_C)),
    ] + common_tail("fitted", 0.152, "derived", SM_FRACTION)
    write("h800", "h800", "DeepGEMM / FlashMLA / DeepEP on H800 (DeepSeek open-infra), 2025-03..06",
          header("h800", ["DeepSeek's own kernels on its own GPU: the reference profile. Its two overlap fractions are the only",
                          "fitted numbers of any kernel profile, each on one of DeepSeek's profile-data points."]), e)

# ---------------------------------------------------------------- H100 / H200 (Hopper, same SM as H800)
SAME_DIE = ("the H800 is H100 silicon with the same SMs, clocks and tensor-core peaks (hardware profiles): DeepGEMM's "
            "H800 table (docs/sources.md section 6) is a kernel figure of this SM. ")

def hopper(pid, name, hbm_note, flashmla_rows, flashmla_basis, flashmla_src, rdma_basis, rdma_src, rdma_fb,
           nv_src_basis, nv_src, nv_fb, nv_vals):
    fb_fp8 = "the FP8 table as the same fraction of the BF16 peak"
    e = [
        ("hbm.achievableFraction", c("fraction", flashmla_rows[0][-1] if pid == "h100" else 0.895,
                                     "measurement" if pid == "h100" else "none",
                                     "FlashMLA (Feb 2025) on H100, b=128, s_q=1, mean_sk=4,096, h_q=64: 2,789 GB/s of 3,350 (KA6)" if pid == "h100"
                                     else "no STREAM-style or memory-bound kernel measurement of H200 HBM found (docs/sources.md section 8)",
                                     None if pid == "h100" else "the H800's FlashMLA memory-bound fraction (3,000 of 3,352 GB/s) applied to 4,800 GB/s")),
        ("gemm.weightStreamingFraction", c("fraction", 0.71, "derived" if pid == "h100" else "none",
                                           SAME_DIE + WS if pid == "h100" else "no weight-streaming GEMM measurement on H200's 4.8 TB/s HBM",
                                           None if pid == "h100" else "the H800 DeepGEMM fraction (2.39 of 3.352 TB/s) applied to 4.8 TB/s")),
        ("gemm.bf16", t("fraction", ["tokens"], H800_FP8, "none", "no BF16 GEMM benchmark on " + name, fb_fp8)),
        ("gemm.fp8", t("fraction", ["tokens"], H800_FP8, "derived", SAME_DIE + DEEPGEMM)),
        ("gemm.fp4", t("fraction", ["tokens"], H800_FP8, "none", "Hopper has no FP4 tensor cores: FP4 weights run at the FP8 peak", "the FP8 table")),
        ("attention.mlaDecode.compute", c("fraction", 0.667, "derived", SAME_DIE.replace("DeepGEMM's", "FlashMLA's") + FLASHMLA_C)),
        ("attention.mlaDecode.hbm", t("fraction", ["batch", "context"], flashmla_rows, flashmla_basis, flashmla_src,
                                      None if flashmla_basis != "none" else "the H800's FlashMLA memory-bound fraction, 0.895")) if flashmla_basis != "none"
            else ("attention.mlaDecode.hbm", c("fraction", 0.895, "none", flashmla_src, "the H800's FlashMLA memory-bound fraction (3,000 of 3,352 GB/s)")),
        ("attention.gqaDecode.compute", c("fraction", 0.667, "none", "no GQA decode benchmark on " + name, "the FlashMLA compute fraction of the H800")),
        ("attention.gqaDecode.hbm", c("fraction", 0.895 if pid == "h200" else 0.832, "none", "no GQA decode benchmark on " + name,
                                      "the MLA decode memory-bound fraction of this profile")),
        ("attention.prefill.compute", c("fraction", 0.667, "none", "no prefill-attention benchmark on " + name, "the H800 FlashMLA decode compute fraction")),
        ("allToAll.normal.nvlink.dispatchBytesPerSecond", c("B/s", nv_vals[0], nv_src_basis, nv_src, nv_fb)),
        ("allToAll.normal.nvlink.combineBytesPerSecond", c("B/s", nv_vals[1], nv_src_basis, nv_src, nv_fb)),
        ("allToAll.normal.rdma.dispatchBytesPerSecond", c("B/s", rdma_vals[pid][0], rdma_basis, rdma_src, rdma_fb)),
        ("allToAll.normal.rdma.combineBytesPerSecond", c("B/s", rdma_vals[pid][1], rdma_basis, rdma_src, rdma_fb)),
        ("allToAll.normal.dispatchSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
        ("allToAll.normal.combineSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
        ("allToAll.lowLatency.nvlink.bytesPerSecond", c("B/s", 378e9, "none", "no DeepEP low-latency NVLink figure on " + name,
                                                        "the H800's 168 of 200 GB/s per direction (0.84) applied to NVLink4's 450 GB/s")),
        ("allToAll.lowLatency.nvlink.dispatchSeconds", c("s", 38e-6, "none", "no low-latency NVLink measurement on " + name, "the H800 value (38 us)")),
        ("allToAll.lowLatency.nvlink.combineSeconds", c("s", 38e-6, "none", "no low-latency NVLink measurement on " + name, "the H800 value (38 us)")),
        ("allToAll.lowLatency.rdma.bytesPerSecond", c("B/s", 50e9, "none", "no low-latency RDMA measurement on " + name, "the H800 CX7 goodput, 50 GB/s per 400 Gb/s NIC")),
        ("allToAll.lowLatency.rdma.dispatchSeconds", t("s", ["ep"], [(32, 41.5e-6), (128, 50.1e-6), (256, 47.3e-6)], "none",
                                                       "no low-latency RDMA measurement on " + name, "the H800 table (same NIC, same kernels)")),
        ("allToAll.lowLatency.rdma.combineSeconds", t("s", ["ep"], [(32, 52.8e-6), (128, 93.8e-6), (256, 75.6e-6)], "none",
                                                      "no low-latency RDMA measurement on " + name, "the H800 table")),
    ] + common_tail("none", 0.152, "derived", SM_FRACTION + " (same 132-SM die)",
                    fb_overlap="the H800's fitted overlap fractions (the same two-micro-batch software); not refitted: no kernel-level figure of overlap exists for this GPU")
    write(pid, pid, f"DeepGEMM / FlashMLA / DeepEP on Hopper ({name}), 2025-02..06", header(pid, [
        f"{name}: Hopper SMs as on the H800, so the H800's GEMM and compute fractions carry over as kernel figures of",
        "the same SM; what differs (HBM, NVLink) is measured where a figure exists, else basis none."]), e)

rdma_vals = {"h100": (50e9, 50e9), "h200": (38.2e9, 44.4e9)}

def blackwell(pid, name):
    # CUTLASS MLA decode (sgl-kernel, SM100; KA1): GB/s at batch x seq, BF16 KV.
    # batch 128 seq 2048: 2,021 GB/s; batch 256: 4,047 / 4,015 / 4,124 at 2,048 / 4,096 / 8,192.
    # batch 128 at 4,096 and 8,192 are not published: derived as half the batch-256 bandwidth, as at 2,048
    # (the batch-128 call took the same time as batch 256 there: latency-bound, not bandwidth-bound).
    hbm = 8e12
    mla = [(128, 2048, 2021e9), (128, 4096, 4015e9 / 2), (128, 8192, 4124e9 / 2),
           (256, 2048, 4047e9), (256, 4096, 4015e9), (256, 8192, 4124e9)]
    mla_hbm = [(b, s, round(v / hbm, 4)) for b, s, v in mla]
    # The same calls' FLOPs: per KV byte (576 x 2 B) 2 x 128 x (576 + 512) FLOP = 241.8 FLOP/B.
    mla_c = [(b, s, round(v * 241.8 / 2.25e15 if pid == "b200" else v * 241.8 / 2.5e15, 4)) for b, s, v in mla]
    ka1 = ("sgl-kernel cutlass_mla_decode (CUTLASS MLA) on SM100 (GPU not named: a B200-class part), BF16 KV, d=576 / "
           "dv=512, 128 heads (github.com/sgl-project/sglang/pull/6929, KA1): batch 128 seq 2,048: 2,021 GB/s; batch "
           "256 seq 2,048 / 4,096 / 8,192: 4,047 / 4,015 / 4,124 GB/s, over 8,000 GB/s. Batch 128 at 4,096 and 8,192 "
           "(not published) are derived as half the batch-256 figure, as measured at 2,048 (the batch-128 call took "
           "the same time: latency-bound)")
    ka1c = ("the same CUTLASS MLA calls (KA1) counted in FLOPs: 2 x 128 x (576 + 512) FLOP per 1,152-byte KV token = "
            "241.8 FLOP/B, over the BF16 peak; the kernel is at once near both limits (B200's ridge is 281 FLOP/B)")
    fp8_b = [(n, round(f * (2.0 if pid == "b200" else 2.8) * 1.979e15 / (4.5e15 if pid == "b200" else 5e15), 3)) for n, f in H800_FP8]
    kb2 = ("FBGEMM FP8 grouped GEMM, Llama-4 MoE shapes (github.com/pytorch/FBGEMM/pull/4172, KB2): " +
           ("B200 ~2x H100 (B200 power-capped at 750 W in that run)" if pid == "b200" else "GB200 ~2.8x H100 (GB200 at 1,200 W)") +
           "; applied to the H100/H800 DeepGEMM table (same SM as H100; docs/sources.md section 6): fraction = "
           + ("2.0" if pid == "b200" else "2.8") + " x 1,979 / " + ("4,500" if pid == "b200" else "5,000") +
           " TFLOPS x the H800 fraction by tokens per group. Software generation: FBGEMM/CUTLASS grouped GEMM, 2025-05")
    nvfp4 = [(128, 550), (256, 1102), (512, 2188), (1024, 2895), (2048, 3411), (4096, 3646), (8192, 3779)]
    fp4_peak = 9e15 if pid == "b200" else 10e15
    nvfp4_rows = [(n, round(v * 1e12 / 9e15, 4)) for n, v in nvfp4]
    kb6 = ("vLLM NVFP4 CUTLASS dense GEMM (W4A4, without the activation quantisation), N=6144 K=4096, on SM100 (GPU "
           "not named: B200-class), July 2025 (github.com/vllm-project/vllm/pull/20646, listed as KB6 in "
           "docs/calibration.md): 128 / 256 / 512 / 1,024 / 2,048 / 4,096 / 8,192 tokens: 550 / 1,102 / 2,188 / 2,895 / "
           "3,411 / 3,646 / 3,779 TFLOPS, over B200's 9,000 TFLOPS FP4 peak")
    bf16 = [(128, 729), (256, 1127), (512, 1284), (1024, 1326), (2048, 1355), (4096, 1365), (8192, 1421)]
    bf16_rows = [(n, round(v * 1e12 / 2.25e15, 4)) for n, v in bf16]
    kb6b = ("torch BF16 GEMM (cuBLAS) in the same vLLM benchmark on SM100 (github.com/vllm-project/vllm/pull/20646, KB6): "
            "N=6144 K=4096, 128..8,192 tokens: 729 / 1,127 / 1,284 / 1,326 / 1,355 / 1,365 / 1,421 TFLOPS over 2,250")
    ws_src = ("DeepGEMM 'Mega MoE' FP8 x FP4 on SM100, EP8, hidden 7,168, 384 experts, 512 tokens: 369.6 us at 4,619 GB/s "
              "of HBM (github.com/deepseek-ai/DeepGEMM/pull/316, KB4): 4,619 of 8,000 GB/s while streaming expert weights")
    e = [
        ("hbm.achievableFraction", c("fraction", 0.69, "measurement" if pid == "b200" else "derived",
                                     "a BF16 GEMV streaming its weights on B200 (M=1, 8192 x 8192) reaches 5-6 TB/s of 8 (github.com/flashinfer-ai/flashinfer/issues/1732, "
                                     "listed as KB7 in docs/calibration.md): 5.5 / 8.0; B200's bus peak is 7,680 bits x 3,996 MHz x 2 = 7.672 TB/s (KF1), "
                                     "not the 8 TB/s spec; no STREAM measurement found" + ("" if pid == "b200" else "; same die and HBM on GB200"))),
        ("gemm.weightStreamingFraction", c("fraction", 0.577, "measurement" if pid == "b200" else "derived",
                                           ws_src + ("" if pid == "b200" else "; GB200 is the same SM100 die and HBM3e stack"))),
        ("gemm.bf16", t("fraction", ["tokens"], bf16_rows, "measurement" if pid == "b200" else "none",
                        kb6b, None if pid == "b200" else "the B200 (SM100) table as the same fraction of GB200's BF16 peak")),
        ("gemm.fp8", t("fraction", ["tokens"], fp8_b, "derived", kb2)),
        ("gemm.fp4", t("fraction", ["tokens"], nvfp4_rows, "measurement" if pid == "b200" else "none",
                       kb6, None if pid == "b200" else "the B200 (SM100) NVFP4 table as the same fraction of GB200's FP4 peak")),
        ("attention.mlaDecode.compute", t("fraction", ["batch", "context"], mla_c, "derived", ka1c)),
        ("attention.mlaDecode.hbm", t("fraction", ["batch", "context"], mla_hbm, "measurement" if pid == "b200" else "derived",
                                      ka1 + ("" if pid == "b200" else "; GB200's GPU is the same SM100 die with 8,000 GB/s"))),
        ("attention.gqaDecode.compute", c("fraction", 0.6, "none", "no compute-bound GQA decode figure on SM100",
                                          "the FlashMLA dense MHA prefill fraction on B200 (KA2), about 0.6")),
        ("attention.gqaDecode.hbm", c("fraction", 0.729, "measurement" if pid == "b200" else "derived",
                                      "trtllm-gen FMHA decode on B200, GQA 64 q / 8 kv heads, head_dim 64, batch 128: 5,831 GB/s of 8,000 at "
                                      "seq 4,096 (github.com/flashinfer-ai/flashinfer/pull/1415, KA5); its 1,220 GB/s at seq 8,192 is a "
                                      "different code path of that kernel version and is left out (docs/calibration.md)")),
        ("attention.prefill.compute", c("fraction", round(1460 / 2250, 3), "measurement" if pid == "b200" else "derived",
                                        "FlashMLA dense MHA prefill forward on B200: 1,460 TFLOPS of 2,250 BF16 (github.com/deepseek-ai/FlashMLA README, KA2); "
                                        "FlashInfer CuTe-DSL MHA prefill 484-1,247 and FA4 1,362 TFLOPS by shape (KA4) bracket it"
                                        + ("" if pid == "b200" else "; same SM100 kernel on GB200"))),
    ]
    if pid == "gb200-nvl72":
        # KE1: TRT-LLM one-sided NVLink all-to-all, BF16, hidden 7,168, top-8 (blog18).
        ke1 = ("TensorRT-LLM one-sided NVLink all-to-all on GB200 NVL72, DeepSeek-V3 shape (hidden 7,168, top-8), BF16 "
               "(TensorRT-LLM docs/source/blogs/tech_blog/blog18, KE1): EP64 batch 512 dispatch 115.7 us, combine 106.7 "
               "us; EP64 batch 1,024: 209.4 / 199.2 us; EP32 batch 512: 109.6 / 102.5 us; EP8 batch 1: 18.9 / 31.0 us; "
               "~80% of NVLink peak at EP8. ")
        e += [
            ("allToAll.normal.nvlink.dispatchBytesPerSecond", t("B/s", ["ep"], [(4, 169e9), (24, 405e9)], "measurement",
                "DeepEP normal kernels on GB200: one 4-GPU host, 24 SMs, dispatch 169 GB/s (github.com/deepseek-ai/DeepEP/issues/394, KE4); "
                "24 ranks over the NVL72 domain, 4,096 tokens, FP8 dispatch 405 GB/s (DeepEP branch hybrid-ep, Hybrid-EP_Implementation.md, KE3)")),
            ("allToAll.normal.nvlink.combineBytesPerSecond", t("B/s", ["ep"], [(4, 135e9), (24, 207e9)], "measurement",
                "DeepEP normal combine on GB200: 4-GPU host 135 GB/s (KE4); 24 ranks 207 GB/s (KE3)")),
            ("allToAll.normal.rdma.dispatchBytesPerSecond", c("B/s", 50e9, "none", "no RDMA all-to-all figure on GB200", "the H800 CX7 goodput, 50 GB/s per 400 Gb/s NIC")),
            ("allToAll.normal.rdma.combineBytesPerSecond", c("B/s", 50e9, "none", "no RDMA all-to-all figure on GB200", "the H800 CX7 goodput")),
            ("allToAll.normal.dispatchSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
            ("allToAll.normal.combineSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
            ("allToAll.lowLatency.nvlink.bytesPerSecond", t("B/s", ["ep"], [(8, 720e9), (64, 621e9)], "derived",
                ke1 + "EP64: the 512 -> 1,024 step adds 93.7 us (dispatch) and 92.5 us (combine) for 63/64 x 512 x 8 x 14,336 B = "
                "57.8 MB more on the busiest port: 617 and 625 GB/s, mean 621; EP8: 80% of 900 GB/s = 720")),
            ("allToAll.lowLatency.nvlink.dispatchSeconds", t("s", ["ep"], [(8, 18.7e-6), (32, 22.6e-6), (64, 22.6e-6)], "derived",
                ke1 + "Fixed cost = time - busiest-port bytes / bandwidth (table above, interpolated: 654 GB/s at EP32): EP8 batch 1: "
                "18.9 - 0.16 = 18.7 us; EP32 batch 512: 109.6 - 56.9 MB / 654 GB/s = 22.6 us; EP64: 115.7 - 57.8 MB / 621 GB/s = 22.6 us")),
            ("allToAll.lowLatency.nvlink.combineSeconds", t("s", ["ep"], [(8, 30.8e-6), (32, 15.5e-6), (64, 13.6e-6)], "derived",
                ke1 + "EP8 batch 1: 31.0 - 0.16 = 30.8 us; EP32: 102.5 - 87.0 = 15.5 us; EP64: 106.7 - 93.1 = 13.6 us")),
            ("allToAll.lowLatency.rdma.bytesPerSecond", c("B/s", 50e9, "none", "no RDMA low-latency figure on GB200 (an NVL72 rack is one NVLink domain)", "the H800 CX7 goodput")),
            ("allToAll.lowLatency.rdma.dispatchSeconds", t("s", ["ep"], [(32, 41.5e-6), (128, 50.1e-6), (256, 47.3e-6)], "none", "no RDMA low-latency figure on GB200", "the H800 table")),
            ("allToAll.lowLatency.rdma.combineSeconds", t("s", ["ep"], [(32, 52.8e-6), (128, 93.8e-6), (256, 75.6e-6)], "none", "no RDMA low-latency figure on GB200", "the H800 table")),
        ]
        software = ("SGLang / TensorRT-LLM on GB200 NVL72, 2025-06..10: CUTLASS MLA (sgl-kernel), FBGEMM/CUTLASS grouped FP8, "
                    "CUTLASS NVFP4, DeepEP normal kernels (prefill), TensorRT-LLM one-sided NVLink all-to-all (decode)")
    else:
        ke2 = ("NCCL-EP low-latency on B200, 128 tokens per rank, BF16 (github.com/flashinfer-ai/flashinfer "
               "benchmarks/moe_ep/MoE_benchmarks.md, KE2): 8 GPUs dispatch 43.9 us, combine 43.8 us; 16 / 32 GPUs over NDR "
               "IB dispatch 170.5 / 200.4 us, combine 254.7 / 284.7 us. ")
        e += [
            ("allToAll.normal.nvlink.dispatchBytesPerSecond", c("B/s", 443e9, "measurement",
                "DeepEP normal kernels on B200, 4,096 tokens, hidden 7,168, top-8, 32 SMs: FP8 dispatch 443 GB/s (BF16 619) (DeepEP branch hybrid-ep, Hybrid-EP_Implementation.md, KE3)")),
            ("allToAll.normal.nvlink.combineBytesPerSecond", c("B/s", 524e9, "measurement", "DeepEP normal combine on B200: 524 GB/s (KE3)")),
            ("allToAll.normal.rdma.dispatchBytesPerSecond", c("B/s", 50e9, "none", "no RDMA throughput-kernel figure on B200", "the H800 CX7 goodput, 50 GB/s per 400 Gb/s NIC")),
            ("allToAll.normal.rdma.combineBytesPerSecond", c("B/s", 50e9, "none", "no RDMA throughput-kernel figure on B200", "the H800 CX7 goodput")),
            ("allToAll.normal.dispatchSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
            ("allToAll.normal.combineSeconds", c("s", 5e-6, "estimate", H800_NORMAL_FIXED)),
            ("allToAll.lowLatency.nvlink.bytesPerSecond", c("B/s", 619e9, "derived",
                "DeepEP BF16 dispatch on B200 over NVLink, 619 GB/s (KE3): NCCL-EP's EP8 dispatch and combine (KE2) carry the same "
                "bytes and take the same time, so they cannot separate bandwidth from fixed cost; the throughput kernel's BF16 rate is taken")),
            ("allToAll.lowLatency.nvlink.dispatchSeconds", c("s", 23.1e-6, "derived",
                ke2 + "At EP8 the busiest NVLink port carries 7/8 x 128 x 8 x 14,336 B = 12.85 MB: 43.9 us - 12.85 MB / 619 GB/s = 23.1 us")),
            ("allToAll.lowLatency.nvlink.combineSeconds", c("s", 23.0e-6, "derived", ke2 + "43.8 us - 20.8 us = 23.0 us")),
            ("allToAll.lowLatency.rdma.bytesPerSecond", c("B/s", 50e9, "none", "NCCL-EP's internode figures (KE2) do not separate bandwidth from fixed cost", "the H800 CX7 goodput, 50 GB/s per 400 Gb/s NIC")),
            ("allToAll.lowLatency.rdma.dispatchSeconds", t("s", ["ep"], [(16, 23.7e-6), (32, 23.7e-6)], "derived",
                ke2 + "At EP16 the busiest NIC carries 8/16 x 128 x 8 x 14,336 B = 7.34 MB: 170.5 - 146.8 us at 50 GB/s = 23.7 us, "
                "held flat (at EP32 the model's 11.0 MB at 50 GB/s alone, 220 us, exceeds the measured 200.4 us: NCCL-EP sends fewer "
                "bytes across nodes than the model counts)")),
            ("allToAll.lowLatency.rdma.combineSeconds", t("s", ["ep"], [(16, 107.9e-6), (32, 64.5e-6)], "derived",
                ke2 + "combine: EP16 254.7 - 146.8 = 107.9 us; EP32 284.7 - 220.2 = 64.5 us")),
        ]
        software = ("SGLang / TensorRT-LLM / vLLM on HGX B200, 2025-05..09: CUTLASS MLA (sgl-kernel), FlashMLA prefill, "
                    "FBGEMM/CUTLASS grouped FP8, CUTLASS NVFP4, cuBLAS BF16, DeepEP normal kernels, NCCL-EP low-latency")
    e += common_tail("none", round(20 / 148, 3), "none", "no SM share measured for Blackwell all-to-all kernels",
                     fb_overlap="the H800's fitted overlap fractions (same two-micro-batch software); not refitted: no kernel-level figure of overlap exists for this GPU",
                     fb_sm="20 SMs as on the H800 (DeepSeek-V3 report 3.2.2) of 148: 20/148")
    write(pid, pid, software, header(pid, [
        f"{name}: Blackwell (SM100). Kernel maturity moved Blackwell figures by up to 2x within 2025 (LMSYS GB200 blogs",
        "2025-06-16 and 2025-09-25): these tables describe the software generation named below."]), e)

h800()
hopper("h100", "H100 SXM", "", [(128, 4096, round(2789 / 3350, 3))], "measurement",
       "FlashMLA (Feb 2025) on H100, b=128, s_q=1, mean_sk=4,096, h_q=64: 0.223 ms, 328 TFLOPS, 2,789 GB/s of 3,350 "
       "(github.com/ai-bot-pro/achatbot/pull/123, KA6); one shape, so the table is flat",
       "none", "no RDMA all-to-all figure on H100 with CX7 found (DeepEP issue 155's 25 GB/s is a misconfigured system)",
       "the H800 CX7 goodput, 50 GB/s per 400 Gb/s NIC (same NIC)",
       "none", "no DeepEP normal intranode figure on H100's 450 GB/s NVLink", 
       "the H800's achieved fraction (155 of 200 GB/s, 0.775) applied to 450 GB/s", (349e9, 349e9))
hopper("h200", "H200 SXM", "", None, "none",
       "no FlashMLA or other MLA decode benchmark on H200 found",
       "measurement", "DeepEP normal internode kernels on H200 with CX7 400 Gb/s IB, 2 nodes (EP16): FP8 dispatch 38.19 GB/s, "
       "combine 44.37 GB/s RDMA (github.com/deepseek-ai/DeepEP/issues/493, listed as KE5 in docs/calibration.md)", None,
       "none", "no DeepEP normal intranode figure on H200's 450 GB/s NVLink",
       "the H800's achieved fraction (155 of 200 GB/s, 0.775) applied to 450 GB/s", (349e9, 349e9))
blackwell("b200", "HGX B200")
blackwell("gb200-nvl72", "GB200 NVL72")
