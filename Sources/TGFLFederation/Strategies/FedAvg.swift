import TGFLBase

/// Federated Averaging (McMahan et al. 2017, "Communication-Efficient Learning of Deep
/// Networks from Decentralized Data", arXiv:1602.05629); Flower `FedAvg`.
///
/// ```
/// w_{t+1} = Σ_i (n_i / Σ_j n_j) · w_i
/// ```
public struct FedAvg: MeanBasedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "FedAvg" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(sampling: SamplingConfig = SamplingConfig()) { self.sampling = sampling }
    /// The next global parameters from the example-weighted mean of the client models.
    public mutating func step(round: Int, global: [Float], mean: [Float]) throws -> [Float] { mean }
}
