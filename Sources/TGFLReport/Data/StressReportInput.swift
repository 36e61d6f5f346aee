import Foundation
import TGFLStats

/// What the portfolio-stress section draws (issue 17's `tgfl stress`): per market regime, the
/// portfolio's horizon P&L over the scenarios, its VaR, ES, maximum drawdowns, component ES and
/// worst scenarios, and, when real data was given, VaR and ES over the real windows that
/// start in that regime.
///
/// Codable, so the C ABI and Python can hand one over as JSON (`tgfl_stress_report`).
public struct StressReportInput: Codable, Sendable, Equatable {
    /// Asset names, in the scenarios' order.
    public var assets: [String]
    /// Money held in each asset at the start (fractions summing to 1: P&L is a fraction of
    /// the portfolio).
    public var weights: [Double]
    /// Tail probability α of VaR and ES.
    public var level: Double
    /// Days per scenario (the P&L horizon).
    public var horizon: Int
    /// The name of the real data behind `Regime.real` (e.g. "eu_stocks"), if any.
    public var realName: String?
    /// One entry per regime, in the model's order.
    public var regimes: [Regime]

    /// One regime's stress result.
    public struct Regime: Codable, Sendable, Equatable {
        /// The regime's name.
        public var name: String
        /// The horizon P&L of every scenario.
        public var profitAndLoss: [Double]
        /// The maximum drawdown of every scenario (fraction of the running peak).
        public var maxDrawdowns: [Double]
        /// VaR and ES of the P&L (positive = loss).
        public var valueAtRisk: Double
        public var expectedShortfall: Double
        /// Each asset's share of the ES (they add up to it).
        public var componentExpectedShortfall: [Double]
        /// The worst scenarios, worst first.
        public var worst: [Scenario]
        /// The same measures on real windows, when real data was given.
        public var real: Real?

        /// Creates a regime's entry.
        public init(name: String, profitAndLoss: [Double], maxDrawdowns: [Double], valueAtRisk: Double,
                    expectedShortfall: Double, componentExpectedShortfall: [Double], worst: [Scenario], real: Real? = nil) {
            self.name = name; self.profitAndLoss = profitAndLoss; self.maxDrawdowns = maxDrawdowns
            self.valueAtRisk = valueAtRisk; self.expectedShortfall = expectedShortfall
            self.componentExpectedShortfall = componentExpectedShortfall; self.worst = worst; self.real = real
        }

        /// A regime's entry from a `PortfolioStress` of its scenarios.
        /// - Parameters:
        ///   - name: the regime's name.
        ///   - stress: the stress result of `scenarios`.
        ///   - scenarios: `scenarios[path][day][asset]`, the log returns `stress` was computed on.
        ///   - real: the stress result of the real windows of this regime (`realWindows`), if any.
        public init(name: String, stress: PortfolioStress, scenarios: [[[Double]]], real: PortfolioStress? = nil) {
            let worst = stress.worstScenarios.map { p in
                Scenario(path: p, profitAndLoss: stress.profitAndLoss[p], maxDrawdown: stress.maxDrawdowns[p],
                         assetReturns: scenarios[p].reduce(into: [Double](repeating: 0, count: stress.componentExpectedShortfall.count)) {
                             for k in $0.indices where k < $1.count { $0[k] += $1[k] }
                         })
            }
            self.init(name: name, profitAndLoss: stress.profitAndLoss, maxDrawdowns: stress.maxDrawdowns,
                      valueAtRisk: stress.valueAtRisk, expectedShortfall: stress.expectedShortfall,
                      componentExpectedShortfall: stress.componentExpectedShortfall, worst: worst,
                      real: real.map { Real(windows: $0.profitAndLoss.count, valueAtRisk: $0.valueAtRisk,
                                            expectedShortfall: $0.expectedShortfall) })
        }
    }

    /// One scenario of the worst-k table.
    public struct Scenario: Codable, Sendable, Equatable {
        /// Its index among the regime's scenarios.
        public var path: Int
        /// Its horizon P&L.
        public var profitAndLoss: Double
        /// Its maximum drawdown.
        public var maxDrawdown: Double
        /// Each asset's log return over the horizon.
        public var assetReturns: [Double]

        /// Creates a scenario row.
        public init(path: Int, profitAndLoss: Double, maxDrawdown: Double, assetReturns: [Double]) {
            self.path = path; self.profitAndLoss = profitAndLoss; self.maxDrawdown = maxDrawdown
            self.assetReturns = assetReturns
        }
    }

