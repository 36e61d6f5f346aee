import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// Issue 16's backtests against `Tests/Fixtures/make_backtest_reference.py` (numpy, scipy,
/// statsmodels) and the published Basel table.
final class BacktestTests: XCTestCase {

    nonisolated(unsafe) static let reference: [String: Any] = {
        let data = try! Data(contentsOf: fixtureURL("backtest_reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func forecasts(_ c: [String: Any]) -> [PredictiveDistribution] {
        if c["kind"] as! String == "t" {
            let loc = c.a("loc"), scale = c.a("scale"), nu = c.a("nu")
            return loc.indices.map { .studentT(location: loc[$0], scale: scale[$0], degreesOfFreedom: nu[$0]) }
        }
        return (c["samples"] as! [Any]).map { .sample(StatsReference.doubles($0)) }
    }

    static var cases: [[String: Any]] { reference["cases"] as! [[String: Any]] }

    func testVaRAndESOfForecastsMatchScipy() throws {
        for c in Self.cases {
            let f = Self.forecasts(c)
            for l in c["levels"] as! [[String: Any]] {
                let risk = f.map { $0.risk(level: l.d("alpha")) }
                assertClose(risk.map(\.valueAtRisk), l.a("var"), rtol: 1e-9, atol: 1e-15, "\(c["name"]!) VaR")
                assertClose(risk.map(\.expectedShortfall), l.a("es"), rtol: 1e-8, atol: 1e-15, "\(c["name"]!) ES")
            }
        }
    }

    func testAcerbiSzekelyZ2AndSimulatedPValue() throws {
        for c in Self.cases {
            let x = c.a("returns"), f = Self.forecasts(c)
            for l in c["levels"] as! [[String: Any]] {
                let a = l.d("alpha")
                let z2 = try ExpectedShortfallBacktest.acerbiSzekelyZ2(returns: x, valueAtRisk: l.a("var"),
                                                                       expectedShortfall: l.a("es"), level: a)
                assertClose(z2, l.d("z2"), rtol: 1e-10, atol: 1e-12, "\(c["name"]!) Z2 at \(a)")
                let test = try ExpectedShortfallBacktest.acerbiSzekely(returns: x, forecasts: f, level: a,
                                                                       simulations: 20_000, seed: 3)
                assertClose(test.statistic, l.d("z2"), rtol: 1e-8, atol: 1e-10, "\(c["name"]!) Z2 from forecasts")
                // Monte Carlo: the Swift p (20,000 draws) has sd ≤ 0.0036; the reference (200,000) ≤ 0.0012.
                XCTAssertEqual(test.pValue, l.d("p"), accuracy: 0.02, "\(c["name"]!) Z2 p-value at \(a)")
            }
        }
    }

    func testPITAndBerkowitzMatchStatsmodels() throws {
        for c in Self.cases {
            let pit = try DensityBacktest.probabilityIntegralTransform(returns: c.a("returns"), forecasts: Self.forecasts(c))
            assertClose(pit, c.a("pit"), rtol: 1e-9, atol: 1e-14, "\(c["name"]!) PIT")
            let b = try DensityBacktest.berkowitz(pit: c.a("pit"))
            let r = c.o("berkowitz")
            assertClose([b.statistic, b.pValue, b.intercept, b.slope, b.variance],
                        [r.d("statistic"), r.d("p"), r.d("intercept"), r.d("slope"), r.d("variance")],
                        rtol: 1e-8, atol: 1e-12, "\(c["name"]!) Berkowitz (AutoReg)")
        }
    }

    /// The true forecasts pass, the understated ones fail: the tests can fail.
    func testTestsSeparateTrueFromUnderstatedForecasts() throws {
        let byName = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0["name"] as! String, $0) })
        let truth = byName["garch_t_true"]!, wrong = byName["garch_t_understated"]!
        let good = try ForecastBacktest.evaluate(model: "true", horizon: 1, outcomes: truth.a("returns"),
                                                 forecasts: Self.forecasts(truth), simulations: 2000)
        let bad = try ForecastBacktest.evaluate(model: "understated", horizon: 1, outcomes: wrong.a("returns"),
                                                forecasts: Self.forecasts(wrong), simulations: 2000)
        XCTAssertLessThan(bad.levels[1].expectedShortfallTest.statistic, good.levels[1].expectedShortfallTest.statistic)
        XCTAssertGreaterThanOrEqual(bad.levels[0].exceptions, good.levels[0].exceptions)
        XCTAssertEqual(good.levels[0].exceptions, good.exceptions(outcomes: truth.a("returns"))[0].filter { $0 }.count)
        XCTAssertNotNil(good.levels[0].basel)   // 400 days at α = 0.01
        XCTAssertNil(good.levels[1].basel)
    }

    /// BCBS (1996), Table 2: zones, cumulative probabilities (in %, rounded to 2 decimals) and
    /// multipliers at 250 days of a 99 % VaR.
    func testBaselTableIsThePublishedOne() throws {
        let cumulative = [8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.60, 99.89, 99.97, 99.99]
        let multiplier = [3.00, 3.00, 3.00, 3.00, 3.00, 3.40, 3.50, 3.65, 3.75, 3.85, 4.00]
        for x in 0...10 {
            let r = try VaRBacktest.trafficLight(exceptionCount: x, observations: 250)
            XCTAssertEqual(r.cumulativeProbability * 100, cumulative[x], accuracy: 0.005, "\(x) exceptions")
            XCTAssertEqual(try VaRBacktest.baselMultiplier(exceptionCount: x), multiplier[x], "\(x) exceptions")
        }
        XCTAssertEqual(try VaRBacktest.baselMultiplier(exceptionCount: 25), 4.0)
        // Only the last 250 days count.
        let hits = [Bool](repeating: true, count: 20) + [Bool](repeating: false, count: 245) + [true, true, true, true, true]
        let b = try VaRBacktest.basel(exceptions: hits)
        XCTAssertEqual([b.exceptions, b.observations], [5, 250])
        XCTAssertEqual(b.zone, .yellow)
        XCTAssertEqual(b.multiplier, 3.40)
    }

    func testBadInputIsNamed() {
        XCTAssertThrowsError(try VaRBacktest.baselMultiplier(exceptionCount: -1))
        XCTAssertThrowsError(try VaRBacktest.basel(exceptions: [Bool](repeating: false, count: 249))) {
            XCTAssertTrue("\($0)".contains("249 days"), "\($0)")
        }
        XCTAssertThrowsError(try DensityBacktest.berkowitz(pit: [0.5, 1.0, 0.2])) {
            XCTAssertTrue("\($0)".contains("pit[1]"), "\($0)")
        }
        XCTAssertThrowsError(try ExpectedShortfallBacktest.acerbiSzekelyZ2(returns: [0.1], valueAtRisk: [0.1],
                                                                           expectedShortfall: [0], level: 0.01))
        XCTAssertThrowsError(try ExpectedShortfallBacktest.acerbiSzekely(
            returns: [0.1, 0.2], forecasts: [.sample([1, 2]), .sample([2, 1])], level: 0.01)) {
            XCTAssertTrue("\($0)".contains("forecasts[1]"), "\($0)")
        }
        XCTAssertThrowsError(try ForecastBacktest.evaluate(model: "m", horizon: 1, outcomes: [0.1, 0.2],
                                                           forecasts: [.sample([1, 2])]))
    }
}
