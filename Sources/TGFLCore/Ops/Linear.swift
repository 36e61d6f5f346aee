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

/// The arithmetic of training's matrix products.
///
/// `.float32` (the default, and the reference of the parity tests) multiplies in Float32.
/// `.bfloat16` rounds both operands of every product to bfloat16 (nearest even) and sums the
/// products in Float32, as PyTorch's `torch.autocast(dtype=torch.bfloat16)` does on a CPU;
/// parameters, gradients and the optimizer state stay Float32. On CPUs with AVX512_BF16 the
/// products run on `vdpbf16ps` (`tgfl_gemm_bf16_*`); elsewhere the rounded operands go through
/// the Float32 products: the same numbers, no speed gain.
public enum MatmulPrecision: String, Sendable, CaseIterable {
    case float32
    case bfloat16

    /// True when `.bfloat16` runs on the CPU's bf16 instructions (AVX512_BF16).
    public static var bfloat16IsNative: Bool { tgfl_bf16_available() != 0 }
}

/// Grow-only scratch for the packed operands of the bf16 products, owned by one `Transformer`
/// (which runs one pass at a time), so that megabytes of packed activations are not allocated
/// and page-faulted again on every call. Not for concurrent use.
public final class ProductScratch: @unchecked Sendable {
    private var base: UnsafeMutableRawPointer?
    private var capacity = 0

    public init() {}
    deinit { base?.deallocate() }

