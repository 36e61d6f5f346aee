import ArgumentParser
import Foundation
import TGFLCore
import TGFLStats

// MARK: - The model under test (the lead replaces the bodies of these two functions with model v2)

/// Trains the scenario model the realism benchmark scores, on the first 80 % of one series.
///
/// Config `small` as model `version` (2 by default), trained as `tgfl train --keep-best` does (300 steps by
/// default, batch 32, peak learning rate 1e-3 with cosine decay to 1e-4, the last 20 % of the
/// training span held out for validation, the output prior on, and the parameters of the best
/// validation evaluation kept).
/// - Parameters:
///   - train: the training span of the series (its first 80 %).
///   - seed: seed of the initialization and the batches.
///   - steps: optimizer steps.
///   - version: the model version (1 or 2).
///   - precision: the training products' arithmetic (`MatmulPrecision`).
///   - adjust: changes to the options above (e.g. `--eval-at`, `--weight-decay`, `--lr`).
/// - Returns: the trained model (tokenizer and regime model fitted on `train`).
/// - Throws: the trainer's errors.
func trainRealismModel(train: ReturnSeries, seed: UInt64, steps: Int, version: Int = 2,
                       precision: MatmulPrecision = .float32,
                       adjust: (inout TrainingOptions) -> Void = { _ in },
                       progress: ((ScenarioModel, TrainingProgress) -> Void)? = nil) throws -> ScenarioModel {
    let model = try ScenarioModel(config: version >= 2 ? ModelConfig.small.v2() : .small, seed: seed)
    var options = TrainingOptions(steps: steps, batchSize: 32, learningRate: 1e-3, minLearningRate: 1e-4,
                                  validationFraction: 0.2, seed: seed)
    options.outputPrior = true
    options.restoreBest = true
    options.precision = precision
    adjust(&options)
    let trainer = try Trainer(model: model, options: options)
    _ = try trainer.fit(series: [train]) { p in
        progress?(model, p)
        return true
    }
    return model
}

/// `--main-selection`: the parameters main's model selection keeps (the lowest validation loss
/// among the evaluations every `TrainingOptions.evaluateEvery` steps and at the last step, the
/// earliest on ties, as `BestTracker`), collected from the progress reports of a run that
/// also evaluates at other steps (`--eval-at`; extra evaluations change no parameter).
final class MainSelection {
    let every: Int
    private(set) var loss: Double?
    private(set) var step: Int?
    private(set) var parameters: [Float]?

    init(every: Int) { self.every = every }

    func offer(_ model: ScenarioModel, _ p: TrainingProgress) {
        guard let v = p.validationLoss, p.step % every == 0 || p.step == p.totalSteps, v.isFinite,
              loss.map({ v < $0 }) ?? true else { return }
        loss = v
        step = p.step
        parameters = model.transformer.parameters()
    }

    /// A copy of `trained` (its data models) with the kept parameters, calibrated as
    /// `Trainer.fit` calibrates (`TrainingOptions.calibrateVolatility` on the days of `train`).
    func model(like trained: ScenarioModel, train: ReturnSeries) throws -> ScenarioModel {
        guard let parameters else { throw ValidationError("--main-selection: no evaluation on main's schedule") }
        let copy = try ScenarioModel(config: trained.config, seed: 0)
        try copy.setParameters(parameters)
        guard let dataModels = trained.dataModels else {
            throw ValidationError("--main-selection: the trained model has no data models to copy")
        }
        try copy.setDataModels(dataModels)
        let targets = try ScenarioModel.calibrationTargets(of: [train.values])
        _ = try copy.calibrateUnconditionalVolatility(targetVariance: targets.variance, targetMean: targets.mean,
                                                      options: VolatilityCalibrationOptions())
        return copy
    }
}

