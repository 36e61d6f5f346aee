import Foundation
import TGFLCore

/// Settings of federated training of a `ScenarioModel` (contract §4).
public struct FederatedTrainingOptions: Sendable {
    /// Number of clients N ≥ 1 (the clients themselves are `FederatedTrainer.Federation.clients`).
    public var clientCount: Int = 8
    /// The number of clients.
    @available(*, deprecated, renamed: "clientCount")
    public var clients: Int {
        get { clientCount }
        set { clientCount = newValue }
    }
    /// Server rounds R ≥ 1.
    public var rounds: Int = 30
    /// Local AdamW steps per round S ≥ 0.
    public var localSteps: Int = 10
    /// Local mini-batch size B ≥ 1.
    public var batchSize: Int = 32
    /// Window length T (nil = the model's context length).
    public var sequenceLength: Int?
    /// Local learning rate.
    public var learningRate: Double = 1e-3
    /// Local AdamW weight decay.
    public var weightDecay: Double = 0.01
    /// Local global-norm gradient clip (0 = off).
    public var gradientClip: Double = 1.0
    /// Fraction of each series' days (the last ones) held out for validation, in [0, 1).
    public var validationFraction: Double = 0.2
    /// How training windows are split across clients.
    public var partition: PartitionScheme = .iid
    /// Smallest number of training windows a client may get.
    public var minPartitionWindows: Int = 1
    /// Client sampling (Flower's fraction_train, fraction_evaluate, min_*_nodes).
    public var sampling = SamplingConfig()
    /// Aggregation strategy and its Flower-named hyperparameters (missing ones take Flower's
    /// defaults, e.g. FedProx `proximal_mu` = 0.0).
    public var strategy: StrategyKind = .fedavg
    public var hyperparameters: [String: Double] = [:]
    /// Client-level DP (DP-FedAvg: Poisson sampling by default, fixed denominator, equal
    /// weights; mean-based strategies only — see `DifferentialPrivacy`), or nil.
    public var privacy: DPConfig?
    public var privacyDelta: Double = 1e-5
    public var secureAggregation = false
    /// Dropouts, stragglers, Byzantine clients.
    public var faults = FaultConfig()
    public var seed: UInt64 = 42
    /// Worker threads across clients (nil = all cores); results do not depend on it.
    public var threads: Int?
    /// Write a resumable checkpoint to `checkpointPath` every k rounds (nil = never).
    public var checkpointEvery: Int?
    public var checkpointPath: String?
    /// Validation windows each client evaluates at most.
    public var maxValidationWindows: Int = 64
    /// Clients also report `val_loss` of their new local weights from `fit` (one extra
    /// forward pass over their validation windows per round).
    public var reportLocalValidation = true
    /// When the data models are fitted here (a model that has none), also set `head.bias` to
    /// the smoothed log frequencies of the pooled training tokens (`TrainingOptions.outputPrior`):
    /// each series sends its V token counts on the fitted tokenizer and the server sums them.
    public var outputPrior = true
    /// Model selection: after the last round, the model gets the global weights of the round
    /// with the lowest global validation loss (clients' federated evaluation) instead of the
    /// last round's; the record's `best_round` says which. Tracked within one `fit` call; a
    /// cancelled run keeps its last round. Rounds without a validation loss are skipped.
    /// Off by default (unlike `TrainingOptions.restoreBest`): choosing a round by the clients'
    /// validation losses releases more of their data than the DP accounting covers (ε holds for
    /// the last round's model), and a resumed run must equal the uninterrupted one while the
    /// best round is tracked within one call.
    public var restoreBestRound = false
    /// After a run without DP, calibrate the volatility level of unconditional generation to
    /// the variance of every series' days (`ScenarioModel.calibrateUnconditionalVolatility`, as
    /// `TrainingOptions.calibrateVolatility` does centrally). It releases one more statistic per
    /// series, its count, sum and sum of squares of returns, which the DP accounting does not
    /// cover; so with `privacy` the target is `publicData`'s variance (times the clients' noised
    /// level ratio with `volatilityLevelNoiseMultiplier`), and without public data it is skipped.
    public var calibrateVolatility = true
    /// The pilot runs of that calibration (threads default to `threads`).
    public var volatilityCalibration = VolatilityCalibrationOptions()
    /// After a run without DP, before the calibration: choose the recursion of unconditional
    /// generation again on pilot paths of the trained global model (`ScenarioModel.rematchDependence`)
    /// against every series' training-span chunks — the pooled chunk curves the federated
    /// dependence matching already releases (`FederatedSummaryFitting`) — with the calibration's
    /// target (threads default to `threads`). nil (the default): off. Refused with `privacy`.
    public var rematchDependence: DependenceRematchOptions?
    /// Skip the warning for series that look like prices rather than log returns
    /// (`DataSanity.pricesWarning`).
    public var allowPrices = false
    /// Public series to fit the data models (filter, level edges, regimes, tokenizer) and the
    /// output prior on, when the model has none (`PublicDataModels`): then no summary of the
    /// clients' data is shared and, with DP, ε covers the whole release. nil (the default):
    /// fit them from the clients' summaries (`FederatedSummaryFitting`), shared in the clear
    /// and not covered by ε (the record's `privacy.epsilon_covers` says which).
    public var publicData: [ReturnSeries]? = nil
    /// Noise multiplier z_s > 0 of the clients' data-model summaries released through a
    /// Gaussian mechanism (`NoisedSummaries`), composed into ε with the rounds so that ε covers
    /// the data models without public data; needs `privacy`, no `publicData`, a v2 model and
    /// the `natural` or `time` partition. nil (the default): no noised summaries.
    public var summaryNoiseMultiplier: Double? = nil
    /// Noise multiplier z_v > 0 of the clients' volatility level released through a Gaussian
    /// mechanism (`NoisedVolatilityLevel`: each client's log-σ ratio to `publicData` on the same
    /// days), composed into ε with the rounds; the volatility calibration after the run then
    /// targets the public variance times the released ratio instead of the public variance.
    /// Needs `privacy`, dated `publicData`, `calibrateVolatility`, a v2 model and the `natural` or
    /// `time` partition. nil (the default): no release; the target is the public series'.
    public var volatilityLevelNoiseMultiplier: Double? = nil
    /// h > 0 of the noised volatility level: the bound of each client's log-σ ratio and of the
    /// released ū; the noise std on the sum is z_v·h, so ε (which depends on z_v only) is the same
    /// for every h, while a narrower box lowers the noise on ū (z_v·h/N) and clamps clients beyond
    /// ±h. Choose it from public data only (`Benchmarks/privacy_level_bound.py`). Used only with
    /// `volatilityLevelNoiseMultiplier`; default `NoisedVolatilityLevel.sensitivity` (0.25).
    public var volatilityLevelBound = NoisedVolatilityLevel.sensitivity
    /// With `publicData` and a v2 model: fit the MA(1) mean term of generation (`MeanTerm`, the
    /// lag-1 mean reversion DP networks do not learn) on the public series and put it in the
    /// model, before the rounds (`FederatedTrainer.setPublicMeanTerm`). Public data only, so it
    /// is post-processing: ε is unchanged. Default on; ignored without `publicData`.
    public var publicMeanTerm = true
    /// With `publicData` and a v2 model: after the run (and its volatility calibration), map the
    /// pooled z of unconditional generation onto the public series' z marginal (`ZMarginalMap`,
    /// from pilot paths of the trained model and the public residuals), then calibrate the
    /// volatility level again with the map in place. Post-processing of the release with public
    /// data: ε is unchanged. Default on (session 16); ignored without `publicData`.
    public var publicZMarginal = true
    /// The tensors trained, clipped, noised and aggregated (`TrainableTensors`); the rest stay
    /// at the initial model's values. Default: all.
    public var trainable: TrainableTensors = .all
    /// How each client encodes its windows (`ClientEncoding`): `.pooledFilter` (the default) by
    /// the model's data models, fitted on all clients' summaries; `.ownFilter` by its own filter
    /// fitted on its own training span and the shared tokenizer (v2, natural partition, no
    /// public data or noised summaries).
    public var clientEncoding: ClientEncoding = .pooledFilter
    /// Where the model's initial network came from (`FederatedTrainer.prepareInitialModel`),
    /// stated in the record; nil: a fresh model.
    public var initialModel: InitialModelRecord? = nil

