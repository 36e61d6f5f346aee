import Foundation
import TGFLKernels

/// Softmax cross-entropy over the last dimension, averaged over rows, forward and backward.
///
/// ```
/// p[n, v] = exp(z[n, v] − m_n) / Σ_u exp(z[n, u] − m_n)      m_n = max_u z[n, u]
/// loss    = (1/N) Σ_n (log Σ_u exp(z[n, u]) − z[n, y_n])
/// dz[n, v] = (p[n, v] − [v = y_n]) / N
/// ```
/// Reference: `torch.nn.functional.cross_entropy(reduction="mean")`; llm.c
/// `crossentropy_softmax_backward`.
public enum CrossEntropyOp {
    /// Forward pass: fills `probs` with the softmax and `losses` with each row's loss, and
    /// returns the mean loss (summed in row order in Double).
    /// - Parameters:
    ///   - probs: `[rows, V]` receives the softmax probabilities (overwritten).
    ///   - losses: `[rows]` receives the per-row losses (overwritten).
    ///   - logits: `[rows, V]`.
    ///   - targets: `[rows]` class indices in `0..<V` (the caller validates them).
    ///   - threads: Maximum worker threads.
    /// - Returns: The mean loss over rows.
    @discardableResult
    public static func forward(probs: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
                               logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>,
                               rows: Int, V: Int, threads: Int = 1) -> Float {
        let parts = Parallel.partCount(rows, granule: 64)
        let p = UncheckedSendable(probs), l = UncheckedSendable(losses)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: rows, granule: 64)
            guard !r.isEmpty else { return }
            let lo = r.lowerBound
            tgfl_softmax_cross_entropy(p.value + lo * V, l.value + lo, logits + lo * V, targets + lo,
                                       r.count, V)
        }
        var total = 0.0
        for n in 0..<rows { total += Double(losses[n]) }
        return rows > 0 ? Float(total / Double(rows)) : 0
    }

    /// Backward pass: `dLogits[n, v] += scale · (probs[n, v] − [v = targets[n]])`, where the
    /// mean loss uses `scale = 1/rows`.
    /// - Parameters:
    ///   - dLogits: `[rows, V]` accumulated into.
    ///   - probs: `[rows, V]` from the forward pass.
    ///   - targets: `[rows]`.
    ///   - scale: `dLoss` times `1/rows` (the default when nil).
    ///   - threads: Maximum worker threads.
    public static func backward(dLogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
                                targets: UnsafePointer<Int32>, rows: Int, V: Int,
                                scale: Float? = nil, threads: Int = 1) {
        let k = scale ?? 1 / Float(rows)
        let parts = Parallel.partCount(rows, granule: 64)
        let d = UncheckedSendable(dLogits)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            for n in Parallel.range(of: part, parts: parts, count: rows, granule: 64) {
                let q = probs + n &* V, g = d.value + n &* V
                for v in 0..<V { g[v] += k * q[v] }
                g[Int(targets[n])] -= k
            }
        }
    }

    /// Turns probabilities into the loss gradient in place (overwrite semantics):
    /// `buffer[n, v] = scale · (buffer[n, v] − [v = targets[n]])`.
    /// Used by the transformer so the softmax and its gradient share one buffer.
    static func gradientInPlace(_ buffer: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                rows: Int, V: Int, scale: Float, threads: Int) {
        let parts = Parallel.partCount(rows, granule: 64)
        let d = UncheckedSendable(buffer)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let r = Parallel.range(of: part, parts: parts, count: rows, granule: 64)
            guard !r.isEmpty else { return }
            tgfl_cross_entropy_gradient(d.value + r.lowerBound * V, targets + r.lowerBound, r.count, V, scale)
        }
    }
}
