import Foundation
import TGFLStats

/// The scenario report: `ScenarioReportData` drawn as sections of a `ReportDocument`
/// (scenarios, dynamics, per regime, stylized facts, training, federation, memorization).
public enum ScenarioReport {
    /// Builds the document of a report.
    /// - Parameters:
    ///   - data: the numbers (`ScenarioReportData(input)`).
    ///   - title: page title.
    ///   - facts: key facts under the title.
    /// - Returns: the document; append more sections (e.g. backtests) before rendering.
    public static func document(_ data: ScenarioReportData, title: String = "TGFL scenario report",
                                facts: [(String, String)] = []) -> ReportDocument {
        let fan = data.fans.first
        let subtitle = "\(data.fans.map { "\($0.paths) × \($0.horizon) days (\($0.name))" }.joined(separator: ", ")) "
            + "against \(data.realDays) real days of \(data.realName)" + (fan == nil ? "" : ".")
        var sections = [scenarios(data), dynamics(data)]
        if !data.regimes.isEmpty { sections.append(regimes(data)) }
        sections.append(stylizedFacts(data))
        if !data.training.isEmpty || data.federation.map({ !$0.rounds.isEmpty }) == true {
            sections.append(training(data))
        }
        if let f = data.federation { sections.append(federation(f)) }
        if let m = data.memorization { sections.append(memorization(m)) }
        return ReportDocument(title: title, subtitle: subtitle, facts: facts, sections: sections)
    }

    /// Computes the data and renders the page in one call.
    /// - Throws: as `ScenarioReportData.init(_:)`.
    public static func html(_ input: ScenarioReportInput) throws -> String {
        let data = try ScenarioReportData(input)
        return HTMLReport.render(document(data, title: input.title, facts: input.runFacts))
    }

    static func percent(_ x: Double?) -> String { x.map { String(format: "%.2f %%", 100 * $0) } ?? "—" }

    // MARK: - Scenarios

    static func scenarios(_ data: ScenarioReportData) -> ReportSection {
        let labels = ["real 5–95 %", "real median", "synthetic 5–95 %", "synthetic 25–75 %", "synthetic median",
                      "sample paths"]
        let colours = [ChartSpec.grey, ChartSpec.vermillion, ChartSpec.skyBlue, ChartSpec.blue, ChartSpec.blue,
                       ChartSpec.orange]
        func c(_ i: Int) -> JSONValue { ChartSpec.colour(labels[i], domain: labels, range: colours) }
        let fans: [ReportChart] = data.fans.enumerated().map { (i, fan) in
            let days = (0...fan.horizon).map(Double.init)
            let b = fan.bands, r = fan.realBands
            let bands = ChartSpec.rows([("day", days), ("p05", b[0]), ("p25", b[1]), ("p50", b[2]), ("p75", b[3]),
                                        ("p95", b[4]), ("r05", r[0]), ("r50", r[2]), ("r95", r[4])])
            var sampleRows: [JSONValue] = []
            for (p, path) in fan.samples.enumerated() {
                for (t, v) in path.enumerated() { sampleRows.append(["day": .number(Double(t)), "path": .number(Double(p)), "index": .finite(v)]) }
            }
            let x = ChartSpec.field("day", "Trading day")
            let y = ChartSpec.field("p05", "Price index (start = 100)", scale: ["zero": false])
            let spec = ChartSpec.chart(datasets: [("bands", bands), ("samples", .array(sampleRows))], [
                ("layer", [
                    ["data": ["name": "bands"], "mark": ["type": "area", "opacity": 0.3],
                     "encoding": ["x": x, "y": ChartSpec.field("r05", "Price index (start = 100)", scale: ["zero": false]),
                                  "y2": ["field": "r95"], "color": c(0)]],
                    ["data": ["name": "bands"], "mark": ["type": "area", "opacity": 0.45],
                     "encoding": ["x": x, "y": y, "y2": ["field": "p95"], "color": c(2)]],
                    ["data": ["name": "bands"], "mark": ["type": "area", "opacity": 0.55],
                     "encoding": ["x": x, "y": ["field": "p25", "type": "quantitative"], "y2": ["field": "p75"], "color": c(3)]],
                    ["data": ["name": "samples"], "params": ChartSpec.zoom(),
                     "mark": ["type": "line", "strokeWidth": 0.8, "opacity": 0.8],
                     "encoding": ["x": x, "y": ["field": "index", "type": "quantitative"], "detail": ["field": "path"],
                                  "color": c(5),
                                  "tooltip": ChartSpec.tooltip([("day", "day"), ("path", "path"), ("index", "price index")])]],
                    ["data": ["name": "bands"], "mark": ["type": "line", "strokeDash": [6, 3], "strokeWidth": 1.5],
                     "encoding": ["x": x, "y": ["field": "r50", "type": "quantitative"], "color": c(1)]],
                    ["data": ["name": "bands"], "mark": ["type": "line", "strokeWidth": 2],
                     "encoding": ["x": x, "y": ["field": "p50", "type": "quantitative"], "color": c(4),
                                  "tooltip": ChartSpec.tooltip([("day", "day"), ("p05", "synthetic 5 %"),
                                                                ("p50", "synthetic median"), ("p95", "synthetic 95 %"),
                                                                ("r05", "real 5 %"), ("r50", "real median"),
                                                                ("r95", "real 95 %")])]],
                ]),
            ])
            return ReportChart(id: "fan-\(i)", title: "\(fan.name): \(fan.paths) paths",
                               caption: "Price index of each path (start = 100): synthetic quantile bands, "
                                   + "\(fan.samples.count) sample paths, and the real \(fan.horizon)-day paths' "
                                   + "5–95 % band and median over \(fan.realWindows) windows. Drag to pan, wheel to zoom, "
                                   + "double-click to reset.", spec: spec)
        }
        var blocks: [ReportBlock] = [
            .paragraph("Fan charts: where the scenarios' price paths go, per set, next to the real history's "
                       + "one-year paths (every window of the real series, stride one day)."),
            .grid(fans),
        ]
        blocks.append(.grid(data.densities.map { density($0, data) } + [qq(data)]))
        return ReportSection(id: "scenarios", title: "Scenarios", blocks: blocks)
    }