    public init() {}
}

/// What `FederatedTrainer.fit` reports after every round.
public struct RoundProgress: Sendable {
    public var round: Int
    public var totalRounds: Int
    /// Example-weighted validation loss of the new global model.
    public var validationLoss: Double?
    /// Example-weighted mean local training loss.
    public var trainLoss: Double?
    public var participants: Int
    public var dropped: Int
    public var rejected: Int
    /// ε so far at `privacyDelta` (nil without DP).
    public var epsilon: Double?
    public var elapsedSeconds: Double
    public var etaSeconds: Double
    /// The engine's full record of the round.
    public var record: RoundRecord
}

/// The outcome of a federated run.
public struct FederatedTrainingReport: Sendable {
    public var rounds: [RoundRecord]
    public var epsilon: Double?
    public var delta: Double
    /// The record also stored in the model (`ScenarioModel.federationRecord()`).
    public var record: FederationRecord
    /// `record` as JSON.
    public var federationJSON: String
    /// The calibration of unconditional generation after the run
    /// (`FederatedTrainingOptions.calibrateVolatility`; nil with DP without public data, for v1
    /// or when off).
    public var volatilityCalibration: VolatilityCalibration?
    /// What the rematch on the global model's own pilots did
    /// (`FederatedTrainingOptions.rematchDependence`; nil when off).
    public var dependenceRematch: DependenceRematch?
}

