import Foundation
import TGFLCore
import TGFLStats

/// What one data owner sends the server so that the tokenizer and the regime thresholds can
/// be fitted without pooling raw returns: moments of its training returns and a histogram of
/// its trailing volatility on a grid shared by everyone.
///
/// ```
/// moments:    n, mean, M2 = Σ (r − mean)²                        (Welford)
/// histogram:  counts of v_t (t ≥ w − 1) over the log-spaced grid
///             edge_k = 10^(lo + k·(hi − lo)/K),  k = 0 … K        (values outside go to the end bins)
/// ```
public struct LocalDataSummary: Sendable, Equatable, Codable {
    /// Returns in the series' training span.
    public var count: Int
    /// Their mean.
    public var mean: Double
    /// Sum of squared deviations from the mean (Welford's M2).
    public var m2: Double
    /// Counts of the rolling-volatility values per log-spaced bin (VolatilityGrid).
    public var volatilityHistogram: [Int]

    /// Summarises one owner's training returns.
    /// - Parameters:
    ///   - trainingReturns: Its log returns of the training span, finite, at least `window` long.
    ///   - window: The regime model's trailing window w.
    ///   - grid: The shared histogram grid.
    /// - Throws: `TGFLError.invalidArgument` for a NaN return or a series shorter than w.
    init(count: Int, mean: Double, m2: Double, volatilityHistogram: [Int]) {
        self.count = count; self.mean = mean; self.m2 = m2; self.volatilityHistogram = volatilityHistogram
    }

    /// Summarises one series' training returns: count, mean, M2, and the histogram on `grid`
    /// of its rolling volatility over `window` days. Throws for a non-finite return.
    public init(trainingReturns r: [Double], window: Int, grid: VolatilityGrid) throws {
        if let i = r.firstIndex(where: { !$0.isFinite }) {
            throw TGFLError.invalidArgument("training return [\(i)] = \(r[i]) is not finite; clean the data")
        }
        guard r.count >= window else {
            throw TGFLError.invalidArgument("a training span has \(r.count) returns; the regime window needs \(window)")
        }
        var n = 0, mean = 0.0, m2 = 0.0
        for x in r { n += 1; let d = x - mean; mean += d / Double(n); m2 += d * (x - mean) }
        count = n; self.mean = mean; self.m2 = m2
        var h = [Int](repeating: 0, count: grid.bins)
        for v in RegimeModel.trailingVolatility(r, window: window).dropFirst(window - 1) { h[grid.bin(of: v)] += 1 }
        volatilityHistogram = h
    }
}

/// The common log-spaced grid of volatility histograms: `bins` bins between `10^lo` and `10^hi`.
///
/// The default, 4000 bins over daily volatility 1e-5 … 1, has a relative bin width of
/// 10^(5/4000) − 1 ≈ 0.29 %, so a threshold from the pooled histogram is within 0.29 % of the
/// exact pooled quantile.
public struct VolatilityGrid: Sendable, Equatable, Codable {
    /// log10 of the lowest volatility bin edge.
    public var log10Low: Double = -5
    /// log10 of the highest volatility bin edge.
    public var log10High: Double = 0
    /// Number of log-spaced bins.
    public var bins: Int = 4000
    /// Creates it from the values its properties document.
    public init(log10Low: Double = -5, log10High: Double = 0, bins: Int = 4000) {
        self.log10Low = log10Low; self.log10High = log10High; self.bins = bins
    }

    func bin(of v: Double) -> Int {
        guard v > 0 else { return 0 }
        let x = (log10(v) - log10Low) / (log10High - log10Low) * Double(bins)
        return min(max(Int(x.rounded(.down)), 0), bins - 1)
    }

    func edge(_ k: Double) -> Double { pow(10, log10Low + k * (log10High - log10Low) / Double(bins)) }
}

