import Foundation

/// Tail-index estimation for heavy-tailed returns.
public enum TailIndex {

    /// Which tail to study.
    public enum Tail: String, Sendable, Equatable {
        /// Losses: L = −r (the left tail of returns).
        case left
        /// Gains: L = r.
        case right
        /// Both tails pooled: L = |r|.
        case absolute
    }

    /// A Hill estimate.
    public struct Estimate: Sendable, Equatable {
        /// Tail index α = 1/ξ (P(L > x) ~ x^{−α}).
        public let alpha: Double
        /// ξ = 1/α, the Hill estimate proper.
        public let xi: Double
        /// Number of upper order statistics used.
        public let k: Int
        /// The threshold L_(k+1).
        public let threshold: Double
    }

    /// The default number of order statistics, k = ⌊√n⌋.
    ///
    /// ```
    /// k = ⌊√n⌋
    /// ```
    /// Hill's estimator is consistent when k → ∞ and k/n → 0; √n is the usual rule of thumb
    /// between variance (∝ 1/k) and the bias of a non-Pareto body (grows with k/n). For daily
    /// returns (n ≈ 5000) it uses the 70 largest losses, about the worst 1.4 %.
    /// - Parameter n: sample size.
    /// - Returns: k.
    /// - Reference: Danielsson et al. (2001), J. Multivariate Anal. 76; common practice.
    public static func defaultK(sampleSize n: Int) -> Int { Int(Double(n).squareRoot()) }

    /// Hill estimator of the tail index.
    ///
    /// ```
    /// L_(1) ≥ L_(2) ≥ … ≥ L_(n)   (losses sorted descending)
    /// ξ̂ = (1/k) Σ_{i=1}^{k} ln( L_(i) / L_(k+1) ),     α̂ = 1/ξ̂
    /// ```
    /// - Parameters:
    ///   - returns: the returns (finite).
    ///   - tail: `.left` (losses, default), `.right` or `.absolute`.
    ///   - k: order statistics to use, 1 ≤ k < n (default `defaultK`, at least 2).
    /// - Returns: α̂, ξ̂, k and the threshold L_(k+1).
    /// - Throws: `StatsError` for empty/non-finite input, k out of range, a threshold L_(k+1) ≤ 0
    ///   (fewer than k + 1 positive losses), or all k top values equal to the threshold.
    /// - Reference: Hill (1975), "A simple general approach to inference about the tail of a
    ///   distribution", Ann. Statist. 3(5).
    public static func hill(_ returns: [Double], tail: Tail = .left, k: Int? = nil) throws -> Estimate {
        try Check.finite(returns, "returns", atLeast: 3, for: "the Hill estimator")
        let n = returns.count
        let kk = k ?? max(2, defaultK(sampleSize: n))
        guard kk >= 1, kk < n else { throw StatsError.invalidParameter("k must lie in 1..<\(n), got \(kk)") }
        let losses: [Double]
        switch tail {
        case .left: losses = returns.map { -$0 }
        case .right: losses = returns
        case .absolute: losses = returns.map { abs($0) }
        }
        let sorted = losses.sorted(by: >)
        let threshold = sorted[kk]
        guard threshold > 0 else {
            throw StatsError.tooShort("the \(tail) tail has fewer than k + 1 = \(kk + 1) positive values; lower k")
        }
        let logT = log(threshold)
        var s = 0.0
        for i in 0..<kk { s += log(sorted[i]) - logT }
        let xi = s / Double(kk)
        guard xi > 0 else {
            throw StatsError.invalidParameter("the top \(kk) values all equal the threshold; the Hill estimate is undefined")
        }
        return Estimate(alpha: 1 / xi, xi: xi, k: kk, threshold: threshold)
    }
}

// MARK: - The Hill statistic of Student's t (issue 12, session 15)

