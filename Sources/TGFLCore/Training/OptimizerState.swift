/// AdamW state in the flat parameter layout: step count and first/second moments.
public struct OptimizerState: Equatable, Sendable {
    public var step: Int
    public var m: [Float]
    public var v: [Float]
    public init(step: Int, m: [Float], v: [Float]) { self.step = step; self.m = m; self.v = v }
}
