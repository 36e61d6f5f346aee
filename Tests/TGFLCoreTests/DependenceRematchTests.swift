import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `ScenarioModel.rematchDependence` (session 21): the generation recursion chosen again on pilot
/// paths of the model itself. The grid, and (session 22) the noise margin's paired jackknife
/// standard errors, the tail index and the tail guard on fixed pilots, are checked against NumPy
/// (Tests/Fixtures/make_dependence_rematch_reference.py); the choice on stand-in networks whose
/// dependence is known: an i.i.d. network (every weight 0, `head.bias` the log frequencies of the
/// training tokens: z i.i.d. from the training tokens, as `matchDependence` simulates them) with
/// the recursion `matchDependence` chose, with that recursion's shocks damped, and with them
/// amplified.
final class DependenceRematchTests: XCTestCase {
    struct Reference: Decodable {
        struct Candidate: Decodable { let alpha, gamma, beta: Double; let power: Int; let k, f: Double }
        struct Case: Decodable {
            let alpha, gamma, beta: Double
            let power: Int
            let nominal_persistence: Double
            let candidates: [Candidate]
        }
        /// The choice from fixed pilots (session 22): margin, jackknife and tail guard.
        struct Choice: Decodable {
            struct Stat: Decodable {
                let criterion, tail_index, gain, gain_se, tail_worsening, tail_worsening_se: Double
            }
            struct Scenario: Decodable {
                let candidates: [Int]
                let margin: Double
                let tail_guard: Bool
                let best, kept: Int
            }
            let path_length, groups: Int
            let training: [Double]
            let training_tail_index: Double
            let pilots: [[Double]]
            let candidates: [Stat]
            let scenarios: [Scenario]
        }
        let shock_scales, persistence_factors: [Double]
        let cases: [Case]
        let choice: Choice
    }

