import Foundation

/// Descriptive statistics of a sample: mean, standard deviation, skewness, excess kurtosis
/// and quantiles, with the conventions of numpy and `scipy.stats`.
public enum Descriptive {

    /// Arithmetic mean.
    ///
    /// ```
    /// mean = (1/n) Σ x_i
    /// ```
    /// - Parameter x: the sample (non-empty, finite).
    /// - Returns: the mean.
    /// - Throws: `StatsError.emptyInput` or `.nonFinite`.
    /// - Reference: `numpy.mean`.
    public static func mean(_ x: [Double]) throws -> Double {
        try Check.finite(x, "x")
        return uncheckedMean(x)
    }

    /// Variance with `ddof` delta degrees of freedom.
    ///
    /// ```
    /// var = Σ (x_i − mean)² / (n − ddof)
    /// ```
    /// - Parameters:
    ///   - x: the sample (finite, more than `ddof` values).
    ///   - ddof: delta degrees of freedom: 0 for the population (maximum-likelihood) variance,
    ///     1 for the unbiased sample variance. Default 0, as numpy.
    /// - Returns: the variance.
    /// - Throws: `StatsError` for empty or non-finite input, a negative `ddof`, or `n ≤ ddof`.
    /// - Reference: `numpy.var(x, ddof=ddof)`.
    public static func variance(_ x: [Double], ddof: Int = 0) throws -> Double {
        guard ddof >= 0 else { throw StatsError.invalidParameter("ddof must be ≥ 0, got \(ddof)") }
        try Check.finite(x, "x", atLeast: ddof + 1, for: "the variance with ddof \(ddof)")
        let m = uncheckedMean(x)
        return centralMoment(x, mean: m, order: 2) * Double(x.count) / Double(x.count - ddof)
    }

    /// Standard deviation with `ddof` delta degrees of freedom.
    ///
    /// ```
    /// std = sqrt( Σ (x_i − mean)² / (n − ddof) )
    /// ```
    /// - Parameters:
    ///   - x: the sample (finite, more than `ddof` values).
    ///   - ddof: 0 (default, as numpy) or 1 for the square root of the unbiased variance.
    /// - Returns: the standard deviation.
    /// - Throws: as `variance(_:ddof:)`.
    /// - Reference: `numpy.std(x, ddof=ddof)`.
    public static func standardDeviation(_ x: [Double], ddof: Int = 0) throws -> Double {
        (try variance(x, ddof: ddof)).squareRoot()
    }

    /// Sample skewness, biased or bias-corrected, as `scipy.stats.skew`.
    ///
    /// ```
    /// m_k = (1/n) Σ (x_i − mean)^k
    /// g1  = m3 / m2^{3/2}                               (bias = true)
    /// G1  = g1 · sqrt(n (n − 1)) / (n − 2)              (bias = false, n > 2)
    /// ```
    /// - Parameters:
    ///   - x: the sample (finite, not constant; at least 3 values when `bias` is false).
    ///   - bias: `true` (default, as scipy) for g1, `false` for the adjusted Fisher–Pearson G1.
    /// - Returns: the skewness.
    /// - Throws: `StatsError` for empty, non-finite, too-short or constant input (zero variance,
    ///   where scipy returns NaN).
    /// - Reference: `scipy.stats.skew(x, bias=bias)`; Joanes & Gill (1998).
    public static func skewness(_ x: [Double], bias: Bool = true) throws -> Double {
        try Check.finite(x, "x", atLeast: bias ? 1 : 3, for: "the unbiased skewness")
        let m = uncheckedMean(x)
        let m2 = centralMoment(x, mean: m, order: 2)
        try requireVariance(m2, mean: m, "skewness")
        let g1 = centralMoment(x, mean: m, order: 3) / pow(m2, 1.5)
        if bias { return g1 }
        let n = Double(x.count)
        return g1 * (n * (n - 1)).squareRoot() / (n - 2)
    }

    /// Sample excess kurtosis (Fisher's definition, normal → 0), biased or bias-corrected,
    /// as `scipy.stats.kurtosis(fisher=True)`.
    ///
    /// ```
    /// g2 = m4 / m2² − 3                                                   (bias = true)
    /// G2 = [ (n² − 1) m4/m2² − 3 (n − 1)² ] / ((n − 2)(n − 3))            (bias = false, n > 3)
    /// ```
    /// - Parameters:
    ///   - x: the sample (finite, not constant; at least 4 values when `bias` is false).
    ///   - bias: `true` (default, as scipy) for g2, `false` for the unbiased-moment G2.
    /// - Returns: the excess kurtosis.
    /// - Throws: `StatsError` for empty, non-finite, too-short or constant input.
    /// - Reference: `scipy.stats.kurtosis(x, fisher=True, bias=bias)`; Joanes & Gill (1998).
    public static func excessKurtosis(_ x: [Double], bias: Bool = true) throws -> Double {
        try Check.finite(x, "x", atLeast: bias ? 1 : 4, for: "the unbiased kurtosis")
        let m = uncheckedMean(x)
        let m2 = centralMoment(x, mean: m, order: 2)
        try requireVariance(m2, mean: m, "kurtosis")
        let ratio = centralMoment(x, mean: m, order: 4) / (m2 * m2)
        if bias { return ratio - 3 }
        let n = Double(x.count)
        return ((n * n - 1) * ratio - 3 * (n - 1) * (n - 1)) / ((n - 2) * (n - 3))
    }

