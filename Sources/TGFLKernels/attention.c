// Causal attention of one (batch, head) pair, forward and backward, and one cached query
// row for generation (see tgfl_kernels.h).
//
// Keys (and, in the backward pass, values) are first copied transposed into scratch
// (`[hd][T]`), so each query row's scores are hd vectorized multiply-adds over positions;
// products with V and K then run over the head dimension. The probabilities are not kept
// from the forward pass: the backward pass recomputes them from the log-sum-exp, one
// (batch, head) pair at a time in scratch (as FlashAttention, Dao et al. 2022). Rows of the head dimension run as 8-lane vectors when hd is a multiple
// of 8 (up to 64); the benchmark configs' widths 16 and 32 get copies with a compile-time
// width so those rows stay in registers; other widths use scalar loops. On AVX-512 CPUs, hd = 16
// and 32 run blocked copies of the same arithmetic (see "Blocked AVX-512 copies" below).
#include "internal.h"

// The v8 helpers below are always inlined, so no vector crosses a call boundary.
#pragma clang diagnostic ignored "-Wpsabi"

/// Positions rounded up to whole 8-lane vectors (the transposed rows are zero-padded).
TGFL_INLINE size_t padded8(size_t n) { return (n + 7) & ~(size_t)7; }

/// Positions rounded up to whole 16-lane vectors (the blocked AVX-512 copies' layout).
TGFL_INLINE size_t padded16(size_t n) { return (n + 15) & ~(size_t)15; }

