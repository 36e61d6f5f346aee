// Causal attention of one (batch, head) pair, forward and backward, and one cached query
// row for generation (see tgfl_kernels.h).
//
// Keys (and, in the backward pass, values) are first copied transposed into scratch
// (`[hd][T]`), so each query row's scores are hd vectorized multiply-adds over positions;
// products with V and K then run over the head dimension. The probabilities are not kept
// from the forward pass: the backward pass recomputes them from the log-sum-exp, one
// (batch, head) pair at a time in scratch (as FlashAttention, Dao et al. 2022). Rows of the head dimension run as 8-lane vectors when hd is a multiple
// of 8 (up to 64); the benchmark configs' widths 16 and 32 get copies with a compile-time
// width so those rows stay in registers; other widths use scalar loops.
#include "internal.h"

// The v8 helpers below are always inlined, so no vector crosses a call boundary.
#pragma clang diagnostic ignored "-Wpsabi"

/// Positions rounded up to whole 8-lane vectors (the transposed rows are zero-padded).
TGFL_INLINE size_t padded8(size_t n) { return (n + 7) & ~(size_t)7; }

size_t tgfl_attention_scratch_count(size_t T, size_t hd) {
    size_t Tp = padded8(T);
    return 2 * hd * Tp + 2 * T * Tp + 3 * Tp * hd;
}

