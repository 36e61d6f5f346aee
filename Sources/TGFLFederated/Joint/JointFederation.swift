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
    /// Seed of the run: the engine derives each round's sampling, each institution's batches
    /// (`RandomPurpose.localFit`), the DP noise and the masks from it.
    public var seed: UInt64
    /// Institutions trained at once (nil: all cores); each local step runs on one thread.
    /// Results do not depend on it.
    public var threads: Int?
    /// Client-level DP (DP-FedAvg: clipping, Gaussian noise on the mean, ε by the RDP and PLD
    /// accountants; mean-based strategies only — see `DifferentialPrivacy`), or nil.
    /// `numSampledClients` must be the round's sample size (all institutions by default).
    public var privacy: DPConfig?
    /// δ of the reported (ε, δ).
    public var privacyDelta: Double
    /// Pairwise-masked secure aggregation (mean-based strategies, ≥ 2 institutions per round).
    public var secureAggregation: Bool
    /// Simulated dropouts, stragglers and Byzantine institutions.
    public var faults: FaultConfig
    /// Public log returns, one column per asset, to fit the data models and the output prior on
    /// instead of the institutions' summaries: no summary is shared and, with DP, ε covers the
    /// whole release. nil (default): the institutions' summaries, in the clear.
    public var publicData: [[Double]]? = nil
    /// Days the server evaluates the global model on after every round: `columns` (one log-return
    /// column per asset, the days before `fromDay` only running the filters) and the first
    /// held-out day (`JointScenarioModel.heldOutLoss`). nil (default): no held-out evaluation.
    /// No institution trains on them; in a real federation they are a validation set the
    /// coordinator (or one validating institution) holds.
    public var heldOut: JointHeldOutDays? = nil
    /// Keep the global weights of the round with the lowest held-out loss instead of the last
    /// round's (needs `heldOut`; the record's `best_round` says which). A joint model overfits a
    /// few thousand days fast, as `TrainingOptions.restoreBest` says for central training.
    public var restoreBestRound = false
    /// The parts the data models are fitted with (whitening rule, z tail map, variance
    /// calibration; `JointDataSettings`, default: all, the two-factor whitening).
    public var data = JointDataSettings()

    /// Creates it from the values its properties document.
    public init(rounds: Int = 10, localSteps: Int = 20, batchSize: Int = 32, learningRate: Double = 1e-3,
                seed: UInt64 = 42, threads: Int? = nil, privacy: DPConfig? = nil, privacyDelta: Double = 1e-5,
                secureAggregation: Bool = false, faults: FaultConfig = FaultConfig()) {
        self.rounds = rounds; self.localSteps = localSteps; self.batchSize = batchSize
        self.learningRate = learningRate; self.seed = seed; self.threads = threads
        self.privacy = privacy; self.privacyDelta = privacyDelta
        self.secureAggregation = secureAggregation; self.faults = faults
    }
}

/// The held-out days of a joint federation (`JointFederationOptions.heldOut`).
public struct JointHeldOutDays: Sendable {
    /// Log returns, one column per asset in the federation's order; days before `fromDay` only
    /// run the volatility filters.
    public var columns: [[Double]]
    /// The first held-out day.
    public var fromDay: Int

    /// Creates it from the values its properties document.
    public init(columns: [[Double]], fromDay: Int) {
        self.columns = columns; self.fromDay = fromDay
    }
}

/// What the progress callback of `JointFederation.federate` gets after each round.
public struct JointRoundProgress: Sendable {
    /// The engine's record of the round (participants, dropped and rejected institutions, ε).
    public var record: RoundRecord
    /// The example-weighted mean local training loss (NaN when no update was aggregated).
    public var trainLoss: Double
    /// The global model's loss on the held-out days (nil without `heldOut`).
    public var heldOutLoss: Double?
}

