import TGFLKernels

/// Which copies of the C kernels (`TGFLKernels`) run on this CPU.
///
/// Each element-wise and attention kernel is compiled for the baseline, for AVX2+FMA and for
/// AVX-512, and the best copy the CPU supports is chosen at run time. Set the environment
/// variable `TGFL_KERNELS_ISA=avx2` or `TGFL_KERNELS_ISA=baseline` before the first kernel
/// call to cap the choice (results then differ by rounding only).
public enum KernelRuntime {
    /// "avx512", "avx2" or "baseline".
    public static var instructionSet: String { String(cString: tgfl_kernels_isa()) }

    /// What computes training's matrix products: "tgfl-avx512" (this library's AVX-512
    /// kernels, `tgfl_gemm_nn` / `tgfl_gemm_tn_accumulate`) or "openblas". The library's
    /// kernels run on AVX-512 CPUs unless `TGFL_KERNELS_ISA` caps the choice or
    /// `TGFL_GEMM=blas` is set before the first product. Results differ by rounding only.
    public static var matrixProducts: String { tgfl_gemm_available() != 0 ? "tgfl-avx512" : "openblas" }
}
