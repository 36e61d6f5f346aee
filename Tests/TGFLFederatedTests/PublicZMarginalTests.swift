import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated

/// The public z marginal map of a DP federation with public data models (issue 19, session 16):
/// on by default, after the rounds, ε and the network unchanged, stated in the history; none
/// without public data.
final class PublicZMarginalTests: XCTestCase {
    private func run(publicData: Bool, zMarginal: Bool) throws -> (ScenarioModel, FederatedTrainingReport) {
        try dpFederationWithPublicData(publicData) { $0.publicZMarginal = zMarginal }
    }

    /// With the option the model carries a map whose ends are the public residuals' extremes under
    /// its filter (C_0 = 0, C_V = 1) and whose values are nondecreasing, one per bin edge; the network
    /// and ε are those of the same run without it; the history states it; it survives the
    /// checkpoint. On by default; without public data nothing is mapped.
    func testMapIsPublicPostProcessing() throws {
        let (with, report) = try run(publicData: true, zMarginal: true)
        let (without, offReport) = try run(publicData: true, zMarginal: false)
        let map = try XCTUnwrap(with.volatilityModel?.generationZMarginal)
        let v = try XCTUnwrap(with.volatilityModel), djia99 = try NoisedVolatilityLevelTests.data().djia99.values
        let z = zip(djia99, v.variances(djia99)).map { ($0 - v.garch.mu) / $1.squareRoot() }
        XCTAssertEqual(map.targets.count, try XCTUnwrap(with.tokenizer).vocabSize + 1)
        XCTAssertEqual(map.targets.first, z.min())
        XCTAssertEqual(map.targets.last, z.max())
        XCTAssertEqual(with.parameters(), without.parameters(), "the rounds do not see the map")
        XCTAssertEqual(report.epsilon, offReport.epsilon)
        XCTAssertEqual(report.record.privacy, offReport.record.privacy)
        let text = try XCTUnwrap(with.history.summary["z_marginal"])
        XCTAssertTrue(text.contains("epsilon unchanged") && text.contains("recalibrated"), text)
        XCTAssertNil(without.volatilityModel?.generationZMarginal)
        XCTAssertNil(without.history.summary["z_marginal"])
        XCTAssertTrue(FederatedTrainingOptions().publicZMarginal, "on by default (ignored without public data)")
        let (own, _) = try run(publicData: false, zMarginal: true)
        XCTAssertNil(own.volatilityModel?.generationZMarginal)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("z_marginal_\(UUID()).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try with.save(to: path)
        XCTAssertEqual(try ScenarioModel.load(from: path).volatilityModel?.generationZMarginal, map)
    }
}
