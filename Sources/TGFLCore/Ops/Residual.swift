/// The residual connection `out = a + b`, forward and backward.
///
/// ```
/// out = a + b        dA += dOut        dB += dOut
/// ```
/// Reference: He et al. (2016), "Deep Residual Learning"; llm.c `residual_forward/backward`.
/// (The transformer fuses its residual adds into the projection `sgemm`s; this op is the
/// standalone form.)
public enum ResidualOp {
    /// Forward pass: `out[i] = a[i] + b[i]` (overwrites `out`).
    public static func forward(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>,
                               b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// Backward pass: `dA[i] += dOut[i]`, `dB[i] += dOut[i]`.
    public static func backward(dA: UnsafeMutablePointer<Float>, dB: UnsafeMutablePointer<Float>,
                                dOut: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            dA[i] += dOut[i]
            dB[i] += dOut[i]
        }
    }
}