/// Server-side fitting of the data models from `LocalDataSummary`s.
public enum FederatedDataModels {
    /// The tokenizer from pooled moments (Chan et al. parallel variance), equal to
    /// `ReturnTokenizer.fit` on the pooled returns up to rounding:
    /// ```
    /// n = Σ n_i,  m = Σ n_i m_i / n,  M2 = Σ M2_i + Σ n_i (m_i − m)²,  s = sqrt(M2 / (n − 1))
    /// ```
    /// - Throws: `TGFLError.invalidArgument` for fewer than 2 returns or zero variance.
    public static func tokenizer(_ summaries: [LocalDataSummary], vocabSize: Int,
                                 clipSigma: Double = ReturnTokenizer.defaultClipSigma) throws -> ReturnTokenizer {
        let n = summaries.reduce(0) { $0 + $1.count }
        guard n >= 2 else { throw TGFLError.invalidArgument("the tokenizer needs at least 2 training returns, got \(n)") }
        let m = summaries.reduce(0.0) { $0 + Double($1.count) * $1.mean } / Double(n)
        let m2 = summaries.reduce(0.0) { $0 + $1.m2 + Double($1.count) * ($1.mean - m) * ($1.mean - m) }
        return try ReturnTokenizer(vocabSize: vocabSize, mean: m, std: (m2 / Double(n - 1)).squareRoot(),
                                   clipSigma: clipSigma)
    }

    /// Regime thresholds as quantiles of the pooled volatility histogram.
    ///
    /// ```
    /// N = Σ counts;  position p = q·(N − 1) (NumPy's linear rule on the sorted values)
    /// k = bin holding order statistic ⌊p⌋;  θ = geometric interpolation inside bin k
    /// ```
    /// Approximation: θ lies in the same grid bin as the exact pooled quantile, i.e. within
    /// one relative bin width (≈ 0.29 % with the default grid).
    /// - Throws: `TGFLError.invalidArgument` for an empty histogram or bad settings.
    public static func regimeModel(_ summaries: [LocalDataSummary], grid: VolatilityGrid, names: [String],
                                   window: Int, quantileLevels: [Double]) throws -> RegimeModel {
        var pooled = [Int](repeating: 0, count: grid.bins)
        for s in summaries {
            guard s.volatilityHistogram.count == grid.bins else {
                throw TGFLError.shapeMismatch("a volatility histogram has \(s.volatilityHistogram.count) bins, the grid \(grid.bins)")
            }
            for k in pooled.indices { pooled[k] += s.volatilityHistogram[k] }
        }
        let total = pooled.reduce(0, +)
        guard total > 0 else { throw TGFLError.invalidArgument("no volatility values to fit the regimes on") }
        let thresholds = quantileLevels.map { quantile(pooled, total: total, grid: grid, level: $0) }
        return try RegimeModel(names: names, window: window, quantileLevels: quantileLevels, thresholds: thresholds)
    }

    /// The q-quantile of the values behind a histogram on `grid` (NumPy's linear rule on the
    /// sorted values, each bin's values spread evenly in log space over the bin).
    ///
    /// ```
    /// p = q·(N − 1);  k = bin holding order statistic ⌊p⌋;  θ = geometric interpolation inside bin k
    /// ```
    static func quantile(_ pooled: [Int], total: Int, grid: VolatilityGrid, level q: Double) -> Double {
        let p = q * Double(total - 1)
        let target = Int(p.rounded(.down))
        var cum = 0
        for k in pooled.indices where pooled[k] > 0 {
            if target < cum + pooled[k] {
                let frac = (Double(target - cum) + 0.5 + (p - Double(target))) / Double(pooled[k])
                return grid.edge(Double(k) + min(max(frac, 0), 1))
            }
            cum += pooled[k]
        }
        return grid.edge(Double(grid.bins))
    }
}

