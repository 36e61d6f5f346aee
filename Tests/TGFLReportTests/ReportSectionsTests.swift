import Foundation
import TGFLReport
import TGFLStats
import TGFLTestSupport
import XCTest

/// The backtest and portfolio-stress sections against NumPy
/// (Tests/Fixtures/make_report_sections_reference.py).
final class ReportSectionsTests: XCTestCase {
    struct BacktestExpected: Decodable {
        var model: String, horizon: Int, exceptions: [[Bool]], expected: [Double], pit_density: [Double]
    }
    struct RegimeExpected: Decodable {
        var name: String, pnl: [Double], max_drawdowns: [Double], `var`: Double, es: Double, component_es: [Double]
        var worst: [Int], worst_asset_returns: [[Double]], pnl_edges: [Double], pnl_density: [Double]
        var drawdown_density: [Double], mean_drawdown: Double, drawdown_95: Double
    }
    struct RealWindows: Decodable { var starts: [Int], windows: Int, `var`: Double, es: Double }
    struct Stress: Decodable {
        var assets: [String], weights: [Double], level: Double, horizon: Int, worst: Int
        var scenarios: [String: [[[Double]]]], expected: [RegimeExpected], drawdown_edges: [Double]
        var real_columns: [[Double]], real_labels: [Int32], real_windows: [String: RealWindows]
    }
    struct Reference: Decodable {
        var backtest_expected: [BacktestExpected], stress: Stress
    }

    static let reference: Reference = try! loadJSONFixture("report_sections_reference.json")

