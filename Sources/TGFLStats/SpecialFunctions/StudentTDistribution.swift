import Foundation

/// Student's t distribution with ν degrees of freedom, location and scale.
public enum StudentT {

    /// CDF of the location-scale t distribution.
    ///
    /// ```
    /// z = (x − loc)/scale,  w = ν / (ν + z²)
    /// F(z) = ½ I_w(ν/2, ½)            for z ≤ 0
    /// F(z) = 1 − ½ I_w(ν/2, ½)        for z > 0
    /// ```
    /// - Parameters:
    ///   - x: the point (±∞ allowed).
    ///   - degreesOfFreedom: ν > 0 (need not be an integer).
    ///   - loc: location (default 0).
    ///   - scale: scale > 0 (default 1).
    /// - Returns: P(X ≤ x); relative error ~1e-12 for ν ≤ 1e4.
    /// - Throws: `StatsError.invalidParameter` for NaN x, ν ≤ 0 or scale ≤ 0.
    /// - Reference: `scipy.special.stdtr`, `scipy.stats.t.cdf`; Abramowitz & Stegun 26.7.1.
    public static func cdf(_ x: Double, degreesOfFreedom nu: Double, loc: Double = 0, scale: Double = 1) throws -> Double {
        try check(x, nu, loc, scale)
        return uncheckedCDF((x - loc) / scale, nu)
    }

    /// Survival function 1 − F(x), computed directly (F(−z)).
    ///
    /// ```
    /// S(z) = F(−z)
    /// ```
    /// - Parameters: as `cdf`.
    /// - Returns: P(X > x).
    /// - Throws: as `cdf`.
    /// - Reference: `scipy.stats.t.sf`.
    public static func sf(_ x: Double, degreesOfFreedom nu: Double, loc: Double = 0, scale: Double = 1) throws -> Double {
        try check(x, nu, loc, scale)
        return uncheckedCDF(-(x - loc) / scale, nu)
    }

    /// Density of the location-scale t distribution.
    ///
    /// ```
    /// f(z) = Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + z²/ν)^{−(ν+1)/2} / scale
    /// ```
    /// - Parameters: as `cdf`.
    /// - Returns: the density.
    /// - Throws: as `cdf`.
    /// - Reference: `scipy.stats.t.pdf`.
    public static func pdf(_ x: Double, degreesOfFreedom nu: Double, loc: Double = 0, scale: Double = 1) throws -> Double {
        try check(x, nu, loc, scale)
        return uncheckedPDF((x - loc) / scale, nu) / scale
    }

    /// Quantile (inverse CDF): loc + scale · t_ν⁻¹(p).
    ///
    /// ```
    /// solve F(t) = p  (safeguarded Newton on ln F for p ≤ ½; t_ν⁻¹(p) = −t_ν⁻¹(1 − p) for p > ½)
    /// ```
    /// - Parameters:
    ///   - p: probability in (0, 1).
    ///   - degreesOfFreedom: ν > 0.
    ///   - loc: location.
    ///   - scale: scale > 0.
    /// - Returns: the quantile; relative error ~1e-12.
    /// - Throws: `StatsError.invalidParameter` for p outside (0, 1), ν ≤ 0 or scale ≤ 0.
    /// - Reference: `scipy.special.stdtrit`, `scipy.stats.t.ppf`.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double, loc: Double = 0, scale: Double = 1) throws -> Double {
        try Check.probability(p, "p")
        try check(0, nu, loc, scale)
        return loc + scale * uncheckedQuantile(p, nu)
    }

    static func check(_ x: Double, _ nu: Double, _ loc: Double, _ scale: Double) throws {
        guard !x.isNaN else { throw StatsError.invalidParameter("x is NaN") }
        guard nu > 0, !nu.isNaN else { throw StatsError.invalidParameter("degreesOfFreedom must be > 0, got \(nu)") }
        guard loc.isFinite else { throw StatsError.invalidParameter("loc must be finite, got \(loc)") }
        guard scale > 0, scale.isFinite else { throw StatsError.invalidParameter("scale must be > 0, got \(scale)") }
    }

    // MARK: - Unchecked

    static func uncheckedCDF(_ z: Double, _ nu: Double) -> Double {
        if z.isInfinite { return z > 0 ? 1 : 0 }
        if nu.isInfinite { return Normal.uncheckedCDF(z) }
        let z2 = z * z
        let w = nu / (nu + z2), oneMinusW = z2 / (nu + z2)
        let tail = 0.5 * SpecialFunctions.uncheckedBeta(0.5 * nu, 0.5, x: w, oneMinusX: oneMinusW)
        return z <= 0 ? tail : 1 - tail
    }

    static func uncheckedLogPDF(_ z: Double, _ nu: Double) -> Double {
        lgamma(0.5 * (nu + 1)) - lgamma(0.5 * nu) - 0.5 * log(nu * Double.pi)
            - 0.5 * (nu + 1) * log1p(z * z / nu)
    }

    static func uncheckedPDF(_ z: Double, _ nu: Double) -> Double { exp(uncheckedLogPDF(z, nu)) }

    static func uncheckedQuantile(_ p: Double, _ nu: Double) -> Double {
        if p == 0.5 { return 0 }
        if p > 0.5 { return -uncheckedQuantile(1 - p, nu) }
        if nu == 1 { return -1 / tan(Double.pi * p) }   // Cauchy: tan(π(p − ½)) = −cot(πp)
        let target = log(p)
        // Start from the normal quantile, or the power-law tail F(t) ≈ C |t|^{−ν}.
        // F(t) ≈ f(0) ν^{(ν+1)/2} |t|^{−ν} / ν as t → −∞ (the density's power tail, integrated).
        var t0 = Normal.uncheckedQuantile(p)
        let logTail = (uncheckedLogPDF(0, nu) + 0.5 * (nu + 1) * log(nu) - log(nu) - target) / nu
        let tailStart = -exp(logTail)
        if p < 0.01, tailStart.isFinite, tailStart < t0 { t0 = tailStart }
        return SpecialFunctions.safeguardedNewton(start: t0, lower: -.infinity, upper: 0) { t in
            let f = uncheckedCDF(t, nu)
            if f <= 0 { return (-.infinity, .infinity) }
            return (log(f) - target, exp(uncheckedLogPDF(t, nu) - log(f)))
        }
    }
}
