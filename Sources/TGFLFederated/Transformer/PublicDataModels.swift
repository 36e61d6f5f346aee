import Foundation
import TGFLCore

/// Data models fitted on **public** series (a published index, another market), so that no
/// summary of the clients' data leaves them: with DP, ε then covers the whole release.
///
/// ```
/// filter, level edges, initial-state quantiles, regimes, tokenizer:
///     DataModels.fit on every day of the public series (pooled, as central training would)
/// output prior (level prior counts): token counts of the public series under those models
/// clients send: only their (clipped, noised) model updates
/// ```
/// The alternative, `FederatedSummaryFitting`, fits the same models from the clients' own
/// summaries (likelihoods and gradients, σ histograms, moments of z, token counts), which are
/// exact but shared in the clear: no (ε, δ) covers them. Public data trades that for models
/// fitted on another series: the tokens are GARCH-standardised returns z_t, so a filter fitted
/// on a similar market (e.g. the Dow Jones for the S&P 500) standardises the clients' returns
/// almost as well (`BENCHMARKS.md`, Privacy).
public enum PublicDataModels {
    /// Fits the data models on every day of `series`.
    /// - Parameters:
    ///   - series: The public log-return series (at least one), named for errors and the record.
    ///   - config: The model's configuration (vocabulary, levels, regimes).
    /// - Returns: The data models a fresh model of `config` gets.
    /// - Throws: `TGFLError.invalidArgument` naming the public series whose data is bad or short.
    public static func fit(_ series: [ReturnSeries], config: ModelConfig) throws -> DataModels {
        guard !series.isEmpty else {
            throw TGFLError.invalidArgument("publicData is empty: give at least one public return series, or nil to "
                + "fit the data models from the clients' summaries")
        }
        do {
            let pipeline = try DataPipeline(config: DataPipelineConfig(model: config, trainFraction: 1))
            return try pipeline.fit(series)
        } catch TGFLError.invalidArgument(let message) {
            throw TGFLError.invalidArgument("public data models: \(message)")
        }
    }

    /// A bundled series named as `--data-models-from` takes it: `bundled:NAME[:COLUMN]` or just
    /// `NAME[:COLUMN]` (e.g. `djia`, `bundled:djia`), read as log returns of its default (or the
    /// given) column and named `bundled:NAME[:COLUMN]` in the federation record, as the CLI names it.
    /// - Parameter source: The name; `what` says where it came from in errors.
    /// - Returns: The public series.
    /// - Throws: `TGFLError.invalidArgument` naming the unknown series or column and listing the valid ones.
    public static func bundledSeries(_ source: String, what: String = "data_models_from") throws -> ReturnSeries {
        let bare = source.hasPrefix("bundled:") ? String(source.dropFirst("bundled:".count)) : source
        let parts = bare.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let name = parts.first, let series = BundledSeries(name: name) else {
            throw TGFLError.invalidArgument("\(what) = '\(source)' is not a bundled series; give one of "
                + "\(BundledSeries.namesList) (optionally bundled:NAME:COLUMN), or pass the public returns themselves")
        }
        let column = parts.count > 1 ? parts[1] : nil
        if let column, !series.columns.contains(column) {
            throw TGFLError.invalidArgument("\(what) = '\(source)': the bundled \(series.rawValue) has no column "
                + "'\(column)'; its columns are \(series.columns.joined(separator: ", "))")
        }
        let s = try MarketData.bundled(series, minimumReturns: 2).logReturns(column)
        return ReturnSeries(name: "bundled:" + bare, dates: s.dates, values: s.values)
    }

    /// The public series' tokens and conditions under `models` (for the output prior).
    /// - Throws: `TGFLError.invalidArgument` naming the series.
    static func encode(_ series: [ReturnSeries], models: DataModels) throws -> [EncodedReturns] {
        try series.map { try models.encode($0.values, what: "public series '\($0.name)'") }
    }

    /// What the federation record says about data models fitted on `series`.
    static func describe(_ series: [ReturnSeries]) -> String {
        "public data: " + series.map { "'\($0.name)' (\($0.values.count) days)" }.joined(separator: ", ")
            + "; no summary of the clients' data was shared"
    }
}

