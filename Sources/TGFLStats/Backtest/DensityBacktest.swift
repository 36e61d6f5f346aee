import Foundation

/// Result of Berkowitz's likelihood-ratio test of a sequence of forecast densities.
public struct BerkowitzResult: Sendable, Equatable, Codable {
    /// LR₃ = 2 (ℓ(ĉ, ρ̂, σ̂²) − ℓ(0, 0, 1)), χ²₃ under the null.
    public let statistic: Double
    /// P(χ²₃ > LR₃).
    public let pValue: Double
    /// Intercept c of the fitted AR(1) of z_t = Φ⁻¹(u_t) (0 under the null).
    public let intercept: Double
    /// Slope ρ of the fitted AR(1) (0 under the null).
    public let slope: Double
    /// Innovation variance σ̂² of the fitted AR(1), MLE (1 under the null).
    public let variance: Double
}

/// Backtests of the whole forecast distribution: the probability integral transform (PIT) and
/// Berkowitz's test.
public enum DensityBacktest {

    /// The PIT of each outcome under its forecast: u_t = F_t(x_t) (see
    /// `PredictiveDistribution.probabilityIntegralTransform`). Uniform i.i.d. under a correct model
    /// (Diebold, Gunther & Tay 1998, Int. Econ. Rev. 39(4)).
    /// - Throws: `StatsError` for mismatched lengths, non-finite outcomes or invalid forecasts.
    public static func probabilityIntegralTransform(returns: [Double],
                                                    forecasts: [PredictiveDistribution]) throws -> [Double] {
        try Check.finite(returns, "returns")
        guard forecasts.count == returns.count else {
            throw StatsError.lengthMismatch("returns has \(returns.count) values, forecasts \(forecasts.count)")
        }
        for (t, f) in forecasts.enumerated() { try f.validate("forecasts[\(t)]") }
        return zip(returns, forecasts).map { $1.probabilityIntegralTransform($0) }
    }

    /// Berkowitz's LR test of PITs: z_t = Φ⁻¹(u_t) should be i.i.d. N(0, 1).
    ///
    /// ```
    /// z_t = c + ρ z_{t−1} + ε_t,  ε_t ~ N(0, σ²),   t = 2 … T   (conditional likelihood, OLS = MLE)
    /// σ̂² = SSR / (T − 1)
    /// ℓ₁ = −(T − 1)/2 · (ln 2π + ln σ̂² + 1),   ℓ₀ = −(T − 1)/2 · ln 2π − ½ Σ_{t≥2} z_t²
    /// LR₃ = 2 (ℓ₁ − ℓ₀),   p = P(χ²₃ > LR₃)
    /// ```
    /// The first observation is conditioned on (statsmodels `AutoReg(z, 1)`), where Berkowitz
    /// uses the exact AR(1) likelihood; the two differ by one observation's term.
    /// - Parameter pit: u_t in (0, 1) (at least 3 values).
    /// - Returns: the statistic, p-value and the fitted AR(1).
    /// - Throws: `StatsError` for fewer than 3 values or a value outside (0, 1).
    /// - Reference: Berkowitz (2001), "Testing density forecasts, with applications to risk
    ///   management", J. Business & Economic Statistics 19(4), eq. (6)–(7).
    public static func berkowitz(pit: [Double]) throws -> BerkowitzResult {
        try Check.finite(pit, "pit", atLeast: 3, for: "the Berkowitz test")
        if let i = pit.firstIndex(where: { !($0 > 0 && $0 < 1) }) {
            throw StatsError.invalidParameter("pit[\(i)] = \(pit[i]) must lie strictly inside (0, 1)")
        }
        let z = pit.map { Normal.uncheckedQuantile($0) }
        let x = Array(z.dropLast()), y = Array(z.dropFirst())
        let n = Double(y.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for i in 0..<y.count { sxx += (x[i] - mx) * (x[i] - mx); sxy += (x[i] - mx) * (y[i] - my) }
        let slope = sxx > 0 ? sxy / sxx : 0
        let intercept = my - slope * mx
        var ssr = 0.0, ss0 = 0.0
        for i in 0..<y.count {
            let e = y[i] - intercept - slope * x[i]
            ssr += e * e; ss0 += y[i] * y[i]
        }
        let variance = max(ssr / n, .leastNormalMagnitude)
        let log2pi = log(2 * Double.pi)
        let l1 = -n / 2 * (log2pi + log(variance) + 1)
        let l0 = -n / 2 * log2pi - ss0 / 2
        let lr = max(0, 2 * (l1 - l0))
        return BerkowitzResult(statistic: lr, pValue: ChiSquared.uncheckedSF(lr, 3),
                               intercept: intercept, slope: slope, variance: variance)
    }
}
