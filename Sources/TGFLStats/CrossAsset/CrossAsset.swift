import Foundation

/// Statistics of several assets observed on the same days: correlation (with its standard
/// error, and per regime), empirical tail dependence, the cross-ACF of absolute returns
/// (volatility spill-over) and a multivariate two-sample energy distance.
///
/// Every function takes the returns as **one array per asset** (`columns[k][t]` is asset k on
/// day t); all columns must have the same length. Each is checked against numpy/scipy in
/// `Tests/Fixtures/make_cross_asset_reference.py`.
public enum CrossAsset {
    /// A correlation matrix with the standard error of each entry.
    public struct CorrelationEstimate: Sendable, Equatable {
        /// K×K Pearson correlations, row-major (`values[i * K + j]`), 1 on the diagonal.
        public let values: [Double]
        /// K×K standard errors `(1 − ρ²)/√(n − 3)`, 0 on the diagonal.
        public let standardErrors: [Double]
        /// K, the number of assets.
        public let assets: Int
        /// n, the number of days used.
        public let days: Int

        /// ρ between assets i and j.
        public func callAsFunction(_ i: Int, _ j: Int) -> Double { values[i * assets + j] }

        /// The mean of the correlations above the diagonal (0 for one asset).
        public var meanOffDiagonal: Double {
            guard assets > 1 else { return 0 }
            var s = 0.0
            for i in 0..<assets { for j in (i + 1)..<assets { s += values[i * assets + j] } }
            return s / Double(assets * (assets - 1) / 2)
        }
    }

    /// Checks that there is at least one column, all finite, of one common length ≥ `minimum`.
    /// - Returns: the common length.
    static func checkColumns(_ columns: [[Double]], _ name: String, minimum: Int, for purpose: String) throws -> Int {
        guard let first = columns.first else { throw StatsError.emptyInput("\(name) (no assets)") }
        for (k, c) in columns.enumerated() {
            try Check.finite(c, "\(name)[\(k)]", atLeast: minimum, for: purpose)
            guard c.count == first.count else {
                throw StatsError.lengthMismatch(
                    "\(name)[\(k)] has \(c.count) days but \(name)[0] has \(first.count); give every asset the same days")
            }
        }
        return first.count
    }

    /// The Pearson correlation matrix of the assets and the standard error of each entry.
    ///
    /// ```
    /// ρ_ij = Σ_t (x_it − x̄_i)(x_jt − x̄_j) / √(Σ_t (x_it − x̄_i)² · Σ_t (x_jt − x̄_j)²)
    /// se_ij = (1 − ρ_ij²) / √(n − 3)
    /// ```
    /// The standard error is the delta-method image of Fisher's `se(atanh ρ) = 1/√(n − 3)`
    /// (i.i.d. bivariate-normal days; volatility clustering makes the true error larger).
    /// Exactly `numpy.corrcoef(X, rowvar=False)`.
    /// - Parameters:
    ///   - columns: one return array per asset, equal lengths, at least 4 days.
    ///   - rows: optional day indices to use (e.g. the crisis days); nil uses every day.
    /// - Returns: the estimate.
    /// - Throws: `StatsError` naming the asset of a non-finite value or a wrong length, a day
    ///   index out of range, fewer than 4 days, or a constant asset (no correlation defined).
    /// - Reference: Fisher (1921), Metron 1; Kendall & Stuart, *The Advanced Theory of Statistics* §16.33.
    public static func correlation(_ columns: [[Double]], rows: [Int]? = nil) throws -> CorrelationEstimate {
        let n0 = try checkColumns(columns, "columns", minimum: 1, for: "correlation")
        let days: [Int]
        if let rows {
            if let bad = rows.first(where: { !(0..<n0).contains($0) }) {
                throw StatsError.invalidParameter("row \(bad) is outside 0..<\(n0) (the days of the columns)")
            }
            days = rows
        } else {
            days = Array(0..<n0)
        }
        let n = days.count, K = columns.count
        guard n >= 4 else {
            throw StatsError.tooShort("correlation needs at least 4 days (for its standard error), got \(n)")
        }
        var centred = [[Double]](repeating: [], count: K)
        var norms = [Double](repeating: 0, count: K)
        for k in 0..<K {
            let x = days.map { columns[k][$0] }
            let m = x.reduce(0, +) / Double(n)
            centred[k] = x.map { $0 - m }
            norms[k] = centred[k].reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norms[k] > 0 else {
                throw StatsError.invalidParameter("columns[\(k)] is constant on the chosen days; its correlation is undefined")
            }
        }
        var rho = [Double](repeating: 0, count: K * K), se = rho
        let denominator = Double(n - 3).squareRoot()
        for i in 0..<K {
            rho[i * K + i] = 1
            for j in (i + 1)..<K {
                var s = 0.0
                for t in 0..<n { s += centred[i][t] * centred[j][t] }
                let r = min(1, max(-1, s / (norms[i] * norms[j])))
                rho[i * K + j] = r; rho[j * K + i] = r
                se[i * K + j] = (1 - r * r) / denominator; se[j * K + i] = se[i * K + j]
            }
        }
        return CorrelationEstimate(values: rho, standardErrors: se, assets: K, days: n)
    }

