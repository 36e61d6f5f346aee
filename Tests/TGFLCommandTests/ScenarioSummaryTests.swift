import XCTest
import TGFLCore
@testable import tgfl

/// The demo's per-regime table and checks, on samples with closed-form statistics.
final class ScenarioSummaryTests: XCTestCase {
    func testTwoPointSample() throws {
        // ±a with equal weights: std a, excess kurtosis 1 − 3 = −2, 1% quantile −a → VaR a.
        let real = (0..<200).map { $0 % 2 == 0 ? -0.02 : 0.02 }
        let gen = (0..<400).map { $0 % 2 == 0 ? -0.01 : 0.01 }
        let row = try RegimeComparison(index: 0, name: "calm", real: real, generated: gen)
        XCTAssertEqual(row.realStd!, 0.02, accuracy: 1e-15)
        XCTAssertEqual(row.generatedStd, 0.01, accuracy: 1e-15)
        XCTAssertEqual(row.realExcessKurtosis!, -2, accuracy: 1e-12)
        XCTAssertEqual(row.generatedExcessKurtosis, -2, accuracy: 1e-12)
        XCTAssertEqual(row.realVaR1!, 0.02, accuracy: 1e-15)
        XCTAssertEqual(row.generatedVaR1, 0.01, accuracy: 1e-15)
        XCTAssertEqual(row.realDays, 200)
        XCTAssertEqual(row.generatedDays, 400)
    }

    func testRegimeWithoutRealDays() throws {
        let row = try RegimeComparison(index: 3, name: "crisis", real: [], generated: [0.1, -0.1, 0.2, -0.2])
        XCTAssertNil(row.realStd)
        XCTAssertNil(row.realVaR1)
        XCTAssertTrue(regimeTable([row]).contains("—"))
    }

    func row(_ i: Int, real: Double?, gen: Double) -> RegimeComparison {
        RegimeComparison(index: i, name: "r\(i)", realDays: 10, generatedDays: 10, realStd: real, generatedStd: gen,
                         realExcessKurtosis: 0, generatedExcessKurtosis: 0, realVaR1: 0, generatedVaR1: 0)
    }

    func testVolatilityTracking() {
        XCTAssertTrue(volatilityTracksRegimes([row(0, real: 0.005, gen: 0.006), row(1, real: 0.01, gen: 0.009),
                                               row(2, real: 0.02, gen: 0.025)]))
        XCTAssertFalse(volatilityTracksRegimes([row(0, real: 0.005, gen: 0.006), row(1, real: 0.01, gen: 0.005)]),
                       "not rising")
        XCTAssertFalse(volatilityTracksRegimes([row(0, real: 0.005, gen: 0.006), row(1, real: 0.01, gen: 0.016)]),
                       "rising but 60% off the real volatility")
        XCTAssertTrue(volatilityTracksRegimes([row(0, real: 0.005, gen: 0.006), row(1, real: nil, gen: 0.02)]),
                      "a regime without real days only needs to rise")
        XCTAssertFalse(volatilityTracksRegimes([row(0, real: 0.005, gen: 0.006)]))
    }

    func testHistoricalRegimePaths() throws {
        let labels: [Int32] = [0, 0, 1, 2, 3, 3, 2, 1, 0, 0]
        let paths = try historicalRegimePaths(labels: labels, count: 50, length: 4, seed: 1)
        XCTAssertEqual(paths.count, 50)
        let windows = (0...6).map { labels[$0..<($0 + 4)].map(Int.init) }
        for p in paths { XCTAssertTrue(windows.contains(p), "\(p) is not a stretch of the labels") }
        XCTAssertGreaterThan(Set(paths).count, 3, "different stretches are drawn")
        XCTAssertEqual(paths, try historicalRegimePaths(labels: labels, count: 50, length: 4, seed: 1))
        XCTAssertThrowsError(try historicalRegimePaths(labels: labels, count: 1, length: 11, seed: 1))
    }

    func testTables() {
        let text = renderTable(header: ["Regime", "Std"], rows: [["0 calm", "0.0050"], ["3 crisis", "0.0300"]],
                               markdown: false)
        XCTAssertEqual(text, "Regime       Std\n--------  ------\n0 calm    0.0050\n3 crisis  0.0300\n")
        let md = renderTable(header: ["A", "B"], rows: [["x", "1"]], markdown: true)
        XCTAssertEqual(md, "| A | B |\n| --- | ---: |\n| x | 1 |\n")
        XCTAssertEqual(formatNumber(0.012041), "0.01204")
        XCTAssertEqual(formatNumber(8.1694), "8.169")
    }
}