size_t tgfl_attention_scratch_count(size_t T, size_t hd) {
    // The row-by-row copies use 2·hd·T₈ + 2·T·T₈ + 3·T₈·hd; the blocked ones at most
    // 2·hd·T₁₆ + 2·T₁₆·T₁₆ + 4·T₁₆·hd, which covers both.
    size_t Tq = padded16(T);
    return 2 * hd * Tq + 2 * Tq * Tq + 4 * Tq * hd;
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

/// The backward pass's columns: dV_j (+)= Σ_{i ≥ j} P_ij dY_i and dK_j (+)= Σ_{i ≥ j} scale·dS_ij Q_i,
/// in blocks of 8/nv columns when hd = 8·nv ≤ 64, the rest one at a time. P and DS rows hold
/// zeros above the diagonal up to the end of each column block.
TGFL_INLINE void column_pass(float *dv, float *dk, size_t ld, int accumulate, const float *P,
                             const float *DS, size_t Tp, const float *gc, const float *qc,
                             size_t T, size_t hd) {
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

TGFL_INLINE void tgfl_attention_forward_rows_body(float *y, size_t ldy, float *lse, const float *q,
                                             const float *k, const float *v, size_t ld, size_t T,
                                             size_t hd, float scale, float *scratch) {
    if (hd == 16) attention_forward_impl(y, ldy, lse, q, k, v, ld, T, 16, scale, scratch);
    else if (hd == 32) attention_forward_impl(y, ldy, lse, q, k, v, ld, T, 32, scale, scratch);
    else attention_forward_impl(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
}
TGFL_MULTIVERSION(tgfl_attention_forward_rows,
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
    column_pass(dv, dk, ld, accumulate, P, DS, Tp, gc, qc, T, hd);
}

TGFL_INLINE void tgfl_attention_backward_rows_body(float *dq, float *dk, float *dv, const float *dy,
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
TGFL_MULTIVERSION(tgfl_attention_backward_rows,
                  (float *dq, float *dk, float *dv, const float *dy, size_t ldy, const float *q,
                   const float *k, const float *v, size_t ld, const float *lse, size_t T,
                   size_t hd, float scale, float *scratch, int accumulate),
                  (dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch, accumulate))

/// The scratch of the blocked backward passes (AVX-512 and AVX2), Tp = padded16(T).
typedef struct {
    float *kt;  // [hd][Tp]
    float *vt;  // [hd][Tp]
    float *P;   // [Tp][Tp], row i valid for j <= i, zero to j < 16·⌈(i+1)/16⌉
    float *DS;  // [Tp][Tp], scale·dS, likewise
    float *kc;  // [T][hd]
    float *qc;  // [T][hd]
    float *gc;  // [Tp][hd], dY, zero rows past T
    float *qs;  // [Tp][hd], q·scale, zero rows past T
} BlockedBackward;

TGFL_INLINE BlockedBackward blocked_backward_layout(float *scratch, size_t T, size_t Tp, size_t hd) {
    BlockedBackward w;
    w.kt = scratch;
    w.vt = w.kt + hd * Tp;
    w.P = w.vt + hd * Tp;
    w.DS = w.P + Tp * Tp;
    w.kc = w.DS + Tp * Tp;
    w.qc = w.kc + T * hd;
    w.gc = w.qc + T * hd;
    w.qs = w.gc + Tp * hd;
    return w;
}

// MARK: - Blocked AVX-512 copies (hd = 16 and 32)
//
// The row-by-row code above spends most of its time on short rows: a row's scores are a few
// 8-position tiles whose last ones wait on one chain of hd multiply-adds, and its exp, max and
// weighted sum end in scalar tails. These copies take RB = 16 query rows at a time: the scores
// of the block against 16-position key tiles are RB independent chains (`score_block`), the
// exps run over whole 16-lane vectors, the weighted sums of WG = 4 rows share each value row
// (`weighted_group`), and the backward column pass does dV and dK for 128/hd columns in one
// sweep (`columns_pair`). Every sum runs in the same order as in the row-by-row code, so the
// results are the same bits (only the work is grouped differently); positions a row does not
// see are computed and then ignored, or masked off in the weighted sums.
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

enum { RB = 16, WG = 4 };

/// Rows r < WG of a group: out_r = inv_r·Σ_{j<n_r} w_r[j]·vc[j], the terms of j dealt to chain
/// j mod chains and the chains added in order, as `weighted_rows` does (same bits). Rows at
/// or past `rows` repeat row 0 and are not stored. Terms past a row's n are masked off, not
/// multiplied by zero, so an infinite value there cannot reach the row.
TGFL_TARGET_AVX512 TGFL_INLINE void weighted_group(float *const out[WG], const float *const w[WG],
                                                   const size_t n[WG], const float inv[WG],
                                                   const float *vc, size_t hd, int rows,
                                                   int accumulate) {
    const size_t nv = hd / 16, chains = hd == 16 ? 4 : 2;
    __m512 a[WG][4][2];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < WG; r++)
        _Pragma("clang loop unroll(full)")
        for (size_t c = 0; c < chains; c++)
            _Pragma("clang loop unroll(full)")
            for (size_t v = 0; v < nv; v++) a[r][c][v] = _mm512_setzero_ps();
    size_t nmin = n[0], nmax = n[0];
    _Pragma("clang loop unroll(full)")
    for (int r = 1; r < WG; r++) {
        nmin = n[r] < nmin ? n[r] : nmin;
        nmax = n[r] > nmax ? n[r] : nmax;
    }
    // Steps of `chains` terms: while every row sees them, unmasked; past the shortest row, the
    // terms a row does not see are masked.
    size_t j = 0;
    for (; j + chains <= nmin; j += chains)
        _Pragma("clang loop unroll(full)")
        for (size_t c = 0; c < chains; c++) {
            const float *vr = vc + (j + c) * hd;
            __m512 x[2];
            _Pragma("clang loop unroll(full)")
            for (size_t v = 0; v < nv; v++) x[v] = _mm512_loadu_ps(vr + 16 * v);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < WG; r++) {
                __m512 wj = _mm512_set1_ps(w[r][j + c]);
                _Pragma("clang loop unroll(full)")
                for (size_t v = 0; v < nv; v++) a[r][c][v] = _mm512_fmadd_ps(wj, x[v], a[r][c][v]);
            }
        }
    for (; j < nmax; j += chains) {
        _Pragma("clang loop unroll(full)")
        for (size_t c = 0; c < chains; c++) {
            if (j + c >= nmax) break;
            const float *vr = vc + (j + c) * hd;
            __m512 x[2];
            _Pragma("clang loop unroll(full)")
            for (size_t v = 0; v < nv; v++) x[v] = _mm512_loadu_ps(vr + 16 * v);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < WG; r++) {
                __mmask16 live = j + c < n[r] ? (__mmask16)0xFFFF : (__mmask16)0;
                __m512 wj = _mm512_set1_ps(live ? w[r][j + c] : 0.0f);
                _Pragma("clang loop unroll(full)")
                for (size_t v = 0; v < nv; v++)
                    a[r][c][v] = _mm512_mask3_fmadd_ps(wj, x[v], a[r][c][v], live);
            }
        }
    }
    for (int r = 0; r < WG; r++) {
        if (r >= rows) break;
        _Pragma("clang loop unroll(full)")
        for (size_t v = 0; v < nv; v++) {
            __m512 total = a[r][0][v];
            _Pragma("clang loop unroll(full)")
            for (size_t c = 1; c < chains; c++) total = _mm512_add_ps(total, a[r][c][v]);
            __m512 res = _mm512_mul_ps(total, _mm512_set1_ps(inv[r]));
            if (accumulate) res = _mm512_add_ps(res, _mm512_loadu_ps(out[r] + 16 * v));
            _mm512_storeu_ps(out[r] + 16 * v, res);
        }
    }
}

/// The 16 × 16 block r[0 ..< 16] (row l in r[l]) transposed in registers: afterwards r[k]
/// holds what was column k.
TGFL_TARGET_AVX512 TGFL_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 2; i++)
        _Pragma("clang loop unroll(full)")
        for (int k = 0; k < 4; k++) {
            t[8 * i + k] = _mm512_shuffle_f32x4(r[8 * i + k], r[8 * i + 4 + k], 0x88);
            t[8 * i + 4 + k] = _mm512_shuffle_f32x4(r[8 * i + k], r[8 * i + 4 + k], 0xDD);
        }
    _Pragma("clang loop unroll(full)")
    for (int k = 0; k < 8; k++) {
        r[k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88);
        r[8 + k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0xDD);
    }
}

// The per-row reductions of a block, 16 rows at a time. Row by row, a row's maximum, sum and
// dot product each ended in a horizontal reduction and a scalar tail of n mod 8 terms: short
// dependent chains, one after the other, and a loop exit that mispredicted on most rows. Here
// each row runs its vector part (its own chain), the 16 rows' partial vectors are transposed
// in registers, and the horizontal steps and tails run across the rows, one row per lane, in
// the same order as `tgfl_max`, `tgfl_sum` and `tgfl_dot` (so the same bits).

