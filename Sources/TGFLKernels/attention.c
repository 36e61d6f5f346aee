// Causal attention of one (batch, head) pair, forward and backward, and one cached query
// row for generation (see tgfl_kernels.h).
//
// Keys (and, in the backward pass, values) are first copied transposed into scratch
// (`[hd][T]`), so each query row's scores are hd vectorized multiply-adds over positions;
// products with V and K then run over the head dimension. The probabilities are never
// stored: the backward pass recomputes each row from its log-sum-exp (as FlashAttention,
// Dao et al. 2022). The head width 16 of the benchmark configs gets its own copy with a
// compile-time width so its rows stay in registers.
#include "internal.h"

size_t tgfl_attention_scratch_count(size_t T, size_t hd) { return 4 * hd * T + 2 * T; }

TGFL_INLINE void attention_forward_impl(float *y, size_t ldy, float *lse, const float *q,
                                        const float *k, const float *v, size_t ld, size_t T,
                                        size_t hd, float scale, float *scratch) {
    float *kt = scratch;              // [hd][T]
    float *s = scratch + hd * T;      // [T]
    for (size_t j = 0; j < T; j++)
        for (size_t d = 0; d < hd; d++) kt[d * T + j] = k[j * ld + d];
    for (size_t i = 0; i < T; i++) {
        size_t n = i + 1;
        const float *qi = q + i * ld;
        for (size_t j = 0; j < n; j++) s[j] = 0;
        for (size_t d = 0; d < hd; d++) {
            float qd = qi[d] * scale;
            const float *kr = kt + d * T;
            for (size_t j = 0; j < n; j++) s[j] += qd * kr[j];
        }
        float m = tgfl_max(s, n);
        for (size_t j = 0; j < n; j++) s[j] = tgfl_expf(s[j] - m);
        float sum = tgfl_sum(s, n);
        lse[i] = m + logf(sum);
        float inv = 1.0f / sum;
        float *restrict yi = y + i * ldy;
        for (size_t d = 0; d < hd; d++) yi[d] = 0;
        for (size_t j = 0; j < n; j++) {
            float pj = s[j] * inv;
            const float *vj = v + j * ld;
            for (size_t d = 0; d < hd; d++) yi[d] += pj * vj[d];
        }
    }
}