/// Trains a `ScenarioModel` by simulated federated learning over several return series.
///
/// ```
/// 1. each series j: training span = first ⌊(1 − validationFraction)·n_j⌋ days
/// 2. data models (if the model has none): every series sends a LocalDataSummary
///    (n, mean, M2, volatility histogram); the server fits the tokenizer (pooled moments)
///    and the regime thresholds (quantiles of the pooled histogram) — no raw returns pooled;
///    then (outputPrior) every series sends its V token counts on that tokenizer and the
///    server sets head.bias to the smoothed log frequencies of their sum (TokenPrior).
///    With `publicData` all of this is fitted on the public series instead (`PublicDataModels`)
/// 3. tokenize, label, cut windows of length T; time split per series (train | validation);
///    with clientEncoding .ownFilter each series by its own filter and the shared own-z
///    tokenizer instead (`ClientEncoding`)
/// 4. partition training windows across N clients (WindowMetadata → WindowInfo);
///    validation windows: own series (natural), contiguous periods (time), else IID
/// 5. TransformerClient per client → FederatedSimulation(strategy, sampling, DP, faults)
/// 6. model ← final global weights; the model's `federation` record ← FederationRecord
/// ```
/// Data-model approximation: summaries are made per *series* (the natural data owner). With
/// the `natural` partition that is exactly one summary per client; with other partitions of
/// fewer series than clients it is a simulation shortcut (the statistics equal those of the
/// pooled training spans: exact for the tokenizer, within one histogram bin, ≈ 0.29 %, for the
/// regime thresholds).
///
/// Reference: McMahan et al. (2017) FedAvg; Flower's simulation engine (`flwr.simulation`);
/// contract §4.
public final class FederatedTrainer {
    public let model: ScenarioModel
    public let options: FederatedTrainingOptions

    /// - Throws: `TGFLError.outOfRange`/`.invalidArgument` naming the bad option.
    public init(model: ScenarioModel, options: FederatedTrainingOptions) throws {
        let o = options
        func bad(_ m: String) -> TGFLError { .outOfRange("FederatedTrainingOptions." + m) }
        guard o.clientCount >= 1 else { throw bad("clients must be at least 1, got \(o.clientCount)") }
        guard o.rounds >= 1 else { throw bad("rounds must be at least 1, got \(o.rounds)") }
        guard o.localSteps >= 0 else { throw bad("localSteps must be ≥ 0, got \(o.localSteps)") }
        guard o.batchSize >= 1 else { throw bad("batchSize must be at least 1, got \(o.batchSize)") }
        try TrainingOptionChecks.windowAndRate(sequenceLength: o.sequenceLength, learningRate: o.learningRate,
                                               contextLength: model.config.contextLength, bad)
        guard o.validationFraction >= 0, o.validationFraction < 1 else {
            throw bad("validationFraction must be in [0, 1), got \(o.validationFraction)")
        }
        guard o.minPartitionWindows >= 1 else { throw bad("minPartitionWindows must be ≥ 1, got \(o.minPartitionWindows)") }
        for (name, f) in [("fractionTrain", o.sampling.fractionTrain), ("fractionEvaluate", o.sampling.fractionEvaluate)]
        where !(f > 0 && f <= 1) {
            throw bad("sampling.\(name) must be in (0, 1], got \(f)")
        }
        if let t = o.threads, t < 1 { throw bad("threads must be at least 1, got \(t)") }
        if o.rematchDependence != nil, o.privacy != nil {
            throw bad("rematchDependence needs a run without DP (it compares with the clients' chunk curves, which "
                      + "the DP accounting does not cover); set it to nil with privacy")
        }
        if let k = o.checkpointEvery {
            guard k >= 1 else { throw bad("checkpointEvery must be ≥ 1, got \(k)") }
            guard o.checkpointPath != nil else { throw bad("checkpointEvery is set but checkpointPath is nil") }
        }
        guard o.maxValidationWindows >= 1 else { throw bad("maxValidationWindows must be ≥ 1") }
        _ = try o.strategy.makeStrategy(hyperparameters: o.hyperparameters, sampling: o.sampling,
                                        clientLearningRate: o.learningRate)
        if o.privacy != nil, !o.strategy.supportsDifferentialPrivacy {
            throw TGFLError.invalidArgument(FederatedSimulation.noDPMessage(o.strategy.rawValue))
        }
        try Self.checkSummaryNoise(o, model: model)
        try Self.checkVolatilityLevelNoise(o, model: model)
        try Self.checkClientEncoding(o, model: model)
        _ = try o.trainable.subset(ParameterLayout(config: model.config))
        self.model = model
        self.options = options
    }