/// Lane r: max_{j < n[r]} x[r][j] (n[r] > 0, x[r] readable to 16·⌈n[r]/16⌉). The maximum is
/// exact, so its grouping does not matter.
TGFL_TARGET_AVX512 TGFL_INLINE __m512 max_rows16(float *const x[16], const size_t n[16]) {
    __m512 m[16];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < 16; r++) {
        __m512 a = _mm512_set1_ps(-INFINITY);
        size_t j = 0;
        for (; j + 16 <= n[r]; j += 16) a = _mm512_max_ps(_mm512_loadu_ps(x[r] + j), a);
        if (j < n[r]) a = _mm512_mask_max_ps(a, (__mmask16)((1u << (n[r] - j)) - 1), _mm512_loadu_ps(x[r] + j), a);
        m[r] = a;
    }
    transpose16(m);
    _Pragma("clang loop unroll(full)")
    for (int w = 8; w > 0; w /= 2)
        _Pragma("clang loop unroll(full)")
        for (int l = 0; l < w; l++) m[l] = _mm512_max_ps(m[l], m[l + w]);
    return m[0];
}

/// Lane r: `tgfl_sum(x[r], n[r])`, or with y (not NULL) `tgfl_dot(x[r], y[r], n[r])`: eight
/// lanes over whole 8-term steps, combined as ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)),
/// then the tail terms in order (a fused multiply-add each for the dot product). Tail terms
/// past n[r] are masked off, not added as zeros.
TGFL_TARGET_AVX512 TGFL_INLINE __m512 sum_rows16(float *const x[16], float *const y[16],
                                                 const size_t n[16]) {
    __m512 zx[16], zy[16];
    int32_t rems[16];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < 16; r++) {
        __m256 a = _mm256_setzero_ps();
        size_t i = 0;
        if (y)
            for (; i + 8 <= n[r]; i += 8)
                a = _mm256_fmadd_ps(_mm256_loadu_ps(x[r] + i), _mm256_loadu_ps(y[r] + i), a);
        else
            for (; i + 8 <= n[r]; i += 8) a = _mm256_add_ps(a, _mm256_loadu_ps(x[r] + i));
        rems[r] = (int32_t)(n[r] - i);
        __mmask8 k = (__mmask8)((1u << rems[r]) - 1);
        zx[r] = _mm512_insertf32x8(_mm512_castps256_ps512(a), _mm256_maskz_loadu_ps(k, x[r] + i), 1);
        if (y) zy[r] = _mm512_insertf32x8(_mm512_setzero_ps(), _mm256_maskz_loadu_ps(k, y[r] + i), 1);
    }
    transpose16(zx);
    if (y) transpose16(zy);
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(zx[0], zx[1]), _mm512_add_ps(zx[2], zx[3])),
                             _mm512_add_ps(_mm512_add_ps(zx[4], zx[5]), _mm512_add_ps(zx[6], zx[7])));
    __m512i rem = _mm512_loadu_si512(rems);
    _Pragma("clang loop unroll(full)")
    for (int t = 0; t < 7; t++) {
        __mmask16 live = _mm512_cmpgt_epi32_mask(rem, _mm512_set1_epi32(t));
        s = y ? _mm512_mask3_fmadd_ps(zx[8 + t], zy[8 + t], s, live)
              : _mm512_mask_add_ps(s, live, s, zx[8 + t]);
    }
    return s;
}

/// Rows i0 + r of a block (r < count; rows at or past R repeat row i0, for the lanes of the
/// block reductions): x[r] = base + (row − i0)·ld, n[r] = row + 1.
TGFL_INLINE void block_rows(float **x, size_t *n, size_t count, float *base, size_t ld, size_t i0,
                            size_t R) {
    for (size_t r = 0; r < count; r++) {
        size_t row = r < R ? i0 + r : i0;
        x[r] = base + (row - i0) * ld;
        n[r] = row + 1;
    }
}

/// `transpose_into` for hd a multiple of 16 and Tp a multiple of 16, by 16 × 16 blocks.
TGFL_TARGET_AVX512 TGFL_INLINE void transpose16_into(float *kt, const float *src, size_t ld,
                                                     size_t T, size_t Tp, size_t hd) {
    for (size_t j0 = 0; j0 < Tp; j0 += 16)
        for (size_t d0 = 0; d0 < hd; d0 += 16) {
            __m512 r[16];
            _Pragma("clang loop unroll(full)")
            for (int l = 0; l < 16; l++)
                r[l] = j0 + l < T ? _mm512_loadu_ps(src + (j0 + l) * ld + d0) : _mm512_setzero_ps();
            transpose16(r);
            _Pragma("clang loop unroll(full)")
            for (int k = 0; k < 16; k++) _mm512_storeu_ps(kt + (d0 + k) * Tp + j0, r[k]);
        }
}

/// dst[j·hd + d] = src[j·ld + d]·scale for j < T and zero for T ≤ j < rows (hd a multiple of
/// 16); with scale = 1 the rows are copied as they are.
TGFL_TARGET_AVX512 TGFL_INLINE void compact16(float *dst, const float *src, size_t ld, size_t T,
                                              size_t rows, size_t hd, float scale) {
    __m512 s = _mm512_set1_ps(scale);
    for (size_t j = 0; j < T; j++)
        for (size_t d = 0; d < hd; d += 16) {
            __m512 x = _mm512_loadu_ps(src + j * ld + d);
            _mm512_storeu_ps(dst + j * hd + d, scale == 1.0f ? x : _mm512_mul_ps(x, s));
        }
    memset(dst + T * hd, 0, (rows - T) * hd * sizeof(float));
}

