import Foundation
import TGFLStats

/// The numbers the portfolio-stress section draws, reduced from a `StressReportInput`:
///
/// ```
/// P&L histogram of regime g: numpy.histogram(pnl, linspace(lo, hi, 51), density=True),
///     lo = min(q_0.001(pnl), −ES, −real ES), hi = q_0.999(pnl)       (numpy 'linear' quantiles)
/// drawdown histogram:        numpy.histogram(mdd, linspace(0, max of every regime's mdd, 41), density=True)
/// mean and 95 % quantile of the maximum drawdown per regime
/// ```
public struct StressReportData: Sendable, Equatable {
    /// Bins of the P&L and drawdown histograms.
    public static let profitAndLossBins = 50, drawdownBins = 40

    /// One regime's distributions.
    public struct Regime: Sendable, Equatable {
        public var name: String
        /// Scenarios.
        public var paths: Int
        /// P&L histogram: edges and densities (per unit of P&L).
        public var profitAndLossEdges: [Double]
        public var profitAndLossDensity: [Double]
        /// Maximum-drawdown histogram on the common `drawdownEdges` (per unit of drawdown).
        public var drawdownDensity: [Double]
        /// Mean and 95 % quantile of the maximum drawdown.
        public var meanDrawdown: Double
        public var drawdown95: Double
    }

    /// The input (VaR, ES, component ES, worst scenarios, real measures).
    public var input: StressReportInput
    /// Per regime, in the input's order.
    public var regimes: [Regime]
    /// Common edges of the drawdown histograms.
    public var drawdownEdges: [Double]
    /// Whether the weights sum to 1 (P&L is then a fraction of the portfolio, drawn in %).
    public var fractional: Bool

    /// Reduces a stress input.
    /// - Throws: `ReportError.invalidInput` naming the regime and field of a bad input.
    public init(_ input: StressReportInput) throws {
        try input.validate()
        self.input = input
        fractional = abs(input.weights.reduce(0, +) - 1) < 1e-9
        let top = input.regimes.flatMap(\.maxDrawdowns).max() ?? 0
        let drawdownEdges = ScenarioReportData.linspace(0, top > 0 ? top : 1e-6, Self.drawdownBins + 1)
        self.drawdownEdges = drawdownEdges
        regimes = input.regimes.map { r in
            let pnl = r.profitAndLoss.sorted(), dd = r.maxDrawdowns.sorted()
            let lo = min(Descriptive.quantile(sorted: pnl, 0.001), -r.expectedShortfall,
                         -(r.real?.expectedShortfall ?? -Double.infinity))
            var hi = Descriptive.quantile(sorted: pnl, 0.999)
            if !(hi > lo) { hi = lo + max(abs(lo), 1e-9) * 1e-3 }
            let edges = ScenarioReportData.linspace(lo, hi, Self.profitAndLossBins + 1)
            return Regime(name: r.name, paths: pnl.count, profitAndLossEdges: edges,
                          profitAndLossDensity: ScenarioReportData.histogramDensity(pnl, edges),
                          drawdownDensity: ScenarioReportData.histogramDensity(dd, drawdownEdges),
                          meanDrawdown: dd.reduce(0, +) / Double(dd.count),
                          drawdown95: Descriptive.quantile(sorted: dd, 0.95))
        }
    }
}
