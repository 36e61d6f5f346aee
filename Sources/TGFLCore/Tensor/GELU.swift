import Foundation

/// The exact (erf) Gaussian error linear unit, forward and backward.
///
/// ```
/// gelu(x)  = 0.5 · x · (1 + erf(x / √2))  = x · Φ(x)
/// gelu'(x) = Φ(x) + x · φ(x)              φ(x) = exp(−x²/2) / √(2π)
/// ```
/// `erf` is evaluated by Abramowitz & Stegun 7.1.26 (absolute error < 1.5·10⁻⁷, far below
/// Float32 model tolerances; not the tanh approximation).
/// Reference: Hendrycks & Gimpel (2016), "Gaussian Error Linear Units";
/// `torch.nn.functional.gelu(approximate="none")`.
public enum GELUOp {
    @usableFromInline static let invSqrt2: Float = 0.70710678118654752
    @usableFromInline static let invSqrt2Pi: Float = 0.39894228040143268

    /// Forward pass: `out[i] = gelu(inp[i])` (overwrites `out`; may alias `inp`).
    /// - Parameters:
    ///   - out, inp: `[count]`.
    ///   - threads: Maximum worker threads.
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               count: Int, threads: Int = 1) {
        let parts = Parallel.partCount(count, granule: 4096)
        let o = UncheckedSendable(out)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: count, granule: 4096)
            let y = o.value
            for i in r {
                let x = inp[i]
                y[i] = 0.5 * x * (1 + VectorMath.erfAndGaussian(x * invSqrt2).erf)
            }
        }
    }

    /// Backward pass: `dInp[i] += dOut[i] · gelu'(inp[i])`, with `inp` the forward input.
    /// `dInp` may alias `dOut` only if the caller wants overwrite semantics; then pass
    /// `accumulate: false`.
    /// - Parameters:
    ///   - dInp: `[count]` accumulated into (or overwritten when `accumulate` is false).
    ///   - inp: `[count]` forward input.
    ///   - dOut: `[count]` upstream gradient.
    ///   - threads: Maximum worker threads.
    public static func backward(dInp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                                dOut: UnsafePointer<Float>, count: Int, accumulate: Bool = true,
                                threads: Int = 1) {
        let parts = Parallel.partCount(count, granule: 4096)
        let d = UncheckedSendable(dInp)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: count, granule: 4096)
            let dx = d.value
            for i in r {
                let x = inp[i]
                let (erf, gaussian) = VectorMath.erfAndGaussian(x * invSqrt2)   // e^(−x²/2)
                let cdf = 0.5 * (1 + erf)
                let pdf = invSqrt2Pi * gaussian
                let g = dOut[i] * (cdf + x * pdf)
                if accumulate { dx[i] += g } else { dx[i] = g }
            }
        }
    }
}
