import Foundation
import TGFLStats

/// The data of pretraining a model v2 on a corpus of many series, and of adapting a pretrained
/// model to one user's data.
///
/// A v2 model's tokens are volatility-standardised returns `z_t = (r_t − μ)/σ_t` and its
/// conditions are the quantile level of σ_t within its own series, so the network's inputs
/// have the same meaning on every asset: an FX rate with 0.6 % daily volatility and a stock with
/// 2 % both give z of unit scale and levels 0 … S−1. That is what makes pooling across assets
/// sound. Pretraining therefore standardises every series by **its own** volatility filter and
/// tokenizes all of them with **one** shared z tokenizer:
///
/// ```
/// per series j:  (filter_j, regimes_j) = VolatilityModel.fit(training span of j)
///                z_j = (r_j − μ_j) / σ_j
/// shared:        tokenizer = ReturnTokenizer.fit(z_1 … z_J)          (the network's vocabulary)
///                tokens_j, levels_j = DataModels(tokenizer, regimes_j, filter_j).encode(r_j)
/// the model's own data models: the same fit on every span scaled to unit variance (a
///                reference asset, so the base model is a valid v2 model that generates)
/// ```
///
/// Fine-tuning (`ScenarioModel.adaptDataModels(to:trainFraction:resetOutputPrior:)`) keeps the
/// tokenizer and the network, and refits the filter, the levels and the regimes on the user's
/// training span, exactly as `filter_j` above: the pretrained network then sees the user's
/// series as it saw each corpus series.
///
/// Reference: Chronos (Ansari et al. 2024) pretrains one tokenizer-based model on many scaled
/// series; filtered historical simulation (Barone-Adesi et al. 1999) standardises by a GARCH
/// filter.
public enum CorpusEncoding {
    /// The data models of every corpus series (sharing one tokenizer) and of the model itself.
    public struct Fitted: Sendable {
        /// The shared tokenizer, a reference volatility model (unit-variance pooled fit) and its regimes.
        public let model: DataModels
        /// Per series: the shared tokenizer with that series' own filter and regimes.
        public let perSeries: [DataModels]
    }

    /// One series' own volatility filter (with its levels) and regimes, fitted on its training
    /// span alone, and the standardised returns z_t = (r_t − μ)/σ_t of that span under it.
    public struct OwnFilter: Sendable {
        public let volatility: VolatilityModel
        public let regimes: RegimeModel
        public let z: [Double]
    }

    /// Step "per series j" of the type's recipe: every span's own filter, regimes and z
    /// (`VolatilityModel.fit` on that span alone). Federated training with
    /// `clientEncoding = .ownFilter` runs it on each client.
    /// - Parameters:
    ///   - trainingSpans: the training days of each series (finite, named).
    ///   - config: the pipeline settings (levels S, regime names and quantile levels).
    /// - Throws: `TGFLError.invalidArgument` when a span's filter cannot be fitted.
    public static func ownFilters(trainingSpans: [ReturnSeries], config: DataPipelineConfig) throws -> [OwnFilter] {
        try trainingSpans.map { span in
            let fit = try VolatilityModel.fit(trainingSpans: [span], levels: config.volatilityLevels,
                                              regimeNames: config.regimeNames,
                                              regimeQuantileLevels: config.regimeQuantileLevels)
            let v = fit.0.variances(span.values)
            return OwnFilter(volatility: fit.0, regimes: fit.1,
                             z: zip(span.values, v).map { ($0 - fit.0.garch.mu) / $1.squareRoot() })
        }
    }

    /// Fits the per-series filters, the shared tokenizer and the reference data models on the
    /// training spans (the first `config.trainFraction` of each series).
    /// - Parameters:
    ///   - corpus: the series (at least one), oldest day first, finite.
    ///   - config: the pipeline settings; `modelVersion` must be 2.
    /// - Throws: `TGFLError.invalidArgument` naming the series whose filter cannot be fitted, or
    ///   for a v1 config (v1 tokens are absolute returns and do not pool across assets).
    public static func fit(corpus: [ReturnSeries], config: DataPipelineConfig) throws -> Fitted {
        guard config.modelVersion >= 2 else {
            throw TGFLError.invalidArgument(
                "pretraining needs model v2: v1 tokens are absolute returns, whose scale differs between assets")
        }
        let pipeline = try DataPipeline(config: config)
        try pipeline.validate(corpus)
        let spans = pipeline.trainingSpans(corpus)
        let filters = try ownFilters(trainingSpans: spans, config: config)
        let tokenizer = try ReturnTokenizer.fit(trainingReturns: filters.map(\.z), vocabSize: config.vocabSize,
                                                clipSigma: config.clipSigma)
        let perSeries = try filters.map { try DataModels(tokenizer: tokenizer, regimes: $0.regimes, volatility: $0.volatility) }
        let scaled = try spans.map { s -> ReturnSeries in
            let sd = try Descriptive.standardDeviation(s.values, ddof: 1)
            guard sd > 0 else {
                throw TGFLError.invalidArgument("series '\(s.name)': its training returns are constant; nothing to learn")
            }
            return ReturnSeries(name: s.name, dates: s.dates, values: s.values.map { $0 / sd })
        }
        let reference = try VolatilityModel.fit(trainingSpans: scaled, levels: config.volatilityLevels,
                                                regimeNames: config.regimeNames,
                                                regimeQuantileLevels: config.regimeQuantileLevels)
        return Fitted(model: try DataModels(tokenizer: tokenizer, regimes: reference.1, volatility: reference.0),
                      perSeries: perSeries)
    }
}

