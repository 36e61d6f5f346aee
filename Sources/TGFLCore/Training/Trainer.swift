import Foundation

/// Settings of central training (`Trainer`).
public struct TrainingOptions: Sendable {
    /// Total optimizer steps of the run (the schedule's length), ≥ 1.
    public var steps: Int
    /// Windows per batch B, ≥ 1.
    public var batchSize: Int
    /// Window length T (nil: the model's context length), in `1 ... context_length`.
    public var sequenceLength: Int?
    /// Peak learning rate, > 0.
    public var learningRate: Double
    /// Final learning rate of the cosine decay, in `0 ... learningRate`.
    public var minLearningRate: Double
    /// Linear warm-up steps (clamped to `steps`), ≥ 0.
    public var warmupSteps: Int
    /// AdamW decoupled weight decay, ≥ 0.
    public var weightDecay: Double
    /// Maximum global gradient norm; 0 turns clipping off.
    public var gradientClip: Double
    /// Fraction of each series' most recent days held out for validation, in `[0, 1)`.
    public var validationFraction: Double
    /// Steps between validation evaluations (and history records), ≥ 1.
    public var evaluateEvery: Int
    /// Further steps at which to evaluate, besides every `evaluateEvery` steps and the last one,
    /// each in `0 ... steps`. Step 0 evaluates the parameters the run starts from, before the
    /// first update (for a fresh model: the initial network with the output prior), so that model
    /// selection (`restoreBest`) can keep them; it is recorded in the history's summary
    /// (`initial_validation_loss`), not as a record. Empty by default (evaluations every
    /// `evaluateEvery` steps only, as before). These evaluations count towards `patience`.
    /// Not a default: with `[0, 5, 10, 15, 20]` the realism benchmark keeps an early network on
    /// all 18 bundled series and loses 6 targets, mostly the one-day tails of the short series
    /// (BENCHMARKS.md "What the network adds beyond the recursion (session 17, net17)").
    public var evaluationSteps: [Int] = []
    /// Early stopping: stop after this many evaluations without a new best validation loss;
    /// 0 turns it off.
    public var patience: Int
    /// Seed of the batch sampling.
    public var seed: UInt64
    /// Worker threads (nil: the model's current count). Results do not depend on it.
    public var threads: Int?
    /// The arithmetic of the training products (`MatmulPrecision`): `.float32` (default) or
    /// `.bfloat16` operands with Float32 sums, PyTorch autocast's bf16 on a CPU. Validation
    /// losses use the same arithmetic; generation is always Float32.
    public var precision: MatmulPrecision = .float32
    /// When the trainer fits the data models of a model that has none, also set `head.bias`
    /// to the smoothed log frequencies of the training tokens (`ScenarioModel.setOutputPrior`).
    /// Without it a fresh model starts uniform over all V tokens, most of which lie in the far
    /// tails, and short runs generate far too many extreme days. A model that already has its
    /// data models is never touched.
    public var outputPrior = true
    /// Model selection: when the run ends (all steps, or early stopping), set the parameters to
    /// those of the evaluation with the lowest validation loss, as Keras'
    /// `EarlyStopping(restore_best_weights=True)`. The best is tracked within one `fit` call;
    /// a cancelled run keeps its last parameters. Without validation data it does nothing.
    /// On by default (unlike Keras): a v2 network trained on one series overfits within 25–50
    /// steps at the default rate (S&P 500 and IBM, 300 steps: best validation at step 25, and
    /// the last parameters generate paths whose volatility decays to 0.66× the real level
    /// within a year; BENCHMARKS.md "Model selection by default").
    public var restoreBest = true
    /// Input-token jitter in bins (`TrainingBatch.jitterInputs(by:vocabSize:using:)`): each input
    /// token of a training batch moves by a uniform offset in `−k … k`; targets and validation
    /// batches stay exact. 0 (the default) turns it off.
    public var inputJitter = 0
    /// Skip the warning for series that look like prices rather than log returns
    /// (`DataSanity.pricesWarning`).
    public var allowPrices = false
    /// After training a v2 model, calibrate the intercept of unconditional generation so that
    /// generated returns have the variance of the days given to `fit` (training and validation
    /// spans)
    /// (`ScenarioModel.calibrateUnconditionalVolatility`; a few seconds of pilot generation).
    /// On by default: without it the generated volatility level is the fitted filter's implied
    /// one, 0.86× the real std on the NYSE (BENCHMARKS.md "Volatility calibration").
    public var calibrateVolatility = true
    /// After training a v2 model whose data models this call fitted, choose the recursion of
    /// unconditional generation again on every day given to `fit` (training and validation
    /// spans), before the calibration (`ScenarioModel.matchGenerationDependence(on:seed:)`);
    /// false: keep the one `DataModels.fit` matched on the training spans. Off by default (env
    /// `TGFL_MATCH_ALL_DAYS=1` turns the default on): on 9 series of the realism benchmark it
    /// gained 3 targets (ACF|r| 2), but lost one leverage target
    /// (BENCHMARKS.md "Leverage, EGARCH and the choice rule (session 11)").
    public var matchDependenceOnAllDays = ScenarioModel.matchesDependenceOnAllDays
    /// The pilot runs of that calibration (its seed defaults to 0, independent of `seed`'s use
    /// for batches; its threads default to `threads`).
    public var volatilityCalibration = VolatilityCalibrationOptions()
    /// After training a v2 model, before the calibration: choose the recursion of unconditional
    /// generation again on pilot paths of the trained model itself
    /// (`ScenarioModel.rematchDependence`, fair curves of the training spans, the target of the
    /// calibration; its threads default to `threads`). nil (the default): off, the recursion
    /// `DataModels.fit` matched on i.i.d. z is kept (BENCHMARKS.md "A dependence match on the
    /// model's own pilots (session 21, dep21)").
    public var rematchDependence: DependenceRematchOptions?

