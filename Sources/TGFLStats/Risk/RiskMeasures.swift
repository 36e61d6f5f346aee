import Foundation

/// Value-at-Risk and Expected Shortfall.
///
/// Sign convention: **losses are positive**. With returns r and tail probability α (e.g. 0.01),
/// VaR_α = −q_α(r) and ES_α = −E[r | r ≤ q_α(r)], so a 1 % VaR of 0.03 means "a loss of 3 % or
/// worse happens on 1 % of days". VaR and ES may be negative when even the α-quantile is a gain.
public enum RiskMeasures {

    /// A VaR / ES pair at one tail probability.
    public struct Estimate: Sendable, Equatable {
        /// Tail probability α.
        public let level: Double
        /// Value-at-Risk (positive = loss).
        public let valueAtRisk: Double
        /// Expected Shortfall (positive = loss), ≥ VaR.
        public let expectedShortfall: Double
    }

    /// Historical (empirical) VaR and ES.
    ///
    /// ```
    /// q   = Q_linear(r, α)                 (numpy's default quantile)
    /// VaR = −q
    /// ES  = −mean{ r_i : r_i ≤ q }
    /// ```
    /// - Parameters:
    ///   - returns: the returns (finite, non-empty).
    ///   - level: tail probability α in (0, 1).
    /// - Returns: the estimate.
    /// - Throws: `StatsError` for empty or non-finite input or α outside (0, 1).
    /// - Reference: Jorion, *Value at Risk* (3rd ed.), ch. 10; McNeil, Frey & Embrechts,
    ///   *Quantitative Risk Management* (2015), §2.3.
    public static func historical(_ returns: [Double], level: Double) throws -> Estimate {
        try Check.finite(returns, "returns")
        try Check.probability(level, "level")
        let sorted = returns.sorted()
        let q = Descriptive.quantile(sorted: sorted, level)
        var s = 0.0, c = 0
        for v in sorted { if v <= q { s += v; c += 1 } else { break } }
        return Estimate(level: level, valueAtRisk: -q, expectedShortfall: -s / Double(c))
    }

    /// Gaussian (variance–covariance) VaR and ES with the sample mean and standard deviation (ddof 1).
    ///
    /// ```
    /// z = Φ⁻¹(α)
    /// VaR = −(μ + σ z)
    /// ES  = −(μ − σ φ(z)/α)
    /// ```
    /// - Parameters:
    ///   - returns: the returns (finite, at least 2).
    ///   - level: α in (0, 1).
    /// - Returns: the estimate.
    /// - Throws: `StatsError` for bad input or α outside (0, 1).
    /// - Reference: McNeil, Frey & Embrechts (2015), Example 2.14; `scipy.stats.norm`.
    public static func gaussian(_ returns: [Double], level: Double) throws -> Estimate {
        try Check.probability(level, "level")
        let mu = try Descriptive.mean(returns)
        let sigma = try Descriptive.standardDeviation(returns, ddof: 1)
        let z = Normal.uncheckedQuantile(level)
        return Estimate(level: level, valueAtRisk: -(mu + sigma * z),
                        expectedShortfall: -(mu - sigma * Normal.uncheckedPDF(z) / level))
    }

