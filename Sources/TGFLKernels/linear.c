// Affine rows for generation (see tgfl_kernels.h): a few dozen rows times a weight matrix
// that stays in cache, where a BLAS call spends much of its time re-packing the weights.
#include "internal.h"

// The v8 helpers are always inlined, so no vector crosses a call boundary.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v8 __attribute__((vector_size(32)));
TGFL_INLINE v8 lin_load8(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }
TGFL_INLINE void lin_store8(float *p, v8 v) { memcpy(p, &v, sizeof v); }
TGFL_INLINE v8 lin_splat8(float x) { v8 v = {x, x, x, x, x, x, x, x}; return v; }

/// Rows r0 ..< r0+U, columns o0 ..< o0+8·W: U·W accumulators, one pass over k.
TGFL_INLINE void linear_tile(float *out, const float *x, const float *wt, const float *bias,
                             size_t K, size_t N, size_t r0, size_t o0, int accumulate, int U,
                             int W) {
    v8 a[4][2];
    for (int w = 0; w < W; w++) {
        v8 b = bias ? lin_load8(bias + o0 + 8 * w) : lin_splat8(0);
        for (int u = 0; u < U; u++) a[u][w] = b;
    }
    for (size_t k = 0; k < K; k++) {
        v8 wk[2];
        for (int w = 0; w < W; w++) wk[w] = lin_load8(wt + k * N + o0 + 8 * w);
        for (int u = 0; u < U; u++) {
            v8 xs = lin_splat8(x[(r0 + u) * K + k]);
            for (int w = 0; w < W; w++) a[u][w] += xs * wk[w];
        }
    }
    for (int u = 0; u < U; u++)
        for (int w = 0; w < W; w++) {
            float *dst = out + (r0 + u) * N + o0 + 8 * w;
            lin_store8(dst, accumulate ? lin_load8(dst) + a[u][w] : a[u][w]);
        }
}

/// Rows r0 ..< r0+U, one column o (the columns past the last multiple of 8).
TGFL_INLINE void linear_column(float *out, const float *x, const float *wt, const float *bias,
                               size_t K, size_t N, size_t r0, size_t o, int accumulate, int U) {
    for (int u = 0; u < U; u++) {
        float acc = bias ? bias[o] : 0;
        for (size_t k = 0; k < K; k++) acc += x[(r0 + u) * K + k] * wt[k * N + o];
        float *dst = out + (r0 + u) * N + o;
        *dst = accumulate ? *dst + acc : acc;
    }
}

/// Columns o0 ..< o0+8·W of every row: the weight tile (K × 8·W floats) stays in L1/L2 while
/// all rows pass over it, four at a time, so the weights are read from memory once per call
/// instead of once per four rows (the large config's weights, 3.4 MB, do not fit in L2).
TGFL_INLINE void linear_column_tile(float *out, const float *x, const float *wt,
                                    const float *bias, size_t K, size_t N, size_t rows,
                                    size_t o0, int accumulate, int W) {
    size_t r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) linear_tile(out, x, wt, bias, K, N, r0, o0, accumulate, 4, W);
    for (; r0 < rows; r0++) linear_tile(out, x, wt, bias, K, N, r0, o0, accumulate, 1, W);
}

TGFL_INLINE void tgfl_linear_rows_portable_body(float *out, const float *inp, const float *weight_t,
                                       const float *bias, size_t rows, size_t in_features,
                                       size_t out_features, int accumulate) {
    // Each output element is bias + Σ_k in order whatever the tiling, so the result is the
    // same for any number of rows and any tile order.
    size_t K = in_features, N = out_features, o0 = 0;
    for (; o0 + 16 <= N; o0 += 16)
        linear_column_tile(out, inp, weight_t, bias, K, N, rows, o0, accumulate, 2);
    for (; o0 + 8 <= N; o0 += 8)
        linear_column_tile(out, inp, weight_t, bias, K, N, rows, o0, accumulate, 1);
    for (; o0 < N; o0++) {
        size_t r0 = 0;
        for (; r0 + 4 <= rows; r0 += 4) linear_column(out, inp, weight_t, bias, K, N, r0, o0, accumulate, 4);
        for (; r0 < rows; r0++) linear_column(out, inp, weight_t, bias, K, N, r0, o0, accumulate, 1);
    }
}
/// The AVX2 and baseline form of `tgfl_linear_rows` (and its AVX-512 copy, unused).
void tgfl_linear_rows_portable(float *out, const float *inp, const float *weight_t,
                               const float *bias, size_t rows, size_t in_features,
                               size_t out_features, int accumulate);
TGFL_MULTIVERSION(tgfl_linear_rows_portable,
                  (float *out, const float *inp, const float *weight_t, const float *bias,
                   size_t rows, size_t in_features, size_t out_features, int accumulate),
                  (out, inp, weight_t, bias, rows, in_features, out_features, accumulate))

void tgfl_linear_rows(float *out, const float *inp, const float *weight_t, const float *bias,
                      size_t rows, size_t in_features, size_t out_features, int accumulate) {
    // On AVX-512 CPUs the 8 × 32 zmm tiles of gemm.c hold a whole generation chunk (8 rows),
    // so every weight is read once per call; the sums are the same (bias + Σ_i in order, one
    // FMA per term, then + out), so the bits equal the portable AVX-512 copy's.
    if (tgfl_kernels_level() >= 2) {
        tgfl_gemm_nn_avx512(out, out_features, inp, in_features, weight_t, out_features, bias,
                            rows, out_features, in_features, accumulate);
        return;
    }
    tgfl_linear_rows_portable(out, inp, weight_t, bias, rows, in_features, out_features, accumulate);
}