    public init(steps: Int = 300, batchSize: Int = 32, sequenceLength: Int? = nil, learningRate: Double = 1e-3,
                minLearningRate: Double = 1e-4, warmupSteps: Int = 20, weightDecay: Double = 0.01,
                gradientClip: Double = 1.0, validationFraction: Double = 0.2, evaluateEvery: Int = 25,
                patience: Int = 0, seed: UInt64 = 42, threads: Int? = nil) {
        self.steps = steps; self.batchSize = batchSize; self.sequenceLength = sequenceLength
        self.learningRate = learningRate; self.minLearningRate = minLearningRate
        self.warmupSteps = warmupSteps; self.weightDecay = weightDecay; self.gradientClip = gradientClip
        self.validationFraction = validationFraction; self.evaluateEvery = evaluateEvery
        self.patience = patience; self.seed = seed; self.threads = threads
    }

    /// Most validation windows one evaluation uses (evenly spaced over the validation set).
    public static let maxValidationWindows = 256
}

/// Progress of a training run, reported after every step.
public struct TrainingProgress: Sendable {
    /// Completed steps (1-based, counting resumed ones).
    public var step: Int
    /// Steps of the whole run.
    public var totalSteps: Int
    /// Epochs completed, `step · B / training windows`.
    public var epoch: Double
    /// Loss of this step's batch (nats per token).
    public var trainLoss: Double
    /// Validation loss, when it was evaluated at this step.
    public var validationLoss: Double?
    /// Training tokens per second in this run so far.
    public var tokensPerSecond: Double
    /// Seconds since this run started.
    public var elapsedSeconds: Double
    /// Estimated seconds left.
    public var etaSeconds: Double

    public init(step: Int, totalSteps: Int, epoch: Double, trainLoss: Double, validationLoss: Double?,
                tokensPerSecond: Double, elapsedSeconds: Double, etaSeconds: Double) {
        self.step = step; self.totalSteps = totalSteps; self.epoch = epoch; self.trainLoss = trainLoss
        self.validationLoss = validationLoss; self.tokensPerSecond = tokensPerSecond
        self.elapsedSeconds = elapsedSeconds; self.etaSeconds = etaSeconds
    }
}