    static func density(_ d: ScenarioReportData.Density, _ data: ScenarioReportData) -> ReportChart {
        let centres = (0..<(d.edges.count - 1)).map { (d.edges[$0] + d.edges[$0 + 1]) / 2 }
        var rows: [JSONValue] = []
        for (name, values) in [("real", d.real), ("synthetic", d.synthetic)] {
            for (x, y) in zip(centres, values) where y > 0 {
                rows.append(["return": .number(x), "density": .number(y), "series": .string(name)])
            }
        }
        let unit = d.horizon == 1 ? "1-day" : "\(d.horizon)-day"
        let spec = ChartSpec.chart(datasets: [], [
            ("data", ["values": .array(rows)]),
            ("params", ChartSpec.zoom()),
            ("mark", ["type": "line", "interpolate": "step", "strokeWidth": 1.6, "point": ["size": 14]]),
            ("encoding", [
                "x": ChartSpec.field("return", "\(unit) log return", format: ".1%"),
                "y": ChartSpec.field("density", "Density (log scale, per unit log return)", scale: ["type": "log"]),
                "color": ChartSpec.colourField("series", domain: ["real", "synthetic"],
                                               range: [ChartSpec.real, ChartSpec.synthetic]),
                "strokeDash": ["field": "series", "type": "nominal", "legend": nil,
                               "scale": ["domain": ["real", "synthetic"], "range": [[5, 2], [1, 0]]]],
                "tooltip": [["field": "series", "type": "nominal"],
                            ["field": "return", "type": "quantitative", "format": ".2%", "title": "\(unit) return"],
                            ["field": "density", "type": "quantitative", "format": ".3~g"]],
            ]),
        ])
        return ReportChart(id: "density-\(d.horizon)", title: "\(unit) return density",
                           caption: "Histogram densities on 60 common bins (0.1–99.9 % range of both), log scale: "
                               + "\(data.overallName) scenarios against \(data.realName). "
                               + (d.horizon > 1 ? "Overlapping \(d.horizon)-day sums within each path." : ""),
                           spec: spec)
    }