/// Generates the unconditional scenarios the realism benchmark scores.
///
/// Model v2 samples its own volatility and regime path (`.unconditional`). Model v1 has no
/// regime dynamics of its own: each group of 32 paths follows the regime path of a random
/// `horizon`-day window of the real training labels, as the v1 demo did for its "historical"
/// scenarios.
/// - Parameters:
///   - model: the trained model.
///   - training: the training span (v1: the source of the replayed regime paths).
///   - paths: number of paths.
///   - horizon: days per path.
///   - seed: seed of the windows and of the sampling.
/// - Returns: `paths` arrays of `horizon` daily log returns.
/// - Throws: generation errors; `TGFLError.invalidArgument` when the training span is shorter
///   than the horizon.
func generateRealismScenarios(model: ScenarioModel, training: ReturnSeries, paths: Int, horizon: Int,
                              seed: UInt64) throws -> [[Double]] {
    if model.config.modelVersion >= 2 {
        // Model v2 samples its own volatility and regime path.
        return try model.generate(GenerationOptions(paths: paths, horizon: horizon, regime: .unconditional,
                                                    seed: seed &+ 1000)).returns
    }
    let labels = try model.regimeLabels(of: training.values)
    guard labels.count >= horizon else {
        throw TGFLError.invalidArgument("the training span has \(labels.count) days, fewer than the horizon \(horizon)")
    }
    let group = 32
    var rng = SeededRNG(seed: seed, stream: 7)
    var out: [[Double]] = []
    out.reserveCapacity(paths)
    var g: UInt64 = 0
    while out.count < paths {
        let start = rng.int(below: labels.count - horizon + 1)
        let path = labels[start ..< start + horizon].map(Int.init)
        let n = min(group, paths - out.count)
        out += try model.generate(GenerationOptions(paths: n, horizon: horizon, regime: .path(path),
                                                    seed: seed &+ 1000 &+ g)).returns
        g += 1
    }
    return out
}

/// How the realism benchmark gets its model v2: trained on the one series alone, or
/// pretrained on the other bundled files and fine-tuned on the series.
struct RealismTraining: Sendable {
    /// Pretrain on every bundled file except the series' own (leave one file out), then fine-tune.
    var pretrain = false
    var pretrainSteps = 1500
    var fineTuneSteps = 300
    var fineTuneLearningRate = 3e-4
    var resetPrior = false
    /// Folder of the cached base models (`base-without-<file>.h5`).
    var cache = ".build/realism-pretrained"
}

/// The base model pretrained on every bundled series whose file is not `file` (their first 80 %),
/// cached in `cache` so that the series of one file share it.
func pretrainedBase(excludingFile file: String, all: [ReturnSeries], seed: UInt64,
                    settings: RealismTraining) throws -> ScenarioModel {
    let path = URL(fileURLWithPath: settings.cache)
        .appendingPathComponent("base-without-\(file)-s\(settings.pretrainSteps)-seed\(seed).h5").path
    if FileManager.default.fileExists(atPath: path) { return try ScenarioModel.load(from: path) }
    let corpus = all.filter { !$0.name.hasPrefix(file + ".") }.map { s -> ReturnSeries in
        let cut = Int((Double(s.values.count) * RealismBenchmark.trainFraction).rounded(.down))
        return ReturnSeries(name: s.name, dates: s.dates.map { Array($0[..<cut]) }, values: Array(s.values[..<cut]))
    }
    let model = try ScenarioModel(config: ModelConfig.small.v2(), seed: seed)
    var options = TrainingOptions(steps: settings.pretrainSteps, batchSize: 32, learningRate: 1e-3,
                                  minLearningRate: 1e-4, warmupSteps: 50, validationFraction: 0.1,
                                  evaluateEvery: 100, seed: seed)
    options.restoreBest = true
    let started = BenchmarkSupport.now()
    let report = try Trainer(model: model, options: options).pretrain(corpus: corpus) { p in
        if p.step % 100 == 0 {
            FileHandle.standardError.write(Data(("realism:     pretrain without \(file): step \(p.step)/\(p.totalSteps)"
                + (p.validationLoss.map { String(format: ", validation %.4f", $0) } ?? "")
                + String(format: ", %.0f tokens/s\n", p.tokensPerSecond)).utf8))
        }
        return true
    }
    FileHandle.standardError.write(Data(("realism:     pretrained without \(file) on \(corpus.count) series in "
        + RealismBenchmark.duration(BenchmarkSupport.now() - started)
        + ", best step \(report.bestStep.map(String.init) ?? "none")\n").utf8))
    try FileManager.default.createDirectory(atPath: settings.cache, withIntermediateDirectories: true)
    try model.save(to: path)
    return model
}

/// Fine-tunes a copy of the base on the training span `train` (`adaptDataModels`, then `fit`
/// with model selection).
func fineTuneRealismModel(base: ScenarioModel, train: ReturnSeries, seed: UInt64,
                          settings: RealismTraining) throws -> ScenarioModel {
    let model = try ScenarioModel(config: base.config, seed: seed)
    try model.setParameters(base.parameters())
    try model.setDataModels(base.dataModels!)
    try model.adaptDataModels(to: [train], trainFraction: 0.8, resetOutputPrior: settings.resetPrior)
    guard settings.fineTuneSteps > 0 else { return model }
    var options = TrainingOptions(steps: settings.fineTuneSteps, batchSize: 32,
                                  learningRate: settings.fineTuneLearningRate,
                                  minLearningRate: settings.fineTuneLearningRate / 10, warmupSteps: 10,
                                  validationFraction: 0.2, seed: seed)
    options.restoreBest = true
    _ = try Trainer(model: model, options: options).fit(series: [train])
    return model
}