    /// The `p`-quantile with numpy's default ('linear', Hyndman–Fan type 7) method.
    ///
    /// ```
    /// h = (n − 1) p,  j = ⌊h⌋,  g = h − j
    /// Q(p) = x_(j) + g (x_(j+1) − x_(j))        (x_(0) ≤ … ≤ x_(n−1) sorted)
    /// ```
    /// - Parameters:
    ///   - x: the sample (non-empty, finite; need not be sorted).
    ///   - p: the probability level in [0, 1].
    /// - Returns: the quantile.
    /// - Throws: `StatsError` for empty or non-finite input, or `p` outside [0, 1].
    /// - Reference: `numpy.quantile(x, p, method="linear")`; Hyndman & Fan (1996), type 7.
    public static func quantile(_ x: [Double], _ p: Double) throws -> Double {
        try quantiles(x, [p])[0]
    }

    /// Several quantiles at once (one sort), numpy's 'linear' method; see `quantile(_:_:)`.
    ///
    /// ```
    /// Q(p_k) = x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)),  h = (n − 1) p_k
    /// ```
    /// - Parameters:
    ///   - x: the sample (non-empty, finite).
    ///   - levels: probability levels, each in [0, 1].
    /// - Returns: one quantile per level, in the order given.
    /// - Throws: `StatsError` for empty or non-finite input or a level outside [0, 1].
    /// - Reference: `numpy.quantile(x, levels, method="linear")`.
    public static func quantiles(_ x: [Double], _ levels: [Double]) throws -> [Double] {
        try Check.finite(x, "x")
        for (k, p) in levels.enumerated() where !(p >= 0 && p <= 1) {
            throw StatsError.invalidParameter("quantile level \(k) must lie in [0, 1], got \(p)")
        }
        let sorted = x.sorted()
        return levels.map { quantile(sorted: sorted, $0) }
    }

    /// The 'linear' quantile of an already sorted, finite, non-empty array (no checks).
    ///
    /// ```
    /// h = (n − 1) p;  Q = lerp(x_(⌊h⌋), x_(⌊h⌋+1), h − ⌊h⌋)
    /// ```
    /// The interpolation is written as numpy writes it (`b − (b − a)(1 − t)` for t ≥ ½) so the
    /// result matches bit for bit in most cases.
    /// - Parameters:
    ///   - sorted: ascending, finite, non-empty values.
    ///   - p: level in [0, 1].
    /// - Returns: the quantile.
    /// - Reference: numpy `_lerp` in `numpy/lib/_function_base_impl.py`.
    public static func quantile(sorted: [Double], _ p: Double) -> Double {
        let n = sorted.count
        let h = Double(n - 1) * p
        let j = min(max(Int(h.rounded(.down)), 0), n - 1)
        let t = h - Double(j)
        if j >= n - 1 || t == 0 { return sorted[j] }
        let a = sorted[j], b = sorted[j + 1]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }

    // MARK: - Internal helpers (no checks)

    static func uncheckedMean(_ x: [Double]) -> Double {
        var s = 0.0
        for v in x { s += v }
        return s / Double(x.count)
    }

    /// (1/n) Σ (x_i − mean)^order for order 2, 3 or 4.
    static func centralMoment(_ x: [Double], mean m: Double, order: Int) -> Double {
        var s = 0.0
        switch order {
        case 2: for v in x { let d = v - m; s += d * d }
        case 3: for v in x { let d = v - m; s += d * d * d }
        default: for v in x { let d = v - m; let d2 = d * d; s += d2 * d2 }
        }
        return s / Double(x.count)
    }

    /// Throws when the variance is zero to within rounding: m2 ≤ (1e-15 · mean)², scipy's test
    /// (it returns NaN there).
    static func requireVariance(_ m2: Double, mean m: Double, _ what: String) throws {
        if m2 <= (1e-15 * m) * (1e-15 * m) || m2 == 0 {
            throw StatsError.invalidParameter(
                "x is constant (zero variance): the \(what) is undefined; pass a sample with spread")
        }
    }
}
