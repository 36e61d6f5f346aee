import Foundation
import TGFLKernels

/// The exact (erf) Gaussian error linear unit, forward and backward.
///
/// ```
/// gelu(x)  = 0.5 · x · (1 + erf(x / √2))  = x · Φ(x)
/// gelu'(x) = Φ(x) + x · φ(x)              φ(x) = exp(−x²/2) / √(2π)
/// ```
/// Φ is evaluated through erfc with a relative error below ~2·10⁻⁷ in both tails (not the
/// tanh approximation), by the C kernel `tgfl_gelu_forward` (`TGFLKernels`).
/// Reference: Hendrycks & Gimpel (2016), "Gaussian Error Linear Units";
/// `torch.nn.functional.gelu(approximate="none")`.
public enum GELUOp {
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
            tgfl_gelu_forward(o.value + r.lowerBound, nil, inp + r.lowerBound, r.count)
        }
    }

    /// Forward pass that also keeps the derivative for the backward pass:
    /// `out[i] = gelu(inp[i])`, `derivative[i] = gelu'(inp[i])` (Φ computed once).
    /// `derivative` may alias `inp` (the transformer overwrites the pre-activation with it).
    /// - Parameters:
    ///   - out: `[count]` receives gelu(x).
    ///   - derivative: `[count]` receives gelu'(x).
    ///   - inp: `[count]`.
    ///   - threads: Maximum worker threads.
    public static func forward(out: UnsafeMutablePointer<Float>, derivative: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, count: Int, threads: Int = 1) {
        let parts = Parallel.partCount(count, granule: 4096)
        let o = UncheckedSendable(out), d = UncheckedSendable(derivative)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: count, granule: 4096)
            tgfl_gelu_forward(o.value + r.lowerBound, d.value + r.lowerBound, inp + r.lowerBound, r.count)
        }
    }

    /// Backward pass from a stored derivative: `dInp[i] = dOut[i] · derivative[i]`
    /// (overwrite semantics; `dInp` may alias `dOut`).
    public static func backward(dInp: UnsafeMutablePointer<Float>, derivative: UnsafePointer<Float>,
                                dOut: UnsafePointer<Float>, count: Int, threads: Int = 1) {
        let parts = Parallel.partCount(count, granule: 4096)
        let d = UncheckedSendable(dInp)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: count, granule: 4096)
            tgfl_multiply(d.value + r.lowerBound, dOut + r.lowerBound, derivative + r.lowerBound, r.count)
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
            guard !r.isEmpty else { return }
            // gelu'(x) from the forward kernel, 1,024 values at a time in stack scratch.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2048) { tmp in
                let value = tmp.baseAddress!, derivative = value + 1024
                var lo = r.lowerBound
                while lo < r.upperBound {
                    let n = min(1024, r.upperBound - lo)
                    tgfl_gelu_forward(value, derivative, inp + lo, n)
                    let dx = d.value + lo, g = dOut + lo
                    if accumulate {
                        for i in 0..<n { dx[i] += g[i] * derivative[i] }
                    } else {
                        for i in 0..<n { dx[i] = g[i] * derivative[i] }
                    }
                    lo += n
                }
            }
        }
    }
}
