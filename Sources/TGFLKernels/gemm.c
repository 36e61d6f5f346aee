// Matrix products of training on AVX-512 CPUs, without the packing a BLAS does.
//
// At the shapes of this library's models (k = 64–512, a few thousand rows) OpenBLAS spends
// about a third of its sgemm time packing both operands into its blocked layouts (perf,
// small config, Zen 4: kernel 31 %, packing 18 % of a training step). The operands here are
// already in a usable layout: the rows of A are contiguous, so each A element is broadcast
// from memory, and the rows of B are contiguous, so each B row is two vector loads. One
// micro-tile holds 8 rows × 32 columns of C in 16 zmm accumulators for a whole pass over k.
//
// Summation order: every C element is (bias or 0) + Σ_k a·b in increasing k, then + C when
// accumulating; for `tgfl_gemm_tn_accumulate` the rows m are summed in order within chunks
// of 256 rows, each chunk's sum added to C in order (and the optional column sums of A add the
// rows in order, as `tgfl_column_sum_accumulate`). The order depends on the sizes only, so
// a caller that splits C into fixed parts gets the same bits for any thread count.
#include "internal.h"
#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define GEMM_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define GEMM_INLINE static inline __attribute__((always_inline)) GEMM_TARGET

/// C[0 ..< MR, 0 ..< 32] = (bias or 0) + A[0 ..< MR, 0 ..< K] · B[0 ..< K, 0 ..< 32] (+ C).
GEMM_INLINE void nn_tile(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                         size_t ldb, const float *bias, size_t K, int accumulate, int MR,
                         __mmask16 m0, __mmask16 m1) {
    __m512 acc[8][2];
    __m512 z0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
    __m512 z1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
    for (int i = 0; i < MR; i++) { acc[i][0] = z0; acc[i][1] = z1; }
    for (size_t k = 0; k < K; k++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b + k * ldb);
        __m512 b1 = _mm512_maskz_loadu_ps(m1, b + k * ldb + 16);
        for (int i = 0; i < MR; i++) {
            __m512 x = _mm512_set1_ps(a[(size_t)i * lda + k]);
            acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
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

/// The last `rows` (1 ... 7) rows of a row block, with a compile-time row count each.
GEMM_INLINE void nn_tail(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                         size_t ldb, const float *bias, size_t K, int accumulate, size_t rows,
                         __mmask16 m0, __mmask16 m1) {
#define TILE(R) nn_tile(c, ldc, a, lda, b, ldb, bias, K, accumulate, R, m0, m1)
    TGFL_ROW_TAIL(rows, TILE)
#undef TILE
}

GEMM_TARGET void tgfl_gemm_nn_avx512(float *c, size_t ldc, const float *a, size_t lda,
                                       const float *b, size_t ldb, const float *bias, size_t M,
                                       size_t N, size_t K, int accumulate) {
    // Row blocks of 64: their A rows (64 · K floats) stay in L2 while the 32-column panels
    // of B pass over them.
    for (size_t r0 = 0; r0 < M; r0 += 64) {
        size_t r1 = r0 + 64 < M ? r0 + 64 : M;
        for (size_t n0 = 0; n0 < N; n0 += 32) {
            __mmask16 m0, m1;
            tgfl_tile_masks(N - n0 < 32 ? N - n0 : 32, &m0, &m1);
            const float *bn = bias ? bias + n0 : NULL;
            size_t r = r0;
            for (; r + 8 <= r1; r += 8)
                nn_tile(c + r * ldc + n0, ldc, a + r * lda, lda, b + n0, ldb, bn, K, accumulate,
                        8, m0, m1);
            nn_tail(c + r * ldc + n0, ldc, a + r * lda, lda, b + n0, ldb, bn, K, accumulate,
                    r1 - r, m0, m1);
        }
    }
}

/// C[0 ..< NR, 0 ..< 32] += Σ_{m < M} A[m, 0 ..< NR]ᵀ · B[m, 0 ..< 32].
GEMM_INLINE void tn_tile(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                         size_t ldb, size_t M, int NR, __mmask16 m0, __mmask16 m1) {
    __m512 acc[8][2];
    for (int i = 0; i < NR; i++) { acc[i][0] = _mm512_setzero_ps(); acc[i][1] = _mm512_setzero_ps(); }
    for (size_t m = 0; m < M; m++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b + m * ldb);
        __m512 b1 = _mm512_maskz_loadu_ps(m1, b + m * ldb + 16);
        for (int i = 0; i < NR; i++) {
            __m512 x = _mm512_set1_ps(a[m * lda + (size_t)i]);
            acc[i][0] = _mm512_fmadd_ps(x, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(x, b1, acc[i][1]);
        }
    }
    for (int i = 0; i < NR; i++) {
        float *d = c + (size_t)i * ldc;
        _mm512_mask_storeu_ps(d, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, d), acc[i][0]));
        _mm512_mask_storeu_ps(d + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, d + 16), acc[i][1]));
    }
}

GEMM_INLINE void tn_tail(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                         size_t ldb, size_t M, size_t rows, __mmask16 m0, __mmask16 m1) {
#define TILE(R) tn_tile(c, ldc, a, lda, b, ldb, M, R, m0, m1)
    TGFL_ROW_TAIL(rows, TILE)
#undef TILE
}

