import TGFLBase

/// FedAvg with server momentum (Hsu et al. 2019, "Measuring the Effects of Non-Identical
/// Data Distribution for Federated Visual Classification", arXiv:1909.06335); Flower `FedAvgM`.
///
/// ```
/// g_t = w_t − mean_t                                   (pseudo-gradient)
/// v_t = g_t  (first round),   v_t = β·v_{t−1} + g_t   (β = server_momentum > 0)
/// w_{t+1} = w_t − η·v_t        (η = server_learning_rate; v_t = g_t when β = 0)
/// ```
/// With η = 1 and β = 0 this is FedAvg (Flower skips the server step then).
public struct FedAvgM: MeanBasedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "FedAvgM" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Server learning rate η > 0 (Flower `server_learning_rate`, default 1.0).
    public var serverLearningRate: Double
    /// Server momentum β in [0, 1) (Flower `server_momentum`, default 0.0).
    public var serverMomentum: Double
    /// Momentum buffer v (empty before the first round).
    public private(set) var momentum: [Float] = []

    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(serverLearningRate: Double = 1.0, serverMomentum: Double = 0.0,
                sampling: SamplingConfig = SamplingConfig()) {
        self.serverLearningRate = serverLearningRate
        self.serverMomentum = serverMomentum
        self.sampling = sampling
    }

    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        try checkPositive(serverLearningRate, "server_learning_rate")
        try checkUnitInterval(serverMomentum, "server_momentum")
    }

    /// The next global parameters from the example-weighted mean of the client models.
    public mutating func step(round: Int, global: [Float], mean: [Float]) throws -> [Float] {
        guard serverMomentum != 0 || serverLearningRate != 1 else { return mean }
        let d = global.count
        let lr = serverLearningRate, beta = serverMomentum
        var out = [Float](repeating: 0, count: d)
        if beta > 0 {
            let first = momentum.isEmpty
            if first { momentum = [Float](repeating: 0, count: d) }
            guard momentum.count == d else {
                throw TGFLError.shapeMismatch("FedAvgM momentum has \(momentum.count) entries, the model \(d)")
            }
            for k in 0..<d {
                let g = Double(global[k]) - Double(mean[k])
                let v = first ? g : beta * Double(momentum[k]) + g
                momentum[k] = Float(v)
                out[k] = Float(Double(global[k]) - lr * Double(momentum[k]))
            }
        } else {
            for k in 0..<d {
                let g = Double(global[k]) - Double(mean[k])
                out[k] = Float(Double(global[k]) - lr * g)
            }
        }
        return out
    }

    /// The server state (momentum, moments) for a resumable checkpoint.
    public func exportState() -> StrategyState { StrategyState(vectors: ["momentum": momentum]) }
    /// Restores the server state saved by `exportState()`.
    public mutating func restoreState(_ state: StrategyState) throws { momentum = state.vectors["momentum"] ?? [] }
}
