#include "internal.h"
#include <stdlib.h>

/// The CPU's best kernel level, lowered by `TGFL_KERNELS_ISA` (`baseline`, `avx2`).
static int detect_level(void) {
    int level = 0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        level = 1;
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
            level = 2;
    }
#endif
    const char *cap = getenv("TGFL_KERNELS_ISA");
    if (cap) {
        if (strcmp(cap, "baseline") == 0) level = 0;
        else if (strcmp(cap, "avx2") == 0 && level > 1) level = 1;
    }
    return level;
}

int tgfl_kernels_level(void) {
    // -1: not yet known. The check is idempotent, so a race only repeats it.
    static int cached = -1;
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        value = detect_level();
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return value;
}

const char *tgfl_kernels_isa(void) {
    switch (tgfl_kernels_level()) {
    case 2: return "avx512";
    case 1: return "avx2";
    default: return "baseline";
    }
}