/// What a joint federation did: each round's record from the engine and the privacy spent.
public struct JointFederationReport: Sendable {
    /// The engine's record of every round (participants, rejected updates and why, ε so far).
    public var rounds: [RoundRecord]
    /// The example-weighted mean local training loss of each round (NaN when no update arrived).
    public var losses: [Double]
    /// The global model's loss on the held-out days after each round (empty without `heldOut`).
    public var heldOutLosses: [Double?] = []
    /// The round whose weights the model holds when `restoreBestRound` found a best (else nil:
    /// the last round's).
    public var bestRound: Int?
    /// ε at `record.delta` (nil without DP).
    public var epsilon: Double?
    /// The record also stored in the model as its `federation` record.
    public var record: JointFederationRecord
}

/// Federated training of a joint model of K assets where **institutions hold the same assets
/// over different periods** (each one its own days of all K columns).
///
/// ```
/// data models:  JointDataModels.fit(assets, trainingSpans: one span per institution)
///               (sums only: likelihoods and gradients for the filters, σ histograms,
///               per-regime cross-products of z, moments of u, exact-zero counts per
///               asset and token; see that function)
/// output prior: per-(asset, level) token counts, summed over institutions
/// rounds:       FederatedSimulation (the engine of the single-asset federation) with one
///               JointClient per institution: sampling, faults, screening (a non-finite,
///               wrong-length or failed update is rejected and recorded), the strategy or
///               DP-FedAvg (clipping, noise, ε), secure aggregation
/// ```
/// Why this federation: the network's input is a whole day of every asset, so an institution
/// must hold every asset of the days it contributes; periods split cleanly (as the
/// single-series `--partition time` does). Overlapping *subsets* of assets would need a
/// "missing" token per asset and are not supported.
///
/// Privacy: ε covers the rounds (the weights each institution sends). The data models and the
/// output prior are fitted from the institutions' summaries shared in the clear, or, with
/// `JointFederationOptions.publicData`, on public data (then ε covers the whole release); the
/// record's `data_models` and `privacy.epsilon_covers` say which.
public enum JointFederation {
    /// Trains `model` (untrained: its data models are fitted here) on the institutions' periods.
    /// - Parameters:
    ///   - model: a fresh `JointScenarioModel` with `names.count` assets.
    ///   - institutions: per institution, one log-return column per asset (its own days).
    ///   - names: the asset names.
    ///   - strategy: the server rule (default FedAvg).
    ///   - options: rounds, local steps, batch, learning rate, seed, DP, secure aggregation, faults.
    ///   - progress: called after each round with the round and the mean local loss; false stops.
    /// - Returns: the mean local training loss of each round.
    /// - Throws: `TGFLError.invalidArgument` naming the institution whose data is bad or too
    ///   short for a window, or a DP/strategy combination without a proof; `.cancelled`.
    @discardableResult
    public static func train(model: JointScenarioModel, institutions: [[[Double]]], names: [String],
                             strategy: FederatedStrategy = FedAvg(), options: JointFederationOptions,
                             progress: ((Int, Double) -> Bool)? = nil) throws -> [Double] {
        try federate(model: model, institutions: institutions, names: names, strategy: strategy, options: options,
                     progress: progress.map { p in { p($0.record.round, $0.trainLoss) } }).losses
    }

    /// `train`, returning the full report (rounds, held-out losses, ε, the record); `progress`
    /// gets each round's record and losses.
    /// - Throws: as `train`; `.invalidArgument` for `restoreBestRound` without `heldOut`.
    public static func federate(model: JointScenarioModel, institutions: [[[Double]]], names: [String],
                                strategy: FederatedStrategy = FedAvg(), options: JointFederationOptions,
                                progress: ((JointRoundProgress) -> Bool)? = nil) throws -> JointFederationReport {
        let clients = try makeClients(model: model, institutions: institutions, names: names, options: options)
        return try run(model: model, clients: clients, strategy: strategy, options: options, progress: progress)
    }

