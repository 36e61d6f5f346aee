import Foundation

/// One entry of a training run's history: the state after a logged step.
public struct TrainingRecord: Codable, Equatable, Sendable {
    /// 1-based number of completed optimizer steps.
    public var step: Int
    /// Epochs completed, `step · batchSize / trainingWindows` (fractional).
    public var epoch: Double
    /// Mean training loss (nats per token) over the steps since the previous record.
    public var trainLoss: Double
    /// Mean validation loss (nats per token), when it was evaluated at this step.
    public var valLoss: Double?
    /// Learning rate used by this step.
    public var learningRate: Double
    /// Training throughput since the previous record, tokens per second.
    public var tokensPerSecond: Double

    public init(step: Int, epoch: Double, trainLoss: Double, valLoss: Double?, learningRate: Double,
                tokensPerSecond: Double) {
        self.step = step; self.epoch = epoch; self.trainLoss = trainLoss; self.valLoss = valLoss
        self.learningRate = learningRate; self.tokensPerSecond = tokensPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case step, epoch, trainLoss = "train_loss", valLoss = "val_loss"
        case learningRate = "learning_rate", tokensPerSecond = "tokens_per_second"
    }
}

/// The record of how a model was trained, stored in checkpoints as the JSON attribute
/// `/training/history` (`{"records": [...], "summary": {...}}`).
///
/// Only logged steps are kept (every `evaluateEvery` steps and the last one), so the JSON
/// stays small.
public struct TrainingHistory: Codable, Equatable, Sendable {
    /// Logged steps in order.
    public var records: [TrainingRecord]
    /// Free-form facts about the last run (e.g. `steps`, `best_validation_loss`).
    public var summary: [String: String]

    public init(records: [TrainingRecord] = [], summary: [String: String] = [:]) {
        self.records = records; self.summary = summary
    }

    /// Whether nothing was recorded.
    public var isEmpty: Bool { records.isEmpty && summary.isEmpty }

