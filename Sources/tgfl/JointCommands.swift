import ArgumentParser
import Foundation
import TGFLCore

/// Several return columns on shared days: `--bundled eu_stocks` or `--data FILE`, and
/// `--columns dax,ftse` (default: every column of a bundled series).
struct JointDataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("CSV file with one row per day and one column per asset.", valueName: "file"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp(
        "A bundled multi-asset series instead of --data: eu_stocks, crsp_daily, fx_usd_1980 (or any of "
        + "\(BundledSeries.namesList)).", valueName: "name"))
    var bundled: String?

    @Option(name: .long, help: ArgumentHelp(
        "Comma-separated asset columns (at least 2; default: all columns of --bundled).", valueName: "a,b,c"))
    var columns: String?

    @Flag(name: .customLong("returns"), help: "The --data columns hold daily log returns, not prices.")
    var columnsAreReturns = false

    @Option(name: .customLong("date-column"), help: ArgumentHelp(
        "Date column of --data ('none': no dates). A file without a 'date' column is read without dates when this "
        + "is left at its default.", valueName: "name"))
    var dateColumn: String = "date"

    func validate() throws {
        guard (data == nil) != (bundled == nil) else {
            throw ValidationError("give exactly one of --data FILE or --bundled NAME (e.g. --bundled eu_stocks)")
        }
        if let bundled, BundledSeries(name: bundled) == nil {
            throw ValidationError("--bundled '\(bundled)' is not a bundled series; use one of \(BundledSeries.namesList)")
        }
        if data != nil && columns == nil {
            throw ValidationError("--data needs --columns a,b,... naming at least two asset columns")
        }
    }

    /// The asset names asked for.
    var names: [String]? {
        columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// The log returns of every asked column, on the file's shared days.
    /// - Throws: `TGFLError.data` naming file/row/column; `CommandFailure` for unknown columns.
    func load() throws -> (names: [String], columns: [[Double]]) {
        let market: MarketData
        if let bundled, let series = BundledSeries(name: bundled) {
            market = try MarketData.bundled(series, minimumReturns: 2)
        } else {
            let path = data!
            try requireReadableFile(path, what: "data file")
            let url = URL(fileURLWithPath: path), asked = names ?? []
            let dates: String? = ["none", ""].contains(dateColumn.lowercased()) ? nil : dateColumn
            market = try DataOptions.readWithDateFallback(path: path, dates: dates) { dates in
                columnsAreReturns
                    ? try MarketData(contentsOf: url, dateColumn: dates, returnColumns: asked, minimumReturns: 2)
                    : try MarketData(contentsOf: url, dateColumn: dates, priceColumns: asked, minimumReturns: 2)
            }
        }
        let all = market.allLogReturns()
        let wanted = names ?? all.map(\.name)
        guard wanted.count >= 2 else {
            throw CommandFailure("a joint model needs at least 2 asset columns, got \(wanted.count) (\(wanted.joined(separator: ",")))")
        }
        let columns = try wanted.map { name -> [Double] in
            guard let s = all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw CommandFailure("no column '\(name)'; the columns are \(all.map(\.name).joined(separator: ", "))")
            }
            return s.values
        }
        return (wanted.map { $0.lowercased() }, columns)
    }
}

/// The parts a joint model's data models are fitted with (`JointDataSettings`): `--whitening`,
/// `--no-tail-map`, `--no-variance-calibration`, `--no-regime-starts`, `--band-map`, `--regime-z-tail`, `--copula-fit` (train-joint, federate-joint).
struct JointFitFlags: ParsableArguments {
    @Option(name: .customLong("whitening"), help: ArgumentHelp(
        "Per-regime whitening rule: two-factor (default, session 18: encode the training days with each regime's z "
        + "covariance factor, generate with the return-correlation one), return-correlation (session 17: one factor "
        + "of each regime's z variances with the correlation that gives back its training days' return correlation) "
        + "or covariance (each regime's z covariance, as sessions 13–16; such a checkpoint is also read by older TGFL).",
        valueName: "rule"))
    var whitening: String = "two-factor"

