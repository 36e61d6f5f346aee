// CBLAS shim: OpenBLAS's C interface, found through pkg-config (`openblas`).
#pragma once
#include <cblas.h>

/// Number of threads OpenBLAS uses for level-3 calls (wrapped so Swift sees one symbol).
static inline void tgfl_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int tgfl_blas_get_threads(void) { return openblas_get_num_threads(); }

/// The name of the kernel set OpenBLAS chose for this CPU ("Haswell", "SkylakeX", …; the
/// environment variable `OPENBLAS_CORETYPE` overrides the choice), or "unknown".
static inline const char *tgfl_blas_core_name(void) {
    const char *name = openblas_get_corename();
    return name ? name : "unknown";
}