/// What a training run did.
public struct TrainingReport: Sendable {
    /// Steps taken in this call (not counting resumed ones).
    public var stepsRun: Int
    /// Lowest validation loss seen in this call (nil without validation data).
    public var bestValidationLoss: Double?
    /// Loss of the last step's batch.
    public var finalTrainLoss: Double
    /// Whether early stopping ended the run.
    public var stoppedEarly: Bool
    /// Step of the lowest validation loss (nil without validation data); with
    /// `TrainingOptions.restoreBest` the model holds that step's parameters.
    public var bestStep: Int?
    /// Whether the progress callback stopped the run (`fit` then throws `.cancelled`
    /// instead of returning, so a returned report has `false`).
    public var cancelled: Bool
    /// The calibration of unconditional generation after training (`TrainingOptions.calibrateVolatility`;
    /// nil for v1 models or when off).
    public var volatilityCalibration: VolatilityCalibration?
    /// What the rematch on the model's own pilots did (`TrainingOptions.rematchDependence`; nil when off).
    public var dependenceRematch: DependenceRematch?

    public init(stepsRun: Int, bestValidationLoss: Double?, finalTrainLoss: Double, stoppedEarly: Bool,
                cancelled: Bool, bestStep: Int? = nil) {
        self.stepsRun = stepsRun; self.bestValidationLoss = bestValidationLoss; self.bestStep = bestStep
        self.finalTrainLoss = finalTrainLoss; self.stoppedEarly = stoppedEarly; self.cancelled = cancelled
    }
}

/// Central (single-site) training of a `ScenarioModel` on return series.
///
/// ```
/// k_j = ⌊(1 − validationFraction) · n_j⌋                   first validation day of series j
/// tokenizer, regimes fitted on r_j[0 ..< k_j] (when the model has none);
///     then head.bias = log TokenPrior(counts of those days' tokens)   (outputPrior)
/// train windows ⊂ days 0 ..< k_j,  validation windows ⊂ days k_j ..< n_j   (WindowSplit)
/// step s = 0 … S−1:  batch = B windows drawn with replacement by SeededRNG(seed, stream: s)
///                    lr_s = warm-up + cosine (LearningRateSchedule(peak, min, W, S))
///                    θ ← AdamW(θ, clip(∇ loss, gradientClip))
/// every evaluateEvery steps, at the end and at the evaluationSteps (0: before the first step):
///     validation loss = mean cross-entropy over at
///     most 256 fixed validation windows (evenly spaced indices ⌊i · n / 256⌋), batch B
/// early stop after `patience` evaluations without improvement
/// at the end (restoreBest): θ ← θ at the evaluation with the lowest validation loss
/// ```
/// Because batch `s` depends only on `(seed, s)` and the optimizer state is kept in the
/// model, a run stopped after step N (cancelled, or saved and loaded) and continued with the
/// same options gives bit-identical parameters to an uninterrupted run: `fit` resumes at
/// `model.optimizerState.step` when that is below `steps`; otherwise it starts a new run
/// with a fresh optimizer.
/// Reference: Loshchilov & Hutter (2019) AdamW; nanoGPT / llm.c training loop.
public final class Trainer {
    /// The model being trained.
    public let model: ScenarioModel
    /// The settings.
    public let options: TrainingOptions