    @Flag(name: .customLong("tail-map"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit and calibrate each asset's z tail map (--no-tail-map: none; replaces TGFL_JOINT_Z_TAIL=0)."))
    var tailMap = JointTailMap.enabledByDefault

    @Flag(name: .customLong("variance-calibration"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit and calibrate each asset's variance scale (--no-variance-calibration: none; replaces TGFL_JOINT_VARIANCE=0)."))
    var varianceCalibration = JointVarianceCalibration.enabledByDefault

    @Flag(name: .customLong("regime-starts"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit market-regime starts: a run under a regime starts each asset's volatility where the training days of "
        + "that market regime had it, not inside the asset's own regime band (session 19). --no-regime-starts: "
        + "none, as before (such a checkpoint is also read by older TGFL)."))
    var regimeStarts = JointDataSettings().regimeStarts

    @Flag(name: .customLong("band-map"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit and calibrate each asset's z band map: unconditional runs scale each asset's own z in its volatility band "
        + "to the spread of the training z of that band, shrunk toward 1 by its sampling error (sessions 20–21; default "
        + "on, /joint version 12). --no-band-map: none, as before (such a checkpoint is also read by older TGFL)."))
    var bandMap = JointDataSettings().bandMap
    @Flag(name: .customLong("regime-z-tail"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit and calibrate a regime z tail map: a run under a regime maps each asset's z onto the training z of that "
        + "market regime's days (session 20; off by default, see BENCHMARKS.md). Such a checkpoint is /joint version 11."))
    var regimeTailMap = JointDataSettings().regimeTailMap
    @Option(name: .customLong("copula-fit"), help: ArgumentHelp(
        "How the copula's ν is fitted: likelihood (default) or lower-tail (session 23: the ν whose lower-tail "
        + "coefficient at 5 % is nearest the training u's; the stored copula is the same kind, read by older TGFL).",
        valueName: "rule"))
    var copulaFit: String = JointDataSettings().copulaFit.rawValue
    @Option(name: .customLong("start-dependence"), help: ArgumentHelp(
        "How the assets' day-0 volatilities depend on each other in runs without a prompt: comonotone (default: one "
        + "uniform for every asset), fitted (session 24: a Gaussian copula with the training days' rank correlation "
        + "of σ, per market regime for regime runs) or independent (for comparisons); fitted and independent write "
        + "/joint version 13, refused by older TGFL.", valueName: "rule"))
    var startDependence: String = JointDataSettings().startDependence.rawValue

    func validate() throws { _ = try settings() }

    /// The settings the flags ask for.
    func settings() throws -> JointDataSettings {
        let rule: JointDataModels.Whitening
        do { rule = try JointDataModels.Whitening(fittableName: whitening, what: "--whitening") } catch TGFLError.invalidArgument(let message) {
            throw ValidationError(message)
        }
        guard let copulaRule = JointDataModels.CopulaFit(rawValue: copulaFit) else {
            throw ValidationError("--copula-fit must be likelihood or lower-tail, got \(copulaFit)")
        }
        guard let startRule = JointStartDependence.Rule(rawValue: startDependence) else {
            throw ValidationError("--start-dependence must be comonotone, fitted or independent, got \(startDependence)")
        }
        return JointDataSettings(whitening: rule, tailMap: tailMap, varianceCalibration: varianceCalibration,
                                 regimeStarts: regimeStarts, bandMap: bandMap, regimeTailMap: regimeTailMap,
                                 copulaFit: copulaRule, startDependence: startRule)
    }
}

/// `tgfl train-joint`: one model of K assets on shared days (issue 17).
struct TrainJointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-joint",
        abstract: "Train a joint scenario model of several assets (interleaved token stream).",
        discussion: """
            Each asset keeps its own GJR-GARCH volatility filter; the network reads the assets of a day \
            one after the other, so it learns their co-movement. The last --val-fraction of the days is \
            held out. The checkpoint records the asset names.

            Example:
              tgfl train-joint --bundled eu_stocks --steps 600 --out eu.h5
              tgfl train-joint --data prices.csv --columns dax,ftse --out pair.h5
            """)

    @OptionGroup var source: JointDataOptions

    @Option(help: ArgumentHelp("Model configuration: small, large, demo or tiny.", valueName: "name"))
    var config: ModelPreset = .demo

    @Option(name: .customLong("levels"), parsing: .unconditional, help: "Volatility levels per asset (S).")
    var levels: Int = 8

    @Option(parsing: .unconditional, help: "Total optimizer steps.")
    var steps: Int = 600

    @OptionGroup var parts: JointFitFlags

    @OptionGroup var training: TrainingRunOptions

    @Flag(name: .customLong("keep-best"), inversion: .prefixedNo,
          help: "Keep the parameters of the best validation evaluation (a few thousand days overfit fast).")
    var keepBest = true

    @Option(name: .customLong("eval-every"), parsing: .unconditional, help: "Steps between validation evaluations.")
    var evalEvery: Int = 20

    @Option(help: ArgumentHelp("Checkpoint to write (.h5).", valueName: "file"))
    var out: String

    func validate() throws {
        try Limits.check(steps, "--steps", 1, Limits.count)
        try Limits.check(evalEvery, "--eval-every", 1, Limits.count)
        try Limits.check(levels, "--levels", 2, 64)
    }

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        let (names, columns) = try source.load()
        logInfo("data: \(names.count) assets (\(names.joined(separator: ", "))), \(columns[0].count) days")
        let modelConfig = JointScenarioModel.config(base: config.config, assets: names.count, levels: levels)
        let model = try JointScenarioModel(config: modelConfig, assets: names.count, seed: training.seed)
        logInfo("model: \(config.rawValue) (\(describe(model.config))), \(model.network.transformer.parameterCount) parameters")
        let t = training
        var options = TrainingOptions(steps: steps, batchSize: t.batchSize, learningRate: t.lr, minLearningRate: t.lr / 10,
                                      validationFraction: t.valFraction, evaluateEvery: evalEvery, seed: t.seed,
                                      threads: t.threads)
        options.restoreBest = keepBest && t.valFraction > 0
        let bar = ProgressReporter(label: "train", unit: "steps", total: steps)
        let report = try runInterruptibly(bar: bar, saveOnInterrupt: out, save: { try model.save(to: $0) },
                                          interrupted: { "interrupted; saved the model so far to \($0 ?? out)" }) {
            try model.fit(columns: columns, names: names, options: options, data: try parts.settings()) { p in
                var metrics = [("loss", ProgressFormat.metric(p.trainLoss))]
                if let v = p.validationLoss { metrics.append(("val", ProgressFormat.metric(v))) }
                bar.update(completed: p.step, eta: p.etaSeconds, metrics: metrics)
                return !Interrupt.requested
            }
        }
        try model.save(to: out)
        var line = "trained \(report.stepsRun) steps: train loss \(ProgressFormat.metric(report.finalTrainLoss))"
        if let v = report.bestValidationLoss, let step = report.bestStep {
            line += ", best validation loss \(ProgressFormat.metric(v)) at step \(step)\(options.restoreBest ? " (kept)" : "")"
        }
        print(line)
        print("saved \(out)")
    }
}

/// Options shared by the commands that sample a joint model.
struct JointSamplingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Number of scenario paths.")
    var paths: Int = 1000

