import Foundation

/// Layer normalization over the last dimension, forward and backward.
///
/// ```
/// μ = mean(x)   σ² = mean((x − μ)²)   x̂ = (x − μ) / sqrt(σ² + eps)   out = x̂ · w + b
/// ```
/// Reference: Ba, Kiros & Hinton (2016), "Layer Normalization"; `torch.nn.LayerNorm`
/// (biased variance, eps inside the square root); llm.c `layernorm_forward/backward`.
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
            for n in Parallel.range(of: part, parts: parts, count: rows, granule: 64) {
                let x = inp + n &* C
                let y = o.value + n &* C
                let mean = VectorMath.sum(x, C) / Float(C)
                let variance = VectorMath.sumOfSquaredDeviations(x, C, from: mean) / Float(C)
                let s = 1 / (variance + epsilon).squareRoot()
                if let xhat = xh.value {
                    let h = xhat + n &* C
                    for c in 0..<C {
                        let v = (x[c] - mean) * s
                        h[c] = v
                        y[c] = v * weight[c] + bias[c]
                    }
                } else {
                    for c in 0..<C { y[c] = (x[c] - mean) * s * weight[c] + bias[c] }
                }
                rs.value?[n] = s
            }
        }
    }

    /// Recomputes the output from a stored x̂: `out = x̂ · w + b` (overwrites `out`).
    public static func affine(out: UnsafeMutablePointer<Float>, normalized: UnsafePointer<Float>,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                              rows: Int, C: Int, threads: Int = 1) {
        let parts = Parallel.partCount(rows, granule: 64)
        let o = UncheckedSendable(out)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            for n in Parallel.range(of: part, parts: parts, count: rows, granule: 64) {
                let h = normalized + n &* C, y = o.value + n &* C
                for c in 0..<C { y[c] = h[c] * weight[c] + bias[c] }
            }
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
                for n in Parallel.range(of: part, parts: rowParts, count: rows, granule: 64) {
                    let g = dOut + n &* C, h = normalized + n &* C, d = dI.value + n &* C
                    var sumG: Float = 0, sumGH: Float = 0
                    for c in 0..<C {
                        let gc = g[c] * weight[c]
                        sumG += gc
                        sumGH += gc * h[c]
                    }
                    let meanG = sumG / Float(C), meanGH = sumGH / Float(C), s = rstd[n]
                    for c in 0..<C {
                        d[c] += s * (g[c] * weight[c] - meanG - h[c] * meanGH)
                    }
                }
            } else {
                let cols = Parallel.range(of: part - rowParts, parts: colParts, count: C, granule: 16)
                let w = dW.value, b = dB.value
                for n in 0..<rows {
                    let g = dOut + n &* C, h = normalized + n &* C
                    for c in cols {
                        w[c] += g[c] * h[c]
                        b[c] += g[c]
                    }
                }
            }
        }
    }
}
