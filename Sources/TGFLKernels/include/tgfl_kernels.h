// TGFLKernels: the element-wise and attention kernels of TGFLCore's transformer, in C.
//
// Why C: SwiftPM packages may not pass `-march` flags (unsafeFlags would make the package
// unusable as a dependency), so Swift code is compiled for baseline x86-64 (SSE2). Each
// kernel here is compiled twice from one body, once for baseline and once with
// `__attribute__((target("avx2,fma")))`, and the AVX2/FMA copy is chosen at run time when
// the CPU has it. Results are deterministic on a given machine (no threads in here: the
// Swift side splits the work into fixed parts); the two copies may differ by rounding
// (FMA contraction).
//
// Conventions: row-major Float32; `rows` rows of width `C` (or `V`); outputs overwritten
// unless the name says "accumulate"; no allocation; callers validate sizes.
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the AVX2/FMA copies of the kernels run on this CPU, else 0.
int tgfl_kernels_use_avx2(void);

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

/// Backward of `tgfl_attention_forward` for one pair, ACCUMULATED into dq, dk, dv (row
/// stride `ld`), recomputing the probabilities from `lse`:
/// dV += Pᵀ dY,  dP = dY Vᵀ,  dS = P∘(dP − rowsum(P∘dP)),  dQ += scale·dS K,  dK += scale·dSᵀ Q.
void tgfl_attention_backward(float *dq, float *dk, float *dv, const float *dy, size_t ldy,
                             const float *q, const float *k, const float *v, size_t ld,
                             const float *lse, size_t T, size_t hd, float scale, float *scratch);

/// One query row over `count` cached positions of one head (generation):
/// out = Σ_j softmax(scale·q·k_j)_j v_j. Keys are transposed (`keys[d·ld_keys + j]`), values
/// position-major (`values[j·hd + d]`); `weights` is scratch of `count` floats.
void tgfl_attend_cached(float *out, const float *query, const float *keys, size_t ld_keys,
                        const float *values, size_t count, size_t hd, float scale,
                        float *weights);

#ifdef __cplusplus
}
#endif