extension Trainer {
    /// Pretrains a fresh model v2 on a corpus of series (`CorpusEncoding`): every series
    /// standardised by its own volatility filter, one shared tokenizer, the windows of all
    /// series pooled; validation on the last `validationFraction` of each series.
    ///
    /// The model must be fresh (no data models): it gets the reference data models and, with
    /// `TrainingOptions.outputPrior`, level priors from the token counts of all corpus training
    /// days. Everything else is `fit(series:)`: schedule and model selection; the optimizer
    /// state is dropped at the end (a base model is fine-tuned, not resumed).
    /// - Parameters:
    ///   - corpus: the series to pretrain on, oldest day first.
    ///   - progress: called after every step; return false to stop.
    /// - Throws: `TGFLError.invalidArgument` for a v1 model, a model that already has data
    ///   models, or bad series (named); `.cancelled` when `progress` stopped the run.
    public func pretrain(corpus: [ReturnSeries], progress: ((TrainingProgress) -> Bool)? = nil) throws -> TrainingReport {
        guard !model.isFitted else {
            throw TGFLError.invalidArgument(
                "pretrain: the model already has data models; pretrain a fresh model (or fine-tune this one with fit)")
        }
        let trainFraction = 1 - options.validationFraction
        let config = DataPipelineConfig(model: model.config, trainFraction: trainFraction)
        let fitted = try CorpusEncoding.fit(corpus: corpus, config: config)
        let encoded = try zip(corpus, fitted.perSeries).map { s, m in try m.encode(s.values, what: "series '\(s.name)'") }
        let length = options.sequenceLength ?? model.config.contextLength
        let split = try WindowSplit(tokens: encoded.map(\.tokens), regimes: encoded.map(\.conditions),
                                    contextLength: length, trainFraction: trainFraction, stride: 1,
                                    labels: encoded.map(\.regimes))
        try model.setDataModels(fitted.model)
        if options.outputPrior {
            let days = split.splitDays
            try model.setOutputPrior(tokens: zip(encoded, days).map { Array($0.tokens.prefix($1)) },
                                     conditions: zip(encoded, days).map { Array($0.conditions.prefix($1)) })
        }
        let report = try model.withLock { try fitLocked(data: RunData(split: split, length: length), progress: progress) }
        model.setOptimizerState(nil)     // a base model is fine-tuned, not resumed: no optimizer state to save
        return report
    }
}

