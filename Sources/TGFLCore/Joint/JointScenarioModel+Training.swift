import Foundation

/// What a joint training run produced.
public struct JointTrainingReport: Sendable, Equatable {
    /// Optimizer steps run by this call.
    public var stepsRun: Int
    /// Loss of the last step (nats per token).
    public var finalTrainLoss: Double
    /// Validation loss at the last evaluation, when there were validation windows.
    public var validationLoss: Double?
    /// The best validation loss and its step (kept when `restoreBest` is on).
    public var bestValidationLoss: Double?
    public var bestStep: Int?
    /// Training windows (each starts on a day boundary).
    public var trainingWindows: Int
}

extension JointScenarioModel {
    /// The day-aligned windows of an interleaved stream split in time: training windows cover
    /// days `0 ..< split`, validation windows days `split ..< n` (`split = ⌊trainFraction · n⌋`).
    /// Windows start every day (stride K tokens), so position p always holds asset `p mod K`.
    static func windows(_ encoded: JointDataModels.Encoded, assets K: Int, length T: Int,
                        trainFraction: Double) throws -> (train: WindowDataset, validation: WindowDataset, splitDay: Int) {
        let n = encoded.regimes.count
        let split = splitDay(count: n, trainFraction: trainFraction)
        let labels = encoded.regimes.flatMap { Array(repeating: $0, count: K) }
        func dataset(_ days: Range<Int>) throws -> WindowDataset {
            try WindowDataset(tokens: [encoded.tokens], regimes: [encoded.conditions], contextLength: T, stride: K,
                              dayRanges: [(days.lowerBound * K)..<(days.upperBound * K)], labels: [labels])
        }
        let train = try dataset(0..<split)
        guard !train.isEmpty else {
            throw TGFLError.invalidArgument(
                "no training window fits: a window needs \(T + 1) tokens = \((T + 1 + K - 1) / K) days of \(K) assets, "
                + "the training span has \(split) days; give more days or a shorter context")
        }
        return (train, try dataset(split..<n), split)
    }

    /// The number of training windows `fit` cuts from `encoded` with no validation days (a
    /// federated institution's example count).
    /// - Parameters:
    ///   - encoded: the institution's days, encoded by the model's data models.
    ///   - assets: K.
    ///   - length: the window length T in tokens.
    /// - Throws: `TGFLError.invalidArgument` when no window fits (saying how many days one needs).
    public static func trainingWindowCount(_ encoded: JointDataModels.Encoded, assets: Int, length: Int) throws -> Int {
        try windows(encoded, assets: assets, length: length, trainFraction: 1).train.count
    }

    /// Trains on K return columns of equal length (fitting the data models on the first
    /// `1 − validationFraction` of the days when the model has none).
    ///
    /// The loop is `Trainer`'s: AdamW with warm-up and cosine decay, batch s drawn from
    /// `SeededRNG(seed: seed, stream: s)`, the output prior set from the training tokens of a
    /// fresh model (`ScenarioModel.setOutputPrior(tokens:conditions:)`, one row per asset
    /// and level). Windows hold `sequenceLength ?? context_length` tokens.
    /// - Parameters:
    ///   - columns: log returns, one array per asset, oldest day first.
    ///   - names: the asset names (recorded in the checkpoint).
    ///   - options: the training settings (checked as by `Trainer`); `patience` stops after
    ///     that many evaluations without a better validation loss, and `restoreBest` keeps the
    ///     parameters of the best evaluation (a joint model overfits a few thousand days fast).
    ///   - data: the parts a fresh model's data models are fitted with (whitening rule, z tail map,
    ///     variance calibration); ignored when the model already has data models.
    ///   - progress: called after every step; return false to stop (`TGFLError.cancelled`).
    /// After the loop, `calibrateTails()` measures the z tail map's sources on pilot scenarios of
    /// the trained network (when the data models have a map), `calibrateBands()` the z band map's
    /// (`JointBandMap`), then `calibrateVariance()` each
    /// asset's intercept scale (when they have variance targets).
    /// - Returns: the report.
    /// - Throws: `TGFLError.invalidArgument` naming the asset and day of bad data or the
    ///   days a window needs; `.outOfRange` for a bad option.
    public func fit(columns: [[Double]], names: [String], options: TrainingOptions,
                    data: JointDataSettings = JointDataSettings(),
                    progress: ((TrainingProgress) -> Bool)? = nil) throws -> JointTrainingReport {
        let report = try fitNetwork(columns: columns, names: names, options: options, data: data, progress: progress)
        try calibrateTails()                                       // the pilots of the trained network (JointTailMap)
        try calibrateBands()                                       // each asset's z per volatility band (JointBandMap)
        try calibrateVariance()                                    // then each asset's σ level (JointVarianceCalibration)
        return report
    }

