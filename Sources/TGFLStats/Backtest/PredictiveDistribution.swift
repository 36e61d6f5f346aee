import Foundation

/// A one-day-ahead (or h-day-ahead) forecast distribution of a return, as the backtests need it:
/// its quantile function, its CDF (for the probability integral transform) and its VaR / ES.
///
/// Sign convention as `RiskMeasures`: **losses are positive**, VaR_α = −Q(α),
/// ES_α = −E[X | X ≤ Q(α)].
public enum PredictiveDistribution: Sendable, Equatable, Codable {
    /// An empirical distribution: simulated paths, bootstrap draws or a historical window,
    /// **sorted ascending**. Its quantile is numpy's linear one.
    case sample([Double])
    /// The location–scale Student-t: X = location + scale · T, T ~ t_ν (ν > 2).
    case studentT(location: Double, scale: Double, degreesOfFreedom: Double)

    /// Builds an empirical distribution from unsorted values.
    /// - Parameter values: the draws (finite, at least 2).
    /// - Returns: `.sample(values.sorted())`.
    /// - Throws: `StatsError` for fewer than 2 or non-finite values.
    public static func empirical(_ values: [Double]) throws -> PredictiveDistribution {
        try Check.finite(values, "predictive sample", atLeast: 2, for: "a predictive distribution")
        return .sample(values.sorted())
    }

    /// The quantile function Q(u), u in (0, 1).
    ///
    /// ```
    /// sample:     numpy's linear quantile of the sorted draws
    /// Student-t:  location + scale · t_ν⁻¹(u)
    /// ```
    public func quantile(_ u: Double) -> Double {
        switch self {
        case .sample(let s): return Descriptive.quantile(sorted: s, u)
        case .studentT(let m, let s, let nu): return m + s * StudentT.uncheckedQuantile(u, nu)
        }
    }

    /// The probability integral transform of an outcome x, strictly inside (0, 1).
    ///
    /// ```
    /// sample of n draws:  u = (#{s_i ≤ x} + ½) / (n + 1)     (never 0 or 1, so Φ⁻¹(u) is finite)
    /// Student-t:          u = F_ν((x − location) / scale)
    /// ```
    public func probabilityIntegralTransform(_ x: Double) -> Double {
        switch self {
        case .sample(let s):
            var lo = 0, hi = s.count        // first index with s[i] > x
            while lo < hi {
                let mid = (lo + hi) / 2
                if s[mid] <= x { lo = mid + 1 } else { hi = mid }
            }
            return (Double(lo) + 0.5) / Double(s.count + 1)
        case .studentT(let m, let s, let nu):
            return min(max(StudentT.uncheckedCDF((x - m) / s, nu), 1e-300), 1 - 1e-16)
        }
    }

    /// VaR and ES at tail probability α.
    ///
    /// ```
    /// sample:     VaR = −Q(α),  ES = −mean{ s_i ≤ Q(α) }                (as RiskMeasures.historical)
    /// Student-t:  VaR = −(m + s t_α),  ES = −(m − s (ν + t_α²)/(ν − 1) f_ν(t_α)/α)
    /// ```
    /// - Parameter level: α in (0, 1).
    /// - Returns: the estimate.
    /// - Reference: McNeil, Frey & Embrechts (2015), Example 2.15 (ES of the t).
    public func risk(level a: Double) -> RiskMeasures.Estimate {
        switch self {
        case .sample(let sorted):
            let q = Descriptive.quantile(sorted: sorted, a)
            var sum = 0.0, c = 0
            for v in sorted { if v <= q { sum += v; c += 1 } else { break } }
            return RiskMeasures.Estimate(level: a, valueAtRisk: -q, expectedShortfall: -sum / Double(c))
        case .studentT(let m, let s, let nu):
            let t = StudentT.uncheckedQuantile(a, nu)
            let tail = -(nu + t * t) / (nu - 1) * StudentT.uncheckedPDF(t, nu) / a
            return RiskMeasures.Estimate(level: a, valueAtRisk: -(m + s * t), expectedShortfall: -(m + s * tail))
        }
    }

    /// Checks the parameters of a distribution (used by the backtests before they run).
    func validate(_ what: String) throws {
        switch self {
        case .sample(let s):
            try Check.finite(s, what, atLeast: 2, for: "a predictive distribution")
            for i in 1..<s.count where s[i] < s[i - 1] {
                throw StatsError.invalidParameter("\(what) is not sorted ascending at index \(i); use PredictiveDistribution.empirical")
            }
        case .studentT(let m, let s, let nu):
            guard m.isFinite, s > 0, s.isFinite, nu > 2, nu.isFinite else {
                throw StatsError.invalidParameter("\(what): Student-t needs a finite location, scale > 0 and ν > 2, got (\(m), \(s), \(nu))")
            }
        }
    }
}
