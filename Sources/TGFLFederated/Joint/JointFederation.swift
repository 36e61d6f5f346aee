import Foundation
import TGFLCore

/// Settings of federated joint training (`JointFederation.train`).
public struct JointFederationOptions: Sendable {
    /// Communication rounds, ≥ 1.
    public var rounds: Int
    /// Optimizer steps of each institution per round, ≥ 1.
    public var localSteps: Int
    /// Windows per local batch.
    public var batchSize: Int
    /// Local AdamW learning rate (constant; each round starts a fresh optimizer).
    public var learningRate: Double
    /// Seed of the local batches: client c in round r uses `seed + 1000·r + c`.
    public var seed: UInt64
    /// Threads of each local step (nil: the model's). Results do not depend on it.
    public var threads: Int?

    public init(rounds: Int = 10, localSteps: Int = 20, batchSize: Int = 32, learningRate: Double = 1e-3,
                seed: UInt64 = 42, threads: Int? = nil) {
        self.rounds = rounds; self.localSteps = localSteps; self.batchSize = batchSize
        self.learningRate = learningRate; self.seed = seed; self.threads = threads
    }
}

/// Federated training of a joint model of K assets where **institutions hold the same assets
/// over different periods** (each one its own days of all K columns).
///
/// ```
/// data models:  JointDataModels.fit(assets, trainingSpans: one span per institution)
///               (sums only: likelihoods and gradients for the filters, σ histograms,
///               per-regime cross-products of z, moments of u; see that function)
/// output prior: per-(asset, level) token counts, summed over institutions
/// round r:      each institution c trains the global weights for `localSteps` steps on its own
///               windows (windows never cross its days) → w_c, n_c windows
///               global ← strategy.aggregate(w_c, n_c)          (FedAvg: Σ n_c w_c / Σ n_c)
/// ```
/// Why this federation: the network's input is a whole day of every asset, so an institution
/// must hold every asset of the days it contributes; periods split cleanly (as the
/// single-series `--partition time` does). Overlapping *subsets* of assets would need a
/// "missing" token per asset and are not supported.
public enum JointFederation {
    /// Trains `model` (untrained: its data models are fitted here) on the institutions' periods.
    /// - Parameters:
    ///   - model: a fresh `JointScenarioModel` with `names.count` assets.
    ///   - institutions: per institution, one log-return column per asset (its own days).
    ///   - names: the asset names.
    ///   - strategy: the server rule (default FedAvg).
    ///   - options: rounds, local steps, batch, learning rate, seed.
    ///   - progress: called after each round with the round and the mean local loss; false stops.
    /// - Returns: the mean local training loss of each round.
    /// - Throws: `TGFLError.invalidArgument` naming the institution whose data is bad or too
    ///   short for a window; `.cancelled`.
    public static func train(model: JointScenarioModel, institutions: [[[Double]]], names: [String],
                             strategy: FederatedStrategy = FedAvg(), options: JointFederationOptions,
                             progress: ((Int, Double) -> Bool)? = nil) throws -> [Double] {
        guard options.rounds >= 1, options.localSteps >= 1 else {
            throw TGFLError.outOfRange("rounds and localSteps must be at least 1, got \(options.rounds) and \(options.localSteps)")
        }
        guard !institutions.isEmpty else { throw TGFLError.invalidArgument("no institutions to train on") }
        for (c, columns) in institutions.enumerated() where columns.count != names.count {
            throw TGFLError.invalidArgument(
                "institution \(c) holds \(columns.count) assets but the federation trains \(names.count) (\(names.joined(separator: ", "))); "
                + "every institution must hold every asset on its days")
        }
        var settings = DataPipelineConfig(model: model.config, trainFraction: 1)
        settings.volatilityLevels = model.levelsPerAsset
        let models = try JointDataModels.fit(assets: names, trainingSpans: institutions, config: settings)
        try model.setDataModels(models)
        let encoded = try institutions.enumerated().map { c, columns in
            try models.encode(columns, what: "institution \(c)")
        }
        try model.network.setOutputPrior(tokens: encoded.map(\.tokens), conditions: encoded.map(\.conditions))

        var server = strategy
        var losses: [Double] = []
        for round in 1...options.rounds {
            let global = model.network.parameters()
            var updates: [ClientUpdate] = []
            for (c, columns) in institutions.enumerated() {
                let local = try JointScenarioModel(config: model.config, assets: model.assetCount, seed: 0)
                try local.setDataModels(models)
                try local.network.setParameters(global)
                var training = TrainingOptions(steps: options.localSteps, batchSize: options.batchSize,
                                               learningRate: options.learningRate, minLearningRate: options.learningRate,
                                               warmupSteps: 0, validationFraction: 0, evaluateEvery: options.localSteps,
                                               seed: options.seed &+ UInt64(1000 * round + c), threads: options.threads)
                training.outputPrior = false
                let report: JointTrainingReport
                do {
                    report = try local.fit(columns: columns, names: names, options: training)
                } catch TGFLError.invalidArgument(let message) {
                    throw TGFLError.invalidArgument("institution \(c): \(message)")
                }
                updates.append(ClientUpdate(clientID: c, parameters: local.network.parameters(),
                                            numExamples: report.trainingWindows,
                                            metrics: ["train_loss": report.finalTrainLoss]))
            }
            try model.network.setParameters(try server.aggregate(round: round, global: global, updates: updates))
            let loss = updates.reduce(0) { $0 + $1.metrics["train_loss"]! } / Double(updates.count)
            losses.append(loss)
            if let progress, !progress(round, loss) { throw TGFLError.cancelled }
        }
        model.network.records[FederationRecord.recordName] = String(decoding: try JSONSerialization.data(withJSONObject: [
            "kind": "joint_same_assets_over_periods", "strategy": strategy.name, "rounds": options.rounds,
            "institutions": institutions.count, "local_steps": options.localSteps,
        ], options: [.sortedKeys]), as: UTF8.self)
        return losses
    }
}
