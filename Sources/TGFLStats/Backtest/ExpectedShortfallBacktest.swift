import Foundation
import TGFLRandom

/// Result of the Acerbi–Székely Z2 test of Expected Shortfall forecasts.
public struct ExpectedShortfallTestResult: Sendable, Equatable, Codable {
    /// Z2 on the realised returns: 0 when ES is right on average, negative when it understates
    /// the losses, positive when it overstates them.
    public let statistic: Double
    /// P(Z2 ≤ observed) under the forecasts (one-sided: small values reject), by simulation.
    public let pValue: Double
    /// Draws of the simulated null distribution.
    public let simulations: Int
}

/// Backtests of Expected Shortfall forecasts.
public enum ExpectedShortfallBacktest {

    /// The Acerbi–Székely Z2 statistic ("testing ES directly").
    ///
    /// ```
    /// I_t = 1{ X_t < −VaR_t }        (X_t the realised return, VaR_t and ES_t positive losses)
    /// Z2  = Σ_t X_t I_t / (T α ES_t) + 1
    /// ```
    /// Under the null (the forecast distributions are right in the tail) E[Z2] = 0.
    /// - Parameters:
    ///   - returns: realised returns X_t (finite, non-empty).
    ///   - valueAtRisk: VaR_t forecasts (finite, same length).
    ///   - expectedShortfall: ES_t forecasts (finite, > 0, same length).
    ///   - level: α in (0, 1).
    /// - Returns: Z2.
    /// - Throws: `StatsError` for empty, non-finite or mismatched input, ES ≤ 0 or α outside (0, 1).
    /// - Reference: Acerbi & Székely (2014), "Backtesting Expected Shortfall", Risk 27(11), eq. (6).
    public static func acerbiSzekelyZ2(returns: [Double], valueAtRisk: [Double], expectedShortfall: [Double],
                                       level: Double) throws -> Double {
        try Check.finite(returns, "returns")
        try Check.finite(valueAtRisk, "valueAtRisk")
        try Check.finite(expectedShortfall, "expectedShortfall")
        try Check.probability(level, "level")
        guard returns.count == valueAtRisk.count, returns.count == expectedShortfall.count else {
            throw StatsError.lengthMismatch(
                "returns has \(returns.count) values, valueAtRisk \(valueAtRisk.count), expectedShortfall \(expectedShortfall.count)")
        }
        if let i = expectedShortfall.firstIndex(where: { $0 <= 0 }) {
            throw StatsError.invalidParameter("expectedShortfall[\(i)] = \(expectedShortfall[i]) must be a positive loss for Z2")
        }
        return z2(returns, valueAtRisk, expectedShortfall, level)
    }

    static func z2(_ x: [Double], _ v: [Double], _ es: [Double], _ a: Double) -> Double {
        let scale = Double(x.count) * a
        var s = 0.0
        for t in 0..<x.count where x[t] < -v[t] { s += x[t] / (scale * es[t]) }
        return s + 1
    }

    /// The Z2 test with its p-value simulated under the forecast distributions.
    ///
    /// ```
    /// for i = 1 … M:  X_t^i = Q_t(U_t^i),  U_t^i ~ U(0, 1)  independent,   Z2^i = Z2(X^i)
    /// p = #{ Z2^i ≤ Z2(X) } / M
    /// ```
    /// Only draws with U < α can fall below −VaR_t = Q_t(α) (Q is non-decreasing), so only those
    /// are evaluated. The uniforms come from one `SeededRNG(seed: seed)` in (i, t) order: the result
    /// is deterministic.
    /// - Parameters:
    ///   - returns: realised returns X_t (finite, non-empty).
    ///   - forecasts: the forecast distribution of each X_t (same length).
    ///   - level: α in (0, 1).
    ///   - simulations: M ≥ 100 (default 5,000).
    ///   - seed: the seed of the simulation.
    /// - Returns: Z2, its p-value and M.
    /// - Throws: `StatsError` for bad input (naming the day), a forecast ES ≤ 0, M < 100.
    /// - Reference: Acerbi & Székely (2014), Risk 27(11), section "Test 2" (p-value by simulating
    ///   X_t from the predictive distributions P_t).
    public static func acerbiSzekely(returns: [Double], forecasts: [PredictiveDistribution], level: Double,
                                     simulations: Int = 5000, seed: UInt64 = 0) throws -> ExpectedShortfallTestResult {
        guard simulations >= 100 else {
            throw StatsError.invalidParameter("Acerbi–Székely: simulations must be ≥ 100, got \(simulations)")
        }
        guard forecasts.count == returns.count else {
            throw StatsError.lengthMismatch("returns has \(returns.count) values, forecasts \(forecasts.count)")
        }
        for (t, f) in forecasts.enumerated() { try f.validate("forecasts[\(t)]") }
        let risk = forecasts.map { $0.risk(level: level) }
        let v = risk.map(\.valueAtRisk), es = risk.map(\.expectedShortfall)
        let observed = try acerbiSzekelyZ2(returns: returns, valueAtRisk: v, expectedShortfall: es, level: level)
        var rng = SeededRNG(seed: seed)
        let scale = Double(returns.count) * level
        var below = 0
        for _ in 0..<simulations {
            var s = 0.0
            for t in 0..<returns.count {
                let u = rng.uniform()
                guard u < level else { continue }
                let x = forecasts[t].quantile(u)
                if x < -v[t] { s += x / (scale * es[t]) }
            }
            if s + 1 <= observed { below += 1 }
        }
        return ExpectedShortfallTestResult(statistic: observed, pValue: Double(below) / Double(simulations),
                                           simulations: simulations)
    }
}
