import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The point mass at zero of v2 generation (issue 12, session 13): the shares q_b against arch and
/// NumPy (`Tests/Fixtures/make_zero_shares_reference.py`), their checkpoint key, and what
/// generation does with them.
final class ZeroSharesTests: XCTestCase {
    struct Case: Decodable {
        let spans: [[Int]]
        let shares: [Double]
        let zero_days: Int
    }
    struct Tokenizer: Decodable { let vocab_size: Int; let mean: Double; let std: Double; let clip_sigma: Double }
    struct Reference: Decodable { let params: [String: Double]; let tokenizer: Tokenizer; let cases: [String: Case] }

    func reference() throws -> Reference { try loadJSONFixture("zero_shares_reference.json") }

    /// q_b = share of exact-zero returns among the training days of token b, tokens of arch's GJR-t
    /// residuals at fixed parameters on Siemens (8 % zeros), by NumPy; one span and two spans.
    func testSharesMatchNumPy() throws {
        let ref = try reference()
        let v = try XCTUnwrap(try ConditionalVolatilityTests.model(params: ref.params).volatilityModel)
        let t = ref.tokenizer
        let tokenizer = try ReturnTokenizer(vocabSize: t.vocab_size, mean: t.mean, std: t.std, clipSigma: t.clip_sigma)
        let r = try MarketData.bundled(.siemens).logReturns("log_return").values
        for (name, c) in ref.cases.sorted(by: { $0.key < $1.key }) {
            let q = try XCTUnwrap(try v.zeroShares(trainingSpans: c.spans.map { Array(r[$0[0]..<$0[1]]) },
                                                   tokenizer: tokenizer), name)
            assertClose(q, c.shares, rtol: 1e-12, name)
            XCTAssertGreaterThan(c.zero_days, 100, name)
        }
        // No exact zero in the training days: no shares.
        XCTAssertNil(try v.zeroShares(trainingSpans: [r.filter { $0 != 0 }], tokenizer: tokenizer))
    }

    /// The optional checkpoint dataset: written with the shares, read back equal; absent → nil
    /// (older checkpoints); a value outside [0, 1] or a count that is not V → a clear error.
    func testCheckpointKey() throws {
        let m = try ConditionalVolatilityTests.model(params: try reference().params)
        let models = try XCTUnwrap(m.dataModels)
        var v = try XCTUnwrap(m.volatilityModel)
        let S = v.levels, R = m.config.nRegimes, V = m.config.vocabSize
        XCTAssertNil(try VolatilityModel(checkpointSection: v.checkpointSection, levels: S, regimes: R).generationZeroShares)
        v.generationZeroShares = (0..<V).map { $0 == V / 2 ? 0.75 : 0 }
        let section = v.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        var bad = section
        bad.datasets["generation_zero_shares"] = [0.5, 1.5]
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("generation_zero_shares[1] = 1.5") && "\($0)".contains("[0, 1]"), "\($0)")
        }
        v.generationZeroShares = [0.5, 0.5]
        XCTAssertThrowsError(try DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v)) {
            XCTAssertTrue("\($0)".contains("has 2 values but the tokenizer has \(V) tokens"), "\($0)")
        }
    }

    /// Generation emits r = 0 exactly with probability q_k when it samples bin k: the count of zeros
    /// matches Σ_days Σ_k softmax(logits)_k · q_k of the recorded logits; a zero day's next input is
    /// the token of its z = −μ/σ, any other day's z lies in its token's bin; shares of 0 everywhere
    /// give the bits of a model without shares (no extra draw). Fails without the point mass in `decode`.
    func testGenerationEmitsZerosAtTheShares() throws {
        let m = try ConditionalVolatilityTests.model(params: try reference().params)
        let models = try XCTUnwrap(m.dataModels), tokenizer = models.tokenizer
        var v = try XCTUnwrap(m.volatilityModel)
        let V = m.config.vocabSize, H = 40
        let options = GenerationOptions(paths: 120, horizon: H, regime: .unconditional, seed: 11, threads: 2)
        let before = try m.generate(options)
        func set(_ q: [Double]?) throws {
            v.generationZeroShares = q
            try m.setDataModels(DataModels(tokenizer: tokenizer, regimes: models.regimes, volatility: v))
        }
        try set([Double](repeating: 0, count: V))
        XCTAssertEqual(try m.generate(options), before, "zero shares everywhere: the same bits")

        let q = (0..<V).map { $0 % 2 == 0 ? 0.6 : 0.1 }
        try set(q)
        let out = try m.generateRaw(options, record: true, progress: nil)
        var expected = 0.0, variance = 0.0
        for row in 0..<(options.paths * H) {
            let logits = out.logits[(row * V)..<((row + 1) * V)].map(Double.init)
            let top = logits.max()!
            let w = logits.map { Foundation.exp($0 - top) }, total = w.reduce(0, +)
            let p = zip(w, q).reduce(0.0) { $0 + $1.0 / total * $1.1 }
            expected += p
            variance += p * (1 - p)
        }
        let zeros = out.returns.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros), expected, accuracy: 4 * variance.squareRoot(), "zeros \(zeros), expected \(expected)")

        // Each day's z from the recursion run on the path's returns from its own start.
        let zs = Self.generatedZ(v, returns: out.returns, paths: options.paths, horizon: H, seed: options.seed)
        for row in 0..<(options.paths * H) {
            let r = out.returns[row], z = zs[row], k = Int(out.tokens[row])
            let (p, d) = row.quotientAndRemainder(dividingBy: H)
            if r == 0 {
                XCTAssertEqual(k, Int(try tokenizer.encode(z)), "path \(p) day \(d): token of the zero day's z")
            } else {
                let e = tokenizer.binEdges
                XCTAssertTrue(z >= e[k] - 1e-9 && z <= e[k + 1] + 1e-9, "path \(p) day \(d): z \(z) outside bin \(k)")
            }
        }
    }

    /// The z = (r − μ)/σ_d of every day of unconditional paths (`paths × horizon`, row-major), σ_d
    /// from the generation recursion run on each path's own returns from its start (the path's
    /// first uniform: the starting volatility and the slow level).
    static func generatedZ(_ v: VolatilityModel, returns: [Double], paths: Int, horizon H: Int, seed: UInt64) -> [Double] {
        let mu = v.location(regime: nil), omega = v.omega(regime: nil)
        let bounds = v.sigmaFloor * v.sigmaFloor...v.sigmaCap * v.sigmaCap
        var out = [Double](repeating: 0, count: paths * H)
        for p in 0..<paths {
            var rng = SeededRNG(seed: seed, stream: UInt64(p))
            let u = rng.uniform()
            var variance = v.initialVariance(u: u)
            let level = v.generationLevelFactor(u: u)
            for d in 0..<H {
                let r = returns[p * H + d]
                out[p * H + d] = (r - mu) / variance.squareRoot()
                variance = v.generationStep(variance: variance, residual: r - mu, omega: omega * level, bounds: bounds)
            }
        }
        return out
    }
}
