import Foundation
import TGFLCore
import TGFLStats

/// Per-regime comparison of generated and real returns (the demo's summary table).
struct RegimeComparison: Equatable {
    /// Regime index and name.
    var index: Int
    var name: String
    /// Real days the regime model labels with this regime.
    var realDays: Int
    /// Generated days (paths × horizon).
    var generatedDays: Int
    /// Standard deviation (daily), real and generated (nil for fewer than 2 real days).
    var realStd: Double?
    var generatedStd: Double
    /// Excess kurtosis, real and generated (nil for fewer than 4 real days).
    var realExcessKurtosis: Double?
    var generatedExcessKurtosis: Double
    /// 1% historical VaR (a positive loss), real and generated.
    var realVaR1: Double?
    var generatedVaR1: Double

    /// Statistics of one regime.
    /// - Parameters:
    ///   - real: Real log returns labelled with this regime (may be empty).
    ///   - generated: Generated log returns of this regime (pooled over paths).
    /// - Throws: `StatsError` for an empty or non-finite generated sample.
    init(index: Int, name: String, real: [Double], generated: [Double]) throws {
        self.index = index; self.name = name
        realDays = real.count; generatedDays = generated.count
        realStd = real.count >= 2 ? try Descriptive.standardDeviation(real) : nil
        realExcessKurtosis = real.count >= 4 ? try Descriptive.excessKurtosis(real) : nil
        realVaR1 = real.count >= 2 ? try RiskMeasures.historical(real, level: 0.01).valueAtRisk : nil
        generatedStd = try Descriptive.standardDeviation(generated)
        generatedExcessKurtosis = try Descriptive.excessKurtosis(generated)
        generatedVaR1 = try RiskMeasures.historical(generated, level: 0.01).valueAtRisk
    }

    /// Memberwise (tests).
    init(index: Int, name: String, realDays: Int, generatedDays: Int, realStd: Double?, generatedStd: Double,
         realExcessKurtosis: Double?, generatedExcessKurtosis: Double, realVaR1: Double?, generatedVaR1: Double) {
        self.index = index; self.name = name; self.realDays = realDays; self.generatedDays = generatedDays
        self.realStd = realStd; self.generatedStd = generatedStd; self.realExcessKurtosis = realExcessKurtosis
        self.generatedExcessKurtosis = generatedExcessKurtosis; self.realVaR1 = realVaR1
        self.generatedVaR1 = generatedVaR1
    }

    var dictionary: [String: Any] {
        func v(_ x: Double?) -> Any { x.map { $0 as Any } ?? NSNull() }
        return ["index": index, "name": name, "real_days": realDays, "generated_days": generatedDays,
                "real_std": v(realStd), "generated_std": generatedStd,
                "real_excess_kurtosis": v(realExcessKurtosis), "generated_excess_kurtosis": generatedExcessKurtosis,
                "real_var_1": v(realVaR1), "generated_var_1": generatedVaR1]
    }
}

/// Whether generated volatility rises with the regime index, and tracks the real one: the
/// generated std is strictly increasing from calm to crisis, and the ratio generated/real
/// stays within `tolerance` (e.g. 0.5 → between 0.5 and 1.5) for every regime with real days.
func volatilityTracksRegimes(_ rows: [RegimeComparison], tolerance: Double = 0.5) -> Bool {
    guard rows.count >= 2 else { return false }
    let stds = rows.map(\.generatedStd)
    let rising = zip(stds, stds.dropFirst()).allSatisfy { $0 < $1 }
    let tracking = rows.allSatisfy { row in
        guard let real = row.realStd, real > 0 else { return true }
        return abs(row.generatedStd / real - 1) <= tolerance
    }
    return rising && tracking
}

/// Fixed-width text table of the per-regime comparison.
func regimeTable(_ rows: [RegimeComparison], markdown: Bool = false) -> String {
    let header = ["Regime", "Real days", "Std real", "Std gen", "Ex.kurt real", "Ex.kurt gen", "VaR1% real",
                  "VaR1% gen"]
    func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "—" }
    let body = rows.map { r in
        ["\(r.index) \(r.name)", "\(r.realDays)", f(r.realStd, "%.4f"), f(r.generatedStd, "%.4f"),
         f(r.realExcessKurtosis, "%.2f"), f(r.generatedExcessKurtosis, "%.2f"), f(r.realVaR1, "%.4f"),
         f(r.generatedVaR1, "%.4f")]
    }
    return renderTable(header: header, rows: body, markdown: markdown)
}

/// A table as fixed-width text or Markdown; columns in `leftAligned` are left-aligned, the
/// others (numbers) right-aligned.
func renderTable(header: [String], rows: [[String]], markdown: Bool, leftAligned: Set<Int> = [0]) -> String {
    if markdown {
        var s = "| " + header.joined(separator: " | ") + " |\n"
        s += "|" + header.indices.map { leftAligned.contains($0) ? " --- |" : " ---: |" }.joined() + "\n"
        for r in rows { s += "| " + r.joined(separator: " | ") + " |\n" }
        return s
    }
    let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return leftAligned.contains(c) ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }
    var lines = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
    lines += rows.map(line)
    return lines.joined(separator: "\n") + "\n"
}

/// Random `length`-day segments of a regime label sequence, one per path (seeded), so an
/// "unconditional" scenario set follows the regime mix and the regime switches of history.
/// - Throws: `CommandFailure` when the label sequence is shorter than `length`.
func historicalRegimePaths(labels: [Int32], count: Int, length: Int, seed: UInt64) throws -> [[Int]] {
    guard labels.count >= length else {
        throw CommandFailure("the real series has \(labels.count) days, fewer than the horizon \(length)")
    }
    var rng = SeededRNG(seed: seed, stream: 7)
    return (0..<count).map { _ in
        let start = rng.int(below: labels.count - length + 1)
        return labels[start..<(start + length)].map(Int.init)
    }
}

/// A number with 4 significant digits (`0.01204`, `8.169`, `1.7e-299`).
func formatNumber(_ x: Double) -> String {
    guard x.isFinite else { return "\(x)" }
    return String(format: "%.4g", x)
}