/// Fitting of the data models from summaries that each data owner (series) computes on its
/// own training span; the server combines them and never sees a return.
///
/// ```
/// v1: owners send LocalDataSummary (moments, trailing-volatility histogram)
///     tokenizer = pooled moments,  regimes = quantiles of the pooled histogram
/// v2: A. the GJR-GARCH filter by maximum likelihood of Σ_j ℓ_j(θ): in each quasi-Newton
///        iteration every owner sends ℓ_j(θ) and ∇ℓ_j(θ) at the server's θ (exactly the pooled fit)
///     B. owners send a histogram of σ_t under that filter and their min/max σ
///        server: bounds [min σ / 2, 1.25 max σ], level edges (j/S), regime thresholds, the
///        initial-state quantiles — all from the pooled histogram
///     C. owners send the moments of z_t and, per regime, Σ σ_t² and the day count
///        server: tokenizer (pooled moments of z), regime variances v_g = Σ σ² / count
///     D. unless config.matchDependence is false: the recursion of unconditional generation
///        matched to the owners' dependence from their curve sums and chunk variances
///        (VolatilityModel.matchDependence(owners:), which lists what each owner sends)
/// ```
/// Approximations: a quantile from the histogram is within one grid bin (≈ 0.29 % relative)
/// of the pooled one. Averaging locally fitted filters instead was tried and rejected: owners
/// with 500 days each fit noisy, less persistent filters, and the tgfl demo's scenarios came
/// out 19 % too calm. Summaries are made per series: with the natural partition that is one
/// owner per client. What the summaries reveal is not covered by the DP guarantee: for a
/// guarantee of the whole release fit the data models on public data (`PublicDataModels`), or
/// release bounded summaries through a Gaussian mechanism (`NoisedSummaries`).
public struct FederatedSummaryFitting: DataModelFitting {
    /// How an owner is named in errors ("client 2 (series 'ftse')").
    public let ownerName: @Sendable (Int) -> String
    /// The shared histogram grid.
    public let grid: VolatilityGrid

    /// Creates it from the values its properties document.
    public init(grid: VolatilityGrid = VolatilityGrid(), ownerName: @escaping @Sendable (Int) -> String = { "series \($0)" }) {
        self.grid = grid
        self.ownerName = ownerName
    }

    /// Fits the tokenizer and regime model from per-series summaries (no raw returns pooled).
    public func fitDataModels(trainingSpans spans: [ReturnSeries], config: DataPipelineConfig) throws -> DataModels {
        guard config.modelVersion >= 2 else { return try fitVersion1(spans, config: config) }
        let garch = try fitFilter(spans)
        let histogram = try sigmaHistogram(spans, garch: garch)
        func q(_ level: Double) -> Double { histogram.quantile(level, grid: grid) }
        let S = config.volatilityLevels
        let edges = (1..<S).map { Foundation.log(q(Double($0) / Double(S))) }
        let thresholds = config.regimeQuantileLevels.map(q)
        let k = VolatilityModel.initialQuantileCount
        let initial = (0..<k).map { Foundation.log(q(Double($0) / Double(k - 1))) }
        let regimes = try RegimeModel(names: config.regimeNames, basis: .conditionalVolatility,
                                      quantileLevels: config.regimeQuantileLevels, thresholds: thresholds)
        func volatilityModel(_ regimeVariances: [Double]) throws -> VolatilityModel {
            try VolatilityModel(garch: garch, levelEdges: edges, regimeVariances: regimeVariances,
                                initialLogSigmaQuantiles: initial, sigmaFloor: histogram.lo * VolatilityModel.floorMultiplier,
                                sigmaCap: histogram.hi * VolatilityModel.capMultiplier)
        }
        let provisional = try volatilityModel([Double](repeating: garch.unconditionalVariance, count: regimes.count))
        // C. moments of z and per-regime sums of σ².
        var moments: [LocalMoments] = []
        var sums = [Double](repeating: 0, count: regimes.count), counts = [Int](repeating: 0, count: regimes.count)
        for span in spans {
            let variances = provisional.variances(span.values)
            var z: [Double] = []
            z.reserveCapacity(span.values.count)
            for (r, v) in zip(span.values, variances) {
                z.append((r - garch.mu) / v.squareRoot())
                let g = Int(regimes.label(volatility: v.squareRoot()))
                sums[g] += v
                counts[g] += 1
            }
            moments.append(LocalMoments(z))
        }
        let tokenizer = try FederatedDataModels.tokenizer(moments.map(\.summary), vocabSize: config.vocabSize,
                                                          clipSigma: config.clipSigma)
        let variances = (0..<regimes.count).map { g -> Double in
            if counts[g] > 0 { return sums[g] / Double(counts[g]) }
            let sigma = g == 0 ? histogram.lo : thresholds[g - 1]
            return sigma * sigma
        }
        var volatility = try volatilityModel(variances)
        // D. The recursion of unconditional generation matched to the owners' dependence.
        if config.matchDependence {
            try volatility.matchDependence(owners: spans.map { [$0.values] })
        }
        return try DataModels(tokenizer: tokenizer, regimes: regimes, volatility: volatility)
    }

