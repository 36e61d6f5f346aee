import Foundation
import TGFLCore
import TGFLStats

/// The backtest section (issue 15, for issue 16's `tgfl backtest`): per horizon, the table of
/// tests with the traffic-light zones, each model's VaR forecasts against the realised returns
/// with the exceptions marked, and each model's PIT histogram with Berkowitz's LR.
public enum BacktestReport {
    /// The section of a backtest.
    /// - Parameter data: the numbers (`BacktestReportData(backtest, dates:)`).
    /// - Returns: a section with id "backtests".
    public static func section(_ data: BacktestReportData) -> ReportSection {
        let models = data.rows.map(\.model).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var span = "days \(data.spanStart)–\(data.spanEnd - 1) of \(data.series)"
        if let d = data.spanDates { span += " (\(d[0]) … \(d[1]))" }
        var blocks: [ReportBlock] = [
            .paragraph("Walk-forward backtest on \(span): each day's forecast uses only the returns before it. "
                       + "Models: \(models.joined(separator: ", ")). Horizon h is evaluated on every h-th day, so "
                       + "the h-day outcomes do not overlap."),
        ]
        for h in data.horizons {
            let unit = h == 1 ? "1 day" : "\(h) days"
            blocks.append(.paragraph("Horizon h = \(unit)."))
            blocks.append(.table(table(data.rows.filter { $0.horizon == h }, horizon: h)))
            blocks.append(.grid(data.forecasts.filter { $0.horizon == h }.map(valueAtRiskChart)))
            blocks.append(.grid(data.pits.filter { $0.horizon == h }.map(pitChart)))
        }
        return ReportSection(id: "backtests", title: "Backtests", blocks: blocks)
    }

    /// A page holding the backtest section alone.
    /// - Parameters:
    ///   - data: the numbers.
    ///   - title: page title.
    ///   - facts: key facts under the title (e.g. the model, the paths per day).
    public static func document(_ data: BacktestReportData, title: String = "TGFL backtest report",
                                facts: [(String, String)] = []) -> ReportDocument {
        let subtitle = "VaR and ES forecasts of \(data.series) at h = "
            + data.horizons.map(String.init).joined(separator: ", ") + " days, against the realised returns."
        return ReportDocument(title: title, subtitle: subtitle, facts: facts, sections: [section(data)])
    }

    /// The confidence level of a tail probability, e.g. 0.01 → "99 %".
    static func confidence(_ a: Double) -> String { String(format: "%g %%", 100 * (1 - a)) }

