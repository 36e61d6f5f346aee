import Foundation

/// A trained model v2 whose volatility state was refitted on one institution's own series
/// (`ScenarioModel.adaptingVolatility(to:trainFraction:calibration:resetOutputPrior:dynamics:)`).
public struct VolatilityAdaptation: Sendable {
    /// The copy: the same network and tokenizer, the institution's own filter (or the received
    /// dynamics with its own level), levels and regimes,
    /// and (with a calibration) its own unconditional level.
    public let model: ScenarioModel
    /// What the calibration did (nil when it was not asked for).
    public let calibration: VolatilityCalibration?
    /// What the rematch on the copy's own pilots did (nil when it was not asked for).
    public let rematch: DependenceRematch?

    public init(model: ScenarioModel, calibration: VolatilityCalibration?, rematch: DependenceRematch? = nil) {
        self.model = model; self.calibration = calibration; self.rematch = rematch
    }
}

extension ScenarioModel {
    /// A copy of this trained model v2 that generates for one institution's asset: the shared
    /// network and tokenizer, with the volatility state fitted on that institution's own days.
    ///
    /// In a federation whose institutions hold different assets, the global model has one
    /// volatility filter (fitted on every client's summaries, `FederatedTrainer`) and one
    /// unconditional level (calibrated to the pooled variance): an FX rate with 0.6 % daily
    /// volatility and an index with 1.2 % get the same level. Each institution therefore keeps
    /// the network it received and refits the volatility state on its own data, locally:
    ///
    /// ```
    /// copy            = this model (network, tokenizer, records)           — this model is unchanged
    /// filter, levels,
    /// regimes         = dynamics .own:      VolatilityModel.fit(first trainFraction of `series`)
    ///                                       (adaptDataModels): μ, ω, α, γ, β, ν all its own,
    ///                                       and the generation parts training fits on them
    ///                                       (matched recursion, zero shares, z tails; session 19)
    ///                   dynamics .received: this model's α, γ, β, ν and generation recursion kept
    ///                                       exactly; μ, ω by mean and variance targeting on the
    ///                                       first trainFraction, levels and regimes under that filter
    /// level priors    = kept (they are network parameters: level_bias), or with `resetOutputPrior`
    ///                   set from the institution's own training tokens (setOutputPrior)
    /// rematch         = with `rematch`: rematchDependence on the copy's own pilots, against the
    ///                   chunks of the first trainFraction of `series`, candidates started at the
    ///                   calibration's target (off by default; session 21)
    /// calibration     = calibrateUnconditionalVolatility(targetVariance, targetMean of ALL of `series`)
    ///                   (as Trainer.fit: the days it is given, training and validation spans)
    /// ```
    /// **Whose dynamics.** How the volatility state moves (persistence, leverage: the clustering
    /// and leverage of the paths) is estimated from a few thousand days with a large standard
    /// error; a federation's global model has them from every institution's days (one GJR-t fit
    /// on all clients' summaries, and a generation recursion matched to their dependence).
    /// `dynamics: .received` keeps those and takes only the level — what differs most between
    /// assets — from the institution. `.own` (default) fits the institution's own filter, as
    /// before session 19. Evidence: BENCHMARKS.md "Federated across assets, model v2".
    ///
    /// Nothing leaves the institution: the fit and the pilot generations run on its own returns.
    /// The copy's optimizer state and training history are cleared (it is a new use of the
    /// network, not a continuation of its training); its records (federation, pretraining) are kept.
    /// The same inputs and calibration seed give the same bits for any thread count.
    /// - Parameters:
    ///   - series: the institution's returns, oldest day first, finite (at least the regime window
    ///     and the filter's minimum of days in its first `trainFraction`).
    ///   - trainFraction: the fraction of `series` the filter is fitted on, in (0, 1].
    ///   - calibration: the pilot generations of the level calibration; nil keeps the filter's
    ///     fitted ω (no pilot runs).
    ///   - resetOutputPrior: set the level priors from the institution's own training days (the
    ///     token counts per volatility level of the first `trainFraction` of `series`, encoded with
    ///     the refitted filter) instead of keeping the network's. A personalisation step: the shared
    ///     network keeps everything else. Default false (the network's priors, as before).
    ///   - dynamics: `.own` (default): the institution's own GJR-t fit; `.received`: this model's
    ///     dynamics with the institution's level (`AdaptedDynamics`).
    ///   - rematch: choose the generation recursion again on the copy's own pilot paths
    ///     (`rematchDependence`) before the calibration; nil (default): off. Its threads default
    ///     to the calibration's.
    /// - Returns: the adapted copy and its calibration.
    /// - Throws: `TGFLError.invalidArgument` for a v1 or unfitted model, a bad `trainFraction`, or
    ///   bad returns (naming the series); calibration and generation errors.
    public func adaptingVolatility(to series: ReturnSeries, trainFraction: Double = 1,
                                   calibration: VolatilityCalibrationOptions? = VolatilityCalibrationOptions(),
                                   resetOutputPrior: Bool = false, dynamics: AdaptedDynamics = .own,
                                   rematch: DependenceRematchOptions? = nil)
        throws -> VolatilityAdaptation {
        guard config.modelVersion >= 2 else {
            throw TGFLError.invalidArgument("adaptingVolatility needs model v2 (a volatility state outside the network); "
                + "model v1 tokens are absolute returns: train a v2 model (ModelConfig.v2())")
        }
        guard trainFraction > 0, trainFraction <= 1 else {
            throw TGFLError.invalidArgument("adaptingVolatility: trainFraction must be in (0, 1], got \(trainFraction)")
        }
        _ = try fittedDataModels(for: "adapt the volatility state")
        let copy = try ScenarioModel.load(checkpoint: checkpoint(), path: "(copy of the model)")
        try copy.adaptDataModels(to: [series], trainFraction: trainFraction, resetOutputPrior: resetOutputPrior,
                                  dynamics: dynamics)
        let targets = try ScenarioModel.calibrationTargets(of: [series.values])
        var rematched: DependenceRematch?
        if var rematch {
            rematch.threads = rematch.threads ?? calibration?.threads
            let train = Array(series.values.prefix(splitDay(count: series.values.count, trainFraction: trainFraction)))
            rematched = try copy.rematchDependence(trainingSpans: [train], targetVariance: targets.variance,
                                                   options: rematch)
        }
        guard let calibration else { return VolatilityAdaptation(model: copy, calibration: nil, rematch: rematched) }
        let result = try copy.calibrateUnconditionalVolatility(targetVariance: targets.variance,
                                                               targetMean: targets.mean, options: calibration)
        return VolatilityAdaptation(model: copy, calibration: result, rematch: rematched)
    }
}
