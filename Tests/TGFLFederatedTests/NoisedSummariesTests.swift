import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated

/// The clients' data-model summaries released through a Gaussian mechanism (issue 19): ε of
/// rounds + summaries against dp-accounting, the sensitivity bound, the noise scale, the record.
final class NoisedSummariesTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                  nRegimes: 4).v2(levels: 4)

    struct Entry: Decodable {
        let clients: Int, expected_clients: Int, noise_multiplier: Double, sampling: String, rounds: Int
        let delta: Double, summary_noise_multiplier: Double, epsilon_rdp: Double, epsilon_pld: Double?, epsilon: Double
    }
    struct Reference: Decodable { let summaries: [Entry] }

    /// ε of T rounds composed with one Gaussian release at q = 1 equals dp-accounting's composed
    /// value within 1 % (RDP and PLD; Poisson add/remove and fixed-size replace-one, q = 1 and
    /// q < 1): `Tests/Fixtures/make_pld_reference.py`, "summaries".
    func testRoundsPlusSummariesEpsilonEqualsDPAccounting() throws {
        let ref = try loadJSONFixture("pld_reference.json", as: Reference.self)
        XCTAssertEqual(ref.summaries.count, 7)
        let worst = try Self.checkRoundsPlusOneGaussian(ref.summaries)
        print("rounds + summaries vs dp-accounting: largest relative deviation RDP \(worst.rdp), PLD \(worst.pld)")
    }

    /// Each entry's ε (T rounds + one Gaussian release at q = 1) from `PrivacyAccountant` equals
    /// dp-accounting's within 1 %. Returns the largest relative deviations.
    static func checkRoundsPlusOneGaussian(_ entries: [Entry]) throws -> (rdp: Double, pld: Double) {
        var worst = (rdp: 0.0, pld: 0.0)
        for e in entries {
            let poisson = e.sampling == "poisson"
            // The accountant's multipliers: z and z_s (add/remove) or z/2 and z_s/2 (replace-one, sensitivity 2S, 2C).
            let scale = poisson ? 1.0 : 0.5
            let what = "N \(e.clients) m \(e.expected_clients) z \(e.noise_multiplier) \(e.sampling) T \(e.rounds) z_s \(e.summary_noise_multiplier)"
            let est = try PrivacyAccountant.estimate(
                noiseMultiplier: e.noise_multiplier * scale, samplingRate: Double(e.expected_clients) / Double(e.clients),
                sampling: poisson ? .poisson : .withoutReplacement, rounds: e.rounds, delta: e.delta,
                additionalGaussians: [e.summary_noise_multiplier * scale])
            assertClose(est.rdp, e.epsilon_rdp, rtol: 0.01, "RDP " + what)
            worst.rdp = max(worst.rdp, abs(est.rdp / e.epsilon_rdp - 1))
            if let pld = e.epsilon_pld {
                let mine = try XCTUnwrap(est.pld, what)
                assertClose(mine, pld, rtol: 0.01, "PLD " + what)
                worst.pld = max(worst.pld, abs(mine / pld - 1))
            }
            assertClose(est.epsilon, e.epsilon, rtol: 0.01, "reported " + what)
        }
        return worst
    }

    /// Whatever an owner's data, its vector lies in the box [−w, w]^5, so ‖u_i‖ ≤ C = ‖w‖:
    /// the sensitivity the proof uses. Extreme series: calm, wild, constant, too short, trending.
    func testEveryOwnerVectorIsWithinTheSensitivity() throws {
        var rng = SeededRNG(seed: 5)
        let sp = try MarketData.bundled(.sp500).logReturns().values
        let owners: [[[Double]]] = [
            [Array(sp.prefix(600))],
            [(0..<800).map { _ in 1e-5 * rng.normal() }],
            [(0..<800).map { _ in 0.3 * rng.normal() }],
            [[Double](repeating: 0.001, count: 500)],
            [[0.01]],
            [(0..<800).map { Double($0) * 1e-4 }],
        ]
        let C = NoisedSummaries.sensitivity
        assertClose(C, (1 + 1 + 3 * 0.1225).squareRoot(), rtol: 1e-12, "C = ‖w‖")
        for (i, days) in owners.enumerated() {
            let u = NoisedSummaries.ownerVector(days)
            XCTAssertEqual(u.count, NoisedSummaries.box.count)
            for (v, b) in zip(u, NoisedSummaries.box) { XCTAssertLessThanOrEqual(abs(v), b.weight + 1e-12, "owner \(i) \(b.name)") }
            XCTAssertLessThanOrEqual(u.reduce(0) { $0 + $1 * $1 }.squareRoot(), C + 1e-12, "owner \(i)")
        }
    }

    /// The noise on the released mean has std z_s·C/N per coordinate (the Gaussian mechanism the
    /// accountant composes): 2,000 releases of zero vectors, 10,000 draws, within 3 %.
    func testNoiseStandardDeviationIsZTimesSensitivityOverN() {
        let n = 8, z = 1.5
        var draws: [Double] = []
        for seed in 0..<2000 {
            draws += NoisedSummaries.release(Array(repeating: [Double](repeating: 0, count: 5), count: n), owners: n,
                                             noiseMultiplier: z, seed: UInt64(seed))
        }
        let sd = (draws.reduce(0) { $0 + $1 * $1 } / Double(draws.count)).squareRoot()
        assertClose(sd, z * NoisedSummaries.sensitivity / Double(n), rtol: 0.03, "noise std on the mean")
    }

    private func run(_ configure: (inout FederatedTrainingOptions) -> Void) throws -> (ScenarioModel, FederatedTrainingReport) {
        let sp = try MarketData.bundled(.sp500).logReturns().values
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        var o = FederatedTrainingOptions()
        o.clientCount = 4; o.rounds = 2; o.localSteps = 1; o.batchSize = 4; o.maxValidationWindows = 4
        o.partition = .timePeriods
        o.sampling = SamplingConfig(fractionTrain: 1)
        o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.5, numSampledClients: 4)
        o.summaryNoiseMultiplier = 1
        configure(&o)
        let report = try FederatedTrainer(model: model, options: o).fit(series: [Array(sp.prefix(2000))])
        return (model, report)
    }

    /// Through the trainer: the reported ε and the record's are dp-accounting's for 2 rounds +
    /// the summaries (4 clients, q 1, z 1, z_s 1); the record says ε covers the data models and
    /// how they were released; the same seed gives the same data models with 1 or 2 threads.
    func testTrainerReportsTheComposedEpsilonAndTheRecordSaysWhatItCovers() throws {
        let (model, report) = try run { $0.threads = 1 }
        let ref = try loadJSONFixture("pld_reference.json", as: Reference.self)
        let entry = try XCTUnwrap(ref.summaries.first { $0.clients == 4 && $0.rounds == 2 })
        assertClose(try XCTUnwrap(report.epsilon), entry.epsilon, rtol: 0.01, "ε rounds + summaries")
        let record = report.record
        assertClose(try XCTUnwrap(record.privacy.epsilon), entry.epsilon, rtol: 0.01, "the record's ε")
        XCTAssertTrue(record.privacy.epsilonCovers?.hasPrefix("the rounds and the data models") ?? false,
                      "\(record.privacy.epsilonCovers ?? "nil")")
        let release = try XCTUnwrap(record.privacy.summaries)
        XCTAssertEqual(release.noiseMultiplier, 1); XCTAssertEqual(release.owners, 4); XCTAssertEqual(release.samplingRate, 1)
        XCTAssertTrue(record.dataModels.hasPrefix("noised client summaries"), record.dataModels)
        // The rounds alone (the engine's per-round ε) are cheaper than rounds + summaries.
        XCTAssertLessThan(try XCTUnwrap(report.rounds.last?.epsilon), entry.epsilon)

        let (again, _) = try run { $0.threads = 2 }
        XCTAssertEqual(model.dataModels, again.dataModels)
        XCTAssertEqual(model.parameters(), again.parameters())
    }

    /// The options are checked before any work, each error saying what to change.
    func testNoisedSummariesAreRefusedWhereTheyDoNotApply() throws {
        XCTAssertThrowsError(try run { $0.privacy = nil }) { XCTAssertTrue("\($0)".contains("need DP rounds"), "\($0)") }
        XCTAssertThrowsError(try run { $0.partition = .iid }) { XCTAssertTrue("\($0)".contains("natural or time"), "\($0)") }
        XCTAssertThrowsError(try run { $0.publicData = [ReturnSeries(name: "p", values: [0.01, -0.01, 0.02])] }) {
            XCTAssertTrue("\($0)".contains("exclude each other"), "\($0)")
        }
        XCTAssertThrowsError(try run { $0.summaryNoiseMultiplier = 0 }) { XCTAssertTrue("\($0)".contains("positive"), "\($0)") }
        // A model that already has data models would release nothing: refused, not recorded as covered.
        let fitted = try ScenarioModel(config: Self.tiny, seed: 1)
        let djia = ReturnSeries(name: "djia", values: try MarketData.bundled(.djia).logReturns().values)
        try fitted.setDataModels(try PublicDataModels.fit([djia], config: Self.tiny))
        var o = FederatedTrainingOptions()
        o.privacy = DPConfig(noiseMultiplier: 1, numSampledClients: 8); o.partition = .timePeriods
        o.summaryNoiseMultiplier = 1
        XCTAssertThrowsError(try FederatedTrainer(model: fitted, options: o)) {
            XCTAssertTrue("\($0)".contains("already has them"), "\($0)")
        }
    }
}