    /// v1: the tokenizer from pooled moments, the regime thresholds from the pooled histogram
    /// of trailing volatility.
    private func fitVersion1(_ spans: [ReturnSeries], config: DataPipelineConfig) throws -> DataModels {
        let summaries = try spans.enumerated().map { j, span in
            do {
                return try LocalDataSummary(trainingReturns: span.values, window: config.regimeWindow, grid: grid)
            } catch TGFLError.invalidArgument(let m) {
                throw TGFLError.invalidArgument("\(ownerName(j)): \(m)")
            }
        }
        let tokenizer = try FederatedDataModels.tokenizer(summaries, vocabSize: config.vocabSize,
                                                          clipSigma: config.clipSigma)
        let regimes = try FederatedDataModels.regimeModel(summaries, grid: grid, names: config.regimeNames,
                                                          window: config.regimeWindow,
                                                          quantileLevels: config.regimeQuantileLevels)
        return try DataModels(tokenizer: tokenizer, regimes: regimes, volatility: nil)
    }

    /// A. The filter: maximum likelihood of the pooled likelihood Σ_j ℓ_j(θ). Each quasi-Newton
    /// iteration needs only every owner's ℓ_j and ∇ℓ_j at the server's θ (one round of
    /// summaries per iteration); the simulation evaluates the same sum in one call.
    private func fitFilter(_ spans: [ReturnSeries]) throws -> GARCHModel {
        do {
            return try GARCHModel.fit(spans.map(\.values), specification: VolatilityModel.defaultSpecification).model
        } catch let error as TGFLError {
            throw error
        } catch {
            let names = spans.indices.map(ownerName).joined(separator: ", ")
            throw TGFLError.invalidArgument("fitting the volatility filter on the summaries of \(names): \(error)")
        }
    }

    /// B. The owners' histograms of σ_t under the filter, summed, with the smallest and largest σ.
    private func sigmaHistogram(_ spans: [ReturnSeries], garch: GARCHModel) throws -> SigmaHistogram {
        var h = SigmaHistogram(counts: [Int](repeating: 0, count: grid.bins), lo: .infinity, hi: 0)
        for span in spans {
            for v in garch.conditionalVariances(span.values) {
                let sigma = v.squareRoot()
                h.counts[grid.bin(of: sigma)] += 1
                h.lo = min(h.lo, sigma); h.hi = max(h.hi, sigma)
            }
        }
        guard h.total > 1, h.lo > 0, h.hi.isFinite else {
            throw TGFLError.invalidArgument("the averaged volatility filter gives no positive finite volatility")
        }
        return h
    }
}

/// The pooled histogram of σ_t on a `VolatilityGrid`, and the smallest and largest σ_t.
struct SigmaHistogram {
    var counts: [Int]
    var lo: Double
    var hi: Double
    var total: Int { counts.reduce(0, +) }
    func quantile(_ level: Double, grid: VolatilityGrid) -> Double {
        FederatedDataModels.quantile(counts, total: total, grid: grid, level: level)
    }
}

/// Welford moments of one owner's values, as the `LocalDataSummary` fields the tokenizer uses.
struct LocalMoments {
    let summary: LocalDataSummary
    init(_ x: [Double]) {
        var n = 0, mean = 0.0, m2 = 0.0
        for v in x { n += 1; let d = v - mean; mean += d / Double(n); m2 += d * (v - mean) }
        summary = LocalDataSummary(count: n, mean: mean, m2: m2, volatilityHistogram: [])
    }
}
