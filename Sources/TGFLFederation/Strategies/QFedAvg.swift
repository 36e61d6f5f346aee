import Foundation
import TGFLBase

/// q-Fair Federated Averaging (Li et al. 2020, "Fair Resource Allocation in Federated
/// Learning", ICLR, openreview ByexElSYDr); Flower `QFedAvg`.
///
/// ```
/// L = 1 / client_learning_rate;  g_i = L·(w_t − w_i);  F_i = train_loss_i + 1e-10
/// Δ_i = F_i^q · g_i;   h_i = q·F_i^(q−1)·‖g_i‖² + L·F_i^q        (whole-model norm)
/// w_{t+1} = w_t − Σ_i Δ_i / Σ_i h_i
/// ```
public struct QFedAvg: FederatedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "QFedAvg" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Fairness q ≥ 0; 0 gives FedAvg-like averaging (Flower `q`, default 0.1).
    public var q: Double
    /// The clients' local learning rate, > 0 (Flower `client_learning_rate`, required, no default).
    public var clientLearningRate: Double
    /// Metric key of the client training loss (Flower `train_loss_key`, default `"train_loss"`).
    public var trainLossKey: String

    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(clientLearningRate: Double, q: Double = 0.1, trainLossKey: String = "train_loss",
                sampling: SamplingConfig = SamplingConfig()) {
        self.clientLearningRate = clientLearningRate
        self.q = q
        self.trainLossKey = trainLossKey
        self.sampling = sampling
    }

    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        try checkPositive(clientLearningRate, "client_learning_rate")
        guard q >= 0, q.isFinite else { throw TGFLError.outOfRange("q = \(q) must be finite and ≥ 0") }
    }

    /// The next global parameters from this round's client updates (see the type's formula).
    public mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float] {
        guard !updates.isEmpty else { throw TGFLError.invalidArgument("QFedAvg needs at least one update") }
        let L = 1 / clientLearningRate
        let d = global.count
        var sumDelta = [Double](repeating: 0, count: d)
        var sumH = 0.0
        for u in updates {
            guard let loss = u.metrics[trainLossKey], loss.isFinite, loss >= 0 else {
                throw TGFLError.invalidArgument("QFedAvg: client \(u.clientID) reported no finite non-negative "
                    + "'\(trainLossKey)' metric; the client must return its training loss under that key")
            }
            let lossQ = pow(loss + 1e-10, q)
            var norm = 0.0
            for k in 0..<d {
                let g = L * (Double(global[k]) - Double(u.parameters[k]))
                norm += g * g
                sumDelta[k] += lossQ * g
            }
            sumH += q * pow(loss + 1e-10, q - 1) * norm + L * lossQ
        }
        return (0..<d).map { Float(Double(global[$0]) - sumDelta[$0] / sumH) }
    }
}