extension TailIndex {
    /// The Hill statistic that Student's t with ν degrees of freedom has at tail fraction f: the
    /// mean log excess over its own (1 − f)-quantile.
    ///
    /// ```
    /// q = t_ν⁻¹(1 − f)
    /// h_ν(f) = E[ ln(T/q) | T > q ] = (1/f) ∫_q^∞ S_ν(t)/t dt = (1/f) ∫_0^∞ S_ν(q·eˣ) dx
    /// ```
    /// (integration by parts of ∫ ln(t/q) f_ν(t) dt). The integral is composite Simpson on
    /// [0, X] with 4,000 intervals, X doubled from 1 until S_ν(q·e^X) < 1e-14·f. h_ν decreases in ν
    /// (heavier tails have larger log excesses); h_∞(f) is the normal's. For a Pareto tail of
    /// index α it would be 1/α at every f; the t's is larger at moderate f (its tail is not yet a
    /// power law there), which is why Hill's α̂ read as ν understates ν.
    /// - Parameters:
    ///   - nu: ν > 0.
    ///   - fraction: f in (0, 0.5).
    /// - Returns: h_ν(f) > 0.
    /// - Throws: `StatsError.invalidParameter` for ν ≤ 0 or f outside (0, 0.5).
    /// - Reference: Hill (1975); the integral form: `scipy.integrate.quad` of `scipy.stats.t.sf(t)/t`.
    public static func studentTHillStatistic(degreesOfFreedom nu: Double, fraction f: Double) throws -> Double {
        guard nu > 0, !nu.isNaN else { throw StatsError.invalidParameter("degreesOfFreedom must be > 0, got \(nu)") }
        guard f > 0, f < 0.5 else { throw StatsError.invalidParameter("fraction must be in (0, 0.5), got \(f)") }
        let q = -StudentT.uncheckedQuantile(f, nu)
        func s(_ x: Double) -> Double { StudentT.uncheckedCDF(-q * exp(x), nu) }
        var upper = 1.0
        while s(upper) >= 1e-14 * f, upper < 1e4 { upper *= 2 }
        let n = 4_000, h = upper / Double(n)
        var sum = s(0) + s(upper)
        for i in 1..<n { sum += (i % 2 == 1 ? 4 : 2) * s(Double(i) * h) }
        return sum * h / 3 / f
    }

    /// The ν of the Student t whose Hill statistic at tail fraction f equals `hill`
    /// (`studentTHillStatistic`): a Hill estimate read in the t family, so the t's own departure
    /// from a power law at that f does not bias it.
    ///
    /// ```
    /// ν̂ = the root of h_ν(f) = H on ln ν ∈ [ln ν_min, ln ν_max] (bisection, 60 steps);
    ///     ν_min when H ≥ h_{ν_min}(f), ν_max when H ≤ h_{ν_max}(f)
    /// ```
    /// - Parameters:
    ///   - hill: H > 0, e.g. `hill(_:tail:k:).xi` with k = f·n.
    ///   - fraction: f in (0, 0.5).
    ///   - bounds: [ν_min, ν_max], ν_min > 0.
    /// - Returns: ν̂ in `bounds`.
    /// - Throws: `StatsError.invalidParameter` for H not finite and > 0, f outside (0, 0.5), or bounds not > 0.
    public static func studentTDegreesOfFreedom(hillStatistic hill: Double, fraction f: Double,
                                                bounds: ClosedRange<Double>) throws -> Double {
        guard hill.isFinite, hill > 0 else { throw StatsError.invalidParameter("the Hill statistic must be finite and > 0, got \(hill)") }
        guard bounds.lowerBound > 0, bounds.upperBound.isFinite else {
            throw StatsError.invalidParameter("the bounds of ν must be finite and > 0, got \(bounds)")
        }
        if hill >= (try studentTHillStatistic(degreesOfFreedom: bounds.lowerBound, fraction: f)) { return bounds.lowerBound }
        if hill <= (try studentTHillStatistic(degreesOfFreedom: bounds.upperBound, fraction: f)) { return bounds.upperBound }
        var lo = log(bounds.lowerBound), hi = log(bounds.upperBound)
        for _ in 0..<60 {
            let mid = 0.5 * (lo + hi)
            if try studentTHillStatistic(degreesOfFreedom: exp(mid), fraction: f) > hill { lo = mid } else { hi = mid }
        }
        return exp(0.5 * (lo + hi))
    }
}
