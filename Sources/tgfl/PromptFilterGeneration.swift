import Foundation
import TGFLCore
import TGFLStats

/// `tgfl generate --prompt-days K --prompt-filter beta-t`: scenarios after the last K days of the
/// data with the Beta-t-EGARCH prompt filter (issue 16), through `generateConditional` (one
/// forecast day: the end of the data).
///
/// The filter is fitted on all of the data's returns (a checkpoint does not hold its training
/// returns); the network and its GJR-standardized prompt tokens are unchanged
/// (`ConditionalGenerationOptions.promptFilter`).
/// - Throws: `CommandFailure` for a v1 model, a regime other than unconditional, a horizon
///   beyond half the context, or a failed fit.
func generateWithPromptFilter(model: ScenarioModel, history: [Double], promptDays: Int, paths: Int, horizon: Int,
                              condition: RegimeCondition, temperature: Double, seed: UInt64, threads: Int?,
                              zRecalibration: ZRecalibration?) throws -> ScenarioSet {
    guard model.config.modelVersion >= 2, case .unconditional = condition else {
        throw CommandFailure("--prompt-filter beta-t needs a v2 model generating unconditionally (no --regime or --regime-path)")
    }
    let longest = model.config.contextLength / 2
    guard horizon <= longest else {
        throw CommandFailure("--prompt-filter beta-t generates at most \(longest) days (half the context); lower --horizon")
    }
    let filter: BetaTEGARCH
    do { filter = try PromptFilter.fitBetaT(history, what: "the returns of the data") } catch {
        throw CommandFailure("\(error)")
    }
    logInfo(String(format: "Beta-t-EGARCH prompt filter on %d returns: φ %.4f, κ %.4f, κ* %.4f, ν %.2f",
                   history.count, filter.phi, filter.kappa, filter.kappaStar, filter.nu))
    let options = ConditionalGenerationOptions(paths: paths, horizon: horizon, promptDays: promptDays,
                                               temperature: temperature, seed: seed, threads: threads,
                                               zRecalibration: zRecalibration, promptFilter: filter)
    let bar = ProgressReporter(label: "generate", unit: "paths", total: paths)
    Interrupt.install()
    defer { bar.finish() }
    do {
        let s = try model.generateConditional(history: history, days: [history.count], options: options) { p in
            bar.update(completed: p.pathsCompleted, eta: p.etaSeconds,
                       metrics: [("tok/s", ProgressFormat.rate(p.tokensPerSecond))])
            return !Interrupt.requested
        }
        return ScenarioSet(returns: (0..<paths).map { p in Array(s.returns[0][(p * horizon)..<((p + 1) * horizon)]) })
    } catch TGFLError.cancelled {
        throw CommandFailure("interrupted: no scenarios written")
    }
}
