import Foundation
import TGFLKernels

extension JointScenarioModel {
    /// The token and the position inside its bin that one uniform selects: the inverse of the
    /// CDF of `softmax(logits · β)` spread linearly over each token's bin.
    ///
    /// ```
    /// w_j = exp((l_j − max l) · β),  W = Σ_j w_j,  c = v · W
    /// tok = first j with Σ_{i ≤ j} w_i > c,   position = (c − Σ_{i < tok} w_i) / w_tok  ∈ [0, 1)
    /// ```
    /// For v uniform, tok has the softmax's distribution and the position is uniform given tok
    /// (what the independent sampler draws with two uniforms); a copula's v thus keeps the
    /// network's marginal, and the within-bin position follows v too, so the copula reaches the
    /// wide outer bins. The sums run in Double, so a tail token's position is exact to ~1e-12.
    /// - Parameters:
    ///   - logits: V logits.
    ///   - V: the vocabulary size.
    ///   - inverseTemperature: β = 1/τ.
    ///   - scratch: V floats for the weights.
    ///   - uniform: v in (0, 1).
    /// - Returns: the token and the position in [0, 1) inside its bin.
    static func invertTokenCDF(logits: UnsafePointer<Float>, V: Int, inverseTemperature beta: Float,
                               scratch: UnsafeMutablePointer<Float>, uniform v: Double) -> (token: Int, position: Double) {
        let m = Transformer.maximum(logits, V)
        _ = tgfl_softmax_weights(scratch, logits, V, m, beta)
        var total = 0.0
        for j in 0..<V { total += Double(scratch[j]) }
        let c = v * total
        var cumulative = 0.0, last = 0
        for j in 0..<V {
            let w = Double(scratch[j])
            guard w > 0 else { continue }
            last = j
            if c < cumulative + w { return (j, min(max((c - cumulative) / w, 0), 1.0.nextDown)) }
            cumulative += w
        }
        return (last, 1.0.nextDown)                        // v·W at the very top (rounding)
    }
}
