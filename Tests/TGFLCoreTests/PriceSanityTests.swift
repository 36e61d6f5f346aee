import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `DataSanity.pricesWarning` on the real corpus against statsmodels
/// (Tests/Fixtures/make_price_sanity_reference.py → price_sanity_reference.json): the lag-1
/// autocorrelation and median magnitude of every bundled column's log returns and price levels,
/// and the verdicts: no real return series is flagged, every real price series is.
final class PriceSanityTests: XCTestCase {
    struct Stats: Decodable {
        var acf1: Double
        var median_abs: Double
        var all_positive: Bool
        var flagged: Bool
    }
    struct Column: Decodable {
        var series: String
        var n: Int
        var returns: Stats
        var levels: Stats
    }
    struct Reference: Decodable { var columns: [Column] }

    /// `exp(r_1 + … + r_t)`: the price levels of a return series, up to its first price.
    private func levels(_ returns: [Double]) -> [Double] {
        var sum = 0.0
        return returns.map { sum += $0; return exp(sum) }
    }

    func testRealReturnsPassAndRealPricesAreFlagged() throws {
        let reference = try loadJSONFixture("price_sanity_reference.json", as: Reference.self)
        let corpus = try MarketData.bundledReturnSeries()
        XCTAssertEqual(corpus.map(\.name), reference.columns.map(\.series))
        for (series, expected) in zip(corpus, reference.columns) {
            XCTAssertEqual(series.values.count, expected.n, series.name)
            let prices = levels(series.values)
            for (values, stats, kind) in [(series.values, expected.returns, "returns"), (prices, expected.levels, "levels")] {
                assertClose(DataSanity.lagOneAutocorrelation(values), stats.acf1, rtol: 1e-9,
                            "\(series.name) \(kind) acf1")
                assertClose(DataSanity.median(values.map(abs)), stats.median_abs, rtol: 1e-12,
                            "\(series.name) \(kind) median |x|")
                let warning = DataSanity.pricesWarning(values: values, series: series.name)
                XCTAssertEqual(warning != nil, stats.flagged, "\(series.name) \(kind): \(warning ?? "no warning")")
            }
            XCTAssertFalse(expected.returns.flagged, "\(series.name): real returns must pass")
            XCTAssertTrue(expected.levels.flagged, "\(series.name): real prices must be flagged")
        }
    }

    func testMessageNamesTheSeriesAndTheFix() throws {
        let prices = levels(try MarketData.bundled(.sp500).logReturns().values).map { $0 * 1300 }
        let message = try XCTUnwrap(DataSanity.pricesWarning(values: prices, series: "close"))
        XCTAssertTrue(message.contains("series 'close' looks like prices"), message)
        XCTAssertTrue(message.contains("lag-1 autocorrelation"), message)
        XCTAssertTrue(message.contains("allow_prices"), message)
        // Fewer than 20 values: the magnitude rule alone (an exchange rate near 1.1 is caught by it).
        XCTAssertNotNil(DataSanity.pricesWarning(values: [1300, 1310, 1290], series: "p"))
        XCTAssertNotNil(DataSanity.pricesWarning(values: [1.10, 1.11, 1.09], series: "p"))
        XCTAssertNil(DataSanity.pricesWarning(values: [0.01, 0.02, 0.03], series: "r"))   // positive, small
        XCTAssertNil(DataSanity.pricesWarning(values: [0.01, -0.02, 0.03], series: "r"))
    }

    func testTrainerWarnsOnceThroughTheHandlerUnlessAllowed() throws {
        final class Collected: @unchecked Sendable { var messages: [String] = []; let lock = NSLock() }
        let collected = Collected()
        TGFLWarnings.handler = { m in collected.lock.withLock { collected.messages.append(m) } }
        defer { TGFLWarnings.handler = nil }
        let returns = Array(try MarketData.bundled(.sp500).logReturns().values.prefix(300))
        let prices = levels(returns).map { $0 * 1300 }
        let config = ModelConfig(vocabSize: 32, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)
        var options = TrainingOptions(steps: 1, batchSize: 2, evaluateEvery: 1)
        _ = try Trainer(model: try ScenarioModel(config: config, seed: 1), options: options).fit(series: [prices])
        XCTAssertEqual(collected.messages.count, 1)
        XCTAssertTrue(collected.messages.first?.contains("series_0' looks like prices") == true, "\(collected.messages)")
        options.allowPrices = true
        _ = try Trainer(model: try ScenarioModel(config: config, seed: 1), options: options).fit(series: [prices])
        _ = try Trainer(model: try ScenarioModel(config: config, seed: 1), options: TrainingOptions(steps: 1, batchSize: 2))
            .fit(series: [returns])
        XCTAssertEqual(collected.messages.count, 1)
    }
}