    static func qq(_ data: ScenarioReportData) -> ReportChart {
        let q = data.qq
        let points = ChartSpec.rows([("p", q.probabilities), ("real", q.real), ("synthetic", q.synthetic)])
        let lo = min(q.real.first ?? 0, q.synthetic.first ?? 0), hi = max(q.real.last ?? 0, q.synthetic.last ?? 0)
        let spec = ChartSpec.chart(height: 230, datasets: [], [
            ("layer", [
                ["data": ["values": [["real": .number(lo), "synthetic": .number(lo)], ["real": .number(hi), "synthetic": .number(hi)]]],
                 "mark": ["type": "line", "color": .string(ChartSpec.grey), "strokeDash": [4, 3]],
                 "encoding": ["x": ["field": "real", "type": "quantitative"], "y": ["field": "synthetic", "type": "quantitative"]]],
                ["data": ["values": points], "params": ChartSpec.zoom(),
                 "mark": ["type": "point", "filled": true, "size": 18, "color": .string(ChartSpec.synthetic)],
                 "encoding": ["x": ChartSpec.field("real", "Real quantile (daily log return)", format: ".1%"),
                              "y": ChartSpec.field("synthetic", "Synthetic quantile (daily log return)", format: ".1%"),
                              "tooltip": ChartSpec.tooltip([("p", "probability"), ("real", "real"),
                                                            ("synthetic", "synthetic")])]],
            ]),
        ])
        return ReportChart(id: "qq", title: "QQ plot of daily returns",
                           caption: "Quantiles of the \(data.overallName) scenarios' daily log returns against "
                               + "\(data.realName)'s at \(q.probabilities.count) probabilities (0.1 % … 99.9 %); the "
                               + "dashed line is y = x. Points below it on the left: fatter synthetic loss tail.",
                           spec: spec)
    }

    // MARK: - Dynamics

    static func dynamics(_ data: ScenarioReportData) -> ReportSection {
        let d = data.dependence
        let lags = (1...d.maxLag).map(Double.init)
        let panels: [(String, String, KeyPath<DependenceCurves, [Double]>, String)] = [
            ("acf-r", "ACF of returns r", \.acfReturns, "Autocorrelation of r"),
            ("acf-abs", "ACF of |r| (volatility clustering)", \.acfAbsolute, "Autocorrelation of |r|"),
            ("acf-sq", "ACF of r²", \.acfSquared, "Autocorrelation of r²"),
            ("leverage", "Leverage: corr(r_t, r²_t+k)", \.leverage, "Correlation"),
        ]
        let labels = ["real chunks 5–95 %", "real (full series)", "synthetic (path average)"]
        let colours = [ChartSpec.grey, ChartSpec.real, ChartSpec.synthetic]
        let charts = panels.map { (id, title, curve, axis) -> ReportChart in
            let rows = ChartSpec.rows([("lag", lags), ("low", d.realLow[keyPath: curve]),
                                       ("high", d.realHigh[keyPath: curve]), ("real", d.real[keyPath: curve]),
                                       ("synthetic", d.synthetic[keyPath: curve])])
            let x = ChartSpec.field("lag", "Lag k (trading days)")
            let spec = ChartSpec.chart(datasets: [("curves", rows)], [
                ("layer", [
                    ["data": ["name": "curves"], "mark": ["type": "area", "opacity": 0.3],
                     "encoding": ["x": x, "y": ChartSpec.field("low", axis), "y2": ["field": "high"],
                                  "color": ChartSpec.colour(labels[0], domain: labels, range: colours)]],
                    ["data": ["values": [["zero": 0]]], "mark": ["type": "rule", "color": .string(ChartSpec.black), "strokeWidth": 0.5],
                     "encoding": ["y": ["field": "zero", "type": "quantitative"]]],
                    ["data": ["name": "curves"], "mark": ["type": "line", "strokeDash": [5, 2], "point": ["size": 12]],
                     "encoding": ["x": x, "y": ["field": "real", "type": "quantitative"],
                                  "color": ChartSpec.colour(labels[1], domain: labels, range: colours)]],
                    ["data": ["name": "curves"], "params": ChartSpec.zoom(), "mark": ["type": "line", "point": ["size": 14]],
                     "encoding": ["x": x, "y": ["field": "synthetic", "type": "quantitative"],
                                  "color": ChartSpec.colour(labels[2], domain: labels, range: colours),
                                  "tooltip": ChartSpec.tooltip([("lag", "lag"), ("synthetic", "synthetic"),
                                                                ("real", "real"), ("low", "real chunks 5 %"),
                                                                ("high", "real chunks 95 %")], format: ".3f")]],
                ]),
            ])
            return ReportChart(id: id, title: title,
                               caption: "Synthetic: mean over paths of each path's curve. Grey band: 5–95 % over "
                                   + "\(d.chunks) non-overlapping real chunks of \(d.chunkLength) days (what a real "
                                   + "path of the scenarios' length shows).", spec: spec)
        }
        return ReportSection(id: "dynamics", title: "Dynamics", blocks: [
            .paragraph("Volatility clustering and leverage: the \(data.overallName) scenarios against \(data.realName), "
                       + "lags 1–\(d.maxLag)."),
            .grid(charts),
        ])
    }