/// S[r·ldS + j] = Σ_d xb[r·hd + d]·kt[d·Tp + j] for r < RB and j < 16·tiles, each sum over d
/// in order from zero (as `score_tiles`, so the same bits): a block of RB rows of xb (already
/// scaled) against 16-position tiles of the transposed keys.
TGFL_TARGET_AVX512 TGFL_INLINE void score_block(float *S, size_t ldS, const float *xb,
                                                const float *kt, size_t Tp, size_t tiles,
                                                size_t hd) {
    for (size_t jt = 0; jt < tiles; jt++) {
        __m512 acc[RB];
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < RB; r++) acc[r] = _mm512_setzero_ps();
        const float *kc = kt + 16 * jt;
        for (size_t d = 0; d < hd; d++) {
            __m512 kv = _mm512_loadu_ps(kc + d * Tp);
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < RB; r++)
                acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(xb[r * hd + d]), kv, acc[r]);
        }
        _Pragma("clang loop unroll(full)")
        for (int r = 0; r < RB; r++) _mm512_storeu_ps(S + r * ldS + 16 * jt, acc[r]);
    }
}

TGFL_TARGET_AVX512 TGFL_INLINE void fwd_blocked_impl(float *y, size_t ldy, float *lse, const float *q, const float *k,
                                  const float *v, size_t ld, size_t T, size_t hd, float scale,
                                  float *scratch) {
    size_t Tp = padded16(T);
    float *kt = scratch;          // [hd][Tp]
    float *S = kt + hd * Tp;      // [RB][Tp]
    float *vc = S + RB * Tp;      // [T][hd]
    float *qs = vc + T * hd;      // [Tp][hd], q·scale, zero rows past T
    transpose16_into(kt, k, ld, T, Tp, hd);
    compact16(vc, v, ld, T, T, hd, 1.0f);
    compact16(qs, q, ld, T, Tp, hd, scale);
    for (size_t i0 = 0; i0 < T; i0 += RB) {
        size_t R = T - i0 < RB ? T - i0 : RB;
        size_t tiles = (i0 + R + 15) / 16;
        score_block(S, Tp, qs + i0 * hd, kt, Tp, tiles, hd);
        float *rows[RB], ms[RB], sums[RB], inv[RB];
        size_t ns[RB];
        block_rows(rows, ns, RB, S, Tp, i0, R);
        _mm512_storeu_ps(ms, max_rows16(rows, ns));
        for (size_t r = 0; r < R; r++) {
            size_t n16 = (ns[r] + 15) & ~(size_t)15;
            float *row = rows[r], m = ms[r];
            for (size_t j = 0; j < n16; j += 16)
                for (int l = 0; l < 16; l++) row[j + l] = tgfl_expf(row[j + l] - m);
        }
        _mm512_storeu_ps(sums, sum_rows16(rows, NULL, ns));
        for (size_t r = 0; r < R; r++) {
            lse[i0 + r] = ms[r] + logf(sums[r]);
            inv[r] = 1.0f / sums[r];
        }
        for (size_t r0 = 0; r0 < R; r0 += WG) {
            float *out[WG]; const float *w[WG]; size_t n[WG];
            int rows = (int)(R - r0 < WG ? R - r0 : WG);
            for (int r = 0; r < WG; r++) {
                size_t rr = r0 + (r < rows ? r : 0);
                out[r] = y + (i0 + rr) * ldy; w[r] = S + rr * Tp; n[r] = i0 + rr + 1;
            }
            weighted_group(out, w, n, inv + r0, vc, hd, rows, 0);
        }
    }
}
TGFL_TARGET_AVX512 static void attention_forward_blocked(float *y, size_t ldy, float *lse, const float *q, const float *k,
                                  const float *v, size_t ld, size_t T, size_t hd, float scale,
                                  float *scratch) {
    if (hd == 16) fwd_blocked_impl(y, ldy, lse, q, k, v, ld, T, 16, scale, scratch);
    else fwd_blocked_impl(y, ldy, lse, q, k, v, ld, T, 32, scale, scratch);
}

/// dk[j·ld ..] (+)= Σ_{i ≥ j} DS[i·Tp + j]·qc[i] and dv[j·ld ..] (+)= Σ_{i ≥ j} P[i·Tp + j]·gc[i]
/// for the J (at most 128/hd) columns j0 ..< j0 + J, each sum over i in order from j0 (the terms above the
/// diagonal are zero), as `weighted_columns` does (same bits); dv and dk together.
TGFL_TARGET_AVX512 TGFL_INLINE void columns_pair(float *dv, float *dk, size_t ld, int accumulate,
                                                 const float *P, const float *DS, size_t Tp,
                                                 const float *gc, const float *qc, size_t j0,
                                                 size_t T, size_t hd, size_t J) {
    enum { JMAX = 8 };
    const size_t nv = hd / 16;
    __m512 av[JMAX][2], ak[JMAX][2];
    _Pragma("clang loop unroll(full)")
    for (size_t c = 0; c < J; c++)
        _Pragma("clang loop unroll(full)")
        for (size_t v = 0; v < nv; v++) av[c][v] = ak[c][v] = _mm512_setzero_ps();
    for (size_t i = j0; i < T; i++) {
        const float *pi = P + i * Tp + j0, *si = DS + i * Tp + j0;
        __m512 xg[2], xq[2];
        _Pragma("clang loop unroll(full)")
        for (size_t v = 0; v < nv; v++) {
            xg[v] = _mm512_loadu_ps(gc + i * hd + 16 * v);
            xq[v] = _mm512_loadu_ps(qc + i * hd + 16 * v);
        }
        _Pragma("clang loop unroll(full)")
        for (size_t c = 0; c < J; c++) {
            __m512 wp = _mm512_set1_ps(pi[c]), ws = _mm512_set1_ps(si[c]);
            _Pragma("clang loop unroll(full)")
            for (size_t v = 0; v < nv; v++) {
                av[c][v] = _mm512_fmadd_ps(wp, xg[v], av[c][v]);
                ak[c][v] = _mm512_fmadd_ps(ws, xq[v], ak[c][v]);
            }
        }
    }
    _Pragma("clang loop unroll(full)")
    for (size_t c = 0; c < J; c++)
        _Pragma("clang loop unroll(full)")
        for (size_t v = 0; v < nv; v++) {
            float *ov = dv + (j0 + c) * ld + 16 * v, *ok = dk + (j0 + c) * ld + 16 * v;
            __m512 rv = av[c][v], rk = ak[c][v];
            if (accumulate) {
                rv = _mm512_add_ps(rv, _mm512_loadu_ps(ov));
                rk = _mm512_add_ps(rk, _mm512_loadu_ps(ok));
            }
            _mm512_storeu_ps(ov, rv);
            _mm512_storeu_ps(ok, rk);
        }
}

