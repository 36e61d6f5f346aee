import Foundation

/// The portfolio-stress section (issue 15, for issue 17's `tgfl stress`): per regime the P&L
/// density with VaR and ES marked, VaR and ES bars (scenarios against real windows when real
/// data was given), the maximum-drawdown distribution, component-ES bars per asset and the
/// worst scenarios.
public enum StressReport {
    /// The section of a stress run.
    /// - Parameter data: the numbers (`StressReportData(input)`).
    /// - Returns: a section with id "stress".
    public static func section(_ data: StressReportData) -> ReportSection {
        let input = data.input
        let held = zip(input.assets, input.weights).filter { $0.1 != 0 }
            .map { "\($0.0) \(amount($0.1, data.fractional))" }.joined(separator: ", ")
        var blocks: [ReportBlock] = [
            .paragraph("Buy-and-hold portfolio (\(held)) over \(input.horizon) day\(input.horizon == 1 ? "" : "s"), "
                       + "\(data.regimes.first?.paths ?? 0) scenarios per regime; VaR and ES at "
                       + "\(BacktestReport.confidence(input.level)) (α = \(input.level)). "
                       + (data.fractional ? "P&L as a fraction of the portfolio's value." : "P&L in the units of the weights.")),
            .grid(data.regimes.enumerated().map { profitAndLossChart(data, $0.offset) }),
            .grid([riskBars(data), drawdownChart(data), componentChart(data)]),
        ]
        if input.realName == nil {
            blocks.append(.note("No real data was given, so VaR and ES are shown for the scenarios only "
                                + "(tgfl stress --real-bundled NAME or --real-data FILE adds the real windows)."))
        }
        blocks.append(.table(summaryTable(data)))
        blocks.append(.table(worstTable(data)))
        return ReportSection(id: "stress", title: "Portfolio stress", blocks: blocks)
    }

    /// A page holding the stress section alone.
    /// - Parameters:
    ///   - data: the numbers.
    ///   - title: page title.
    ///   - facts: key facts under the title (e.g. the model).
    public static func document(_ data: StressReportData, title: String = "TGFL portfolio stress report",
                                facts: [(String, String)] = []) -> ReportDocument {
        let subtitle = "\(data.input.assets.count) assets, \(data.regimes.count) regimes, \(data.input.horizon)-day horizon"
            + (data.input.realName.map { ", against real windows of \($0)." } ?? ".")
        return ReportDocument(title: title, subtitle: subtitle, facts: facts, sections: [section(data)])
    }

    static func amount(_ x: Double, _ fractional: Bool) -> String {
        fractional ? String(format: "%.4g %%", 100 * x) : String(format: "%.6g", x)
    }

    /// Regime colours (Okabe–Ito, leaving vermillion for real data), cycled.
    static let regimeColours = [ChartSpec.green, ChartSpec.skyBlue, ChartSpec.orange, ChartSpec.purple, ChartSpec.blue,
                                ChartSpec.black]

    static func pnlTitle(_ data: StressReportData) -> String {
        "\(data.input.horizon)-day P&L" + (data.fractional ? " (fraction of the portfolio)" : " (units of the weights)")
    }

    static func format(_ data: StressReportData) -> String { data.fractional ? ".1%" : ".3~g" }

    static func profitAndLossChart(_ data: StressReportData, _ g: Int) -> ReportChart {
        let r = data.regimes[g], input = data.input.regimes[g]
        let rows: [JSONValue] = r.profitAndLossDensity.indices.map { i in
            ["pnl": .number((r.profitAndLossEdges[i] + r.profitAndLossEdges[i + 1]) / 2),
             "density": .finite(r.profitAndLossDensity[i])]
        }
        var marks: [JSONValue] = [["at": .number(-input.valueAtRisk), "value": .number(input.valueAtRisk), "series": "scenario VaR"],
                                  ["at": .number(-input.expectedShortfall), "value": .number(input.expectedShortfall), "series": "scenario ES"]]
        if let real = input.real {
            marks += [["at": .number(-real.valueAtRisk), "value": .number(real.valueAtRisk), "series": "real VaR"],
                      ["at": .number(-real.expectedShortfall), "value": .number(real.expectedShortfall), "series": "real ES"]]
        }
        let labels = ["scenario VaR", "scenario ES", "real VaR", "real ES"]
        let spec = ChartSpec.chart(width: 260, height: 180, datasets: [], [
            ("layer", [
                ["data": ["values": .array(rows)], "params": ChartSpec.zoom(),
                 "mark": ["type": "area", "interpolate": "step", "color": .string(ChartSpec.synthetic), "opacity": 0.35,
                          "line": ["color": .string(ChartSpec.synthetic)]],
                 "encoding": ["x": ChartSpec.field("pnl", pnlTitle(data), format: format(data)),
                              "y": ChartSpec.field("density", "Density (per unit P&L)"),
                              "tooltip": [["field": "pnl", "type": "quantitative", "title": "P&L", "format": .string(format(data))],
                                          ["field": "density", "type": "quantitative", "format": ".3~g"]]]],
                ["data": ["values": .array(marks)],
                 "mark": ["type": "rule", "strokeWidth": 1.8],
                 "encoding": ["x": ["field": "at", "type": "quantitative"],
                              "color": ChartSpec.colourField("series", domain: labels,
                                                             range: [ChartSpec.black, ChartSpec.purple, ChartSpec.real, ChartSpec.real]),
                              "strokeDash": ["field": "series", "type": "nominal", "legend": nil,
                                             "scale": ["domain": .array(labels.map { .string($0) }),
                                                       "range": [[1, 0], [6, 3], [2, 2], [8, 2, 2, 2]]]],
                              "tooltip": [["field": "series", "type": "nominal"],
                                          ["field": "value", "type": "quantitative", "title": "loss", "format": .string(format(data))]]]],
            ]),
        ])
        return ReportChart(id: "stress-pnl-\(BacktestReport.slug(r.name))", title: "\(r.name): portfolio P&L",
                           caption: "Histogram density of the \(r.paths) scenarios' \(data.input.horizon)-day P&L "
                               + "(0.1–99.9 % range, \(StressReportData.profitAndLossBins) bins); vertical lines at minus "
                               + "VaR and minus ES" + (input.real == nil ? "." : ", scenarios and real windows."), spec: spec)
    }

