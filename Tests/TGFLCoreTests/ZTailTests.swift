import Foundation
import TGFLRandom
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The Student-t tails of the generated z (issue 12, session 14): the map against NumPy/SciPy
/// (`Tests/Fixtures/make_z_tail_reference.py`), its checkpoint keys, the fit's rule, and what
/// unconditional generation does with it.
final class ZTailTests: XCTestCase {
    struct Draw: Decodable { let bin: Int; let z: Double; let mapped: Double }
    struct Case: Decodable { let name: String; let probability: Double; let nu: Double; let nu_upper: Double?; let weights: [Float]; let draws: [Draw] }
    struct Reference: Decodable { let edges: [Double]; let cases: [Case] }

    /// z' = z_lo·Q_ν(u)/Q_ν(p) below the network's p-quantile, z_hi·Q_ν(1 − u)/Q_ν(p) above its
    /// (1 − p)-quantile, z elsewhere, clipped to the tokenizer's range — scipy.stats.t on the same
    /// float32 weights; four (p, ν) cases, one whose mass lies above zero (lower tail untouched), and
    /// one with a ν per side (session 15: ν 4 below, 12 above).
    func testMapMatchesSciPy() throws {
        let ref: Reference = try loadJSONFixture("z_tail_reference.json")
        for c in ref.cases {
            let tail = try ZTail(probability: c.probability, nu: c.nu, upperNu: c.nu_upper)
            var changed = 0
            c.weights.withUnsafeBufferPointer { w in
                for (i, d) in c.draws.enumerated() {
                    let out = tail.apply(d.z, bin: d.bin, weights: w.baseAddress!, edges: ref.edges)
                    assertClose(out, d.mapped, rtol: 1e-9, atol: 1e-12, "\(c.name) draw \(i) (bin \(d.bin), z \(d.z))")
                    if d.mapped != d.z { changed += 1 }
                }
            }
            XCTAssertGreaterThan(changed, 10, c.name)
        }
    }

    /// The optional attributes: written with the tails, read back equal; absent → nil (older
    /// checkpoints); only one of the two, p outside (0, 0.5) or ν ≤ 2 → a clear error.
    func testCheckpointKeys() throws {
        let m = try ConditionalVolatilityTests.model(params: Self.params)
        var v = try XCTUnwrap(m.volatilityModel)
        let S = v.levels, R = m.config.nRegimes
        XCTAssertNil(try VolatilityModel(checkpointSection: v.checkpointSection, levels: S, regimes: R).generationZTail)
        v.generationZTail = try ZTail(probability: 0.01, nu: 5.5)
        let section = v.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        var bad = section
        bad.attributes["generation_z_tail_nu"] = nil
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("must be given together"), "\($0)")
        }
        bad = section
        bad.attributes["generation_z_tail_probability"] = .double(0.7)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("z tail probability 0.7 must be in (0, 0.5)"), "\($0)")
        }
        bad = section
        bad.attributes["generation_z_tail_nu"] = .double(1.5)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("degrees of freedom 1.5 must be finite and > 2"), "\($0)")
        }
    }

    /// Unconditional generation: without tails the bits are those of a model without the keys; with
    /// them every day's z (from the recursion run on the path's own returns) either lies in its
    /// sampled bin, or is a tail day whose t position u = F_t(z·Q(p)/z_lo) (or the upper one) lies
    /// inside the sampled bin's share of the day's recorded softmax, below p. Fails without the map
    /// in `decode` (no day leaves its bin).
    func testGenerationMapsTheOuterShareOfEachDay() throws {
        let m = try ConditionalVolatilityTests.model(params: Self.params)
        let models = try XCTUnwrap(m.dataModels), tokenizer = models.tokenizer
        var v = try XCTUnwrap(m.volatilityModel)
        let V = m.config.vocabSize, H = 40, p = 0.05, nu = 4.0
        let options = GenerationOptions(paths: 120, horizon: H, regime: .unconditional, seed: 11, threads: 2)
        let before = try m.generate(options)
        func set(_ t: ZTail?) throws {
            v.generationZTail = t
            try m.setDataModels(DataModels(tokenizer: tokenizer, regimes: models.regimes, volatility: v))
        }
        try set(nil)
        XCTAssertEqual(try m.generate(options), before, "no tails: the same bits")
        try set(try ZTail(probability: p, nu: nu))
        let out = try m.generateRaw(options, record: true, progress: nil)
        XCTAssertFalse(out.returns == before.returns.flatMap { $0 }, "the tails change the paths")
        let e = tokenizer.binEdges
        let qp = try StudentT.quantile(p, degreesOfFreedom: nu)
        let zs = ZeroSharesTests.generatedZ(v, returns: out.returns, paths: options.paths, horizon: H, seed: options.seed)
        var tailDays = 0
        for row in 0..<(options.paths * H) {
            let (path, d) = row.quotientAndRemainder(dividingBy: H)
            let z = zs[row], k = Int(out.tokens[row])
            if z >= e[k] - 1e-9 && z <= e[k + 1] + 1e-9 { continue }
            tailDays += 1
            // The day's CDF from its recorded logits.
            let logits = out.logits[(row * V)..<((row + 1) * V)].map(Double.init)
            let top = logits.max()!
            let w = logits.map { Foundation.exp($0 - top) }, total = w.reduce(0, +)
            var knots = [0.0]
            for x in w { knots.append(knots.last! + x / total) }
            func inverse(_ q: Double) -> Double {
                let j = knots.lastIndex(where: { $0 <= q })!
                return e[j] + (q - knots[j]) / (knots[j + 1] - knots[j]) * (e[j + 1] - e[j])
            }
            if z <= e[0] + 1e-9 || z >= e[V] - 1e-9 { continue }   // clipped to the range
            let u: Double
            if z < 0 {
                let zLo = inverse(p)
                XCTAssertLessThan(zLo, 0)
                u = try StudentT.cdf(z * qp / zLo, degreesOfFreedom: nu)
            } else {
                let zHi = inverse(1 - p)
                XCTAssertGreaterThan(zHi, 0)
                u = 1 - (try StudentT.cdf(z * qp / zHi, degreesOfFreedom: nu))
            }
            XCTAssertTrue(u < p + 1e-6 || u > 1 - p - 1e-6, "path \(path) day \(d): u \(u) not in a tail")
            XCTAssertTrue(u >= knots[k] - 1e-5 && u <= knots[k + 1] + 1e-5,
                          "path \(path) day \(d): u \(u) outside bin \(k)'s share [\(knots[k]), \(knots[k + 1])]")
        }
        XCTAssertGreaterThan(tailDays, 50, "days mapped to the t tails")
    }

    static let params: [String: Double] = ["mu": 4.0e-4, "omega": 3.0e-6, "alpha": 0.05, "gamma": 0.06, "beta": 0.90, "nu": 5.0]
}
