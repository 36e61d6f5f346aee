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

// The v8 helpers below are always inlined, so no vector crosses a call boundary.
#pragma clang diagnostic ignored "-Wpsabi"

/// Positions rounded up to whole 8-lane vectors (the transposed rows are zero-padded).
TGFL_INLINE size_t padded8(size_t n) { return (n + 7) & ~(size_t)7; }

size_t tgfl_attention_scratch_count(size_t T, size_t hd) {
    size_t Tp = padded8(T);
    return 2 * hd * Tp + 2 * T * Tp;
}

// Eight floats in one vector register (two SSE registers on the baseline build).
typedef float v8 __attribute__((vector_size(32)));
TGFL_INLINE v8 load8(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }
TGFL_INLINE void store8(float *p, v8 v) { memcpy(p, &v, sizeof v); }
TGFL_INLINE v8 splat8(float x) { v8 v = {x, x, x, x, x, x, x, x}; return v; }

/// kt[d·Tp + j] = src[j·ld + d] for j < T, zero for T ≤ j < Tp.
TGFL_INLINE void transpose_into(float *kt, const float *src, size_t ld, size_t T, size_t Tp,
                                size_t hd) {
    for (size_t d = 0; d < hd; d++) {
        float *row = kt + d * Tp;
        for (size_t j = 0; j < T; j++) row[j] = src[j * ld + d];
        for (size_t j = T; j < Tp; j++) row[j] = 0;
    }
}

/// s[j] = scale·Σ_d q[d]·kt[d·Tp + j] for j < padded8(n). Each position's sum runs over d
/// in order; four 8-position vectors are computed together so the four chains of
/// multiply-adds overlap instead of waiting on each other.
TGFL_INLINE void scores(float *s, const float *q, const float *kt, size_t Tp, size_t n,
                        size_t hd, float scale) {
    size_t j0 = 0;
    for (; j0 + 32 <= n; j0 += 32) {
        v8 a0 = splat8(0), a1 = splat8(0), a2 = splat8(0), a3 = splat8(0);
        for (size_t d = 0; d < hd; d++) {
            v8 qd = splat8(q[d] * scale);
            const float *row = kt + d * Tp + j0;
            a0 += qd * load8(row);
            a1 += qd * load8(row + 8);
            a2 += qd * load8(row + 16);
            a3 += qd * load8(row + 24);
        }
        store8(s + j0, a0);
        store8(s + j0 + 8, a1);
        store8(s + j0 + 16, a2);
        store8(s + j0 + 24, a3);
    }
    for (; j0 < n; j0 += 8) {
        v8 acc = splat8(0);
        for (size_t d = 0; d < hd; d++) acc += splat8(q[d] * scale) * load8(kt + d * Tp + j0);
        store8(s + j0, acc);
    }
}

/// out[0..<16] = Σ_j w[j·ws]·rows[j·ld ..< j·ld + 16], with even and odd j in separate
/// accumulators (two chains of multiply-adds in flight), combined at the end.
TGFL_INLINE void weighted_rows16_strided(v8 *lo, v8 *hi, const float *w, size_t ws,
                                         const float *rows, size_t ld, size_t n) {
    v8 a0 = splat8(0), a1 = splat8(0), b0 = splat8(0), b1 = splat8(0);
    size_t j = 0;
    for (; j + 2 <= n; j += 2) {
        v8 w0 = splat8(w[j * ws]), w1 = splat8(w[(j + 1) * ws]);
        const float *r0 = rows + j * ld, *r1 = r0 + ld;
        a0 += w0 * load8(r0);
        a1 += w0 * load8(r0 + 8);
        b0 += w1 * load8(r1);
        b1 += w1 * load8(r1 + 8);
    }
    if (j < n) {
        v8 w0 = splat8(w[j * ws]);
        a0 += w0 * load8(rows + j * ld);
        a1 += w0 * load8(rows + j * ld + 8);
    }
    *lo = a0 + b0;
    *hi = a1 + b1;
}

TGFL_INLINE void weighted_rows16(v8 *lo, v8 *hi, const float *w, const float *rows, size_t ld,
                                 size_t n) {
    weighted_rows16_strided(lo, hi, w, 1, rows, ld, n);
}