    /// The history as compact JSON with sorted keys.
    public func jsonString() -> String {
        let encoder = TGFLJSON.encoder()
        // Strings, Ints and finite Doubles always encode; non-finite losses are mapped out first.
        var safe = self
        for i in safe.records.indices {
            if !safe.records[i].trainLoss.isFinite { safe.records[i].trainLoss = -1 }
            if let v = safe.records[i].valLoss, !v.isFinite { safe.records[i].valLoss = nil }
            if !safe.records[i].tokensPerSecond.isFinite { safe.records[i].tokensPerSecond = 0 }
            if !safe.records[i].epoch.isFinite { safe.records[i].epoch = 0 }
        }
        return String(decoding: (try? encoder.encode(safe)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Parses the JSON written by `jsonString()`.
    /// - Throws: `TGFLError.invalidArgument` when the JSON does not have that form.
    public static func fromJSON(_ json: String) throws -> TrainingHistory {
        do {
            return try JSONDecoder().decode(TrainingHistory.self, from: Data(json.utf8))
        } catch {
            throw TGFLError.invalidArgument(
                "training history is not JSON of the form {\"records\": [...], \"summary\": {...}}: \(error)")
        }
    }
}

/// The user-facing scenario model: the transformer plus what turns returns into tokens and
/// back (`DataModels`: tokenizer, regime model and, for v2, the volatility model), the optimizer
/// state for resuming training, and the training history and the named records of upper layers (the federation record) — everything a
/// checkpoint holds.
///
/// ```
/// returns ──DataModels.encode──► tokens, conditions ──transformer──► next-token logits
/// conditions[t] = regime label (v1) or volatility level (v2) of the day predicted at position t
/// ```
/// Thread safety: every public method takes an internal lock, so one model may be shared
/// between threads; calls run one at a time.
/// Reference: docs/DESIGN.md ("The reference transformer", "Checkpoints").
public final class ScenarioModel: @unchecked Sendable {
    /// The network; its parameters are the model's weights.
    public let transformer: Transformer
    /// The architecture.
    public var config: ModelConfig { transformer.config }
    /// The fitted tokenizer, regime model and (v2) volatility model; nil until fitted or loaded.
    public var dataModels: DataModels? { withLock { storedDataModels } }
    /// Return tokenizer (nil until fitted or loaded).
    public var tokenizer: ReturnTokenizer? { dataModels?.tokenizer }
    /// Regime model (nil until fitted or loaded).
    public var regimeModel: RegimeModel? { dataModels?.regimes }
    /// The volatility model of a v2 model (nil for v1 or before fitting).
    public var volatilityModel: VolatilityModel? { dataModels?.volatility }
    /// AdamW state of the last training run, for resuming.
    public internal(set) var optimizerState: OptimizerState?
    /// How the model was trained.
    public var history: TrainingHistory {
        get { withLock { storedHistory } }
        set { withLock { storedHistory = newValue } }
    }
    /// Named JSON records of upper layers, saved with the model (`Checkpoint.records`):
    /// TGFLFederated's `federation` record (typed: `ScenarioModel.federationRecord`).
    public var records: [String: String] {
        get { withLock { storedRecords } }
        set { withLock { storedRecords = newValue } }
    }
    /// Whether the tokenizer and the regime model are present (needed to train on returns,
    /// score returns and generate).
    public var isFitted: Bool { withLock { storedDataModels != nil } }

    private var storedDataModels: DataModels?
    private var storedHistory = TrainingHistory()
    private var storedRecords = [String: String]()
    /// Serialises use; recursive so a progress callback may save the model it trains.
    let lock = NSRecursiveLock()

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Creates an untrained model with GPT-2 initialization (see `Transformer.init(config:seed:)`).
    /// - Parameters:
    ///   - config: The architecture; validated.
    ///   - seed: Seed of the initialization.
    /// - Throws: `TGFLError.invalidConfig` for an invalid config.
    public init(config: ModelConfig, seed: UInt64) throws {
        transformer = try Transformer(config: config, seed: seed)
    }

    private init(transformer: Transformer) {
        self.transformer = transformer
    }

    // MARK: - Checkpoints

    /// Loads a model from a checkpoint written by `save(to:)` (or by h5py in the same layout).
    ///
    /// A checkpoint without `/tokenizer` or `/regimes` loads as an unfitted model
    /// (`isFitted == false`): it can be trained, not used to generate.
    /// - Parameter path: The `.h5` file.
    /// - Returns: The model with its weights, tokenizer, regimes, optimizer state and records.
    /// - Throws: `TGFLError.checkpoint(path:message:)` naming the file and the bad section,
    ///   attribute or tensor (see `Checkpoint.load(from:)`).
    public static func load(from path: String) throws -> ScenarioModel {
        let checkpoint = try Checkpoint.load(from: path)
        if let joint = checkpoint.joint {
            var assets = "?"
            if case .string(let names)? = joint.attributes["assets"] { assets = names }
            throw TGFLError.checkpoint(path: path, message: "this is a joint model of several assets (\(assets)); "
                + "load it with JointScenarioModel.load(from:) (command line: tgfl generate-joint, tgfl stress)")
        }
        return try load(checkpoint: checkpoint, path: path)
    }

    /// The model held by a loaded checkpoint (`path` names the file in errors).
    static func load(checkpoint: Checkpoint, path: String) throws -> ScenarioModel {
        func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as TGFLError {
                if case .checkpoint = error { throw error }
                throw TGFLError.checkpoint(path: path, message: "\(what): \(error.description)")
            }
        }
        let transformer = try wrap("weights") {
            try Transformer(config: checkpoint.config, parameters: checkpoint.parameters)
        }
        let model = ScenarioModel(transformer: transformer)
        let config = checkpoint.config
        if let section = checkpoint.tokenizer, let regimesSection = checkpoint.regimes {
            let tokenizer = try wrap("/tokenizer") { try ReturnTokenizer(checkpointSection: section) }
            let regimes = try wrap("/regimes") { try RegimeModel(checkpointSection: regimesSection) }
            var volatility: VolatilityModel?
            if let v = checkpoint.volatility {
                volatility = try wrap("/volatility") {
                    try VolatilityModel(checkpointSection: v, levels: config.volatilityLevels, regimes: regimes.count)
                }
            }
            let models = try wrap("data models") {
                try DataModels(tokenizer: tokenizer, regimes: regimes, volatility: volatility)
            }
            do { try models.check(against: config) } catch let error as TGFLError {
                throw TGFLError.checkpoint(path: path, message: "\(error.description.replacingOccurrences(of: "invalid argument: ", with: "")); the sections come from different models")
            }
            model.storedDataModels = models
        } else if checkpoint.tokenizer != nil || checkpoint.regimes != nil || checkpoint.volatility != nil {
            throw TGFLError.checkpoint(
                path: path, message: "the checkpoint has only some of /tokenizer, /regimes"
                + (config.modelVersion >= 2 ? ", /volatility" : "") + "; a fitted model needs all of them")
        }
        if let state = checkpoint.optimizer {
            var adam = try wrap("/optimizer") { try AdamW(parameterCount: transformer.parameterCount) }
            try wrap("/optimizer") { try adam.restore(state) }
            model.optimizerState = state
        }
        if let json = checkpoint.history {
            model.storedHistory = try wrap("/training attribute 'history'") { try TrainingHistory.fromJSON(json) }
        }
        model.storedRecords = checkpoint.records
        return model
    }

    /// The checkpoint this model would write.
    /// - Throws: `TGFLError.shapeMismatch` or `.invalidConfig` (cannot happen for a valid model).
    public func checkpoint() throws -> Checkpoint {
        try withLock {
            var checkpoint = try Checkpoint(
                config: config, parameters: transformer.parameters(), optimizer: optimizerState,
                tokenizer: storedDataModels?.tokenizer.checkpointSection,
                regimes: storedDataModels?.regimes.checkpointSection,
                history: storedHistory.isEmpty ? nil : storedHistory.jsonString())
            checkpoint.records = storedRecords
            checkpoint.volatility = storedDataModels?.volatility?.checkpointSection
            return checkpoint
        }
    }

    /// Saves everything to an HDF5 checkpoint, atomically (see `Checkpoint.save(to:)`).
    /// - Parameter path: Target `.h5` file; its directory must exist.
    /// - Throws: `TGFLError.checkpoint(path:message:)` naming the file and the problem.
    public func save(to path: String) throws {
        try checkpoint().save(to: path)
    }

    // MARK: - Data models

    /// Fits the data models (tokenizer, regime model and, for v2, the volatility model) on
    /// training returns only (`DataModels.fit`).
    /// - Parameters:
    ///   - trainingReturns: Log returns of the training span, one array per series; each at
    ///     least the regime window (20 days by default) long.
    ///   - options: Regime and tokenizer settings; nil uses `DataPipelineConfig(model: config)`.
    ///     Its `vocabSize`, regime count and version must match the model.
    /// - Throws: `TGFLError.invalidArgument` for settings that disagree with the model or
    ///   the errors of the fits (NaN returns, too few days).
    public func fitDataModels(trainingReturns: [[Double]], options: DataPipelineConfig?) throws {
        let settings = options ?? DataPipelineConfig(model: config)
        guard settings.vocabSize == config.vocabSize else {
            throw TGFLError.invalidArgument(
                "options.vocabSize is \(settings.vocabSize) but the model has vocab_size \(config.vocabSize)")
        }
        guard settings.regimeNames.count == config.nRegimes else {
            throw TGFLError.invalidArgument(
                "options.regimeNames has \(settings.regimeNames.count) names but the model has n_regimes "
                + "\(config.nRegimes); give one name per regime")
        }
        let spans = trainingReturns.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) }
        try setDataModels(try DataModels.fit(trainingSpans: spans, config: settings))
    }

