import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The dependence matching of v2's generation recursion (`VolatilityModel.matchDependence`)
/// against `arch` and NumPy (Tests/Fixtures/make_dependence_reference.py, S&P 500 training span).
final class DependenceMatchTests: XCTestCase {
    struct Reference: Decodable {
        let train_days: Int
        let returns_head: [Double]
        let mu, omega, alpha, gamma, beta, nu: Double
        let m2, m2n, variance: Double
        let initial_log_sigma_quantiles: [Double]
        let sigma_floor, sigma_cap: Double
        let level_log_quantiles, fair_acf_abs, fair_leverage: [Double]
        let candidates: [[Double]]
        let start_uniforms: [Double]
        let draw_indices: [[Int]]
        let criteria, independent_criteria: [Double]
    }

    func reference() throws -> Reference { try loadJSONFixture("dependence_reference.json") }

    /// The training span (first 80 % of the bundled S&P 500) and the model built from arch's fit.
    func fixture() throws -> (ref: Reference, train: [Double], model: VolatilityModel) {
        let ref = try reference()
        let train = Array(try MarketData.bundled(.sp500).logReturns().values.prefix(ref.train_days))
        assertClose(Array(train.prefix(5)), ref.returns_head, rtol: 1e-12, "the S&P 500 training returns")
        let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: ref.mu, omega: ref.omega,
                                   alpha: ref.alpha, gamma: ref.gamma, beta: ref.beta, nu: ref.nu)
        let model = try VolatilityModel(garch: garch, levelEdges: [-5], regimeVariances: [1e-4],
                                        initialLogSigmaQuantiles: ref.initial_log_sigma_quantiles,
                                        sigmaFloor: ref.sigma_floor, sigmaCap: ref.sigma_cap)
        return (ref, train, model)
    }

    /// The candidates, the simulation and the criterion equal NumPy's on the same draws.
    func testCandidatesAndCriteriaMatchNumPy() throws {
        var (ref, train, model) = try fixture()
        let match = try XCTUnwrap(try model.matchDependence(trainingSpans: [train]))
        assertClose(match.zMoments.square, ref.m2, rtol: 1e-8, "E[z²] of arch's filter")
        assertClose(match.zMoments.negativeSquare, ref.m2n, rtol: 1e-8, "E[z²·1(z<0)]")
        XCTAssertEqual(match.candidates.count, ref.candidates.count, "candidates")
        for (c, r) in zip(match.candidates, ref.candidates) {
            assertClose([c.dynamics.alpha, c.dynamics.gamma, c.dynamics.beta], r, rtol: 1e-8, atol: 1e-12, "candidate")
        }
        let z = model.garch.standardizedResiduals(train)
        let L = VolatilityModel.dependenceChunkLength
        let chunks = (0..<(train.count / L)).map { Array(train[($0 * L)..<(($0 + 1) * L)]) }
        let fair = try QuantGANs.averageCurves(of: chunks, maxLag: 50)
        assertClose(fair.acfAbsolute, ref.fair_acf_abs, rtol: 1e-9, atol: 1e-12, "fair ACF|r| of the training chunks")
        assertClose(Array(fair.leverage.prefix(20)), ref.fair_leverage, rtol: 1e-9, atol: 1e-12, "fair leverage")
        for (i, c) in ref.candidates.enumerated() {
            let d = GenerationDynamics(alpha: c[0], gamma: c[1], beta: c[2])
            let persistence = c[0] * ref.m2 + c[1] * ref.m2n + c[2]
            let paths = model.simulatedPaths(d, omega: ref.variance * max(1 - persistence, 1e-3), z: z,
                                             startUniforms: ref.start_uniforms, drawIndices: ref.draw_indices)
            assertClose(try VolatilityModel.dependenceCriterion(fair: fair, paths: paths), ref.criteria[i],
                        rtol: 1e-7, "criterion of candidate \(i)")
        }
    }

    /// The bug this fixes: drawn with the training z, the fitted recursion's effective persistence
    /// is above 0.999 on the S&P 500 (its ACF of |r| stays high at long lags). The kept candidate
    /// is another, with a lower effective persistence, and beats the fitted one on an
    /// independent NumPy simulation (other draws, 512 paths). Fails without the matching
    /// (`generationDynamics` nil).
    func testKeptDynamicsBeatTheFittedOnAnIndependentSimulation() throws {
        var (ref, train, model) = try fixture()
        XCTAssertGreaterThan(ref.alpha * ref.m2 + ref.gamma * ref.m2n + ref.beta, 0.995, "the fitted effective persistence")
        let match = try XCTUnwrap(try model.matchDependence(trainingSpans: [train], seed: 3))
        let d = try XCTUnwrap(model.generationDynamics, "the fitted dynamics were kept")
        XCTAssertNotEqual(match.kept, 0)
        XCTAssertLessThanOrEqual(d.alpha * ref.m2 + d.gamma * ref.m2n + d.beta, 0.99 + 1e-9, "effective persistence kept")
        XCTAssertLessThan(ref.independent_criteria[match.kept], 0.9 * ref.independent_criteria[0],
                          "NumPy's criterion of the kept candidate against the fitted one's")
        // Each path's slow level: the training years' own chunk variances (NumPy's quantiles).
        assertClose(try XCTUnwrap(model.generationLevelLogQuantiles), ref.level_log_quantiles, rtol: 1e-9, atol: 1e-12,
                    "quantiles of log chunk variance / mean")
        let q = ref.level_log_quantiles
        XCTAssertEqual(model.generationLevelFactor(u: 0.5), exp(q[50]), accuracy: 1e-12)
        XCTAssertEqual(model.generationLevelFactor(u: 0.005), exp(0.5 * (q[0] + q[1])), accuracy: 1e-12)
        // Unconditional generation uses them; filtering keeps the fitted coefficients.
        let e = -0.01, v = 1e-4
        XCTAssertEqual(model.generationStep(variance: v, residual: e, omega: 1e-6, bounds: 0...1),
                       1e-6 + (d.alpha + d.gamma) * e * e + d.beta * v, accuracy: 1e-15)
        XCTAssertEqual(model.step(variance: v, residual: e, omega: 1e-6, bounds: 0...1),
                       1e-6 + (ref.alpha + ref.gamma) * e * e + ref.beta * v, accuracy: 1e-15)
    }

    /// A stale price for a whole year (a constant 250-day chunk) has no ACF: matching skips that
    /// chunk instead of failing the training, and the slow levels are the other years' (NumPy's).
    func testAConstantChunkIsSkipped() throws {
        var (ref, train, model) = try fixture()
        XCTAssertNotNil(try model.matchDependence(trainingSpans: [train, [Double](repeating: 0, count: 250)]))
        assertClose(try XCTUnwrap(model.generationLevelLogQuantiles), ref.level_log_quantiles, rtol: 1e-9, atol: 1e-12,
                    "the levels of the non-constant chunks")
    }

    /// The dynamics round-trip through the checkpoint section; a section without them (v2
    /// checkpoints before session 9) loads with none; a partial or negative set is refused by name.
    func testCheckpointKeys() throws {
        var (_, _, model) = try fixture()
        var section = model.checkpointSection
        XCTAssertNil(section.attributes["generation_beta"])
        XCTAssertNil(try VolatilityModel(checkpointSection: section, levels: 2, regimes: 1).generationDynamics)
        model.generationDynamics = GenerationDynamics(alpha: 0.01, gamma: 0.1, beta: 0.9)
        model.generationLevelLogQuantiles = (0..<VolatilityModel.initialQuantileCount).map { -1 + Double($0) / 50 }
        section = model.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: 2, regimes: 1), model)
        var unsorted = section
        unsorted.datasets["generation_level_log_quantiles"]![3] = 5
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: unsorted, levels: 2, regimes: 1)) {
            XCTAssertTrue("\($0)".contains("generation_level_log_quantiles"), "\($0)")
        }
        section.attributes["generation_gamma"] = nil
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: 2, regimes: 1)) {
            XCTAssertTrue("\($0)".contains("generation_gamma"), "\($0)")
        }
        section.attributes["generation_gamma"] = .double(-1)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: 2, regimes: 1)) {
            XCTAssertTrue("\($0)".contains("generation_alpha/gamma/beta"), "\($0)")
        }
        // The implied level is kept before calibration: ω_gen (1 − p_fit) = ω (1 − p_gen) nominally.
        let p = 0.01 + 0.05 + 0.9
        XCTAssertEqual(model.uncalibratedGenerationOmega, model.garch.omega * (1 - p) / (1 - model.garch.persistence),
                       accuracy: 1e-18)
    }
}
