import Foundation
import TGFLCore

/// One institution of a joint federation as a `FederatedClient` of the engine: it trains the
/// global joint network on its own days of all K assets.
///
/// ```
/// fit(w_global, config):
///     local ← JointScenarioModel(same config, the federation's data models), weights w_global
///     AdamW at the constant rate config.learningRate for config.localSteps steps,
///     batch s drawn by SeededRNG(seed: config.seed, stream: s) from its windows
///     return w_local, n = its training windows, train_loss = the last step's loss
/// evaluate: no held-out days (returns 0 examples; the engine then records no validation loss)
/// ```
/// A fresh local model (and optimizer) each round, as `TransformerClient`: a round is a pure
/// function of `(w_global, config)`, whatever the thread count or the rounds it missed.
/// The FedProx term is not implemented for the joint network: `proximal_mu` > 0 is refused.
public struct JointClient: FederatedClient {
    /// The client id (its index among the institutions).
    public let id: Int
    /// Its log returns, one column per asset, on its own days.
    public let columns: [[Double]]
    /// The asset names, as the data models hold them.
    public let names: [String]
    /// The architecture of the joint network.
    public let config: ModelConfig
    /// The federation's data models (tokenizer, filters, regimes).
    public let dataModels: JointDataModels
    /// Windows per local batch, ≥ 1.
    public let batchSize: Int
    /// Its training windows (the FedAvg weight).
    public let numExamples: Int

    /// - Parameters:
    ///   - id: The institution's index.
    ///   - columns: Its returns, one column per asset.
    ///   - config: The joint network's configuration.
    ///   - dataModels: The fitted data models.
    ///   - batchSize: Windows per local batch.
    /// - Throws: `TGFLError.invalidArgument` naming the institution when its data is bad or
    ///   too short for one window.
    public init(id: Int, columns: [[Double]], config: ModelConfig, dataModels: JointDataModels, batchSize: Int) throws {
        self.id = id; self.columns = columns; self.names = dataModels.assets
        self.config = config; self.dataModels = dataModels; self.batchSize = batchSize
        do {
            numExamples = try JointScenarioModel.trainingWindowCount(dataModels.encode(columns, what: "returns"),
                                                                     assets: dataModels.count, length: config.contextLength)
        } catch TGFLError.invalidArgument(let message) {
            throw TGFLError.invalidArgument("institution \(id): \(message)")
        }
    }

    /// Trains locally from `global` (see the type's formula).
    /// - Throws: `TGFLError.outOfRange` for FedProx's μ > 0; `.invalidArgument` naming the
    ///   institution when local training fails (e.g. a non-finite gradient).
    public func fit(global: [Float], config fit: FitConfig) throws -> ClientUpdate {
        guard fit.proximalMu == 0 else {
            throw TGFLError.outOfRange("institution \(id): the joint network has no FedProx term (proximal_mu = "
                + "\(fit.proximalMu)); use FedAvg, FedAvgM, FedAdagrad, FedAdam or FedYogi")
        }
        let local = try JointScenarioModel(config: config, assets: dataModels.count, seed: 0)
        try local.setDataModels(dataModels)
        try local.network.setParameters(global)
        var training = TrainingOptions(steps: fit.localSteps, batchSize: batchSize, learningRate: fit.learningRate,
                                       minLearningRate: fit.learningRate, warmupSteps: 0, validationFraction: 0,
                                       evaluateEvery: max(fit.localSteps, 1), seed: fit.seed, threads: 1)
        training.outputPrior = false
        let report: JointTrainingReport
        do {
            // The weights only: the pilot calibrations would change the local data models, which are not sent.
            report = try local.fitNetwork(columns: columns, names: names, options: training)
        } catch TGFLError.invalidArgument(let message) {
            throw TGFLError.invalidArgument("institution \(id): \(message)")
        }
        return ClientUpdate(clientID: id, parameters: local.network.parameters(), numExamples: report.trainingWindows,
                            metrics: ["train_loss": report.finalTrainLoss])
    }

    /// The joint federation holds out no days: no federated evaluation.
    public func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) { (0, 0) }
}
