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
    /// Tokenizer range half-width in training standard deviations.
    public var clipSigma: Double

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
                clipSigma: Double = ReturnTokenizer.defaultClipSigma) {
        self.contextLength = contextLength; self.vocabSize = vocabSize
        self.trainFraction = trainFraction; self.stride = stride
        self.regimeNames = regimeNames; self.regimeWindow = regimeWindow
        self.regimeQuantileLevels = regimeQuantileLevels; self.clipSigma = clipSigma
    }

    /// The pipeline for a model: T, V and R from the model config. With R = 4 the default
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
                  regimeQuantileLevels: levels)
    }
}

/// The whole data pipeline for one or more return series: fit regimes and tokenizer on the
/// training span only, label, tokenize, cut windows, split by time.
///
/// ```
/// k_j = ⌊trainFraction · n_j⌋                       per series j (first validation day)
/// regimes   = RegimeModel.fit(returns_j[0 ..< k_j] for all j)
/// tokenizer = ReturnTokenizer.fit(returns_j[0 ..< k_j] for all j)
/// labels_j = regimes.label(returns_j),   tokens_j = tokenizer.encode(returns_j)
/// train windows ⊂ days 0 ..< k_j,   validation windows ⊂ days k_j ..< n_j
/// ```
/// Nothing after the split influences the fitted thresholds, tokenizer or training windows
/// (labels look back only).
public struct PreparedData: Sendable {
    /// The settings used.
    public let config: DataPipelineConfig
    /// The input series.
    public let series: [ReturnSeries]
    /// Regimes fitted on the training span.
    public let regimeModel: RegimeModel
    /// Tokenizer fitted on the training span.
    public let tokenizer: ReturnTokenizer
    /// Tokens per series, one per day.
    public let tokens: [[Int32]]
    /// Regime labels per series, one per day.
    public let regimes: [[Int32]]
    /// The time-ordered windows.
    public let split: WindowSplit

    /// Training windows.
    public var train: WindowDataset { split.train }
    /// Validation windows.
    public var validation: WindowDataset { split.validation }

    /// Runs the pipeline.
    /// - Parameters:
    ///   - series: one or more return series (e.g. one per asset).
    ///   - config: the settings.
    /// - Throws: `TGFLError.invalidArgument` naming the series (and the date, where known) of a
    ///   NaN or infinite return, a training span shorter than the regime window, or too few
    ///   days for one training window; errors of the regime and tokenizer settings.
    public init(series: [ReturnSeries], config: DataPipelineConfig) throws {
        guard !series.isEmpty else { throw TGFLError.invalidArgument("no return series given") }
        for s in series {
            if let i = s.values.firstIndex(where: { !$0.isFinite }) {
                let when = s.dates.map { $0.indices.contains(i) ? " (\($0[i]))" : "" } ?? ""
                throw TGFLError.invalidArgument(
                    "series '\(s.name)': return [\(i)]\(when) = \(s.values[i]) is not finite; clean the data")
            }
        }
        guard (0...1).contains(config.trainFraction), config.trainFraction > 0 else {
            throw TGFLError.invalidArgument("trainFraction must be in (0, 1], got \(config.trainFraction)")
        }
        let k = series.map { splitDay(count: $0.values.count, trainFraction: config.trainFraction) }
        let training = zip(series, k).map { Array($0.values[0..<$1]) }
        let regimeModel: RegimeModel
        do {
            regimeModel = try RegimeModel.fit(trainingReturns: training, names: config.regimeNames,
                                              window: config.regimeWindow,
                                              quantileLevels: config.regimeQuantileLevels)
        } catch TGFLError.invalidArgument(let m) {
            throw TGFLError.invalidArgument("fitting regimes on the training span (first "
                + "\(config.trainFraction) of each series): \(m)")
        }
        let tokenizer = try ReturnTokenizer.fit(trainingReturns: training, vocabSize: config.vocabSize,
                                                clipSigma: config.clipSigma)
        let tokens = try series.map { try tokenizer.encode($0.values) }
        let regimes = try series.map { try regimeModel.label($0.values) }
        let split = try WindowSplit(tokens: tokens, regimes: regimes, contextLength: config.contextLength,
                                    trainFraction: config.trainFraction, stride: config.stride)
        self.config = config; self.series = series
        self.regimeModel = regimeModel; self.tokenizer = tokenizer
        self.tokens = tokens; self.regimes = regimes; self.split = split
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
}
