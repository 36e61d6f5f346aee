import Foundation
import TGFLStats

/// How a TGFL variant's volatility state met the filter's bounds on the forecast days of one
/// horizon of a walk-forward backtest (issue 16's check of the σ floor and cap).
///
/// ```
/// σ_t          the state every path of forecast day t starts from (`startVolatilities`)
/// at cap       σ_t ≥ (1 − 1e-9) · σ_cap of the filter in use that day
/// at floor     σ_t ≤ (1 + 1e-9) · σ_floor
/// refits       forecast days whose filter differs from the previous day's (the first day's
///              from the trained one)
/// ```
/// A model trained on calm years keeps `σ_cap = 1.25 ×` the largest training σ_t; a span more
/// volatile than that would pin σ_t to the cap and understate the VaR. A refit keeps the floor
/// and raises the cap to 1.25 × the largest σ_t of its own fit over the prompt
/// (`VolatilityModel.refitted(on:)`).
public struct VolatilityBoundsUse: Sendable, Codable, Equatable {
    /// The TGFL variant ("TGFL", "TGFL-trained-filter").
    public let model: String
    /// h in days.
    public let horizon: Int
    /// Forecast days.
    public let days: Int
    /// Days whose σ_t sat at the cap.
    public let atCap: Int
    /// Days whose σ_t sat at the floor.
    public let atFloor: Int
    /// The largest σ_t / σ_cap over the days (1 when the cap bound).
    public let largestCapRatio: Double
    /// The smallest σ_t / σ_floor over the days (1 when the floor bound).
    public let smallestFloorRatio: Double
    /// Refits that changed the filter (0 with the trained filter).
    public let refits: Int
}

extension WalkForwardBacktest {
    /// One TGFL model of a backtest: its name, refit interval (nil: the trained filter) and z
    /// recalibration.
    struct TGFLVariant {
        let name: String
        let refitEvery: Int?
        let zRecalibration: ZRecalibration?
        /// The score-driven prompt filter (nil: the GJR).
        var promptFilter: BetaTEGARCH? = nil
    }

    /// The TGFL variants a backtest runs: "TGFL", then "TGFL-trained-filter", "TGFL-uncalibrated",
    /// the z settings and the other prompt filter when asked for (each differs from "TGFL" in
    /// one setting). A Beta-t-EGARCH prompt filter is fitted on `returns[..<span.lowerBound]`,
    /// the span the model was trained on.
    /// - Throws: `TGFLError.invalidArgument` when that fit fails.
    static func tgflVariants(_ model: ScenarioModel, options: WalkForwardOptions, returns: [Double],
                             span: Range<Int>) throws -> [TGFLVariant] {
        guard model.config.modelVersion >= 2 else { return [TGFLVariant(name: "TGFL", refitEvery: nil, zRecalibration: nil)] }
        let refit = options.refitTGFLVolatility ? options.refitEvery : nil, z = options.zRecalibration
        let betaT: BetaTEGARCH? = options.promptFilter == .betaT || options.comparePromptFilter
            ? try PromptFilter.fitBetaT(Array(returns[..<span.lowerBound]), what: "the returns before the span") : nil
        let main = options.promptFilter == .betaT ? betaT : nil
        var out = [TGFLVariant(name: "TGFL", refitEvery: refit, zRecalibration: z, promptFilter: main)]
        if options.compareTrainedFilter && refit != nil {
            out.append(TGFLVariant(name: "TGFL-trained-filter", refitEvery: nil, zRecalibration: z, promptFilter: main))
        }
        if options.compareUncalibrated && z != nil {
            out.append(TGFLVariant(name: "TGFL-uncalibrated", refitEvery: refit, zRecalibration: nil, promptFilter: main))
        }
        for other in options.compareZRecalibrations {
            out.append(TGFLVariant(name: other.modelName, refitEvery: refit, zRecalibration: other, promptFilter: main))
        }
        if options.comparePromptFilter {
            let other: PromptFilter = options.promptFilter == .betaT ? .gjr : .betaT
            out.append(TGFLVariant(name: "TGFL-\(other.rawValue)", refitEvery: refit, zRecalibration: z,
                                   promptFilter: other == .betaT ? betaT : nil))
        }
        return out
    }
}

extension ScenarioModel {
    /// The bounds' use of conditional scenarios generated with `options` (nil for a v1 model).
    /// The filters of the days are those `generateConditional` used (the same refits).
    func volatilityBoundsUse(name: String, history: [Double], scenarios: ConditionalScenarios,
                             options: ConditionalGenerationOptions) throws -> VolatilityBoundsUse? {
        guard let sigmas = scenarios.startVolatilities, let trained = try fittedDataModels(for: "generate").volatility else {
            return nil
        }
        let filters = try conditionalFilters(history: history, days: scenarios.days, options: options)
            ?? Array(repeating: trained, count: sigmas.count)
        var atCap = 0, atFloor = 0, refits = 0
        var capRatio = 0.0, floorRatio = Double.infinity
        var previous = trained
        for (sigma, filter) in zip(sigmas, filters) {
            if filter != previous { refits += 1 }
            previous = filter
            capRatio = max(capRatio, sigma / filter.sigmaCap)
            floorRatio = min(floorRatio, sigma / filter.sigmaFloor)
            if sigma >= (1 - 1e-9) * filter.sigmaCap { atCap += 1 }
            if sigma <= (1 + 1e-9) * filter.sigmaFloor { atFloor += 1 }
        }
        return VolatilityBoundsUse(model: name, horizon: scenarios.horizon, days: sigmas.count, atCap: atCap,
                                   atFloor: atFloor, largestCapRatio: capRatio, smallestFloorRatio: floorRatio,
                                   refits: refits)
    }
}