    /// Letters and digits of a label, lower-cased, others as '-' (for element ids).
    static func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
    }

    /// A p-value cell's mark: red below 1 %, yellow below 5 %, none otherwise.
    static func mark(p: Double) -> ReportMark? { p < 0.01 ? .red : p < 0.05 ? .yellow : nil }

    static func table(_ rows: [BacktestReportData.Row], horizon: Int) -> ReportTable {
        func p(_ x: Double) -> String { x.isFinite ? String(format: x < 0.001 ? "%.1e" : "%.3f", x) : "—" }
        let unit = horizon == 1 ? "1-day" : "\(horizon)-day"
        return ReportTable(
            columns: ["Model", "VaR level", "Exceptions / expected", "Kupiec p", "Christoffersen p", "Traffic light",
                      "ES test p", "Mean VaR", "Mean ES"],
            rows: rows.map { r in
                [r.model, confidence(r.level), String(format: "%d / %.1f", r.exceptions, r.expected), p(r.kupiecP),
                 p(r.conditionalCoverageP), r.zone, p(r.expectedShortfallP), ScenarioReport.percent(r.meanValueAtRisk),
                 ScenarioReport.percent(r.meanExpectedShortfall)]
            },
            caption: "\(rows.first?.observations ?? 0) forecasts of the \(unit) log return per model. Kupiec: "
                + "unconditional coverage; Christoffersen: conditional coverage (coverage and independence); "
                + "traffic light: Basel's zones for this many days and this level; ES test: Acerbi–Székely Z2 "
                + "(simulated p). p-values below 5 % are marked ◆, below 1 % ▲. VaR and ES are losses.",
            marks: rows.map { r in
                [nil, nil, nil, mark(p: r.kupiecP), mark(p: r.conditionalCoverageP), ReportMark(rawValue: r.zone),
                 mark(p: r.expectedShortfallP), nil, nil]
            })
    }

    static let lineColours = [ChartSpec.blue, ChartSpec.skyBlue, ChartSpec.green, ChartSpec.purple]
    static let exceptionColours = [ChartSpec.vermillion, ChartSpec.orange, ChartSpec.black, ChartSpec.purple]

    static func valueAtRiskChart(_ f: BacktestReportData.Forecasts) -> ReportChart {
        let unit = f.horizon == 1 ? "1-day" : "\(f.horizon)-day"
        // One row per day (the VaR of level k in field "v<k>"); Vega-Lite folds the VaR columns
        // into one line per level, so the page carries each number once.
        let days: [JSONValue] = f.days.indices.map { i in
            var row: [(String, JSONValue)] = [("day", .number(Double(f.days[i])))]
            if let dates = f.dates { row.append(("date", .string(dates[i]))) }
            row.append(("return", .finite(f.outcomes[i])))
            for k in f.levels.indices { row.append(("v\(k)", .finite(f.valueAtRisk[k][i]))) }
            return .object(row)
        }
        var exceptions: [JSONValue] = []
        var labels = ["realised return"], colours = [ChartSpec.grey]
        // The widest tail first, so the most extreme level's exceptions are drawn on top.
        let order = f.levels.indices.sorted { f.levels[$0] > f.levels[$1] }
        for k in f.levels.indices {
            labels.append("−VaR \(confidence(f.levels[k]))"); colours.append(lineColours[k % lineColours.count])
        }
        for k in f.levels.indices {
            labels.append("exception \(confidence(f.levels[k]))"); colours.append(exceptionColours[k % exceptionColours.count])
        }
        for k in order {
            let hit = JSONValue.string("exception \(confidence(f.levels[k]))")
            for i in f.days.indices where f.exceptions[k][i] {
                exceptions.append(["day": .number(Double(f.days[i])), "date": f.dates.map { .string($0[i]) } ?? .null,
                                   "return": .finite(f.outcomes[i]), "var": .finite(f.valueAtRisk[k][i]), "series": hit])
            }
        }
        let name = order.map { k in "datum.key === 'v\(k)' ? '−VaR \(confidence(f.levels[k]))' : " }.joined() + "''"
        let fold: JSONValue = [["fold": .array(order.map { .string("v\($0)") }), "as": ["key", "var"]],
                               ["calculate": .string(name), "as": "series"],
                               ["calculate": "-datum['var']", "as": "threshold"]]
        let x = ChartSpec.field("day", "Forecast day (index of the return series)", scale: ["zero": false])
        let y = ChartSpec.field("return", "\(unit) log return", format: ".1%")
        let colour = ChartSpec.colourField("series", domain: labels, range: colours)
        func tip(_ fields: [(String, String)]) -> JSONValue {
            let base: [JSONValue] = [["field": "series", "type": "nominal", "title": "series"],
                                     ["field": "day", "type": "quantitative", "title": "day"],
                                     ["field": "date", "type": "nominal", "title": "date"]]
            return .array(base + fields.map { f -> JSONValue in
                ["field": .string(f.0), "type": "quantitative", "title": .string(f.1), "format": ".3%"]
            })
        }
        let spec = ChartSpec.chart(width: 470, height: 220, datasets: [("days", .array(days))], [
            ("layer", [
                ["data": ["name": "days"], "params": ChartSpec.zoom(),
                 "mark": ["type": "point", "filled": true, "size": 10, "opacity": 0.6],
                 "encoding": ["x": x, "y": y, "color": ChartSpec.colour("realised return", domain: labels, range: colours),
                              "tooltip": [["field": "day", "type": "quantitative"], ["field": "date", "type": "nominal"],
                                          ["field": "return", "type": "quantitative", "format": ".3%"]]]],
                ["data": ["name": "days"], "transform": fold,
                 "mark": ["type": "line", "strokeWidth": 1.4, "interpolate": "step-after"],
                 "encoding": ["x": x, "y": ["field": "threshold", "type": "quantitative"], "color": colour,
                              "strokeDash": ["field": "series", "type": "nominal", "legend": nil],
                              "tooltip": tip([("var", "VaR (loss)")])]],
                ["data": ["values": .array(exceptions)],
                 "mark": ["type": "point", "shape": "triangle-down", "filled": true, "size": 60],
                 "encoding": ["x": x, "y": ["field": "return", "type": "quantitative"], "color": colour,
                              "tooltip": tip([("return", "return"), ("var", "VaR (loss)")])]],
            ]),
        ])
        let counts = order.reversed().map { k in
            "\(f.exceptions[k].filter { $0 }.count) beyond the \(confidence(f.levels[k])) VaR"
        }.joined(separator: ", ")
        return ReportChart(id: "bt-var-h\(f.horizon)-\(slug(f.model))", title: "\(f.model): VaR forecasts, h = \(f.horizon)",
                           caption: "Grey points: the realised \(unit) log returns of the \(f.days.count) forecast days; "
                               + "lines: minus each day's VaR forecast; triangles: exceptions (the loss exceeded the VaR): "
                               + counts + ". Drag to pan, wheel to zoom, double-click to reset.", spec: spec)
    }

    static func pitChart(_ p: BacktestReportData.PIT) -> ReportChart {
        let rows: [JSONValue] = p.density.indices.map { i in
            ["from": .number(p.edges[i]), "to": .number(p.edges[i + 1]), "density": .finite(p.density[i])]
        }
        let spec = ChartSpec.chart(width: 240, height: 160, datasets: [], [
            ("layer", [
                ["data": ["values": .array(rows)],
                 "mark": ["type": "bar", "color": .string(ChartSpec.synthetic), "opacity": 0.8, "stroke": "white", "strokeWidth": 0.5],
                 "encoding": ["x": ChartSpec.field("from", "PIT of the realised return (probability)",
                                                   scale: ["domain": [0, 1]], format: ".1f"),
                              "x2": ["field": "to"],
                              "y": ChartSpec.field("density", "Density (uniform = 1)"), "y2": ["datum": 0],
                              "tooltip": ChartSpec.tooltip([("from", "from"), ("to", "to"), ("density", "density")], format: ".3f")]],
                ["data": ["values": [["uniform": 1]]],
                 "mark": ["type": "rule", "color": .string(ChartSpec.vermillion), "strokeDash": [5, 3], "strokeWidth": 1.5],
                 "encoding": ["y": ["field": "uniform", "type": "quantitative"]]],
            ]),
        ])
        let p0 = p.berkowitzP < 0.001 ? String(format: "%.1e", p.berkowitzP) : String(format: "%.3f", p.berkowitzP)
        return ReportChart(id: "bt-pit-h\(p.horizon)-\(slug(p.model))",
                           title: "\(p.model): PIT, h = \(p.horizon) (Berkowitz LR "
                               + String(format: "%.1f", p.berkowitzLR) + ", p \(p0))",
                           caption: "Histogram (\(p.edges.count - 1) bins) of F_t(x_t), each forecast distribution at "
                               + "its outcome, over \(p.observations) days; a correct forecast makes it uniform (dashed "
                               + "line). Piles at both ends: tails too thin; a hump in the middle: too wide.", spec: spec)
    }
}
