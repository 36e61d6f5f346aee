import Foundation

/// Result of a likelihood-ratio test.
public struct LikelihoodRatioResult: Sendable, Equatable, Codable {
    /// The LR statistic.
    public let statistic: Double
    /// P(χ²_df > LR).
    public let pValue: Double
    /// Degrees of freedom of the χ² reference.
    public let degreesOfFreedom: Int
}

/// Basel traffic-light zone of a VaR model.
public enum BaselZone: String, Sendable, Equatable, Codable {
    case green, yellow, red
}

/// Backtests of VaR forecasts: exceptions, Kupiec, Christoffersen, Basel traffic light.
public enum VaRBacktest {

    /// Exception (hit) sequence: day t is an exception when the loss exceeds the VaR forecast.
    ///
    /// ```
    /// I_t = 1{ −r_t > VaR_t }      (losses positive, as `RiskMeasures`)
    /// ```
    /// - Parameters:
    ///   - returns: realised returns (finite).
    ///   - valueAtRisk: the VaR forecast for each day (finite, same length).
    /// - Returns: the hit sequence.
    /// - Throws: `StatsError` for empty, non-finite or mismatched input.
    /// - Reference: Christoffersen (1998), Int. Econ. Rev. 39(4).
    public static func exceptions(returns: [Double], valueAtRisk: [Double]) throws -> [Bool] {
        try Check.finite(returns, "returns")
        try Check.finite(valueAtRisk, "valueAtRisk")
        guard returns.count == valueAtRisk.count else {
            throw StatsError.lengthMismatch("returns has \(returns.count) values, valueAtRisk has \(valueAtRisk.count)")
        }
        return zip(returns, valueAtRisk).map { -$0 > $1 }
    }

    /// Kupiec's proportion-of-failures (POF) test of unconditional coverage.
    ///
    /// ```
    /// T days, x exceptions, p = α, π̂ = x/T
    /// LR_POF = −2 [ (T − x) ln(1 − p) + x ln p − (T − x) ln(1 − π̂) − x ln π̂ ]   (0 · ln 0 = 0)
    /// p-value = P(χ²₁ > LR_POF)
    /// ```
    /// - Parameters:
    ///   - exceptions: the hit sequence (non-empty).
    ///   - level: the VaR tail probability α in (0, 1).
    /// - Returns: LR, p-value, df = 1.
    /// - Throws: `StatsError` for an empty sequence or α outside (0, 1).
    /// - Reference: Kupiec (1995), "Techniques for verifying the accuracy of risk measurement
    ///   models", J. Derivatives 3(2).
    public static func kupiec(exceptions: [Bool], level: Double) throws -> LikelihoodRatioResult {
        guard !exceptions.isEmpty else { throw StatsError.emptyInput("exceptions") }
        try Check.probability(level, "level")
        let t = Double(exceptions.count)
        let x = Double(exceptions.lazy.filter { $0 }.count)
        let lr = kupiecStatistic(x: x, t: t, p: level)
        return LikelihoodRatioResult(statistic: lr, pValue: ChiSquared.uncheckedSF(lr, 1), degreesOfFreedom: 1)
    }

    static func kupiecStatistic(x: Double, t: Double, p: Double) -> Double {
        let pi = x / t
        let null = xlogy(t - x, 1 - p) + xlogy(x, p)
        let alt = xlogy(t - x, 1 - pi) + xlogy(x, pi)
        return max(0, -2 * (null - alt))
    }

    /// x · ln y with 0 · ln 0 = 0.
    @inline(__always) static func xlogy(_ x: Double, _ y: Double) -> Double { x == 0 ? 0 : x * log(y) }

    /// Christoffersen's test of independence of exceptions (first-order Markov alternative).
    ///
    /// ```
    /// n_ij = #{t ≥ 1 : I_{t−1} = i, I_t = j}
    /// π₀₁ = n₀₁/(n₀₀ + n₀₁),  π₁₁ = n₁₁/(n₁₀ + n₁₁),  π = (n₀₁ + n₁₁)/(n₀₀ + n₀₁ + n₁₀ + n₁₁)
    /// LR_ind = −2 [ (n₀₀ + n₁₀) ln(1 − π) + (n₀₁ + n₁₁) ln π
    ///              − n₀₀ ln(1 − π₀₁) − n₀₁ ln π₀₁ − n₁₀ ln(1 − π₁₁) − n₁₁ ln π₁₁ ]   (0 · ln 0 = 0)
    /// p-value = P(χ²₁ > LR_ind)
    /// ```
    /// - Parameter exceptions: the hit sequence (at least 2 days).
    /// - Returns: LR, p-value, df = 1.
    /// - Throws: `StatsError` for a sequence shorter than 2.
    /// - Reference: Christoffersen (1998), "Evaluating interval forecasts", Int. Econ. Rev. 39(4).
    public static func christoffersenIndependence(exceptions: [Bool]) throws -> LikelihoodRatioResult {
        let lr = try independenceStatistic(exceptions)
        return LikelihoodRatioResult(statistic: lr, pValue: ChiSquared.uncheckedSF(lr, 1), degreesOfFreedom: 1)
    }