    static func riskBars(_ data: StressReportData) -> ReportChart {
        var rows: [JSONValue] = []
        for r in data.input.regimes {
            for (measure, synthetic, real) in [("VaR", r.valueAtRisk, r.real?.valueAtRisk), ("ES", r.expectedShortfall, r.real?.expectedShortfall)] {
                rows.append(["regime": .string(r.name), "measure": .string(measure), "series": "scenarios",
                             "key": .string("\(measure) scenarios"), "value": .number(synthetic)])
                if let real, let windows = r.real?.windows {
                    rows.append(["regime": .string(r.name), "measure": .string(measure), "series": "real windows",
                                 "key": .string("\(measure) real"), "value": .number(real),
                                 "windows": .number(Double(windows))])
                }
            }
        }
        let order = JSONValue.array(data.input.regimes.map { .string($0.name) })
        let spec = ChartSpec.chart(width: 300, height: 200, datasets: [], [
            ("data", ["values": .array(rows)]),
            ("mark", ["type": "bar"]),
            ("encoding", [
                "x": ["field": "regime", "type": "nominal", "sort": order, "title": "Regime", "axis": ["labelAngle": 0]],
                "xOffset": ["field": "key", "type": "nominal", "sort": ["VaR scenarios", "VaR real", "ES scenarios", "ES real"]],
                "y": ChartSpec.field("value", "Loss over \(data.input.horizon) days" + (data.fractional ? " (fraction)" : ""),
                                     format: format(data)),
                "color": ChartSpec.colourField("series", domain: ["real windows", "scenarios"],
                                               range: [ChartSpec.real, ChartSpec.synthetic]),
                "opacity": ["field": "measure", "type": "nominal", "scale": ["domain": ["VaR", "ES"], "range": [0.55, 1]],
                            "legend": ["title": nil]],
                "tooltip": [["field": "regime", "type": "nominal"], ["field": "measure", "type": "nominal"],
                            ["field": "series", "type": "nominal"],
                            ["field": "value", "type": "quantitative", "format": .string(format(data))],
                            ["field": "windows", "type": "quantitative", "title": "real windows"]],
            ]),
        ])
        return ReportChart(id: "stress-risk", title: "VaR and ES per regime",
                           caption: "Pale bars VaR, full bars ES, at \(BacktestReport.confidence(data.input.level)): the "
                               + "scenarios (blue)" + (data.input.realName.map {
                                   " against the real \(data.input.horizon)-day windows of \($0) that start on a day "
                                       + "the model's filters put in that regime (vermillion; shown with at least "
                                       + "\(StressReportInput.minimumRealWindows) windows)"
                               } ?? "") + ".", spec: spec)
    }