// MARK: - The benchmark

/// `tgfl-bench realism`: issue 12's realism protocol on every bundled real series.
struct RealismBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realism",
        abstract: "Realism benchmark: train on the first 80 % of each bundled series, generate, score against the full series.",
        discussion: """
            For each bundled series (every column of every file; --series selects some): train the model \
            on the first 80 % of its daily log returns (trainRealismModel), generate --paths × --horizon \
            unconditional paths (generateRealismScenarios), and score them against the full series with \
            RealismScorecard (fair KS, kurtosis, fair ACF|r| and leverage errors, 1 % VaR/ES, per-regime \
            std/VaR/mean, memorization). Baseline scenario files written by \
            Benchmarks/realism_baselines.py into --baselines (GARCH(1,1)-t, GJR-GARCH skew-t, i.i.d. \
            bootstrap) are scored the same way and give the references of the ACF and leverage targets.

            Example:
              /work/pyref/bin/python Benchmarks/realism_baselines.py --out .build/realism-baselines
              tgfl-bench realism --series djia.close,eu_stocks.dax --paths 200 --json realism.json
            """)

    @Option(help: ArgumentHelp("Comma-separated series (e.g. djia.close) or files (e.g. eu_stocks: all its "
                               + "columns); default: all 18.", valueName: "names"))
    var series: String?
    @Option(name: .customLong("csv"), parsing: .singleValue, help: ArgumentHelp(
        "An outside series to score as well: a prices CSV with a 'date' column; every other column is a price "
        + "series named <file stem>.<column> (e.g. written by Benchmarks/external_series.py). Repeatable. With "
        + "--csv and no --series, only the CSVs are scored.", valueName: "file"))
    var csv: [String] = []
    @Option(help: "Paths per series.")
    var paths = 1000
    @Option(help: "Days per path.")
    var horizon = 250
    @Option(help: "Seed of training, generation and the scores' subsamples.")
    var seed: UInt64 = 42
    @Option(help: "Training steps.")
    var steps = 300
    @Option(name: .customLong("eval-at"), help: ArgumentHelp(
        "Also evaluate at these steps (comma-separated; 0 = the starting network, a model-selection candidate).",
        valueName: "steps"))
    var evalAt: String?
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay of the training.")
    var weightDecay = 0.01
    @Option(help: "Peak learning rate of the training (cosine decay to a tenth of it).")
    var lr = 1e-3
    @Option(help: "Early stopping of the training: evaluations without improvement (0 = off).")
    var patience = 0
    @Flag(name: .customLong("main-selection"), help: ArgumentHelp(
        "With --eval-at: also score the network main's model selection keeps (evaluations every 25 steps only), "
        + "from the same training run, as the method 'TGFL (main)'."))
    var mainSelection = false
    @Flag(name: .customLong("rematch-dependence"), help: ArgumentHelp(
        "After training, choose the generation recursion again on the trained model's own pilot paths before the "
        + "calibration (TrainingOptions.rematchDependence: ScenarioModel.rematchDependence, default grid, noise margin z = 2 and tail "
        + "guard; sessions 21–22)."))
    var rematchDependence = false
    @Flag(name: .customLong("train-only"), help: "Train only: print each series' validation curve and kept step (no scoring).")
    var trainOnly = false
    @Option(help: ArgumentHelp("Arithmetic of the training products: fp32 or bf16 (issue 18's bf16 mode).",
                               valueName: "fp32|bf16"))
    var precision = "fp32"
    @Option(name: .customLong("model-version"), help: ArgumentHelp(
        "TGFL model version (1: regime paths replayed from history; 2: volatility state and its own regime dynamics)."))
    var modelVersion = 2
    @Flag(help: "Pretrain on the other bundled files (leave one file out), then fine-tune on the series (model v2).")
    var pretrain = false
    @Option(name: .customLong("pretrain-steps"), help: "Pretraining steps (with --pretrain).")
    var pretrainSteps = 1500
    @Option(name: .customLong("finetune-steps"), help: "Fine-tuning steps (with --pretrain; 0: adapt the data models only).")
    var fineTuneSteps = 300
    @Option(name: .customLong("finetune-lr"), help: "Peak fine-tuning learning rate (with --pretrain).")
    var fineTuneLearningRate = 3e-4
    @Flag(name: .customLong("reset-prior"), help: "With --pretrain: reset the level priors to the series' own token counts.")
    var resetPrior = false
    @Option(name: .customLong("adapt-model"), help: ArgumentHelp(
        "Instead of training: adapt this trained model v2 (e.g. a federation's global model, tgfl-bench "
        + "federated-evidence --save-models) to each series' first 80 % with ScenarioModel.adaptingVolatility "
        + "(trainFraction 0.8, default calibration) and score that.", valueName: "file"))
    var adaptModel: String?
    @Option(help: ArgumentHelp("With --adapt-model: whose volatility dynamics the adapted model keeps (own: the "
                               + "series' own GJR-t fit; received: the model's, with the series' own level; received-filter, a diagnosis: "
                               + "received without the received generation recursion).",
                               valueName: "own|received|received-filter"))
    var dynamics = "own"
    @Option(help: ArgumentHelp("Folder of the baselines' scenario CSVs (Benchmarks/realism_baselines.py).",
                               valueName: "dir"))
    var baselines = ".build/realism-baselines"
    @Option(help: ArgumentHelp("Also write the full results as JSON to this file.", valueName: "file"))
    var json: String?
    @Option(help: ArgumentHelp("Also write the Markdown tables to this file.", valueName: "file"))
    var markdown: String?
    @Option(help: ArgumentHelp("Also save each series' trained model (<name>.h5) and TGFL scenarios (<name>.tgfl.csv) "
                               + "in this folder, for Benchmarks/dependence_diagnosis.py.", valueName: "dir"))
    var save: String?

    /// Fraction of each series the models are trained on.
    static let trainFraction = 0.8
    /// The baselines, as (file suffix, column title). Each is scored when its file exists; the
    /// oracle (the process that generated a simulated stand-in series) only exists for the
    /// stand-ins of `Benchmarks/oracle_calibration.py`.
    static let baselineMethods = [("garch_t", "GARCH(1,1)-t"), ("gjr_skewt", "GJR-GARCH skew-t"),
                                  ("bootstrap", "i.i.d. bootstrap"), ("oracle", "oracle (true process)")]

    func validate() throws {
        guard paths >= 1, horizon >= 52 else {
            throw ValidationError("--paths must be ≥ 1 and --horizon ≥ 52 (the ACF error runs to lag 50)")
        }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func run() throws {
        guard precision == "fp32" || precision == "bf16" else {
            throw ValidationError("--precision must be fp32 or bf16, got \(precision)")
        }
        let outside = try csv.flatMap(Self.outsideSeries)
        let selected = try (outside.isEmpty || series != nil
                            ? Self.select(try MarketData.bundledReturnSeries(), series) : []) + outside
        let clock = BenchmarkSupport.now()
        var results: [SeriesResult] = []
        let baselineDir = URL(fileURLWithPath: baselines)
        if !FileManager.default.fileExists(atPath: baselineDir.path) {
            progress("no baseline folder \(baselines): scoring TGFL only (run Benchmarks/realism_baselines.py "
                     + "--out \(baselines) first; the ACF and leverage targets need its GARCH files)")
        }
        if trainOnly {
            for s in selected { try screen(s) }
            return
        }
        for (i, s) in selected.enumerated() {
            let started = BenchmarkSupport.now()
            let elapsed = started - clock
            let eta = i == 0 ? "" : ", ETA " + Self.duration(elapsed / Double(i) * Double(selected.count - i))
            progress("[\(i + 1)/\(selected.count)] \(s.name): \(s.values.count) days; elapsed "
                     + Self.duration(elapsed) + eta)
            results.append(try score(s, baselineDir: baselineDir))
            if i + 1 < selected.count {   // partial results survive an interrupted run
                try write(results, seconds: BenchmarkSupport.now() - clock, final: false)
            }
            progress("[\(i + 1)/\(selected.count)] \(s.name) done in \(Self.duration(BenchmarkSupport.now() - started)): "
                     + "TGFL passes \(results.last!.methods[0].card.passedCount) of \(results.last!.methods[0].card.checkedCount)")
        }

        let seconds = BenchmarkSupport.now() - clock
        print(report(results, seconds: seconds))
        try write(results, seconds: seconds, final: true)
    }

    /// Writes --markdown and --json (atomically); after each series too, so that a long run
    /// leaves its finished series behind.
    func write(_ results: [SeriesResult], seconds: Double, final: Bool) throws {
        if let markdown {
            try Data(report(results, seconds: seconds).utf8).write(to: URL(fileURLWithPath: markdown), options: .atomic)
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf",
                                                                          negativeInfinity: "-inf", nan: "nan")
            let doc = RealismRun(modelVersion: modelVersion, paths: paths, horizon: horizon, seed: seed, steps: steps,
                                 trainFraction: Self.trainFraction, series: results)
            try encoder.encode(doc).write(to: URL(fileURLWithPath: json), options: .atomic)
            if final { progress("wrote \(json)") }
        }
    }

    // MARK: Scoring one series

    /// Trains the model under test on the first 80 % of `s` (as `--pretrain` and the training
    /// options say) and reports its model selection.
    func trainModel(_ s: ReturnSeries, train: ReturnSeries, main: MainSelection? = nil) throws -> ScenarioModel {
        var t0 = BenchmarkSupport.now()
        let model: ScenarioModel
        if let adaptModel {
            // received-filter (a diagnosis, not a library option): the received filter and level
            // fitting of .received, but unconditional generation with that filter's own GJR
            // recursion instead of the received matched one, then the same calibration.
            let filterOnly = dynamics == "received-filter"
            guard let d = filterOnly ? .received : AdaptedDynamics(rawValue: dynamics) else {
                throw ValidationError("--dynamics must be own, received or received-filter, got \(dynamics)")
            }
            let base = try ScenarioModel.load(from: adaptModel)
            if filterOnly {
                model = try base.adaptingVolatility(to: train, trainFraction: 0.8, calibration: nil, dynamics: d).model
                let current = model.dataModels!
                var v = current.volatility!
                v.generationDynamics = nil
                v.generationLevelLogQuantiles = nil
                try model.setDataModels(DataModels(tokenizer: current.tokenizer, regimes: current.regimes, volatility: v))
                let targets = try ScenarioModel.calibrationTargets(of: [train.values])
                _ = try model.calibrateUnconditionalVolatility(targetVariance: targets.variance, targetMean: targets.mean,
                                                               options: VolatilityCalibrationOptions())
            } else {
                model = try base.adaptingVolatility(to: train, trainFraction: 0.8, dynamics: d).model
            }
            let g = model.volatilityModel!.garch
            progress(String(format: "    adapted %@ (dynamics %@): persistence %.4f, α %.4f γ %.4f β %.4f%@", adaptModel,
                            dynamics, g.persistence, g.alpha, g.gamma, g.beta,
                            model.volatilityModel!.generationDynamics.map {
                                String(format: "; generation recursion α %.4f γ %.4f β %.4f power %d",
                                       $0.alpha, $0.gamma, $0.beta, $0.power) } ?? ""))
        } else if pretrain {
            let settings = RealismTraining(pretrain: true, pretrainSteps: pretrainSteps, fineTuneSteps: fineTuneSteps,
                                           fineTuneLearningRate: fineTuneLearningRate, resetPrior: resetPrior)
            let file = String(s.name.split(separator: ".")[0])
            let base = try pretrainedBase(excludingFile: file, all: try MarketData.bundledReturnSeries(), seed: seed,
                                          settings: settings)
            t0 = BenchmarkSupport.now()
            model = try fineTuneRealismModel(base: base, train: train, seed: seed, settings: settings)
        } else {
            let evaluationSteps = try (evalAt ?? "").split(separator: ",").map { item -> Int in
                guard let step = Int(item.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--eval-at: '\(item)' is not a step")
                }
                return step
            }
            model = try trainRealismModel(train: train, seed: seed, steps: steps, version: modelVersion,
                                          precision: precision == "bf16" ? .bfloat16 : .float32) { o in
                o.evaluationSteps = evaluationSteps
                o.weightDecay = weightDecay
                o.learningRate = lr
                o.minLearningRate = lr / 10
                o.patience = patience
                if trainOnly { o.calibrateVolatility = false }   // the screen looks at the network only
                if rematchDependence { o.rematchDependence = DependenceRematchOptions() }
            } progress: { main?.offer($0, $1) }
        }
        let summary = model.history.summary
        progress("    trained in \(Self.duration(BenchmarkSupport.now() - t0)); kept step \(summary["best_step"] ?? "?") "
                 + "(validation loss \(summary["best_validation_loss"] ?? "?"); initial "
                 + "\(summary["initial_validation_loss"] ?? "not evaluated"))")
        if let r = summary["dependence_rematch"] { progress("    dependence rematch: \(r)") }
        return model
    }

    /// `--train-only`: trains, prints the validation curve, saves the model with `--save`.
    func screen(_ s: ReturnSeries) throws {
        let cut = Int((Double(s.values.count) * Self.trainFraction).rounded(.down))
        let train = ReturnSeries(name: s.name, dates: s.dates.map { Array($0[..<cut]) }, values: Array(s.values[..<cut]))
        let model = try trainModel(s, train: train)
        let h = model.history
        let curve = h.records.compactMap { r in r.valLoss.map { String(format: "%d:%.4f", r.step, $0) } }
        print("screen \(s.name) initial \(h.summary["initial_validation_loss"] ?? "none") best_step "
              + "\(h.summary["best_step"] ?? "none") best \(h.summary["best_validation_loss"] ?? "none") curve "
              + curve.joined(separator: " "))
        if let save {
            try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
            try model.save(to: "\(save)/\(s.name).h5")
        }
    }

    func score(_ s: ReturnSeries, baselineDir: URL) throws -> SeriesResult {
        let cut = Int((Double(s.values.count) * Self.trainFraction).rounded(.down))
        let train = ReturnSeries(name: s.name, dates: s.dates.map { Array($0[..<cut]) }, values: Array(s.values[..<cut]))
        var t0 = BenchmarkSupport.now()
        let main = mainSelection ? MainSelection(every: TrainingOptions().evaluateEvery) : nil
        let model = try trainModel(s, train: train, main: main)
        let trainSeconds = BenchmarkSupport.now() - t0
        t0 = BenchmarkSupport.now()
        let tgfl = try generateRealismScenarios(model: model, training: train, paths: paths, horizon: horizon, seed: seed)
        let generateSeconds = BenchmarkSupport.now() - t0
        progress("    generated \(paths) × \(horizon) in \(Self.duration(generateSeconds))")
        if let save {
            try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true)
            try model.save(to: "\(save)/\(s.name).h5")
            try ScenarioSet(returns: tgfl).writeCSV(to: "\(save)/\(s.name).tgfl.csv")
        }

        // Every series, real or synthetic, is labelled by the same function of the trained model
        // (v1: trailing volatility; v2: the band of its filtered volatility); memorization uses
        // the held-out days after `cut` (ScenarioModel.realismScorecard, shared with tgfl demo).
        func card(_ paths: [[Double]], references: RealismReferences) throws -> RealismScorecard {
            try model.realismScorecard(real: s.values, trainingDays: cut, scenarios: paths, references: references,
                                       seed: seed)
        }

        // Baselines first: GARCH-t's ACF error and GJR's leverage error are references.
        var baselineCards: [(String, String, RealismScorecard)] = []
        for (key, title) in Self.baselineMethods {
            let file = baselineDir.appendingPathComponent("\(s.name).\(key).csv")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let scenarios = try Self.readScenarios(file, paths: paths, horizon: horizon)
            baselineCards.append((key, title, try card(scenarios, references: RealismReferences())))
        }
        let references = RealismReferences(
            acfAbsoluteError: baselineCards.first { $0.0 == "garch_t" }?.2.metrics.acfAbsoluteError,
            leverageError: baselineCards.first { $0.0 == "gjr_skewt" }?.2.metrics.leverageError)
        var methods = [MethodResult(key: "tgfl", title: "TGFL", card: try card(tgfl, references: references))]
        if let main {
            let kept = Int(model.history.summary["best_step"] ?? "") ?? -1
            progress("    main's selection (every \(main.every) steps): step \(main.step.map(String.init) ?? "none")"
                     + (main.step == kept ? ", the same as kept: same scenarios" : ", scored as TGFL (main)"))
            var mainCard = methods[0].card
            if main.step != kept {
                let other = try main.model(like: model, train: train)
                let scenarios = try generateRealismScenarios(model: other, training: train, paths: paths,
                                                             horizon: horizon, seed: seed)
                if let save { try ScenarioSet(returns: scenarios).writeCSV(to: "\(save)/\(s.name).tgfl_main.csv") }
                mainCard = try other.realismScorecard(real: s.values, trainingDays: cut, scenarios: scenarios,
                                                      references: references, seed: seed)
            }
            methods.append(MethodResult(key: "tgfl_main", title: "TGFL (main)", card: mainCard))
        }
        for (key, title, c) in baselineCards {
            var rechecked = c
            rechecked.references = references
            rechecked.targets = RealismScorecard.targets(metrics: c.metrics, references: references, options: c.options)
            methods.append(MethodResult(key: key, title: title, card: rechecked))
        }
        let span = s.dates.map { "\($0[0]) … \($0[$0.count - 1]); train to \($0[cut - 1])" } ?? "no dates"
        return SeriesResult(name: s.name, days: s.values.count, trainDays: cut, span: span,
                            trainSeconds: trainSeconds, generateSeconds: generateSeconds, methods: methods)
    }

    /// Reads a scenario CSV as `tgfl generate` writes it: an optional header (`r_1,…`), then one
    /// path of log returns per row.
    /// - Throws: `TGFLError.data` naming the file, row and column of a bad value, or a path count or
    ///   length that disagrees with --paths/--horizon.
    static func readScenarios(_ url: URL, paths: Int, horizon: Int) throws -> [[Double]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [[Double]] = []
        for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            if lineIndex == 0, Double(fields[0].trimmingCharacters(in: .whitespaces)) == nil { continue }   // header
            var row: [Double] = []
            row.reserveCapacity(fields.count)
            for (c, f) in fields.enumerated() {
                guard let v = Double(f.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw TGFLError.data(file: url.path, row: lineIndex, column: "\(c + 1)", message:
                        "'\(f)' is not a finite log return: re-run Benchmarks/realism_baselines.py")
                }
                row.append(v)
            }
            guard row.count == horizon else {
                throw TGFLError.data(file: url.path, row: lineIndex, column: nil, message:
                    "has \(row.count) days, --horizon is \(horizon): re-run Benchmarks/realism_baselines.py "
                    + "with --horizon \(horizon)")
            }
            out.append(row)
        }
        guard out.count == paths else {
            throw TGFLError.data(file: url.path, row: nil, column: nil, message:
                "has \(out.count) paths, --paths is \(paths): re-run Benchmarks/realism_baselines.py with --paths \(paths)")
        }
        return out
    }

    /// Every price column of an outside CSV (`--csv`) as log returns named `<file stem>.<column>`.
    /// - Throws: `TGFLError.data` naming the file for an unreadable file, a missing `date` column,
    ///   no price column or a bad price (row and column named).
    static func outsideSeries(_ path: String) throws -> [ReturnSeries] {
        let url = URL(fileURLWithPath: path)
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TGFLError.data(file: path, row: nil, column: nil, message: "cannot be read as UTF-8 text: \(error)")
        }
        let header = text.prefix { $0 != "\n" && $0 != "\r" }
        let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard names.contains("date") else {
            throw TGFLError.data(file: path, row: 1, column: nil, message:
                "has no 'date' column (found: \(names.joined(separator: ", "))); --csv takes a prices CSV with dates")
        }
        let columns = names.filter { $0 != "date" }
        guard !columns.isEmpty else {
            throw TGFLError.data(file: path, row: 1, column: nil, message: "has no price column besides 'date'")
        }
        let stem = url.deletingPathExtension().lastPathComponent
        return try MarketData(contentsOf: url, dateColumn: "date", priceColumns: columns).allLogReturns().map {
            var named = $0
            named.name = "\(stem).\($0.name)"
            return named
        }
    }

    /// The series named by `--series` (all when nil), in bundled order.
    static func select(_ all: [ReturnSeries], _ spec: String?) throws -> [ReturnSeries] {
        guard let spec else { return all }
        var picked: [ReturnSeries] = []
        for raw in spec.split(separator: ",") {
            let name = raw.trimmingCharacters(in: .whitespaces)
            let hits = all.filter { $0.name == name || $0.name.hasPrefix(name + ".") }
            guard !hits.isEmpty else {
                throw ValidationError("--series: no bundled series '\(name)'; use one of "
                                      + all.map(\.name).joined(separator: ", ") + " (or a file name, e.g. eu_stocks)")
            }
            for h in hits where !picked.contains(where: { $0.name == h.name }) { picked.append(h) }
        }
        return all.filter { s in picked.contains { $0.name == s.name } }
    }

    // MARK: Output

    func report(_ results: [SeriesResult], seconds: Double) -> String {
        var md = "## Realism benchmark — \(paths) paths × \(horizon) days, seed \(seed), \(steps) steps\n\n"
        md += "Each model is trained on the first \(Int(Self.trainFraction * 100)) % of the series and scored against "
            + "the full series (\(Self.duration(seconds)) in all). Cells: value and PASS/FAIL; `—` = not checked.\n\n"
        for r in results {
            md += "### \(r.name) (\(r.days) days, \(r.span); train \(r.trainDays) days)\n\n"
            let methods = r.methods
            md += "| Target | Tolerance | Reference | " + methods.map(\.title).joined(separator: " | ") + " |\n"
            md += "|---|---|---|" + methods.map { _ in "---|" }.joined() + "\n"
            for (k, target) in methods[0].card.targets.enumerated() {
                var row = "| \(Self.cell(target.name)) | \(Self.cell(target.tolerance)) | \(Self.number(target.reference)) |"
                for m in methods {
                    let t = m.card.targets[k]
                    row += " \(Self.number(t.value)) \(Self.verdict(t.passed)) |"
                }
                md += row + "\n"
            }
            md += "| **PASS count** | | | " + methods.map { "**\($0.card.passedCount)/\($0.card.checkedCount)**" }
                .joined(separator: " | ") + " |\n\n"
        }

        // Summary: series × target group, TGFL.
        md += "### Summary: TGFL, PASS per target group\n\n"
        let groups = Self.targetGroups
        md += "| Series | " + groups.map(\.title).joined(separator: " | ") + " | PASS |\n"
        md += "|---|" + groups.map { _ in "---|" }.joined() + "---|\n"
        var columnPasses = [Int](repeating: 0, count: groups.count)
        var columnChecked = [Int](repeating: 0, count: groups.count)
        for r in results {
            let card = r.methods[0].card
            var row = "| \(r.name) |"
            for (gi, g) in groups.enumerated() {
                let ts = card.targets.filter { g.matches($0.key) && $0.passed != nil }
                let pass = ts.filter { $0.passed == true }.count
                columnPasses[gi] += pass; columnChecked[gi] += ts.count
                row += ts.isEmpty ? " — |" : ts.count == 1 ? " \(pass == 1 ? "PASS" : "FAIL") |" : " \(pass)/\(ts.count) |"
            }
            md += row + " \(card.passedCount)/\(card.checkedCount) |\n"
        }
        md += "| **all series** |" + zip(columnPasses, columnChecked).map { " **\($0)/\($1)** |" }.joined()
            + " **\(columnPasses.reduce(0, +))/\(columnChecked.reduce(0, +))** |\n\n"

        // Summary: method × series, PASS counts.
        let titles = results.first?.methods.map(\.title) ?? []
        md += "### Summary: PASS count per method\n\n| Series | " + titles.joined(separator: " | ") + " |\n"
        md += "|---|" + titles.map { _ in "---|" }.joined() + "\n"
        var totals = [(Int, Int)](repeating: (0, 0), count: titles.count)
        for r in results {
            md += "| \(r.name) |"
            for (i, t) in titles.enumerated() {
                if let m = r.methods.first(where: { $0.title == t }) {
                    md += " \(m.card.passedCount)/\(m.card.checkedCount) |"
                    totals[i].0 += m.card.passedCount; totals[i].1 += m.card.checkedCount
                } else { md += " — |" }
            }
            md += "\n"
        }
        md += "| **all** |" + totals.map { " **\($0.0)/\($0.1)** |" }.joined() + "\n"
        return md
    }

    /// Columns of the summary table: target keys grouped.
    struct TargetGroup: Sendable { var title: String; var matches: @Sendable (String) -> Bool }
    static let targetGroups: [TargetGroup] = [
        TargetGroup(title: "KS p") { $0 == FactKey.ksFair.rawValue },
        TargetGroup(title: "kurtosis") { $0 == FactKey.excessKurtosis.rawValue },
        TargetGroup(title: "ACF\\|r\\| ≤ GARCH-t") { $0 == FactKey.acfAbsError.rawValue },
        TargetGroup(title: "leverage ≤ GJR") { $0 == FactKey.leverageError.rawValue },
        TargetGroup(title: "VaR 1%") { $0 == FactKey.var1.rawValue },
        TargetGroup(title: "ES 1%") { $0 == FactKey.es1.rawValue },
        TargetGroup(title: "regime std") { $0.hasPrefix(FactKey.regimeStdPrefix) },
        TargetGroup(title: "regime VaR") { $0.hasPrefix(FactKey.regimeVaRPrefix) },
        TargetGroup(title: "crisis mean sign") { $0 == FactKey.crisisMean.rawValue },
        TargetGroup(title: "memorization") { $0 == FactKey.memorization.rawValue },
    ]

    static func number(_ x: Double?) -> String {
        guard let x else { return "—" }
        guard x.isFinite else { return "\(x)" }
        if x != 0 && (abs(x) < 1e-3 || abs(x) >= 1e5) { return String(format: "%.2e", x) }
        return String(format: "%.4g", x)
    }

    /// Text for a Markdown table cell (`|` escaped).
    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func verdict(_ passed: Bool?) -> String { passed.map { $0 ? "PASS" : "**FAIL**" } ?? "" }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t % 3600 / 60)
            : t >= 60 ? String(format: "%dm%02ds", t / 60, t % 60) : "\(t)s"
    }

    func progress(_ line: String) {
        FileHandle.standardError.write(Data(("realism: " + line + "\n").utf8))
    }
}

/// One method's scorecard on one series.
struct MethodResult: Encodable {
    var key: String
    var title: String
    var card: RealismScorecard
}

/// One series' results.
struct SeriesResult: Encodable {
    var name: String
    var days: Int
    var trainDays: Int
    var span: String
    var trainSeconds: Double
    var generateSeconds: Double
    var methods: [MethodResult]

    enum CodingKeys: String, CodingKey {
        case name, days, span, methods
        case trainDays = "train_days"
        case trainSeconds = "train_seconds"
        case generateSeconds = "generate_seconds"
    }
}

/// The `--json` document.
struct RealismRun: Encodable {
    var modelVersion: Int
    var paths: Int
    var horizon: Int
    var seed: UInt64
    var steps: Int
    var trainFraction: Double
    var series: [SeriesResult]

    enum CodingKeys: String, CodingKey {
        case paths, horizon, seed, steps, series
        case modelVersion = "model_version"
        case trainFraction = "train_fraction"
    }
}
