import Foundation
import TGFLCore
import TGFLStats

/// The text table, JSON and exception CSV of `tgfl backtest`.
enum BacktestTable {
    /// One row per model, horizon and level.
    static func text(_ r: WalkForwardBacktest) -> String {
        var out = "series \(r.series): backtest days \(r.spanStart)..<\(r.spanEnd)"
        if r.generationSeconds > 0 { out += String(format: "; TGFL generation %.1f s", r.generationSeconds) }
        out += "\n"
        let header = ["model", "h", "level", "days", "exc", "expected", "Kupiec p", "CC p", "zone", "Basel 250d",
                      "ES Z2", "ES p", "mean VaR", "mean ES", "Berkowitz LR"]
        var rows = [header]
        for b in r.results {
            for l in b.levels {
                let basel = l.basel.map { "\($0.zone.rawValue) \(String(format: "%.2f", $0.multiplier))" } ?? "–"
                rows.append([b.model, "\(b.horizon)", fmt(l.level, 3), "\(l.observations)", "\(l.exceptions)",
                             fmt(l.level * Double(l.observations), 1), fmt(l.kupiec.pValue, 3),
                             fmt(l.conditionalCoverage.pValue, 3), l.zone.rawValue, basel,
                             fmt(l.expectedShortfallTest.statistic, 3), fmt(l.expectedShortfallTest.pValue, 3),
                             fmt(l.meanValueAtRisk, 4), fmt(l.meanExpectedShortfall, 4), fmt(b.berkowitz.statistic, 1)])
            }
        }
        return out + aligned(rows)
    }

    /// Rows as columns: the first left-aligned, the others right-aligned, two spaces apart.
    static func aligned(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max()! }
        return rows.map { row in
            row.enumerated().map { c, v in c == 0 ? v.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - v.count) + v }.joined(separator: "  ") + "\n"
        }.joined()
    }

    /// Per TGFL variant and horizon: the days σ_t sat at the volatility filter's cap or floor.
    static func volatilityBoundsText(_ uses: [VolatilityBoundsUse]) -> String {
        let rows = [["volatility state", "h", "days", "at cap", "at floor", "max σ/cap", "min σ/floor", "refits"]]
            + uses.map { u in
                [u.model, "\(u.horizon)", "\(u.days)", "\(u.atCap)", "\(u.atFloor)", fmt(u.largestCapRatio, 3),
                 fmt(u.smallestFloorRatio, 2), "\(u.refits)"]
            }
        return aligned(rows)
    }

    static func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    /// Every forecast: day, date, model, horizon, level, realised return, VaR, ES, exception (0/1).
    static func exceptionsCSV(_ r: WalkForwardBacktest, dates: [TradingDate]?) -> String {
        var out = "day,date,model,horizon,level,return,var,es,exception\n"
        for b in r.results {
            guard let h = r.horizons.first(where: { $0.horizon == b.horizon }) else { continue }
            for (k, l) in b.levels.enumerated() {
                for (i, t) in h.days.enumerated() {
                    let x = h.outcomes[i], v = b.valueAtRisk[k][i], es = b.expectedShortfall[k][i]
                    let date = dates.map { "\($0[t])" } ?? ""
                    out += "\(t),\(date),\(b.model),\(b.horizon),\(l.level),\(x),\(v),\(es),\(-x > v ? 1 : 0)\n"
                }
            }
        }
        return out
    }
}
