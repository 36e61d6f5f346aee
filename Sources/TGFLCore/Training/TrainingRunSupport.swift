import Foundation

/// What the single-series and the joint trainer share in a run: the progress report and the
/// resumable optimizer.
extension TrainingProgress {
    /// The progress after a step of a run that started at `start` and has taken `stepsRun`
    /// steps so far (the single-series and the joint trainer).
    ///
    /// ```
    /// elapsed = now − start;  tokens/s = stepsRun · tokensPerStep / elapsed
    /// eta     = elapsed / stepsRun · (totalSteps − step)
    /// ```
    init(step: Int, totalSteps: Int, epoch: Double, trainLoss: Double, validationLoss: Double?,
         stepsRun: Int, tokensPerStep: Int, since start: Date) {
        let elapsed = Date().timeIntervalSince(start)
        self.init(step: step, totalSteps: totalSteps, epoch: epoch, trainLoss: trainLoss, validationLoss: validationLoss,
                  tokensPerSecond: elapsed > 0 ? Double(stepsRun * tokensPerStep) / elapsed : 0,
                  elapsedSeconds: elapsed, etaSeconds: elapsed / Double(stepsRun) * Double(totalSteps - step))
    }
}

extension AdamW {
    /// A fresh AdamW for `options`, or `saved` restored when that run stopped before
    /// `options.steps` (then `firstStep` is set to the step to resume at).
    static func resuming(_ saved: OptimizerState?, parameterCount: Int, options: TrainingOptions,
                         firstStep: inout Int) throws -> AdamW {
        var optimizer = try AdamW(parameterCount: parameterCount, learningRate: options.learningRate,
                                  weightDecay: options.weightDecay)
        if let state = saved, state.step < options.steps, state.m.count == parameterCount {
            try optimizer.restore(state)
            firstStep = state.step
        }
        return optimizer
    }
}
