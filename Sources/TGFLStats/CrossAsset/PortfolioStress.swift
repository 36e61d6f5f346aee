import Foundation

/// A buy-and-hold portfolio evaluated on joint return scenarios: its P&L distribution over the
/// horizon, VaR, ES, maximum drawdown, each asset's share of the ES, and the worst scenarios.
///
/// ```
/// scenario p: log returns r[p][d][k]   (path p, day d, asset k)
/// V_k(p, d) = w_k · exp(Σ_{s ≤ d} r[p][s][k])          value of holding k after day d
/// V(p, d)   = Σ_k V_k(p, d),   V(p, −1) = Σ_k w_k
/// P&L_k(p)  = V_k(p, H−1) − w_k,    P&L(p) = Σ_k P&L_k(p)
/// VaR_α = −Q_linear(P&L, α),  ES_α = −mean{P&L(p) : P&L(p) ≤ −VaR_α}    (RiskMeasures.historical)
/// component ES_k = −mean{P&L_k(p) : P&L(p) ≤ −VaR_α},   Σ_k component ES_k = ES_α
/// drawdown(p) = max_d (max_{s ≤ d} V(p, s) − V(p, d)) / max_{s ≤ d} V(p, s)   (s from −1)
/// ```
/// Weights are the money held in each asset (`w_k = position_k · price_k`); fractions summing
/// to 1 give P&L as a fraction of the portfolio. Losses are positive in VaR, ES and drawdown.
/// Because buy-and-hold P&L is a sum over assets, the component ES add up to the ES exactly
/// (the Euler allocation of Tasche, 1999, estimated on the tail scenarios).
/// Reference: McNeil, Frey & Embrechts, *Quantitative Risk Management* (2015) §8.5 (Euler
/// capital allocation); Tasche (1999), "Risk contributions and performance measurement".
public struct PortfolioStress: Sendable, Equatable {
    /// Tail probability α of VaR and ES.
    public let level: Double
    /// The P&L of every scenario over the horizon.
    public let profitAndLoss: [Double]
    /// VaR_α of the horizon P&L (positive = loss).
    public let valueAtRisk: Double
    /// ES_α of the horizon P&L (positive = loss).
    public let expectedShortfall: Double
    /// Each asset's contribution to the ES; they sum to `expectedShortfall`.
    public let componentExpectedShortfall: [Double]
    /// The maximum drawdown of every scenario (fraction of the running peak, ≥ 0).
    public let maxDrawdowns: [Double]
    /// Scenario indices from the worst P&L up (ties by index).
    public let worstScenarios: [Int]

    /// Evaluates a portfolio on scenarios.
    /// - Parameters:
    ///   - scenarios: `scenarios[p][d][k]`, log returns of path p, day d, asset k; every path
    ///     the same number of days (≥ 1) and K assets.
    ///   - weights: K money amounts (or fractions); finite, not all zero.
    ///   - level: α in (0, 1), e.g. 0.01.
    ///   - worst: how many of the worst scenarios to keep (capped at the path count).
    /// - Throws: `StatsError` naming the path, day and asset of a bad value or a shape that
    ///   disagrees with the weights.
    public init(scenarios: [[[Double]]], weights: [Double], level: Double, worst: Int = 10) throws {
        guard !scenarios.isEmpty else { throw StatsError.emptyInput("scenarios (no paths)") }
        try Check.finite(weights, "weights")
        guard weights.contains(where: { $0 != 0 }) else {
            throw StatsError.invalidParameter("every weight is 0; give the money held in each asset")
        }
        try Check.probability(level, "level")
        guard worst >= 0 else { throw StatsError.invalidParameter("worst must be ≥ 0, got \(worst)") }
        let K = weights.count, H = scenarios[0].count
        guard H >= 1 else { throw StatsError.emptyInput("scenarios[0] (no days)") }
        let initial = weights.reduce(0, +)
        var pnl = [Double](), components = [[Double]](), drawdowns = [Double]()
        pnl.reserveCapacity(scenarios.count)
        for (p, path) in scenarios.enumerated() {
            guard path.count == H else {
                throw StatsError.lengthMismatch("scenarios[\(p)] has \(path.count) days but scenarios[0] has \(H)")
            }
            var cumulative = [Double](repeating: 0, count: K)
            var peak = initial, drawdown = 0.0
            for (d, day) in path.enumerated() {
                guard day.count == K else {
                    throw StatsError.lengthMismatch(
                        "scenarios[\(p)][\(d)] has \(day.count) assets but there are \(K) weights")
                }
                var value = 0.0
                for k in 0..<K {
                    guard day[k].isFinite else {
                        throw StatsError.nonFinite("scenarios[\(p)][\(d)] (asset \(k))", index: k)
                    }
                    cumulative[k] += day[k]
                    value += weights[k] * Foundation.exp(cumulative[k])
                }
                peak = max(peak, value)
                if peak > 0 { drawdown = max(drawdown, (peak - value) / peak) }
            }
            let parts = (0..<K).map { weights[$0] * (Foundation.exp(cumulative[$0]) - 1) }
            components.append(parts)
            pnl.append(parts.reduce(0, +))
            drawdowns.append(drawdown)
        }
        let estimate = try RiskMeasures.historical(pnl, level: level)
        let threshold = -estimate.valueAtRisk
        let tail = pnl.indices.filter { pnl[$0] <= threshold }
        let share = (0..<K).map { k in -tail.reduce(0) { $0 + components[$1][k] } / Double(tail.count) }
        self.level = level
        profitAndLoss = pnl
        valueAtRisk = estimate.valueAtRisk
        expectedShortfall = estimate.expectedShortfall
        componentExpectedShortfall = share
        maxDrawdowns = drawdowns
        worstScenarios = Array(pnl.indices.sorted { (pnl[$0], $0) < (pnl[$1], $1) }.prefix(worst))
    }

    /// Weights from positions and prices: `w_k = position_k · price_k`.
    /// - Throws: `StatsError` for unequal lengths or non-finite values.
    public static func weights(positions: [Double], prices: [Double]) throws -> [Double] {
        try Check.finite(positions, "positions"); try Check.finite(prices, "prices")
        guard positions.count == prices.count else {
            throw StatsError.lengthMismatch("\(positions.count) positions but \(prices.count) prices")
        }
        return zip(positions, prices).map { $0 * $1 }
    }
}