    /// `summaryNoiseMultiplier`'s rules.
    /// - Throws: `TGFLError.outOfRange`/`.invalidArgument` saying which rule and how to fix it.
    private static func checkSummaryNoise(_ o: FederatedTrainingOptions, model: ScenarioModel) throws {
        guard let z = o.summaryNoiseMultiplier else { return }
        guard z > 0, z.isFinite else {
            throw TGFLError.outOfRange("FederatedTrainingOptions.summaryNoiseMultiplier must be positive and finite, got \(z)")
        }
        guard o.privacy != nil else {
            throw TGFLError.invalidArgument("noised summaries need DP rounds (privacy): their release is accounted "
                + "together with the rounds")
        }
        guard o.publicData == nil else {
            throw TGFLError.invalidArgument("noised summaries and publicData exclude each other: with public data "
                + "no summary is released; drop one")
        }
        guard model.config.modelVersion >= 2 else {
            throw TGFLError.invalidArgument("noised summaries need a v2 model (volatility filter outside the network)")
        }
        guard !model.isFitted else {
            throw TGFLError.invalidArgument("noised summaries fit the data models of a fresh model, but this model "
                + "already has them (nothing would be released); use a fresh model or drop summaryNoiseMultiplier")
        }
        try requireDayPartition(o.partition, "noised summaries need")
    }

    /// `what` needs the `natural` or `time` partition (a client holds whole days of a series).
    private static func requireDayPartition(_ partition: PartitionScheme, _ what: String) throws {
        switch partition {
        case .natural, .timePeriods: break
        default:
            throw TGFLError.invalidArgument("\(what) partition natural or time (a client holds whole days), got "
                + partition.cliName)
        }
    }

    /// `volatilityLevelNoiseMultiplier`'s rules.
    /// - Throws: `TGFLError.outOfRange`/`.invalidArgument` saying which rule and how to fix it.
    private static func checkVolatilityLevelNoise(_ o: FederatedTrainingOptions, model: ScenarioModel) throws {
        guard let z = o.volatilityLevelNoiseMultiplier else {
            guard o.volatilityLevelBound == NoisedVolatilityLevel.sensitivity else {
                throw TGFLError.invalidArgument("FederatedTrainingOptions.volatilityLevelBound is the box of the noised "
                    + "volatility level: set volatilityLevelNoiseMultiplier too, or leave the bound at its default")
            }
            return
        }
        guard o.volatilityLevelBound > 0, o.volatilityLevelBound.isFinite else {
            throw TGFLError.outOfRange("FederatedTrainingOptions.volatilityLevelBound must be positive and finite, got "
                + "\(o.volatilityLevelBound)")
        }
        guard z > 0, z.isFinite else {
            throw TGFLError.outOfRange("FederatedTrainingOptions.volatilityLevelNoiseMultiplier must be positive and "
                + "finite, got \(z)")
        }
        guard o.privacy != nil else {
            throw TGFLError.invalidArgument("the noised volatility level needs DP rounds (privacy): its release is "
                + "accounted together with the rounds (without DP the calibration uses the members' data directly)")
        }
        guard let publicData = o.publicData, publicData.first?.dates != nil else {
            throw TGFLError.invalidArgument("the noised volatility level is a ratio to the public series on the same "
                + "dates: it needs dated publicData (public data models)")
        }
        guard o.calibrateVolatility, model.config.modelVersion >= 2 else {
            throw TGFLError.invalidArgument("the noised volatility level is used only by the volatility calibration "
                + "of a v2 model: turn calibrateVolatility on, use a v2 model, or drop volatilityLevelNoiseMultiplier")
        }
        try requireDayPartition(o.partition, "the noised volatility level needs")
    }