    /// - Parameters:
    ///   - model: The model to train in place.
    ///   - options: The settings; checked here.
    /// - Throws: `TGFLError.outOfRange` naming the bad option.
    public init(model: ScenarioModel, options: TrainingOptions) throws {
        let o = options
        func bad(_ message: String) -> TGFLError { .outOfRange("TrainingOptions." + message) }
        guard o.steps >= 1 else { throw bad("steps must be at least 1, got \(o.steps)") }
        guard o.batchSize >= 1 else { throw bad("batchSize must be at least 1, got \(o.batchSize)") }
        guard o.inputJitter >= 0, o.inputJitter < 4096 else { throw bad("inputJitter must be in 0 ..< 4096 bins, got \(o.inputJitter)") }
        try TrainingOptionChecks.windowAndRate(sequenceLength: o.sequenceLength, learningRate: o.learningRate,
                                               contextLength: model.config.contextLength, bad)
        guard o.minLearningRate >= 0, o.minLearningRate <= o.learningRate else {
            throw bad("minLearningRate must be in 0...learningRate (\(o.learningRate)), got \(o.minLearningRate)")
        }
        guard o.warmupSteps >= 0 else { throw bad("warmupSteps must be ≥ 0, got \(o.warmupSteps)") }
        guard o.weightDecay >= 0, o.weightDecay.isFinite else {
            throw bad("weightDecay must be ≥ 0 and finite, got \(o.weightDecay)")
        }
        guard o.gradientClip >= 0, o.gradientClip.isFinite else {
            throw bad("gradientClip must be ≥ 0 and finite (0 = off), got \(o.gradientClip)")
        }
        guard o.validationFraction >= 0, o.validationFraction < 1 else {
            throw bad("validationFraction must be in [0, 1), got \(o.validationFraction)")
        }
        guard o.evaluateEvery >= 1 else { throw bad("evaluateEvery must be at least 1, got \(o.evaluateEvery)") }
        if let s = o.evaluationSteps.first(where: { !(0...o.steps).contains($0) }) {
            throw bad("evaluationSteps must lie in 0...steps (\(o.steps)), got \(s)")
        }
        guard o.patience >= 0 else { throw bad("patience must be ≥ 0 (0 = off), got \(o.patience)") }
        if let t = o.threads, t < 1 { throw bad("threads must be at least 1, got \(t)") }
        self.model = model
        self.options = options
    }

    /// The data of a run: the fitted models applied to the series and the time split.
    struct RunData {
        let split: WindowSplit
        let validationIndices: [Int]
        let length: Int
        /// Whether `prepare` fitted the data models (the model had none).
        let freshDataModels: Bool

        /// The windows of `split` of length `length`, with at most
        /// `TrainingOptions.maxValidationWindows` evenly spaced validation windows.
        init(split: WindowSplit, length: Int, freshDataModels: Bool = false) {
            let n = split.validation.count, cap = TrainingOptions.maxValidationWindows
            self.split = split
            self.freshDataModels = freshDataModels
            self.validationIndices = n <= cap ? Array(0..<n) : (0..<cap).map { $0 * n / cap }
            self.length = length
        }
    }