    // MARK: - Regimes

    static func regimes(_ data: ScenarioReportData) -> ReportSection {
        let measures: [(String, String, (ScenarioReportData.RegimeRisk) -> (Double?, Double))] = [
            ("std", "Daily standard deviation", { ($0.realStd, $0.syntheticStd) }),
            ("var", "1 % VaR (daily loss)", { ($0.realVaR, $0.syntheticVaR) }),
            ("es", "1 % expected shortfall (daily loss)", { ($0.realES, $0.syntheticES) }),
        ]
        let order = JSONValue.array(data.regimes.map { .string($0.name) })
        let charts = measures.map { (id, title, value) -> ReportChart in
            var rows: [JSONValue] = []
            for r in data.regimes {
                let (real, synthetic) = value(r)
                rows.append(["regime": .string(r.name), "series": "real", "value": .finite(real), "days": .number(Double(r.realDays))])
                rows.append(["regime": .string(r.name), "series": "synthetic", "value": .finite(synthetic), "days": nil])
            }
            let spec = ChartSpec.chart(width: 260, height: 200, datasets: [], [
                ("data", ["values": .array(rows)]),
                ("mark", ["type": "bar", "tooltip": true]),
                ("encoding", [
                    "x": ["field": "regime", "type": "nominal", "sort": order, "title": "Regime",
                          "axis": ["labelAngle": 0]],
                    "xOffset": ["field": "series", "type": "nominal", "sort": ["real", "synthetic"]],
                    "y": ChartSpec.field("value", "\(title), log return", format: ".1%"),
                    "color": ChartSpec.colourField("series", domain: ["real", "synthetic"],
                                                   range: [ChartSpec.real, ChartSpec.synthetic]),
                    "tooltip": [["field": "regime", "type": "nominal"], ["field": "series", "type": "nominal"],
                                ["field": "value", "type": "quantitative", "format": ".3%"],
                                ["field": "days", "type": "quantitative", "title": "real days"]],
                ]),
            ])
            return ReportChart(id: "regime-\(id)", title: title,
                               caption: "Per regime: scenarios generated in that regime against the real days the "
                                   + "model's regime model labels with it (historical estimates, 1 % tail).", spec: spec)
        }
        let table = ReportTable(
            columns: ["Regime", "Real days", "Std real", "Std synthetic", "VaR 1 % real", "VaR 1 % synthetic",
                      "ES 1 % real", "ES 1 % synthetic"],
            rows: data.regimes.map { r in
                [r.name, String(r.realDays), percent(r.realStd), percent(r.syntheticStd), percent(r.realVaR),
                 percent(r.syntheticVaR), percent(r.realES), percent(r.syntheticES)]
            }, caption: "Daily log returns; VaR and ES are losses (positive).")
        return ReportSection(id: "regimes", title: "Per regime", blocks: [.grid(charts), .table(table)])
    }

    // MARK: - Facts