    /// The correlation matrix over the days of each regime (e.g. calm vs crisis).
    ///
    /// ```
    /// ρ^(g) = correlation(columns, rows: { t : labels_t = g })
    /// ```
    /// - Parameters:
    ///   - columns: one return array per asset.
    ///   - labels: the regime of each day (same length as the columns).
    ///   - regimes: the regime indices to report (e.g. `[0, 3]` for calm and crisis).
    /// - Returns: one estimate per requested regime, nil for a regime with fewer than 4 days.
    /// - Throws: `StatsError.lengthMismatch` when `labels` does not have one label per day;
    ///   the errors of `correlation`.
    public static func regimeCorrelations(_ columns: [[Double]], labels: [Int], regimes: [Int]) throws
        -> [CorrelationEstimate?] {
        let n = try checkColumns(columns, "columns", minimum: 1, for: "regime correlations")
        guard labels.count == n else {
            throw StatsError.lengthMismatch("labels has \(labels.count) entries but the columns have \(n) days")
        }
        return try regimes.map { g in
            let rows = labels.indices.filter { labels[$0] == g }
            return rows.count >= 4 ? try correlation(columns, rows: rows) : nil
        }
    }

    /// The empirical lower and upper tail-dependence coefficients of two assets at level q.
    ///
    /// ```
    /// u_t = rank(x_t)/(n + 1),  v_t = rank(y_t)/(n + 1)      (average ranks for ties)
    /// λ_L(q) = #{t : u_t ≤ q, v_t ≤ q} / #{t : u_t ≤ q}
    /// λ_U(q) = #{t : u_t > 1 − q, v_t > 1 − q} / #{t : u_t > 1 − q}
    /// ```
    /// λ_L is the probability that y is in its lowest q-fraction given that x is in its own
    /// (joint crashes); independence gives ≈ q, comonotonicity 1.
    /// - Parameters:
    ///   - x: returns of the first asset.
    ///   - y: returns of the second asset (same days).
    ///   - q: tail fraction in (0, 0.5], e.g. 0.05.
    /// - Returns: `(lower, upper)`.
    /// - Throws: `StatsError` for empty, non-finite or unequal inputs, q outside (0, 0.5], or a
    ///   tail of x that holds no day (q·(n+1) < 1).
    /// - Reference: Joe (1997), *Multivariate Models and Dependence Concepts* §2.1.10;
    ///   Frahm, Junker & Schmidt (2005), Insurance: Math. Econ. 37(1), the empirical-copula estimator.
    public static func tailDependence(_ x: [Double], _ y: [Double], q: Double) throws -> (lower: Double, upper: Double) {
        _ = try checkColumns([x, y], "x,y", minimum: 1, for: "tail dependence")
        guard q > 0, q <= 0.5 else { throw StatsError.invalidParameter("q must be in (0, 0.5], got \(q)") }
        let n = x.count
        let u = ranks(x).map { $0 / Double(n + 1) }, v = ranks(y).map { $0 / Double(n + 1) }
        var lowX = 0, lowBoth = 0, highX = 0, highBoth = 0
        for t in 0..<n {
            if u[t] <= q { lowX += 1; if v[t] <= q { lowBoth += 1 } }
            if u[t] > 1 - q { highX += 1; if v[t] > 1 - q { highBoth += 1 } }
        }
        guard lowX > 0, highX > 0 else {
            throw StatsError.tooShort("no day of x lies in its \(q) tail (n = \(n)); use a larger q or more days")
        }
        return (Double(lowBoth) / Double(lowX), Double(highBoth) / Double(highX))
    }

    /// Normal scores: Φ⁻¹ of each value's rank over n + 1, ties averaged
    /// (`scipy.stats.norm.ppf(scipy.stats.rankdata(x) / (len(x) + 1))`).
    /// - Parameter x: the values (any order; NaN-free).
    /// - Returns: one score per value, in the same order.
    public static func normalScores(_ x: [Double]) -> [Double] {
        let n = Double(x.count + 1)
        return ranks(x).map { Normal.uncheckedQuantile($0 / n) }
    }

