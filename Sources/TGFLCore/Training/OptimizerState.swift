/// AdamW state in the flat parameter layout: the step count and the first and second
/// moments, one value per parameter in `ParameterLayout` order (what a checkpoint's
/// `/optimizer` group stores as `step`, `m/<name>`, `v/<name>`).
///
/// ```
/// m = β1·m + (1 − β1)·g        v = β2·v + (1 − β2)·g²        step = number of updates taken
/// ```
/// Reference: `torch.optim.AdamW`'s per-parameter `state` (`step`, `exp_avg`, `exp_avg_sq`).
public struct OptimizerState: Equatable, Sendable {
    /// Number of updates taken (PyTorch's `step`); 0 for a fresh optimizer.
    public var step: Int
    /// First moments (`exp_avg`).
    public var m: [Float]
    /// Second moments (`exp_avg_sq`).
    public var v: [Float]

    public init(step: Int, m: [Float], v: [Float]) { self.step = step; self.m = m; self.v = v }

    /// A fresh state (step 0, zero moments) for `parameterCount` parameters.
    public init(parameterCount: Int) {
        self.init(step: 0, m: Array(repeating: 0, count: parameterCount),
                  v: Array(repeating: 0, count: parameterCount))
    }
}
