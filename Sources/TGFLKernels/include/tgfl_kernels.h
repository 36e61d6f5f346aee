// TGFLKernels: the element-wise and attention kernels of TGFLCore's transformer, in C.
//
// Why C: SwiftPM packages may not pass `-march` flags (unsafeFlags would make the package
// unusable as a dependency), so Swift code is compiled for baseline x86-64 (SSE2). Each
// kernel here is compiled three times from one body, for the baseline, with
// `__attribute__((target("avx2,fma")))` and for AVX-512 (F/VL/BW/DQ), and the best copy the
// CPU supports is chosen at run time; the environment variable `TGFL_KERNELS_ISA=avx2` or
// `=baseline` caps the choice. Results are deterministic on a given machine (no threads in
// here: the Swift side splits the work into fixed parts). Reductions use lanes fixed in the
// source, so the copies differ only where the baseline copy, which has no FMA, rounds a
// product separately.
//
// Conventions: row-major Float32; `rows` rows of width `C` (or `V`); outputs overwritten
// unless the name says "accumulate"; no allocation; callers validate sizes.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction set of the kernel copies in use: "avx512", "avx2" or "baseline".
const char *tgfl_kernels_isa(void);

/// Exact GELU, x·Φ(x): `out[i] = gelu(inp[i])`; when `derivative` is not NULL it receives
/// gelu'(x) = Φ(x) + x·φ(x). `out` and `derivative` may alias `inp` (not each other).
void tgfl_gelu_forward(float *out, float *derivative, const float *inp, size_t count);

/// `out[i] = v·Φ(v)` in place over `count` values (inference; no derivative).
void tgfl_gelu_inplace(float *x, size_t count);

/// LayerNorm forward over rows: x̂ = (x − μ)·rstd, out = x̂·w + b, rstd = 1/sqrt(σ² + eps)
/// (biased variance). `normalized` and `rstd` may be NULL.
void tgfl_layernorm_forward(float *out, float *normalized, float *rstd, const float *inp,
                            const float *weight, const float *bias, size_t rows, size_t C,
                            float eps);

/// `out = x̂·w + b` over rows.
void tgfl_layernorm_affine(float *out, const float *normalized, const float *weight,
                           const float *bias, size_t rows, size_t C);

/// LayerNorm input gradient, accumulated: g = dOut·w,
/// dInp += rstd·(g − mean(g) − x̂·mean(g·x̂)).
void tgfl_layernorm_backward_input(float *dinp, const float *dout, const float *normalized,
                                   const float *rstd, const float *weight, size_t rows, size_t C);

/// LayerNorm parameter gradients for columns `c0 ..< c1`, accumulated, rows summed in order:
/// dw[c] += Σ_n dOut[n,c]·x̂[n,c],  db[c] += Σ_n dOut[n,c].
void tgfl_layernorm_backward_params(float *dweight, float *dbias, const float *dout,
                                    const float *normalized, size_t rows, size_t C,
                                    size_t c0, size_t c1);

/// Softmax and cross-entropy over rows of width V: probs = softmax(logits),
/// losses[n] = logsumexp(logits[n]) − logits[n, targets[n]].
void tgfl_softmax_cross_entropy(float *probs, float *losses, const float *logits,
                                const int32_t *targets, size_t rows, size_t V);

/// Unnormalised softmax weights for sampling: out[v] = exp((x[v] − shift)·beta), returning
/// Σ_v out[v] (eight lanes, fixed order). Pass shift = max x so no weight exceeds 1.
float tgfl_softmax_weights(float *out, const float *x, size_t count, float shift, float beta);

/// In place: buffer[n, v] = scale·(buffer[n, v] − [v = targets[n]]).
void tgfl_cross_entropy_gradient(float *buffer, const int32_t *targets, size_t rows, size_t V,
                                 float scale);

/// Floats of scratch `tgfl_attention_forward/backward` need.
size_t tgfl_attention_scratch_count(size_t T, size_t hd);