    static func stylizedFacts(_ data: ScenarioReportData) -> ReportSection {
        func number(_ x: Double?) -> String {
            guard let x else { return "—" }
            guard x.isFinite else { return String(x) }
            return abs(x) >= 1e-3 || x == 0 ? String(format: "%.4g", x) : String(format: "%.3e", x)
        }
        let facts = data.stylizedFacts
        let failed = facts.filter { $0.passed == false }.count, passed = facts.filter { $0.passed == true }.count
        let table = ReportTable(
            columns: ["Fact", "Real", "Synthetic", "Criterion", "Result"],
            rows: facts.map { f in
                [f.name, number(f.real), number(f.synthetic), f.criterion,
                 f.passed.map { $0 ? "PASS" : "FAIL" } ?? "info"]
            }, verdicts: facts.map(\.passed),
            caption: "\(passed) passed, \(failed) failed (highlighted), \(facts.count - passed - failed) informational: "
                + "the \(data.overallName) scenarios against \(data.realName) (TGFLStats StylizedFactsReport).")
        if let note = data.stylizedFactsNote, facts.isEmpty {
            return ReportSection(id: "facts", title: "Stylized facts", blocks: [.note(note)])
        }
        return ReportSection(id: "facts", title: "Stylized facts", blocks: [.table(table)])
    }

    // MARK: - Training

    static func training(_ data: ScenarioReportData) -> ReportSection {
        // A central run logs steps; a federated one is drawn per round from its federation record.
        let federated = data.training.isEmpty
        var rows: [JSONValue] = []
        func add(_ x: Int, _ loss: Double?, _ series: String) {
            guard let loss, loss.isFinite, loss >= 0 else { return }
            rows.append(["step": .number(Double(x)), "loss": .number(loss), "series": .string(series)])
        }
        for r in data.training {
            add(r.step, r.trainLoss, "train")
            add(r.step, r.valLoss, "validation")
        }
        for r in data.federation?.rounds ?? [] where federated {
            add(r.round, r.trainLoss, "train")
            add(r.round, r.validationLoss, "validation")
        }
        let spec = ChartSpec.chart(width: 520, height: 240, datasets: [], [
            ("data", ["values": .array(rows)]),
            ("params", ChartSpec.zoom()),
            ("mark", ["type": "line", "point": ["size": 16]]),
            ("encoding", [
                "x": federated ? ChartSpec.roundAxis("step", rounds: data.federation?.rounds.map(\.round) ?? [])
                    : ChartSpec.field("step", "Optimizer step"),
                "y": ChartSpec.field("loss", "Loss (nats per token)", scale: ["zero": false]),
                "color": ChartSpec.colourField("series", domain: ["train", "validation"],
                                               range: [ChartSpec.synthetic, ChartSpec.orange]),
                "strokeDash": ["field": "series", "type": "nominal", "legend": nil,
                               "scale": ["domain": ["train", "validation"], "range": [[1, 0], [5, 2]]]],
                "tooltip": [["field": "series", "type": "nominal"], ["field": "step", "type": "quantitative"],
                            ["field": "loss", "type": "quantitative", "format": ".4f"]],
            ]),
        ])
        return ReportSection(id: "training", title: "Training", blocks: [
            .chart(ReportChart(id: "training-loss", title: "Loss curves",
                               caption: federated
                                   ? "Mean next-token cross-entropy per federated round: the clients' local training "
                                       + "loss (example-weighted mean) and the global model's validation loss."
                                   : "Mean next-token cross-entropy at each logged step of the checkpoint's training "
                                       + "history, on the training and the validation windows.", spec: spec)),
        ])
    }

    // MARK: - Federation

    /// The data of the federation charts: losses, each client's loss, client counts, ε.
    struct FederationRows {
        var loss: [JSONValue] = [], client: [JSONValue] = [], count: [JSONValue] = [], epsilon: [JSONValue] = []
    }

    static func federationRows(_ f: ScenarioReportData.Federation) -> FederationRows {
        var rows = FederationRows()
        for r in f.rounds {
            let round = JSONValue.number(Double(r.round))
            if let v = r.trainLoss { rows.loss.append(["round": round, "loss": .number(v), "series": "train (mean of clients)"]) }
            if let v = r.validationLoss { rows.loss.append(["round": round, "loss": .number(v), "series": "validation (global model)"]) }
            for c in r.clientLosses {
                rows.client.append(["round": round, "loss": .number(c.trainLoss), "client": .number(Double(c.client)),
                                   "series": "each client"])
            }
            for (name, n) in [("participated", r.participants), ("dropped", r.dropped), ("late", r.late),
                              ("rejected", r.rejected.count)] where n > 0 {
                rows.count.append(["round": round, "clients": .number(Double(n)), "status": .string(name)])
            }
            if let e = r.epsilon { rows.epsilon.append(["round": round, "epsilon": .number(e)]) }
        }
        return rows
    }