extension FederatedTrainer {
    /// The series a fresh model's data models are fitted on instead of the clients' summaries in
    /// the clear: `options.publicData`, or the synthetic series of the noised summaries
    /// (`NoisedSummaries`, with `summaryNoiseMultiplier`), or nil.
    func dataModelSource(_ series: [ReturnSeries]) throws -> [ReturnSeries]? {
        if let publicData = options.publicData { return publicData }
        guard let z = options.summaryNoiseMultiplier else { return nil }
        return [try NoisedSummaries.syntheticSeries(series, owners: options.clientCount, partition: options.partition,
                                                    trainFraction: 1 - options.validationFraction,
                                                    noiseMultiplier: z, seed: options.seed)]
    }

    /// The data models of a fresh model: on `publicData` (`dataModelSource`) when given, else
    /// from the per-series summaries (`FederatedSummaryFitting`; errors name the owner).
    func fitDataModels(_ series: [ReturnSeries], pipeline: DataPipeline, publicData: [ReturnSeries]?) throws -> DataModels {
        if let publicData { return try PublicDataModels.fit(publicData, config: model.config) }
        let natural = options.partition == .natural
        return try pipeline.fit(series, using: FederatedSummaryFitting(ownerName: { j in
            natural ? "client \(j) (series '\(series[j].name)')" : "series '\(series[j].name)'"
        }))
    }

    /// The output prior of a fresh model: from the public series' token counts, or from each
    /// series' training-span counts (the server sums them).
    func setOutputPrior(_ prepared: PreparedData, models: DataModels, publicData: [ReturnSeries]?) throws {
        if let publicData {
            let encoded = try PublicDataModels.encode(publicData, models: models)
            try model.setOutputPrior(tokens: encoded.map(\.tokens), conditions: encoded.map(\.conditions))
            return
        }
        let days = prepared.split.splitDays
        try model.setOutputPrior(tokens: zip(prepared.encoded, days).map { Array($0.tokens.prefix($1)) },
                                 conditions: zip(prepared.encoded, days).map { Array($0.conditions.prefix($1)) })
    }

    /// With `publicData` and `publicMeanTerm`, a v2 model's MA(1) mean term (`MeanTerm`) fitted
    /// on the public series alone (exact Gaussian likelihood), replacing any it had: a function of
    /// public data, so ε is unchanged. Without them, or for v1, the model is left as it is.
    /// - Throws: `TGFLError.invalidArgument` naming the public series the term cannot be fitted on.
    func setPublicMeanTerm() throws {
        guard options.publicMeanTerm, let publicData = options.publicData, let models = model.dataModels,
              var v = models.volatility else { return }
        do {
            v.generationMeanTerm = try MeanTerm.fit(publicData.map(\.values), names: publicData.map(\.name)).term
        } catch TGFLError.invalidArgument(let m) {
            throw TGFLError.invalidArgument("public data models: \(m)")
        }
        try model.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
    }

    /// The record's `mean_term`: θ and where it came from (nil without a term set from public data).
    func publicMeanTermDescription() -> String? {
        guard options.publicMeanTerm, let publicData = options.publicData,
              let t = model.volatilityModel?.generationMeanTerm else { return nil }
        return String(format: "MA(1) on the generated returns, theta = %.6f (lag-1 autocorrelation %.4f), fitted by "
            + "exact Gaussian likelihood on the public data ", t.theta, t.theta / (1 + t.theta * t.theta))
            + publicData.map { "'\($0.name)'" }.joined(separator: ", ")
            + " only: post-processing of public information, epsilon unchanged"
    }

    /// The record's `data_models`: where they came from and whether ε covers them.
    static func dataModelsDescription(_ o: FederatedTrainingOptions) -> String {
        if o.publicData == nil, let z = o.summaryNoiseMultiplier {
            return NoisedSummaries.describe(noiseMultiplier: z, owners: o.clientCount)
        }
        return o.publicData.map(PublicDataModels.describe)
            ?? "per-series summaries (likelihoods and gradients, σ histograms, moments, token counts) combined "
            + "on the server in the clear: not covered by ε"
    }
}
