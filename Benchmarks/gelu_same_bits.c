// The GELU forward kernel against its formula evaluated one element at a time: the same bits
// for every Float32 input (value and derivative), and the kernel's CPU time per element. The
// element-at-a-time code is the formula of `gelu_chunk` (Sources/TGFLKernels/elementwise.c)
// compiled for the same instruction set, so the compiler fuses the same multiply-adds; the kernel
// adds only vectorisation and chunking, which must not change a bit (BENCHMARKS.md, issue 18,
// session 13). Run from the repository root (about 30 s for all 2^32 inputs):
//
//   clang -O2 -I Sources/TGFLKernels/include -o /tmp/gelu Benchmarks/gelu_same_bits.c -lm && /tmp/gelu
//
// An optional argument k tests every k-th block of 2^24 inputs only.
#include "../Sources/TGFLKernels/elementwise.c"
#include "../Sources/TGFLKernels/cpu.c"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#define FORMULA_TARGET TGFL_TARGET_AVX512
#else
#define FORMULA_TARGET
#endif

/// gelu(x) = x·Φ(x) and gelu'(x) = Φ(x) + x·φ(x), one element at a time, never vectorised.
FORMULA_TARGET __attribute__((noinline)) static void formula(float *y, float *d, const float *x, size_t n) {
    const float inv_sqrt_2pi = 0.39894228040143268f;
#pragma clang loop vectorize(disable)
    for (size_t i = 0; i < n; i++) {
        float cdf = tgfl_normal_cdf(x[i]);
        y[i] = x[i] * cdf;
        d[i] = cdf + x[i] * inv_sqrt_2pi * tgfl_expf(-0.5f * x[i] * x[i]);
    }
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    if (tgfl_kernels_level() < 2) { fprintf(stderr, "needs an AVX-512 CPU (the formula is compiled for it)\n"); return 2; }
    unsigned long every = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
    size_t N = (size_t)1 << 24;
    float *x = malloc(4 * N), *y0 = malloc(4 * N), *d0 = malloc(4 * N), *y1 = malloc(4 * N), *d1 = malloc(4 * N);
    unsigned long differences = 0, tested = 0;
    for (unsigned long block = 0; block < 256; block += every) {
        for (size_t i = 0; i < N; i++) {
            uint32_t u = (uint32_t)(block * N + i);
            memcpy(&x[i], &u, 4);
        }
        size_t n = N - block % 61;   // lengths that leave every kind of tail
        formula(y0, d0, x, n);
        tgfl_gelu_forward(y1, d1, x, n);
        for (size_t i = 0; i < n; i++)
            if (memcmp(&y0[i], &y1[i], 4) || memcmp(&d0[i], &d1[i], 4)) {
                if (differences < 5) printf("x = %a: formula %a %a, kernel %a %a\n", x[i], y0[i], d0[i], y1[i], d1[i]);
                differences++;
            }
        memcpy(y1, x, 4 * n);   // in place, as the training code may call it
        tgfl_gelu_forward(y1, d1, y1, n);
        if (memcmp(y0, y1, 4 * n) || memcmp(d0, d1, 4 * n)) differences++;
        tested += n;
    }
    double best = 1e9;
    for (int r = 0; r < 20; r++) {   // 1M inputs in [−5, 5]
        for (size_t i = 0; i < ((size_t)1 << 20); i++) x[i] = -5.0f + 10.0f * (float)i / (float)((size_t)1 << 20);
        double t0 = cpu_seconds();
        tgfl_gelu_forward(y1, d1, x, (size_t)1 << 20);
        double t = cpu_seconds() - t0;
        best = t < best ? t : best;
    }
    printf("%lu inputs, %lu differences; kernel (%s) %.3f ns per element on 1M inputs\n", tested, differences,
           tgfl_kernels_isa(), best / (double)((size_t)1 << 20) * 1e9);
    free(x); free(y0); free(d0); free(y1); free(d1);
    return differences != 0;
}
