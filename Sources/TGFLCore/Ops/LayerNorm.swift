import Foundation
import TGFLKernels

/// Layer normalization over the last dimension, forward and backward.
///
/// ```
/// μ = mean(x)   σ² = mean((x − μ)²)   x̂ = (x − μ) / sqrt(σ² + eps)   out = x̂ · w + b
/// ```
/// Reference: Ba, Kiros & Hinton (2016), "Layer Normalization"; `torch.nn.LayerNorm`
/// (biased variance, eps inside the square root); llm.c `layernorm_forward/backward`.
/// The row loops are the C kernels `tgfl_layernorm_*` (AVX2+FMA where the CPU has them).
public enum LayerNormOp {
    /// The epsilon of the v1 transformer (PyTorch's default).
    public static let epsilon: Float = 1e-5

    /// Forward pass over `rows` rows of width `C` (overwrites `out`).
    ///
    /// ```
    /// out[n, c] = (inp[n, c] − μ_n) · rstd_n · w[c] + b[c]      rstd_n = 1 / sqrt(σ²_n + eps)
    /// ```
    /// - Parameters:
    ///   - out: `[rows, C]`, overwritten.
    ///   - normalized: `[rows, C]` receives x̂ (what the backward pass needs), or nil.
    ///   - rstd: `[rows]` receives `1/sqrt(σ² + eps)`, or nil.
    ///   - inp: `[rows, C]`.
    ///   - weight, bias: `[C]`.
    ///   - threads: Maximum worker threads.
    public static func forward(out: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>?,
                               rstd: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               rows: Int, C: Int, epsilon: Float = LayerNormOp.epsilon, threads: Int = 1) {
        let parts = Parallel.partCount(rows, granule: 64)
        let o = UncheckedSendable(out), xh = UncheckedSendable(normalized), rs = UncheckedSendable(rstd)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: rows, granule: 64)
            guard !r.isEmpty else { return }
            let lo = r.lowerBound
            tgfl_layernorm_forward(o.value + lo * C, xh.value.map { $0 + lo * C }, rs.value.map { $0 + lo },
                                   inp + lo * C, weight, bias, r.count, C, epsilon)
        }
    }

    /// Recomputes the output from a stored x̂: `out = x̂ · w + b` (overwrites `out`).
    public static func affine(out: UnsafeMutablePointer<Float>, normalized: UnsafePointer<Float>,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                              rows: Int, C: Int, threads: Int = 1) {
        let parts = Parallel.partCount(rows, granule: 64)
        let o = UncheckedSendable(out)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: rows, granule: 64)
            guard !r.isEmpty else { return }
            tgfl_layernorm_affine(o.value + r.lowerBound * C, normalized + r.lowerBound * C, weight, bias,
                                  r.count, C)
        }
    }

    /// Backward pass: adds the gradients of the forward pass into `dInp`, `dWeight`, `dBias`.
    ///
    /// ```
    /// g = dOut · w
    /// dInp  += rstd · (g − mean(g) − x̂ · mean(g · x̂))
    /// dw    += Σ_n dOut · x̂          db += Σ_n dOut
    /// ```
    /// - Parameters:
    ///   - dInp: `[rows, C]` accumulated into.
    ///   - dWeight, dBias: `[C]` accumulated into (sums over rows in row order).
    ///   - dOut: `[rows, C]`.
    ///   - normalized: `[rows, C]` x̂ from the forward pass.
    ///   - rstd: `[rows]` from the forward pass.
    ///   - weight: `[C]`.
    ///   - threads: Maximum worker threads.
    public static func backward(dInp: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                weight: UnsafePointer<Float>, rows: Int, C: Int, threads: Int = 1) {
        let rowParts = Parallel.partCount(rows, granule: 64)
        let colParts = Parallel.partCount(C, granule: 16, maxParts: 4)
        let dI = UncheckedSendable(dInp), dW = UncheckedSendable(dWeight), dB = UncheckedSendable(dBias)
        Parallel.forEach(parts: rowParts + colParts, threads: threads) { part, _ in
            if part < rowParts {
                let r = Parallel.range(of: part, parts: rowParts, count: rows, granule: 64)
                guard !r.isEmpty else { return }
                let lo = r.lowerBound
                tgfl_layernorm_backward_input(dI.value + lo * C, dOut + lo * C, normalized + lo * C,
                                              rstd + lo, weight, r.count, C)
            } else {
                let cols = Parallel.range(of: part - rowParts, parts: colParts, count: C, granule: 16)
                guard !cols.isEmpty else { return }
                tgfl_layernorm_backward_params(dW.value, dB.value, dOut, normalized, rows, C,
                                               cols.lowerBound, cols.upperBound)
            }
        }
    }
}