TGFL_INLINE void tgfl_attention_forward_body(float *y, size_t ldy, float *lse, const float *q,
                                             const float *k, const float *v, size_t ld, size_t T,
                                             size_t hd, float scale, float *scratch) {
    if (hd == 16) attention_forward_impl(y, ldy, lse, q, k, v, ld, T, 16, scale, scratch);
    else attention_forward_impl(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
}
TGFL_MULTIVERSION(tgfl_attention_forward,
                  (float *y, size_t ldy, float *lse, const float *q, const float *k, const float *v,
                   size_t ld, size_t T, size_t hd, float scale, float *scratch),
                  (y, ldy, lse, q, k, v, ld, T, hd, scale, scratch))

TGFL_INLINE void attention_backward_impl(float *dq, float *dk, float *dv, const float *dy,
                                         size_t ldy, const float *q, const float *k,
                                         const float *v, size_t ld, const float *lse, size_t T,
                                         size_t hd, float scale, float *scratch) {
    float *kt = scratch;                  // [hd][T]
    float *vt = kt + hd * T;              // [hd][T]
    float *p = vt + hd * T;               // [T]
    float *ds = p + T;                    // [T]
    float *restrict dkl = ds + T;         // [T][hd]
    float *restrict dvl = dkl + T * hd;   // [T][hd]
    for (size_t j = 0; j < T; j++)
        for (size_t d = 0; d < hd; d++) {
            kt[d * T + j] = k[j * ld + d];
            vt[d * T + j] = v[j * ld + d];
        }
    memset(dkl, 0, 2 * T * hd * sizeof(float));
    for (size_t i = 0; i < T; i++) {
        size_t n = i + 1;
        const float *qi = q + i * ld, *dyi = dy + i * ldy;
        // Scores exactly as the forward pass, then P = exp(S − lse) and dP = dY Vᵀ.
        for (size_t j = 0; j < n; j++) { p[j] = 0; ds[j] = 0; }
        for (size_t d = 0; d < hd; d++) {
            float qd = qi[d] * scale, gd = dyi[d];
            const float *kr = kt + d * T, *vr = vt + d * T;
            for (size_t j = 0; j < n; j++) {
                p[j] += qd * kr[j];
                ds[j] += gd * vr[j];
            }
        }
        float m = lse[i];
        for (size_t j = 0; j < n; j++) p[j] = tgfl_expf(p[j] - m);
        float r = tgfl_dot(p, ds, n);
        for (size_t j = 0; j < n; j++) ds[j] = p[j] * (ds[j] - r);
        // dQ_i += scale·Σ_j dS_ij K_j;  dV_j += P_ij dY_i;  dK_j += scale·dS_ij Q_i.
        float *restrict dqi = dq + i * ld;
        for (size_t j = 0; j < n; j++) {
            float a = ds[j] * scale, pj = p[j];
            const float *kj = k + j * ld;
            float *dvj = dvl + j * hd, *dkj = dkl + j * hd;
            for (size_t d = 0; d < hd; d++) {
                dqi[d] += a * kj[d];
                dvj[d] += pj * dyi[d];
                dkj[d] += a * qi[d];
            }
        }
    }
    for (size_t j = 0; j < T; j++)
        for (size_t d = 0; d < hd; d++) {
            dk[j * ld + d] += dkl[j * hd + d];
            dv[j * ld + d] += dvl[j * hd + d];
        }
}

TGFL_INLINE void tgfl_attention_backward_body(float *dq, float *dk, float *dv, const float *dy,
                                              size_t ldy, const float *q, const float *k,
                                              const float *v, size_t ld, const float *lse,
                                              size_t T, size_t hd, float scale, float *scratch) {
    if (hd == 16)
        attention_backward_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 16, scale, scratch);
    else
        attention_backward_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch);
}
TGFL_MULTIVERSION(tgfl_attention_backward,
                  (float *dq, float *dk, float *dv, const float *dy, size_t ldy, const float *q,
                   const float *k, const float *v, size_t ld, const float *lse, size_t T,
                   size_t hd, float scale, float *scratch),
                  (dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch))

TGFL_INLINE void attend_cached_impl(float *out, const float *query, const float *keys,
                                    size_t ld_keys, const float *values, size_t count, size_t hd,
                                    float scale, float *w) {
    for (size_t j = 0; j < count; j++) w[j] = 0;
    for (size_t d = 0; d < hd; d++) {
        float qd = query[d] * scale;
        const float *kr = keys + d * ld_keys;
        for (size_t j = 0; j < count; j++) w[j] += qd * kr[j];
    }
    float m = tgfl_max(w, count);
    for (size_t j = 0; j < count; j++) w[j] = tgfl_expf(w[j] - m);
    float inv = 1.0f / tgfl_sum(w, count);
    float *restrict o = out;
    for (size_t d = 0; d < hd; d++) o[d] = 0;
    for (size_t j = 0; j < count; j++) {
        const float *vj = values + j * hd;
        float wj = w[j];
        for (size_t d = 0; d < hd; d++) o[d] += wj * vj[d];
    }
    for (size_t d = 0; d < hd; d++) o[d] *= inv;
}

TGFL_INLINE void tgfl_attend_cached_body(float *out, const float *query, const float *keys,
                                         size_t ld_keys, const float *values, size_t count,
                                         size_t hd, float scale, float *weights) {
    if (hd == 16) attend_cached_impl(out, query, keys, ld_keys, values, count, 16, scale, weights);
    else attend_cached_impl(out, query, keys, ld_keys, values, count, hd, scale, weights);
}
TGFL_MULTIVERSION(tgfl_attend_cached,
                  (float *out, const float *query, const float *keys, size_t ld_keys,
                   const float *values, size_t count, size_t hd, float scale, float *weights),
                  (out, query, keys, ld_keys, values, count, hd, scale, weights))
