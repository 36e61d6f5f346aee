import Foundation
import TGFLCore

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
    public var count: Int
    public var mean: Double
    public var m2: Double
    public var volatilityHistogram: [Int]

    /// Summarises one owner's training returns.
    /// - Parameters:
    ///   - trainingReturns: Its log returns of the training span, finite, at least `window` long.
    ///   - window: The regime model's trailing window w.
    ///   - grid: The shared histogram grid.
    /// - Throws: `TGFLError.invalidArgument` for a NaN return or a series shorter than w.
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
    public var log10Low: Double = -5
    public var log10High: Double = 0
    public var bins: Int = 4000
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
        let thresholds = quantileLevels.map { q -> Double in
            let p = q * Double(total - 1)
            let target = Int(p.rounded(.down))
            var cum = 0
            for k in pooled.indices where pooled[k] > 0 {
                if target < cum + pooled[k] {
                    // Spread the bin's values evenly (in log space) over the bin.
                    let frac = (Double(target - cum) + 0.5 + (p - Double(target))) / Double(pooled[k])
                    return grid.edge(Double(k) + min(max(frac, 0), 1))
                }
                cum += pooled[k]
            }
            return grid.edge(Double(grid.bins))
        }
        return try RegimeModel(names: names, window: window, quantileLevels: quantileLevels, thresholds: thresholds)
    }
}
