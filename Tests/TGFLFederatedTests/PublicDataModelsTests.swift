import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated

/// Data models fitted on public data (issue 19: the data-model summaries and ε).
final class PublicDataModelsTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)

    /// A DP run of 4 clients (q = 1, z = 1, 2 rounds) on S&P 500 days, optionally with the
    /// bundled Dow Jones as public data.
    private func run(clientDays: [Double], publicData: [ReturnSeries]?) throws -> (ScenarioModel, FederatedTrainingReport) {
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        var o = FederatedTrainingOptions()
        o.clientCount = 4; o.rounds = 2; o.localSteps = 1; o.batchSize = 4; o.threads = 1; o.maxValidationWindows = 4
        o.sampling = SamplingConfig(fractionTrain: 1)
        o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.5, numSampledClients: 4)
        o.publicData = publicData
        let report = try FederatedTrainer(model: model, options: o).fit(series: [clientDays])
        return (model, report)
    }

    /// With public data models nothing but the noised rounds depends on the clients' data: two
    /// federations on different S&P 500 periods get the same data models (and the same output
    /// prior, `head.bias`/`level_bias` before training), different from those their own
    /// summaries give; the record says so, and the reported ε — which then covers the whole
    /// release — is dp-accounting's for the 2 rounds (`make_pld_reference.py`, 4 clients).
    func testPublicDataModelsDoNotDependOnTheClientsAndEpsilonCoversThem() throws {
        let sp = try MarketData.bundled(.sp500).logReturns().values
        let djia = ReturnSeries(name: "djia", values: try MarketData.bundled(.djia).logReturns().values)
        let (early, report) = try run(clientDays: Array(sp.prefix(1500)), publicData: [djia])
        let (late, _) = try run(clientDays: Array(sp.suffix(1500)), publicData: [djia])
        let (own, ownReport) = try run(clientDays: Array(sp.prefix(1500)), publicData: nil)
        XCTAssertEqual(early.dataModels, late.dataModels)
        XCTAssertNotEqual(early.dataModels, own.dataModels)
        XCTAssertEqual(early.dataModels, try PublicDataModels.fit([djia], config: Self.tiny))

        let record = report.record
        XCTAssertTrue(record.dataModels.hasPrefix("public data: 'djia'"), record.dataModels)
        XCTAssertTrue(record.privacy.epsilonCovers?.contains("data models") ?? false, "\(record.privacy)")
        XCTAssertTrue(ownReport.record.dataModels.contains("not covered by ε"), ownReport.record.dataModels)
        XCTAssertTrue(ownReport.record.privacy.epsilonCovers?.contains("rounds only") ?? false)

        let ref = try loadJSONFixture("pld_reference.json", as: DPMechanismTests.Reference.self)
        let entry = try XCTUnwrap(ref.mechanism.first { $0.clients == 4 && $0.expected_clients == 4 && $0.rounds == 2 })
        assertClose(try XCTUnwrap(report.epsilon), entry.epsilon, rtol: 0.01, "ε with public data models")
        assertClose(try XCTUnwrap(record.privacy.epsilon), entry.epsilon, rtol: 0.01, "the record's ε")
    }

    /// Bad public data is refused by name before any round.
    func testEmptyOrShortPublicDataIsRefused() throws {
        let sp = try MarketData.bundled(.sp500).logReturns().values
        XCTAssertThrowsError(try run(clientDays: Array(sp.prefix(800)), publicData: [])) { e in
            XCTAssertTrue("\(e)".contains("publicData is empty"), "\(e)")
        }
        XCTAssertThrowsError(try run(clientDays: Array(sp.prefix(800)),
                                     publicData: [ReturnSeries(name: "short", values: [0.01, -0.02, 0.005])])) { e in
            XCTAssertTrue("\(e)".contains("public data models"), "\(e)")
        }
    }
}