    /// `fit` without the pilot calibrations after the loop: the data models (fitted when fresh),
    /// the output prior and the network's training, nothing generated. A joint federation's
    /// institution sends only the network's weights, which the calibrations do not change, and the
    /// server calibrates once after the last round; each institution's pilots in every round were
    /// thrown away (most of a round's time, session 25).
    package func fitNetwork(columns: [[Double]], names: [String], options: TrainingOptions,
                            data: JointDataSettings = JointDataSettings(),
                            progress: ((TrainingProgress) -> Bool)? = nil) throws -> JointTrainingReport {
        _ = try Trainer(model: network, options: options)          // the same option checks
        guard columns.count == assetCount, names.count == assetCount else {
            throw TGFLError.invalidArgument(
                "the joint model has \(assetCount) assets but \(columns.count) columns and \(names.count) names were given")
        }
        let K = assetCount, T = options.sequenceLength ?? config.contextLength
        let trainFraction = 1 - options.validationFraction
        let fresh = dataModels == nil
        if fresh {
            var settings = DataPipelineConfig(model: config, trainFraction: trainFraction)
            settings.volatilityLevels = levelsPerAsset
            settings.joint = data
            let n = columns.map(\.count).min() ?? 0
            let split = splitDay(count: n, trainFraction: trainFraction)
            try setDataModels(try JointDataModels.fit(assets: names, trainingColumns: columns.map { Array($0.prefix(split)) },
                                                      config: settings))
        } else if names != dataModels!.assets {
            throw TGFLError.invalidArgument("the model was trained on \(dataModels!.assets); got columns \(names)")
        }
        let models = try fitted(for: "train")
        let encoded = try models.encode(columns, what: "training data")
        let (train, validation, split) = try Self.windows(encoded, assets: K, length: T, trainFraction: trainFraction)
        if fresh && options.outputPrior {
            try network.setOutputPrior(tokens: [Array(encoded.tokens.prefix(split * K))],
                                       conditions: [Array(encoded.conditions.prefix(split * K))])
        }
        return try network.withLock {
            try trainLoop(train: train, validation: validation, length: T, options: options, progress: progress)
        }
    }

    /// The network's mean cross-entropy on the held-out days `fromDay ..< n` of `columns`
    /// (the windows that lie wholly inside them, at most `TrainingOptions.maxValidationWindows`,
    /// evenly spread), as `fit` evaluates its validation span. The filters run from day 0, so
    /// the σ state on the held-out days is the one the earlier days lead to.
    /// - Parameters:
    ///   - columns: log returns, one array per asset in the model's asset order.
    ///   - fromDay: the first held-out day, `0 ..< n`.
    ///   - batchSize: windows per forward pass, ≥ 1.
    /// - Returns: the mean loss, or nil when no window fits in the held-out days.
    /// - Throws: `TGFLError.invalidArgument` naming the asset and day of bad data or a bad
    ///   `fromDay`; `.outOfRange` for an untrained model.
    public func heldOutLoss(columns: [[Double]], fromDay: Int, batchSize: Int = 32) throws -> Double? {
        let models = try fitted(for: "evaluate")
        let encoded = try models.encode(columns, what: "held-out data")
        let n = encoded.regimes.count, K = assetCount, T = config.contextLength
        guard (0..<n).contains(fromDay), batchSize >= 1 else {
            throw TGFLError.invalidArgument("held-out days start at day \(fromDay) of \(n) (batch size \(batchSize)); "
                                            + "give a first day in 0..<\(n)")
        }
        let labels = encoded.regimes.flatMap { Array(repeating: $0, count: K) }
        let data = try WindowDataset(tokens: [encoded.tokens], regimes: [encoded.conditions], contextLength: T, stride: K,
                                     dayRanges: [(fromDay * K)..<(n * K)], labels: [labels])
        return try network.withLock { try meanLoss(data, length: T, batch: batchSize) }
    }

    /// The counters of one joint `fit` call.
    private struct JointRun {
        var best: BestTracker
        var firstStep = 0, stepsRun = 0
        var lastLoss = Double.nan
        var validationLoss: Double?
        let start = Date()
    }

