// GELU, LayerNorm and softmax cross-entropy over rows (see tgfl_kernels.h).
#include "internal.h"

// MARK: - GELU

/// GELU of m ≤ 64 elements through local arrays: `out`/`derivative` may alias `inp`, and the
/// local copies let the compiler vectorize without run-time overlap checks.
TGFL_INLINE void gelu_chunk(float *out, float *derivative, const float *inp, size_t m) {
    const float inv_sqrt_2pi = 0.39894228040143268f;
    float xs[64], ys[64], ds[64];
    memcpy(xs, inp, m * sizeof(float));
    for (size_t i = 0; i < m; i++) {
        float x = xs[i];
        float cdf = tgfl_normal_cdf(x);
        ys[i] = x * cdf;
        ds[i] = cdf + x * inv_sqrt_2pi * tgfl_expf(-0.5f * x * x);
    }
    memcpy(out, ys, m * sizeof(float));
    if (derivative) memcpy(derivative, ds, m * sizeof(float));
}

TGFL_INLINE void tgfl_gelu_forward_body(float *out, float *derivative, const float *inp,
                                        size_t count) {
    // Whole chunks with a constant size (the copies become vector moves), then the rest.
    size_t i0 = 0;
    for (; i0 + 64 <= count; i0 += 64)
        gelu_chunk(out + i0, derivative ? derivative + i0 : NULL, inp + i0, 64);
    if (i0 < count) gelu_chunk(out + i0, derivative ? derivative + i0 : NULL, inp + i0, count - i0);
}
TGFL_MULTIVERSION(tgfl_gelu_forward,
                  (float *out, float *derivative, const float *inp, size_t count),
                  (out, derivative, inp, count))

TGFL_INLINE void tgfl_gelu_inplace_body(float *x, size_t count) {
    for (size_t i = 0; i < count; i++) x[i] = x[i] * tgfl_normal_cdf(x[i]);
}
TGFL_MULTIVERSION(tgfl_gelu_inplace, (float *x, size_t count), (x, count))

// MARK: - LayerNorm

/// ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)): how `tgfl_sum` combines its lanes.
TGFL_INLINE float combine_lanes8(const float a[8]) {
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// The row kernels of LayerNorm take rows in groups of G = 4: each row's sums are the same
// chains as one row at a time (eight lanes over whole 8-column steps, then the tail in order),
// but the group's four chains are in flight together instead of each row waiting on its own.
// At this model's widths (C = 64, 128) a row's reductions are short dependent chains, so one
// row at a time left the core mostly waiting.
enum { LN_GROUP = 4 };

/// Rows n0 ..< n0 + G of `tgfl_layernorm_forward` (G ≤ LN_GROUP, a constant where inlined).
TGFL_INLINE void layernorm_forward_rows(float *out, float *normalized, float *rstd,
                                        const float *inp, const float *weight, const float *bias,
                                        size_t n0, size_t G, size_t C, float eps) {
    float acc[LN_GROUP][8], mean[LN_GROUP], s[LN_GROUP];
    for (size_t g = 0; g < G; g++)
        for (int l = 0; l < 8; l++) acc[g][l] = 0;
    size_t c8 = C & ~(size_t)7;
    for (size_t c = 0; c < c8; c += 8)
        for (size_t g = 0; g < G; g++)
            for (int l = 0; l < 8; l++) acc[g][l] += inp[(n0 + g) * C + c + l];
    for (size_t g = 0; g < G; g++) {
        const float *x = inp + (n0 + g) * C;
        float sum = combine_lanes8(acc[g]);
        for (size_t c = c8; c < C; c++) sum += x[c];
        mean[g] = sum / (float)C;
        for (int l = 0; l < 8; l++) acc[g][l] = 0;
    }
    for (size_t c = 0; c < c8; c += 8)
        for (size_t g = 0; g < G; g++)
            for (int l = 0; l < 8; l++) {
                float d = inp[(n0 + g) * C + c + l] - mean[g];
                acc[g][l] += d * d;
            }
    for (size_t g = 0; g < G; g++) {
        const float *x = inp + (n0 + g) * C;
        float ss = combine_lanes8(acc[g]);
        for (size_t c = c8; c < C; c++) {
            float d = x[c] - mean[g];
            ss += d * d;
        }
        s[g] = 1.0f / sqrtf(ss / (float)C + eps);
    }
    for (size_t g = 0; g < G; g++) {
        size_t n = n0 + g;
        const float *x = inp + n * C;
        float *restrict y = out + n * C;
        if (normalized) {
            float *restrict h = normalized + n * C;
            for (size_t c = 0; c < C; c++) {
                float v = (x[c] - mean[g]) * s[g];
                h[c] = v;
                y[c] = v * weight[c] + bias[c];
            }
        } else {
            for (size_t c = 0; c < C; c++) y[c] = (x[c] - mean[g]) * s[g] * weight[c] + bias[c];
        }
        if (rstd) rstd[n] = s[g];
    }
}

TGFL_INLINE void tgfl_layernorm_forward_body(float *out, float *normalized, float *rstd,
                                             const float *inp, const float *weight,
                                             const float *bias, size_t rows, size_t C,
                                             float eps) {
    size_t n = 0;
    for (; n + LN_GROUP <= rows; n += LN_GROUP)
        layernorm_forward_rows(out, normalized, rstd, inp, weight, bias, n, LN_GROUP, C, eps);
    for (; n < rows; n++) layernorm_forward_rows(out, normalized, rstd, inp, weight, bias, n, 1, C, eps);
}
TGFL_MULTIVERSION(tgfl_layernorm_forward,
                  (float *out, float *normalized, float *rstd, const float *inp,
                   const float *weight, const float *bias, size_t rows, size_t C, float eps),
                  (out, normalized, rstd, inp, weight, bias, rows, C, eps))

TGFL_INLINE void tgfl_layernorm_affine_body(float *out, const float *normalized,
                                            const float *weight, const float *bias,
                                            size_t rows, size_t C) {
    for (size_t n = 0; n < rows; n++) {
        const float *h = normalized + n * C;
        float *restrict y = out + n * C;
        for (size_t c = 0; c < C; c++) y[c] = h[c] * weight[c] + bias[c];
    }
}
TGFL_MULTIVERSION(tgfl_layernorm_affine,
                  (float *out, const float *normalized, const float *weight, const float *bias,
                   size_t rows, size_t C),
                  (out, normalized, weight, bias, rows, C))

/// Rows n0 ..< n0 + G of `tgfl_layernorm_backward_input` (G ≤ LN_GROUP).
TGFL_INLINE void layernorm_backward_input_rows(float *dinp, const float *dout,
                                               const float *normalized, const float *rstd,
                                               const float *weight, size_t n0, size_t G, size_t C) {
    float a[LN_GROUP][8], b[LN_GROUP][8];
    for (size_t g = 0; g < G; g++)
        for (int l = 0; l < 8; l++) a[g][l] = b[g][l] = 0;
    size_t c8 = C & ~(size_t)7;
    for (size_t c = 0; c < c8; c += 8)
        for (size_t g = 0; g < G; g++)
            for (int l = 0; l < 8; l++) {
                float gc = dout[(n0 + g) * C + c + l] * weight[c + l];
                a[g][l] += gc;
                b[g][l] += gc * normalized[(n0 + g) * C + c + l];
            }
    for (size_t g = 0; g < G; g++) {
        size_t n = n0 + g;
        const float *gr = dout + n * C, *h = normalized + n * C;
        float *restrict d = dinp + n * C;
        float sum_g = combine_lanes8(a[g]), sum_gh = combine_lanes8(b[g]);
        for (size_t c = c8; c < C; c++) {
            float gc = gr[c] * weight[c];
            sum_g += gc;
            sum_gh += gc * h[c];
        }
        float mean_g = sum_g / (float)C, mean_gh = sum_gh / (float)C, s = rstd[n];
        for (size_t c = 0; c < C; c++) d[c] += s * (gr[c] * weight[c] - mean_g - h[c] * mean_gh);
    }
}

TGFL_INLINE void tgfl_layernorm_backward_input_body(float *dinp, const float *dout,
                                                    const float *normalized, const float *rstd,
                                                    const float *weight, size_t rows, size_t C) {
    size_t n = 0;
    for (; n + LN_GROUP <= rows; n += LN_GROUP)
        layernorm_backward_input_rows(dinp, dout, normalized, rstd, weight, n, LN_GROUP, C);
    for (; n < rows; n++) layernorm_backward_input_rows(dinp, dout, normalized, rstd, weight, n, 1, C);
}
TGFL_MULTIVERSION(tgfl_layernorm_backward_input,
                  (float *dinp, const float *dout, const float *normalized, const float *rstd,
                   const float *weight, size_t rows, size_t C),
                  (dinp, dout, normalized, rstd, weight, rows, C))

TGFL_INLINE void tgfl_layernorm_backward_params_body(float *dweight, float *dbias,
                                                     const float *dout, const float *normalized,
                                                     size_t rows, size_t C, size_t c0, size_t c1) {
    // Sums in local arrays, added once: the caller's column parts may share cache lines of
    // dweight/dbias, and writing them on every row would bounce those lines between cores.
    enum { block = 64 };
    float wacc[block], bacc[block];
    for (size_t cb = c0; cb < c1; cb += block) {
        size_t m = c1 - cb < block ? c1 - cb : block;
        for (size_t c = 0; c < m; c++) { wacc[c] = 0; bacc[c] = 0; }
        for (size_t n = 0; n < rows; n++) {
            const float *g = dout + n * C + cb, *h = normalized + n * C + cb;
            for (size_t c = 0; c < m; c++) {
                wacc[c] += g[c] * h[c];
                bacc[c] += g[c];
            }
        }
        for (size_t c = 0; c < m; c++) {
            dweight[cb + c] += wacc[c];
            dbias[cb + c] += bacc[c];
        }
    }
}
TGFL_MULTIVERSION(tgfl_layernorm_backward_params,
                  (float *dweight, float *dbias, const float *dout, const float *normalized,
                   size_t rows, size_t C, size_t c0, size_t c1),
                  (dweight, dbias, dout, normalized, rows, C, c0, c1))

// MARK: - Softmax cross-entropy

TGFL_INLINE void tgfl_softmax_cross_entropy_body(float *probs, float *losses, const float *logits,
                                                 const int32_t *targets, size_t rows, size_t V) {
    for (size_t n = 0; n < rows; n++) {
        const float *z = logits + n * V;
        float *restrict q = probs + n * V;
        float m = tgfl_max(z, V);
        for (size_t v = 0; v < V; v++) q[v] = tgfl_expf(z[v] - m);
        float s = tgfl_sum(q, V);
        float inv = 1.0f / s;
        for (size_t v = 0; v < V; v++) q[v] *= inv;
        losses[n] = m + logf(s) - z[targets[n]];
    }
}
TGFL_MULTIVERSION(tgfl_softmax_cross_entropy,
                  (float *probs, float *losses, const float *logits, const int32_t *targets,
                   size_t rows, size_t V),
                  (probs, losses, logits, targets, rows, V))

TGFL_INLINE void tgfl_softmax_weights_into_body(float *result, float *out, const float *x,
                                           size_t count, float shift, float beta) {
    for (size_t v = 0; v < count; v++) out[v] = tgfl_expf((x[v] - shift) * beta);
    *result = tgfl_sum(out, count);
}
TGFL_MULTIVERSION(tgfl_softmax_weights_into,
                  (float *result, float *out, const float *x, size_t count, float shift, float beta),
                  (result, out, x, count, shift, beta))

float tgfl_softmax_weights(float *out, const float *x, size_t count, float shift, float beta) {
    float total;
    tgfl_softmax_weights_into(&total, out, x, count, shift, beta);
    return total;
}

TGFL_INLINE void tgfl_cross_entropy_gradient_body(float *buffer, const int32_t *targets,
                                                  size_t rows, size_t V, float scale) {
    for (size_t n = 0; n < rows; n++) {
        float *g = buffer + n * V;
        g[targets[n]] -= 1.0f;
        for (size_t v = 0; v < V; v++) g[v] *= scale;
    }
}
TGFL_MULTIVERSION(tgfl_cross_entropy_gradient,
                  (float *buffer, const int32_t *targets, size_t rows, size_t V, float scale),
                  (buffer, targets, rows, V, scale))

TGFL_INLINE void tgfl_multiply_body(float *out, const float *a, const float *b, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = a[i] * b[i];
}
TGFL_MULTIVERSION(tgfl_multiply, (float *out, const float *a, const float *b, size_t count),
                  (out, a, b, count))

TGFL_INLINE void tgfl_column_sum_accumulate_body(float *sum, const float *src, size_t rows,
                                                 size_t columns, size_t stride) {
    for (size_t n = 0; n < rows; n++) {
        const float *row = src + n * stride;
        for (size_t j = 0; j < columns; j++) sum[j] += row[j];
    }
}
TGFL_MULTIVERSION(tgfl_column_sum_accumulate,
                  (float *sum, const float *src, size_t rows, size_t columns, size_t stride),
                  (sum, src, rows, columns, stride))