    static func federationLossChart(_ f: ScenarioReportData.Federation, _ rows: FederationRows) -> JSONValue {
        let lossLabels = ["train (mean of clients)", "validation (global model)", "each client"]
        let lossColours = [ChartSpec.synthetic, ChartSpec.orange, ChartSpec.grey]
        let x = ChartSpec.roundAxis(rounds: f.rounds.map(\.round))
        return ChartSpec.chart(datasets: [], [
            ("layer", [
                ["data": ["values": .array(rows.client)], "mark": ["type": "point", "size": 22, "opacity": 0.7],
                 "encoding": ["x": x, "y": ChartSpec.field("loss", "Loss (nats per token)", scale: ["zero": false]),
                              "color": ChartSpec.colourField("series", domain: lossLabels, range: lossColours),
                              "tooltip": [["field": "round", "type": "quantitative"], ["field": "client", "type": "quantitative"],
                                          ["field": "loss", "type": "quantitative", "format": ".4f"]]]],
                ["data": ["values": .array(rows.loss)], "params": ChartSpec.zoom(), "mark": ["type": "line", "point": true],
                 "encoding": ["x": x, "y": ["field": "loss", "type": "quantitative"],
                              "color": ChartSpec.colourField("series", domain: lossLabels, range: lossColours),
                              "tooltip": [["field": "series", "type": "nominal"], ["field": "round", "type": "quantitative"],
                                          ["field": "loss", "type": "quantitative", "format": ".4f"]]]],
            ]),
        ])
    }

    static func federationCountChart(_ rows: FederationRows) -> JSONValue {
        let statuses = ["participated", "dropped", "late", "rejected"]
        return ChartSpec.chart(datasets: [], [
            ("data", ["values": .array(rows.count)]),
            ("mark", ["type": "bar", "tooltip": true]),
            ("encoding", [
                "x": ["field": "round", "type": "ordinal", "title": "Federated round", "axis": ["labelAngle": 0]],
                "y": ["field": "clients", "type": "quantitative", "title": "Clients (count)", "stack": "zero",
                      "axis": ["format": "d", "tickMinStep": 1]],
                "color": ChartSpec.colourField("status", domain: statuses,
                                               range: [ChartSpec.blue, ChartSpec.orange, ChartSpec.purple, ChartSpec.vermillion]),
                "order": ["field": "status", "sort": "ascending"],
            ]),
        ])
    }

    static func federation(_ f: ScenarioReportData.Federation) -> ReportSection {
        let rows = federationRows(f)
        let x = ChartSpec.roundAxis(rounds: f.rounds.map(\.round))
        let loss = federationLossChart(f, rows), counts = federationCountChart(rows)
        let epsilonRows = rows.epsilon
        var charts = [
            ReportChart(id: "federation-loss", title: "Loss per round and per client",
                        caption: "Grey points: each participating client's mean local training loss; lines: the "
                            + "example-weighted mean and the global model's validation loss.", spec: loss),
            ReportChart(id: "federation-clients", title: "Clients per round",
                        caption: "Sampled clients by outcome: aggregated, dropped out, missed the deadline, or "
                            + "rejected by the server (non-finite or malformed update).", spec: counts),
        ]
        if f.privacy, !epsilonRows.isEmpty {
            let eps = ChartSpec.chart(datasets: [], [
                ("data", ["values": .array(epsilonRows)]),
                ("mark", ["type": "line", "point": true, "color": .string(ChartSpec.purple)]),
                ("encoding", ["x": x, "y": ChartSpec.field("epsilon", "ε (privacy loss, at δ)"),
                              "tooltip": ChartSpec.tooltip([("round", "round"), ("epsilon", "ε")])]),
            ])
            charts.append(ReportChart(id: "federation-epsilon", title: "Privacy budget spent",
                                      caption: "ε so far after each round at δ = \(f.delta.map { String($0) } ?? "?") "
                                          + "(user-level DP, the tighter of the RDP and PLD accountants).", spec: eps))
        }
        var blocks: [ReportBlock] = [
            .paragraph("\(f.clientCount) clients, strategy \(f.strategy), \(f.rounds.count) rounds"
                       + (f.privacy ? ", with differential privacy." : ", without differential privacy.")),
            .grid(charts),
        ]
        let rejected = f.rounds.filter { !$0.rejected.isEmpty || $0.dropped > 0 || $0.late > 0 }
        if !rejected.isEmpty {
            blocks.append(.table(ReportTable(
                columns: ["Round", "Dropped", "Late", "Rejected clients"],
                rows: rejected.map { [String($0.round), String($0.dropped), String($0.late),
                                      $0.rejected.isEmpty ? "—" : $0.rejected.map(String.init).joined(separator: ", ")] },
                verdicts: rejected.map { $0.rejected.isEmpty ? nil : false },
                caption: "Rounds in which a sampled client did not contribute.")))
        }
        return ReportSection(id: "federation", title: "Federation", blocks: blocks)
    }

