import Foundation
import XCTest
import TGFLTestSupport
@testable import TGFLCore

/// The output-bias prior: NumPy/SciPy reference (Tests/Fixtures/make_token_prior_reference.py)
/// on the S&P 500's training tokens and two hand-made histograms; the trainer applies it to a
/// fresh model only; bad counts give clear errors.
final class TokenPriorTests: XCTestCase {
    struct Case: Decodable {
        let counts: [Int]
        let bandwidth: Double
        let log_p: [Double]
        let shrunk_floor_weight: Double
        let shrunk_log_p: [Double]
        let shrunk_variance: Double
        let data_variance: Double
    }

    func reference() throws -> [String: Case] { try loadJSONFixture("token_prior_reference.json") }

    func testLogProbabilitiesMatchSciPy() throws {
        for (name, ref) in try reference() {
            assertClose(TokenPrior.bandwidth(counts: ref.counts, total: ref.counts.reduce(0, +)), ref.bandwidth,
                        rtol: 1e-12, "\(name): Silverman bandwidth")
            let logP = try TokenPrior.logProbabilities(counts: ref.counts)
            XCTAssertEqual(logP.count, ref.log_p.count, name)
            for (k, (a, b)) in zip(logP, ref.log_p).enumerated() {
                assertClose(a, b, rtol: 1e-10, "\(name): log p[\(k)]")
            }
            assertClose(logP.reduce(0) { $0 + exp($1) }, 1, rtol: 1e-12, "\(name): probabilities sum to 1")
        }
    }

    /// Model v2's level priors: Jones's variance-preserving kernel with a floor of 0.3
    /// observations, against the NumPy/SciPy version; on the S&P 500 tokens the smoothed
    /// variance stays within 0.001 % of the data's (a plain Silverman kernel adds h²).
    func testVariancePreservingPriorMatchesSciPy() throws {
        for (name, ref) in try reference() {
            let logP = try TokenPrior.logProbabilities(counts: ref.counts, floorWeight: ref.shrunk_floor_weight,
                                                       preserveVariance: true)
            XCTAssertEqual(logP.count, ref.shrunk_log_p.count, name)
            for (k, (a, b)) in zip(logP, ref.shrunk_log_p).enumerated() {
                assertClose(a, b, rtol: 1e-10, "\(name): shrunk log p[\(k)]")
            }
        }
        let sp = try reference()["sp500"]!
        assertClose(sp.shrunk_variance, sp.data_variance, rtol: 1e-5, "S&P 500: the kernel keeps the variance")
        XCTAssertThrowsError(try TokenPrior.logProbabilities(counts: [1, 2], floorWeight: 0, preserveVariance: true)) {
            XCTAssertTrue("\($0)".contains("floor weight 0.0"), "\($0)")
        }
    }

    func testTokensBeyondTheDataGetOnlyTheFloor() throws {
        let ref = try reference()["sp500"]!
        let logP = try TokenPrior.logProbabilities(counts: ref.counts)
        let n = Double(ref.counts.reduce(0, +))
        // Token 0 is the −12σ bin: no S&P 500 day is near it, so only the spread observation is left.
        assertClose(logP[0], log(1.0 / 512 / (n + 1)), rtol: 1e-9, "far-tail token")
        // Beyond ±4σ (tokens outside 171 ..< 341) the prior keeps well under 1 % of the mass,
        // where a uniform start has two thirds of it.
        let tail = logP.enumerated().filter { $0.offset < 171 || $0.offset >= 341 }.reduce(0) { $0 + exp($1.element) }
        XCTAssertLessThan(tail, 0.01)
    }

    /// A fresh model gets the prior of its training span when the trainer fits the data models.
    func testTrainerSetsTheBiasOfAFreshModelOnly() throws {
        let ref = try reference()["sp500"]!
        let series = try MarketData.sp500().logReturns().values
        let config = ModelConfig(vocabSize: 512, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)

        let fresh = try ScenarioModel(config: config, seed: 3)
        _ = try Trainer(model: fresh, options: TrainingOptions(validationFraction: 0.2)).prepare(series: [series])
        let bias = try fresh.transformer.parameter(named: "head.bias")
        for k in 0..<512 { assertClose(Double(bias[k]), ref.log_p[k], rtol: 1e-6, "head.bias[\(k)]") }

        var off = TrainingOptions(validationFraction: 0.2)
        off.outputPrior = false
        let plain = try ScenarioModel(config: config, seed: 3)
        _ = try Trainer(model: plain, options: off).prepare(series: [series])
        XCTAssertTrue(try plain.transformer.parameter(named: "head.bias").allSatisfy { $0 == 0 }, "GPT-2 zero bias kept")

        // A model that already has its data models (e.g. being fine-tuned) is never touched.
        let before = plain.parameters()
        _ = try Trainer(model: plain, options: TrainingOptions(validationFraction: 0.2)).prepare(series: [series])
        XCTAssertEqual(plain.parameters(), before)
    }

    func testBadCountsAreNamed() throws {
        XCTAssertThrowsError(try TokenPrior.logProbabilities(counts: [3])) { e in
            XCTAssertTrue("\(e)".contains("V ≥ 2"), "\(e)")
        }
        XCTAssertThrowsError(try TokenPrior.logProbabilities(counts: [1, -2, 3])) { e in
            XCTAssertTrue("\(e)".contains("count [1] = -2"), "\(e)")
        }
        XCTAssertThrowsError(try TokenPrior.logProbabilities(counts: [0, 0, 0])) { e in
            XCTAssertTrue("\(e)".contains("all 3 counts are zero"), "\(e)")
        }
        XCTAssertThrowsError(try TokenPrior.counts([[0, 1], [2, 9]], vocabSize: 4)) { e in
            XCTAssertTrue("\(e)".contains("token [1][1] = 9"), "\(e)")
        }
        let model = try ScenarioModel(config: .small, seed: 1)
        let before = model.parameters()
        XCTAssertThrowsError(try model.setOutputPrior(tokenCounts: [1, 2, 3])) { e in
            XCTAssertTrue("\(e)".contains("3 token counts but the model has vocab_size 512"), "\(e)")
        }
        XCTAssertEqual(model.parameters(), before, "nothing changes on error")
    }
}