    @Option(parsing: .unconditional, help: "Days per path.")
    var horizon: Int = 10

    @Option(parsing: .unconditional, help: "Sampling temperature (1 = as trained).")
    var temperature: Double = 1

    @Option(parsing: .unconditional, help: "Seed; the same seed gives the same scenarios for any thread count.")
    var seed: UInt64 = 7

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: .customLong("copula"), inversion: .prefixedNo, help: ArgumentHelp(
        "Draw a day's uniforms from the model's t copula, so that the assets share their tails (--no-copula: "
        + "independent draws, as before the copula; a model saved without one always draws independently)."))
    var copula = true

    @Flag(name: .customLong("tail-map"), inversion: .prefixedNo, help: ArgumentHelp(
        "Map each asset's z tails onto its training z's (the model's z tail map; unconditional runs without a prompt). "
        + "--no-tail-map: as a model saved without one (replaces TGFL_JOINT_Z_TAIL=0)."))
    var tailMap = true

    @Flag(name: .customLong("variance-calibration"), inversion: .prefixedNo, help: ArgumentHelp(
        "Scale each asset's volatility intercept by the model's variance calibration (unconditional runs without a "
        + "prompt). --no-variance-calibration: as a model saved without one (replaces TGFL_JOINT_VARIANCE=0)."))
    var varianceCalibration = true

    @Flag(name: .customLong("regime-starts"), inversion: .prefixedNo, help: ArgumentHelp(
        "Under a regime, start and bound each asset's volatility on the model's market-regime starts, if it has them. "
        + "--no-regime-starts: inside each asset's own regime band, as a model saved without them."))
    var regimeStarts = true

    @Flag(name: .customLong("band-map"), inversion: .prefixedNo, help: ArgumentHelp(
        "Scale each asset's z by its volatility band with the model's z band map, if it has one (unconditional runs "
        + "without a prompt). --no-band-map: without the band scales (the variance scales stay those calibrated with them)."))
    var bandMap = true
    @Flag(name: .customLong("regime-z-tail"), inversion: .prefixedNo, help: ArgumentHelp(
        "Under a regime, map each asset's z with the model's regime z tail map, if it has one. --no-regime-z-tail: "
        + "as a model saved without one."))
    var regimeTailMap = true
    @Flag(name: .customLong("start-dependence"), inversion: .prefixedNo, help: ArgumentHelp(
        "Without a prompt, draw the assets' day-0 volatilities with the model's fitted start dependence, if it has one. "
        + "--no-start-dependence: one uniform for every asset, as a model saved without one."))
    var startDependence = true

    func validate() throws {
        try Limits.check(paths, "--paths", 1, Limits.count)
        try Limits.check(horizon, "--horizon", 1, Limits.count)
        guard temperature > 0, temperature.isFinite else { throw ValidationError("--temperature must be positive") }
        if let threads { try Limits.check(threads, "--threads", 1, Limits.threads) }
    }

    /// Generates with a progress bar.
    func generate(_ model: JointScenarioModel, regime: RegimeCondition, label: String) throws -> JointScenarioSet {
        let options = JointGenerationOptions(paths: paths, horizon: horizon, regime: regime, temperature: temperature,
                                             seed: seed, threads: threads, useCopula: copula, useTailMap: tailMap,
                                             useVarianceCalibration: varianceCalibration, useRegimeStarts: regimeStarts,
                                             useBandMap: bandMap, useRegimeTailMap: regimeTailMap,
                                             useStartDependence: startDependence)
        let bar = ProgressReporter(label: label, unit: "paths", total: paths)
        defer { bar.finish() }
        return try model.generate(options) { p in
            bar.update(completed: p.pathsCompleted, eta: p.etaSeconds, metrics: [("tok/s", ProgressFormat.rate(p.tokensPerSecond))])
            return !Interrupt.requested
        }
    }
}

