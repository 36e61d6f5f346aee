import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The z marginal map of generation (issue 19, session 16): its construction against NumPy
/// (`Tests/Fixtures/make_z_marginal_reference.py`), its checkpoint keys, and what unconditional
/// generation does with it.
final class ZMarginalMapTests: XCTestCase {
    struct Case: Decodable {
        let edges: [Double], counts: [Int], public_z: [Double], targets: [Double], probes: [Double], mapped: [Double]
    }
    struct Reference: Decodable { let cases: [String: Case] }

    /// y_k = numpy.quantile(public z, C_k) from the pilot counts (empty bins included) and
    /// T = numpy.interp on the edges (clamped outside): both cases to 1e-12.
    func testFitAndApplyMatchNumPy() throws {
        let ref: Reference = try loadJSONFixture("z_marginal_reference.json")
        XCTAssertEqual(ref.cases.count, 2)
        for (name, c) in ref.cases.sorted(by: { $0.key < $1.key }) {
            let map = try ZMarginalMap.fit(counts: c.counts, publicZ: c.public_z)
            XCTAssertEqual(map.targets.count, c.edges.count, name)
            for (k, (a, e)) in zip(map.targets, c.targets).enumerated() {
                XCTAssertEqual(a, e, accuracy: 1e-12, "\(name) y_\(k)")
            }
            for (z, e) in zip(c.probes, c.mapped) {
                XCTAssertEqual(map.apply(z, edges: c.edges), e, accuracy: 1e-12, "\(name) T(\(z))")
            }
        }
    }

    /// Bad input names what is wrong.
    func testErrors() throws {
        let z = (0..<30).map { Double($0) / 10 - 1.5 }
        XCTAssertThrowsError(try ZMarginalMap.fit(counts: [0, 0], publicZ: z)) {
            XCTAssertTrue("\($0)".contains("not all 0"), "\($0)")
        }
        XCTAssertThrowsError(try ZMarginalMap.fit(counts: [1, -1, 3], publicZ: z)) {
            XCTAssertTrue("\($0)".contains("nonnegative"), "\($0)")
        }
        XCTAssertThrowsError(try ZMarginalMap.fit(counts: [1, 2], publicZ: Array(z.prefix(5)))) {
            XCTAssertTrue("\($0)".contains("at least 20 finite public residuals, got 5"), "\($0)")
        }
        XCTAssertThrowsError(try ZMarginalMap.fit(counts: [1, 2], publicZ: z + [.nan]))
        XCTAssertThrowsError(try ZMarginalMap(targets: [0, 1, 0.5])) {
            XCTAssertTrue("\($0)".contains("value 2 (0.5) must be finite and not below"), "\($0)")
        }
        XCTAssertThrowsError(try ZMarginalMap(targets: [1])) { XCTAssertTrue("\($0)".contains("≥ 2"), "\($0)") }
    }

    /// The model of `ConditionalVolatilityTests.model` with the map T(z) = scale·z on its tokenizer's
    /// edges (nil: none).
    static func model(scale: Double?) throws -> ScenarioModel {
        let m = try ConditionalVolatilityTests.model(params: MeanTermTests.params)
        let models = try XCTUnwrap(m.dataModels)
        var v = try XCTUnwrap(models.volatility)
        v.generationZMarginal = try scale.map { s in try ZMarginalMap(targets: models.tokenizer.binEdges.map { s * $0 }) }
        try m.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
        return m
    }

    /// Optional keys: absent without a map (older checkpoints read nil), written and read back equal,
    /// one without the other or another version refused; a map of the wrong length is refused by
    /// `DataModels`.
    func testCheckpointKeys() throws {
        let plain = try Self.model(scale: nil), mapped = try Self.model(scale: 1.5)
        let v0 = try XCTUnwrap(plain.volatilityModel), v = try XCTUnwrap(mapped.volatilityModel)
        let S = v.levels, R = mapped.config.nRegimes
        XCTAssertNil(v0.checkpointSection.datasets["generation_z_marginal_targets"])
        XCTAssertNil(v0.checkpointSection.attributes["generation_z_marginal_version"])
        XCTAssertNil(try VolatilityModel(checkpointSection: v0.checkpointSection, levels: S, regimes: R).generationZMarginal)
        let section = v.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        func refused(_ edit: (inout CheckpointSection) -> Void, _ message: String) {
            var bad = section
            edit(&bad)
            XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
        refused({ $0.attributes["generation_z_marginal_version"] = nil }, "must be given together")
        refused({ $0.datasets["generation_z_marginal_targets"] = nil }, "must be given together")
        refused({ $0.attributes["generation_z_marginal_version"] = .int(2) }, "is not supported")
        refused({ $0.datasets["generation_z_marginal_targets"] = [0, 2, 1] }, "not below the one before")
        let models = try XCTUnwrap(mapped.dataModels)
        var short = v
        short.generationZMarginal = try ZMarginalMap(targets: [-1, 0, 1])
        XCTAssertThrowsError(try DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: short)) {
            XCTAssertTrue("\($0)".contains("one value per edge"), "\($0)")
        }
    }

    /// Unconditional generation: day 0 of every path draws the same z from the same σ with and
    /// without the map, so with T(z) = 1.5·z the returns' deviations from μ are 1.5 times the
    /// plain model's (stale-price days stay 0); later days differ (the recursion sees T(z)); the
    /// same bits for 1 and 3 threads; a fixed regime (not unconditional) is left as it was.
    /// Fails without the map in `decode`.
    func testUnconditionalGenerationAppliesTheMap() throws {
        let plain = try Self.model(scale: nil), mapped = try Self.model(scale: 1.5)
        let mu = try XCTUnwrap(plain.volatilityModel).location(regime: nil)
        let options = GenerationOptions(paths: 64, horizon: 30, regime: .unconditional, seed: 7, threads: 1)
        let before = try plain.generate(options).returns, after = try mapped.generate(options).returns
        var moved = 0
        for (p, (a, b)) in zip(after, before).enumerated() {
            if b[0] == 0 { XCTAssertEqual(a[0], 0, "path \(p)"); continue }
            XCTAssertEqual(a[0] - mu, 1.5 * (b[0] - mu), accuracy: 1e-12 * abs(b[0] - mu) + 1e-17, "path \(p) day 0")
            if zip(a.dropFirst(), b.dropFirst()).contains(where: { $0 != $1 }) { moved += 1 }
        }
        XCTAssertGreaterThan(moved, 32, "later days follow the mapped recursion")
        var threaded = options
        threaded.threads = 3
        XCTAssertEqual(try mapped.generate(threaded).returns, after, "the same bits for any thread count")
        let fixed = GenerationOptions(paths: 16, horizon: 10, regime: .fixed(1), seed: 7, threads: 1)
        XCTAssertEqual(try mapped.generate(fixed).returns, try plain.generate(fixed).returns,
                       "regime-conditioned generation does not use the map")
    }
}