/// dst[j·hd + d] = src[j·ld + d]: rows of one head gathered into a compact block, so that
/// the products over positions read L1-resident memory instead of strided qkv rows.
TGFL_INLINE void compact_rows(float *dst, const float *src, size_t ld, size_t T, size_t hd) {
    for (size_t j = 0; j < T; j++) memcpy(dst + j * hd, src + j * ld, hd * sizeof(float));
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
/// in order; eight (then four, then one) 8-position vectors are computed together so that
/// many chains of multiply-adds are in flight instead of each waiting on the last.
TGFL_INLINE void score_tiles(float *s, const float *q, const float *kt, size_t Tp, size_t j0,
                             size_t hd, float scale, int tiles) {
    v8 a[8];
    for (int u = 0; u < tiles; u++) a[u] = splat8(0);
    for (size_t d = 0; d < hd; d++) {
        v8 qd = splat8(q[d] * scale);
        const float *row = kt + d * Tp + j0;
        for (int u = 0; u < tiles; u++) a[u] += qd * load8(row + 8 * u);
    }
    for (int u = 0; u < tiles; u++) store8(s + j0 + 8 * u, a[u]);
}

TGFL_INLINE void scores(float *s, const float *q, const float *kt, size_t Tp, size_t n,
                        size_t hd, float scale) {
    size_t j0 = 0;
    for (; j0 + 64 <= n; j0 += 64) score_tiles(s, q, kt, Tp, j0, hd, scale, 8);
    for (; j0 + 32 <= n; j0 += 32) score_tiles(s, q, kt, Tp, j0, hd, scale, 4);
    for (; j0 < n; j0 += 8) score_tiles(s, q, kt, Tp, j0, hd, scale, 1);
}

/// out[8v ..< 8v+8] = [out +] scale·Σ_j w[j·ws]·r_j[8v ..< 8v + 8] for v < nv (nv ≤ 8,
/// hd = 8·nv), where row r_j is rows0 + j·ld for j < split and rows1 + j·ld for the others.
/// The terms are dealt round-robin to `chains` accumulators (4 for nv ≤ 2, 2 for nv ≤ 4,
/// else 1: at most 8 vector registers), so that many multiply-adds are in flight, and the
/// accumulators are added in a fixed order at the end. So the sum does not depend on where the
/// rows are split, and with rows0 == rows1 the pick folds away.
TGFL_INLINE void weighted_row_segments(float *out, int accumulate, float scale, const float *w,
                                       size_t ws, const float *rows0, const float *rows1,
                                       size_t split, size_t ld, size_t n, size_t nv) {
    const size_t chains = nv <= 2 ? 4 : nv <= 4 ? 2 : 1;
    v8 a[4][8];
    for (size_t c = 0; c < chains; c++)
        for (size_t v = 0; v < nv; v++) a[c][v] = splat8(0);
    size_t j = 0;
    for (; j + chains <= n; j += chains)
        for (size_t c = 0; c < chains; c++) {
            v8 wj = splat8(w[(j + c) * ws]);
            const float *r = (j + c < split ? rows0 : rows1) + (j + c) * ld;
            for (size_t v = 0; v < nv; v++) a[c][v] += wj * load8(r + 8 * v);
        }
    for (size_t c = 0; j < n; j++, c++) {
        v8 wj = splat8(w[j * ws]);
        const float *r = (j < split ? rows0 : rows1) + j * ld;
        for (size_t v = 0; v < nv; v++) a[c][v] += wj * load8(r + 8 * v);
    }
    for (size_t v = 0; v < nv; v++) {
        v8 total = a[0][v];
        for (size_t c = 1; c < chains; c++) total += a[c][v];
        v8 r = total * splat8(scale);
        if (accumulate) r += load8(out + 8 * v);
        store8(out + 8 * v, r);
    }
}

/// out[8v ..< 8v+8] = [out +] scale·Σ_j w[j·ws]·rows[j·ld + 8v ..< j·ld + 8v + 8] for
/// v < nv (nv ≤ 8, hd = 8·nv): `weighted_row_segments` over one buffer.
TGFL_INLINE void weighted_rows(float *out, int accumulate, float scale, const float *w, size_t ws,
                               const float *rows, size_t ld, size_t n, size_t nv) {
    weighted_row_segments(out, accumulate, scale, w, ws, rows, rows, n, ld, n, nv);
}

/// Scalar form of `weighted_rows` for head widths that are not a multiple of 8.
TGFL_INLINE void weighted_rows_scalar(float *out, int accumulate, float scale, const float *w,
                                      size_t ws, const float *rows, size_t ld, size_t n,
                                      size_t hd) {
    for (size_t d = 0; d < hd; d++) {
        float acc = 0;
        for (size_t j = 0; j < n; j++) acc += w[j * ws] * rows[j * ld + d];
        out[d] = (accumulate ? out[d] : 0) + acc * scale;
    }
}

/// Picks the vector form when hd is a multiple of 8 (at most 64).
TGFL_INLINE void weighted_sum(float *out, int accumulate, float scale, const float *w, size_t ws,
                              const float *rows, size_t ld, size_t n, size_t hd) {
    if (hd % 8 == 0 && hd <= 64) weighted_rows(out, accumulate, scale, w, ws, rows, ld, n, hd / 8);
    else weighted_rows_scalar(out, accumulate, scale, w, ws, rows, ld, n, hd);
}

/// The column pass of the backward pass, J = 8/nv columns at a time (hd = 8·nv ≤ 64):
/// out[(j0+c)·ldo + 8v ..] (+)= Σ_{i=j0}^{T−1} w[i·ws + j0 + c]·rows[i·ld + 8v ..] for c < J.
/// The J weights of a row are contiguous (one cache line) and each row of `rows` is loaded
/// once for J columns, instead of a strided weight and a reload per column. Weights above the
/// diagonal (w[i·ws + j], j > i) must be zero: the row pass clears them. Each sum runs over i
/// in order, one chain per (column, vector), J·nv ≤ 8 chains in flight.
TGFL_INLINE void weighted_columns(float *out, size_t ldo, int accumulate, const float *w, size_t ws,
                                  const float *rows, size_t ld, size_t j0, size_t T, size_t nv) {
    const size_t J = nv >= 8 ? 1 : 8 / nv;
    v8 a[8][8];
    for (size_t c = 0; c < J; c++)
        for (size_t v = 0; v < nv; v++) a[c][v] = splat8(0);
    for (size_t i = j0; i < T; i++) {
        const float *wi = w + i * ws + j0, *r = rows + i * ld;
        v8 x[8];
        for (size_t v = 0; v < nv; v++) x[v] = load8(r + 8 * v);
        for (size_t c = 0; c < J; c++) {
            v8 wc = splat8(wi[c]);
            for (size_t v = 0; v < nv; v++) a[c][v] += wc * x[v];
        }
    }
    for (size_t c = 0; c < J; c++)
        for (size_t v = 0; v < nv; v++) {
            float *o = out + (j0 + c) * ldo + 8 * v;
            v8 r = a[c][v];
            if (accumulate) r += load8(o);
            store8(o, r);
        }
}

TGFL_INLINE void attention_forward_impl(float *y, size_t ldy, float *lse, const float *q,
                                        const float *k, const float *v, size_t ld, size_t T,
                                        size_t hd, float scale, float *scratch) {
    size_t Tp = padded8(T);
    float *kt = scratch;              // [hd][Tp]
    float *s = kt + hd * Tp;          // [Tp]
    float *vc = s + Tp;               // [T][hd]
    transpose_into(kt, k, ld, T, Tp, hd);
    compact_rows(vc, v, ld, T, hd);
    for (size_t i = 0; i < T; i++) {
        size_t n = i + 1;
        scores(s, q + i * ld, kt, Tp, n, hd, scale);
        float m = tgfl_max(s, n);
        for (size_t j = 0; j < n; j++) s[j] = tgfl_expf(s[j] - m);
        float sum = tgfl_sum(s, n);
        lse[i] = m + logf(sum);
        float inv = 1.0f / sum;
        weighted_sum(y + i * ldy, 0, inv, s, 1, vc, hd, n, hd);
    }
}

TGFL_INLINE void tgfl_attention_forward_body(float *y, size_t ldy, float *lse, const float *q,
                                             const float *k, const float *v, size_t ld, size_t T,
                                             size_t hd, float scale, float *scratch) {
    if (hd == 16) attention_forward_impl(y, ldy, lse, q, k, v, ld, T, 16, scale, scratch);
    else if (hd == 32) attention_forward_impl(y, ldy, lse, q, k, v, ld, T, 32, scale, scratch);
    else attention_forward_impl(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
}
TGFL_MULTIVERSION(tgfl_attention_forward,
                  (float *y, size_t ldy, float *lse, const float *q, const float *k, const float *v,
                   size_t ld, size_t T, size_t hd, float scale, float *scratch),
                  (y, ldy, lse, q, k, v, ld, T, hd, scale, scratch))

TGFL_INLINE void attention_backward_impl(float *dq, float *dk, float *dv, const float *dy,
                                         size_t ldy, const float *q, const float *k,
                                         const float *v, size_t ld, const float *lse, size_t T,
                                         size_t hd, float scale, float *scratch, int accumulate) {
    size_t Tp = padded8(T);
    float *kt = scratch;                  // [hd][Tp]
    float *vt = kt + hd * Tp;             // [hd][Tp]
    float *P = vt + hd * Tp;              // [T][Tp], row i valid for j <= i
    float *DS = P + T * Tp;               // [T][Tp], scale·dS
    float *kc = DS + T * Tp;              // [T][hd]
    float *qc = kc + T * hd;              // [T][hd]
    float *gc = qc + T * hd;              // [T][hd], dY
    transpose_into(kt, k, ld, T, Tp, hd);
    transpose_into(vt, v, ld, T, Tp, hd);
    compact_rows(kc, k, ld, T, hd);
    compact_rows(qc, q, ld, T, hd);
    compact_rows(gc, dy, ldy, T, hd);
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
        weighted_sum(dq + i * ld, accumulate, 1.0f, ds, 1, kc, hd, n, hd);
        // Zeros above the diagonal, for the blocked column pass (up to 7 columns past i).
        for (size_t j = n; j < n + 7 && j < Tp; j++) p[j] = ds[j] = 0;
    }
    // Column by column: dV_j += Σ_{i ≥ j} P_ij dY_i and dK_j += Σ_{i ≥ j} scale·dS_ij Q_i,
    // in blocks of 8/nv columns when hd = 8·nv ≤ 64, the rest one at a time.
    size_t j = 0;
    if (hd % 8 == 0 && hd <= 64) {
        size_t nv = hd / 8, J = nv >= 8 ? 1 : 8 / nv;
        for (; j + J <= T; j += J) {
            weighted_columns(dv, ld, accumulate, P, Tp, gc, hd, j, T, nv);
            weighted_columns(dk, ld, accumulate, DS, Tp, qc, hd, j, T, nv);
        }
    }
    for (; j < T; j++) {
        size_t n = T - j;
        const float *pc = P + j * Tp + j, *sc = DS + j * Tp + j;
        weighted_sum(dv + j * ld, accumulate, 1.0f, pc, Tp, gc + j * hd, hd, n, hd);
        weighted_sum(dk + j * ld, accumulate, 1.0f, sc, Tp, qc + j * hd, hd, n, hd);
    }
}

TGFL_INLINE void tgfl_attention_backward_body(float *dq, float *dk, float *dv, const float *dy,
                                              size_t ldy, const float *q, const float *k,
                                              const float *v, size_t ld, const float *lse,
                                              size_t T, size_t hd, float scale, float *scratch,
                                              int accumulate) {
    if (hd == 16)
        attention_backward_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 16, scale, scratch, accumulate);
    else if (hd == 32)
        attention_backward_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 32, scale, scratch, accumulate);
    else
        attention_backward_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch, accumulate);
}
TGFL_MULTIVERSION(tgfl_attention_backward,
                  (float *dq, float *dk, float *dv, const float *dy, size_t ldy, const float *q,
                   const float *k, const float *v, size_t ld, const float *lse, size_t T,
                   size_t hd, float scale, float *scratch, int accumulate),
                  (dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch, accumulate))

