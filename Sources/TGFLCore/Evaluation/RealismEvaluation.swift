import Foundation
import TGFLStats

/// The GARCH-family scenario sets the realism targets compare with, fitted and simulated by
/// TGFLStats (whose fits and likelihoods are checked against `arch`).
///
/// ```
/// GARCH(1,1)-t         on the training span → paths × horizon (burn-in 500)   (ACF-of-|r| reference)
/// GJR-GARCH(1,1) skew-t on the training span → paths × horizon (burn-in 500)  (leverage reference)
/// ```
/// Issue 12's targets: a scenario model's fair ACF-of-|r| error is at most GARCH-t's, and its
/// fair leverage error at most GJR's, on the same series.
public struct RealismBaselines: Sendable {
    /// GARCH(1,1) with Student-t innovations.
    public let garchT: [[Double]]
    /// GJR-GARCH(1,1) with Hansen skew-t innovations.
    public let gjrSkewT: [[Double]]

    /// Fits both models on `training` and simulates them.
    /// - Throws: `TGFLError.invalidArgument` when a fit fails (naming the model).
    public init(training: [Double], paths: Int, horizon: Int, seed: UInt64) throws {
        func run(_ spec: GARCHSpecification, _ name: String, _ stream: UInt64) throws -> [[Double]] {
            do {
                let fit = try GARCHModel.fit([training], specification: spec)
                return fit.model.simulate(paths: paths, horizon: horizon, burn: 500, seed: seed &+ stream)
            } catch {
                throw TGFLError.invalidArgument("fitting the \(name) baseline on the training span: \(error)")
            }
        }
        garchT = try run(GARCHSpecification(variance: .garch, innovations: .studentT), "GARCH(1,1)-t", 1)
        gjrSkewT = try run(GARCHSpecification(variance: .gjr, innovations: .skewT), "GJR-GARCH skew-t", 2)
    }
}

extension ScenarioModel {
    /// Window length of the memorization target (days).
    public static let realismMemorizationWindow = 20

    /// Issue 12's realism targets for a scenario set against a real series (`RealismScorecard`),
    /// with every day — real or synthetic — labelled by this model's regime function
    /// (`regimeLabels(of:)`), the memorization target on the held-out days after `trainingDays`,
    /// and, when `baselines` are given, the ACF and leverage targets against their errors.
    /// - Parameters:
    ///   - real: the full real series.
    ///   - trainingDays: how many leading days of `real` the model was trained on.
    ///   - scenarios: the synthetic paths (equal lengths).
    ///   - baselines: GARCH-t and GJR scenario sets on the same training span, or nil.
    ///   - seed: seed of the scores' subsamples.
    /// - Returns: the scorecard of `scenarios`, and those of the baselines (nil without).
    /// - Throws: `TGFLError`/`StatsError` for an unfitted model or unusable inputs.
    public func realismScorecards(real: [Double], trainingDays: Int, scenarios: [[Double]],
                                  baselines: RealismBaselines?, seed: UInt64)
        throws -> (model: RealismScorecard, garchT: RealismScorecard?, gjrSkewT: RealismScorecard?) {
        let g = try baselines.map { try realismScorecard(real: real, trainingDays: trainingDays, scenarios: $0.garchT,
                                                         references: RealismReferences(), seed: seed) }
        let j = try baselines.map { try realismScorecard(real: real, trainingDays: trainingDays, scenarios: $0.gjrSkewT,
                                                         references: RealismReferences(), seed: seed) }
        let references = RealismReferences(acfAbsoluteError: g?.metrics.acfAbsoluteError,
                                           leverageError: j?.metrics.leverageError)
        return (try realismScorecard(real: real, trainingDays: trainingDays, scenarios: scenarios,
                                     references: references, seed: seed), g, j)
    }

    /// One scenario set's realism scorecard (see `realismScorecards`): days labelled by this
    /// model's regime function, memorization against the held-out days after `trainingDays`.
    /// - Throws: `TGFLError`/`StatsError` for an unfitted model or unusable inputs.
    public func realismScorecard(real: [Double], trainingDays: Int, scenarios: [[Double]],
                                 references: RealismReferences, seed: UInt64) throws -> RealismScorecard {
        guard (1..<real.count).contains(trainingDays) else {
            throw TGFLError.invalidArgument("trainingDays \(trainingDays) must be in 1..<\(real.count)")
        }
        let names = try fittedDataModels(for: "score scenarios").regimes.names
        let w = Self.realismMemorizationWindow
        let memo = MemorizationInput(training: try Memorization.windows(of: Array(real[..<trainingDays]), length: w, stride: 1),
                                     heldOut: try Memorization.windows(of: Array(real[trainingDays...]), length: w, stride: 1))
        return try RealismScorecard(real: real, realRegimes: try regimeLabels(of: real).map(Int.init),
                                    synthetic: scenarios,
                                    syntheticRegimes: try scenarios.map { try regimeLabels(of: $0).map(Int.init) },
                                    regimeNames: names, memorization: memo, references: references,
                                    options: RealismOptions(seed: seed))
    }
}