TGFL_INLINE void attention_forward_impl(float *y, size_t ldy, float *lse, const float *q,
                                        const float *k, const float *v, size_t ld, size_t T,
                                        size_t hd, float scale, float *scratch) {
    size_t Tp = padded8(T);
    float *kt = scratch;              // [hd][Tp]
    float *s = scratch + hd * Tp;     // [Tp]
    transpose_into(kt, k, ld, T, Tp, hd);
    for (size_t i = 0; i < T; i++) {
        size_t n = i + 1;
        scores(s, q + i * ld, kt, Tp, n, hd, scale);
        float m = tgfl_max(s, n);
        for (size_t j = 0; j < n; j++) s[j] = tgfl_expf(s[j] - m);
        float sum = tgfl_sum(s, n);
        lse[i] = m + logf(sum);
        float inv = 1.0f / sum;
        float *yi = y + i * ldy;
        if (hd == 16) {
            v8 a0, a1;
            weighted_rows16(&a0, &a1, s, v, ld, n);
            store8(yi, a0 * splat8(inv));
            store8(yi + 8, a1 * splat8(inv));
        } else {
            for (size_t d = 0; d < hd; d++) {
                float acc = 0;
                for (size_t j = 0; j < n; j++) acc += s[j] * v[j * ld + d];
                yi[d] = acc * inv;
            }
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
    size_t Tp = padded8(T);
    float *kt = scratch;                  // [hd][Tp]
    float *vt = kt + hd * Tp;             // [hd][Tp]
    float *P = vt + hd * Tp;              // [T][Tp], row i valid for j <= i
    float *DS = P + T * Tp;               // [T][Tp], scale·dS
    transpose_into(kt, k, ld, T, Tp, hd);
    transpose_into(vt, v, ld, T, Tp, hd);
    // Row by row: P_i = exp(S_i − lse_i) (scores exactly as the forward pass), dP_i = dY_i Vᵀ,
    // dS_i = P_i ∘ (dP_i − P_i·dP_i), and dQ_i += scale·dS_i K.
    for (size_t i = 0; i < T; i++) {
        size_t n = i + 1;
        const float *qi = q + i * ld, *dyi = dy + i * ldy;
        float *p = P + i * Tp, *ds = DS + i * Tp;
        scores(p, qi, kt, Tp, n, hd, scale);
        scores(ds, dyi, vt, Tp, n, hd, 1.0f);
        float m = lse[i];
        for (size_t j = 0; j < n; j++) p[j] = tgfl_expf(p[j] - m);
        float r = tgfl_dot(p, ds, n);
        for (size_t j = 0; j < n; j++) ds[j] = p[j] * (ds[j] - r) * scale;
        float *dqi = dq + i * ld;
        if (hd == 16) {
            v8 a0, a1;
            weighted_rows16(&a0, &a1, ds, k, ld, n);
            store8(dqi, load8(dqi) + a0);
            store8(dqi + 8, load8(dqi + 8) + a1);
        } else {
            for (size_t d = 0; d < hd; d++) {
                float acc = 0;
                for (size_t j = 0; j < n; j++) acc += ds[j] * k[j * ld + d];
                dqi[d] += acc;
            }
        }
    }
    // Column by column: dV_j += Σ_{i ≥ j} P_ij dY_i and dK_j += Σ_{i ≥ j} scale·dS_ij Q_i.
    for (size_t j = 0; j < T; j++) {
        size_t n = T - j;
        float *dvj = dv + j * ld, *dkj = dk + j * ld;
        const float *pc = P + j * Tp + j, *sc = DS + j * Tp + j;
        if (hd == 16) {
            v8 a0, a1;
            weighted_rows16_strided(&a0, &a1, pc, Tp, dy + j * ldy, ldy, n);
            store8(dvj, load8(dvj) + a0);
            store8(dvj + 8, load8(dvj + 8) + a1);
            weighted_rows16_strided(&a0, &a1, sc, Tp, q + j * ld, ld, n);
            store8(dkj, load8(dkj) + a0);
            store8(dkj + 8, load8(dkj + 8) + a1);
        } else {
            for (size_t d = 0; d < hd; d++) {
                float av = 0, ak = 0;
                for (size_t t = 0; t < n; t++) {
                    av += pc[t * Tp] * dy[(j + t) * ldy + d];
                    ak += sc[t * Tp] * q[(j + t) * ld + d];
                }
                dvj[d] += av;
                dkj[d] += ak;
            }
        }
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
    if (hd == 16) {
        v8 a0, a1;
        weighted_rows16(&a0, &a1, w, values, 16, count);
        store8(out, a0 * splat8(inv));
        store8(out + 8, a1 * splat8(inv));
        return;
    }
    for (size_t d = 0; d < hd; d++) {
        float acc = 0;
        for (size_t j = 0; j < count; j++) acc += w[j] * values[j * hd + d];
        out[d] = acc * inv;
    }
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