    /// Fits the data models and the output prior from the institutions' spans and makes one
    /// `JointClient` per institution.
    static func makeClients(model: JointScenarioModel, institutions: [[[Double]]], names: [String],
                            options: JointFederationOptions) throws -> [JointClient] {
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
        settings.joint = options.data
        let spans = options.publicData.map { [$0] } ?? institutions
        let owner = { (c: Int) in options.publicData == nil ? "institution \(c)" : "the public data" }
        let models = try JointDataModels.fit(assets: names, trainingSpans: spans, config: settings)
        try model.setDataModels(models)
        let encoded = try spans.enumerated().map { c, columns in try models.encode(columns, what: owner(c)) }
        try model.network.setOutputPrior(tokens: encoded.map(\.tokens), conditions: encoded.map(\.conditions))
        return try institutions.enumerated().map { c, columns in
            try JointClient(id: c, columns: columns, config: model.config, dataModels: models, batchSize: options.batchSize)
        }
    }

    /// Runs the rounds through `FederatedSimulation` and stores the weights and the record in
    /// `model` (also when the run stops early: the last completed round's).
    static func run(model: JointScenarioModel, clients: [any FederatedClient], strategy: FederatedStrategy,
                    options: JointFederationOptions, progress: ((JointRoundProgress) -> Bool)?) throws -> JointFederationReport {
        guard strategy.proximalMu == 0 else {
            throw TGFLError.invalidArgument("\(strategy.name): the joint network has no FedProx term (proximal_mu = "
                + "\(strategy.proximalMu)); use FedAvg, FedAvgM, FedAdagrad, FedAdam or FedYogi")
        }
        let config = SimulationConfig(rounds: options.rounds, seed: options.seed, localSteps: options.localSteps,
                                      learningRate: options.learningRate, threads: options.threads ?? 0,
                                      faults: options.faults, privacy: options.privacy,
                                      privacyDelta: options.privacyDelta, secureAggregation: options.secureAggregation)
        guard !options.restoreBestRound || options.heldOut != nil else {
            throw TGFLError.invalidArgument("restoreBestRound needs heldOut days to choose the best round on")
        }
        let simulation = try FederatedSimulation(clients: clients, strategy: strategy,
                                                 initialParameters: model.network.parameters(), config: config)
        // The server's copy for the held-out evaluation (the engine keeps the global weights).
        let evaluator = try options.heldOut.map { _ in
            let m = try JointScenarioModel(config: model.config, assets: model.assetCount, seed: 0)
            guard let models = model.dataModels else {
                throw TGFLError.invalidArgument("the held-out evaluation needs the federation's data models; fit them first")
            }
            try m.setDataModels(models)
            return m
        }
        var best = BestTracker(keepsParameters: options.restoreBestRound)
        var heldOutLosses: [Double?] = [], evaluationError: Error?
        func finish(best: BestTracker?) throws -> JointFederationReport {
            let state = simulation.state
            try model.network.setParameters(best?.parameters ?? state.globalParameters)
            try model.calibrateTails()                             // the z tail map's pilots (JointTailMap)
            try model.calibrateBands()                             // the z band map's pilots (JointBandMap)
            try model.calibrateVariance()                          // each asset's σ level (JointVarianceCalibration)
            var record = JointFederationRecord(state: state, options: options,
                                               clientTrainWindows: clients.map(\.numExamples))
            record.bestRound = best?.parameters == nil ? nil : best?.position
            model.network.records[FederationRecord.recordName] = try record.jsonString()
            return JointFederationReport(rounds: state.history, losses: state.history.map(Self.loss),
                                         heldOutLosses: heldOutLosses, bestRound: record.bestRound,
                                         epsilon: record.epsilon, record: record)
        }
        do {
            try simulation.run(progress: { record in
                var heldOut: Double?
                if let evaluator, let days = options.heldOut {
                    do {
                        try evaluator.network.setParameters(simulation.state.globalParameters)
                        heldOut = try evaluator.heldOutLoss(columns: days.columns, fromDay: days.fromDay,
                                                            batchSize: options.batchSize)
                    } catch {
                        evaluationError = error
                        return false
                    }
                    heldOutLosses.append(heldOut)
                    best.offer(heldOut, at: record.round) { simulation.state.globalParameters }
                }
                return progress?(JointRoundProgress(record: record, trainLoss: Self.loss(record), heldOutLoss: heldOut)) ?? true
            })
        } catch {
            _ = try? finish(best: nil)
            throw evaluationError ?? error
        }
        return try finish(best: best)
    }