    /// Sets the tokenizer and regime model of a v1 model directly.
    /// - Throws: `TGFLError.invalidArgument` when their V or R disagree with the model.
    public func setDataModels(tokenizer: ReturnTokenizer, regimeModel: RegimeModel) throws {
        try setDataModels(try DataModels(tokenizer: tokenizer, regimes: regimeModel, volatility: nil))
    }

    /// Sets the data models (e.g. from `DataPipeline.fit`).
    /// - Throws: `TGFLError.invalidArgument` when they do not fit the model's config.
    public func setDataModels(_ models: DataModels) throws {
        try models.check(against: config)
        withLock { storedDataModels = models }
    }

    /// Sets `head.bias` to the smoothed log frequencies of the training tokens
    /// (`TokenPrior.logProbabilities(counts:)`), so the model starts from the data's marginal
    /// distribution instead of a uniform one over all V tokens. Trainers call it when they fit
    /// the data models of a fresh model (`TrainingOptions.outputPrior`).
    /// - Parameter tokenCounts: V counts of the training tokens.
    /// - Throws: `TGFLError.shapeMismatch` unless there are V counts; the errors of
    ///   `TokenPrior.logProbabilities(counts:)`. On error nothing changes.
    public func setOutputPrior(tokenCounts: [Int]) throws {
        guard config.modelVersion < 2 else {
            throw TGFLError.invalidArgument(
                "a v2 model's output prior is per volatility level: use setOutputPrior(tokens:conditions:)")
        }
        guard tokenCounts.count == config.vocabSize else {
            throw TGFLError.shapeMismatch(
                "output prior: \(tokenCounts.count) token counts but the model has vocab_size \(config.vocabSize)")
        }
        let logP = try TokenPrior.logProbabilities(counts: tokenCounts)
        try withLock {
            let bias = try transformer.parameter(named: "head.bias")
            for k in 0..<bias.count { bias[k] = Float(logP[k]) }
            optimizerState = nil
        }
    }