    /// Cornish–Fisher (modified) VaR and ES, with the sample skewness S and excess kurtosis K
    /// (biased, as scipy's defaults) and σ with ddof 1.
    ///
    /// ```
    /// z = Φ⁻¹(α)
    /// w(z) = z + (z² − 1) S/6 + (z³ − 3z) K/24 − (2z³ − 5z) S²/36
    /// VaR = −(μ + σ w(z))
    /// ES  = −(μ + σ/α ∫_{−∞}^{z} w(u) φ(u) du)
    ///     = −(μ − σ φ(z)/α · [1 + S z/6 + K (z² − 1)/24 − S² (2z² − 1)/36])
    /// ```
    /// ES is the exact tail average of the Cornish–Fisher quantile function,
    /// (1/α) ∫_0^α q_CF(u) du (substituting u = Φ(v)); the reference script checks it by quadrature.
    /// - Parameters:
    ///   - returns: the returns (finite, at least 2, not constant).
    ///   - level: α in (0, 1).
    /// - Returns: the estimate.
    /// - Throws: `StatsError` for bad input or α outside (0, 1).
    /// - Reference: Favre & Galeano (2002), J. Alternative Investments 5(2) (modified VaR);
    ///   Boudt, Peterson & Croux (2008), J. Risk 11(2) (modified ES, same first-order terms).
    public static func cornishFisher(_ returns: [Double], level: Double) throws -> Estimate {
        try Check.probability(level, "level")
        let mu = try Descriptive.mean(returns)
        let sigma = try Descriptive.standardDeviation(returns, ddof: 1)
        let s = try Descriptive.skewness(returns)
        let k = try Descriptive.excessKurtosis(returns)
        let z = Normal.uncheckedQuantile(level)
        let z2 = z * z
        let w = z + (z2 - 1) * s / 6 + (z2 * z - 3 * z) * k / 24 - (2 * z2 * z - 5 * z) * s * s / 36
        let bracket = 1 + s * z / 6 + k * (z2 - 1) / 24 - s * s * (2 * z2 - 1) / 36
        return Estimate(level: level, valueAtRisk: -(mu + sigma * w),
                        expectedShortfall: -(mu - sigma * Normal.uncheckedPDF(z) / level * bracket))
    }

    /// The largest degrees of freedom the Student-t fit uses (near-normal samples).
    public static let maxStudentTDegreesOfFreedom = 1000.0

    /// Student-t VaR and ES with location μ (sample mean) and a scale matching the sample
    /// standard deviation (ddof 1); ν fitted by the method of moments unless given.
    ///
    /// ```
    /// ν = 4 + 6/K  (K = biased sample excess kurtosis > 0; K ≤ 0 or ν > 1000 → ν = 1000)
    /// s = σ √((ν − 2)/ν),  t = t_ν⁻¹(α)
    /// VaR = −(μ + s t)
    /// ES  = −(μ − s · (ν + t²)/(ν − 1) · f_ν(t)/α)
    /// ```
    /// The method of moments matches the kurtosis of t_ν, 6/(ν − 4), so ν > 4 always (finite
    /// kurtosis); it is quick and deterministic, unlike a numerical MLE, but noisier for very
    /// heavy tails.
    /// - Parameters:
    ///   - returns: the returns (finite, at least 2, not constant).
    ///   - level: α in (0, 1).
    ///   - degreesOfFreedom: ν > 2 to skip the fit (optional).
    /// - Returns: the estimate and the ν used.
    /// - Throws: `StatsError` for bad input, α outside (0, 1) or ν ≤ 2.
    /// - Reference: McNeil, Frey & Embrechts (2015), Example 2.15 (ES of the t); `scipy.stats.t`.
    public static func studentT(_ returns: [Double], level: Double,
                                degreesOfFreedom: Double? = nil) throws -> (estimate: Estimate, degreesOfFreedom: Double) {
        try Check.probability(level, "level")
        let mu = try Descriptive.mean(returns)
        let sigma = try Descriptive.standardDeviation(returns, ddof: 1)
        let nu: Double
        if let given = degreesOfFreedom {
            guard given > 2, given.isFinite else {
                throw StatsError.invalidParameter("degreesOfFreedom must be > 2 (finite variance), got \(given)")
            }
            nu = given
        } else {
            let k = try Descriptive.excessKurtosis(returns)
            nu = k > 0 ? min(4 + 6 / k, maxStudentTDegreesOfFreedom) : maxStudentTDegreesOfFreedom
        }
        let s = sigma * ((nu - 2) / nu).squareRoot()
        let t = StudentT.uncheckedQuantile(level, nu)
        let es = -(mu - s * (nu + t * t) / (nu - 1) * StudentT.uncheckedPDF(t, nu) / level)
        return (Estimate(level: level, valueAtRisk: -(mu + s * t), expectedShortfall: es), nu)
    }
}
