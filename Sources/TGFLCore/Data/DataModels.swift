import Foundation

/// One return series as the network sees it: a token, a conditioning id and a regime label per
/// day, and for model v2 the filtered variance.
///
/// ```
/// v1: tokens_t = tokenizer(r_t)            conditions_t = regimes_t = label(trailing vol up to t)
/// v2: tokens_t = tokenizer((r_t − μ)/σ_t)  conditions_t = level(σ_t)   regimes_t = band of σ_t
/// ```
/// `conditions[t]` is what the network gets at the position that predicts day t (see
/// `WindowDataset`).
public struct EncodedReturns: Sendable, Equatable {
    public var tokens: [Int32]
    public var conditions: [Int32]
    public var regimes: [Int32]
    /// σ²_t of each day (v2), nil in v1.
    public var variances: [Double]?
}

/// The fitted parts that turn returns into model inputs and back: the tokenizer, the regime
/// model and, for model v2, the volatility model. `encode(_:)` is the only place where returns
/// become tokens, conditions and regime labels — training, validation, scoring and the prompts
/// of generation all go through it.
public struct DataModels: Equatable, Sendable {
    public let tokenizer: ReturnTokenizer
    public let regimes: RegimeModel
    /// The volatility state of model v2 (nil for v1).
    public let volatility: VolatilityModel?

    /// - Throws: `TGFLError.invalidArgument` when the parts do not belong together (a v2
    ///   volatility model needs a regime model on the conditional volatility, and a v1 one on
    ///   trailing volatility).
    public init(tokenizer: ReturnTokenizer, regimes: RegimeModel, volatility: VolatilityModel?) throws {
        switch (volatility, regimes.basis) {
        case (nil, .trailingRealized), (.some, .conditionalVolatility): break
        case (nil, .conditionalVolatility):
            throw TGFLError.invalidArgument(
                "the regime model labels the filtered volatility of a v2 model but there is no volatility model")
        case (.some, .trailingRealized):
            throw TGFLError.invalidArgument(
                "a v2 volatility model needs a regime model on the conditional volatility, got one on trailing volatility")
        }
        if let volatility, volatility.regimeVariances.count != regimes.count {
            throw TGFLError.invalidArgument(
                "the volatility model has \(volatility.regimeVariances.count) regime variances but the regime "
                + "model has \(regimes.count) regimes")
        }
        if let q = volatility?.generationZeroShares {
            try VolatilityModel.checkZeroShares(q, vocabSize: tokenizer.vocabSize)
        }
        if let m = volatility?.generationZMarginal, m.targets.count != tokenizer.vocabSize + 1 {
            throw TGFLError.invalidArgument("the z marginal map has \(m.targets.count) values but the tokenizer has "
                + "\(tokenizer.vocabSize + 1) bin edges (one value per edge)")
        }
        self.tokenizer = tokenizer
        self.regimes = regimes
        self.volatility = volatility
    }

    /// Checks that these parts fit a model config (V, R, and S for v2).
    /// - Throws: `TGFLError.invalidArgument` naming the part that disagrees.
    public func check(against config: ModelConfig) throws {
        guard tokenizer.vocabSize == config.vocabSize else {
            throw TGFLError.invalidArgument(
                "tokenizer has vocab_size \(tokenizer.vocabSize) but the model has vocab_size \(config.vocabSize)")
        }
        guard regimes.count == config.nRegimes else {
            throw TGFLError.invalidArgument(
                "regime model has \(regimes.count) regimes but the model has n_regimes \(config.nRegimes)")
        }
        switch (config.modelVersion >= 2, volatility) {
        case (true, nil):
            throw TGFLError.invalidArgument("a v2 model needs a volatility model (/volatility); none was fitted or stored")
        case (false, .some):
            throw TGFLError.invalidArgument("a v1 model has no volatility model, but one was given")
        case (true, .some(let v)) where v.levels != config.volatilityLevels:
            throw TGFLError.invalidArgument(
                "volatility model has \(v.levels) levels but the model has n_volatility_levels \(config.volatilityLevels)")
        default: break
        }
    }

    /// The network's view of a return series (see `EncodedReturns`).
    /// - Parameters:
    ///   - returns: at least one log return.
    ///   - what: how to name the series in errors, e.g. `"series 'close'"`.
    /// - Throws: `TGFLError.invalidArgument` naming the series and index of the first NaN or
    ///   infinite return, or for an empty series.
    public func encode(_ returns: [Double], what: String = "returns") throws -> EncodedReturns {
        guard !returns.isEmpty else { throw TGFLError.invalidArgument("\(what): no returns to encode") }
        try RegimeModel.checkFinite(returns, what: what)
        guard let volatility else {
            let labels = try regimes.label(returns)
            return EncodedReturns(tokens: try tokenizer.encode(returns), conditions: labels, regimes: labels,
                                  variances: nil)
        }
        let variances = volatility.variances(returns)
        let mu = volatility.garch.mu
        var tokens = [Int32](repeating: 0, count: returns.count)
        var conditions = tokens, labels = tokens
        for t in returns.indices {
            let sigma = variances[t].squareRoot()
            tokens[t] = try tokenizer.encode((returns[t] - mu) / sigma)
            conditions[t] = volatility.level(ofVariance: variances[t])
            labels[t] = regimes.label(volatility: sigma)
        }
        return EncodedReturns(tokens: tokens, conditions: conditions, regimes: labels, variances: variances)
    }

