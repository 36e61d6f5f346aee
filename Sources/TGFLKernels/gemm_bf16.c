// The optional bf16 mode of training's products: operands rounded to bfloat16 (round to
// nearest even, as PyTorch's autocast rounds them), products summed in Float32.
//
// On CPUs with AVX512_BF16, `vdpbf16ps` multiplies 32 bf16 pairs and adds each pair's sum
// into 16 Float32 lanes, twice the multiply-adds of an fp32 FMA per instruction. Its operands
// are pairs along the summed dimension: A rows hold them as they are (k, k+1 adjacent), B is
// packed as [K/2][N] 32-bit pairs (`tgfl_bf16_pack_pairs`). Tiles are those of gemm.c: 8 rows
// × 32 columns in 16 zmm accumulators. Elsewhere the caller rounds the operands with
// `tgfl_round_bf16` and runs the fp32 products: the same bf16 numbers, summed in a different
// (fixed) order.
#include "internal.h"
#include <stdlib.h>

/// Float32 → bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. Branch-free, so
/// the packing loops vectorize.
TGFL_INLINE uint32_t bf16_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    uint32_t quiet = (u >> 16) | 0x40u;
    return (u & 0x7FFFFFFFu) > 0x7F800000u ? quiet : rounded;
}

TGFL_INLINE void tgfl_round_bf16_body(float *dst, const float *src, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t u = bf16_bits(src[i]) << 16;
        memcpy(dst + i, &u, 4);
    }
}
TGFL_MULTIVERSION(tgfl_round_bf16, (float *dst, const float *src, size_t count),
                  (dst, src, count))

TGFL_INLINE void tgfl_bf16_pack_rows_body(uint16_t *dst, const float *src, size_t ld,
                                          size_t rows, size_t cols) {
    size_t colsp = (cols + 1) & ~(size_t)1;
    for (size_t r = 0; r < rows; r++) {
        const float *s = src + r * ld;
        uint16_t *d = dst + r * colsp;
        for (size_t c = 0; c < cols; c++) d[c] = (uint16_t)bf16_bits(s[c]);
        if (colsp != cols) d[cols] = 0;
    }
}
TGFL_MULTIVERSION(tgfl_bf16_pack_rows,
                  (uint16_t *dst, const float *src, size_t ld, size_t rows, size_t cols),
                  (dst, src, ld, rows, cols))

TGFL_INLINE void tgfl_bf16_pack_pairs_body(uint32_t *dst, const float *src, size_t ld,
                                           size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r += 2) {
        const float *s0 = src + r * ld, *s1 = r + 1 < rows ? s0 + ld : NULL;
        uint32_t *d = dst + (r / 2) * cols;
        if (s1)
            for (size_t c = 0; c < cols; c++)
                d[c] = bf16_bits(s0[c]) | bf16_bits(s1[c]) << 16;
        else
            for (size_t c = 0; c < cols; c++) d[c] = bf16_bits(s0[c]);
    }
}
TGFL_MULTIVERSION(tgfl_bf16_pack_pairs,
                  (uint32_t *dst, const float *src, size_t ld, size_t rows, size_t cols),
                  (dst, src, ld, rows, cols))

#if defined(__x86_64__)
#include <immintrin.h>

#define BF16_TARGET \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16,avx2,fma")))
#define BF16_INLINE static inline __attribute__((always_inline)) BF16_TARGET

BF16_INLINE __m512bh bf_pair(const void *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return (__m512bh)_mm512_set1_epi32((int)v);
}

BF16_INLINE __m512bh bf_load(__mmask16 m, const uint32_t *p) {
    return (__m512bh)_mm512_maskz_loadu_epi32(m, p);
}

/// C[0 ..< MR, 0 ..< 32] = (bias or 0) + Σ_p A[i, 2p ..< 2p+2]·B[p, j] (+ C).
BF16_INLINE void nnb_tile(float *c, size_t ldc, const uint16_t *a, size_t lda, const uint32_t *b,
                          size_t ldb, const float *bias, size_t pairs, int accumulate, int MR,
                          __mmask16 m0, __mmask16 m1) {
    __m512 acc[8][2];
    __m512 z0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 z1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int i = 0; i < MR; i++) { acc[i][0] = z0; acc[i][1] = z1; }
    for (size_t p = 0; p < pairs; p++) {
        __m512bh b0 = bf_load(m0, b + p * ldb), b1 = bf_load(m1, b + p * ldb + 16);
        for (int i = 0; i < MR; i++) {
            __m512bh x = bf_pair(a + (size_t)i * lda + 2 * p);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], x, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], x, b1);
        }
    }
    for (int i = 0; i < MR; i++) {
        float *d = c + (size_t)i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, d), acc[i][0]);
            acc[i][1] = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, d + 16), acc[i][1]);
        }
        _mm512_mask_storeu_ps(d, m0, acc[i][0]);
        _mm512_mask_storeu_ps(d + 16, m1, acc[i][1]);
    }
}

BF16_INLINE void nnb_tail(float *c, size_t ldc, const uint16_t *a, size_t lda, const uint32_t *b,
                          size_t ldb, const float *bias, size_t pairs, int accumulate,
                          size_t rows, __mmask16 m0, __mmask16 m1) {
#define TILE(R) nnb_tile(c, ldc, a, lda, b, ldb, bias, pairs, accumulate, R, m0, m1)
    TGFL_ROW_TAIL(rows, TILE)
#undef TILE
}

