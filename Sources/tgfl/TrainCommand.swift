import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl train`: central training of a scenario model on one return series.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a scenario model on daily returns and save it as an HDF5 checkpoint.",
        discussion: """
            Without --data the bundled S&P 500 daily closes (1999–2018) are used. The tokenizer and \
            the regime model are fitted on the training span only (the last --val-fraction of the days \
            is held out for validation). Ctrl-C stops after the current step and still saves the \
            checkpoint, which --resume continues.

            Example:
              tgfl train --config small --steps 300 --out model.h5
              tgfl train --data prices.csv --column close --steps 1000 --out model.h5
            """)

    @OptionGroup var source: DataOptions
    @OptionGroup var priceGuard: PriceGuardOptions

    @Option(help: ArgumentHelp("Model configuration: small, large, demo (T=64) or tiny (smoke tests).",
                               valueName: "name"))
    var config: ModelPreset = .small

    @OptionGroup var version: ModelVersionOption

    @Option(parsing: .unconditional, help: "Total optimizer steps (with --resume: continue up to this total).")
    var steps: Int = 300

    @OptionGroup var training: TrainingRunOptions

    @Option(parsing: .unconditional, help: "Early stopping: evaluations without improvement before stopping (0 = off).")
    var patience: Int = 0

    @Option(name: .customLong("input-jitter"), parsing: .unconditional, help: ArgumentHelp(
        "Regularizer: move each input token of a training batch by a random offset of up to K bins (targets stay exact).",
        valueName: "K"))
    var inputJitter: Int = 0

    @Option(help: ArgumentHelp(
        "Arithmetic of the training products: fp32 (default) or bf16 (operands rounded to bfloat16, sums in fp32, "
        + "as PyTorch's CPU autocast; native on AVX512_BF16 CPUs, emulated elsewhere).", valueName: "fp32|bf16"))
    var precision: PrecisionChoice = .fp32

    @OptionGroup var selection: ModelSelectionOptions

    @Option(name: .customLong("eval-at"), parsing: .unconditional, help: ArgumentHelp(
        "Also evaluate on the validation days at these steps (comma-separated, 0 = before the first step, so that "
        + "--keep-best can keep the starting network), besides every 25 steps and the last one.", valueName: "steps"))
    var evalAt: String?

    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "AdamW decoupled weight decay.")
    var weightDecay: Double = 0.01

    @Option(help: ArgumentHelp("Checkpoint to write (.h5).", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("Checkpoint to continue training from (its config is used).", valueName: "file"))
    var resume: String?

    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Pretrained model v2 to fine-tune (a checkpoint from `tgfl pretrain`): its network and tokenizer are kept, "
        + "its volatility filter and regimes are refitted on the training span of this data (its config is used).",
        valueName: "file"))
    var initFrom: String?

    @Flag(name: .customLong("reset-prior"), help: ArgumentHelp(
        "With --init: reset the level priors (output biases) to this data's token counts before fine-tuning."))
    var resetPrior = false

    @Flag(name: .customLong("volatility-calibration"), inversion: .prefixedNo, help: ArgumentHelp(
        "Model v2: after training, calibrate the volatility level of unconditional generation to the training "
        + "variance (a few seconds of pilot generation); --no-volatility-calibration keeps the fitted filter's level."))
    var volatilityCalibration = true

    @Flag(name: .customLong("rematch-dependence"), help: ArgumentHelp(
        "Model v2 (off by default): after training, before the calibration, choose the volatility recursion of "
        + "unconditional generation again on 12 × 128 pilot paths of the trained model itself (about 4 s on the small "
        + "config), keeping the current one unless the gain exceeds 2 jackknife SEs of the pilots' noise and refusing "
        + "candidates that fatten the pilots' tails; BENCHMARKS.md \"The rematch with a noise margin and a tail term "
        + "(session 22, dep22)\"."))
    var rematchDependence = false

    func validate() throws {
        try Limits.check(steps, "--steps", 1, Limits.count)
        try Limits.check(patience, "--patience", 0, Limits.count)
        try Limits.check(inputJitter, "--input-jitter", 0, 4095)
        if initFrom != nil && resume != nil {
            throw ValidationError("give either --init (fine-tune a pretrained model) or --resume (continue a run), not both")
        }
        if resetPrior && initFrom == nil { throw ValidationError("--reset-prior applies to --init only") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw ValidationError("--weight-decay must be ≥ 0 and finite, got \(weightDecay)")
        }
        _ = try evaluationSteps()
    }

    /// `--eval-at` as steps, each in 0...--steps.
    func evaluationSteps() throws -> [Int] {
        guard let evalAt else { return [] }
        return try evalAt.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let step = Int(text), (0...steps).contains(step) else {
                throw ValidationError("--eval-at: '\(text)' is not a step in 0...\(steps) (--steps)")
            }
            return step
        }
    }

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        let series = try source.load()
        try priceGuard.check(series, source: source.sourceName)
        logInfo("data: \(source.sourceName): \(series.values.count) daily log returns\(dateSpan(series))")

        let model: ScenarioModel
        if let resume {
            try requireReadableFile(resume, what: "checkpoint")
            model = try ScenarioModel.load(from: resume)
            let step = model.optimizerState?.step ?? 0
            logInfo("resuming \(resume) (\(describe(model.config))) at step \(step)")
            if step >= steps {
                logWarning("the checkpoint is already at step \(step) ≥ --steps \(steps): training restarts "
                            + "the schedule from step 0; pass a larger --steps to continue")
            }
        } else if let initFrom {
            model = try Self.fineTuneStart(initFrom, series: series, trainFraction: 1 - training.valFraction,
                                           resetPrior: resetPrior)
        } else {
            model = try ScenarioModel(config: config.config(version: version.modelVersion), seed: training.seed)
            logInfo("model: \(config.rawValue) (\(describe(model.config))), "
                     + "\(model.transformer.parameterCount) parameters")
        }
        if rematchDependence, model.config.modelVersion < 2 {
            throw ValidationError("--rematch-dependence needs model v2 (a volatility recursion to choose); this run "
                + "trains model v\(model.config.modelVersion): add --model-version 2 or leave the flag out")
        }
        let t = training
        if rematchDependence {
            try DependenceRematchOptions.requireChunk(seriesLengths: [series.values.count],
                                                      trainFraction: 1 - t.valFraction, option: "--rematch-dependence")
        }
        var options = TrainingOptions(steps: steps, batchSize: t.batchSize, learningRate: t.lr,
                                      minLearningRate: t.lr / 10, validationFraction: t.valFraction,
                                      patience: patience, seed: t.seed, threads: t.threads)
        options.outputPrior = selection.outputPrior
        options.restoreBest = selection.keepBestTraining
        options.evaluationSteps = try evaluationSteps()
        options.weightDecay = weightDecay
        options.inputJitter = inputJitter
        options.precision = precision.matmulPrecision
        if precision == .bf16 && !MatmulPrecision.bfloat16IsNative {
            logWarning("--precision bf16: this CPU has no AVX512_BF16 (kernels: \(KernelRuntime.instructionSet)); "
                       + "the bf16 operands are emulated in fp32 products, with no speed gain")
        }
        options.allowPrices = priceGuard.allowPrices
        options.calibrateVolatility = volatilityCalibration
        if rematchDependence { options.rematchDependence = DependenceRematchOptions() }
        let report = try trainWithProgress(model: model, series: [series.values], options: options,
                                           saveOnInterrupt: out)
        try model.save(to: out)
        var line = "trained \(report.stepsRun) steps: train loss \(ProgressFormat.metric(report.finalTrainLoss))"
        if let v = report.bestValidationLoss { line += ", best validation loss \(ProgressFormat.metric(v))" }
        if report.stoppedEarly { line += " (stopped early)" }
        if selection.keepBestTraining, let step = report.bestStep { line += "; kept the parameters of step \(step)" }
        print(line)
        if let r = report.dependenceRematch { print("dependence rematch: " + r.summary) }
        if let c = report.volatilityCalibration { printCalibration(c, model: model) }
        print("saved \(out)")
    }
}

extension TrainCommand {
    /// Loads a pretrained model and adapts its data models to `series` (`adaptDataModels`),
    /// recording the series in its pretraining record.
    /// - Throws: `CommandFailure` for a v1 checkpoint.
    static func fineTuneStart(_ path: String, series: ReturnSeries, trainFraction: Double,
                              resetPrior: Bool) throws -> ScenarioModel {
        try requireReadableFile(path, what: "checkpoint")
        let model = try ScenarioModel.load(from: path)
        guard model.config.modelVersion >= 2 else {
            throw CommandFailure("--init \(path) is a model v1; fine-tuning needs a model v2 from `tgfl pretrain`")
        }
        try model.adaptDataModels(to: [series], trainFraction: trainFraction, resetOutputPrior: resetPrior)
        if var record = try model.pretrainingRecord() {
            record.fineTunedOn.append(series.name)
            try model.setPretrainingRecord(record)
            logInfo("fine-tuning \(path) (pretrained on \(record.series.count) series, \(record.days) days)")
        } else {
            logInfo("fine-tuning \(path) (no pretraining record: a model trained on other data)")
        }
        return model
    }
}

/// The line `tgfl train` and `tgfl federate` print after calibrating the volatility level;
/// `target` names where the target came from ("the data", or under DP the public series and
/// the released level).
func calibrationLine(_ c: VolatilityCalibration, target: String = "the data") -> String {
    var line = String(format: "calibrated the volatility level: ω %.3g → %.3g, generated std %.4g against the std "
                      + "%.4g of %@ (%+.1f %% in variance)", c.fittedOmega, c.omega, c.variance.squareRoot(),
                      c.targetVariance.squareRoot(), target, 100 * c.relativeError)
    if let m = c.targetMean {
        line += String(format: "; daily drift %.2e → %.2e (%@)", c.pilotMean, m,
                       target == "the data" ? "the data's" : "the public data's")
    }
    return line
}

/// Prints `calibrationLine`, and warns when the calibration missed its target by more than
/// 10 % in variance (e.g. a fitted filter at persistence 1, whose 250-day pilots never reach a
/// stationary level, so ω barely moves their variance).
func printCalibration(_ c: VolatilityCalibration, model: ScenarioModel, target: String = "the data") {
    print(calibrationLine(c, target: target))
    guard abs(c.relativeError) > 0.1 else { return }
    var message = String(format: "the volatility calibration missed its target by %+.0f %% in variance after %d pilot runs: "
                         + "unconditional scenarios will be %@ than the data", 100 * c.relativeError, c.omegas.count,
                         c.relativeError < 0 ? "calmer" : "wilder")
    if let v = model.volatilityModel, v.garch.persistence > 0.999 {
        message += String(format: "; the fitted volatility filter has persistence %.4f (a unit root: no stationary level "
                           + "to calibrate to) — check the data for stale prices (runs of zero returns) or level "
                           + "breaks, or use a longer or cleaner span", v.garch.persistence)
    }
    logWarning(message)
}

/// ` (1999-01-05 … 2018-12-31)` for a dated series, else empty.
func dateSpan(_ series: ReturnSeries) -> String {
    guard let d = series.dates, let first = d.first, let last = d.last else { return "" }
    return " (\(first) … \(last))"
}

/// Trains with a progress bar on stderr. Ctrl-C stops after the current step; when
/// `saveOnInterrupt` is given the model (at its last completed step) is saved there and the
/// command fails with a message saying so.
/// - Throws: the trainer's errors; `CommandFailure` after an interrupt.
func trainWithProgress(model: ScenarioModel, series: [[Double]], options: TrainingOptions,
                       saveOnInterrupt: String?) throws -> TrainingReport {
    let trainer = try Trainer(model: model, options: options)
    let bar = ProgressReporter(label: "train", unit: "steps", total: options.steps)
    var lastStep = 0
    return try runInterruptibly(bar: bar, saveOnInterrupt: saveOnInterrupt, save: { try model.save(to: $0) }, interrupted: {
        $0.map { "interrupted at step \(lastStep); saved the model so far to \($0) (continue with --resume \($0))" }
            ?? "interrupted at step \(lastStep)"
    }) {
        try trainer.fit(series: series) { p in
            lastStep = p.step
            var metrics = [("loss", ProgressFormat.metric(p.trainLoss))]
            if let v = p.validationLoss { metrics.append(("val", ProgressFormat.metric(v))) }
            metrics.append(("tok/s", ProgressFormat.rate(p.tokensPerSecond)))
            bar.update(completed: p.step, eta: p.etaSeconds, metrics: metrics)
            return !Interrupt.requested
        }
    }
}

/// `--precision` of `tgfl train`.
enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case fp32, bf16

    var matmulPrecision: MatmulPrecision { self == .bf16 ? .bfloat16 : .float32 }
}