/// Scalar form of `weighted_row_segments` without accumulation and with ws = 1 (head widths
/// that are not a multiple of 8).
TGFL_INLINE void weighted_rows_split_scalar(float *out, float scale, const float *w,
                                            const float *rows0, const float *rows1, size_t split,
                                            size_t ld, size_t n, size_t hd) {
    for (size_t d = 0; d < hd; d++) {
        float acc = 0;
        for (size_t j = 0; j < n; j++) acc += w[j] * (j < split ? rows0 : rows1)[j * ld + d];
        out[d] = acc * scale;
    }
}

/// One cached query row over positions 0 ..< count, positions below `split` (a multiple of 8)
/// read from (keys0, values0) — a prompt cache shared by many paths — and the others from
/// (keys, values), in the same layout. split = 0 is `tgfl_attend_cached`.
TGFL_INLINE void attend_cached_impl(float *out, const float *query, const float *keys0,
                                    const float *values0, size_t split, const float *keys,
                                    const float *values, size_t count, size_t hd, float scale,
                                    float *w) {
    // The cache of one (slot, head) is usually out of L2 (a generation chunk's caches are
    // several MB): request the values' lines now, so they arrive while the scores read the
    // keys (one sequential run, which the hardware prefetcher follows). A shared prefix is
    // read by every path of a chunk, so it stays in cache.
    size_t blocks = (count + 7) / 8;
    for (size_t off = split * hd; off < count * hd; off += 16) __builtin_prefetch(values + off, 0, 3);
#define TILE(b) (((b) * 8 < split ? keys0 : keys) + (b) * 8 * hd)
    // Scores, 8 positions per tile, four tiles at a time (positions past count − 1 in the
    // last tile are computed from stale cache entries and never used).
    size_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        v8 a0 = splat8(0), a1 = splat8(0), a2 = splat8(0), a3 = splat8(0);
        const float *t0 = TILE(b), *t1 = TILE(b + 1), *t2 = TILE(b + 2), *t3 = TILE(b + 3);
        for (size_t d = 0; d < hd; d++) {
            v8 qd = splat8(query[d] * scale);
            a0 += qd * load8(t0 + d * 8);
            a1 += qd * load8(t1 + d * 8);
            a2 += qd * load8(t2 + d * 8);
            a3 += qd * load8(t3 + d * 8);
        }
        store8(w + 8 * b, a0);
        store8(w + 8 * b + 8, a1);
        store8(w + 8 * b + 16, a2);
        store8(w + 8 * b + 24, a3);
    }
    for (; b < blocks; b++) {
        v8 acc = splat8(0);
        const float *tile = TILE(b);
        for (size_t d = 0; d < hd; d++) acc += splat8(query[d] * scale) * load8(tile + d * 8);
        store8(w + 8 * b, acc);
    }
