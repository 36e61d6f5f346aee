import Foundation

/// The backtest of one model's forecasts at one horizon and one VaR level.
public struct LevelBacktest: Sendable, Equatable, Codable {
    /// Tail probability α (0.01 for the 99 % VaR).
    public let level: Double
    /// Forecast days evaluated.
    public let observations: Int
    /// Days whose loss exceeded the VaR.
    public let exceptions: Int
    /// Kupiec's unconditional coverage test.
    public let kupiec: LikelihoodRatioResult
    /// Christoffersen's independence test.
    public let independence: LikelihoodRatioResult
    /// Christoffersen's conditional coverage test (coverage and independence jointly).
    public let conditionalCoverage: LikelihoodRatioResult
    /// The traffic-light zone of the whole span (Basel's cumulative-probability thresholds,
    /// 95 % and 99.99 %, at this level and number of days; `VaRBacktest.trafficLight`).
    public let zone: BaselZone
    /// Basel's own assessment of the last 250 days (only at α = 0.01 and with ≥ 250 days).
    public let basel: BaselAssessment?
    /// The Acerbi–Székely Z2 test of the ES forecasts.
    public let expectedShortfallTest: ExpectedShortfallTestResult
    /// Mean VaR forecast (positive = loss).
    public let meanValueAtRisk: Double
    /// Mean ES forecast (positive = loss).
    public let meanExpectedShortfall: Double
}

/// The backtest of one model's forecasts at one horizon: every level, and Berkowitz's test of
/// the whole distribution.
public struct ForecastBacktest: Sendable, Equatable, Codable {
    /// The model's label (e.g. "TGFL", "FHS-GJR").
    public let model: String
    /// Horizon in days of the forecast returns.
    public let horizon: Int
    /// One backtest per level, in the order asked.
    public let levels: [LevelBacktest]
    /// Berkowitz's LR test of the PITs.
    public let berkowitz: BerkowitzResult
    /// The VaR forecast of each day, per level (`valueAtRisk[level][day]`).
    public let valueAtRisk: [[Double]]
    /// The ES forecast of each day, per level.
    public let expectedShortfall: [[Double]]
    /// The PIT of each day's outcome.
    public let pit: [Double]

    /// Backtests forecasts against their outcomes.
    ///
    /// For each level α: exceptions 1{x_t < −VaR_t}, Kupiec, Christoffersen, the traffic light over
    /// all days, Basel's last-250-days assessment (α = 0.01, ≥ 250 days), the Acerbi–Székely Z2 test with a
    /// simulated p-value; then the PIT of each outcome and Berkowitz's test.
    /// The tests assume one forecast per non-overlapping period: for h > 1, pass every h-th day.
    /// - Parameters:
    ///   - model: the model's label.
    ///   - horizon: the horizon of the forecasts (≥ 1, recorded only).
    ///   - outcomes: the realised (h-day) returns, finite, at least 2.
    ///   - forecasts: the forecast distribution of each outcome (same length).
    ///   - levels: tail probabilities in (0, 0.5).
    ///   - simulations: draws of the Z2 p-value (≥ 100).
    ///   - seed: seed of the Z2 simulation.
    /// - Returns: the backtest.
    /// - Throws: `StatsError` for mismatched, short or non-finite input, an invalid forecast
    ///   (naming the day), a level outside (0, 0.5), or a non-positive ES.
    public static func evaluate(model: String, horizon: Int, outcomes: [Double], forecasts: [PredictiveDistribution],
                                levels: [Double] = [0.01, 0.025], simulations: Int = 5000,
                                seed: UInt64 = 0) throws -> ForecastBacktest {
        try Check.finite(outcomes, "outcomes of \(model)", atLeast: 2, for: "a backtest")
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 && $0 < 0.5 }) else {
            throw StatsError.invalidParameter("backtest levels must be tail probabilities in (0, 0.5) such as 0.01, got \(levels)")
        }
        let pit = try DensityBacktest.probabilityIntegralTransform(returns: outcomes, forecasts: forecasts)
        var results = [LevelBacktest](), vars = [[Double]](), ess = [[Double]]()
        for (k, a) in levels.enumerated() {
            let risk = forecasts.map { $0.risk(level: a) }
            let v = risk.map(\.valueAtRisk), es = risk.map(\.expectedShortfall)
            results.append(try level(a, outcomes: outcomes, forecasts: forecasts, valueAtRisk: v,
                                     expectedShortfall: es, simulations: simulations, seed: seed &+ UInt64(k)))
            vars.append(v); ess.append(es)
        }
        return ForecastBacktest(model: model, horizon: horizon, levels: results,
                                berkowitz: try DensityBacktest.berkowitz(pit: pit),
                                valueAtRisk: vars, expectedShortfall: ess, pit: pit)
    }

    static func level(_ a: Double, outcomes: [Double], forecasts: [PredictiveDistribution], valueAtRisk v: [Double],
                      expectedShortfall es: [Double], simulations: Int, seed: UInt64) throws -> LevelBacktest {
        let hits = try VaRBacktest.exceptions(returns: outcomes, valueAtRisk: v)
        let x = hits.lazy.filter { $0 }.count
        let test = try ExpectedShortfallBacktest.acerbiSzekely(returns: outcomes, forecasts: forecasts, level: a,
                                                             simulations: simulations, seed: seed)
        let n = Double(outcomes.count)
        return LevelBacktest(
            level: a, observations: outcomes.count, exceptions: x,
            kupiec: try VaRBacktest.kupiec(exceptions: hits, level: a),
            independence: try VaRBacktest.christoffersenIndependence(exceptions: hits),
            conditionalCoverage: try VaRBacktest.christoffersenConditionalCoverage(exceptions: hits, level: a),
            zone: try VaRBacktest.trafficLight(exceptionCount: x, observations: hits.count, level: a).zone,
            basel: a == 0.01 && hits.count >= VaRBacktest.baselWindow ? try VaRBacktest.basel(exceptions: hits) : nil,
            expectedShortfallTest: test,
            meanValueAtRisk: v.reduce(0, +) / n, meanExpectedShortfall: es.reduce(0, +) / n)
    }

    /// The exception series of each level: `exceptions(outcomes)[level][day]`.
    public func exceptions(outcomes: [Double]) -> [[Bool]] {
        valueAtRisk.map { v in zip(outcomes, v).map { -$0 > $1 } }
    }
}