    /// 1-based ranks with ties averaged (`scipy.stats.rankdata(method="average")`).
    static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = average }
            i = j + 1
        }
        return r
    }

    /// The cross-autocorrelation of absolute returns: how a large move of x today goes with
    /// large moves of y h days later (volatility spill-over from x to y).
    ///
    /// ```
    /// a_t = |x_t|, b_t = |y_t|
    /// ρ_{x→y}(h) = Σ_{t=0}^{n−h−1} (a_t − ā)(b_{t+h} − b̄) / (n · s_a · s_b)     h = 0 … maxLag
    /// ```
    /// (s: population standard deviations; the biased estimator, as
    /// `statsmodels.tsa.stattools.ccf(b, a, adjusted=False)`).
    /// - Parameters:
    ///   - x: returns of the leading asset.
    ///   - y: returns of the following asset (same days).
    ///   - maxLag: the largest lag h, ≥ 0 and < n.
    /// - Returns: `maxLag + 1` values for h = 0 … maxLag.
    /// - Throws: `StatsError` for bad input, a lag ≥ n, or a constant |x| or |y|.
    /// - Reference: Cheung & Ng (1996), J. Econometrics 72, the CCF test of causality in variance.
    public static func absoluteCrossACF(_ x: [Double], _ y: [Double], maxLag: Int) throws -> [Double] {
        let n = try checkColumns([x, y], "x,y", minimum: 2, for: "the cross-ACF")
        guard maxLag >= 0, maxLag < n else {
            throw StatsError.invalidParameter("maxLag must be in 0..<\(n) (the days), got \(maxLag)")
        }
        let a = x.map(abs), b = y.map(abs)
        let ma = a.reduce(0, +) / Double(n), mb = b.reduce(0, +) / Double(n)
        let ca = a.map { $0 - ma }, cb = b.map { $0 - mb }
        let sa = (ca.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
        let sb = (cb.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
        guard sa > 0, sb > 0 else {
            throw StatsError.invalidParameter("|x| or |y| is constant; the cross-ACF is undefined")
        }
        return (0...maxLag).map { h in
            var s = 0.0
            for t in 0..<(n - h) { s += ca[t] * cb[t + h] }
            return s / (Double(n) * sa * sb)
        }
    }

    /// The energy distance between two samples of K-dimensional points (e.g. real days and
    /// generated days, each a vector of K asset returns).
    ///
    /// ```
    /// D(X, Y) = √( 2/(nm) Σ_ij ‖x_i − y_j‖ − 1/n² Σ_ij ‖x_i − x_j‖ − 1/m² Σ_ij ‖y_i − y_j‖ )
    /// ```
    /// (V-statistics, Euclidean norm). It is 0 exactly when the two empirical distributions are
    /// equal, and it sees the dependence between assets as well as each asset's margin; for
    /// K = 1 it equals `scipy.stats.energy_distance`. Cost O(n·m·K): subsample large samples.
    /// - Parameters:
    ///   - x: the first sample, one array per asset (n days).
    ///   - y: the second sample, one array per asset (m days), the same K.
    /// - Returns: D ≥ 0.
    /// - Throws: `StatsError` for bad input or a different number of assets.
    /// - Reference: Székely & Rizzo (2013), J. Statistical Planning and Inference 143(8).
    public static func energyDistance(_ x: [[Double]], _ y: [[Double]]) throws -> Double {
        let n = try checkColumns(x, "x", minimum: 1, for: "the energy distance")
        let m = try checkColumns(y, "y", minimum: 1, for: "the energy distance")
        guard x.count == y.count else {
            throw StatsError.lengthMismatch("x has \(x.count) assets but y has \(y.count)")
        }
        let K = x.count
        let px = (0..<n).map { t in (0..<K).map { x[$0][t] } }
        let py = (0..<m).map { t in (0..<K).map { y[$0][t] } }
        func meanDistance(_ a: [[Double]], _ b: [[Double]]) -> Double {
            var s = 0.0
            for u in a {
                for v in b {
                    var d = 0.0
                    for k in 0..<K { let e = u[k] - v[k]; d += e * e }
                    s += d.squareRoot()
                }
            }
            return s / (Double(a.count) * Double(b.count))
        }
        let value = 2 * meanDistance(px, py) - meanDistance(px, px) - meanDistance(py, py)
        return max(0, value).squareRoot()
    }
}