    /// Total weight, in observations, of the evenly spread floor of a v2 model's level priors.
    /// One observation spread over ±12σ adds 48/n to E[z²] (1.2 % on 3,900 days), which the
    /// volatility recursion amplifies; a tenth keeps every token possible at a tenth of that.
    public static let levelPriorFloor = 0.1

    /// Sets the output prior of a fresh model from its training data: v1 `head.bias` from the
    /// token counts (`setOutputPrior(tokenCounts:)`); v2 each row ℓ of `level_bias` from the
    /// counts of the tokens of the days at volatility level ℓ, with a variance-preserving
    /// kernel and the floor weight `0.1 · n_ℓ / n`, shrunk towards the pooled prior with weight
    /// `n_ℓ / (n_ℓ + 100)` (`TokenPrior.levelLogProbabilities(counts:floor:shrinkage:)`), and
    /// `head.bias` = 0. A level without training days gets the pooled prior.
    /// - Parameters:
    ///   - tokens: the training tokens of each series.
    ///   - conditions: the conditioning ids of the same days (`EncodedReturns.conditions`).
    /// - Throws: the errors of `TokenPrior`; on error nothing changes.
    public func setOutputPrior(tokens: [[Int32]], conditions: [[Int32]]) throws {
        let V = config.vocabSize
        guard config.modelVersion >= 2 else {
            try setOutputPrior(tokenCounts: try TokenPrior.counts(tokens, vocabSize: V))
            return
        }
        let S = config.volatilityLevels
        let counts = try TokenPrior.levelCounts(tokens: tokens, levels: conditions, vocabSize: V, levelCount: S)
        let rows = try TokenPrior.levelLogProbabilities(counts: counts, floor: Self.levelPriorFloor)
        try withLock {
            let table = try transformer.parameter(named: "level_bias.weight")
            for (l, row) in rows.enumerated() {
                for k in 0..<V { table[l * V + k] = Float(row[k]) }
            }
            let bias = try transformer.parameter(named: "head.bias")
            bias.update(repeating: 0)
            optimizerState = nil
        }
    }

    /// The fitted data models, or a clear error.
    func fittedDataModels(for purpose: String) throws -> DataModels {
        try withLock {
            guard let storedDataModels else {
                throw TGFLError.invalidArgument(
                    "cannot \(purpose): the model has no tokenizer/regime model; train the model or load a "
                    + "trained checkpoint")
            }
            return storedDataModels
        }
    }

    /// The regime label of every day of a return series (v1: trailing volatility; v2: the band
    /// of the filtered volatility σ_t).
    /// - Throws: `TGFLError.invalidArgument` for an unfitted model, empty or non-finite returns.
    public func regimeLabels(of returns: [Double]) throws -> [Int32] {
        try fittedDataModels(for: "label regimes").encode(returns).regimes
    }

    /// Replaces the optimizer state (used by trainers).
    func setOptimizerState(_ state: OptimizerState?) { withLock { optimizerState = state } }

    // MARK: - Regimes

    /// The index of a regime given by name (`"crisis"`, any case) or index (`"3"`).
    ///
    /// Without a regime model only indices `0 ..< n_regimes` are accepted.
    /// - Throws: `TGFLError.outOfRange` listing the valid regimes.
    public func regimeIndex(_ nameOrIndex: String) throws -> Int {
        try withLock {
            if let regimeModel = storedDataModels?.regimes { return try regimeModel.regime(nameOrIndex).index }
            let trimmed = nameOrIndex.trimmingCharacters(in: .whitespaces)
            guard let i = Int(trimmed) else {
                throw TGFLError.outOfRange(
                    "unknown regime '\(nameOrIndex)': the model has no regime model yet (train it or load a "
                    + "trained checkpoint), so give an index in 0..<\(config.nRegimes)")
            }
            guard (0..<config.nRegimes).contains(i) else {
                throw TGFLError.outOfRange("regime index \(i) is outside 0..<\(config.nRegimes) (n_regimes)")
            }
            return i
        }
    }

    /// The name of regime `index`.
    /// - Throws: `TGFLError.outOfRange` for an index outside `0 ..< n_regimes`;
    ///   `.invalidArgument` when the model has no regime model.
    public func regimeName(_ index: Int) throws -> String {
        try withLock {
            guard let regimeModel = storedDataModels?.regimes else {
                guard (0..<config.nRegimes).contains(index) else {
                    throw TGFLError.outOfRange("regime index \(index) is outside 0..<\(config.nRegimes) (n_regimes)")
                }
                throw TGFLError.invalidArgument(
                    "regime \(index) has no name: the model has no regime model; train the model or load a "
                    + "trained checkpoint")
            }
            return try regimeModel.regime(at: index).name
        }
    }