    /// A round's example-weighted mean local loss (NaN when no update was aggregated).
    static func loss(_ record: RoundRecord) -> Double { record.trainMetrics["train_loss"] ?? .nan }
}

/// How a joint model was trained by federated learning: stored as the checkpoint record
/// `federation` (format `tgfl.federation`, `kind` = `joint_same_assets_over_periods`).
public struct JointFederationRecord: Codable, Equatable, Sendable {
    /// `tgfl.federation`, as the single-asset record.
    public var format = FederationRecord.formatName
    /// The format version this library writes.
    public var version = FederationRecord.currentVersion
    /// The federation: institutions hold all assets over different periods.
    public var kind = "joint_same_assets_over_periods"
    /// The strategy's name (`FedAvg`, …).
    public var strategy: String
    /// Rounds asked for.
    public var rounds: Int
    /// Rounds completed (fewer when the run was stopped).
    public var completedRounds: Int
    /// Number of institutions (clients).
    public var institutions: Int
    /// Local optimizer steps per round.
    public var localSteps: Int
    /// Windows per local batch.
    public var batchSize: Int
    /// Local learning rate.
    public var learningRate: Double
    /// The run's seed, as text.
    public var seed: String
    /// Each institution's training windows.
    public var clientTrainWindows: [Int]
    /// DP: the mechanism and ε (as in the single-asset record).
    public var privacy: FederationRecord.Privacy
    /// ε at `delta` (nil without DP).
    public var epsilon: Double?
    /// δ of the reported (ε, δ).
    public var delta: Double
    /// Whether the rounds were aggregated through pairwise masks.
    public var secureAggregation: Bool
    /// Simulated dropouts, deadline and Byzantine institutions.
    public var faults: FederationRecord.Faults
    /// How the data models were fitted, and whether ε covers them.
    public var dataModels: String
    /// The round whose weights the model holds (lowest held-out loss), or nil: the last round's.
    public var bestRound: Int?
    /// Each round: participants, rejected institutions, ε so far.
    public var history: [FederationRecord.Round]

    enum CodingKeys: String, CodingKey {
        case format, version, kind, strategy, rounds, completedRounds = "completed_rounds", institutions
        case localSteps = "local_steps", batchSize = "batch_size", learningRate = "learning_rate", seed
        case clientTrainWindows = "client_train_windows", privacy, epsilon, delta
        case secureAggregation = "secure_aggregation", faults, dataModels = "data_models", bestRound = "best_round", history
    }

    /// The record of a run from the engine's state and the options.
    init(state: FederationState, options o: JointFederationOptions, clientTrainWindows: [Int]) {
        strategy = state.strategyName
        rounds = o.rounds; completedRounds = state.completedRounds; institutions = state.numClients
        localSteps = o.localSteps; batchSize = o.batchSize; learningRate = o.learningRate; seed = String(o.seed)
        self.clientTrainWindows = clientTrainWindows
        privacy = FederationRecord.privacy(o.privacy, delta: o.privacyDelta, state: state,
                                           publicDataModels: o.publicData != nil)
        epsilon = privacy.epsilon; delta = o.privacyDelta
        secureAggregation = o.secureAggregation
        faults = FederationRecord.faults(o.faults)
        dataModels = o.publicData.map { "public data: \($0.first?.count ?? 0) days of every asset; no summary of the "
            + "institutions' data was shared" }
            ?? "institutions' summaries (likelihoods and gradients, σ histograms, cross-products of z, token "
            + "counts) combined on the server in the clear: not covered by ε"
        history = FederationRecord.history(state.history)
    }

    /// The record as JSON (`TGFLJSON`).
    public func jsonString() throws -> String { try TGFLJSON.string(self, what: "joint federation record") }
}
