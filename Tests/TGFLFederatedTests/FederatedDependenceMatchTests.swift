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

    /// Two owners (the training span's halves, as two series) are matched from their pooled
    /// sums: the slow levels come from their own 250-day chunks, which depend on no filter, so
    /// they equal NumPy's two-owner quantiles (`make_dependence_reference.py`, "owners").
    /// Switching the matching off (`TGFL_NO_DEPENDENCE_MATCH=1`, `config.matchDependence =
    /// false`) keeps the fitted recursion.
    func testSeveralOwnersAndTheSwitch() throws {
        struct Owners: Decodable { let split: Int; let level_log_quantiles: [Double] }
        struct Reference: Decodable { let train_days: Int; let owners: Owners }
        let ref: Reference = try loadJSONFixture("dependence_reference.json")
        let train = try spTraining()
        XCTAssertEqual(train.values.count, ref.train_days, "the fixture's training span")
        let half = ref.owners.split
        let owners = [ReturnSeries(name: "a", values: Array(train.values[..<half])),
                      ReturnSeries(name: "b", values: Array(train.values[half...]))]
        let matched = try XCTUnwrap(try FederatedSummaryFitting().fitDataModels(trainingSpans: owners,
                                                                               config: config()).volatility)
        XCTAssertNotNil(matched.generationDynamics)
        assertClose(try XCTUnwrap(matched.generationLevelLogQuantiles), ref.owners.level_log_quantiles,
                    rtol: 1e-9, atol: 1e-12, "slow levels from the owners' own chunks (NumPy)")
        let off = try XCTUnwrap(try FederatedSummaryFitting().fitDataModels(trainingSpans: owners,
                                                                           config: config(match: false)).volatility)
        XCTAssertNil(off.generationDynamics)
        XCTAssertNil(off.generationLevelLogQuantiles)
    }
}