    static func drawdownChart(_ data: StressReportData) -> ReportChart {
        let edges = data.drawdownEdges
        var rows: [JSONValue] = []
        for r in data.regimes {
            for i in r.drawdownDensity.indices {
                rows.append(["drawdown": .number((edges[i] + edges[i + 1]) / 2), "density": .finite(r.drawdownDensity[i]),
                             "regime": .string(r.name)])
            }
        }
        let names = data.regimes.map(\.name)
        let spec = ChartSpec.chart(width: 300, height: 200, datasets: [], [
            ("data", ["values": .array(rows)]),
            ("params", ChartSpec.zoom()),
            ("mark", ["type": "line", "interpolate": "step", "strokeWidth": 1.6]),
            ("encoding", [
                "x": ChartSpec.field("drawdown", "Maximum drawdown over \(data.input.horizon) days (fraction of the peak)",
                                     format: ".1%"),
                "y": ChartSpec.field("density", "Density (per unit drawdown)"),
                "color": ChartSpec.colourField("regime", domain: names,
                                               range: names.indices.map { regimeColours[$0 % regimeColours.count] }),
                "strokeDash": ["field": "regime", "type": "nominal", "legend": nil],
                "tooltip": [["field": "regime", "type": "nominal"],
                            ["field": "drawdown", "type": "quantitative", "format": ".2%"],
                            ["field": "density", "type": "quantitative", "format": ".3~g"]],
            ]),
        ])
        return ReportChart(id: "stress-drawdown", title: "Maximum drawdown distribution",
                           caption: "Histogram density (\(StressReportData.drawdownBins) common bins) of each scenario's "
                               + "largest fall from its running peak, per regime.", spec: spec)
    }

    static func componentChart(_ data: StressReportData) -> ReportChart {
        var rows: [JSONValue] = []
        for r in data.input.regimes {
            for (asset, es) in zip(data.input.assets, r.componentExpectedShortfall) {
                rows.append(["asset": .string(asset), "regime": .string(r.name), "es": .number(es)])
            }
        }
        let names = data.input.regimes.map(\.name)
        let spec = ChartSpec.chart(width: 300, height: 200, datasets: [], [
            ("data", ["values": .array(rows)]),
            ("mark", ["type": "bar"]),
            ("encoding", [
                "x": ["field": "asset", "type": "nominal", "sort": .array(data.input.assets.map { .string($0) }),
                      "title": "Asset", "axis": ["labelAngle": 0]],
                "xOffset": ["field": "regime", "type": "nominal", "sort": .array(names.map { .string($0) })],
                "y": ChartSpec.field("es", "Component ES (loss" + (data.fractional ? ", fraction of the portfolio)" : ")"),
                                     format: format(data)),
                "color": ChartSpec.colourField("regime", domain: names,
                                               range: names.indices.map { regimeColours[$0 % regimeColours.count] }),
                "tooltip": [["field": "asset", "type": "nominal"], ["field": "regime", "type": "nominal"],
                            ["field": "es", "type": "quantitative", "title": "component ES", "format": .string(format(data))]],
            ]),
        ])
        return ReportChart(id: "stress-component-es", title: "Component ES per asset",
                           caption: "Each asset's share of the portfolio ES (its mean loss on the tail scenarios; the "
                               + "shares add up to the ES). A negative share: the asset gains in the tail (a hedge).",
                           spec: spec)
    }

    static func summaryTable(_ data: StressReportData) -> ReportTable {
        let f = { (x: Double) in amount(x, data.fractional) }
        var columns = ["Regime", "Scenarios", "VaR", "ES", "Mean max drawdown", "95 % max drawdown"]
        if data.input.realName != nil { columns += ["Real windows", "Real VaR", "Real ES"] }
        let rows = zip(data.regimes, data.input.regimes).map { (r, i) -> [String] in
            var row = [r.name, String(r.paths), f(i.valueAtRisk), f(i.expectedShortfall),
                       String(format: "%.2f %%", 100 * r.meanDrawdown), String(format: "%.2f %%", 100 * r.drawdown95)]
            if data.input.realName != nil {
                row += [i.real.map { String($0.windows) } ?? "—", i.real.map { f($0.valueAtRisk) } ?? "—",
                        i.real.map { f($0.expectedShortfall) } ?? "—"]
            }
            return row
        }
        return ReportTable(columns: columns, rows: rows,
                           caption: "Losses positive. Drawdowns as a fraction of the running peak of the portfolio value.")
    }

    static func worstTable(_ data: StressReportData) -> ReportTable {
        var rows: [[String]] = []
        for r in data.input.regimes {
            for (rank, s) in r.worst.enumerated() {
                rows.append([r.name, String(rank + 1), String(s.path), amount(s.profitAndLoss, data.fractional),
                             String(format: "%.2f %%", 100 * s.maxDrawdown)]
                            + s.assetReturns.map { String(format: "%.2f %%", 100 * $0) })
            }
        }
        let k = data.input.regimes.map(\.worst.count).max() ?? 0
        return ReportTable(columns: ["Regime", "Rank", "Path", "P&L", "Max drawdown"]
                               + data.input.assets.map { "\($0) log return" },
                           rows: rows,
                           caption: "The \(k) worst scenarios of each regime by P&L, with each asset's \(data.input.horizon)-day "
                               + "log return (tgfl stress --worst-out writes their daily returns).")
    }
}