    static func independenceStatistic(_ hits: [Bool]) throws -> Double {
        guard hits.count >= 2 else {
            throw StatsError.tooShort("exceptions has \(hits.count) days; the independence test needs at least 2")
        }
        var n = [0.0, 0.0, 0.0, 0.0]   // n00, n01, n10, n11
        for t in 1..<hits.count { n[(hits[t - 1] ? 2 : 0) + (hits[t] ? 1 : 0)] += 1 }
        let (n00, n01, n10, n11) = (n[0], n[1], n[2], n[3])
        let pi01 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0
        let pi11 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0
        let pi = (n01 + n11) / (n00 + n01 + n10 + n11)
        let null = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi)
        let alt = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11)
        return max(0, -2 * (null - alt))
    }

    /// Christoffersen's conditional-coverage test: correct rate and independence jointly.
    ///
    /// ```
    /// LR_cc = LR_POF + LR_ind          (LR_POF over all T days)
    /// p-value = P(χ²₂ > LR_cc)
    /// ```
    /// - Parameters:
    ///   - exceptions: the hit sequence (at least 2 days).
    ///   - level: the VaR tail probability α in (0, 1).
    /// - Returns: LR, p-value, df = 2.
    /// - Throws: `StatsError` for a sequence shorter than 2 or α outside (0, 1).
    /// - Reference: Christoffersen (1998), Int. Econ. Rev. 39(4), eq. (11).
    public static func christoffersenConditionalCoverage(exceptions: [Bool], level: Double) throws -> LikelihoodRatioResult {
        try Check.probability(level, "level")
        let ind = try independenceStatistic(exceptions)
        let x = Double(exceptions.lazy.filter { $0 }.count)
        let lr = kupiecStatistic(x: x, t: Double(exceptions.count), p: level) + ind
        return LikelihoodRatioResult(statistic: lr, pValue: ChiSquared.uncheckedSF(lr, 2), degreesOfFreedom: 2)
    }

    /// Basel traffic-light zone from the number of exceptions.
    ///
    /// ```
    /// F = P(X ≤ x),  X ~ Binomial(T, α)
    /// green if F < 0.95,  yellow if 0.95 ≤ F < 0.9999,  red if F ≥ 0.9999
    /// ```
    /// For T = 250 and α = 0.01 this is Basel's table: green 0–4, yellow 5–9, red ≥ 10. The
    /// same cumulative-probability thresholds generalise it to other T and α.
    /// - Parameters:
    ///   - exceptionCount: x, 0 ≤ x ≤ T.
    ///   - observations: T ≥ 1 (250 in the Basel rules).
    ///   - level: α in (0, 1) (0.01 for the 99 % VaR).
    /// - Returns: the zone and F.
    /// - Throws: `StatsError` for x outside 0…T, T < 1 or α outside (0, 1).
    /// - Reference: Basel Committee on Banking Supervision (1996), "Supervisory framework for the
    ///   use of backtesting in conjunction with the internal models approach", Table 2.
    public static func trafficLight(exceptionCount x: Int, observations t: Int,
                                    level: Double = 0.01) throws -> (zone: BaselZone, cumulativeProbability: Double) {
        try Check.probability(level, "level")
        guard t >= 1 else { throw StatsError.invalidParameter("observations must be ≥ 1, got \(t)") }
        guard x >= 0, x <= t else {
            throw StatsError.invalidParameter("exceptionCount must lie in 0...\(t), got \(x)")
        }
        let f = binomialCDF(x, t, level)
        let zone: BaselZone = f < 0.95 ? .green : (f < 0.9999 ? .yellow : .red)
        return (zone, f)
    }

    /// P(X ≤ x) for X ~ Binomial(n, p), summing the pmf in log space.
    static func binomialCDF(_ x: Int, _ n: Int, _ p: Double) -> Double {
        if x >= n { return 1 }
        let lp = log(p), lq = log1p(-p)
        let ln1: Double = lgamma(Double(n) + 1)
        var s = 0.0
        for i in 0...x {
            let lc: Double = ln1 - lgamma(Double(i) + 1) - lgamma(Double(n - i) + 1)
            s += exp(lc + Double(i) * lp + Double(n - i) * lq)
        }
        return min(1, s)
    }
}