TGFL_TARGET_AVX512 TGFL_INLINE void bwd_blocked_impl(float *dq, float *dk, float *dv, const float *dy,
                                         size_t ldy, const float *q, const float *k,
                                         const float *v, size_t ld, const float *lse, size_t T,
                                         size_t hd, float scale, float *scratch, int accumulate) {
    size_t Tp = padded16(T);
    float *kt = scratch;                  // [hd][Tp]
    float *vt = kt + hd * Tp;             // [hd][Tp]
    float *P = vt + hd * Tp;              // [Tp][Tp], row i valid for j <= i, zero to j < 16·⌈(i+1)/16⌉
    float *DS = P + Tp * Tp;              // [Tp][Tp], scale·dS, likewise
    float *kc = DS + Tp * Tp;             // [T][hd]
    float *qc = kc + T * hd;              // [T][hd]
    float *gc = qc + T * hd;              // [Tp][hd], dY, zero rows past T
    float *qs = gc + Tp * hd;             // [Tp][hd], q·scale, zero rows past T
    transpose16_into(kt, k, ld, T, Tp, hd);
    transpose16_into(vt, v, ld, T, Tp, hd);
    compact16(kc, k, ld, T, T, hd, 1.0f);
    compact16(qc, q, ld, T, T, hd, 1.0f);
    compact16(gc, dy, ldy, T, Tp, hd, 1.0f);
    compact16(qs, q, ld, T, Tp, hd, scale);
    for (size_t i0 = 0; i0 < T; i0 += RB) {
        size_t R = T - i0 < RB ? T - i0 : RB;
        size_t tiles = (i0 + R + 15) / 16;
        score_block(P + i0 * Tp, Tp, qs + i0 * hd, kt, Tp, tiles, hd);
        score_block(DS + i0 * Tp, Tp, gc + i0 * hd, vt, Tp, tiles, hd);
        float *prow[RB], *dsrow[RB], rrs[RB], one[RB];
        size_t ns[RB];
        block_rows(prow, ns, RB, P + i0 * Tp, Tp, i0, R);
        block_rows(dsrow, ns, RB, DS + i0 * Tp, Tp, i0, R);
        for (size_t r = 0; r < R; r++) {
            size_t n16 = (ns[r] + 15) & ~(size_t)15;
            float *p = prow[r], m = lse[i0 + r];
            for (size_t j = 0; j < n16; j += 16)
                for (int l = 0; l < 16; l++) p[j + l] = tgfl_expf(p[j + l] - m);
        }
        _mm512_storeu_ps(rrs, sum_rows16(prow, dsrow, ns));
        for (size_t r = 0; r < R; r++) {
            size_t n = ns[r], n16 = (n + 15) & ~(size_t)15;
            float *p = prow[r], *ds = dsrow[r];
            __m512 rr = _mm512_set1_ps(rrs[r]), sc = _mm512_set1_ps(scale);
            size_t last = n16 - 16;
            for (size_t j = 0; j < last; j += 16)
                _mm512_storeu_ps(ds + j, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(p + j),
                    _mm512_sub_ps(_mm512_loadu_ps(ds + j), rr)), sc));
            // The last block: zeros from n on (none when n is a multiple of 16).
            __mmask16 keep = (__mmask16)((1u << (n - last)) - 1);
            __m512 pl = _mm512_maskz_loadu_ps(keep, p + last);
            _mm512_storeu_ps(p + last, pl);
            _mm512_storeu_ps(ds + last, _mm512_maskz_mul_ps(keep, _mm512_mul_ps(pl,
                _mm512_sub_ps(_mm512_loadu_ps(ds + last), rr)), sc));
            one[r] = 1.0f;
        }
        for (size_t r0 = 0; r0 < R; r0 += WG) {
            float *out[WG]; const float *w[WG]; size_t n[WG];
            int rows = (int)(R - r0 < WG ? R - r0 : WG);
            for (int r = 0; r < WG; r++) {
                size_t rr = r0 + (r < rows ? r : 0);
                out[r] = dq + (i0 + rr) * ld; w[r] = DS + (i0 + rr) * Tp; n[r] = i0 + rr + 1;
            }
            weighted_group(out, w, n, one + r0, kc, hd, rows, accumulate);
        }
    }
    // Blocks of 128/hd columns, then one of 64/hd (the block `weighted_columns` uses), then
    // single columns as the portable code has them, so that every column sums as there.
    size_t j = 0;
    if (hd == 16) {
        for (; j + 8 <= T; j += 8) columns_pair(dv, dk, ld, accumulate, P, DS, Tp, gc, qc, j, T, 16, 8);
        for (; j + 4 <= T; j += 4) columns_pair(dv, dk, ld, accumulate, P, DS, Tp, gc, qc, j, T, 16, 4);
    } else {
        for (; j + 4 <= T; j += 4) columns_pair(dv, dk, ld, accumulate, P, DS, Tp, gc, qc, j, T, 32, 4);
        for (; j + 2 <= T; j += 2) columns_pair(dv, dk, ld, accumulate, P, DS, Tp, gc, qc, j, T, 32, 2);
    }
    for (; j < T; j++) {
        size_t n = T - j;
        const float *pc = P + j * Tp + j, *sc = DS + j * Tp + j;
        weighted_sum(dv + j * ld, accumulate, 1.0f, pc, Tp, gc + j * hd, hd, n, hd);
        weighted_sum(dk + j * ld, accumulate, 1.0f, sc, Tp, qc + j * hd, hd, n, hd);
    }
}
TGFL_TARGET_AVX512 static void attention_backward_blocked(float *dq, float *dk, float *dv, const float *dy,
                                         size_t ldy, const float *q, const float *k,
                                         const float *v, size_t ld, const float *lse, size_t T,
                                         size_t hd, float scale, float *scratch, int accumulate) {
    if (hd == 16) bwd_blocked_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 16, scale, scratch, accumulate);
    else bwd_blocked_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 32, scale, scratch, accumulate);
}