    static let config = ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                    nRegimes: 4).v2(levels: 8)
    static let options = DependenceRematchOptions(paths: 128, seed: 3)

    /// The bundled S&P 500's first 3,000 returns (training span: the first 80 %, 9 chunks).
    static func sp500() throws -> ReturnSeries {
        let s = try XCTUnwrap(try MarketData.bundledReturnSeries().first { $0.name == "sp500.close" })
        return ReturnSeries(name: s.name, values: Array(s.values.prefix(3000)))
    }

    static func trainingSpan(_ s: ReturnSeries) -> [Double] { Array(s.values.prefix(2400)) }

    /// Data models fitted by `Trainer.fit` (2 steps, no calibration), then the i.i.d. network.
    static func iidModel(_ series: ReturnSeries) throws -> ScenarioModel {
        let model = try ScenarioModel(config: config, seed: 3)
        var o = TrainingOptions(steps: 2, batchSize: 4, validationFraction: 0.2, evaluateEvery: 2, seed: 3)
        o.calibrateVolatility = false
        _ = try Trainer(model: model, options: o).fit(series: [series])
        let tokens = try XCTUnwrap(model.dataModels).encode(trainingSpan(series)).tokens
        let logp = try TokenPrior.logProbabilities(counts: TokenPrior.counts([tokens], vocabSize: config.vocabSize))
        var p = [Float](repeating: 0, count: model.parameters().count)
        let head = try XCTUnwrap(ParameterLayout(config: config).specs.first { $0.name == "head.bias" })
        for i in 0..<config.vocabSize { p[head.offset + i] = Float(logp[i]) }
        try model.setParameters(p)
        return model
    }

    /// The model's recursion with (α, γ) × `scale` at the same nominal persistence.
    static func withShocks(_ model: ScenarioModel, scale: Double) throws {
        let models = try XCTUnwrap(model.dataModels)
        var v = try XCTUnwrap(models.volatility)
        let d = v.generationDynamics ?? GenerationDynamics(alpha: v.garch.alpha, gamma: v.garch.gamma,
                                                          beta: v.garch.beta)
        let m = d.power == 2 ? 1 : VolatilityModel.normalAbsoluteMean
        let shock = d.alpha * m + d.gamma * m / 2
        v.generationDynamics = GenerationDynamics(alpha: scale * d.alpha, gamma: scale * d.gamma,
                                                  beta: d.beta + (1 - scale) * shock, power: d.power)
        if v.generationLevelLogQuantiles == nil {
            v.generationLevelLogQuantiles = VolatilityModel.chunkLevelLogQuantiles(
                VolatilityModel.dependenceChunks([trainingSpan(try sp500())]))
        }
        try model.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
    }

    func rematch(_ model: ScenarioModel, options: DependenceRematchOptions = DependenceRematchTests.options) throws
        -> DependenceRematch {
        let s = try Self.sp500()
        let target = try ScenarioModel.calibrationTargets(of: [s.values]).variance
        return try model.rematchDependence(trainingSpans: [Self.trainingSpan(s)], targetVariance: target,
                                           options: options)
    }

    /// The grid: NumPy's candidates, in order, for a power-2 and a power-1 recursion, one beyond
    /// the unit root and one whose high-shock candidates have β' < 0.
    func testCandidateGridMatchesNumPy() throws {
        let ref: Reference = try loadJSONFixture("dependence_rematch_reference.json")
        let options = DependenceRematchOptions()
        XCTAssertEqual(options.shockScales, ref.shock_scales)
        XCTAssertEqual(options.persistenceFactors, ref.persistence_factors)
        for c in ref.cases {
            let current = GenerationDynamics(alpha: c.alpha, gamma: c.gamma, beta: c.beta, power: c.power)
            let m = c.power == 2 ? 1 : VolatilityModel.normalAbsoluteMean
            let p = current.effectivePersistence((m, m / 2))
            XCTAssertEqual(p, c.nominal_persistence, accuracy: 1e-12)
            let grid = ScenarioModel.rematchCandidates(current: current, nominalPersistence: p, options: options)
            XCTAssertEqual(grid.count, c.candidates.count, "candidates of \(c.alpha), \(c.gamma), \(c.beta), \(c.power)")
            for (g, e) in zip(grid, c.candidates) {
                XCTAssertEqual(g.k, e.k); XCTAssertEqual(g.f, e.f)
                XCTAssertEqual(g.dynamics.power, e.power)
                assertClose([g.dynamics.alpha, g.dynamics.gamma, g.dynamics.beta], [e.alpha, e.gamma, e.beta],
                            rtol: 1e-12, atol: 1e-14, "k \(e.k) f \(e.f)")
            }
        }
    }

    /// The choice from fixed pilots against NumPy: each candidate's criterion, tail index, paired
    /// gain and tail worsening with their delete-a-group jackknife standard errors, and the best
    /// and kept candidates of scenarios where the tail guard refuses a fat-tailed candidate with
    /// the best criterion and the margin refuses a gain within noise (that margin 0 keeps).
    func testMarginAndTailGuardMatchNumPy() throws {
        let c = (try loadJSONFixture("dependence_rematch_reference.json") as Reference).choice
        let H = c.path_length
        let chunks = VolatilityModel.dependenceChunks([c.training])
        XCTAssertEqual(chunks.count, 8)
        let fair = try VolatilityModel.fairDependenceCurves(chunks, what: "the fixture")
        let tau = VolatilityModel.tailIndex(chunks.joined())
        XCTAssertEqual(tau, c.training_tail_index, accuracy: 1e-10)
        let pilots = try c.pilots.map { r -> (curves: [DependenceCurves]?, returns: [Double]) in
            let paths = (0..<(r.count / H)).map { Array(r[($0 * H)..<(($0 + 1) * H)]) }
            return (try QuantGANs.pathCurves(of: paths, maxLag: 50), r)
        }
        let dynamics = GenerationDynamics(alpha: 0.05, gamma: 0.1, beta: 0.8, power: 2)
        for s in c.scenarios {
            let options = DependenceRematchOptions(margin: s.margin, jackknifeGroups: c.groups, tailGuard: s.tail_guard)
            let r = ScenarioModel.rematchChoice(grid: s.candidates.map { (dynamics, Double($0), 1) },
                                                omegas: s.candidates.map { _ in 1e-6 }, pilots: s.candidates.map { pilots[$0] },
                                                fair: fair, trainingTailIndex: tau, pathLength: H, options: options)
            let what = "candidates \(s.candidates), margin \(s.margin), guard \(s.tail_guard)"
            XCTAssertEqual(r.best, s.best, what)
            XCTAssertEqual(r.kept, s.kept, what)
            XCTAssertEqual(r.pilotTokens, s.candidates.count * c.pilots[0].count, what)
            for (g, i) in zip(r.candidates, s.candidates) {
                let e = c.candidates[i]
                assertClose([g.criterion, g.tailIndex, g.gain, g.gainSE, g.tailWorsening, g.tailWorseningSE],
                            [e.criterion, e.tail_index, e.gain, e.gain_se, e.tail_worsening, e.tail_worsening_se],
                            rtol: 1e-9, atol: 1e-12, "\(what): candidate \(i)")
            }
        }
        // The fixture's point: candidate 2 has the best criterion but the guard refuses its tails;
        // candidate 3's gain is positive but within 2 SE.
        XCTAssertGreaterThan(c.candidates[2].tail_worsening, 2 * c.candidates[2].tail_worsening_se)
        XCTAssertLessThan(c.candidates[3].gain, 2 * c.candidates[3].gain_se)
    }

    /// An i.i.d. network is what `matchDependence` simulated, so its recursion stays (or a
    /// neighbour within the pilots' noise); damped shocks are raised again, amplified ones lowered.
    func testKeptCandidateMovesTowardsTheDataOnKnownNetworks() throws {
        let s = try Self.sp500()
        let iid = try Self.iidModel(s)
        let before = try XCTUnwrap(iid.dataModels)
        let same = try rematch(iid)
        XCTAssertEqual(same.candidates.count, 12)
        let kept = same.candidates[same.kept]
        XCTAssertEqual(kept.shockScale, 1, accuracy: 0.25, "i.i.d. network: the shocks stay")
        XCTAssertLessThan(same.candidates[0].criterion - kept.criterion, 0.05,
                          "i.i.d. network: the current recursion is within noise of the best")
        if same.kept == 0 { XCTAssertEqual(iid.dataModels, before, "keeping the current one changes nothing") }

        let damped = try Self.iidModel(s)
        try Self.withShocks(damped, scale: 0.5)
        let up = try rematch(damped)
        XCTAssertGreaterThanOrEqual(up.candidates[up.kept].shockScale, 1.25, "damped shocks are raised")
        XCTAssertLessThan(up.candidates[up.kept].criterion, up.candidates[0].criterion)
        XCTAssertEqual(damped.volatilityModel?.generationDynamics, up.candidates[up.kept].dynamics, "kept is stored")

        let loud = try Self.iidModel(s)
        try Self.withShocks(loud, scale: 2)
        let down = try rematch(loud)
        XCTAssertLessThanOrEqual(down.candidates[down.kept].shockScale, 0.75, "amplified shocks are lowered")
        let line = try XCTUnwrap(loud.history.summary["dependence_rematch"], "recorded in the training record")
        XCTAssertTrue(line.contains(String(format: "gain %.4f SE %.4f (margin z 2: kept)",
                                           down.candidates[down.best].gain, down.candidates[down.best].gainSE)), line)
        for r in [same, up, down] {
            let best = r.candidates[r.best]
            XCTAssertEqual(r.changed, best.gain > 2 * best.gainSE && r.best != 0, "the margin decides")
            XCTAssertTrue(r.candidates.allSatisfy { !$0.admissible || $0.tailWorsening <= 2 * $0.tailWorseningSE },
                          "the tail guard")
        }
    }

    /// The same bits for 1 and 2 threads; a grid of the current recursion alone leaves the model
    /// exactly as it was; the pilot cost is candidates × paths × 250.
    func testDeterministicAndCurrentOnlyIsNoChange() throws {
        let s = try Self.sp500()
        var one = DependenceRematchOptions(paths: 32, seed: 5), two = one
        one.threads = 1
        two.threads = 2
        let a = try Self.iidModel(s), b = try Self.iidModel(s)
        try Self.withShocks(a, scale: 0.5)
        try Self.withShocks(b, scale: 0.5)
        let ra = try rematch(a, options: one), rb = try rematch(b, options: two)
        XCTAssertEqual(ra, rb)
        XCTAssertEqual(a.dataModels, b.dataModels)
        XCTAssertEqual(ra.pilotTokens, ra.candidates.count * 32 * 250)

        let c = try Self.iidModel(s)
        let before = try XCTUnwrap(c.dataModels)
        let r = try rematch(c, options: DependenceRematchOptions(paths: 16, shockScales: [1], persistenceFactors: [1]))
        XCTAssertEqual(r.candidates.count, 1)
        XCTAssertEqual(r.kept, 0)
        XCTAssertEqual(c.dataModels, before)
    }

    /// `Trainer.fit` runs it before the calibration when asked (off by default), and
    /// `adaptingVolatility(rematch:)` on the adapted copy.
    func testTrainerAndAdaptationRunItOnlyWhenAsked() throws {
        let s = try Self.sp500()
        var o = TrainingOptions(steps: 2, batchSize: 4, validationFraction: 0.2, evaluateEvery: 2, seed: 3)
        o.volatilityCalibration = VolatilityCalibrationOptions(paths: 16, seed: 0)
        XCTAssertNil(o.rematchDependence, "off by default")
        let plain = try ScenarioModel(config: Self.config, seed: 3)
        let r0 = try Trainer(model: plain, options: o).fit(series: [s])
        XCTAssertNil(r0.dependenceRematch)
        XCTAssertNil(plain.history.summary["dependence_rematch"])
        o.rematchDependence = DependenceRematchOptions(paths: 16)
        let asked = try ScenarioModel(config: Self.config, seed: 3)
        let r1 = try Trainer(model: asked, options: o).fit(series: [s])
        let rematch = try XCTUnwrap(r1.dependenceRematch)
        XCTAssertEqual(asked.volatilityModel?.generationDynamics,
                       rematch.kept == 0 ? plain.volatilityModel?.generationDynamics : rematch.candidates[rematch.kept].dynamics)
        XCTAssertNotNil(r1.volatilityCalibration, "the calibration follows")

        let adapted = try plain.adaptingVolatility(to: s, trainFraction: 0.8, calibration: nil,
                                                   rematch: DependenceRematchOptions(paths: 16))
        XCTAssertNotNil(adapted.rematch)
        XCTAssertNil(try plain.adaptingVolatility(to: s, trainFraction: 0.8, calibration: nil).rematch)

        // A training span under one chunk (300 days × 0.8 = 240) is refused before any step, so
        // no trained run is lost to the rematch's own refusal afterwards.
        let short = ReturnSeries(name: "short", values: Array(s.values.prefix(300)))
        let untouched = try ScenarioModel(config: Self.config, seed: 3)
        XCTAssertThrowsError(try Trainer(model: untouched, options: o).fit(series: [short])) {
            XCTAssertTrue("\($0)".contains("at least 250 days") && "\($0)".contains("longest here is 240"), "\($0)")
        }
        XCTAssertNil(untouched.optimizerState?.step, "refused before the first step")
    }

    /// Refusals name what is wrong.
    func testRefusals() throws {
        let v1 = try ScenarioModel(config: ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1,
                                                       nHeads: 2, dFF: 32, nRegimes: 4), seed: 1)
        XCTAssertThrowsError(try v1.rematchDependence(trainingSpans: [[0.01]], targetVariance: 1e-4)) {
            XCTAssertTrue("\($0)".contains("model v1"), "\($0)")
        }
        let unfitted = try ScenarioModel(config: Self.config, seed: 1)
        XCTAssertThrowsError(try unfitted.rematchDependence(trainingSpans: [[0.01]], targetVariance: 1e-4)) {
            XCTAssertTrue("\($0)".contains("train the model first"), "\($0)")
        }
        let s = try Self.sp500()
        let model = try Self.iidModel(s)
        XCTAssertThrowsError(try model.rematchDependence(trainingSpans: [Array(s.values.prefix(249))],
                                                         targetVariance: 1e-4)) {
            XCTAssertTrue("\($0)".contains("full 250-day chunk"), "\($0)")
        }
        XCTAssertThrowsError(try model.rematchDependence(trainingSpans: [s.values], targetVariance: 0)) {
            XCTAssertTrue("\($0)".contains("target variance"), "\($0)")
        }
        XCTAssertThrowsError(try model.rematchDependence(trainingSpans: [s.values], targetVariance: 1e-4,
                                                         options: DependenceRematchOptions(paths: 1))) {
            XCTAssertTrue("\($0)".contains("paths ≥ 2"), "\($0)")
        }
        for options in [DependenceRematchOptions(margin: -1), DependenceRematchOptions(margin: .nan),
                        DependenceRematchOptions(jackknifeGroups: 1)] {
            XCTAssertThrowsError(try model.rematchDependence(trainingSpans: [s.values], targetVariance: 1e-4,
                                                             options: options)) {
                XCTAssertTrue("\($0)".contains("a finite margin ≥ 0 and jackknife groups ≥ 2"), "\($0)")
            }
        }
    }
}
