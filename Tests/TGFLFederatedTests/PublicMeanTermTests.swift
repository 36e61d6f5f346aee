import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated

/// The MA(1) mean term of a DP federation with public data models (issue 19, session 15): fitted on
/// the public series alone, the rounds and ε unchanged, stated in the record; off on request and
/// without public data.
final class PublicMeanTermTests: XCTestCase {
    private func run(publicData: Bool, meanTerm: Bool = true) throws -> (ScenarioModel, FederatedTrainingReport) {
        try dpFederationWithPublicData(publicData) { $0.publicMeanTerm = meanTerm }
    }

    /// With public data the model's θ is the fit on the public Dow Jones 1999–2018 alone
    /// (statsmodels' −0.0711, `make_mean_term_reference.py`); the network weights and ε equal those
    /// of the same run without the term (the term changes generation only), and the record states
    /// θ and that ε is unchanged. `publicMeanTerm = false` and runs without public data have none.
    func testPublicTermIsFittedOnPublicDataOnlyAndLeavesTheRoundsAndEpsilon() throws {
        let (with, report) = try run(publicData: true)
        let (without, offReport) = try run(publicData: true, meanTerm: false)
        let (own, ownReport) = try run(publicData: false)
        let theta = try XCTUnwrap(with.volatilityModel?.generationMeanTerm).theta
        // statsmodels' −0.071139 on the 5,030 returns of the benchmarks' DJIA 1999–2018; this series also
        // holds 1999-01-04's return (5,031).
        XCTAssertEqual(theta, -0.071139, accuracy: 1e-4, "statsmodels' θ on the public DJIA 1999–2018")
        XCTAssertEqual(theta, try MeanTerm.fit([NoisedVolatilityLevelTests.data().djia99.values]).term.theta)
        XCTAssertEqual(with.parameters(), without.parameters(), "the rounds do not see the term")
        XCTAssertEqual(report.epsilon, offReport.epsilon)
        XCTAssertEqual(report.record.privacy, offReport.record.privacy)
        let text = try XCTUnwrap(report.record.meanTerm)
        XCTAssertTrue(text.contains("theta = -0.0710") && text.contains("'djia99'") && text.contains("epsilon unchanged"), text)
        XCTAssertTrue(try report.record.jsonString().contains("\"mean_term\""))
        XCTAssertNil(without.volatilityModel?.generationMeanTerm)
        XCTAssertNil(offReport.record.meanTerm)
        XCTAssertFalse(try offReport.record.jsonString().contains("mean_term"))
        XCTAssertNil(own.volatilityModel?.generationMeanTerm)
        XCTAssertNil(ownReport.record.meanTerm)
        // It survives the checkpoint.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mean_term_\(UUID()).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try with.save(to: path)
        XCTAssertEqual(try ScenarioModel.load(from: path).volatilityModel?.generationMeanTerm?.theta, theta)
    }
}

/// A DP federation of the tiny v2 model (4 clients, 2 rounds, z 1) on the first 2,000 days of the
/// S&P 500, with the Dow Jones 1999–2018 as public data when `publicData`; `configure` sets the
/// option under test.
func dpFederationWithPublicData(_ publicData: Bool, configure: (inout FederatedTrainingOptions) -> Void)
    throws -> (ScenarioModel, FederatedTrainingReport) {
    let (sp, djia99) = try NoisedVolatilityLevelTests.data()
    let model = try ScenarioModel(config: NoisedVolatilityLevelTests.tiny, seed: 1)
    var o = FederatedTrainingOptions()
    o.clientCount = 4; o.rounds = 2; o.localSteps = 1; o.batchSize = 4; o.maxValidationWindows = 4; o.threads = 1
    o.partition = .timePeriods; o.validationFraction = 0.2
    o.sampling = SamplingConfig(fractionTrain: 1)
    o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.5, numSampledClients: 4)
    o.publicData = publicData ? [djia99] : nil
    o.volatilityCalibration = VolatilityCalibrationOptions(paths: 16, horizon: 50, iterations: 2)
    configure(&o)
    let report = try FederatedTrainer(model: model, options: o).fit(series: [NoisedVolatilityLevelTests.prefix(sp, 2000)])
    return (model, report)
}