    /// Consecutive regions of `bytes[i]` bytes each, 64-byte aligned, valid until the next call.
    func regions(_ bytes: [Int]) -> [UnsafeMutableRawPointer] {
        let rounded = bytes.map { ($0 + 63) & ~63 }
        let total = max(64, rounded.reduce(0, +))
        if total > capacity {
            base?.deallocate()
            base = .allocate(byteCount: total, alignment: 64)
            capacity = total
        }
        var offset = 0
        return rounded.map { size in
            defer { offset += size }
            return base! + offset
        }
    }
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
    ///   - precision: `.float32`, or `.bfloat16` operands (`MatmulPrecision`).
    ///   - scratch: Reused scratch for the transposed weight and the bf16 packing (nil:
    ///     allocated for this call).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               rows: Int, inFeatures: Int, outFeatures: Int,
                               accumulate: Bool = false, threads: Int = 1,
                               precision: MatmulPrecision = .float32, scratch: ProductScratch? = nil) {
        let N = rows, IC = inFeatures, OC = outFeatures
        if precision == .bfloat16 {
            forwardBF16(out: out, inp: inp, weight: weight, bias: bias, rows: N, inFeatures: IC,
                        outFeatures: OC, accumulate: accumulate, threads: threads, scratch: scratch)
            return
        }
        let parts = Parallel.partCount(N, granule: 32)
        let o = UncheckedSendable(out)
        if tgfl_gemm_available() != 0 {
            // This library's AVX-512 product reads the weight as [in, out] rows: transposed
            // once here, shared by every part.
            // (In the transformer's scratch, so a training step allocates nothing here.)
            let scratch = scratch ?? ProductScratch()
            defer { withExtendedLifetime(scratch) {} }
            let wt = scratch.regions([IC * OC * 4])[0].assumingMemoryBound(to: Float.self)
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
    ///   - precision: `.float32`, or `.bfloat16` operands (`MatmulPrecision`).
    ///   - scratch: Reused scratch for the bf16 packing (nil: allocated for this call).
    public static func backward(dInp: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                rows: Int, inFeatures: Int, outFeatures: Int,
                                accumulateInput: Bool = true, threads: Int = 1,
                                precision: MatmulPrecision = .float32, scratch: ProductScratch? = nil) {
        let N = rows, IC = inFeatures, OC = outFeatures
        if precision == .bfloat16 {
            backwardBF16(dInp: dInp, dWeight: dWeight, dBias: dBias, dOut: dOut, inp: inp,
                         weight: weight, rows: N, inFeatures: IC, outFeatures: OC,
                         accumulateInput: accumulateInput, threads: threads, scratch: scratch)
            return
        }
        let own = tgfl_gemm_available() != 0
        let dW = UncheckedSendable(dWeight), dB = UncheckedSendable(dBias)
        // Our products sum the bias gradient's columns inside the weight-gradient product (the
        // same sums, while each chunk of dOut is in cache); with OpenBLAS, `backwardParts` does.
        backwardParts(rows: N, outFeatures: OC, dInp: dInp, dBias: own ? nil : dBias, dOut: dOut,
                      threads: threads, weightRows: { r in
            if own {
                _ = tgfl_gemm_tn_accumulate(dW.value + r.lowerBound * IC, IC, dOut + r.lowerBound,
                                            OC, inp, IC, N, r.count, IC, dB.value.map { $0 + r.lowerBound })
            } else {
                sgemm(transA: true, transB: false, m: r.count, n: IC, k: N,
                      a: dOut + r.lowerBound, lda: OC, b: inp, ldb: IC,
                      beta: 1, c: dW.value + r.lowerBound * IC, ldc: IC)
            }
        }, inputRows: { dInp, r in
            if own {
                _ = tgfl_gemm_nn(dInp + r.lowerBound * IC, IC, dOut + r.lowerBound * OC, OC,
                                 weight, IC, nil, r.count, IC, OC, accumulateInput ? 1 : 0)
            } else {
                sgemm(transA: false, transB: false, m: r.count, n: IC, k: OC,
                      a: dOut + r.lowerBound * OC, lda: OC, b: weight, ldb: IC,
                      beta: accumulateInput ? 1 : 0, c: dInp + r.lowerBound * IC, ldc: IC)
            }
        })
    }
}

extension LinearOp {
    /// The split of `backward`: the weight gradient's output rows in one or two parts (two when
    /// `outFeatures ≥ 256`), each with its bias-gradient columns, then the input gradient's row
    /// parts. Every split is a function of the sizes only.
    static func backwardParts(rows N: Int, outFeatures OC: Int, dInp: UnsafeMutablePointer<Float>?,
                              dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>, threads: Int,
                              weightRows: (Range<Int>) -> Void,
                              inputRows: (UnsafeMutablePointer<Float>, Range<Int>) -> Void) {
        let rowParts = dInp == nil ? 0 : Parallel.partCount(N, granule: 32)
        let outParts = OC >= 256 ? 2 : 1
        let dI = UncheckedSendable(dInp), dB = UncheckedSendable(dBias)
        Parallel.forEach(parts: outParts + rowParts, threads: threads) { part, _ in
            if part < outParts {
                let r = Parallel.range(of: part, parts: outParts, count: OC, granule: 16)
                guard !r.isEmpty else { return }
                weightRows(r)
                if let db = dB.value {
                    columnSum(into: db + r.lowerBound, from: dOut + r.lowerBound,
                              rows: N, columns: r.count, stride: OC)
                }
            } else if let dInp = dI.value {
                let r = Parallel.range(of: part - outParts, parts: rowParts, count: N, granule: 32)
                guard !r.isEmpty else { return }
                inputRows(dInp, r)
            }
        }
    }

    /// `forward` with bfloat16 operands (see `MatmulPrecision`).
    static func forwardBF16(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                            weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, rows N: Int,
                            inFeatures IC: Int, outFeatures OC: Int, accumulate: Bool, threads: Int,
                            scratch: ProductScratch?) {
        guard tgfl_bf16_available() != 0 else {
            // Emulated: the rounded operands through the Float32 products (given no scratch, so
            // that they cannot move these regions).
            let scratch = scratch ?? ProductScratch()
            defer { withExtendedLifetime(scratch) {} }
            let r = scratch.regions([N * IC * 4, OC * IC * 4])
            let x = r[0].assumingMemoryBound(to: Float.self), w = r[1].assumingMemoryBound(to: Float.self)
            tgfl_round_bf16(x, inp, N * IC)
            tgfl_round_bf16(w, weight, OC * IC)
            forward(out: out, inp: x, weight: w, bias: bias, rows: N, inFeatures: IC,
                    outFeatures: OC, accumulate: accumulate, threads: threads)
            return
        }
        let Kp = (IC + 1) & ~1
        let scratch = scratch ?? ProductScratch()
        defer { withExtendedLifetime(scratch) {} }  // its regions are used below
        let r = scratch.regions([N * Kp * 2, IC * OC * 4, (IC + 1) / 2 * OC * 4])
        let a = r[0].assumingMemoryBound(to: UInt16.self), wt = r[1].assumingMemoryBound(to: Float.self)
        let b = r[2].assumingMemoryBound(to: UInt32.self)
        tgfl_transpose(wt, weight, OC, IC)
        tgfl_bf16_pack_pairs(b, wt, OC, IC, OC)
        let parts = Parallel.partCount(N, granule: 32)
        let o = UncheckedSendable(out), ap = UncheckedSendable(a), bp = UncheckedSendable(UnsafePointer(b))
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: N, granule: 32)
            guard !r.isEmpty else { return }
            let rowsA = ap.value + r.lowerBound * Kp
            tgfl_bf16_pack_rows(rowsA, inp + r.lowerBound * IC, IC, r.count, IC)
            _ = tgfl_gemm_bf16_nn(o.value + r.lowerBound * OC, OC, rowsA, Kp, bp.value, bias,
                                  r.count, OC, IC, accumulate ? 1 : 0)
        }
    }

    /// `backward` with bfloat16 operands (see `MatmulPrecision`); the bias gradient is summed
    /// in Float32.
    static func backwardBF16(dInp: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                             dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>,
                             inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows N: Int,
                             inFeatures IC: Int, outFeatures OC: Int, accumulateInput: Bool,
                             threads: Int, scratch: ProductScratch?) {
        guard tgfl_bf16_available() != 0 else {
            let scratch = scratch ?? ProductScratch()
            defer { withExtendedLifetime(scratch) {} }
            let r = scratch.regions([N * IC * 4, OC * IC * 4, N * OC * 4])
            let x = r[0].assumingMemoryBound(to: Float.self), w = r[1].assumingMemoryBound(to: Float.self)
            let dy = r[2].assumingMemoryBound(to: Float.self)
            tgfl_round_bf16(x, inp, N * IC)
            tgfl_round_bf16(w, weight, OC * IC)
            tgfl_round_bf16(dy, dOut, N * OC)
            backward(dInp: dInp, dWeight: dWeight, dBias: nil, dOut: dy, inp: x,
                     weight: w, rows: N, inFeatures: IC, outFeatures: OC,
                     accumulateInput: accumulateInput, threads: threads)
            if let dBias { columnSum(into: dBias, from: dOut, rows: N, columns: OC, stride: OC) }
            return
        }
        // Pair rows of dOut and of the input for dW += dOutᵀ·inp; dOut's rows and W's pair
        // rows for dInp = dOut·W. Row parts start at multiples of 32, so every part packs
        // whole pairs.
        let pairs = (N + 1) / 2, OCp = (OC + 1) & ~1
        let scratch = scratch ?? ProductScratch()
        defer { withExtendedLifetime(scratch) {} }  // its regions are used below
        let regions = scratch.regions([pairs * OC * 4, pairs * IC * 4, dInp == nil ? 0 : N * OCp * 2,
                                       dInp == nil ? 0 : (OC + 1) / 2 * IC * 4])
        let dyPairs = regions[0].assumingMemoryBound(to: UInt32.self)
        let xPairs = regions[1].assumingMemoryBound(to: UInt32.self)
        let dyRows = regions[2].assumingMemoryBound(to: UInt16.self)
        let wPairs = regions[3].assumingMemoryBound(to: UInt32.self)
        if dInp != nil { tgfl_bf16_pack_pairs(wPairs, weight, IC, OC, IC) }
        let packParts = Parallel.partCount(N, granule: 32)
        let dyP = UncheckedSendable(dyPairs), xP = UncheckedSendable(xPairs)
        let dyR = UncheckedSendable(dyRows), wP = UncheckedSendable(wPairs)
        Parallel.forEach(parts: packParts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: packParts, count: N, granule: 32)
            guard !r.isEmpty else { return }
            tgfl_bf16_pack_pairs(dyP.value + r.lowerBound / 2 * OC, dOut + r.lowerBound * OC, OC, r.count, OC)
            tgfl_bf16_pack_pairs(xP.value + r.lowerBound / 2 * IC, inp + r.lowerBound * IC, IC, r.count, IC)
            if dInp != nil {
                tgfl_bf16_pack_rows(dyR.value + r.lowerBound * OCp, dOut + r.lowerBound * OC, OC, r.count, OC)
            }
        }
        let dW = UncheckedSendable(dWeight)
        backwardParts(rows: N, outFeatures: OC, dInp: dInp, dBias: dBias, dOut: dOut, threads: threads,
                      weightRows: { r in
            _ = tgfl_gemm_bf16_tn_accumulate(dW.value + r.lowerBound * IC, IC, dyP.value + r.lowerBound,
                                             OC, xP.value, IC, N, r.count, IC)
        }, inputRows: { dInp, r in
            _ = tgfl_gemm_bf16_nn(dInp + r.lowerBound * IC, IC, dyR.value + r.lowerBound * OCp, OCp,
                                  wP.value, nil, r.count, IC, OC, accumulateInput ? 1 : 0)
        })
    }
}

/// `sum[j] += Σ_n src[n · stride + j]` for `j` in `0..<columns`, rows summed in order
/// (`tgfl_column_sum_accumulate`).
@inlinable
func columnSum(into sum: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>,
               rows: Int, columns: Int, stride: Int) {
    tgfl_column_sum_accumulate(sum, src, rows, columns, stride)
}