/// Causal attention of one (batch, head) pair. `q`, `k`, `v` point at row 0 of the head's
/// columns with row stride `ld`; `y` (row stride `ldy`) is overwritten; `lse[i]` receives
/// row i's log-sum-exp of the scaled, masked scores.
void tgfl_attention_forward(float *y, size_t ldy, float *lse, const float *q, const float *k,
                            const float *v, size_t ld, size_t T, size_t hd, float scale,
                            float *scratch);

/// Backward of `tgfl_attention_forward` for one pair, accumulated into dq, dk, dv (row
/// stride `ld`) when `accumulate` ≠ 0, else overwriting their T rows of hd columns,
/// recomputing the probabilities from `lse`:
/// dV += Pᵀ dY,  dP = dY Vᵀ,  dS = P∘(dP − rowsum(P∘dP)),  dQ += scale·dS K,  dK += scale·dSᵀ Q.
void tgfl_attention_backward(float *dq, float *dk, float *dv, const float *dy, size_t ldy,
                             const float *q, const float *k, const float *v, size_t ld,
                             const float *lse, size_t T, size_t hd, float scale, float *scratch,
                             int accumulate);

/// Affine rows with a transposed weight: out[r, o] = [out[r, o] +] bias[o] +
/// Σ_i inp[r, i]·weight_t[i, o], the sum over i in order (`accumulate` ≠ 0 adds to `out`;
/// `bias` may be NULL). `weight_t` is `[in_features, out_features]`, the transpose of
/// PyTorch's `[out, in]` weight. For the few rows of one generation step, where `sgemm`
/// spends much of its time packing the same weights again on every call.
void tgfl_linear_rows(float *out, const float *inp, const float *weight_t, const float *bias,
                      size_t rows, size_t in_features, size_t out_features, int accumulate);

/// Stores one position's key and value of one head in a generation cache. Keys are tiled
/// in blocks of 8 positions, `keys[(t/8)·hd·8 + d·8 + t%8]` (one contiguous run per block,
/// so the scores read the keys as a single stream); values are position-major,
/// `values[t·hd + d]`.
void tgfl_kv_store(float *keys, float *values, const float *k, const float *v, size_t t,
                   size_t hd);

/// One query row over positions `0 ..< count` of one head's cache (as `tgfl_kv_store`
/// lays it out): out = Σ_j softmax(scale·q·k_j)_j v_j. `weights` is scratch of `count`
/// floats rounded up to a multiple of 8.
void tgfl_attend_cached(float *out, const float *query, const float *keys, const float *values,
                        size_t count, size_t hd, float scale, float *weights);

/// `tgfl_attend_cached` whose positions below `split` (a multiple of 8) are read from
/// (`keys0`, `values0`) and the others from (`keys`, `values`), both in the `tgfl_kv_store`
/// layout with the same offsets: a prompt encoded once and shared by the paths of many slots,
/// instead of copied into each. The result is bit-identical to one cache holding both parts.
void tgfl_attend_cached_split(float *out, const float *query, const float *keys0,
                              const float *values0, size_t split, const float *keys,
                              const float *values, size_t count, size_t hd, float scale,
                              float *weights);

/// out[i] = a[i]·b[i] (`out` may alias either input).
void tgfl_multiply(float *out, const float *a, const float *b, size_t count);

/// sum[j] += Σ_n src[n·stride + j] for j < columns, the rows added in order (a bias gradient).
void tgfl_column_sum_accumulate(float *sum, const float *src, size_t rows, size_t columns,
                                size_t stride);

/// 1 when `tgfl_gemm_nn` and `tgfl_gemm_tn_accumulate` run on this CPU (AVX-512 F/VL/BW/DQ,
/// not capped by `TGFL_KERNELS_ISA`, and `TGFL_GEMM` is not `blas`); 0 when callers must use
/// BLAS instead. Read once, at the first call.
int tgfl_gemm_available(void);