extension ScenarioModel {
    /// Adapts a (pre)trained model v2 to new data before fine-tuning: keeps the network and the
    /// tokenizer, refits the volatility filter, the levels, the regimes and the generation parts
    /// training fits on them (matched recursion, zero shares, z tails; `DataPipelineConfig`'s
    /// settings) on the training spans of `series` (the first `trainFraction` of each), and optionally resets the level
    /// priors to the token counts of those days (`setOutputPrior(tokens:conditions:)`).
    ///
    /// The optimizer state and the training history are cleared (fine-tuning starts a new run);
    /// the `pretraining` record is kept.
    ///
    /// Then `Trainer.fit(series:)` fine-tunes it on the same series (it keeps the data models
    /// it finds). See `CorpusEncoding` for why the network's inputs keep their meaning.
    /// - Parameters:
    ///   - series: the user's series, oldest day first.
    ///   - trainFraction: fraction of each series fitted on (use `1 − validationFraction` of the fine-tuning).
    ///   - resetOutputPrior: set the level priors from the new data (else keep the pretrained ones).
    ///   - dynamics: `.own` (default) refits the whole filter and, as training does, the parts
    ///     generation adds to it (`DataModels.completeGenerationParts`: the matched recursion, the
    ///     zero shares, the z tails, the sign scales; before session 19 adaptation left them out);
    ///     `.received` keeps this model's
    ///     dynamics (α, γ, β, ν and the matched generation recursion) and fits only the level
    ///     parts on the new data (`VolatilityModel.keepingDynamics(levelFittedOn:...)`).
    /// - Throws: `TGFLError.invalidArgument` for a v1 or unfitted model, or bad series (named).
    public func adaptDataModels(to series: [ReturnSeries], trainFraction: Double,
                                resetOutputPrior: Bool = false, dynamics: AdaptedDynamics = .own) throws {
        guard config.modelVersion >= 2 else {
            throw TGFLError.invalidArgument("adapting data models needs model v2 (volatility-standardised tokens)")
        }
        let current = try fittedDataModels(for: "adapt the data models")
        let pipelineConfig = DataPipelineConfig(model: config, trainFraction: trainFraction)
        let pipeline = try DataPipeline(config: pipelineConfig)
        try pipeline.validate(series)
        let spans = pipeline.trainingSpans(series)
        let fit: (VolatilityModel, RegimeModel)
        switch dynamics {
        case .own:
            var own = try VolatilityModel.fit(trainingSpans: spans, levels: config.volatilityLevels,
                                              regimeNames: current.regimes.names,
                                              regimeQuantileLevels: current.regimes.quantileLevels)
            // The generation parts training fits (the matched recursion, zero shares, z tails, sign
            // scales), on the same days; the tokenizer is the network's and stays.
            _ = try DataModels.completeGenerationParts(of: &own.0, trainingSpans: spans, config: pipelineConfig) { _ in
                current.tokenizer
            }
            fit = own
        case .received:
            guard let received = current.volatility else {
                throw TGFLError.invalidArgument("adapting data models with the received dynamics needs a volatility model")
            }
            fit = try received.keepingDynamics(levelFittedOn: spans, levels: config.volatilityLevels,
                                               regimeNames: current.regimes.names,
                                               regimeQuantileLevels: current.regimes.quantileLevels)
        }
        let models = try DataModels(tokenizer: current.tokenizer, regimes: fit.1, volatility: fit.0)
        try setDataModels(models)
        setOptimizerState(nil)      // fine-tuning is a new run, not a continuation of pretraining
        history = TrainingHistory()
        if resetOutputPrior {
            let encoded = try spans.map { try models.encode($0.values, what: "series '\($0.name)'") }
            try setOutputPrior(tokens: encoded.map(\.tokens), conditions: encoded.map(\.conditions))
        }
    }
}

/// What a pretrained base model was pretrained on, and what it was fine-tuned on since
/// (the `pretraining` record of `/training`, JSON, format `tgfl.pretraining` version 1).
public struct PretrainingRecord: Codable, Equatable, Sendable {
    /// The record's name in `ScenarioModel.records`.
    public static let recordName = "pretraining"
    public static let formatName = "tgfl.pretraining"
    public static let currentVersion = 1

    public var format = PretrainingRecord.formatName
    public var version = PretrainingRecord.currentVersion
    /// The corpus series' names.
    public var series: [String]
    /// Days in the corpus (all series, training and validation).
    public var days: Int
    /// Pretraining steps run, and the step whose parameters were kept.
    public var steps: Int
    public var bestStep: Int?
    public var seed: UInt64
    /// The series the model was fine-tuned on since (empty for the base model itself).
    public var fineTunedOn: [String]

    public init(series: [String], days: Int, steps: Int, bestStep: Int?, seed: UInt64, fineTunedOn: [String] = []) {
        self.series = series; self.days = days; self.steps = steps; self.bestStep = bestStep
        self.seed = seed; self.fineTunedOn = fineTunedOn
    }

    enum CodingKeys: String, CodingKey {
        case format, version, series, days, steps, seed
        case bestStep = "best_step"
        case fineTunedOn = "fine_tuned_on"
    }
}

extension ScenarioModel {
    /// The pretraining record, or nil for a model that was not pretrained.
    /// - Throws: `TGFLError.invalidArgument` when the stored record cannot be read.
    public func pretrainingRecord() throws -> PretrainingRecord? {
        guard let json = records[PretrainingRecord.recordName] else { return nil }
        let r = try TGFLJSON.decode(PretrainingRecord.self, from: json, what: "pretraining record")
        guard r.format == PretrainingRecord.formatName, (1...PretrainingRecord.currentVersion).contains(r.version) else {
            throw TGFLError.invalidArgument("the pretraining record has format '\(r.format)' version \(r.version); "
                + "this library reads '\(PretrainingRecord.formatName)' versions 1...\(PretrainingRecord.currentVersion)")
        }
        return r
    }

    /// Stores (or, with nil, removes) the pretraining record.
    public func setPretrainingRecord(_ record: PretrainingRecord?) throws {
        records[PretrainingRecord.recordName] = try record.map { try TGFLJSON.string($0, what: "pretraining record") }
    }
}
