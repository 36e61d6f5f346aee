import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The exact C(q, q)/q of bivariate t copulas (`make_copula_reference.py`).
private struct TailReference: Decodable {
    struct Case: Decodable { let rho: Double; let nu: Double?; let conditional_at_q: [String: Double] }
    let tail_dependence: [Case]
}

/// The joint sampler's t copula (session 8): old checkpoints generate as before, the copula is
/// stored, it gives the day's shocks the copula's tail dependence and leaves the first asset's
/// conditional distribution the network's.
final class JointCopulaTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-copula-tests" }

    /// `Tests/Fixtures/joint_v1_model.h5` and its scenarios were written by the code before the
    /// copula (commit 87b182b, `Tests/Fixtures/make_joint_v1_fixture.sh`): the file has no copula,
    /// loads with version-1 `/joint`, and generates the same bits, with or without `useCopula`.
    func testCheckpointWithoutCopulaGeneratesAsBefore() throws {
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        XCTAssertNil(try XCTUnwrap(model.dataModels).copula)
        for (file, regime) in [("joint_v1_unconditional.csv", RegimeCondition.unconditional), ("joint_v1_crisis.csv", .fixed(3))] {
            let rows = try String(contentsOf: fixtureURL(file), encoding: .utf8).split(separator: "\n").dropFirst()
            let expected = rows.map { $0.split(separator: ",").dropFirst(3).map { Double(String($0))! } }
            for useCopula in [true, false] {
                let set = try model.generate(JointGenerationOptions(paths: 6, horizon: 5, regime: regime, seed: 9, threads: 1,
                                                                    useCopula: useCopula))
                XCTAssertEqual(set.returns.flatMap { $0 }, expected, "\(file), useCopula \(useCopula)")
            }
        }
    }

    /// A fitted model stores its copula under `/joint` (version 2) and reads it back; a bad
    /// copula key is refused naming it.
    func testCopulaIsStoredInTheCheckpoint() throws {
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        let copula = try StudentTCopula(correlation: [1, 0.1, 0.1, 1], dimension: 2, degreesOfFreedom: 4.5)
        try model.setDataModels(try models.replacingCopula(copula))
        let path = directory.appendingPathComponent("copula.h5").path
        try model.save(to: path)
        let section = try XCTUnwrap(try Checkpoint.load(from: path).joint)
        XCTAssertEqual(section.attributes["version"], .int(2))
        XCTAssertEqual(section.attributes["copula.kind"], .string("student_t"))
        XCTAssertEqual(section.attributes["copula.degrees_of_freedom"], .double(4.5))
        XCTAssertEqual(section.datasets["copula.correlation"], [1, 0.1, 0.1, 1])
        XCTAssertEqual(try JointScenarioModel.load(from: path).dataModels?.copula, copula)
        var bad = section
        bad.datasets["copula.correlation"] = [1, 2, 2, 1]
        let config = try Checkpoint.load(from: path).config
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("copula"), "\(e)")
        }
    }

    /// With the whitening set to the identity and a prompt (so every path starts at the same σ),
    /// each asset's day-1 return is an increasing function of its uniform, so the returns'
    /// empirical lower-tail dependence at q = 5 % is the copula's: with a t copula (R = I,
    /// ν = 3) it matches scipy's exact C(q, q)/q (0.153, `make_copula_reference.py`) within
    /// 4 standard errors (±0.046 over 20,000 paths); without the copula it is independence's 0.05
    /// within 4 standard errors plus 0.03 (what three training steps can couple): each band
    /// excludes the other's value. Asset 0's distribution is the network's
    /// either way (two-sample KS p > 0.001); the same seed gives the same bits for 1 and 3 threads.
    func testCopulaGivesTheDayItsTailDependence() throws {
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        let identity = [Double](repeating: 0, count: 4).enumerated().map { $0.offset % 3 == 0 ? 1.0 : 0 }
        let copula = try StudentTCopula(correlation: identity, dimension: 2, degreesOfFreedom: 3)
        try model.setDataModels(try JointDataModels(
            assets: models.assets, tokenizer: models.tokenizer, volatility: models.volatility, regimes: models.regimes,
            cholesky: [[Double]](repeating: identity, count: models.cholesky.count), copula: copula))
        let euStocks = try MarketData.bundled(.euStocks).allLogReturns()
        let prompt = euStocks.prefix(2).map { Array($0.values.prefix(40)) }
        let tails = try loadJSONFixture("copula_reference.json", as: TailReference.self).tail_dependence
        let exact = try XCTUnwrap(tails.first { $0.rho == 0 && $0.nu == 3 }?.conditional_at_q["0.05"])
        var options = JointGenerationOptions(paths: 20_000, horizon: 1, regime: .fixed(1), prompt: prompt, seed: 21, threads: 1)
        let withCopula = try model.generate(options)
        options.useCopula = false
        let without = try model.generate(options)
        let n = Double(20_000) * 0.05
        for (what, set, expected, slack) in [("with", withCopula, exact, 0.0), ("without", without, 0.05, 0.03)] {
            let lower = try CrossAsset.tailDependence(set.asset(0).map { $0[0] }, set.asset(1).map { $0[0] }, q: 0.05).lower
            XCTAssertEqual(lower, expected, accuracy: slack + 4 * (expected * (1 - expected) / n).squareRoot(),
                           "λ_L(5 %) \(what) the copula")
        }
        let ks = try KolmogorovSmirnov.twoSample(withCopula.asset(0).map { $0[0] }, without.asset(0).map { $0[0] })
        XCTAssertGreaterThan(ks.pValue, 0.001, "asset 0's day-1 distribution with and without the copula")
        options = JointGenerationOptions(paths: 70, horizon: 6, seed: 5, threads: 1)
        let one = try model.generate(options)
        options.threads = 3
        XCTAssertEqual(try model.generate(options), one)
    }
}