    // MARK: - Parameters and evaluation

    /// A copy of the flat parameter vector (`ParameterLayout` order).
    public func parameters() -> [Float] { withLock { transformer.parameters() } }

    /// Replaces every parameter and clears the saved AdamW state.
    ///
    /// The optimizer's moments describe the trajectory of the weights they were accumulated
    /// on; after the weights are replaced (e.g. by a federated server's global model) they no
    /// longer apply, so the next `Trainer.fit` starts a fresh optimizer run instead of
    /// resuming an old one.
    /// - Parameter values: `ParameterLayout(config:).count` finite values.
    /// - Throws: `TGFLError.shapeMismatch` for a wrong count; `.invalidArgument` naming the
    ///   tensor of the first NaN or infinity. On error nothing changes.
    public func setParameters(_ values: [Float]) throws {
        try withLock {
            try transformer.setParameters(values)
            optimizerState = nil
        }
    }

    /// Next-token logits for a batch of token/regime sequences.
    ///
    /// ```
    /// logits[b, t, :] = model(tokens[b, 0...t], regimes[b, 0...t])     (B, T, V) row-major
    /// ```
    /// - Parameters:
    ///   - tokens: `[B·T]` token ids in `0 ..< vocab_size`.
    ///   - regimes: `[B·T]` regime ids; `regimes[b, t]` is the regime of the day predicted at t.
    ///   - batch: B ≥ 1.
    ///   - length: T in `1 ... context_length`.
    /// - Returns: `B·T·V` logits.
    /// - Throws: what `Transformer.forward` throws (bad shapes, ids out of range).
    public func logits(tokens: [Int32], regimes: [Int32], batch: Int, length: Int) throws -> [Float] {
        try withLock {
            try transformer.forward(tokens: tokens, regimes: regimes, batch: batch, length: length)
            return Array(transformer.logits)
        }
    }

    /// Mean log-likelihood of a return series under the model, in nats per predicted day.
    ///
    /// ```
    /// k = tokenizer.encode(r),  g = regimeModel.label(r)
    /// LL = (1/(n−1)) Σ_{t=1}^{n−1} log softmax(logits(k[<t], g[≤t]))[k_t]
    /// ```
    /// Series longer than the context are scored in windows of `context_length` inputs that
    /// advance by half a context; each day is scored once, by the first window whose last
    /// half holds it (the first window scores all its days), so every prediction after the
    /// first window sees at least half a context of history.
    /// - Parameter returns: At least 2 finite log returns.
    /// - Returns: The mean log-probability of the observed tokens (≤ 0).
    /// - Throws: `TGFLError.invalidArgument` for fewer than 2 returns, a NaN or infinite
    ///   return, or an unfitted model.
    public func logLikelihood(returns: [Double]) throws -> Double {
        try withLock {
            let models = try fittedDataModels(for: "score returns")
            guard returns.count >= 2 else {
                throw TGFLError.invalidArgument(
                    "logLikelihood needs at least 2 returns (one input and one predicted day), got \(returns.count)")
            }
            let encoded = try models.encode(returns)
            let tokens = encoded.tokens, labels = encoded.conditions
            let n = returns.count, T = config.contextLength, V = config.vocabSize
            let advance = max(1, T / 2)
            var total = 0.0
            var scoredUpTo = 0            // days 1 ... scoredUpTo are scored
            var start = 0
            while scoredUpTo < n - 1 {
                let length = min(T, n - 1 - start)
                let inputs = Array(tokens[start..<(start + length)])
                let regimes = Array(labels[(start + 1)...(start + length)])
                try transformer.forward(tokens: inputs, regimes: regimes, batch: 1, length: length)
                let logits = transformer.logits
                for t in 0..<length {
                    let day = start + t + 1
                    guard day > scoredUpTo else { continue }
                    let row = logits.baseAddress! + t * V
                    var m = -Float.infinity
                    for v in 0..<V {
                        guard row[v].isFinite else { throw nonFiniteLogitsError(what: "log_likelihood") }
                        m = max(m, row[v])
                    }
                    var sum = 0.0
                    for v in 0..<V { sum += Foundation.exp(Double(row[v] - m)) }
                    total += Double(row[Int(tokens[day])] - m) - Foundation.log(sum)
                }
                scoredUpTo = start + length
                start += advance
            }
            guard total.isFinite else { throw nonFiniteLogitsError(what: "log_likelihood") }
            return total / Double(n - 1)
        }
    }
}
