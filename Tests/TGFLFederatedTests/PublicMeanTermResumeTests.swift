import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated

/// A federation with public data resumed from its periodic checkpoint (issue 19; left untested in
/// session 15): the resumed run fits the public MA(1) mean term again on the same public series,
/// so it ends with the uninterrupted run's parameters, its θ — statsmodels' value for the public
/// Dow Jones 1999–2018 (`Tests/Fixtures/make_mean_term_reference.py`) — and its generated paths.
final class PublicMeanTermResumeTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                  nRegimes: 4).v2(levels: 4)

    struct Case: Decodable { let theta: Double }
    struct Reference: Decodable { let cases: [String: Case] }

    /// The public series as the fixture has it: returns between prices dated 1999-01-01 … 2018-12-31,
    /// the first of them dropped (`djia_1999_2018.csv` of `Benchmarks/privacy_tradeoff.py`).
    static func djia1999to2018() throws -> ReturnSeries {
        let dj = try MarketData.bundled(.djia).logReturns()
        let dates = try XCTUnwrap(dj.dates)
        let first = try TradingDate(year: 1999, month: 1, day: 1), last = try TradingDate(year: 2018, month: 12, day: 31)
        let keep = dates.indices.filter { dates[$0] >= first && dates[$0] <= last }.dropFirst()
        return ReturnSeries(name: "djia_1999_2018", dates: keep.map { dates[$0] }, values: keep.map { dj.values[$0] })
    }

    func testResumedRunEqualsTheUninterruptedOne() throws {
        let theta = try XCTUnwrap(try loadJSONFixture("mean_term_reference.json", as: Reference.self)
            .cases["djia_1999_2018"]).theta
        let sp = try MarketData.bundled(.sp500).logReturns()
        let members = [ReturnSeries(name: "sp500", dates: sp.dates.map { Array($0.prefix(1500)) },
                                    values: Array(sp.values.prefix(1500)))]
        var o = FederatedTrainingOptions()
        o.clientCount = 3; o.rounds = 4; o.localSteps = 1; o.batchSize = 4; o.maxValidationWindows = 4
        o.partition = .timePeriods; o.validationFraction = 0.2
        o.publicData = [try Self.djia1999to2018()]
        o.volatilityCalibration = VolatilityCalibrationOptions(paths: 16, horizon: 50, iterations: 2)
        let straight = try ScenarioModel(config: Self.tiny, seed: 1)
        _ = try FederatedTrainer(model: straight, options: o).fit(series: members)
        XCTAssertEqual(try XCTUnwrap(straight.volatilityModel?.generationMeanTerm).theta, theta, accuracy: 2e-5,
                       "the term is fitted on the public series")

        let dir = try temporaryDirectory("tgfl-meanterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fed.h5").path
        try cancelAfterRoundTwo(try ScenarioModel(config: Self.tiny, seed: 1), &o, series: members, checkpoint: path)
        let resumed = try ScenarioModel.load(from: path)
        XCTAssertEqual(resumed.volatilityModel?.generationMeanTerm?.theta,
                       straight.volatilityModel?.generationMeanTerm?.theta, "the checkpoint keeps θ")
        let report = try FederatedTrainer(model: resumed, options: o).fit(series: members, resumeFrom: path)
        XCTAssertEqual(report.rounds.count, 4)
        XCTAssertEqual(resumed.parameters(), straight.parameters(), "resumed run must equal the uninterrupted one")
        XCTAssertEqual(resumed.volatilityModel?.generationMeanTerm?.theta,
                       straight.volatilityModel?.generationMeanTerm?.theta)
        let options = GenerationOptions(paths: 8, horizon: 40, regime: .unconditional, seed: 5)
        XCTAssertEqual(try resumed.generate(options).returns, try straight.generate(options).returns,
                       "and generates the same paths")
    }
}