    // MARK: - Fitting on pooled training spans

    /// Fits every part on the training spans, pooled (central training).
    ///
    /// ```
    /// v1: regimes = RegimeModel.fit(spans),  tokenizer = ReturnTokenizer.fit(spans)
    /// v2: (volatility, regimes) = VolatilityModel.fit(spans),
    ///     volatility.fitZSignScales(spans)    (when config.zSignLags > 0)
    ///     volatility.matchDependence(spans)   (unless config.matchDependence is false; it
    ///                                          simulates z with the scales, so they come first)
    ///     tokenizer = ReturnTokenizer.fit(z of every span)
    ///     volatility.generationZeroShares = zeroShares(spans, tokenizer)   (when config.zeroReturns)
    ///     volatility.generationZTail = t tails, p = config.zTailProbability, ν of the filter
    ///                                  (each side's from the training z with ZTail.ownNuByDefault)
    /// ```
    /// - Parameters:
    ///   - trainingSpans: the training days of each series (finite, named).
    ///   - config: the pipeline settings (V, regimes, version, levels).
    /// - Throws: `TGFLError.invalidArgument` naming the span or setting at fault.
    public static func fit(trainingSpans: [ReturnSeries], config: DataPipelineConfig) throws -> DataModels {
        guard !trainingSpans.isEmpty else { throw TGFLError.invalidArgument("no training spans to fit the data models on") }
        for span in trainingSpans { try RegimeModel.checkFinite(span.values, what: "series '\(span.name)'") }
        if config.modelVersion < 2 {
            let values = trainingSpans.map(\.values)
            let regimes: RegimeModel
            do {
                regimes = try RegimeModel.fit(trainingReturns: values, names: config.regimeNames,
                                              window: config.regimeWindow,
                                              quantileLevels: config.regimeQuantileLevels)
            } catch TGFLError.invalidArgument(let m) {
                throw TGFLError.invalidArgument("fitting regimes on the training spans (first "
                    + "\(config.trainFraction) of each series): \(m)")
            }
            let tokenizer = try ReturnTokenizer.fit(trainingReturns: values, vocabSize: config.vocabSize,
                                                    clipSigma: config.clipSigma)
            return try DataModels(tokenizer: tokenizer, regimes: regimes, volatility: nil)
        }
        var (volatility, regimes) = try VolatilityModel.fit(
            trainingSpans: trainingSpans, levels: config.volatilityLevels, regimeNames: config.regimeNames,
            regimeQuantileLevels: config.regimeQuantileLevels)
        let tokenizer = try completeGenerationParts(of: &volatility, trainingSpans: trainingSpans, config: config) { z in
            try ReturnTokenizer.fit(trainingReturns: z, vocabSize: config.vocabSize, clipSigma: config.clipSigma)
        }
        return try DataModels(tokenizer: tokenizer, regimes: regimes, volatility: volatility)
    }

    /// What `fit` adds to a freshly fitted filter, in its order, on the same training spans: the
    /// z sign scales (when `config.zSignLags > 0`), the matched generation recursion (unless
    /// `config.matchDependence` is false), the tokenizer (`tokenizer`, given the training z: fitted
    /// by `fit`, kept by fine-tuning and adaptation), the exact-zero shares (when
    /// `config.zeroReturns`) and the z tails (`config.zTailProbability`).
    /// - Returns: the tokenizer `tokenizer` returned.
    static func completeGenerationParts(of volatility: inout VolatilityModel, trainingSpans: [ReturnSeries],
                                        config: DataPipelineConfig,
                                        tokenizer: ([[Double]]) throws -> ReturnTokenizer) throws -> ReturnTokenizer {
        // The scales depend only on the fitted filter; the matching simulates z with them.
        if config.zSignLags > 0 {
            volatility.fitZSignScales(trainingSpans: trainingSpans.map(\.values), lags: config.zSignLags)
        }
        if config.matchDependence {
            try volatility.matchDependence(trainingSpans: trainingSpans.map(\.values))
        }
        let z = trainingSpans.map { span -> [Double] in
            let v = volatility.variances(span.values)
            return zip(span.values, v).map { ($0 - volatility.garch.mu) / $1.squareRoot() }
        }
        let tokenizer = try tokenizer(z)
        if config.zeroReturns {
            volatility.generationZeroShares = try volatility.zeroShares(trainingSpans: trainingSpans.map(\.values),
                                                                        tokenizer: tokenizer)
        }
        volatility.generationZTail = volatility.fittedZTail(probability: config.zTailProbability,
                                                            trainingZ: Array(z.joined()))
        return tokenizer
    }
}