    /// The backtest part of the fixture, as the JSON text `tgfl backtest --json` writes.
    static func backtestJSON() throws -> String {
        let data = try Data(contentsOf: fixtureURL("report_sections_reference.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        return String(decoding: try JSONSerialization.data(withJSONObject: object["backtest"]!), as: UTF8.self)
    }

    // MARK: - Backtest

    func testBacktestExceptionsAndPITHistogramMatchNumPy() throws {
        let data = try BacktestReportData(json: try Self.backtestJSON())
        XCTAssertEqual(data.horizons, [1, 5])
        XCTAssertEqual(data.forecasts.count, Self.reference.backtest_expected.count)
        for (f, e) in zip(data.forecasts, Self.reference.backtest_expected) {
            XCTAssertEqual(f.model, e.model); XCTAssertEqual(f.horizon, e.horizon)
            XCTAssertEqual(f.exceptions, e.exceptions, "\(e.model) h=\(e.horizon)")
            let pit = data.pits.first { $0.model == e.model && $0.horizon == e.horizon }!
            assertClose(pit.density, e.pit_density, rtol: 1e-12, atol: 1e-12, "PIT \(e.model) h=\(e.horizon)")
            let rows = data.rows.filter { $0.model == e.model && $0.horizon == e.horizon }
            assertClose(rows.map(\.expected), e.expected, rtol: 1e-12, "expected exceptions")
            XCTAssertEqual(rows.map(\.exceptions), e.exceptions.map { $0.filter { $0 }.count })
        }
    }

    func testBacktestSectionDrawsEveryModelAndColoursTheZones() throws {
        let data = try BacktestReportData(json: try Self.backtestJSON(), dates: (0..<400).map { "day \($0)" })
        let html = HTMLReport.render(BacktestReport.document(data))
        let document = BacktestReport.document(data)
        // A VaR chart and a PIT histogram per model and horizon, ids unique.
        XCTAssertEqual(document.charts.count, 2 * data.forecasts.count)
        XCTAssertEqual(Set(document.charts.map(\.id)).count, document.charts.count)
        XCTAssertTrue(html.contains("id=\"bt-var-h5-hs-250\""))
        // Zones as given by the backtest, one marked cell per row; the dates reach the tooltips.
        let zones = data.rows.map(\.zone)
        for zone in ["green", "yellow", "red"] {
            XCTAssertEqual(html.components(separatedBy: "<td class=\"mark-\(zone)\">\(zone)</td>").count - 1,
                           zones.filter { $0 == zone }.count, zone)
        }
        XCTAssertTrue(data.forecasts[0].dates?.first == "day 300")
        XCTAssertTrue(html.contains("\"date\":\"day 300\""))
    }

    func testBacktestJSONErrorsNameTheKey() throws {
        var object = try JSONSerialization.jsonObject(with: Data(try Self.backtestJSON().utf8)) as! [String: Any]
        object.removeValue(forKey: "spanEnd")
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        assertThrows(try BacktestReportData(json: text), containing: ["backtest JSON", "spanEnd"])
        assertThrows(try BacktestReportData(json: try Self.backtestJSON(), dates: ["2020-01-01"]),
                     containing: ["dates", "whole series"])
    }

    // MARK: - Stress

    func stressInput(withReal: Bool = true) throws -> StressReportInput {
        let s = Self.reference.stress
        let regimes = try s.expected.enumerated().map { g, e -> StressReportInput.Regime in
            let scenarios = s.scenarios[e.name]!
            let stress = try PortfolioStress(scenarios: scenarios, weights: s.weights, level: s.level, worst: s.worst)
            var real: PortfolioStress?
            if g == 0 && withReal {
                let windows = try StressReportInput.realWindows(columns: s.real_columns, labels: s.real_labels,
                                                                regime: g, horizon: s.horizon)
                real = try PortfolioStress(scenarios: windows, weights: s.weights, level: s.level, worst: 0)
            }
            return StressReportInput.Regime(name: e.name, stress: stress, scenarios: scenarios, real: real)
        }
        return StressReportInput(assets: s.assets, weights: s.weights, level: s.level, horizon: s.horizon,
                                 realName: withReal ? "test" : nil, regimes: regimes)
    }

    func testStressNumbersMatchNumPy() throws {
        let s = Self.reference.stress
        let data = try StressReportData(try stressInput())
        assertClose(data.drawdownEdges, s.drawdown_edges, rtol: 1e-12, atol: 1e-15, "drawdown edges")
        XCTAssertTrue(data.fractional)
        for ((r, input), e) in zip(zip(data.regimes, data.input.regimes), s.expected) {
            assertClose(input.profitAndLoss, e.pnl, rtol: 1e-12, atol: 1e-15, "\(e.name) P&L")
            assertClose(input.maxDrawdowns, e.max_drawdowns, rtol: 1e-12, atol: 1e-15, "\(e.name) drawdowns")
            assertClose(input.valueAtRisk, e.var, rtol: 1e-12, "\(e.name) VaR")
            assertClose(input.expectedShortfall, e.es, rtol: 1e-12, "\(e.name) ES")
            assertClose(input.componentExpectedShortfall, e.component_es, rtol: 1e-10, atol: 1e-15, "\(e.name) component ES")
            XCTAssertEqual(input.worst.map(\.path), e.worst, e.name)
            assertClose(input.worst.flatMap(\.assetReturns), e.worst_asset_returns.flatMap { $0 }, rtol: 1e-12,
                        atol: 1e-15, "\(e.name) worst asset returns")
            assertClose(r.profitAndLossEdges, e.pnl_edges, rtol: 1e-12, atol: 1e-15, "\(e.name) P&L edges")
            assertClose(r.profitAndLossDensity, e.pnl_density, rtol: 1e-9, atol: 1e-9, "\(e.name) P&L density")
            assertClose(r.drawdownDensity, e.drawdown_density, rtol: 1e-9, atol: 1e-9, "\(e.name) drawdown density")
            assertClose(r.meanDrawdown, e.mean_drawdown, rtol: 1e-12, "\(e.name) mean drawdown")
            assertClose(r.drawdown95, e.drawdown_95, rtol: 1e-12, "\(e.name) 95 % drawdown")
        }
    }

    func testRealWindowsMatchNumPy() throws {
        let s = Self.reference.stress
        for (key, e) in s.real_windows {
            let g = Int(key)!
            let windows = try StressReportInput.realWindows(columns: s.real_columns, labels: s.real_labels,
                                                            regime: g, horizon: s.horizon)
            XCTAssertEqual(windows.count, e.windows)
            XCTAssertEqual(windows.first?.first, s.real_columns.map { $0[e.starts[0]] })
            let stress = try PortfolioStress(scenarios: windows, weights: s.weights, level: s.level, worst: 0)
            assertClose(stress.valueAtRisk, e.var, rtol: 1e-12, "real VaR \(g)")
            assertClose(stress.expectedShortfall, e.es, rtol: 1e-12, "real ES \(g)")
        }
        XCTAssertThrowsError(try StressReportInput.realWindows(columns: [[0, 1], [0]], labels: [0, 0], regime: 0, horizon: 1))
    }

    func testStressSectionAndJSONRoundTrip() throws {
        let input = try stressInput()
        let text = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        XCTAssertEqual(try StressReportInput(json: text), input)
        let document = StressReport.document(try StressReportData(input))
        let html = HTMLReport.render(document)
        XCTAssertEqual(document.sections.map(\.id), ["stress"])
        XCTAssertEqual(document.charts.map(\.id), ["stress-pnl-calm", "stress-pnl-crisis", "stress-risk", "stress-drawdown",
                                                    "stress-component-es"])
        // The worst table: k rows per regime; real VaR/ES only where given.
        XCTAssertTrue(html.contains("<th>Real VaR</th>"))
        XCTAssertEqual(html.components(separatedBy: "<td>crisis</td>").count - 1, 1 + Self.reference.stress.worst)
        XCTAssertFalse(HTMLReport.render(StressReport.document(try StressReportData(try stressInput(withReal: false))))
            .contains("<th>Real VaR</th>"))
    }

    func testStressInputErrorsNameTheRegimeAndField() throws {
        var input = try stressInput()
        input.regimes[1].maxDrawdowns.removeLast()
        assertThrows(try StressReportData(input), containing: ["crisis", "drawdowns"])
        input = try stressInput()
        input.weights = [1]
        assertThrows(try StressReportData(input), containing: ["3 assets", "1 weights"])
        input = try stressInput()
        input.regimes[0].profitAndLoss[3] = .nan
        assertThrows(try StressReportData(input), containing: ["calm", "finite"])
        assertThrows(try StressReportInput(json: "{\"assets\": []}"), containing: ["stress input JSON", "weights"])
    }
}
