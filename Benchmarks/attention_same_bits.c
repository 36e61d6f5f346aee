// The blocked attention copies (AVX-512, or AVX2 on CPUs without AVX-512) against the row-by-row
// ones: same bits, and their CPU time, on random inputs of the shapes given (the benchmark
// configs are T 128 hd 16 and T 256 hd 32). Not part of the test suite: the PyTorch parity tests
// hold both copies to PyTorch; this checks the stronger claim of docs/DESIGN.md ("Attention
// kernels") that they agree bitwise. Run from the repository root on an AVX-512 or AVX2 CPU:
//
//   clang -O2 -I Sources/TGFLKernels/include -o /tmp/att Benchmarks/attention_same_bits.c -lm
//   for s in "128 16" "256 32" "100 16" "37 32" "5 16" "1 16" "33 16" "7 32"; do /tmp/att $s 3; done
//
// The scratch is allocated at exactly `tgfl_attention_scratch_count` floats, so the same program
// built with -fsanitize=address,undefined checks the kernels' bounds.
//
// Arguments: T, hd, repetitions (the CPU time printed is the best of them, B = 32, 4 heads), and
// optionally the inputs' amplitude (default 2; e.g. 40 makes most probabilities underflow to
// zero, so the gradient sums meet −0 terms).
#include "../Sources/TGFLKernels/attention.c"
#include "../Sources/TGFLKernels/cpu.c"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static float uniform(unsigned *s) {
    *s = *s * 1664525u + 1013904223u;
    return ((*s >> 8) / 16777216.0f) * 2 - 1;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: %s T hd repetitions [amplitude]\n", argv[0]); return 2; }
    float amplitude = argc == 5 ? (float)atof(argv[4]) : 2.0f;
    size_t T = (size_t)atoi(argv[1]), hd = (size_t)atoi(argv[2]), H = 4, B = 32;
    int reps = atoi(argv[3]);
    size_t C = H * hd, ld = 3 * C, pairs = B * H;
    float *qkv = malloc(sizeof(float) * B * T * ld), *dy = malloc(sizeof(float) * B * T * C);
    float *y[2], *lse[2], *dqkv[2];
    for (int c = 0; c < 2; c++) {
        y[c] = calloc(B * T * C, sizeof(float));
        lse[c] = calloc(pairs * T, sizeof(float));
        dqkv[c] = calloc(B * T * ld, sizeof(float));
    }
    unsigned seed = 1;
    for (size_t i = 0; i < B * T * ld; i++) qkv[i] = amplitude * uniform(&seed);
    for (size_t i = 0; i < B * T * C; i++) dy[i] = uniform(&seed);
    float *scratch = malloc(sizeof(float) * tgfl_attention_scratch_count(T, hd));
    float scale = 1.0f / sqrtf((float)hd);
    for (int c = 0; c < 2; c++) {   // 0: row by row, 1: the dispatcher (blocked on AVX-512 and AVX2)
        double fwd = 1e9, bwd = 1e9;
        for (int r = 0; r < reps; r++) {
            double t0 = cpu_seconds();
            for (size_t p = 0; p < pairs; p++) {
                size_t b = p / H, h = p % H;
                const float *x = qkv + b * T * ld + h * hd;
                float *out = y[c] + b * T * C + h * hd, *l = lse[c] + p * T;
                if (c == 0) tgfl_attention_forward_rows(out, C, l, x, x + C, x + 2 * C, ld, T, hd, scale, scratch);
                else tgfl_attention_forward(out, C, l, x, x + C, x + 2 * C, ld, T, hd, scale, scratch);
            }
            double t1 = cpu_seconds();
            fwd = t1 - t0 < fwd ? t1 - t0 : fwd;
            memset(dqkv[c], 0, sizeof(float) * B * T * ld);
            t0 = cpu_seconds();
            for (size_t p = 0; p < pairs; p++) {
                size_t b = p / H, h = p % H;
                const float *x = qkv + b * T * ld + h * hd, *g = dy + b * T * C + h * hd;
                float *d = dqkv[c] + b * T * ld + h * hd, *l = lse[c] + p * T;
                if (c == 0)
                    tgfl_attention_backward_rows(d, d + C, d + 2 * C, g, C, x, x + C, x + 2 * C, ld, l, T, hd, scale, scratch, 1);
                else tgfl_attention_backward(d, d + C, d + 2 * C, g, C, x, x + C, x + 2 * C, ld, l, T, hd, scale, scratch, 1);
            }
            t1 = cpu_seconds();
            bwd = t1 - t0 < bwd ? t1 - t0 : bwd;
        }
        printf("T %zu hd %zu %s: forward %.3f ms, backward %.3f ms (CPU, best of %d)\n", T, hd,
               c ? "dispatched" : "row by row", fwd * 1e3, bwd * 1e3, reps);
    }
    int same = !memcmp(y[0], y[1], sizeof(float) * B * T * C)
               && !memcmp(lse[0], lse[1], sizeof(float) * pairs * T)
               && !memcmp(dqkv[0], dqkv[1], sizeof(float) * B * T * ld);
    printf("T %zu hd %zu (%s): %s\n", T, hd, tgfl_kernels_isa(), same ? "same bits" : "DIFFERENT BITS");
    for (int c = 0; c < 2; c++) { free(y[c]); free(lse[c]); free(dqkv[c]); }
    free(qkv); free(dy); free(scratch);
    return same ? 0 : 1;
}
