// Shared helpers of the kernels: the run-time AVX2 dispatch and branch-free math that the
// compiler can vectorize. Included by the kernel files only.
#pragma once
#include "tgfl_kernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TGFL_INLINE static inline __attribute__((always_inline))

// TGFL_MULTIVERSION(name, (params), (args)) defines `void name(params)` from an inline
// `name##_body(params)`: copies compiled for AVX-512 (F/VL/BW/DQ, the Skylake-server set),
// for AVX2+FMA and for the baseline, the best one the CPU has chosen at run time
// (`tgfl_kernels_level`).
#if defined(__x86_64__) || defined(__i386__)
#define TGFL_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define TGFL_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define TGFL_MULTIVERSION(name, params, args)                                   \
    TGFL_TARGET_AVX512 static void name##_avx512 params { name##_body args; }   \
    TGFL_TARGET_AVX2 static void name##_avx2 params { name##_body args; }       \
    static void name##_base params { name##_body args; }                        \
    void name params {                                                          \
        int level = tgfl_kernels_level();                                       \
        if (level >= 2) name##_avx512 args;                                     \
        else if (level == 1) name##_avx2 args;                                  \
        else name##_base args;                                                  \
    }
#else
#define TGFL_MULTIVERSION(name, params, args) \
    void name params { name##_body args; }
#endif

/// Lane masks of a 32-column tile of two 16-lane vectors with `n` (1 ... 32) columns in use.
TGFL_INLINE void tgfl_tile_masks(size_t n, uint16_t *m0, uint16_t *m1) {
    *m0 = n >= 16 ? (uint16_t)0xFFFF : (uint16_t)((1u << n) - 1);
    *m1 = n >= 32 ? (uint16_t)0xFFFF : n <= 16 ? (uint16_t)0 : (uint16_t)((1u << (n - 16)) - 1);
}

/// `TILE(r)` for the last `rows` (1 ... 7) rows of a block, each with a compile-time row
/// count, so that the tile's accumulators stay in registers.
#define TGFL_ROW_TAIL(rows, TILE)          \
    switch (rows) {                         \
    case 7: TILE(7); break;                 \
    case 6: TILE(6); break;                 \
    case 5: TILE(5); break;                 \
    case 4: TILE(4); break;                 \
    case 3: TILE(3); break;                 \
    case 2: TILE(2); break;                 \
    case 1: TILE(1); break;                 \
    default: break;                         \
    }

/// `tgfl_gemm_nn` without the availability check: only when `tgfl_kernels_level() >= 2`.
void tgfl_gemm_nn_avx512(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                         size_t ldb, const float *bias, size_t M, size_t N, size_t K,
                         int accumulate);

/// The row-by-row attention copies (any CPU, any hd): what `tgfl_attention_forward/backward`
/// run when the blocked AVX-512 copies do not apply. The same bits as those.
void tgfl_attention_forward_rows(float *y, size_t ldy, float *lse, const float *q, const float *k,
                                 const float *v, size_t ld, size_t T, size_t hd, float scale,
                                 float *scratch);
void tgfl_attention_backward_rows(float *dq, float *dk, float *dv, const float *dy, size_t ldy,
                                  const float *q, const float *k, const float *v, size_t ld,
                                  const float *lse, size_t T, size_t hd, float scale,
                                  float *scratch, int accumulate);

/// 0: baseline, 1: AVX2+FMA, 2: AVX-512 (see `tgfl_kernels_isa`).
int tgfl_kernels_level(void);

/// `tgfl_softmax_weights` with its result in an out-parameter (so TGFL_MULTIVERSION, which
/// defines void functions, can build it).
void tgfl_softmax_weights_into(float *result, float *out, const float *x, size_t count,
                               float shift, float beta);

/// e^x in Float32, branch-free (Cody–Waite reduction, Cephes `expf` minimax polynomial):
/// n = round(x·log2 e), r = x − n·ln 2, e^x = 2^n·(1 + r + r²·P(r)). Relative error below
/// 2·10⁻⁷ on [−80, 88]; inputs above 88 clamp, results below e^−80 flush to 0 (no
/// denormals), and exp(−∞) = 0.
TGFL_INLINE float tgfl_expf(float x) {
    const float magic = 12582912.0f;                 // 1.5·2^23: adding it rounds to integer
    int tiny = x < -80.0f;
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    float t = x * 1.44269504f + magic;
    float n = t - magic;
    int32_t ti, mi;
    memcpy(&ti, &t, 4);
    memcpy(&mi, &magic, 4);
    int32_t ni = ti - mi;
    float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
    float z = r * r;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * z + r + 1.0f;
    int32_t bits = (ni + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    float value = y * scale;
    return tiny ? 0.0f : value;
}

/// Φ(x), the standard normal CDF, with small relative error in both tails, branch-free:
/// z = |x|/√2, t = 1/(1 + z/2), erfc(z) = t·exp(−z² + P(t)) (Numerical Recipes §6.2
/// `erfcc`, fractional error < 1.2·10⁻⁷), Φ = ½·erfc(z) for x < 0 and 1 − ½·erfc(z) else.
TGFL_INLINE float tgfl_normal_cdf(float x) {
    float z = (x < 0 ? -x : x) * 0.70710678118654752f;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float half_erfc = 0.5f * t * tgfl_expf(p - z * z);
    return x < 0 ? half_erfc : 1.0f - half_erfc;
}

/// Σ x[i] with eight fixed lanes combined in a fixed order.
TGFL_INLINE float tgfl_sum(const float *x, size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += x[i + l];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) s += x[i];
    return s;
}

/// Σ x[i]·y[i] with eight fixed lanes combined in a fixed order.
TGFL_INLINE float tgfl_dot(const float *x, const float *y, size_t n) {
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += x[i + l] * y[i + l];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}

/// Largest of x[0 ..< n], n > 0 (exact, so the lane order does not matter).
TGFL_INLINE float tgfl_max(const float *x, size_t n) {
    float m = x[0];
    size_t i = 0;
    if (n >= 8) {
        float acc[8];
        for (int l = 0; l < 8; l++) acc[l] = x[l];
        for (i = 8; i + 8 <= n; i += 8)
            for (int l = 0; l < 8; l++) acc[l] = x[i + l] > acc[l] ? x[i + l] : acc[l];
        for (int l = 0; l < 8; l++) m = acc[l] > m ? acc[l] : m;
    }
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}
