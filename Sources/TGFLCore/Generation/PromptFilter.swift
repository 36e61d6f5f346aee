import Foundation
import TGFLStats

/// The volatility filter that carries σ through a prompted (conditional) generation (issue 16):
/// the model's fitted GJR, or Harvey's score-driven Beta-t-EGARCH (`BetaTEGARCH`), whose
/// response to one huge day is bounded and whose effect after a crash decays in weeks, as the
/// realised volatility did after 1987-10-19 and 2020-03-16 (BENCHMARKS.md, "A filter for the
/// prompted path"). `tgfl backtest --prompt-filter` and `tgfl generate --prompt-filter`.
public enum PromptFilter: String, Sendable, Codable, CaseIterable {
    /// The model's fitted GJR-GARCH filter (the default).
    case gjr
    /// Beta-t-EGARCH fitted on the training returns (`ConditionalGenerationOptions.promptFilter`).
    case betaT = "beta-t"

    /// Parses the CLI form ("gjr" or "beta-t").
    /// - Throws: `TGFLError.invalidArgument` naming the text and the choices.
    public init(parsing text: String) throws {
        guard let f = PromptFilter(rawValue: text.lowercased()) else {
            throw TGFLError.invalidArgument(
                "prompt filter '\(text)' is not one of \(PromptFilter.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = f
    }

    /// Fits the Beta-t-EGARCH prompt filter on `returns` (the model's training returns).
    /// - Throws: `TGFLError.invalidArgument` naming `what` and the reason when the fit fails.
    public static func fitBetaT(_ returns: [Double], what: String) throws -> BetaTEGARCH {
        do {
            let f = try BetaTEGARCH.fit(returns)
            try f.check()
            return f
        } catch {
            throw TGFLError.invalidArgument(
                "cannot fit the Beta-t-EGARCH prompt filter on \(what) (\(returns.count) returns): \(error); "
                + "give at least \(BetaTEGARCH.minimumFitReturns) finite returns or use the GJR filter")
        }
    }
}