/// C[M, N] (row stride ldc) = [C +] bias + A[M, K] · B[K, N], all row-major with row strides
/// lda and ldb (`accumulate` ≠ 0 adds to C; `bias[N]` may be NULL). Each element is
/// bias + Σ_k in increasing k, then + C. Returns 0 without touching C when
/// `tgfl_gemm_available()` is 0. For training's products, where a BLAS spends a third of its
/// time packing operands already in a usable layout.
int tgfl_gemm_nn(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                 const float *bias, size_t M, size_t N, size_t K, int accumulate);

/// C[N, K] += A[M, N]ᵀ · B[M, K] (row strides ldc, lda, ldb): the weight gradient dW += dYᵀ X.
/// Rows m are summed in order within chunks of 256, each chunk added to C in order. With
/// `a_sums` (may be NULL), also a_sums[n] += Σ_m A[m, n] for n < N, the rows added in order —
/// the bias gradient, the same bits as `tgfl_column_sum_accumulate`, but summed while each
/// chunk of A is in cache for the product instead of in a second pass over A. Returns 0
/// without touching C or a_sums when `tgfl_gemm_available()` is 0.
int tgfl_gemm_tn_accumulate(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                            size_t ldb, size_t M, size_t N, size_t K, float *a_sums);

/// dst[c, r] = src[r, c] for a `rows` × `cols` row-major source.
void tgfl_transpose(float *dst, const float *src, size_t rows, size_t cols);

/// 1 when the bf16 products (`tgfl_gemm_bf16_*`) run on this CPU: AVX512_BF16 and the
/// AVX-512 kernel level (not capped by `TGFL_KERNELS_ISA`). Read once, at the first call.
int tgfl_bf16_available(void);

/// dst[i] = src[i] rounded to bfloat16 (nearest even; NaN stays NaN), as a Float32.
void tgfl_round_bf16(float *dst, const float *src, size_t count);

/// Rows of `src` (row stride `ld`, in floats) as bfloat16, row stride `cols` rounded up to
/// even, the pad element 0: the A operand of `tgfl_gemm_bf16_nn`.
void tgfl_bf16_pack_rows(uint16_t *dst, const float *src, size_t ld, size_t rows, size_t cols);

/// Row pairs of `src` interleaved as 32-bit bf16 pairs: dst[p·cols + c] = bf16(src[2p, c]) |
/// bf16(src[2p+1, c]) << 16, a missing last row as 0; `(rows + 1) / 2` rows of `cols`. The
/// B operand of `tgfl_gemm_bf16_nn` (src = B[K, N]) and both operands of
/// `tgfl_gemm_bf16_tn_accumulate`.
void tgfl_bf16_pack_pairs(uint32_t *dst, const float *src, size_t ld, size_t rows, size_t cols);

/// C[M, N] = [C +] bias + A·B with A from `tgfl_bf16_pack_rows` (M rows of K, row stride
/// lda ≥ K rounded up to even) and B from `tgfl_bf16_pack_pairs` of a [K, N] matrix; the
/// products of bf16 pairs are summed in Float32 (`vdpbf16ps`). Returns 0 without touching C
/// when `tgfl_bf16_available()` is 0.
int tgfl_gemm_bf16_nn(float *c, size_t ldc, const uint16_t *a, size_t lda, const uint32_t *b,
                      const float *bias, size_t M, size_t N, size_t K, int accumulate);

/// C[N, K] += Aᵀ·B with A and B from `tgfl_bf16_pack_pairs` of A[M, N] (row stride lda in
/// pairs) and B[M, K] (ldb): the weight gradient in bf16. Pair rows are summed in order within
/// chunks of 128. Returns 0 without touching C when `tgfl_bf16_available()` is 0.
int tgfl_gemm_bf16_tn_accumulate(float *c, size_t ldc, const uint32_t *a, size_t lda,
                                 const uint32_t *b, size_t ldb, size_t M, size_t N, size_t K);

#ifdef __cplusplus
}
#endif
