import ArgumentParser
import Foundation
import TGFLCore
import TGFLReport
import TGFLStats

/// `tgfl report`: the self-contained HTML report of a model's scenarios (issue 15).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report: fan charts, densities, QQ, ACF, per-regime risk, facts, training.",
        discussion: """
            Inputs: a trained checkpoint (--model) and/or scenario CSVs (--synthetic, one path of \
            daily log returns per row, as 'tgfl generate' and 'tgfl demo' write them), compared with \
            real data (default: the bundled S&P 500). Without --synthetic the model generates \
            --paths scenarios per regime (and, for a v2 model, unconditional ones). A CSV named \
            scenarios_<regime>.csv (or <regime>.csv) after one of the model's regimes is drawn as \
            that regime, against the real days the model labels with it. The checkpoint adds the \
            training loss curves and, when federated, the federation charts. The page opens \
            offline and makes no network request; charts are interactive (tooltips; drag and wheel \
            to pan and zoom; double-click resets).

            Examples:
              tgfl report --model tgfl-demo/model.h5 --out report.html
              tgfl report --model tgfl-demo/model.h5 --synthetic tgfl-demo/scenarios_crisis.csv \\
                --synthetic tgfl-demo/scenarios_unconditional.csv --train-fraction 0.8 --out report.html
              tgfl report --synthetic paths.csv --data prices.csv --column close --out report.html
            """)

    @Option(help: ArgumentHelp("Trained checkpoint (.h5).", valueName: "file"))
    var model: String?

    @Option(help: ArgumentHelp("Scenario CSV (repeatable; one path per row).", valueName: "file"))
    var synthetic: [String] = []

    @OptionGroup var data: DataOptions

    @Option(parsing: .unconditional, help: "Paths per regime to generate (without --synthetic).")
    var paths: Int = 500

    @Option(parsing: .unconditional, help: "Days per generated path (without --synthetic).")
    var horizon: Int = 250

    @Option(name: .customLong("train-fraction"), parsing: .unconditional, help: ArgumentHelp(
        "Leading fraction of the real days the model was trained on (adds the memorization chart; the demo uses 0.8).",
        valueName: "f"))
    var trainFraction: Double?

    @Option(parsing: .unconditional, help: "Seed of generation and of the report's subsamples.")
    var seed: UInt64 = 42

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: ArgumentHelp("HTML file to write.", valueName: "file"))
    var out: String

    func validate() throws {
        guard model != nil || !synthetic.isEmpty else {
            throw ValidationError("give --model (scenarios are generated) and/or --synthetic FILE")
        }
        try Limits.check(paths, "--paths", 1, Limits.count)
        try Limits.check(horizon, "--horizon", 1, Limits.count)
        try Limits.checkGenerated(paths: paths, horizon: horizon)
        if let trainFraction, !(trainFraction > 0 && trainFraction < 1) {
            throw ValidationError("--train-fraction must be in (0, 1), got \(trainFraction)")
        }
        if let threads { try Limits.check(threads, "--threads", 1, Limits.threads) }
    }

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        let series = try data.load()
        let real = series.values
        var scenarioModel: ScenarioModel?
        if let model {
            try requireReadableFile(model, what: "checkpoint")
            scenarioModel = try ScenarioModel.load(from: model)
        }
        var sets: [ScenarioReportInput.ScenarioSet]
        if synthetic.isEmpty, let scenarioModel {
            sets = try reportScenarioSets(model: scenarioModel, real: real, paths: paths, horizon: horizon, seed: seed,
                                          threads: threads)
        } else {
            var labels: [Int32]?
            if let m = scenarioModel, m.isFitted { labels = try m.regimeLabels(of: real) }
            let names = scenarioModel?.regimeModel?.names ?? []
            sets = try synthetic.map { file in
                try requireReadableFile(file, what: "scenario CSV")
                let name = scenarioSetName(file)
                let csv = try PathsCSV(path: file)
                let regime = names.firstIndex(of: name)
                let days = zip(real, labels ?? []).filter { regime != nil && Int($0.1) == regime }.map(\.0)
                return .init(name: name, paths: csv.returns, realRegimeDays: regime == nil ? nil : days)
            }
        }
        var facts = [("real data", "\(data.sourceName), \(real.count) days\(dateSpan(series))")]
        if let model, let scenarioModel { facts.append(("model", "\(model): \(describe(scenarioModel.config))")) }
        let trainingDays = trainFraction.map { Int((Double(real.count) * $0).rounded(.down)) }
        try writeScenarioReport(to: out, input: ScenarioReportInput(
            title: "TGFL scenario report", realName: data.sourceName, real: real, scenarios: sets,
            trainingHistory: scenarioModel?.history, federationRecord: scenarioModel?.records["federation"],
            trainingDays: trainingDays, runFacts: facts, seed: seed))
        print("wrote \(out)")
    }
}

/// The set name of a scenario CSV: its file stem without a leading `scenarios_`.
func scenarioSetName(_ path: String) -> String {
    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    return stem.hasPrefix("scenarios_") ? String(stem.dropFirst("scenarios_".count)) : stem
}

/// Scenarios for a report: `paths` per regime (each against the real days the model labels
/// with it), then, for a v2 model, `paths` unconditional ones (the overall set).
func reportScenarioSets(model: ScenarioModel, real: [Double], paths: Int, horizon: Int, seed: UInt64,
                        threads: Int?) throws -> [ScenarioReportInput.ScenarioSet] {
    guard model.isFitted, let regimes = model.regimeModel else {
        throw CommandFailure("the checkpoint is not trained (no tokenizer/regimes): train it first")
    }
    let labels = try model.regimeLabels(of: real)
    var sets: [ScenarioReportInput.ScenarioSet] = []
    for (r, name) in regimes.names.enumerated() {
        let set = try generateWithProgress(model: model, options: GenerationOptions(
            paths: paths, horizon: horizon, regime: .fixed(r), seed: seed &+ UInt64(r), threads: threads), label: name)
        sets.append(.init(name: name, paths: set.returns,
                          realRegimeDays: zip(real, labels).filter { Int($0.1) == r }.map(\.0)))
    }
    if model.config.modelVersion >= 2 {
        let set = try generateWithProgress(model: model, options: GenerationOptions(
            paths: paths, horizon: horizon, regime: .unconditional, seed: seed &+ 1000, threads: threads),
            label: "unconditional")
        sets.append(.init(name: "unconditional", paths: set.returns))
    }
    return sets
}

/// Computes, renders and atomically writes a scenario report, logging its size and time.
func writeScenarioReport(to path: String, input: ScenarioReportInput) throws {
    try writeReportPage(to: path) {
        ScenarioReport.document(try ScenarioReportData(input), title: input.title, facts: input.runFacts)
    }
}
