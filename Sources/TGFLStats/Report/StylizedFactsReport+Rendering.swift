import Foundation

extension StylizedFactsReport {
    /// The report as JSON: the types' fixed snake_case keys (`overall_pass`,
    /// `horizon_distances`, …), sorted, pretty-printed; read it back with
    /// `StylizedFactsReport.decode(json:)` (or any `JSONDecoder`).
    ///
    /// - Returns: UTF-8 JSON.
    /// - Throws: `EncodingError` (not expected: every value is finite or nil).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// `jsonData()` as a string.
    public func jsonString() throws -> String {
        String(decoding: try jsonData(), as: UTF8.self)
    }

    /// Reads a report written by `jsonData()`.
    ///
    /// - Parameter json: the JSON bytes.
    /// - Returns: the report.
    /// - Throws: `DecodingError` for malformed JSON.
    public static func decode(json: Data) throws -> StylizedFactsReport {
        try JSONDecoder().decode(StylizedFactsReport.self, from: json)
    }

    /// The one-line verdict, e.g. `PASS: 12 passed, 0 failed, 1 informational`.
    public var summary: String {
        "\(overallPass ? "PASS" : "FAIL"): \(passedCount) passed, \(failedCount) failed, \(informationalCount) informational"
    }

    /// The report as a plain-text table (fixed-width columns), for terminals and logs.
    public func textTable() -> String {
        var out = "Stylized facts: \(realCount) real days vs \(pathCount) synthetic paths (\(syntheticCount) days)\n\n"
        out += table(header: ["Fact", "Real", "Synthetic", "Criterion", "Result"], rows: factRows())
        out += "\nDistances (non-overlapping h-day returns)\n\n"
        out += table(header: distanceHeader, rows: distanceRows())
        out += "\nQuant GANs scores (L2 over lags 1–\(quantGANs.maxLag); fair = real averaged over chunks of the path length)\n\n"
        out += table(header: scoreHeader, rows: scoreRows())
        out += "\n" + summary + "\n"
        return out
    }

    /// The report as GitHub-flavoured Markdown tables.
    public func markdown() -> String {
        func md(_ header: [String], _ rows: [[String]]) -> String {
            let esc = { (s: String) in s.replacingOccurrences(of: "|", with: "\\|") }
            var s = "| " + header.map(esc).joined(separator: " | ") + " |\n"
            s += "|" + header.map { _ in " --- |" }.joined() + "\n"
            for r in rows { s += "| " + r.map(esc).joined(separator: " | ") + " |\n" }
            return s
        }
        var out = "## Stylized facts\n\n"
        out += "\(realCount) real days vs \(pathCount) synthetic paths (\(syntheticCount) days). **\(summary)**\n\n"
        out += md(["Fact", "Real", "Synthetic", "Criterion", "Result"], factRows())
        out += "\n### Distances (non-overlapping h-day returns)\n\n" + md(distanceHeader, distanceRows())
        out += "\n### Quant GANs scores (L2 over lags 1–\(quantGANs.maxLag))\n\n" + md(scoreHeader, scoreRows())
        return out
    }

    private func factRows() -> [[String]] {
        facts.map { f in
            [f.name, f.real.map(formatReportNumber) ?? "—", f.synthetic.map(formatReportNumber) ?? "—", f.criterion,
             f.passed.map { $0 ? "PASS" : "FAIL" } ?? "info"]
        }
    }

    private var distanceHeader: [String] { ["Horizon", "n real", "n syn", "W1", "Energy", "MMD²", "DY"] }

    private func distanceRows() -> [[String]] {
        horizonDistances.map { d in
            ["\(d.horizon)d", "\(d.realCount)", "\(d.syntheticCount)", formatReportNumber(d.wasserstein1), formatReportNumber(d.energy),
             formatReportNumber(d.mmd2), formatReportNumber(d.dy)]
        }
    }

    private var scoreHeader: [String] { ["Score", "ACF r", "ACF |r|", "ACF r²", "Leverage"] }

    private func scoreRows() -> [[String]] {
        [("plain", quantGANs), ("fair", quantGANsFair)].map { name, s in
            [name, formatReportNumber(s.acfReturns), formatReportNumber(s.acfAbsolute), formatReportNumber(s.acfSquared), formatReportNumber(s.leverage)]
        }
    }

    private func table(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max()! }
        func line(_ r: [String]) -> String {
            r.enumerated().map { c, s in s.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }
}
