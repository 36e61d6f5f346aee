import Foundation
import TGFLTestSupport
import XCTest
import TGFLCore
@testable import TGFLFederated

/// Federated data models match the generation recursion's dependence as central ones do
/// (`FederatedSummaryFitting` step D, `VolatilityModel.matchDependence(owners:)`; the pooled
/// sums are checked against NumPy in `DependenceMatchTests.testOwnersWhoDoNotPoolMatchNumPy`).
/// Before, federated models kept the fitted filter's recursion: the `tgfl demo` model failed
/// the fair KS and ACF|r| targets that the same model trained centrally passed.
final class FederatedDependenceMatchTests: XCTestCase {
    func config(match: Bool = true) -> DataPipelineConfig {
        var c = DataPipelineConfig(model: ModelConfig.small.v2())
        c.matchDependence = match
        return c
    }

    func spTraining() throws -> ReturnSeries {
        let s = try MarketData.bundled(.sp500).logReturns()
        return ReturnSeries(name: "sp500", values: Array(s.values.prefix(s.values.count * 4 / 5)))
    }

    /// One owner holding the whole span is the central case: the same dynamics and slow levels,
    /// bit for bit (the federated filter is the same maximum-likelihood fit).
    func testOneOwnerIsMatchedAsCentralTrainingIs() throws {
        let train = try spTraining()
        let federated = try FederatedSummaryFitting().fitDataModels(trainingSpans: [train], config: config())
        let central = try DataModels.fit(trainingSpans: [train], config: config())
        let f = try XCTUnwrap(federated.volatility), c = try XCTUnwrap(central.volatility)
        XCTAssertEqual(f.garch.alpha, c.garch.alpha)
        XCTAssertNotNil(f.generationDynamics, "federated data models are matched")
        XCTAssertEqual(f.generationDynamics, c.generationDynamics)
        XCTAssertEqual(f.generationLevelLogQuantiles, c.generationLevelLogQuantiles)
    }

    /// Two owners (two series) are matched from their pooled sums; switching the matching off
    /// (`TGFL_NO_DEPENDENCE_MATCH=1`, `config.matchDependence = false`) keeps the fitted recursion.
    func testSeveralOwnersAndTheSwitch() throws {
        let train = try spTraining()
        let half = train.values.count / 2
        let owners = [ReturnSeries(name: "a", values: Array(train.values[..<half])),
                      ReturnSeries(name: "b", values: Array(train.values[half...]))]
        let matched = try XCTUnwrap(try FederatedSummaryFitting().fitDataModels(trainingSpans: owners,
                                                                               config: config()).volatility)
        XCTAssertNotNil(matched.generationDynamics)
        var expected = matched
        expected.generationDynamics = nil
        expected.generationLevelLogQuantiles = nil
        try expected.matchDependence(owners: owners.map { [$0.values] })
        XCTAssertEqual(matched.generationDynamics, expected.generationDynamics)
        let off = try XCTUnwrap(try FederatedSummaryFitting().fitDataModels(trainingSpans: owners,
                                                                           config: config(match: false)).volatility)
        XCTAssertNil(off.generationDynamics)
        XCTAssertNil(off.generationLevelLogQuantiles)
    }
}
