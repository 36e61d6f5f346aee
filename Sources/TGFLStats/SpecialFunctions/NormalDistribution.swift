import Foundation

/// The normal distribution N(μ, σ²): CDF, survival function, quantile, density.
public enum Normal {

    /// Standard normal CDF Φ(x), accurate in both tails.
    ///
    /// ```
    /// Φ(x) = ½ erfc(−x / √2)
    /// ```
    /// - Parameters:
    ///   - x: the point (±∞ allowed).
    ///   - mean: μ (default 0).
    ///   - standardDeviation: σ > 0 (default 1).
    /// - Returns: P(X ≤ x); relative error ~1e-15 near the centre, growing to ~1e-13 at |z| ≈ 30
    ///   (the rounding of z/√2 is amplified by 2z²; scipy's ndtr has the same property).
    /// - Throws: `StatsError.invalidParameter` for NaN x or σ ≤ 0.
    /// - Reference: `scipy.special.ndtr`, `scipy.stats.norm.cdf`.
    public static func cdf(_ x: Double, mean: Double = 0, standardDeviation: Double = 1) throws -> Double {
        try check(x, mean, standardDeviation)
        return uncheckedCDF((x - mean) / standardDeviation)
    }

    /// Survival function 1 − Φ(z), computed directly.
    ///
    /// ```
    /// S(x) = ½ erfc(z / √2),  z = (x − μ)/σ
    /// ```
    /// - Parameters: as `cdf`.
    /// - Returns: P(X > x).
    /// - Throws: as `cdf`.
    /// - Reference: `scipy.stats.norm.sf`.
    public static func sf(_ x: Double, mean: Double = 0, standardDeviation: Double = 1) throws -> Double {
        try check(x, mean, standardDeviation)
        return uncheckedCDF(-(x - mean) / standardDeviation)
    }

    /// Quantile (inverse CDF) Φ⁻¹(p), scaled: μ + σ Φ⁻¹(p).
    ///
    /// ```
    /// x₀ = Acklam's rational approximation (relative error 1.15e-9)
    /// x  = x₀ − u / (1 + x₀ u / 2),   u = (Φ(x₀) − p) / φ(x₀)     (one Halley step)
    /// ```
    /// Computed on the lower tail (Φ⁻¹(p) = −Φ⁻¹(1 − p) for p > ½, where 1 − p is exact).
    /// - Parameters:
    ///   - p: probability in (0, 1).
    ///   - mean: μ.
    ///   - standardDeviation: σ > 0.
    /// - Returns: the quantile; relative error ~1e-15.
    /// - Throws: `StatsError.invalidParameter` for p outside (0, 1) or σ ≤ 0.
    /// - Reference: `scipy.special.ndtri`; P. J. Acklam (2003), "An algorithm for computing the
    ///   inverse normal cumulative distribution function"; Halley refinement.
    public static func quantile(_ p: Double, mean: Double = 0, standardDeviation: Double = 1) throws -> Double {
        try Check.probability(p, "p")
        try check(0, mean, standardDeviation)
        return mean + standardDeviation * uncheckedQuantile(p)
    }

    /// Density φ((x − μ)/σ)/σ.
    ///
    /// ```
    /// φ(z) = exp(−z²/2) / √(2π)
    /// ```
    /// - Parameters: as `cdf`.
    /// - Returns: the density.
    /// - Throws: as `cdf`.
    /// - Reference: `scipy.stats.norm.pdf`.
    public static func pdf(_ x: Double, mean: Double = 0, standardDeviation: Double = 1) throws -> Double {
        try check(x, mean, standardDeviation)
        return uncheckedPDF((x - mean) / standardDeviation) / standardDeviation
    }

    static func check(_ x: Double, _ mean: Double, _ sd: Double) throws {
        guard !x.isNaN else { throw StatsError.invalidParameter("x is NaN") }
        guard mean.isFinite else { throw StatsError.invalidParameter("mean must be finite, got \(mean)") }
        guard sd > 0, sd.isFinite else {
            throw StatsError.invalidParameter("standardDeviation must be > 0 and finite, got \(sd)")
        }
    }

    // MARK: - Unchecked

    static let sqrt2 = 2.0.squareRoot()
    static let logSqrt2Pi = 0.5 * log(2 * Double.pi)

    @inline(__always)
    static func uncheckedCDF(_ z: Double) -> Double { 0.5 * erfc(-z / sqrt2) }

    @inline(__always)
    static func uncheckedPDF(_ z: Double) -> Double { exp(-0.5 * z * z - logSqrt2Pi) }

    static func uncheckedQuantile(_ p: Double) -> Double {
        if p <= 0 { return -.infinity }
        if p >= 1 { return .infinity }
        if p > 0.5 { return -uncheckedQuantile(1 - p) }
        // Acklam's coefficients.
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        // Two Halley steps on Φ(x) = p, with u = (Φ(x) − p)/φ(x) formed in logs in the far tail.
        for _ in 0..<2 {
            let cdf = uncheckedCDF(x)
            let u = (cdf / p - 1) * exp(log(p) + 0.5 * x * x + logSqrt2Pi)
            if !u.isFinite { break }
            x -= u / (1 + 0.5 * x * u)
        }
        return x
    }
}