    private func trainLoop(train: WindowDataset, validation: WindowDataset, length T: Int, options: TrainingOptions,
                           progress: ((TrainingProgress) -> Bool)?) throws -> JointTrainingReport {
        let transformer = network.transformer
        let savedThreads = transformer.threads
        if let threads = options.threads { try transformer.setThreads(threads) }
        defer { try? transformer.setThreads(savedThreads) }
        let S = options.steps, B = options.batchSize
        let schedule = try LearningRateSchedule(peak: options.learningRate, minimum: options.minLearningRate,
                                                warmupSteps: min(options.warmupSteps, S), totalSteps: S)
        var run = JointRun(best: BestTracker(keepsParameters: options.restoreBest))
        var optimizer = try AdamW.resuming(network.optimizerState, parameterCount: transformer.parameterCount,
                                            options: options, firstStep: &run.firstStep)
        let clip: Double? = options.gradientClip > 0 ? options.gradientClip : nil
        var batch = TrainingBatch(capacity: B, length: T)
        var history = run.firstStep == 0 ? TrainingHistory() : network.history
        defer {
            network.setOptimizerState(optimizer.state)
            history.summary = summary(run, options: options, length: T, trainingWindows: train.count)
            network.history = history
        }
        for s in run.firstStep..<S {
            var rng = SeededRNG(seed: options.seed, stream: UInt64(s))
            try batch.loadRandom(train, size: B, using: &rng)
            let lr = schedule.learningRate(at: s)
            optimizer.learningRate = lr
            run.lastLoss = Double(try transformer.trainStep(tokens: batch.inputs, regimes: batch.regimes,
                                                            targets: batch.targets, batch: B, length: T,
                                                            optimizer: &optimizer, clipNorm: clip).loss)
            run.stepsRun += 1
            let step = s + 1, epoch = Double(step * B) / Double(train.count)
            var evaluated: Double?
            if step % options.evaluateEvery == 0 || step == S {
                evaluated = try meanLoss(validation, length: T, batch: B)
                run.validationLoss = evaluated
                history.records.append(TrainingRecord(step: step, epoch: epoch, trainLoss: run.lastLoss, valLoss: evaluated,
                                                      learningRate: lr, tokensPerSecond: 0))
                run.best.offer(evaluated, at: step) { transformer.parameters() }
            }
            if let progress, !progress(progressReport(step: step, epoch: epoch, validation: evaluated, run: run,
                                                      options: options, length: T)) {
                throw TGFLError.cancelled
            }
            if options.patience > 0 && run.best.evaluationsSinceBest >= options.patience { break }
        }
        if let best = run.best.parameters { try transformer.setParameters(best) }
        return JointTrainingReport(stepsRun: run.stepsRun, finalTrainLoss: run.lastLoss, validationLoss: run.validationLoss,
                                   bestValidationLoss: run.best.loss, bestStep: run.best.position,
                                   trainingWindows: train.count)
    }

    /// What the progress callback gets after a step.
    private func progressReport(step: Int, epoch: Double, validation: Double?, run: JointRun, options: TrainingOptions,
                                length T: Int) -> TrainingProgress {
        TrainingProgress(step: step, totalSteps: options.steps, epoch: epoch, trainLoss: run.lastLoss,
                         validationLoss: validation, stepsRun: run.stepsRun, tokensPerStep: options.batchSize * T,
                         since: run.start)
    }

    /// The history's summary of a run.
    private func summary(_ run: JointRun, options: TrainingOptions, length T: Int, trainingWindows: Int) -> [String: String] {
        ["steps": "\(run.firstStep + run.stepsRun)", "total_steps": "\(options.steps)", "batch_size": "\(options.batchSize)",
         "sequence_length": "\(T)", "training_windows": "\(trainingWindows)",
         "assets": (dataModels?.assets ?? []).joined(separator: ","), "seed": "\(options.seed)",
         "best_step": run.best.position.map { "\($0)" } ?? "none",
         "restored_best": "\(run.best.parameters != nil)"]
    }

    /// Mean cross-entropy over at most `TrainingOptions.maxValidationWindows` evenly spread windows.
    private func meanLoss(_ data: WindowDataset, length T: Int, batch B: Int) throws -> Double? {
        guard !data.isEmpty else { return nil }
        let n = data.count, cap = TrainingOptions.maxValidationWindows
        let indices = n <= cap ? Array(0..<n) : (0..<cap).map { $0 * n / cap }
        var batch = TrainingBatch(capacity: B, length: T)
        var total = 0.0, start = 0
        while start < indices.count {
            let end = min(start + B, indices.count)
            try batch.load(data, windows: indices[start..<end])
            let loss = try network.transformer.forward(tokens: batch.inputs, regimes: batch.regimes, batch: end - start,
                                                       length: T, targets: batch.targets)!
            total += Double(loss) * Double(end - start)
            start = end
        }
        return total / Double(indices.count)
    }
}