// MARK: - Blocked AVX2 copies (hd = 16 and 32)
//
// CPUs with AVX2 and FMA but no AVX-512 (AMD Zen 2/3, older Intel) have 16 ymm registers: too
// few for the AVX-512 copies' groups of weighted sums (a row's sum keeps 4 chains × hd/8
// vectors). These copies block what fits: the scores of 8 query rows against 16-position key
// tiles (4 rows × 2 vectors = 8 independent chains at a time, `score_block_avx2`), and the exps,
// the probabilities and dS over whole 16-position blocks instead of scalar tails. The weighted
// sums and the backward column pass are the row-by-row code's own functions. Every sum keeps
// the row-by-row order, so these copies give the same bits as the others
// (`Benchmarks/attention_same_bits.c`).

enum { RB2 = 8 };

/// S[r·ldS + j] = Σ_d xb[r·hd + d]·kt[d·Tp + j] for r < RB2 and j < 16·tiles, each sum over d in
/// order from zero (as `score_tiles`, so the same bits).
TGFL_TARGET_AVX2 TGFL_INLINE void score_block_avx2(float *S, size_t ldS, const float *xb,
                                                   const float *kt, size_t Tp, size_t tiles,
                                                   size_t hd) {
    for (size_t r0 = 0; r0 < RB2; r0 += 4)
        for (size_t jt = 0; jt < tiles; jt++) {
            __m256 acc[4][2];
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < 4; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
            const float *kc = kt + 16 * jt, *x = xb + r0 * hd;
            for (size_t d = 0; d < hd; d++) {
                __m256 k0 = _mm256_loadu_ps(kc + d * Tp), k1 = _mm256_loadu_ps(kc + d * Tp + 8);
                _Pragma("clang loop unroll(full)")
                for (int r = 0; r < 4; r++) {
                    __m256 xd = _mm256_broadcast_ss(x + r * hd + d);
                    acc[r][0] = _mm256_fmadd_ps(xd, k0, acc[r][0]);
                    acc[r][1] = _mm256_fmadd_ps(xd, k1, acc[r][1]);
                }
            }
            _Pragma("clang loop unroll(full)")
            for (int r = 0; r < 4; r++) {
                _mm256_storeu_ps(S + (r0 + r) * ldS + 16 * jt, acc[r][0]);
                _mm256_storeu_ps(S + (r0 + r) * ldS + 16 * jt + 8, acc[r][1]);
            }
        }
}

/// The 8 × 8 block r[0 ..< 8] transposed in registers: afterwards r[k] holds what was column k.
TGFL_TARGET_AVX2 TGFL_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < 2; i++) {
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    _Pragma("clang loop unroll(full)")
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
        r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
}

/// Lanes l < m set (all bits), the others clear: the tail mask of m (0 ... 8) terms.
TGFL_TARGET_AVX2 TGFL_INLINE __m256i lanes_below(size_t m) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The per-row reductions of a block of RB2 = 8 rows, as the AVX-512 copies' `max_rows16` and
// `sum_rows16` with 8 × 8 transposes: each row's vector part on its own chain, then the
// horizontal steps and the tails across the rows, one row per lane, in the order of
// `tgfl_max`, `tgfl_sum` and `tgfl_dot` (same bits).

/// Lane r: max_{j < n[r]} x[r][j] (n[r] > 0; exact, so the grouping does not matter).
TGFL_TARGET_AVX2 TGFL_INLINE __m256 max_rows8(float *const x[8], const size_t n[8]) {
    __m256 m[8], low = _mm256_set1_ps(-INFINITY);
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < 8; r++) {
        __m256 a = low;
        size_t j = 0;
        for (; j + 8 <= n[r]; j += 8) a = _mm256_max_ps(_mm256_loadu_ps(x[r] + j), a);
        if (j < n[r]) {
            __m256 v = _mm256_blendv_ps(low, _mm256_loadu_ps(x[r] + j), _mm256_castsi256_ps(lanes_below(n[r] - j)));
            a = _mm256_max_ps(v, a);
        }
        m[r] = a;
    }
    transpose8(m);
    _Pragma("clang loop unroll(full)")
    for (int w = 4; w > 0; w /= 2)
        _Pragma("clang loop unroll(full)")
        for (int l = 0; l < w; l++) m[l] = _mm256_max_ps(m[l], m[l + w]);
    return m[0];
}

