import Foundation

/// Where a joint scenario run asked for a market regime starts each asset's σ (issue 17,
/// session 19): per market regime g and asset k, the quantiles of the asset's training log σ_t
/// on the days whose *market* regime is g.
///
/// ```
/// rows_g  = the training days with market regime g (JointDataModels.regimeRows: fewer than 30 add
///           the calmer regimes' days)
/// q_gk(ℓ) = quantile of log σ_kt over rows_g at ℓ = j/100, j = 0 … 100   (numpy 'linear')
/// day 0 under regime g:  σ²_k = exp(2·q_gk(u)), one uniform u per path for every asset
/// later days under regime g: σ²_k clamped to [exp(2·q_gk(0)), exp(2·q_gk(1))] (and floor/cap)
/// ```
/// **Why** (BENCHMARKS.md "Session 19 (jes19)", `Benchmarks/joint_es_diagnosis.py`): the market
/// regime of a day is the lower median of the assets' own labels, so on a real market-calm day
/// only half the assets need be in their own calm band — on crsp_daily IBM is in its own calm band
/// on 49 % of the market-calm days, and its σ there is 1.20× its calm band's. Before, a run under
/// regime g drew each asset's σ inside the asset's *own* regime-g band (`bandStartVariances`), so
/// the regime's portfolio σ was that of days on which every asset is in band g, not that of the
/// market-regime-g days the benchmark (and a user) compares with. One u for all assets keeps a
/// calm or a volatile market (the rule of `bandStartVariances` and of unconditional starts).
/// The quantiles are those of a σ histogram per regime, so a federation can sum them per
/// institution like the other summaries (released in the clear, outside ε unless public data).
public struct JointRegimeStarts: Equatable, Sendable {
    /// Quantile levels j/(n−1) per regime and asset (`VolatilityModel.initialQuantileCount`).
    public static let quantileCount = VolatilityModel.initialQuantileCount

    /// `logSigmaQuantiles[g][k]`: `quantileCount` non-decreasing quantiles of asset k's training
    /// log σ on the days of market regime g.
    public let logSigmaQuantiles: [[[Double]]]

    /// - Throws: `TGFLError.invalidArgument` for a shape that is not R × K × `quantileCount`, or
    ///   values that are not finite and non-decreasing.
    public init(logSigmaQuantiles: [[[Double]]]) throws {
        let K = logSigmaQuantiles.first?.count ?? 0
        guard K >= 1, logSigmaQuantiles.allSatisfy({ $0.count == K }) else {
            throw TGFLError.invalidArgument(
                "the market-regime starts need one list of quantiles per regime and asset, got \(logSigmaQuantiles.map(\.count)) per regime")
        }
        for (g, perAsset) in logSigmaQuantiles.enumerated() {
            for (k, q) in perAsset.enumerated() {
                guard q.count == Self.quantileCount, q.allSatisfy(\.isFinite), zip(q, q.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                    throw TGFLError.invalidArgument(
                        "the market-regime starts of regime \(g), asset \(k): need \(Self.quantileCount) finite non-decreasing "
                        + "quantiles of log σ, got \(q.count)")
                }
            }
        }
        self.logSigmaQuantiles = logSigmaQuantiles
    }

    /// R.
    public var regimes: Int { logSigmaQuantiles.count }
    /// K.
    public var count: Int { logSigmaQuantiles[0].count }

    /// Fits the quantiles on the training days.
    /// - Parameters:
    ///   - sigmas: the training days' filtered σ, one column per asset.
    ///   - labels: each day's market regime.
    ///   - regimes: R.
    public static func fit(sigmas: [[Double]], labels: [Int32], regimes: Int) throws -> JointRegimeStarts {
        guard !sigmas.isEmpty, sigmas.allSatisfy({ $0.count == labels.count }), !labels.isEmpty else {
            throw TGFLError.invalidArgument(
                "the market-regime starts need one σ per asset and day: \(labels.count) days, columns of \(sigmas.map(\.count))")
        }
        let n = quantileCount
        return try JointRegimeStarts(logSigmaQuantiles: (0..<regimes).map { g in
            let rows = JointDataModels.regimeRows(labels: labels, regime: g)
            return sigmas.map { column in
                let sorted = rows.map { Foundation.log(column[$0]) }.sorted()
                return (0..<n).map { linearQuantile(sorted: sorted, Double($0) / Double(n - 1)) }
            }
        })
    }