#undef TILE
    float m = tgfl_max(w, count);
    for (size_t j = 0; j < count; j++) w[j] = tgfl_expf(w[j] - m);
    float inv = 1.0f / tgfl_sum(w, count);
    if (split == 0) weighted_sum(out, 0, inv, w, 1, values, hd, count, hd);
    else if (hd % 8 == 0 && hd <= 64)
        weighted_row_segments(out, 0, inv, w, 1, values0, values, split, hd, count, hd / 8);
    else weighted_rows_split_scalar(out, inv, w, values0, values, split, hd, count, hd);
}

TGFL_INLINE void tgfl_attend_cached_split_body(float *out, const float *query,
                                               const float *keys0, const float *values0,
                                               size_t split, const float *keys,
                                               const float *values, size_t count, size_t hd,
                                               float scale, float *weights) {
    if (hd == 16)
        attend_cached_impl(out, query, keys0, values0, split, keys, values, count, 16, scale, weights);
    else if (hd == 32)
        attend_cached_impl(out, query, keys0, values0, split, keys, values, count, 32, scale, weights);
    else
        attend_cached_impl(out, query, keys0, values0, split, keys, values, count, hd, scale, weights);
}
TGFL_MULTIVERSION(tgfl_attend_cached_split,
                  (float *out, const float *query, const float *keys0, const float *values0,
                   size_t split, const float *keys, const float *values, size_t count, size_t hd,
                   float scale, float *weights),
                  (out, query, keys0, values0, split, keys, values, count, hd, scale, weights))

void tgfl_attend_cached(float *out, const float *query, const float *keys, const float *values,
                        size_t count, size_t hd, float scale, float *weights) {
    tgfl_attend_cached_split(out, query, keys, values, 0, keys, values, count, hd, scale, weights);
}

void tgfl_kv_store(float *keys, float *values, const float *k, const float *v, size_t t,
                   size_t hd) {
    float *tile = keys + (t / 8) * 8 * hd + t % 8;
    for (size_t d = 0; d < hd; d++) tile[d * 8] = k[d];
    memcpy(values + t * hd, v, hd * sizeof(float));
}
