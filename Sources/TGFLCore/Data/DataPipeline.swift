import Foundation

/// Settings of the data pipeline: context length, vocabulary, split, regimes, tokenizer range.
public struct DataPipelineConfig: Equatable, Sendable {
    /// T: positions per window (the model's `context_length`).
    public var contextLength: Int
    /// V: number of return tokens (the model's `vocab_size`).
    public var vocabSize: Int
    /// Fraction of each series' days used for training (the first ones), in (0, 1].
    public var trainFraction: Double
    /// Days between consecutive window starts.
    public var stride: Int
    /// Regime names (R = `regimeNames.count`, the model's `n_regimes`).
    public var regimeNames: [String]
    /// Trailing realized-volatility window w in days.
    public var regimeWindow: Int
    /// R − 1 quantile levels of the training volatility used as regime thresholds.
    public var regimeQuantileLevels: [Double]
    /// Tokenizer range half-width in training standard deviations (of returns in v1, of
    /// volatility-scaled returns z in v2).
    public var clipSigma: Double
    /// The model version whose data models are fitted (1 or 2).
    public var modelVersion: Int
    /// S: volatility levels (v2).
    public var volatilityLevels: Int
    /// v2: match the GJR coefficients of unconditional generation to the training data's
    /// dependence (`VolatilityModel.matchDependence`). Default true; the environment variable
    /// `TGFL_NO_DEPENDENCE_MATCH=1` turns the default off (the ablation in BENCHMARKS.md).
    public var matchDependence: Bool = DataPipelineConfig.defaultMatchDependence

    /// The default of `matchDependence`: true unless `TGFL_NO_DEPENDENCE_MATCH` is set to 1.
    public static let defaultMatchDependence = ProcessInfo.processInfo.environment["TGFL_NO_DEPENDENCE_MATCH"] != "1"
    /// v2: K > 0 fits the sign→size scales of the generated z on the signs of the previous K
    /// training residuals (`VolatilityModel.fitZSignScales`, `ZSignScales`). Default 0 (off); the
    /// environment variable `TGFL_Z_SIGN_SCALES=K` (1 … 4) sets the default (BENCHMARKS.md
    /// "Leverage in the generated z (session 12)").
    public var zSignLags: Int = VolatilityModel.defaultZSignLags
    /// v2: fit the shares of exact-zero returns per token (`VolatilityModel.zeroShares`), so that
    /// generation has the data's point mass at r = 0. Default from `VolatilityModel.defaultZeroReturns`
    /// (`TGFL_NO_ZERO_RETURNS=1` turns it off).
    public var zeroReturns: Bool = VolatilityModel.defaultZeroReturns
    /// v2: the probability p of each Student-t tail of the generated z (`ZTail`, ν of the fitted
    /// filter); nil: no t tails. Default `ZTail.defaultProbability` (0.005; `TGFL_Z_TAIL=0` turns
    /// it off).
    public var zTailProbability: Double? = ZTail.defaultProbability
    /// Joint models: which parts `JointDataModels.fit` fits (whitening rule, z tail map, variance calibration).
    public var joint = JointDataSettings()

    /// - Parameters:
    ///   - contextLength: T.
    ///   - vocabSize: V.
    ///   - trainFraction: default 0.8.
    ///   - stride: default 1 (every start day).
    ///   - regimeNames: default `calm, normal, volatile, crisis`.
    ///   - regimeWindow: default 20 days.
    ///   - regimeQuantileLevels: default 0.40 / 0.80 / 0.95.
    ///   - clipSigma: default 12.
    public init(contextLength: Int, vocabSize: Int, trainFraction: Double = 0.8, stride: Int = 1,
                regimeNames: [String] = RegimeModel.defaultNames,
                regimeWindow: Int = RegimeModel.defaultWindow,
                regimeQuantileLevels: [Double] = RegimeModel.defaultQuantileLevels,
                clipSigma: Double = ReturnTokenizer.defaultClipSigma, modelVersion: Int = 1,
                volatilityLevels: Int = ModelConfig.defaultVolatilityLevels) {
        self.contextLength = contextLength; self.vocabSize = vocabSize
        self.trainFraction = trainFraction; self.stride = stride
        self.regimeNames = regimeNames; self.regimeWindow = regimeWindow
        self.regimeQuantileLevels = regimeQuantileLevels; self.clipSigma = clipSigma
        self.modelVersion = modelVersion; self.volatilityLevels = volatilityLevels
    }