/// Lane r: `tgfl_sum(x[r], n[r])`, or with y (not NULL) `tgfl_dot(x[r], y[r], n[r])`, as
/// `sum_rows16`. Tail terms past n[r] are selected away, not added as zeros.
TGFL_TARGET_AVX2 TGFL_INLINE __m256 sum_rows8(float *const x[8], float *const y[8], const size_t n[8]) {
    __m256 acc[8], tx[8], ty[8];
    int32_t rems[8];
    _Pragma("clang loop unroll(full)")
    for (int r = 0; r < 8; r++) {
        __m256 a = _mm256_setzero_ps();
        size_t i = 0;
        if (y)
            for (; i + 8 <= n[r]; i += 8)
                a = _mm256_fmadd_ps(_mm256_loadu_ps(x[r] + i), _mm256_loadu_ps(y[r] + i), a);
        else
            for (; i + 8 <= n[r]; i += 8) a = _mm256_add_ps(a, _mm256_loadu_ps(x[r] + i));
        acc[r] = a;
        rems[r] = (int32_t)(n[r] - i);
        __m256i k = lanes_below(n[r] - i);
        tx[r] = _mm256_maskload_ps(x[r] + i, k);
        if (y) ty[r] = _mm256_maskload_ps(y[r] + i, k);
    }
    transpose8(acc);
    transpose8(tx);
    if (y) transpose8(ty);
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])),
                             _mm256_add_ps(_mm256_add_ps(acc[4], acc[5]), _mm256_add_ps(acc[6], acc[7])));
    __m256i rem = _mm256_loadu_si256((const __m256i *)rems);
    _Pragma("clang loop unroll(full)")
    for (int t = 0; t < 7; t++) {
        __m256 live = _mm256_castsi256_ps(_mm256_cmpgt_epi32(rem, _mm256_set1_epi32(t)));
        __m256 next = y ? _mm256_fmadd_ps(tx[t], ty[t], s) : _mm256_add_ps(s, tx[t]);
        s = _mm256_blendv_ps(s, next, live);
    }
    return s;
}

/// dst[j·hd + d] = src[j·ld + d]·scale for j < T and zero for T ≤ j < rows; with scale = 1 the
/// rows are copied as they are (the product is skipped, not taken with 1).
TGFL_INLINE void compact_scaled(float *dst, const float *src, size_t ld, size_t T, size_t rows,
                                size_t hd, float scale) {
    for (size_t j = 0; j < T; j++)
        for (size_t d = 0; d < hd; d++) dst[j * hd + d] = scale == 1.0f ? src[j * ld + d] : src[j * ld + d] * scale;
    memset(dst + T * hd, 0, (rows - T) * hd * sizeof(float));
}

TGFL_TARGET_AVX2 TGFL_INLINE void fwd_blocked_avx2_impl(float *y, size_t ldy, float *lse, const float *q,
                                                        const float *k, const float *v, size_t ld,
                                                        size_t T, size_t hd, float scale, float *scratch) {
    size_t Tp = padded16(T);
    float *kt = scratch;          // [hd][Tp]
    float *S = kt + hd * Tp;      // [RB2][Tp]
    float *vc = S + RB2 * Tp;     // [T][hd]
    float *qs = vc + T * hd;      // [Tp][hd], q·scale, zero rows past T
    transpose_into(kt, k, ld, T, Tp, hd);
    compact_rows(vc, v, ld, T, hd);
    compact_scaled(qs, q, ld, T, Tp, hd, scale);
    for (size_t i0 = 0; i0 < T; i0 += RB2) {
        size_t R = T - i0 < RB2 ? T - i0 : RB2;
        score_block_avx2(S, Tp, qs + i0 * hd, kt, Tp, (i0 + R + 15) / 16, hd);
        // e^(s − max) over whole 16-position blocks (the positions past n are computed and
        // ignored), lse = max + log Σ_{j<n}: the same sums as the row-by-row forward pass.
        float *rows[RB2], ms[RB2], sums[RB2];
        size_t ns[RB2];
        block_rows(rows, ns, RB2, S, Tp, i0, R);
        _mm256_storeu_ps(ms, max_rows8(rows, ns));
        for (size_t r = 0; r < R; r++) {
            size_t n16 = (ns[r] + 15) & ~(size_t)15;
            float *row = rows[r], m = ms[r];
            for (size_t j = 0; j < n16; j += 16)
                for (int l = 0; l < 16; l++) row[j + l] = tgfl_expf(row[j + l] - m);
        }
        _mm256_storeu_ps(sums, sum_rows8(rows, NULL, ns));
        for (size_t r = 0; r < R; r++) {
            size_t i = i0 + r;
            lse[i] = ms[r] + logf(sums[r]);
            weighted_sum(y + i * ldy, 0, 1.0f / sums[r], rows[r], 1, vc, hd, ns[r], hd);
        }
    }
}
TGFL_TARGET_AVX2 static void attention_forward_blocked_avx2(float *y, size_t ldy, float *lse,
                                                            const float *q, const float *k,
                                                            const float *v, size_t ld, size_t T,
                                                            size_t hd, float scale, float *scratch) {
    if (hd == 16) fwd_blocked_avx2_impl(y, ldy, lse, q, k, v, ld, T, 16, scale, scratch);
    else fwd_blocked_avx2_impl(y, ldy, lse, q, k, v, ld, T, 32, scale, scratch);
}