    /// The clients of a run (built by `makeClients`), with the window counts.
    public struct Federation: Sendable {
        public let clients: [TransformerClient]
        public let trainWindows: Int
        public let validationWindows: Int
        public let sequenceLength: Int
    }

    /// Steps 1–4 of the type's recipe: fits the data models if needed and builds the clients.
    /// - Throws: `TGFLError.invalidArgument` for no series, NaN returns, too little data, or a
    ///   client whose partition is under `minPartitionWindows` (naming the client).
    public func makeClients(series: [[Double]]) throws -> Federation {
        try makeClients(series: series.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) })
    }

    /// Steps 1–4 on named series (errors name the series).
    public func makeClients(series: [ReturnSeries]) throws -> Federation {
        let o = options
        guard !series.isEmpty else { throw TGFLError.invalidArgument("no return series given to train on") }
        let trainFraction = 1 - o.validationFraction
        let pipeline = try DataPipeline(config: DataPipelineConfig(model: model.config, trainFraction: trainFraction))
        let fresh = !model.isFitted
        let publicData = model.dataModels == nil ? try dataModelSource(series) : options.publicData
        var models = try model.dataModels ?? fitDataModels(series, pipeline: pipeline, publicData: publicData)
        let T = o.sequenceLength ?? model.config.contextLength
        let prepared: PreparedData
        if let own = try ownEncoders(series, pipeline: pipeline, fresh: fresh) {
            if fresh { models = try DataModels(tokenizer: own.tokenizer, regimes: models.regimes, volatility: models.volatility) }
            prepared = try pipeline.prepare(series, models: models, encoders: own.encoders, windowLength: T)
        } else {
            prepared = try pipeline.prepare(series, models: models, windowLength: T)
        }
        if fresh {
            try model.setDataModels(models)
            if o.outputPrior { try setOutputPrior(prepared, models: models, publicData: publicData) }
        }
        try setPublicMeanTerm()
        let train = prepared.split.train, validation = prepared.split.validation

        if case .natural = o.partition {
            guard series.count == o.clientCount else {
                throw TGFLError.invalidArgument("natural partition: \(series.count) series but clients = \(o.clientCount); "
                    + "give one series per client")
            }
            for j in series.indices {
                let n = train.windows.lazy.filter { $0.seriesIndex == j }.count
                if n < o.minPartitionWindows {
                    throw TGFLError.invalidArgument("natural partition: client \(j) (series '\(series[j].name)', \(series[j].values.count) days) "
                        + "gets \(n) training windows, fewer than minPartitionWindows = \(o.minPartitionWindows); "
                        + "it needs at least \(T + o.minPartitionWindows) training days (window length \(T) + 1)")
                }
            }
        }
        let infos = train.windows.map { WindowInfo(series: $0.seriesIndex, start: $0.startDay, regime: Int($0.regime)) }
        let parts = try Partitioner(numClients: o.clientCount, scheme: o.partition, seed: o.seed,
                                    minPartitionSize: o.minPartitionWindows).partition(infos)
        let validationParts = try splitValidation(validation, clients: o.clientCount)
        let pool = TransformerWorkspacePool(config: model.config)
        let settings = LocalTrainingSettings(batchSize: o.batchSize, weightDecay: o.weightDecay,
                                             gradientClip: o.gradientClip,
                                             maxValidationWindows: o.maxValidationWindows,
                                             reportLocalValidation: o.reportLocalValidation,
                                             trainable: try trainableSubset())
        let clients = try (0..<o.clientCount).map { i in
            try TransformerClient(id: i, train: train.subset(parts[i]), validation: validation.subset(validationParts[i]),
                                  settings: settings, pool: pool)
        }
        return Federation(clients: clients, trainWindows: train.count, validationWindows: validation.count,
                          sequenceLength: T)
    }

    /// Validation windows per client: own series (natural), contiguous periods (time), else IID.
    private func splitValidation(_ v: WindowDataset, clients n: Int) throws -> [[Int]] {
        guard !v.isEmpty else { return Array(repeating: [], count: n) }
        switch options.partition {
        case .natural:
            var parts = [[Int]](repeating: [], count: n)
            for (i, w) in v.windows.enumerated() where w.seriesIndex < n { parts[w.seriesIndex].append(i) }
            return parts
        case .timePeriods:
            let order = v.windows.indices.sorted {
                (v.windows[$0].startDay, v.windows[$0].seriesIndex) < (v.windows[$1].startDay, v.windows[$1].seriesIndex)
            }
            return (0..<n).map { c in Array(order[(c * order.count / n)..<((c + 1) * order.count / n)]).sorted() }
        default:
            let infos = v.windows.map { WindowInfo(series: $0.seriesIndex, start: $0.startDay, regime: Int($0.regime)) }
            return try Partitioner(numClients: n, scheme: .iid, seed: options.seed ^ RandomPurpose.validationSplit.rawValue,
                                   minPartitionSize: 0).partition(infos)
        }
    }

    /// Runs the federation (a fresh run, or the rest of the run checkpointed at `resumeFrom`).
    ///
    /// - Parameters:
    ///   - series: Log returns, one array per series (e.g. per institution), oldest first.
    ///   - resumeFrom: A checkpoint written by this trainer (`checkpointEvery`) holding
    ///     `/federation_state`; the run continues bit-identically to an uninterrupted one.
    ///   - progress: Called after every round; return false to stop.
    /// - Returns: The report; the model holds the final global weights (with
    ///   `restoreBestRound`: those of the best validation round) and the JSON record.
    /// - Throws: The errors of `makeClients` and `FederatedSimulation`; `TGFLError.cancelled`
    ///   when `progress` returned false (the model then holds the last full round's global
    ///   weights and the record up to it); `.checkpoint` for a bad resume file.
    public func fit(series: [[Double]], resumeFrom: String? = nil,
                    progress: ((RoundProgress) -> Bool)? = nil) throws -> FederatedTrainingReport {
        try fit(series: series.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) },
                resumeFrom: resumeFrom, progress: progress)
    }

    /// `fit` on named series (errors and the record name them).
    public func fit(series: [ReturnSeries], resumeFrom: String? = nil,
                    progress: ((RoundProgress) -> Bool)? = nil) throws -> FederatedTrainingReport {
        if !options.allowPrices { DataSanity.warnIfPrices(series) }
        if options.rematchDependence != nil, options.privacy == nil, model.config.modelVersion >= 2 {
            try DependenceRematchOptions.requireChunk(seriesLengths: series.map(\.values.count),
                                                      trainFraction: 1 - options.validationFraction,
                                                      option: "FederatedTrainingOptions.rematchDependence")
        }
        let federation = try makeClients(series: series)
        // The level's release depends on the data only: made (and its errors raised) before the rounds.
        let level = try options.volatilityLevelNoiseMultiplier.flatMap { z in
            try options.publicData.map { publicData in
                try NoisedVolatilityLevel.targets(series, publicData: publicData, owners: options.clientCount,
                                                  partition: options.partition,
                                                  trainFraction: 1 - options.validationFraction,
                                                  noiseMultiplier: z, seed: options.seed,
                                                  bound: options.volatilityLevelBound)
            }
        }
        let simulation = try makeSimulation(federation, resumeFrom: resumeFrom)
        let start = Date(), startRound = simulation.state.completedRounds
        var best = BestTracker(keepsParameters: options.restoreBestRound)
        do {
            try simulation.run(progress: { record in
                if self.options.restoreBestRound {
                    best.offer(record.validationLoss, at: record.round) { simulation.state.globalParameters }
                }
                return progress?(self.roundProgress(record, start: start, startRound: startRound)) ?? true
            }, checkpoint: { state in
                guard let path = self.options.checkpointPath else { return }
                try self.finish(state, federation, cancelled: false, best: nil)
                var checkpoint = try self.model.checkpoint()
                try checkpoint.setFederationState(state)
                try checkpoint.save(to: path)
            })
        } catch {
            // The engine's state is always the last completed round: keep it in the model.
            var cancelled = false
            if case TGFLError.cancelled? = error as? TGFLError { cancelled = true }
            _ = try? finish(simulation.state, federation, cancelled: cancelled, best: nil)
            throw error
        }
        let state = simulation.state
        let record = try finish(state, federation, cancelled: false, best: best.parameters == nil ? nil : best)
        // A run in which every round was skipped trained nothing: fail instead of reporting success.
        if !state.history.isEmpty, state.history.allSatisfy({ $0.skippedReason != nil }) {
            let reason = state.history.last?.skippedReason ?? "unknown"
            throw TGFLError.invalidArgument(
                "federated training failed: all \(state.history.count) rounds were skipped, so the model is "
                    + "still the initial one (last reason: \(reason)); lower the DP noise multiplier or the "
                    + "learning rate, or check the data")
        }
        var report = FederatedTrainingReport(rounds: state.history, epsilon: record.epsilon,
                                             delta: options.privacyDelta, record: record,
                                             federationJSON: try record.jsonString())
        // Without DP each series releases its count, sum and sum of squares and the server pools
        // them; with DP and public data the target is the public series' (post-processing: no
        // client datum); with DP and no public data there is none.
        // With the noised volatility level, the public variance times the released ratio.
        if var rematch = options.rematchDependence, options.privacy == nil, model.volatilityModel != nil {
            rematch.threads = rematch.threads ?? options.volatilityCalibration.threads ?? options.threads
            let spans = series.map { s in
                Array(s.values.prefix(min(s.values.count,
                                          Int(((1 - options.validationFraction) * Double(s.values.count)).rounded(.down)))))
            }
            let targets = try ScenarioModel.calibrationTargets(of: series.map(\.values))
            report.dependenceRematch = try model.rematchDependence(trainingSpans: spans, targetVariance: targets.variance,
                                                                   options: rematch)
        }
        let calibrationSource = options.privacy == nil ? series : options.publicData
        if options.calibrateVolatility, let calibrationSource, model.volatilityModel != nil {
            var calibration = options.volatilityCalibration
            calibration.threads = calibration.threads ?? options.threads
            var targets = try ScenarioModel.calibrationTargets(of: calibrationSource.map(\.values))
            var source = options.privacy == nil ? "released per series: count, sum and sum of squares"
                : "target: the public data (no client datum released)"
            if let level {
                targets = (level.mean, level.variance)
                source = String(format: "target: the public variance × exp(2 × %.6f), the clients' log-σ ratio to it "
                    + "released with Gaussian noise (privacy.volatility_level, covered by ε)", level.logRatio)
            }
            let result = try model.calibrateUnconditionalVolatility(targetVariance: targets.variance,
                                                                    targetMean: targets.mean, options: calibration)
            var history = model.history
            history.summary["volatility_calibration"] = String(
                format: "omega %.6g -> %.6g, target variance %.6g, pilot %.6g (%+.1f%%); ", result.fittedOmega,
                result.omega, result.targetVariance, result.variance, 100 * result.relativeError) + source
            model.history = history
            report.volatilityCalibration = result
            if options.publicZMarginal, let publicData = options.publicData {
                let map = try model.setPublicZMarginal(publicSeries: publicData.map(\.values), threads: calibration.threads)
                let again = try model.calibrateUnconditionalVolatility(targetVariance: targets.variance,
                                                                       targetMean: targets.mean, options: calibration)
                history = model.history
                history.summary["z_marginal"] = String(
                    format: "pooled z of unconditional generation mapped onto the public z marginal (%d edges, "
                    + "%.3f … %.3f); volatility recalibrated: omega %.6g, pilot %.6g (%+.1f%%); public data only, "
                    + "epsilon unchanged", map.targets.count, map.targets.first!, map.targets.last!, again.omega,
                    again.variance, 100 * again.relativeError)
                model.history = history
                report.volatilityCalibration = again
            }
        }
        return report
    }

    /// A fresh simulation on the model's weights, or the rest of the run checkpointed at `resumeFrom`.
    private func makeSimulation(_ federation: Federation, resumeFrom: String?) throws -> FederatedSimulation {
        let o = options
        let strategy = try o.strategy.makeStrategy(hyperparameters: o.hyperparameters, sampling: o.sampling,
                                                   clientLearningRate: o.learningRate)
        var config = SimulationConfig(rounds: o.rounds, seed: o.seed, localSteps: o.localSteps,
                                      learningRate: o.learningRate, threads: o.threads ?? 0, faults: o.faults,
                                      privacy: o.privacy, privacyDelta: o.privacyDelta,
                                      secureAggregation: o.secureAggregation, checkpointEvery: o.checkpointEvery ?? 0)
        config.trainable = try trainableSubset()
        guard let resumeFrom else {
            return try FederatedSimulation(clients: federation.clients, strategy: strategy,
                                           initialParameters: model.parameters(), config: config)
        }
        guard let state = try Checkpoint.load(from: resumeFrom).federationState(path: resumeFrom) else {
            throw TGFLError.checkpoint(path: resumeFrom, message: "no /\(FederationStateCodec.sectionName) group: the "
                + "file is not a checkpoint of an unfinished federated run")
        }
        return try FederatedSimulation(clients: federation.clients, strategy: strategy, config: config,
                                       resumingFrom: state)
    }

    /// The trained coordinates of `options.trainable` (nil: all).
    private func trainableSubset() throws -> ParameterSubset? {
        try options.trainable.subset(ParameterLayout(config: model.config))
    }

    /// The model gets the final (or, with a best, the best round's) weights and the record.
    @discardableResult
    private func finish(_ state: FederationState, _ federation: Federation, cancelled: Bool,
                        best: BestTracker?) throws -> FederationRecord {
        try model.setParameters(best?.parameters ?? state.globalParameters)
        var record = FederationRecord(state: state, options: options, federation: federation, cancelled: cancelled,
                                      bestRound: best?.position)
        record.initialModel = options.initialModel
        record.meanTerm = publicMeanTermDescription()
        record.trainable = options.trainable.isAll ? nil : try TrainableRecord(options.trainable, config: model.config)
        try model.setFederationRecord(record)
        return record
    }

    /// What the progress callback gets after a round.
    private func roundProgress(_ record: RoundRecord, start: Date, startRound: Int) -> RoundProgress {
        let elapsed = Date().timeIntervalSince(start)
        let done = record.round - startRound
        return RoundProgress(
            round: record.round, totalRounds: options.rounds, validationLoss: record.validationLoss,
            trainLoss: record.trainMetrics["train_loss"], participants: record.participants.count,
            dropped: record.dropped.count, rejected: record.rejected.count, epsilon: record.epsilon,
            elapsedSeconds: elapsed, etaSeconds: done > 0 ? elapsed / Double(done) * Double(options.rounds - record.round) : 0,
            record: record)
    }
}

