import Foundation
import TGFLCore

/// How each client of a federation encodes its series into the network's inputs
/// (`FederatedTrainingOptions.clientEncoding`; model v2).
///
/// ```
/// pooledFilter (default):  one filter fitted on all clients' summaries (FederatedSummaryFitting)
///                          z_t = (r_t − μ)/σ_t^pooled, levels = quantiles of the pooled σ
/// ownFilter:               client j, on its own training span only (nothing extra leaves it):
///                            (filter_j, regimes_j), z_j = CorpusEncoding.ownFilters(span_j)
///                          server: tokenizer from the clients' moments of their own z
///                            (n_j, mean_j, M2_j → FederatedDataModels.tokenizer: pooled moments)
///                          client j: tokens, levels, labels = DataModels(tokenizer, regimes_j, filter_j).encode(r_j)
///                          output prior: the server sums the clients' token counts under that encoding
/// ```
/// `ownFilter` trains the network as every arm of the asset benchmark generates (each
/// institution with its own filter and levels: `ScenarioModel.adaptingVolatility`) and as
/// pretraining encodes its corpus (`CorpusEncoding`): an FX rate and a volatile stock both give
/// z of unit scale and levels 0 … S−1. With the pooled filter an FX rate sits in the lowest levels
/// all the time and a volatile stock in the highest.
///
/// The global model keeps valid data models of its own so that it loads and generates: the
/// pooled fit from the clients' summaries, as with `pooledFilter` (filter, levels, regimes,
/// matched recursion), with the tokenizer replaced by the shared own-z tokenizer. A model that
/// already has data models (resumed, or `tgfl federate --init`) keeps its tokenizer; each client
/// still refits its own filter. Needs the `natural` partition (one series, one owner, one
/// filter) and no `publicData` or `summaryNoiseMultiplier` (their data models are fitted away
/// from the clients; an own-filter encoding with them is not defined). Without DP or with it, the
/// moments of z are released in the clear like the pooled summaries (the record's
/// `data_models` says so).
public enum ClientEncoding: String, Sendable, CaseIterable, Codable {
    /// Every client encodes by the model's (pooled) data models.
    case pooledFilter = "pooled_filter"
    /// Every client encodes by its own filter and the shared tokenizer.
    case ownFilter = "own_filter"

    /// Parses `pooled_filter` / `own_filter` (also `pooled`, `own`).
    /// - Throws: `TGFLError.invalidArgument` listing the valid names.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "pooled_filter", "pooled", "pooledfilter": self = .pooledFilter
        case "own_filter", "own", "ownfilter": self = .ownFilter
        default:
            throw TGFLError.invalidArgument("client encoding '\(text)' is not one of: pooled_filter, own_filter")
        }
    }
}

extension FederatedTrainer {
    /// `clientEncoding`'s rules.
    /// - Throws: `TGFLError.invalidArgument` naming the option that conflicts with `.ownFilter`.
    static func checkClientEncoding(_ o: FederatedTrainingOptions, model: ScenarioModel) throws {
        guard o.clientEncoding == .ownFilter else { return }
        func refuse(_ m: String) -> TGFLError { .invalidArgument("clientEncoding own_filter " + m) }
        guard model.config.modelVersion >= 2 else {
            throw refuse("needs a v2 model (volatility-standardised tokens); v1 tokens are absolute returns")
        }
        guard case .natural = o.partition else {
            throw refuse("needs the natural partition (one series per client, each with its own filter), got "
                + o.partition.cliName)
        }
        guard o.publicData == nil else {
            throw refuse("and publicData exclude each other (public data models fit the filter away from the "
                + "clients); drop one")
        }
        guard o.summaryNoiseMultiplier == nil else {
            throw refuse("and summaryNoiseMultiplier exclude each other (noised summaries fit one filter for all); "
                + "drop one")
        }
    }

    /// With `.ownFilter`: every client's encoder (its own filter, levels and regimes on its
    /// training span, and the shared tokenizer) and that tokenizer (fitted from the clients' own-z
    /// moments for a fresh model, else the model's); nil with `.pooledFilter`.
    /// - Throws: `TGFLError.invalidArgument` naming the client whose filter cannot be fitted.
    func ownEncoders(_ series: [ReturnSeries], pipeline: DataPipeline,
                     fresh: Bool) throws -> (tokenizer: ReturnTokenizer, encoders: [DataModels])? {
        guard options.clientEncoding == .ownFilter else { return nil }
        try pipeline.validate(series)
        let spans = pipeline.trainingSpans(series)
        let own = try spans.enumerated().map { j, span -> CorpusEncoding.OwnFilter in
            do {
                return try CorpusEncoding.ownFilters(trainingSpans: [span], config: pipeline.config)[0]
            } catch TGFLError.invalidArgument(let m) {
                throw TGFLError.invalidArgument("client \(j) (series '\(span.name)'): its own filter: \(m)")
            }
        }
        let tokenizer: ReturnTokenizer
        if fresh {
            tokenizer = try FederatedDataModels.tokenizer(own.map { LocalMoments($0.z).summary },
                                                          vocabSize: pipeline.config.vocabSize,
                                                          clipSigma: pipeline.config.clipSigma)
        } else if let models = model.dataModels {
            tokenizer = models.tokenizer
        } else {
            throw TGFLError.invalidArgument("clientEncoding own_filter: the model has no data models (tokenizer) to encode with")
        }
        return (tokenizer, try own.map { try DataModels(tokenizer: tokenizer, regimes: $0.regimes, volatility: $0.volatility) })
    }
}