    /// The pipeline for a model: T, V, R, the version and S from the model config. With R = 4 the default
    /// regimes are used; otherwise the regimes are named `regime_0 …` with evenly spaced
    /// quantile levels `j / R`.
    /// - Parameters:
    ///   - model: the transformer's config.
    ///   - trainFraction: fraction of days for training.
    ///   - stride: days between window starts.
    public init(model: ModelConfig, trainFraction: Double = 0.8, stride: Int = 1) {
        let r = max(1, model.nRegimes)
        let names = r == RegimeModel.defaultNames.count ? RegimeModel.defaultNames
            : (0..<r).map { "regime_\($0)" }
        let levels = r == RegimeModel.defaultNames.count ? RegimeModel.defaultQuantileLevels
            : (1..<r).map { Double($0) / Double(r) }
        self.init(contextLength: model.contextLength, vocabSize: model.vocabSize,
                  trainFraction: trainFraction, stride: stride, regimeNames: names,
                  regimeQuantileLevels: levels, modelVersion: model.modelVersion,
                  volatilityLevels: model.modelVersion >= 2 ? model.volatilityLevels
                      : ModelConfig.defaultVolatilityLevels)
    }
}

/// How the data models are fitted: on the pooled training spans (central training), or from
/// summaries that each data owner computes on its own span (federated training, in
/// TGFLFederated). The pipeline calls it once, on the training spans only.
public protocol DataModelFitting {
    /// Fits the tokenizer, the regime model and (v2) the volatility model.
    /// - Parameters:
    ///   - trainingSpans: each series' training days, named.
    ///   - config: the pipeline settings.
    func fitDataModels(trainingSpans: [ReturnSeries], config: DataPipelineConfig) throws -> DataModels
}

/// Fitting on the pooled training spans (`DataModels.fit`).
public struct PooledFitting: DataModelFitting {
    public init() {}
    public func fitDataModels(trainingSpans: [ReturnSeries], config: DataPipelineConfig) throws -> DataModels {
        try DataModels.fit(trainingSpans: trainingSpans, config: config)
    }
}

/// The one data pipeline: split by time, fit the data models on the training spans only,
/// encode (tokenize, condition, label), and cut windows.
///
/// ```
/// k_j = ⌊trainFraction · n_j⌋                         per series j (first validation day)
/// models   = fitting(returns_j[0 ..< k_j] for all j)   (or given, for a model that has them)
/// encoded_j = models.encode(returns_j)                 tokens, conditions, regime labels
/// train windows ⊂ days 0 ..< k_j,   validation windows ⊂ days k_j ..< n_j
/// ```
/// Nothing after the split influences the fitted models or the training windows (labels,
/// levels and filtered volatilities look back only). Central training, federated training, the
/// demo, the C ABI and the benchmarks all use it; errors name the series (and the date where
/// the series has dates).
public struct DataPipeline: Sendable {
    /// The settings.
    public let config: DataPipelineConfig

    /// - Throws: `TGFLError.invalidArgument` for a `trainFraction` outside (0, 1].
    public init(config: DataPipelineConfig) throws {
        guard config.trainFraction > 0, config.trainFraction <= 1 else {
            throw TGFLError.invalidArgument("trainFraction must be in (0, 1], got \(config.trainFraction)")
        }
        self.config = config
    }

    /// Checks that every series is non-empty and finite, naming the series and the date.
    public func validate(_ series: [ReturnSeries]) throws {
        guard !series.isEmpty else { throw TGFLError.invalidArgument("no return series given") }
        for s in series {
            guard !s.values.isEmpty else { throw TGFLError.invalidArgument("series '\(s.name)' is empty") }
            if let i = s.values.firstIndex(where: { !$0.isFinite }) {
                let when = s.dates.map { $0.indices.contains(i) ? " (\($0[i]))" : "" } ?? ""
                throw TGFLError.invalidArgument(
                    "series '\(s.name)': return [\(i)]\(when) = \(s.values[i]) is not finite; clean the data")
            }
        }
    }

