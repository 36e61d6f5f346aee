import Foundation

/// The χ² distribution with k degrees of freedom.
public enum ChiSquared {

    /// CDF of χ²(k).
    ///
    /// ```
    /// F(x; k) = P(k/2, x/2)        (regularized lower incomplete gamma)
    /// ```
    /// - Parameters:
    ///   - x: the point, x ≥ 0 (+∞ allowed).
    ///   - degreesOfFreedom: k > 0.
    /// - Returns: P(X ≤ x).
    /// - Throws: `StatsError.invalidParameter` for x < 0, NaN, or k ≤ 0.
    /// - Reference: `scipy.special.chdtr`, `scipy.stats.chi2.cdf`.
    public static func cdf(_ x: Double, degreesOfFreedom k: Double) throws -> Double {
        try check(x, k)
        return SpecialFunctions.uncheckedGammaP(0.5 * k, 0.5 * x)
    }

    /// Survival function of χ²(k), computed directly (no 1 − F cancellation).
    ///
    /// ```
    /// S(x; k) = Q(k/2, x/2)
    /// ```
    /// - Parameters: as `cdf`.
    /// - Returns: P(X > x).
    /// - Throws: as `cdf`.
    /// - Reference: `scipy.special.chdtrc`, `scipy.stats.chi2.sf`.
    public static func sf(_ x: Double, degreesOfFreedom k: Double) throws -> Double {
        try check(x, k)
        return uncheckedSF(x, k)
    }

    /// Quantile (inverse CDF) of χ²(k).
    ///
    /// ```
    /// x = 2 P⁻¹(k/2, p)       (safeguarded Newton from the Wilson–Hilferty start)
    /// ```
    /// - Parameters:
    ///   - p: probability in (0, 1).
    ///   - degreesOfFreedom: k > 0.
    /// - Returns: x with F(x; k) = p.
    /// - Throws: `StatsError.invalidParameter` for p outside (0, 1) or k ≤ 0.
    /// - Reference: `scipy.stats.chi2.ppf`; Wilson & Hilferty (1931).
    public static func quantile(_ p: Double, degreesOfFreedom k: Double) throws -> Double {
        try Check.probability(p, "p")
        try check(0, k)
        return 2 * SpecialFunctions.uncheckedInverseGamma(0.5 * k, p: p, q: 1 - p)
    }

    /// Inverse survival function: x with S(x; k) = q (accurate for tiny q).
    ///
    /// ```
    /// x = 2 Q⁻¹(k/2, q)
    /// ```
    /// - Parameters:
    ///   - q: upper-tail probability in (0, 1).
    ///   - degreesOfFreedom: k > 0.
    /// - Returns: x with P(X > x) = q.
    /// - Throws: `StatsError.invalidParameter` for q outside (0, 1) or k ≤ 0.
    /// - Reference: `scipy.special.chdtri`, `scipy.stats.chi2.isf`.
    public static func inverseSF(_ q: Double, degreesOfFreedom k: Double) throws -> Double {
        try Check.probability(q, "q")
        try check(0, k)
        return 2 * SpecialFunctions.uncheckedInverseGamma(0.5 * k, p: 1 - q, q: q)
    }

    static func check(_ x: Double, _ k: Double) throws {
        guard x >= 0 else { throw StatsError.invalidParameter("x must be ≥ 0 (and not NaN), got \(x)") }
        guard k > 0, k.isFinite else { throw StatsError.invalidParameter("degreesOfFreedom must be > 0, got \(k)") }
    }

    @inline(__always)
    static func uncheckedSF(_ x: Double, _ k: Double) -> Double {
        SpecialFunctions.uncheckedGammaQ(0.5 * k, 0.5 * x)
    }
}