/// sum[n] += Σ_{m < M} A[m, n] for n < N, the rows added in order (as
/// `tgfl_column_sum_accumulate`), 64 columns at a time in registers.
GEMM_INLINE void column_sums(float *sum, const float *a, size_t lda, size_t M, size_t N) {
    for (size_t n0 = 0; n0 < N; n0 += 64) {
        __mmask16 k[4];
        for (int v = 0; v < 4; v++) {
            size_t lo = n0 + 16 * (size_t)v, w = lo >= N ? 0 : N - lo < 16 ? N - lo : 16;
            k[v] = (__mmask16)((1u << w) - 1);
        }
        __m512 acc[4];
        for (int v = 0; v < 4; v++) acc[v] = _mm512_maskz_loadu_ps(k[v], sum + n0 + 16 * v);
        for (size_t m = 0; m < M; m++)
            for (int v = 0; v < 4; v++)
                acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(k[v], a + m * lda + n0 + 16 * v));
        for (int v = 0; v < 4; v++) _mm512_mask_storeu_ps(sum + n0 + 16 * v, k[v], acc[v]);
    }
}

GEMM_TARGET static void gemm_tn_avx512(float *c, size_t ldc, const float *a, size_t lda,
                                       const float *b, size_t ldb, size_t M, size_t N,
                                       size_t K, float *a_sums) {
    // Chunks of 256 rows of A and B (256 · (N + K) floats) stay in L2 while every tile of C
    // passes over them, and then while the chunk's column sums of A are added.
    for (size_t m0 = 0; m0 < M; m0 += 256) {
        size_t mc = m0 + 256 < M ? 256 : M - m0;
        const float *ac = a + m0 * lda, *bc = b + m0 * ldb;
        for (size_t k0 = 0; k0 < K; k0 += 32) {
            __mmask16 k_m0, k_m1;
            tgfl_tile_masks(K - k0 < 32 ? K - k0 : 32, &k_m0, &k_m1);
            size_t n = 0;
            for (; n + 8 <= N; n += 8)
                tn_tile(c + n * ldc + k0, ldc, ac + n, lda, bc + k0, ldb, mc, 8, k_m0, k_m1);
            tn_tail(c + n * ldc + k0, ldc, ac + n, lda, bc + k0, ldb, mc, N - n, k_m0, k_m1);
        }
        if (a_sums) column_sums(a_sums, ac, lda, mc, N);
    }
}

int tgfl_gemm_available(void) {
    // -1: not yet known. The check is idempotent, so a race only repeats it.
    static int cached = -1;
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        const char *choice = getenv("TGFL_GEMM");
        value = tgfl_kernels_level() >= 2 && !(choice && strcmp(choice, "blas") == 0);
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return value;
}

int tgfl_gemm_nn(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                 const float *bias, size_t M, size_t N, size_t K, int accumulate) {
    if (!tgfl_gemm_available()) return 0;
    tgfl_gemm_nn_avx512(c, ldc, a, lda, b, ldb, bias, M, N, K, accumulate);
    return 1;
}

int tgfl_gemm_tn_accumulate(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                            size_t ldb, size_t M, size_t N, size_t K, float *a_sums) {
    if (!tgfl_gemm_available()) return 0;
    gemm_tn_avx512(c, ldc, a, lda, b, ldb, M, N, K, a_sums);
    return 1;
}

#else

void tgfl_gemm_nn_avx512(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                         size_t ldb, const float *bias, size_t M, size_t N, size_t K,
                         int accumulate) {
    (void)c; (void)ldc; (void)a; (void)lda; (void)b; (void)ldb; (void)bias; (void)M; (void)N;
    (void)K; (void)accumulate;
}

int tgfl_gemm_available(void) { return 0; }

int tgfl_gemm_nn(float *c, size_t ldc, const float *a, size_t lda, const float *b, size_t ldb,
                 const float *bias, size_t M, size_t N, size_t K, int accumulate) {
    (void)c; (void)ldc; (void)a; (void)lda; (void)b; (void)ldb; (void)bias; (void)M; (void)N;
    (void)K; (void)accumulate;
    return 0;
}

int tgfl_gemm_tn_accumulate(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                            size_t ldb, size_t M, size_t N, size_t K, float *a_sums) {
    (void)c; (void)ldc; (void)a; (void)lda; (void)b; (void)ldb; (void)M; (void)N; (void)K;
    (void)a_sums;
    return 0;
}

#endif

/// Blocked transpose: dst[c, r] = src[r, c] (8 × 8 blocks; the edges element by element).
void tgfl_transpose(float *dst, const float *src, size_t rows, size_t cols) {
    for (size_t r0 = 0; r0 < rows; r0 += 8)
        for (size_t c0 = 0; c0 < cols; c0 += 8) {
            size_t r1 = r0 + 8 < rows ? r0 + 8 : rows, c1 = c0 + 8 < cols ? c0 + 8 : cols;
            for (size_t r = r0; r < r1; r++)
                for (size_t c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
        }
}
