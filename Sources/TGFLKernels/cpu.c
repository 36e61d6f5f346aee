#include "internal.h"

int tgfl_kernels_use_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    // -1: not yet known. The check is idempotent, so a race only repeats it.
    static int cached = -1;
    int value = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (value < 0) {
        __builtin_cpu_init();
        value = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&cached, value, __ATOMIC_RELAXED);
    }
    return value;
#else
    return 0;
#endif
}
