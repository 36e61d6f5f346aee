import Foundation
import TGFLStats

/// Whose volatility dynamics a model adapted to a new series runs with
/// (`ScenarioModel.adaptingVolatility(to:trainFraction:calibration:resetOutputPrior:dynamics:)`,
/// `ScenarioModel.adaptDataModels(to:trainFraction:resetOutputPrior:dynamics:)`).
///
/// The *dynamics* are how the volatility state moves: the filter's α, γ, β (persistence and
/// leverage) and ν, and the recursion of unconditional generation matched to the training data's
/// dependence with what it simulates with (`generationDynamics`, `generationLevelLogQuantiles`,
/// `generationZSignScales`), plus the received one-day additions that are not levels (z tails,
/// zero shares, mean term, z marginal map). The *level* is where it sits: μ and ω, the level
/// edges, the regime thresholds and variances, the initial-state quantiles, the σ bounds and the
/// unconditional calibration.
public enum AdaptedDynamics: String, Sendable, CaseIterable {
    /// Everything refitted on the new series: a GJR-t fit of its own (μ, ω, α, γ, β, ν) and its
    /// levels (`VolatilityModel.fit`); the received generation recursion is dropped. The default,
    /// and the behaviour before session 19.
    case own
    /// The received model's dynamics kept exactly; only the level fitted on the new series
    /// (`VolatilityModel.keepingDynamics(levelFittedOn:levels:regimeNames:regimeQuantileLevels:)`).
    /// For a federation's global model that is the persistence and leverage estimated on every
    /// institution's days (one GJR-t fit on all clients' summaries, and one recursion matched to
    /// their dependence), with the institution's own level: what a short series cannot estimate
    /// well alone, taken from the pool; what differs most between assets, its own.
    ///
    /// Use it when the series resembles the pool (its persistence and leverage are those of the
    /// assets the model was fitted on). Evidence (BENCHMARKS.md "Pooled dynamics, each
    /// institution's own level", session 19): across ten different assets the pooled dynamics
    /// improved the tails (kurtosis, 1 % VaR and ES) but worsened the ACF of |r| and the
    /// leverage, because leverage differs between indices, single stocks and FX rates; on short
    /// EU indices with low persistence the fair KS test failed. Not the default.
    case received
}

extension GARCHModel {
    /// This filter's dynamics (α, γ, β, ν, λ) with the mean and the intercept of `spans` by mean
    /// and variance targeting (Engle & Mezrich, 1996):
    ///
    /// ```
    /// μ' = mean of r over all days of all spans            (0 for a zero-mean specification)
    /// ω' = (1 − persistence) · mean of (r − μ')²           so that ω' / (1 − persistence), the
    ///                                                      unconditional variance, is the spans' own
    /// ```
    /// - Parameters:
    ///   - spans: the returns of the new series' training days (finite).
    ///   - what: how to name them in errors.
    /// - Throws: `TGFLError.invalidArgument` naming `what` when there are fewer than 2 days or
    ///   their variance is not positive.
    public func targetingLevel(of spans: [[Double]], what: String) throws -> GARCHModel {
        let values = Array(spans.joined())
        guard values.count >= 2 else {
            throw TGFLError.invalidArgument("\(what): needs at least 2 returns to target the volatility level, "
                                            + "got \(values.count)")
        }
        let m = specification.constantMean ? values.reduce(0, +) / Double(values.count) : 0
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)
        guard variance.isFinite, variance > 0 else {
            throw TGFLError.invalidArgument("\(what): the returns have variance \(variance) around their mean; "
                                            + "a volatility level needs returns that vary")
        }
        do {
            return try GARCHModel(specification: specification, mu: m, omega: (1 - persistence) * variance,
                                  alpha: alpha, gamma: gamma, beta: beta, nu: nu, lambda: lambda)
        } catch {
            throw TGFLError.invalidArgument("\(what): targeting the volatility level with the received dynamics "
                                            + "(α \(alpha), γ \(gamma), β \(beta)): \(error)")
        }
    }
}

extension VolatilityModel {
    /// This model's dynamics with the level of `trainingSpans` (`AdaptedDynamics.received`).
    ///
    /// ```
    /// filter      = garch.targetingLevel(of: spans)      μ, ω the spans' own; α, γ, β, ν kept
    /// levels, regimes, bounds, σ_0 quantiles = as VolatilityModel.fit, under that filter
    /// kept        = generationDynamics, generationLevelLogQuantiles, generationZSignScales,
    ///               generationZTail, generationZeroShares, generationMeanTerm, generationZMarginal
    /// not kept    = generationOmega, generationMean, generationTargetVariance (the received level:
    ///               calibrate again on the new series)
    /// ```
    /// - Parameters:
    ///   - trainingSpans: the new series' training days (finite, named).
    ///   - levels: S ≥ 2; `regimeNames`, `regimeQuantileLevels`: as `fit`.
    /// - Returns: the volatility model and the regime model (basis `.conditionalVolatility`).
    /// - Throws: `TGFLError.invalidArgument` naming the spans (too few days, no variance).
    public func keepingDynamics(levelFittedOn trainingSpans: [ReturnSeries], levels: Int, regimeNames: [String],
                                regimeQuantileLevels: [Double]) throws -> (VolatilityModel, RegimeModel) {
        guard levels >= 2 else {
            throw TGFLError.invalidArgument("volatility levels must be at least 2, got \(levels)")
        }
        let what = "the training days of " + trainingSpans.map { "'\($0.name)'" }.joined(separator: ", ")
        let filter = try garch.targetingLevel(of: trainingSpans.map(\.values), what: what)
        var (model, regimes) = try Self.fit(filter: filter, trainingSpans: trainingSpans, levels: levels,
                                            regimeNames: regimeNames, regimeQuantileLevels: regimeQuantileLevels)
        model.generationDynamics = generationDynamics
        model.generationLevelLogQuantiles = generationLevelLogQuantiles
        model.generationZSignScales = generationZSignScales
        model.generationZTail = generationZTail
        model.generationZeroShares = generationZeroShares
        model.generationMeanTerm = generationMeanTerm
        model.generationZMarginal = generationZMarginal
        return (model, regimes)
    }
}
