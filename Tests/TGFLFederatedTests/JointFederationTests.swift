import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore
@testable import TGFLFederated

/// Federated joint training where two institutions hold the same four European indices over
/// different periods (issue 17).
final class JointFederationTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 64, contextLength: 32, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64,
                                  nRegimes: 4)

    private func institutions() throws -> (names: [String], periods: [[[Double]]], train: [[Double]]) {
        let all = try MarketData.bundled(.euStocks).allLogReturns()
        let columns = all.map(\.values), split = Int(0.8 * Double(columns[0].count))
        let periods = [columns.map { Array($0[0..<700]) }, columns.map { Array($0[700..<split]) }]
        return (all.map { String($0.name.split(separator: ".").last!) }, periods, columns.map { Array($0.prefix(split)) })
    }

    /// Each asset's filter is the maximum of the pooled likelihood of the institutions' spans
    /// (the filter restarted at each span): at least as likely as the fit on either span alone.
    func testDataModelsPoolTheInstitutionsSpans() throws {
        let (names, periods, _) = try institutions()
        let model = try JointScenarioModel(config: JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4), assets: 4, seed: 1)
        _ = try JointFederation.train(model: model, institutions: periods, names: names,
                                      options: JointFederationOptions(rounds: 1, localSteps: 1, batchSize: 4, threads: 1))
        let models = try XCTUnwrap(model.dataModels)
        for k in 0..<4 {
            let spans = periods.map { $0[k] }
            let pooled = models.volatility[k].garch
            let alone = try GARCHModel.fit([spans[0]], specification: VolatilityModel.defaultSpecification).model
            let total = { (g: GARCHModel) in spans.reduce(0) { $0 + g.logLikelihood($1) } }
            XCTAssertGreaterThanOrEqual(total(pooled), total(alone) - 1e-6 * abs(total(alone)), "asset \(names[k])")
        }
        XCTAssertTrue(model.network.records[FederationRecord.recordName]?.contains("joint_same_assets_over_periods") ?? false)
    }

    /// The federated model's scenarios carry the indices' same-day correlation (training days:
    /// 0.54–0.71), within 0.2 on every pair; an institution missing an asset is refused by name.
    func testFederatedJointModelCarriesTheCorrelation() throws {
        let (names, periods, train) = try institutions()
        let model = try JointScenarioModel(config: JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4), assets: 4, seed: 2)
        let losses = try JointFederation.train(model: model, institutions: periods, names: names,
                                               options: JointFederationOptions(rounds: 3, localSteps: 10, batchSize: 16,
                                                                               threads: 1))
        XCTAssertEqual(losses.count, 3)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        let set = try model.generate(JointGenerationOptions(paths: 200, horizon: 20, seed: 3))
        let generated = try CrossAsset.correlation((0..<4).map { k in set.returns.flatMap { $0.map { $0[k] } } })
        let real = try CrossAsset.correlation(train)
        let worst = zip(generated.values, real.values).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 0.2, "generated \(generated.values) vs real \(real.values)")

        let fresh = try JointScenarioModel(config: model.config, assets: 4, seed: 2)
        XCTAssertThrowsError(try JointFederation.train(model: fresh, institutions: [periods[0], Array(periods[1].prefix(3))],
                                                       names: names, options: JointFederationOptions(rounds: 1))) { e in
            XCTAssertTrue("\(e)".contains("institution 1 holds 3 assets"), "\(e)")
        }
    }
}