    // MARK: - Memorization

    static func memorization(_ m: ScenarioReportData.MemorizationDistances) -> ReportSection {
        let all = (m.generated + m.heldOut).sorted()
        let lo = all.first ?? 0, hi = max(all.last ?? 1, lo + 1e-12)
        let edges = ScenarioReportData.linspace(lo, hi, 41)
        var rows: [JSONValue] = []
        for (name, values) in [("generated windows", m.generated), ("held-out real windows", m.heldOut)] {
            let density = ScenarioReportData.histogramDensity(values.sorted(), edges)
            for i in 0..<(edges.count - 1) {
                rows.append(["distance": .number((edges[i] + edges[i + 1]) / 2), "density": .number(density[i]),
                             "series": .string(name)])
            }
        }
        let labels = ["generated windows", "held-out real windows"]
        let spec = ChartSpec.chart(width: 520, height: 230, datasets: [], [
            ("layer", [
                ["data": ["values": .array(rows)], "params": ChartSpec.zoom(),
                 "mark": ["type": "line", "interpolate": "step", "strokeWidth": 1.8],
                 "encoding": ["x": ChartSpec.field("distance", "Distance to the nearest training window (\(m.windowLength)-day windows, each scaled to unit RMS)"),
                              "y": ChartSpec.field("density", "Density (per unit distance)"),
                              "color": ChartSpec.colourField("series", domain: labels, range: [ChartSpec.synthetic, ChartSpec.real]),
                              "strokeDash": ["field": "series", "type": "nominal", "legend": nil,
                                             "scale": ["domain": .array(labels.map { .string($0) }), "range": [[1, 0], [5, 2]]]],
                              "tooltip": [["field": "series", "type": "nominal"],
                                          ["field": "distance", "type": "quantitative", "format": ".4f"],
                                          ["field": "density", "type": "quantitative", "format": ".3~g"]]]],
                ["data": ["values": [["close": .number(m.score.heldOutCloseDistance)]]],
                 "mark": ["type": "rule", "color": .string(ChartSpec.black), "strokeDash": [2, 2]],
                 "encoding": ["x": ["field": "close", "type": "quantitative"],
                              "tooltip": [["field": "close", "type": "quantitative", "title": "held-out close distance", "format": ".4f"]]]],
            ]),
        ])
        let s = m.score
        let verdict = s.isMemorizing ? "memorizing" : "not memorizing"
        return ReportSection(id: "memorization", title: "Memorization", blocks: [
            .chart(ReportChart(id: "memorization-distance", title: "Nearest-neighbour distances",
                               caption: String(format: "Each window's Euclidean distance to its nearest training window, "
                                   + "both scaled to unit root mean square so that volatility levels do not count "
                                   + "(%d generated, %d held-out, %d training windows). A generator that copies its "
                                   + "training data piles up near 0. Median ratio generated/held-out %.3f; %.1f %% of "
                                   + "generated windows are closer than the held-out close distance (dotted line): ",
                                   s.generatedCount, s.heldOutCount, s.trainingCount, s.medianRatio,
                                   100 * s.fractionCloser) + verdict + ".", spec: spec)),
        ])
    }
}