    /// The training span (first `⌊trainFraction · n⌋` days) of each series.
    public func trainingSpans(_ series: [ReturnSeries]) -> [ReturnSeries] {
        series.map { s in
            let k = splitDay(count: s.values.count, trainFraction: config.trainFraction)
            return ReturnSeries(name: s.name, dates: s.dates.map { Array($0.prefix(k)) }, values: Array(s.values.prefix(k)))
        }
    }

    /// Fits the data models on the training spans.
    public func fit(_ series: [ReturnSeries], using fitting: DataModelFitting = PooledFitting()) throws -> DataModels {
        try validate(series)
        return try fitting.fitDataModels(trainingSpans: trainingSpans(series), config: config)
    }

    /// Encodes every series and cuts the time-ordered windows.
    /// - Parameters:
    ///   - series: the series, oldest day first.
    ///   - models: fitted data models.
    ///   - windowLength: T of the windows (default: `config.contextLength`).
    public func prepare(_ series: [ReturnSeries], models: DataModels, windowLength: Int? = nil) throws -> PreparedData {
        try prepare(series, models: models, encoders: Array(repeating: models, count: series.count),
                    windowLength: windowLength)
    }

    /// Encodes series j with `encoders[j]` (e.g. its own filter and the shared tokenizer:
    /// `CorpusEncoding`) and cuts the time-ordered windows; `models` are the data models the
    /// result reports (those the model keeps).
    /// - Throws: `TGFLError.shapeMismatch` unless there is one encoder per series; the errors of `prepare`.
    public func prepare(_ series: [ReturnSeries], models: DataModels, encoders: [DataModels],
                        windowLength: Int? = nil) throws -> PreparedData {
        try validate(series)
        guard encoders.count == series.count else {
            throw TGFLError.shapeMismatch("\(encoders.count) encoders for \(series.count) series; give one per series")
        }
        let encoded = try zip(series, encoders).map { s, m in try m.encode(s.values, what: "series '\(s.name)'") }
        let split = try WindowSplit(tokens: encoded.map(\.tokens), regimes: encoded.map(\.conditions),
                                    contextLength: windowLength ?? config.contextLength,
                                    trainFraction: config.trainFraction, stride: config.stride,
                                    labels: encoded.map(\.regimes))
        return PreparedData(config: config, series: series, models: models, encoded: encoded, split: split)
    }

    /// `fit` then `prepare`.
    public func run(_ series: [ReturnSeries], using fitting: DataModelFitting = PooledFitting()) throws -> PreparedData {
        try prepare(series, models: try fit(series, using: fitting))
    }
}

/// What the pipeline produced: the series, the fitted models, the encoded days and the windows.
public struct PreparedData: Sendable {
    /// The settings used.
    public let config: DataPipelineConfig
    /// The input series.
    public let series: [ReturnSeries]
    /// The data models (fitted on the training spans, or given).
    public let models: DataModels
    /// Per series: tokens, conditions, regime labels (and v2 variances), one per day.
    public let encoded: [EncodedReturns]
    /// The time-ordered windows.
    public let split: WindowSplit

    /// Regimes fitted on the training span.
    public var regimeModel: RegimeModel { models.regimes }
    /// Tokenizer fitted on the training span.
    public var tokenizer: ReturnTokenizer { models.tokenizer }
    /// Tokens per series, one per day.
    public var tokens: [[Int32]] { encoded.map(\.tokens) }
    /// Regime labels per series, one per day.
    public var regimes: [[Int32]] { encoded.map(\.regimes) }
    /// Training windows.
    public var train: WindowDataset { split.train }
    /// Validation windows.
    public var validation: WindowDataset { split.validation }

    /// Runs the pipeline with pooled fitting.
    public init(series: [ReturnSeries], config: DataPipelineConfig) throws {
        self = try DataPipeline(config: config).run(series)
    }

    /// Runs the pipeline on plain return arrays (named `series_0`, `series_1`, …).
    public init(returns: [[Double]], config: DataPipelineConfig) throws {
        try self.init(series: returns.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) },
                      config: config)
    }

    /// Runs the pipeline on every column of market data (prices become log returns).
    public init(marketData: MarketData, config: DataPipelineConfig) throws {
        try self.init(series: marketData.allLogReturns(), config: config)
    }

    init(config: DataPipelineConfig, series: [ReturnSeries], models: DataModels, encoded: [EncodedReturns],
         split: WindowSplit) {
        self.config = config; self.series = series; self.models = models; self.encoded = encoded; self.split = split
    }
}
