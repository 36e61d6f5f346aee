/// Global-norm gradient clipping, as `torch.nn.utils.clip_grad_norm_` (L2 norm).
///
/// ```
/// total = sqrt(Σ_i g_i²)          coef = maxNorm / (total + 1e-6)
/// if coef < 1:  g ← g · coef
/// ```
/// Reference: Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent
/// neural networks"; `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// The L2 norm of a flat vector, summed in index order in Double (deterministic).
    public static func globalNorm(_ values: UnsafeBufferPointer<Float>) -> Double {
        var sum = 0.0
        for x in values { sum += Double(x) * Double(x) }
        return sum.squareRoot()
    }

    /// Scales `gradients` in place so their global L2 norm is at most `maxNorm`.
    /// - Parameters:
    ///   - gradients: The flat gradient vector.
    ///   - maxNorm: Largest allowed norm, > 0 and finite.
    /// - Returns: The norm BEFORE clipping (what PyTorch returns).
    /// - Throws: `TGFLError.outOfRange` for a bad `maxNorm`; `.invalidArgument` when the
    ///   gradients hold a NaN or infinity (the norm is not finite; nothing is changed).
    @discardableResult
    public static func clipGlobalNorm(_ gradients: UnsafeMutableBufferPointer<Float>,
                                      maxNorm: Double) throws -> Double {
        guard maxNorm > 0, maxNorm.isFinite else {
            throw TGFLError.outOfRange("maxNorm must be positive and finite, got \(maxNorm)")
        }
        let total = globalNorm(UnsafeBufferPointer(gradients))
        guard total.isFinite else {
            let i = gradients.firstIndex { !$0.isFinite } ?? -1
            throw TGFLError.invalidArgument(
                "gradient norm is not finite (gradients[\(i)] = \(i >= 0 ? gradients[i] : .nan)); "
                + "lower the learning rate or check the inputs")
        }
        let coef = maxNorm / (total + 1e-6)
        if coef < 1 {
            let c = Float(coef)
            for i in gradients.indices { gradients[i] *= c }
        }
        return total
    }
}