    /// Fits the quantiles on training spans under a model's stored filters and regime bands (each
    /// span's filter restarts, as `JointDataModels.fit` runs it), e.g. for a model saved without them.
    public static func fit(trainingSpans: [[[Double]]], models: JointDataModels) throws -> JointRegimeStarts {
        let (sigmas, labels) = try models.filteredSigmas(trainingSpans: trainingSpans)
        return try fit(sigmas: sigmas, labels: labels, regimes: models.regimeNames.count)
    }

    /// Day 0's σ² of every asset under regime g at the path's uniform u.
    func startVariances(regime g: Int, u: Double, volatility: [VolatilityModel]) -> [Double] {
        zip(volatility, logSigmaQuantiles[g]).map { $0.variance(logSigmaQuantiles: $1, u: u) }
    }

    /// Day 0's σ² of every asset under regime g at each asset's own uniform u_k (`JointStartDependence`).
    func startVariances(regime g: Int, u: [Double], volatility: [VolatilityModel]) -> [Double] {
        (0..<volatility.count).map { volatility[$0].variance(logSigmaQuantiles: logSigmaQuantiles[g][$0], u: u[$0]) }
    }

    /// The range of asset k's σ² on the training days of regime g, within its floor and cap.
    func bounds(regime g: Int, asset k: Int, of volatility: VolatilityModel) -> ClosedRange<Double> {
        let q = logSigmaQuantiles[g][k]
        return volatility.variance(logSigmaQuantiles: q, u: 0)...volatility.variance(logSigmaQuantiles: q, u: 1)
    }

    func write(to section: inout CheckpointSection) {
        section.datasets["regime_starts.log_sigma_quantiles"] = logSigmaQuantiles.flatMap { $0.flatMap { $0 } }
    }

    /// Reads the optional starts of a `/joint` section (nil without `regime_starts.log_sigma_quantiles`).
    static func read(_ r: CheckpointSectionReader, assets K: Int, regimes R: Int) throws -> JointRegimeStarts? {
        guard r.section.datasets["regime_starts.log_sigma_quantiles"] != nil else { return nil }
        let n = quantileCount
        let flat = try r.dataset("regime_starts.log_sigma_quantiles", count: R * K * n)
        do {
            return try JointRegimeStarts(logSigmaQuantiles: (0..<R).map { g in
                (0..<K).map { k in Array(flat[((g * K + k) * n)..<((g * K + k + 1) * n)]) }
            })
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}

extension JointDataModels {
    /// The training days' σ of every asset under the stored filters (each span's filter restarts, as
    /// `fit` runs it) and each day's market regime.
    /// - Throws: `TGFLError.invalidArgument` for a span without one column per asset of equal lengths.
    func filteredSigmas(trainingSpans: [[[Double]]]) throws -> (sigmas: [[Double]], labels: [Int32]) {
        let K = count
        guard trainingSpans.allSatisfy({ span in span.count == K && span.allSatisfy { $0.count == span[0].count } }) else {
            throw TGFLError.invalidArgument("every training span needs \(K) columns, one per asset")
        }
        let sigmas = (0..<K).map { k in
            trainingSpans.flatMap { volatility[k].variances($0[k]).map { $0.squareRoot() } }
        }
        let labels = sigmas[0].indices.map { t in
            Self.marketRegime((0..<K).map { regimes[$0].label(volatility: sigmas[$0][t]) })
        }
        return (sigmas, labels)
    }
}
