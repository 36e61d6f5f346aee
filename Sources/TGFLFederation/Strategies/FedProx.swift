import TGFLBase

/// FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous Networks",
/// arXiv:1812.06127); Flower `FedProx`.
///
/// The server rule is FedAvg's; each client adds the proximal term to its local loss:
/// ```
/// F_i(w) + (μ/2) ‖w − w_t‖²
/// ```
/// μ reaches the clients as `FitConfig.proximalMu` (Flower's `proximal-mu` config key).
public struct FedProx: MeanBasedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "FedProx" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Proximal weight μ ≥ 0 (Flower `proximal_mu`, default 0.0, which makes FedProx FedAvg).
    public var proximalMu: Double
    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(proximalMu: Double = 0.0, sampling: SamplingConfig = SamplingConfig()) {
        self.proximalMu = proximalMu
        self.sampling = sampling
    }
    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        guard proximalMu >= 0, proximalMu.isFinite else {
            throw TGFLError.outOfRange("proximal_mu = \(proximalMu) must be finite and ≥ 0")
        }
    }
    /// The next global parameters from the example-weighted mean of the client models.
    public mutating func step(round: Int, global: [Float], mean: [Float]) throws -> [Float] { mean }
}
