import CBLAS
import TGFLKernels

/// Row-major single-precision matrix product through OpenBLAS:
/// ```
/// C = alpha · op(A) · op(B) + beta · C      op(X) = X or Xᵀ
/// ```
/// `C` is `[m, n]`, `op(A)` is `[m, k]`, `op(B)` is `[k, n]`; leading dimensions are row strides.
/// Reference: BLAS `sgemm` (`cblas_sgemm` with `CblasRowMajor`).
@inlinable
func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    guard k > 0 else {
        // BLAS semantics with an empty inner dimension: C = beta · C.
        for i in 0..<m {
            for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
        }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                beta, c, blasint(ldc))
}

/// The affine layer of PyTorch's `nn.Linear` (weight `[out, in]`), forward and backward.
///
/// ```
/// out[n, o] = Σ_i inp[n, i] · weight[o, i] + bias[o]
/// ```
/// Reference: `torch.nn.Linear`; llm.c `matmul_forward` / `matmul_backward`.
public enum LinearOp {
    /// Forward pass: `out[N, OC] = inp[N, IC] · weightᵀ + bias` (overwrites `out`).
    ///
    /// ```
    /// out = inp · Wᵀ + b        W: [OC, IC], b: [OC]
    /// ```
    /// Rows are split into fixed parts (a function of `rows` only), one product each: on
    /// AVX-512 CPUs this library's `tgfl_gemm_nn` (no operand packing; see
    /// `KernelRuntime.matrixProducts`), elsewhere OpenBLAS's `sgemm`.
    /// - Parameters:
    ///   - out: `[rows, outFeatures]`, overwritten.
    ///   - inp: `[rows, inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - bias: `[outFeatures]` or nil.
    ///   - accumulate: When true, adds the product to `out` instead of overwriting it
    ///     (a fused residual connection: `out += inp · Wᵀ + b`).
    ///   - threads: Maximum worker threads.
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               rows: Int, inFeatures: Int, outFeatures: Int,
                               accumulate: Bool = false, threads: Int = 1) {
        let N = rows, IC = inFeatures, OC = outFeatures
        let parts = Parallel.partCount(N, granule: 32)
        let o = UncheckedSendable(out)
        if tgfl_gemm_available() != 0 {
            // This library's AVX-512 product reads the weight as [in, out] rows: transposed
            // once here, shared by every part.
            let wt = UnsafeMutablePointer<Float>.allocate(capacity: max(1, IC * OC))
            defer { wt.deallocate() }
            tgfl_transpose(wt, weight, OC, IC)
            let w = UncheckedSendable(UnsafePointer(wt))
            Parallel.forEach(parts: parts, threads: threads) { part, _ in
                let r = Parallel.range(of: part, parts: parts, count: N, granule: 32)
                guard !r.isEmpty else { return }
                _ = tgfl_gemm_nn(o.value + r.lowerBound * OC, OC, inp + r.lowerBound * IC, IC,
                                 w.value, OC, bias, r.count, OC, IC, accumulate ? 1 : 0)
            }
            return
        }
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: N, granule: 32)
            guard !r.isEmpty else { return }
            let dst = o.value + r.lowerBound * OC
            var beta: Float = accumulate ? 1 : 0
            if let bias {
                for i in 0..<r.count {
                    let row = dst + i * OC
                    if accumulate {
                        for j in 0..<OC { row[j] += bias[j] }
                    } else {
                        row.update(from: bias, count: OC)
                    }
                }
                beta = 1
            }
            sgemm(transA: false, transB: true, m: r.count, n: OC, k: IC,
                  a: inp + r.lowerBound * IC, lda: IC, b: weight, ldb: IC,
                  beta: beta, c: dst, ldc: OC)
        }
    }

    /// Backward pass: adds the gradients of `out = inp · Wᵀ + b` into `dInp`, `dWeight`, `dBias`.
    ///
    /// ```
    /// dInp += dOut · W          dW += dOutᵀ · inp          db += Σ_n dOut[n, :]
    /// ```
    /// The products are `tgfl_gemm_tn_accumulate` / `tgfl_gemm_nn` on AVX-512 CPUs and
    /// OpenBLAS's `sgemm` elsewhere (`KernelRuntime.matrixProducts`).
    /// The weight gradient is one product over all rows (k = rows), or two halves of the
    /// output rows when `outFeatures ≥ 256`: thin slices (m ≈ 16–32) run far below the
    /// sgemm peak because every slice repacks the whole input. Those parts come first, so
    /// one worker starts on them while the others take the input gradient's row parts (the
    /// two products have the same flop count). Every split is a function of the sizes only
    /// and the sums over `n` run in row order, so the result does not depend on the thread
    /// count.
    /// - Parameters:
    ///   - dInp: `[rows, inFeatures]` accumulated into (overwritten when `accumulateInput`
    ///     is false), or nil to skip.
    ///   - dWeight: `[outFeatures, inFeatures]` accumulated into.
    ///   - dBias: `[outFeatures]` accumulated into, or nil.
    ///   - dOut: `[rows, outFeatures]`, the upstream gradient.
    ///   - inp: `[rows, inFeatures]`, the forward input.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - threads: Maximum worker threads.
    public static func backward(dInp: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                rows: Int, inFeatures: Int, outFeatures: Int,
                                accumulateInput: Bool = true, threads: Int = 1) {
        let N = rows, IC = inFeatures, OC = outFeatures
        let rowParts = dInp == nil ? 0 : Parallel.partCount(N, granule: 32)
        let outParts = OC >= 256 ? 2 : 1
        let dI = UncheckedSendable(dInp), dW = UncheckedSendable(dWeight), dB = UncheckedSendable(dBias)
        let own = tgfl_gemm_available() != 0
        Parallel.forEach(parts: outParts + rowParts, threads: threads) { part, _ in
            if part < outParts {
                let r = Parallel.range(of: part, parts: outParts, count: OC, granule: 16)
                guard !r.isEmpty else { return }
                if own {
                    _ = tgfl_gemm_tn_accumulate(dW.value + r.lowerBound * IC, IC, dOut + r.lowerBound,
                                                OC, inp, IC, N, r.count, IC)
                } else {
                    sgemm(transA: true, transB: false, m: r.count, n: IC, k: N,
                          a: dOut + r.lowerBound, lda: OC, b: inp, ldb: IC,
                          beta: 1, c: dW.value + r.lowerBound * IC, ldc: IC)
                }
                if let db = dB.value {
                    columnSum(into: db + r.lowerBound, from: dOut + r.lowerBound,
                              rows: N, columns: r.count, stride: OC)
                }
            } else if let dInp = dI.value {
                let r = Parallel.range(of: part - outParts, parts: rowParts, count: N, granule: 32)
                guard !r.isEmpty else { return }
                if own {
                    _ = tgfl_gemm_nn(dInp + r.lowerBound * IC, IC, dOut + r.lowerBound * OC, OC,
                                     weight, IC, nil, r.count, IC, OC, accumulateInput ? 1 : 0)
                } else {
                    sgemm(transA: false, transB: false, m: r.count, n: IC, k: OC,
                          a: dOut + r.lowerBound * OC, lda: OC, b: weight, ldb: IC,
                          beta: accumulateInput ? 1 : 0, c: dInp + r.lowerBound * IC, ldc: IC)
                }
            }
        }
    }
}

/// `sum[j] += Σ_n src[n · stride + j]` for `j` in `0..<columns`, rows summed in order.
@inlinable
func columnSum(into sum: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>,
               rows: Int, columns: Int, stride: Int) {
    var n = 0
    while n < rows {
        let row = src + n &* stride
        for j in 0..<columns { sum[j] += row[j] }
        n &+= 1
    }
}