BF16_TARGET static void gemm_bf16_nn(float *c, size_t ldc, const uint16_t *a, size_t lda,
                                     const uint32_t *b, const float *bias, size_t M, size_t N,
                                     size_t K, int accumulate) {
    size_t pairs = (K + 1) / 2;
    for (size_t r0 = 0; r0 < M; r0 += 64) {
        size_t r1 = r0 + 64 < M ? r0 + 64 : M;
        for (size_t n0 = 0; n0 < N; n0 += 32) {
            __mmask16 m0, m1;
            tgfl_tile_masks(N - n0 < 32 ? N - n0 : 32, &m0, &m1);
            const float *bn = bias ? bias + n0 : NULL;
            size_t r = r0;
            for (; r + 8 <= r1; r += 8)
                nnb_tile(c + r * ldc + n0, ldc, a + r * lda, lda, b + n0, N, bn, pairs,
                         accumulate, 8, m0, m1);
            nnb_tail(c + r * ldc + n0, ldc, a + r * lda, lda, b + n0, N, bn, pairs, accumulate,
                     r1 - r, m0, m1);
        }
    }
}

/// C[0 ..< NR, 0 ..< 32] += Σ_p A[p, i]·B[p, j] over `pairs` pair rows.
BF16_INLINE void tnb_tile(float *c, size_t ldc, const uint32_t *a, size_t lda, const uint32_t *b,
                          size_t ldb, size_t pairs, int NR, __mmask16 m0, __mmask16 m1) {
    __m512 acc[8][2];
    for (int i = 0; i < NR; i++) { acc[i][0] = _mm512_setzero_ps(); acc[i][1] = _mm512_setzero_ps(); }
    for (size_t p = 0; p < pairs; p++) {
        __m512bh b0 = bf_load(m0, b + p * ldb), b1 = bf_load(m1, b + p * ldb + 16);
        for (int i = 0; i < NR; i++) {
            __m512bh x = bf_pair(a + p * lda + (size_t)i);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], x, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], x, b1);
        }
    }
    for (int i = 0; i < NR; i++) {
        float *d = c + (size_t)i * ldc;
        _mm512_mask_storeu_ps(d, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, d), acc[i][0]));
        _mm512_mask_storeu_ps(d + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, d + 16), acc[i][1]));
    }
}

BF16_INLINE void tnb_tail(float *c, size_t ldc, const uint32_t *a, size_t lda, const uint32_t *b,
                          size_t ldb, size_t pairs, size_t rows, __mmask16 m0, __mmask16 m1) {
#define TILE(R) tnb_tile(c, ldc, a, lda, b, ldb, pairs, R, m0, m1)
    TGFL_ROW_TAIL(rows, TILE)
#undef TILE
}

BF16_TARGET static void gemm_bf16_tn(float *c, size_t ldc, const uint32_t *a, size_t lda,
                                     const uint32_t *b, size_t ldb, size_t pairs, size_t N,
                                     size_t K) {
    // Chunks of 128 pair rows (256 rows of the unpacked operands), as in gemm.c.
    for (size_t p0 = 0; p0 < pairs; p0 += 128) {
        size_t pc = p0 + 128 < pairs ? 128 : pairs - p0;
        const uint32_t *ac = a + p0 * lda, *bc = b + p0 * ldb;
        for (size_t k0 = 0; k0 < K; k0 += 32) {
            __mmask16 m0, m1;
            tgfl_tile_masks(K - k0 < 32 ? K - k0 : 32, &m0, &m1);
            size_t n = 0;
            for (; n + 8 <= N; n += 8)
                tnb_tile(c + n * ldc + k0, ldc, ac + n, lda, bc + k0, ldb, pc, 8, m0, m1);
            tnb_tail(c + n * ldc + k0, ldc, ac + n, lda, bc + k0, ldb, pc, N - n, m0, m1);
        }
    }
}

int tgfl_bf16_available(void) {
    // -1: not yet known. The check is idempotent, so a race only repeats it.
    static int cached = -1;
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        __builtin_cpu_init();
        value = tgfl_kernels_level() >= 2 && __builtin_cpu_supports("avx512bf16");
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return value;
}

int tgfl_gemm_bf16_nn(float *c, size_t ldc, const uint16_t *a, size_t lda, const uint32_t *b,
                      const float *bias, size_t M, size_t N, size_t K, int accumulate) {
    if (!tgfl_bf16_available()) return 0;
    gemm_bf16_nn(c, ldc, a, lda, b, bias, M, N, K, accumulate);
    return 1;
}

int tgfl_gemm_bf16_tn_accumulate(float *c, size_t ldc, const uint32_t *a, size_t lda,
                                 const uint32_t *b, size_t ldb, size_t M, size_t N, size_t K) {
    if (!tgfl_bf16_available()) return 0;
    gemm_bf16_tn(c, ldc, a, lda, b, ldb, (M + 1) / 2, N, K);
    return 1;
}

#else

int tgfl_bf16_available(void) { return 0; }

int tgfl_gemm_bf16_nn(float *c, size_t ldc, const uint16_t *a, size_t lda, const uint32_t *b,
                      const float *bias, size_t M, size_t N, size_t K, int accumulate) {
    (void)c; (void)ldc; (void)a; (void)lda; (void)b; (void)bias; (void)M; (void)N; (void)K;
    (void)accumulate;
    return 0;
}

int tgfl_gemm_bf16_tn_accumulate(float *c, size_t ldc, const uint32_t *a, size_t lda,
                                 const uint32_t *b, size_t ldb, size_t M, size_t N, size_t K) {
    (void)c; (void)ldc; (void)a; (void)lda; (void)b; (void)ldb; (void)M; (void)N; (void)K;
    return 0;
}

#endif
