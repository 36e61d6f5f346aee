import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The sign→size scales of the generated z (issue 12, session 12) against arch and NumPy
/// (`Tests/Fixtures/make_z_sign_scales_reference.py`), their checkpoint keys, and what
/// generation does with them.
final class ZSignScalesTests: XCTestCase {
    struct Case: Decodable {
        let spans: [[Int]]
        let lags: Int
        let factors: [Double]
    }
    struct Reference: Decodable { let params: [String: Double]; let cases: [String: Case] }

    func reference() throws -> Reference { try loadJSONFixture("z_sign_scales_reference.json") }

    var dax: [Double] { get throws { try MarketData.bundled(.euStocks).logReturns("dax").values } }

    /// c_i from arch's GJR-t residuals at fixed parameters, by NumPy: K = 1 on one span and on the
    /// same days as two spans (cells do not cross spans, each span starts from its own backcast),
    /// K = 2 on one span.
    func testScalesMatchNumPy() throws {
        let ref = try reference()
        var v = try XCTUnwrap(try ConditionalVolatilityTests.model(params: ref.params).volatilityModel)
        let r = try dax
        for (name, c) in ref.cases.sorted(by: { $0.key < $1.key }) {
            v.fitZSignScales(trainingSpans: c.spans.map { Array(r[$0[0]..<$0[1]]) }, lags: c.lags)
            let s = try XCTUnwrap(v.generationZSignScales, name)
            XCTAssertEqual(s.lags, c.lags, name)
            assertClose(s.factors, c.factors, rtol: 1e-9, name)
        }
        XCTAssertNotEqual(ref.cases["one"]!.factors, ref.cases["two"]!.factors,
                          "the two cases differ (a fit that pairs across spans fails one)")
        // Too few days in a cell: no scales.
        v.fitZSignScales(trainingSpans: [Array(r[0..<300])], lags: 2)
        XCTAssertNil(v.generationZSignScales)
    }

    /// The optional checkpoint dataset: written with the scales, read back equal; absent → nil
    /// (older checkpoints); a count that is not 2^K or a non-positive value → a clear error.
    func testCheckpointKeys() throws {
        let m = try ConditionalVolatilityTests.model(params: try reference().params)
        var v = try XCTUnwrap(m.volatilityModel)
        let S = v.levels, R = m.config.nRegimes
        XCTAssertNil(try VolatilityModel(checkpointSection: v.checkpointSection, levels: S, regimes: R).generationZSignScales)
        v.generationZSignScales = try ZSignScales(factors: [1.1, 0.9, 1.05, 0.95])
        let section = v.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        var three = section
        three.datasets["generation_z_sign_scales"] = [1.1, 0.9, 1]
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: three, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("generation_z_sign_scales") && "\($0)".contains("need 2^K"), "\($0)")
        }
        var bad = section
        bad.datasets["generation_z_sign_scales"] = [1.1, -1]
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("must be finite and > 0"), "\($0)")
        }
    }

    /// The z of every path, recovered from its returns by running the generation recursion from the
    /// path's own start (the first uniform of its stream, as `sampleChunk` draws it).
    func recoveredZ(_ s: ScenarioSet, model v: VolatilityModel, seed: UInt64) -> [[Double]] {
        let mu = v.location(regime: nil), omega = v.omega(regime: nil)
        let bounds = v.sigmaFloor * v.sigmaFloor...v.sigmaCap * v.sigmaCap
        return s.returns.enumerated().map { p, path in
            var rng = SeededRNG(seed: seed, stream: UInt64(p))
            let u = rng.uniform()
            var variance = v.initialVariance(u: u)
            let level = v.generationLevelFactor(u: u)
            return path.map { r in
                let z = (r - mu) / variance.squareRoot()
                variance = v.generationStep(variance: variance, residual: r - mu, omega: omega * level, bounds: bounds)
                return z
            }
        }
    }

    /// E[z²_t | cell_t] over the days t ≥ K of the paths (cell_t = Σ_j 2^j·1[z_{t−1−j} ≥ 0]).
    func cellMeans(_ z: [[Double]], lags: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: 1 << lags), count = sum
        for path in z {
            for t in lags..<path.count {
                var cell = 0
                for j in 0..<lags where path[t - 1 - j] >= 0 { cell |= 1 << j }
                sum[cell] += path[t] * path[t]
                count[cell] += 1
            }
        }
        return zip(sum, count).map { $0 / $1 }
    }

    /// E[z²_{t+1} | z_t < 0] / E[z²_{t+1} | z_t ≥ 0] over the paths.
    func signRatio(_ z: [[Double]]) -> Double {
        let m = cellMeans(z, lags: 1)
        return m[0] / m[1]
    }

    /// Unconditional paths without a prompt (K = 1): a z after a negative z is scaled by c_−,
    /// after a non-negative one by c_+, so the sign ratio of E[z²] is (c_−/c_+)² times the network's own
    /// (here 2.25 / 0.64 → 5.1×). Regime-conditioned and prompted runs are not scaled (same bits).
    /// Fails without the scaling in `decode` (ratio ≈ 1×).
    func testUnconditionalGenerationScalesBySign() throws {
        let m = try ConditionalVolatilityTests.model(params: try reference().params)
        let plain = try XCTUnwrap(m.volatilityModel)
        let options = GenerationOptions(paths: 400, horizon: 60, regime: .unconditional, seed: 5, threads: 2)
        let plainZ = recoveredZ(try m.generate(options), model: plain, seed: 5)
        let base = signRatio(plainZ), base2 = cellMeans(plainZ, lags: 2)
        let fixed = GenerationOptions(paths: 20, horizon: 30, regime: .fixed(2), seed: 5, threads: 2)
        let prompted = GenerationOptions(paths: 20, horizon: 30, regime: .unconditional, prompt: Array(try dax[0..<300]),
                                         seed: 5, threads: 2)
        let before = (try m.generate(fixed), try m.generate(prompted))

        var scaled = plain
        scaled.generationZSignScales = try ZSignScales(factors: [1.5, 0.8])
        let models = try XCTUnwrap(m.dataModels)
        try m.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: scaled))
        let ratio = signRatio(recoveredZ(try m.generate(options), model: scaled, seed: 5))
        let expected = (1.5 * 1.5) / (0.8 * 0.8)
        XCTAssertEqual(ratio / base, expected, accuracy: 0.25 * expected, "base ratio \(base), scaled \(ratio)")
        XCTAssertEqual(try m.generate(fixed), before.0, "a fixed regime is not scaled")
        XCTAssertEqual(try m.generate(prompted), before.1, "a prompted run is not scaled")

        // K = 2: each of the four sign cells of the two previous z gets its own factor.
        let factors = [1.4, 1.0, 0.7, 1.2]
        scaled.generationZSignScales = try ZSignScales(factors: factors)
        try m.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: scaled))
        let cells = cellMeans(recoveredZ(try m.generate(options), model: scaled, seed: 5), lags: 2)
        for i in 0..<4 {
            let expected = factors[i] * factors[i] / (factors[3] * factors[3])
            XCTAssertEqual((cells[i] / cells[3]) / (base2[i] / base2[3]), expected, accuracy: 0.25 * expected, "cell \(i)")
        }
    }
}
