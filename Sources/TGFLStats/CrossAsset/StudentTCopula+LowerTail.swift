import Foundation

extension StudentTCopula {
    /// The lower-tail coefficient at level q of a pair under a t copula with ρ = 0 (R = I), exactly:
    /// `C(q, q)/q`, the probability that one variable is in its lower q tail given the other is.
    ///
    /// ```
    /// a = t_ν⁻¹(q);  v_k ≤ q  ⇔  n_k ≤ a·√(s/ν),  n_k ~ N(0, 1) independent,  s ~ χ²_ν common
    /// C(q, q) = E_s[Φ(a √(s/ν))²] = ∫ Φ(a √(e^x/ν))² · f_{χ²_ν}(e^x) e^x dx      (Gaussian copula: q²)
    /// ```
    /// The integral over x = ln s runs by the trapezoidal rule with step 0.05 on [−60, ln(2ν + 200)]:
    /// the integrand is smooth and decays exponentially at both ends, so the rule converges
    /// geometrically (≈ 1e-13 against scipy's quadrature on ν ∈ [2, 100]).
    /// - Parameters:
    ///   - degreesOfFreedom: ν > 0, or nil (Gaussian: independence, q).
    ///   - q: the level in (0, 0.5].
    /// - Returns: C(q, q)/q in [q, 1].
    public static func independentLowerTailCoefficient(degreesOfFreedom: Double?, q: Double) -> Double {
        guard let nu = degreesOfFreedom else { return q }
        let a = StudentT.uncheckedQuantile(q, nu), h = 0.05
        let logNormalizer: Double = lgamma(0.5 * nu)
        let steps = Int(((log(2 * nu + 200) + 60) / h).rounded(.up))
        var sum = 0.0
        for i in 0...steps {
            let s = exp(-60 + Double(i) * h)
            let density = exp(0.5 * nu * log(0.5 * s) - 0.5 * s - logNormalizer)      // f_χ²(s)·s
            let p = Normal.uncheckedCDF(a * (s / nu).squareRoot())
            sum += density * p * p
        }
        return h * sum / q
    }

    /// The mean over ordered pairs (i ≠ j) of the empirical lower-tail coefficient of
    /// pseudo-observations at level q, `#{t: v_it ≤ q, v_jt ≤ q} / #{t: v_it ≤ q}` (the issue-17
    /// benchmark's λ_L, `Benchmarks/joint_baselines.py` `lower_tail`, on pseudo-observations
    /// instead of ranks). Counts are sums over days, so sites can pool them.
    /// - Parameters:
    ///   - v: pseudo-observations, one column per variable (K ≥ 2), equal lengths.
    ///   - q: the level in (0, 0.5].
    /// - Returns: the mean coefficient.
    /// - Throws: `StatsError` for fewer than two columns, unequal lengths, q outside (0, 0.5], or a
    ///   column with no value ≤ q.
    public static func empiricalLowerTailCoefficient(_ v: [[Double]], q: Double) throws -> Double {
        guard v.count >= 2 else { throw StatsError.invalidParameter("the lower-tail coefficient needs at least two columns, got \(v.count)") }
        guard q > 0, q <= 0.5 else { throw StatsError.invalidParameter("q must be in (0, 0.5], got \(q)") }
        let n = v[0].count
        for (k, column) in v.enumerated() where column.count != n {
            throw StatsError.lengthMismatch("pseudo-observation column \(k) has \(column.count) values, column 0 has \(n)")
        }
        let low = v.map { $0.map { $0 <= q } }
        var total = 0.0
        for i in v.indices {
            let count = low[i].filter { $0 }.count
            guard count > 0 else { throw StatsError.tooShort("column \(i) has no value ≤ \(q) (n = \(n))") }
            for j in v.indices where j != i {
                var both = 0
                for t in 0..<n where low[i][t] && low[j][t] { both += 1 }
                total += Double(both) / Double(count)
            }
        }
        return total / Double(v.count * (v.count - 1))
    }

    /// What `fitLowerTail` found.
    public struct LowerTailFit: Sendable, Equatable {
        /// The chosen copula (R = I; Gaussian when independence is nearest).
        public let copula: StudentTCopula
        /// The pseudo-observations' mean pairwise lower-tail coefficient at q.
        public let empirical: Double
        /// The grid tried and each ν's exact coefficient at q (`independentLowerTailCoefficient`).
        public let grid: [Double]
        public let coefficients: [Double]
    }

    /// Fits ν of a t copula with R = I by matching the lower-tail coefficient at level q instead of
    /// the likelihood: the grid value (or the Gaussian copula, coefficient q) whose exact
    /// `C(q, q)/q` is nearest the pseudo-observations' mean pairwise coefficient (ties: the larger ν).
    ///
    /// ```
    /// λ̂ = mean_{i ≠ j} #{v_i ≤ q, v_j ≤ q} / #{v_i ≤ q};   ν̂ = argmin over grid ∪ {∞} of |λ_ν(q) − λ̂|
    /// ```
    /// **Why (session 23).** The likelihood is dominated by the body of the distribution: on the
    /// joint model's whitened u it picks ν = 15 on eu_stocks, whose exact coefficient at 5 % (0.071)
    /// is below the u's own (0.083; crsp_daily: 0.076 at the likelihood's ν = 10 against 0.101).
    /// Matching the tail the benchmark scores carries the u's joint extremes; with R = I it still adds
    /// no linear correlation (the whitening owns it). Where the u have no excess lower-tail dependence
    /// the match says so (fx_usd_1980: the same ν as the likelihood).
    /// - Parameters:
    ///   - v: pseudo-observations, one column per variable (K ≥ 2), values in (0, 1).
    ///   - q: the level (default 0.05, the benchmark's).
    ///   - grid: the ν values to try (default `defaultGrid`).
    /// - Returns: the fit.
    /// - Throws: `StatsError` as `empiricalLowerTailCoefficient`, or for values outside (0, 1) or a bad grid.
    public static func fitLowerTail(pseudoObservations v: [[Double]], q: Double = 0.05,
                                    grid: [Double] = defaultGrid) throws -> LowerTailFit {
        for (k, column) in v.enumerated() {
            if let t = column.firstIndex(where: { !($0 > 0 && $0 < 1) }) {
                throw StatsError.invalidParameter("pseudo-observation column \(k), day \(t): \(column[t]) is not in (0, 1)")
            }
        }
        guard !grid.isEmpty, grid.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StatsError.invalidParameter("the ν grid must hold positive finite values, got \(grid)")
        }
        let empirical = try empiricalLowerTailCoefficient(v, q: q)
        let coefficients = grid.map { independentLowerTailCoefficient(degreesOfFreedom: $0, q: q) }
        var bestNu: Double? = nil, bestDistance = abs(q - empirical)
        for (nu, c) in zip(grid, coefficients) where abs(c - empirical) < bestDistance
            || (abs(c - empirical) == bestDistance && bestNu.map { nu > $0 } == true) {
            bestNu = nu; bestDistance = abs(c - empirical)
        }
        let K = v.count
        let copula = try StudentTCopula(correlation: (0..<(K * K)).map { $0 % (K + 1) == 0 ? 1 : 0 }, dimension: K,
                                        degreesOfFreedom: bestNu)
        return LowerTailFit(copula: copula, empirical: empirical, grid: grid, coefficients: coefficients)
    }
}