TGFL_TARGET_AVX2 TGFL_INLINE void bwd_blocked_avx2_impl(float *dq, float *dk, float *dv, const float *dy,
                                                        size_t ldy, const float *q, const float *k,
                                                        const float *v, size_t ld, const float *lse,
                                                        size_t T, size_t hd, float scale,
                                                        float *scratch, int accumulate) {
    size_t Tp = padded16(T);
    BlockedBackward w = blocked_backward_layout(scratch, T, Tp, hd);
    float *kt = w.kt, *vt = w.vt, *P = w.P, *DS = w.DS, *kc = w.kc, *qc = w.qc, *gc = w.gc, *qs = w.qs;
    transpose_into(kt, k, ld, T, Tp, hd);
    transpose_into(vt, v, ld, T, Tp, hd);
    compact_rows(kc, k, ld, T, hd);
    compact_rows(qc, q, ld, T, hd);
    compact_scaled(gc, dy, ldy, T, Tp, hd, 1.0f);
    compact_scaled(qs, q, ld, T, Tp, hd, scale);
    for (size_t i0 = 0; i0 < T; i0 += RB2) {
        size_t R = T - i0 < RB2 ? T - i0 : RB2, tiles = (i0 + R + 15) / 16;
        score_block_avx2(P + i0 * Tp, Tp, qs + i0 * hd, kt, Tp, tiles, hd);
        score_block_avx2(DS + i0 * Tp, Tp, gc + i0 * hd, vt, Tp, tiles, hd);
        // p = e^(s − lse) over whole 16-position blocks, ds = p ∘ (dP − p·dP)·scale, both
        // zeroed from n to the block's end (the column pass needs zeros above the diagonal).
        float *prow[RB2], *dsrow[RB2], rrs[RB2];
        size_t ns[RB2];
        block_rows(prow, ns, RB2, P + i0 * Tp, Tp, i0, R);
        block_rows(dsrow, ns, RB2, DS + i0 * Tp, Tp, i0, R);
        for (size_t r = 0; r < R; r++) {
            size_t n16 = (ns[r] + 15) & ~(size_t)15;
            float *p = prow[r], m = lse[i0 + r];
            for (size_t j = 0; j < n16; j += 16)
                for (int l = 0; l < 16; l++) p[j + l] = tgfl_expf(p[j + l] - m);
        }
        _mm256_storeu_ps(rrs, sum_rows8(prow, dsrow, ns));
        for (size_t r = 0; r < R; r++) {
            size_t i = i0 + r, n = ns[r], n16 = (n + 15) & ~(size_t)15;
            float *p = prow[r], *ds = dsrow[r], rr = rrs[r];
            for (size_t j = 0; j < n16; j += 16)
                for (int l = 0; l < 16; l++) ds[j + l] = p[j + l] * (ds[j + l] - rr) * scale;
            for (size_t j = n; j < n16; j++) p[j] = ds[j] = 0;
            weighted_sum(dq + i * ld, accumulate, 1.0f, ds, 1, kc, hd, n, hd);
        }
    }
    column_pass(dv, dk, ld, accumulate, P, DS, Tp, gc, qc, T, hd);  // as the row-by-row code
}
TGFL_TARGET_AVX2 static void attention_backward_blocked_avx2(float *dq, float *dk, float *dv,
                                                             const float *dy, size_t ldy,
                                                             const float *q, const float *k,
                                                             const float *v, size_t ld,
                                                             const float *lse, size_t T, size_t hd,
                                                             float scale, float *scratch,
                                                             int accumulate) {
    if (hd == 16) bwd_blocked_avx2_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 16, scale, scratch, accumulate);
    else bwd_blocked_avx2_impl(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, 32, scale, scratch, accumulate);
}

/// Forward: the blocked copy when the CPU has AVX-512 and hd is 16 or 32, else the row-by-row
/// copies (the same bits).
void tgfl_attention_forward(float *y, size_t ldy, float *lse, const float *q, const float *k,
                            const float *v, size_t ld, size_t T, size_t hd, float scale,
                            float *scratch) {
    if ((hd == 16 || hd == 32) && tgfl_kernels_level() >= 2)
        attention_forward_blocked(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
    else if ((hd == 16 || hd == 32) && tgfl_kernels_level() == 1)
        attention_forward_blocked_avx2(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
    else tgfl_attention_forward_rows(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
}

/// Backward: chosen as `tgfl_attention_forward` is.
void tgfl_attention_backward(float *dq, float *dk, float *dv, const float *dy, size_t ldy,
                             const float *q, const float *k, const float *v, size_t ld,
                             const float *lse, size_t T, size_t hd, float scale, float *scratch,
                             int accumulate) {
    if ((hd == 16 || hd == 32) && tgfl_kernels_level() >= 2)
        attention_backward_blocked(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch,
                                   accumulate);
    else if ((hd == 16 || hd == 32) && tgfl_kernels_level() == 1)
        attention_backward_blocked_avx2(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch,
                                        accumulate);
    else tgfl_attention_backward_rows(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch,
                                 accumulate);
}
#else
void tgfl_attention_forward(float *y, size_t ldy, float *lse, const float *q, const float *k,
                            const float *v, size_t ld, size_t T, size_t hd, float scale,
                            float *scratch) {
    tgfl_attention_forward_rows(y, ldy, lse, q, k, v, ld, T, hd, scale, scratch);
}

void tgfl_attention_backward(float *dq, float *dk, float *dv, const float *dy, size_t ldy,
                             const float *q, const float *k, const float *v, size_t ld,
                             const float *lse, size_t T, size_t hd, float scale, float *scratch,
                             int accumulate) {
    tgfl_attention_backward_rows(dq, dk, dv, dy, ldy, q, k, v, ld, lse, T, hd, scale, scratch,
                            accumulate);
}
#endif

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