    /// `prepare` on unnamed series (`series_0`, …).
    func prepare(series: [[Double]]) throws -> RunData {
        try prepare(series: series.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) })
    }

    /// Fits the data models if the model has none (`DataPipeline`, pooled), sets the output
    /// prior of a fresh model, and cuts the windows.
    func prepare(series: [ReturnSeries]) throws -> RunData {
        guard !series.isEmpty else { throw TGFLError.invalidArgument("no return series given to train on") }
        let trainFraction = 1 - options.validationFraction
        let pipeline = try DataPipeline(config: DataPipelineConfig(model: model.config, trainFraction: trainFraction))
        let fresh = !model.isFitted
        let models = try model.dataModels ?? pipeline.fit(series)
        let length = options.sequenceLength ?? model.config.contextLength
        let prepared = try pipeline.prepare(series, models: models, windowLength: length)
        if fresh {
            try model.setDataModels(models)
            if options.outputPrior {
                let days = prepared.split.splitDays
                try model.setOutputPrior(tokens: zip(prepared.encoded, days).map { Array($0.tokens.prefix($1)) },
                                         conditions: zip(prepared.encoded, days).map { Array($0.conditions.prefix($1)) })
            }
        }
        return RunData(split: prepared.split, length: length, freshDataModels: fresh)
    }

    /// Mean cross-entropy over the fixed validation windows (nil when there are none).
    func validationLoss(_ data: RunData) throws -> Double? {
        guard !data.validationIndices.isEmpty else { return nil }
        let T = data.length, B = options.batchSize
        var total = 0.0
        var start = 0
        var batch = TrainingBatch(capacity: B, length: T)
        while start < data.validationIndices.count {
            let end = min(start + B, data.validationIndices.count)
            try batch.load(data.split.validation, windows: data.validationIndices[start..<end])
            let loss = try model.transformer.forward(tokens: batch.inputs, regimes: batch.regimes, batch: end - start,
                                                     length: T, targets: batch.targets)!
            total += Double(loss) * Double(end - start)
            start = end
        }
        return total / Double(data.validationIndices.count)
    }

    /// Splits `B·(T+1)` window tokens into inputs `[B·T]` and next-token targets `[B·T]`
    /// (shared with the federated client).
    public static func inputsAndTargets(_ tokens: [Int32], count B: Int, length T: Int) -> ([Int32], [Int32]) {
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(B * T); targets.reserveCapacity(B * T)
        for b in 0..<B {
            let row = b * (T + 1)
            inputs += tokens[row..<(row + T)]
            targets += tokens[(row + 1)...(row + T)]
        }
        return (inputs, targets)
    }

    /// Fits tokenizer/regimes on the training span if the model has none, then trains.
    ///
    /// See the type's documentation for the schedule, the split and resuming.
    /// - Parameters:
    ///   - series: Log returns, one array per series (e.g. per asset), oldest first.
    ///   - progress: Called after every step; return false to stop.
    /// - Returns: The report of this call.
    /// - Throws: `TGFLError.invalidArgument` for NaN returns or too little data (no training
    ///   window fits); `.cancelled` when `progress` returned false — the model then holds the
    ///   parameters and optimizer state of the last completed step.
    public func fit(series: [ReturnSeries], progress: ((TrainingProgress) -> Bool)? = nil) throws -> TrainingReport {
        if options.rematchDependence != nil, model.config.modelVersion >= 2 {
            try DependenceRematchOptions.requireChunk(seriesLengths: series.map(\.values.count),
                                                      trainFraction: 1 - options.validationFraction,
                                                      option: "TrainingOptions.rematchDependence")
        }
        var fresh = false
        var report = try model.withLock {
            if !options.allowPrices { DataSanity.warnIfPrices(series) }
            let data = try prepare(series: series)
            fresh = data.freshDataModels
            return try fitLocked(data: data, progress: progress)
        }
        // The recursion of unconditional generation, matched again on every day given when this
        // call fitted the data models (`ScenarioModel.matchGenerationDependence`).
        if fresh, options.matchDependenceOnAllDays, model.volatilityModel != nil,
           DataPipelineConfig.defaultMatchDependence {
            try model.matchGenerationDependence(on: series.map(\.values))
        }
        if var rematch = options.rematchDependence, model.volatilityModel != nil {
            // The recursion chosen again on the trained model's own pilots, against the training
            // spans' chunks, each candidate started at the calibration's target.
            rematch.threads = rematch.threads ?? options.threads
            let trainFraction = 1 - options.validationFraction
            let spans = series.map { Array($0.values.prefix(splitDay(count: $0.values.count, trainFraction: trainFraction))) }
            let targets = try ScenarioModel.calibrationTargets(of: series.map(\.values))
            report.dependenceRematch = try model.rematchDependence(trainingSpans: spans, targetVariance: targets.variance,
                                                                   options: rematch)
        }
        guard options.calibrateVolatility, model.volatilityModel != nil else { return report }
        // Variance targeting of unconditional generation on every day given (training and
        // validation spans: the level of the whole history supplied; model selection is over).
        let spans = series.map(\.values)
        var calibration = options.volatilityCalibration
        calibration.threads = calibration.threads ?? options.threads
        let targets = try ScenarioModel.calibrationTargets(of: spans)
        let result = try model.calibrateUnconditionalVolatility(targetVariance: targets.variance,
                                                                targetMean: targets.mean, options: calibration)
        var calibrated = report
        calibrated.volatilityCalibration = result
        var history = model.history
        history.summary["volatility_calibration"] = String(
            format: "omega %.6g -> %.6g, target variance %.6g, pilot %.6g (%+.1f%%)", result.fittedOmega, result.omega,
            result.targetVariance, result.variance, 100 * result.relativeError)
        model.history = history
        return calibrated
    }

    /// `fit` on unnamed series (named `series_0`, `series_1`, … in errors).
    public func fit(series: [[Double]], progress: ((TrainingProgress) -> Bool)? = nil) throws -> TrainingReport {
        try fit(series: series.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) },
                progress: progress)
    }

    /// The counters of one `fit` call.
    private struct Run {
        var best: BestTracker
        var firstStep = 0
        var stepsRun = 0
        var lastLoss = Double.nan
        var stoppedEarly = false
        var cancelled = false
        /// Train loss summed since the last history record, and its step count.
        var lossSinceRecord = 0.0, stepsSinceRecord = 0
        var recordStart: Date
        let start: Date
    }

    func fitLocked(data: RunData, progress: ((TrainingProgress) -> Bool)?) throws -> TrainingReport {
        let transformer = model.transformer
        let savedThreads = transformer.threads
        if let threads = options.threads { try transformer.setThreads(threads) }
        defer { try? transformer.setThreads(savedThreads) }
        let savedPrecision = transformer.matmulPrecision
        transformer.matmulPrecision = options.precision
        defer { transformer.matmulPrecision = savedPrecision }

        let S = options.steps, B = options.batchSize, T = data.length
        let schedule = try LearningRateSchedule(peak: options.learningRate, minimum: options.minLearningRate,
                                                warmupSteps: min(options.warmupSteps, S), totalSteps: S)
        let now = Date()
        var run = Run(best: BestTracker(keepsParameters: options.restoreBest), recordStart: now, start: now)
        var optimizer = try AdamW.resuming(model.optimizerState, parameterCount: transformer.parameterCount,
                                            options: options, firstStep: &run.firstStep)
        var history = run.firstStep == 0 ? TrainingHistory() : model.history
        let clip: Double? = options.gradientClip > 0 ? options.gradientClip : nil
        var initialLoss: Double?
        defer {
            model.setOptimizerState(optimizer.state)
            history.summary = summary(run, data: data)
            if let initialLoss { history.summary["initial_validation_loss"] = "\(initialLoss)" }
            model.history = history
        }
        let extraSteps = Set(options.evaluationSteps)
        if run.firstStep == 0, extraSteps.contains(0) {
            // Step 0: the starting parameters, a model-selection candidate (no history record).
            initialLoss = try validationLoss(data)
            run.best.offer(initialLoss, at: 0) { transformer.parameters() }
        }

        var batch = TrainingBatch(capacity: B, length: T)     // reused: no per-step allocation
        for s in run.firstStep..<S {
            var rng = SeededRNG(seed: options.seed, stream: UInt64(s))
            try batch.loadRandom(data.split.train, size: B, using: &rng)
            batch.jitterInputs(by: options.inputJitter, vocabSize: model.config.vocabSize, using: &rng)
            let lr = schedule.learningRate(at: s)
            optimizer.learningRate = lr
            let (loss, _) = try transformer.trainStep(tokens: batch.inputs, regimes: batch.regimes,
                                                      targets: batch.targets, batch: B, length: T,
                                                      optimizer: &optimizer, clipNorm: clip)
            run.stepsRun += 1
            run.lastLoss = Double(loss)
            run.lossSinceRecord += run.lastLoss
            run.stepsSinceRecord += 1
            let step = s + 1
            let epoch = Double(step * B) / Double(data.split.train.count)
            var validation: Double?
            if step % options.evaluateEvery == 0 || step == S || extraSteps.contains(step) {
                validation = try evaluate(step: step, epoch: epoch, learningRate: lr, data: data, run: &run,
                                          history: &history)
            }
            if let progress, !progress(progressReport(step: step, epoch: epoch, validation: validation, run: run,
                                                      length: T)) {
                run.cancelled = true
                throw TGFLError.cancelled
            }
            if run.stoppedEarly { break }
        }
        if let best = run.best.parameters { try transformer.setParameters(best) }
        return TrainingReport(stepsRun: run.stepsRun, bestValidationLoss: run.best.loss, finalTrainLoss: run.lastLoss,
                              stoppedEarly: run.stoppedEarly, cancelled: false, bestStep: run.best.position)
    }

    /// Validation at `step`: appends a history record and offers the loss to model selection
    /// and early stopping.
    private func evaluate(step: Int, epoch: Double, learningRate: Double, data: RunData, run: inout Run,
                          history: inout TrainingHistory) throws -> Double? {
        let validation = try validationLoss(data)
        let now = Date()
        let seconds = now.timeIntervalSince(run.recordStart)
        let tokens = run.stepsSinceRecord * options.batchSize * data.length
        history.records.append(TrainingRecord(
            step: step, epoch: epoch, trainLoss: run.lossSinceRecord / Double(run.stepsSinceRecord),
            valLoss: validation, learningRate: learningRate,
            tokensPerSecond: seconds > 0 ? Double(tokens) / seconds : 0))
        run.lossSinceRecord = 0; run.stepsSinceRecord = 0; run.recordStart = now
        let transformer = model.transformer
        run.best.offer(validation, at: step) { transformer.parameters() }
        if options.patience > 0, run.best.evaluationsSinceBest >= options.patience { run.stoppedEarly = true }
        return validation
    }

    /// What the progress callback gets after a step.
    private func progressReport(step: Int, epoch: Double, validation: Double?, run: Run, length T: Int) -> TrainingProgress {
        TrainingProgress(step: step, totalSteps: options.steps, epoch: epoch, trainLoss: run.lastLoss,
                         validationLoss: validation, stepsRun: run.stepsRun, tokensPerStep: options.batchSize * T,
                         since: run.start)
    }

    /// The history's summary of a run.
    private func summary(_ run: Run, data: RunData) -> [String: String] {
        [
            "steps": "\(run.firstStep + run.stepsRun)", "total_steps": "\(options.steps)",
            "batch_size": "\(options.batchSize)", "sequence_length": "\(data.length)",
            "training_windows": "\(data.split.train.count)", "validation_windows": "\(data.validationIndices.count)",
            "final_train_loss": run.lastLoss.isFinite ? "\(run.lastLoss)" : "nan",
            "best_validation_loss": run.best.loss.map { "\($0)" } ?? "none",
            "best_step": run.best.position.map { "\($0)" } ?? "none",
            "restored_best": "\(options.restoreBest && run.best.parameters != nil && !run.cancelled)",
            "stopped_early": "\(run.stoppedEarly)", "cancelled": "\(run.cancelled)", "seed": "\(options.seed)",
        ]
    }
}

/// Checks that the centralized and the federated training options share.
package enum TrainingOptionChecks {
    /// Throws `bad(message)` when the window length is outside `1...contextLength` or the
    /// learning rate is not positive and finite.
    package static func windowAndRate(sequenceLength: Int?, learningRate: Double, contextLength: Int,
                                      _ bad: (String) -> TGFLError) throws {
        if let t = sequenceLength, !(1...contextLength).contains(t) {
            throw bad("sequenceLength must be in 1...\(contextLength) (context_length), got \(t)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw bad("learningRate must be positive and finite, got \(learningRate)")
        }
    }
}