/// Stores a `FederationState` in a checkpoint section: the large vectors (global weights,
/// strategy vectors) as float64 datasets, the rest as one JSON attribute `state`.
public enum FederationStateCodec {
    /// The checkpoint section (`Checkpoint.extensions`) that holds the state.
    public static let sectionName = "federation_state"
    static let format = "tgfl.federation_state"

    /// - Throws: `TGFLError.invalidArgument` if the state cannot be encoded.
    public static func encode(_ state: FederationState) throws -> CheckpointSection {
        var small = state
        small.globalParameters = []
        small.strategyState.vectors = state.strategyState.vectors.mapValues { _ in [] }
        let json = try TGFLJSON.string(small, what: "federation state")
        var datasets = ["global_parameters": state.globalParameters.map(Double.init)]
        for (name, v) in state.strategyState.vectors where !v.isEmpty { datasets["strategy." + name] = v.map(Double.init) }
        return CheckpointSection(attributes: ["format": .string(format), "state": .string(json)], datasets: datasets)
    }

    /// - Throws: `TGFLError.checkpoint` naming the file and what is wrong.
    public static func decode(_ section: CheckpointSection, path: String) throws -> FederationState {
        func fail(_ m: String) -> TGFLError { .checkpoint(path: path, message: "/federation_state: " + m) }
        guard case .string(let f)? = section.attributes["format"], f == format else {
            throw fail("attribute 'format' must be '\(format)'")
        }
        guard case .string(let json)? = section.attributes["state"] else { throw fail("attribute 'state' (JSON) is missing") }
        var state: FederationState
        do { state = try TGFLJSON.decoder().decode(FederationState.self, from: Data(json.utf8)) } catch {
            throw fail("attribute 'state' is not a valid federation state: \(error)")
        }
        guard let g = section.datasets["global_parameters"] else { throw fail("dataset 'global_parameters' is missing") }
        state.globalParameters = g.map(Float.init)
        for name in state.strategyState.vectors.keys {
            state.strategyState.vectors[name] = section.datasets["strategy." + name]?.map(Float.init) ?? []
        }
        return state
    }
}