    /// VaR and ES of the portfolio over real windows.
    public struct Real: Codable, Sendable, Equatable {
        /// Real windows of `horizon` days (overlapping, stride one day).
        public var windows: Int
        /// VaR and ES of their P&L (positive = loss).
        public var valueAtRisk: Double
        public var expectedShortfall: Double

        /// Creates the real measures.
        public init(windows: Int, valueAtRisk: Double, expectedShortfall: Double) {
            self.windows = windows; self.valueAtRisk = valueAtRisk; self.expectedShortfall = expectedShortfall
        }
    }

    /// Creates the input.
    public init(assets: [String], weights: [Double], level: Double, horizon: Int, realName: String? = nil,
                regimes: [Regime]) {
        self.assets = assets; self.weights = weights; self.level = level; self.horizon = horizon
        self.realName = realName; self.regimes = regimes
    }

    /// Reads the input from JSON (this type's Codable form; the C ABI's `tgfl_stress_report`).
    /// - Throws: `ReportError.invalidInput` naming the key that is missing or malformed.
    public init(json: String) throws {
        self = try ReportJSON.decode(StressReportInput.self, from: json, what: "the stress input JSON")
    }

    /// The fewest real windows for which real VaR and ES are shown (below: not drawn).
    public static let minimumRealWindows = 20

    /// The real windows of a regime, as scenarios for `PortfolioStress`:
    ///
    /// ```
    /// every t with labels[t] = regime and t + horizon ≤ days:  window[d][k] = columns[k][t + d],  d < horizon
    /// ```
    /// (overlapping, stride one day; the regime is the one of the window's first day).
    /// - Parameters:
    ///   - columns: `columns[asset][day]`, the real log returns, every column equally long.
    ///   - labels: the market regime of every day (as `JointDataModels.encode` labels them).
    ///   - regime: the regime's index.
    ///   - horizon: days per window (≥ 1).
    /// - Returns: `windows[window][day][asset]`.
    /// - Throws: `ReportError.invalidInput` for columns of unequal length or labels of another length.
    public static func realWindows(columns: [[Double]], labels: [Int32], regime: Int, horizon: Int) throws -> [[[Double]]] {
        let days = columns.first?.count ?? 0
        guard columns.allSatisfy({ $0.count == days }), labels.count == days, horizon >= 1 else {
            throw ReportError.invalidInput("real windows need equally long columns and one label per day (got columns of "
                                           + "\(columns.map(\.count)) days, \(labels.count) labels, horizon \(horizon))")
        }
        guard days >= horizon else { return [] }
        return (0...(days - horizon)).filter { Int(labels[$0]) == regime }.map { t in
            (0..<horizon).map { d in columns.map { $0[t + d] } }
        }
    }

    /// Checks lengths and values.
    /// - Throws: `ReportError.invalidInput` naming the regime and the field.
    func validate() throws {
        let k = assets.count
        guard k >= 1, weights.count == k else {
            throw ReportError.invalidInput("stress input: \(k) assets but \(weights.count) weights; give one weight per asset")
        }
        guard level > 0, level < 1 else { throw ReportError.invalidInput("stress input: level must be in (0, 1), got \(level)") }
        guard horizon >= 1 else { throw ReportError.invalidInput("stress input: horizon must be ≥ 1 day, got \(horizon)") }
        guard !regimes.isEmpty else { throw ReportError.invalidInput("stress input: no regime; give at least one") }
        for r in regimes {
            let n = r.profitAndLoss.count
            guard n >= 2, r.maxDrawdowns.count == n else {
                throw ReportError.invalidInput("stress input, regime '\(r.name)': \(n) P&L values and \(r.maxDrawdowns.count) "
                                               + "drawdowns; give one of each per scenario (at least 2)")
            }
            guard r.componentExpectedShortfall.count == k, r.worst.allSatisfy({ $0.assetReturns.count == k }) else {
                throw ReportError.invalidInput("stress input, regime '\(r.name)': component ES and worst scenarios need "
                                               + "\(k) values, one per asset")
            }
            let values = r.profitAndLoss + r.maxDrawdowns + r.componentExpectedShortfall
                + [r.valueAtRisk, r.expectedShortfall] + r.worst.flatMap { [$0.profitAndLoss, $0.maxDrawdown] + $0.assetReturns }
            if let bad = values.first(where: { !$0.isFinite }) {
                throw ReportError.invalidInput("stress input, regime '\(r.name)': a value is \(bad); every value must be finite")
            }
        }
    }
}
