import Foundation

/// An optimizer over one flat parameter buffer: implementers supply the update rule.
public protocol Optimizer {
    /// Updates `parameters` in place from `gradients` (same layout and count).
    /// - Throws: `TGFLError.shapeMismatch` when the counts differ from the optimizer's.
    mutating func step(parameters: UnsafeMutableBufferPointer<Float>,
                       gradients: UnsafeBufferPointer<Float>) throws
}

/// Adam with decoupled weight decay, with `torch.optim.AdamW` semantics (one parameter group,
/// decay applied to EVERY parameter).
///
/// At step `t` (starting at 1), for each parameter `p` with gradient `g`:
/// ```
/// p ← p · (1 − lr·λ)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
/// ```
/// One flat loop over the buffer; the moments live in `state` (same layout as the
/// parameters) so a checkpoint can save and restore them.
/// Reference: Loshchilov & Hutter (2019), "Decoupled Weight Decay Regularization";
/// Kingma & Ba (2015), "Adam"; `torch.optim.AdamW` (defaults lr 1e-3, betas (0.9, 0.999),
/// eps 1e-8, weight_decay 0.01).
public struct AdamW: Optimizer, Sendable {
    /// Step size; a `LearningRateSchedule` may change it before each step. Must be ≥ 0.
    public var learningRate: Double
    /// Decay rate of the first moment, in [0, 1).
    public let beta1: Double
    /// Decay rate of the second moment, in [0, 1).
    public let beta2: Double
    /// Added to the denominator for numerical stability, > 0.
    public let epsilon: Double
    /// Decoupled weight decay λ, ≥ 0.
    public let weightDecay: Double
    /// Step count and moments.
    public private(set) var state: OptimizerState
    /// Worker threads for the update loop (results do not depend on it).
    public var threads: Int = Parallel.hardwareThreads

    /// Creates the optimizer with zero moments.
    /// - Parameters:
    ///   - parameterCount: Number of parameters it updates (> 0).
    ///   - learningRate: Step size (default 1e-3).
    ///   - beta1, beta2: Moment decay rates (defaults 0.9, 0.999).
    ///   - epsilon: Denominator term (default 1e-8).
    ///   - weightDecay: Decoupled decay (default 0.01).
    /// - Throws: `TGFLError.outOfRange` naming the hyperparameter out of its range.
    public init(parameterCount: Int, learningRate: Double = 1e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) throws {
        guard parameterCount > 0 else {
            throw TGFLError.outOfRange("AdamW parameterCount must be positive, got \(parameterCount)")
        }
        try AdamW.check(learningRate: learningRate)
        for (name, value) in [("beta1", beta1), ("beta2", beta2)] where !(value >= 0 && value < 1) {
            throw TGFLError.outOfRange("AdamW \(name) must be in [0, 1), got \(value)")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw TGFLError.outOfRange("AdamW epsilon must be positive and finite, got \(epsilon)")
        }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw TGFLError.outOfRange("AdamW weightDecay must be non-negative and finite, got \(weightDecay)")
        }
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.state = OptimizerState(parameterCount: parameterCount)
    }

    static func check(learningRate: Double) throws {
        guard learningRate >= 0, learningRate.isFinite else {
            throw TGFLError.outOfRange("learning rate must be non-negative and finite, got \(learningRate)")
        }
    }

    /// Makes the optimizer fresh again (step 0, zero moments) in place, reusing the moment
    /// buffers instead of allocating new ones (a federated client starts every round from a
    /// fresh optimizer).
    ///
    /// ```
    /// step ← 0;  m ← 0;  v ← 0
    /// ```
    public mutating func reset() {
        state.step = 0
        state.m.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        state.v.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    /// Replaces the state (e.g. from a checkpoint).
    /// - Throws: `TGFLError.shapeMismatch` when `m` or `v` has the wrong count;
    ///   `.outOfRange` for a negative step; `.invalidArgument` for a non-finite or negative moment.
    public mutating func restore(_ newState: OptimizerState) throws {
        let n = state.m.count
        guard newState.m.count == n, newState.v.count == n else {
            throw TGFLError.shapeMismatch(
                "optimizer state has m: \(newState.m.count), v: \(newState.v.count) values; expected \(n)")
        }
        guard newState.step >= 0 else {
            throw TGFLError.outOfRange("optimizer step must be non-negative, got \(newState.step)")
        }
        if let i = newState.m.firstIndex(where: { !$0.isFinite }) {
            throw TGFLError.invalidArgument("optimizer m[\(i)] is \(newState.m[i]); moments must be finite")
        }
        if let i = newState.v.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw TGFLError.invalidArgument(
                "optimizer v[\(i)] is \(newState.v[i]); second moments must be finite and non-negative")
        }
        state = newState
    }

    /// One AdamW update of `parameters` from `gradients` (see the type's formula).
    /// - Throws: `TGFLError.shapeMismatch` when a count differs from `state.m.count`;
    ///   `.outOfRange` when `learningRate` was set to a negative or non-finite value.
    public mutating func step(parameters: UnsafeMutableBufferPointer<Float>,
                              gradients: UnsafeBufferPointer<Float>) throws {
        let n = state.m.count
        guard parameters.count == n, gradients.count == n else {
            throw TGFLError.shapeMismatch(
                "AdamW was made for \(n) parameters; got \(parameters.count) parameters and "
                + "\(gradients.count) gradients")
        }
        try AdamW.check(learningRate: learningRate)
        state.step += 1
        let t = Double(state.step)
        let decay = Float(1 - learningRate * weightDecay)
        let b1 = Float(beta1), b2 = Float(beta2)
        let a1 = Float(1 - beta1), a2 = Float(1 - beta2)
        let stepSize = Float(learningRate / (1 - pow(beta1, t)))
        let invSqrtCorrection2 = Float(1 / (1 - pow(beta2, t)).squareRoot())
        let eps = Float(epsilon)
        let p = UncheckedSendable(parameters.baseAddress!), g = gradients.baseAddress!
        let threads = self.threads
        state.m.withUnsafeMutableBufferPointer { mBuffer in
            state.v.withUnsafeMutableBufferPointer { vBuffer in
                let m = UncheckedSendable(mBuffer.baseAddress!), v = UncheckedSendable(vBuffer.baseAddress!)
                // Elementwise: any fixed split gives the same bits.
                let parts = Parallel.partCount(n, granule: 16384)
                Parallel.forEach(parts: parts, threads: threads) { part, _ in
                    let p = p.value, m = m.value, v = v.value
                    for i in Parallel.range(of: part, parts: parts, count: n, granule: 16384) {
                        let gi = g[i]
                        let mi = b1 * m[i] + a1 * gi
                        let vi = b2 * v[i] + a2 * gi * gi
                        m[i] = mi
                        v[i] = vi
                        let denom = vi.squareRoot() * invSqrtCorrection2 + eps
                        p[i] = p[i] * decay - stepSize * mi / denom
                    }
                }
            }
        }
    }
}