/// Loads a joint checkpoint, naming the file.
func loadJointModel(_ path: String) throws -> JointScenarioModel {
    try requireReadableFile(path, what: "checkpoint")
    return try JointScenarioModel.load(from: path)
}

/// The CSV of joint scenarios: `path,day,regime,<asset…>`, one row per path and day.
func jointScenarioCSV(_ set: JointScenarioSet, paths: [Int]? = nil, regimeNames: [String]) -> String {
    var lines = ["path,day,regime," + set.assets.joined(separator: ",")]
    for p in paths ?? Array(0..<set.pathCount) {
        for d in 0..<set.horizon {
            let g = Int(set.regimes[p][d])
            let name = regimeNames.indices.contains(g) ? regimeNames[g] : "\(g)"
            lines.append("\(p),\(d + 1),\(name)," + set.returns[p][d].map { "\($0)" }.joined(separator: ","))
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

/// `tgfl generate-joint`: joint scenarios of a joint model as a long CSV.
struct GenerateJointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-joint",
        abstract: "Generate joint scenarios of several assets from a train-joint checkpoint.",
        discussion: """
            Writes path,day,regime,<asset…> rows of daily log returns. --regime fixes the market \
            regime of every day (name or index); without it each path moves between regimes on its own.

            Example:
              tgfl generate-joint --model eu.h5 --regime crisis --paths 1000 --horizon 10 --out crisis.csv
            """)

    @Option(help: ArgumentHelp("Joint checkpoint (from train-joint).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Market regime (calm, normal, volatile, crisis or an index); default: unconditional.",
                               valueName: "name"))
    var regime: String?

    @OptionGroup var sampling: JointSamplingOptions

    @Option(help: ArgumentHelp("CSV to write.", valueName: "file"))
    var out: String

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        let joint = try loadJointModel(model)
        let condition: RegimeCondition = try regime.map { .fixed(try joint.regimeIndex($0)) } ?? .unconditional
        Interrupt.install()
        let set = try sampling.generate(joint, regime: condition, label: "generate")
        try writeText(jointScenarioCSV(set, regimeNames: joint.dataModels!.regimeNames), to: out)
        print("wrote \(set.pathCount) paths × \(set.horizon) days × \(set.assets.count) assets to \(out)")
    }
}
