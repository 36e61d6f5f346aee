extension Transformer {
    /// One training step: zero gradients, forward with targets, backward, optional global-norm
    /// clipping, then an optimizer update of the parameters.
    ///
    /// ```
    /// loss = L(θ; batch)     g = ∇θ loss     g ← clip(g, maxNorm)     θ ← optimizer(θ, g)
    /// ```
    /// - Parameters:
    ///   - tokens, regimes, targets: `[B·T]` as in `forward`.
    ///   - batch, length: B and T.
    ///   - optimizer: The optimizer (e.g. `AdamW`) made for `parameterCount` parameters.
    ///   - clipNorm: When given, the maximum global gradient norm.
    /// - Returns: The loss before the update and the gradient norm before clipping (nil when
    ///   `clipNorm` is nil).
    /// - Throws: What `forward`, `GradientClipping.clipGlobalNorm` and the optimizer throw.
    @discardableResult
    public func trainStep<O: Optimizer>(tokens: [Int32], regimes: [Int32], targets: [Int32],
                                        batch: Int, length: Int, optimizer: inout O,
                                        clipNorm: Double? = nil) throws -> (loss: Float, gradientNorm: Double?) {
        let loss = try lossAndGradients(tokens: tokens, regimes: regimes, targets: targets,
                                        batch: batch, length: length)
        var norm: Double?
        if let clipNorm {
            norm = try GradientClipping.clipGlobalNorm(gradientBuffer, maxNorm: clipNorm)
        }
        try optimizer.step(parameters: parameterBuffer, gradients: UnsafeBufferPointer(gradientBuffer))
        return (loss, norm)
    }
}
