import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl pretrain`: pretrains a model v2 on a corpus of many series (by default the bundled real
/// corpus), to be fine-tuned with `tgfl train --init`.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain a model v2 on many series (default: the bundled corpus) for fine-tuning with train --init.",
        discussion: """
            Every series is standardised by its own GJR-GARCH volatility filter and all of them share \
            one tokenizer of the standardised returns (README "Pretraining"), so assets of any \
            volatility pool into one training set. Each series' last --val-fraction is held out for \
            validation and model selection. The checkpoint is a complete model v2; fine-tune it on \
            your data with `tgfl train --init base.h5`, which refits the volatility filter on your data.

            Example:
              tgfl pretrain --steps 1500 --out base.h5
              tgfl pretrain --exclude sp500 --out base-without-sp500.h5
              tgfl pretrain --data a.csv --data b.csv --no-bundled --out base.h5
            """)

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Bundled series to leave out, comma-separated files or file.column names (e.g. sp500,eu_stocks.dax).",
        valueName: "names"))
    var exclude: String?

    @Flag(name: .customLong("no-bundled"), help: "Do not use the bundled corpus (then give --data).")
    var noBundled = false

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp(
        "Also pretrain on every column of this CSV (prices, with a 'date' column or none); repeatable.",
        valueName: "file"))
    var data: [String] = []

    @Option(help: ArgumentHelp("Model configuration: small, large, demo (T=64) or tiny (smoke tests).",
                               valueName: "name"))
    var config: ModelPreset = .small

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Optimizer steps (the parameters of the best validation evaluation are kept; on the bundled corpus the "
        + "validation loss is lowest after about 100 steps, BENCHMARKS.md \"Pretraining\")."))
    var steps: Int = 150

    @Option(name: .customLong("exclude-recent"), parsing: .unconditional, help: ArgumentHelp(
        "Leave out each series' most recent fraction entirely (e.g. 0.2 keeps the last 20 % of every series "
        + "unseen, to evaluate on it).", valueName: "fraction"))
    var excludeRecent: Double = 0

    @OptionGroup var training: TrainingRunOptions

    @Option(help: ArgumentHelp("Checkpoint to write (.h5).", valueName: "file"))
    var out: String

    func validate() throws {
        try Limits.check(steps, "--steps", 1, Limits.count)
        guard training.valFraction > 0 else {
            throw ValidationError("--val-fraction must be in (0, 1) (model selection needs validation days), got 0")
        }
        guard excludeRecent >= 0, excludeRecent < 1 else {
            throw ValidationError("--exclude-recent must be in [0, 1), got \(excludeRecent)")
        }
        if noBundled && data.isEmpty { throw ValidationError("--no-bundled needs at least one --data FILE") }
    }

    /// The corpus: the bundled series minus --exclude, plus every column of each --data file.
    func corpus() throws -> [ReturnSeries] {
        var series: [ReturnSeries] = []
        if !noBundled {
            let all = try MarketData.bundledReturnSeries()
            let excluded = (exclude ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in excluded where !all.contains(where: { $0.name == name || $0.name.hasPrefix(name + ".") }) {
                throw CommandFailure("--exclude: no bundled series '\(name)'; use one of "
                                      + all.map(\.name).joined(separator: ", ") + " (or a file name, e.g. eu_stocks)")
            }
            series = all.filter { s in !excluded.contains { s.name == $0 || s.name.hasPrefix($0 + ".") } }
        }
        for path in data {
            try requireReadableFile(path, what: "data file")
            let md = try Self.allPriceColumns(of: path)
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            for s in md.allLogReturns() {
                try DataSanity.check(returns: s.values, series: s.name, file: path)
                series.append(ReturnSeries(name: "\(name).\(s.name)", dates: s.dates, values: s.values))
            }
        }
        guard !series.isEmpty else { throw CommandFailure("the corpus is empty: --exclude left no bundled series") }
        guard excludeRecent > 0 else { return series }
        return series.map { s in
            let k = Int((Double(s.values.count) * (1 - excludeRecent)).rounded(.down))
            return ReturnSeries(name: s.name, dates: s.dates.map { Array($0.prefix(k)) }, values: Array(s.values.prefix(k)))
        }
    }

    /// Every column of a price CSV other than `date`, read as prices (with dates when there is
    /// a `date` column).
    static func allPriceColumns(of path: String) throws -> MarketData {
        let url = URL(fileURLWithPath: path)
        let text = try String(contentsOf: url, encoding: .utf8)
        let header = (text.split(separator: "\n", maxSplits: 1).first ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let columns = header.filter { $0.lowercased() != "date" }
        guard !columns.isEmpty else {
            throw TGFLError.data(file: path, row: 1, column: nil, message: "the header names no price column")
        }
        return try MarketData(contentsOf: url, dateColumn: header.contains("date") ? "date" : nil,
                              priceColumns: columns, minimumReturns: 2)
    }

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        let series = try corpus()
        let days = series.reduce(0) { $0 + $1.values.count }
        logInfo("corpus: \(series.count) series, \(days) days: " + series.map(\.name).joined(separator: ", "))
        let t = training
        let model = try ScenarioModel(config: config.config(version: 2), seed: t.seed)
        logInfo("model: \(config.rawValue) v2 (\(describe(model.config))), \(model.transformer.parameterCount) parameters")
        var options = TrainingOptions(steps: steps, batchSize: t.batchSize, learningRate: t.lr, minLearningRate: t.lr / 10,
                                      warmupSteps: min(50, steps), validationFraction: t.valFraction,
                                      evaluateEvery: max(1, min(100, steps / 10)), seed: t.seed, threads: t.threads)
        options.restoreBest = true
        let trainer = try Trainer(model: model, options: options)
        let bar = ProgressReporter(label: "pretrain", unit: "steps", total: steps)
        let report = try runInterruptibly(bar: bar, saveOnInterrupt: nil, save: { _ in },
                                          interrupted: { _ in "interrupted; nothing saved (pretraining has no --resume)" }) {
            try trainer.pretrain(corpus: series) { p in
                var metrics = [("loss", ProgressFormat.metric(p.trainLoss))]
                if let v = p.validationLoss { metrics.append(("val", ProgressFormat.metric(v))) }
                metrics.append(("tok/s", ProgressFormat.rate(p.tokensPerSecond)))
                bar.update(completed: p.step, eta: p.etaSeconds, metrics: metrics)
                return !Interrupt.requested
            }
        }
        try model.setPretrainingRecord(PretrainingRecord(series: series.map(\.name), days: days, steps: report.stepsRun,
                                                bestStep: report.bestStep, seed: t.seed))
        try model.save(to: out)
        print("pretrained \(report.stepsRun) steps on \(series.count) series: best validation loss "
              + (report.bestValidationLoss.map(ProgressFormat.metric) ?? "none")
              + (report.bestStep.map { " at step \($0) (kept)" } ?? ""))
        print("saved \(out); fine-tune with: tgfl train --init \(out) --data YOUR.csv --out model.h5")
    }
}
