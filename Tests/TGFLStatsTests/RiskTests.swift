import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// VaR / ES against numpy / scipy, backtests against the formulas evaluated in the reference script.
final class RiskTests: XCTestCase {

    func testVaRAndESMatchReference() throws {
        for c in StatsReference.json["risk"] as! [[String: Any]] {
            let name = c["x"] as! String
            let x = StatsReference.sample(name)
            let a = c.d("alpha")
            let h = try RiskMeasures.historical(x, level: a)
            assertClose([h.valueAtRisk, h.expectedShortfall], c.a("historical"), rtol: 1e-12, "\(name) \(a) hist")
            let g = try RiskMeasures.gaussian(x, level: a)
            assertClose([g.valueAtRisk, g.expectedShortfall], c.a("gaussian"), rtol: 1e-12, "\(name) \(a) gauss")
            let cf = try RiskMeasures.cornishFisher(x, level: a)
            assertClose([cf.valueAtRisk, cf.expectedShortfall], c.a("cornish_fisher"), rtol: 1e-9,
                        "\(name) \(a) Cornish–Fisher (ES by quadrature)")
            let t = try RiskMeasures.studentT(x, level: a)
            assertClose(t.degreesOfFreedom, c.d("student_t_df"), rtol: 1e-12, "\(name) ν")
            assertClose([t.estimate.valueAtRisk, t.estimate.expectedShortfall], c.a("student_t"), rtol: 1e-8,
                        "\(name) \(a) Student-t (ES by scipy quadrature)")
            XCTAssertGreaterThanOrEqual(h.expectedShortfall, h.valueAtRisk)
        }
    }

    func testGaussianClosedForm() throws {
        // Symmetric sample with mean 0 and sd 1 (ddof 1): VaR_α = −Φ⁻¹(α) = 2.3263478740408408 at 1 %.
        let x: [Double] = [-1, 1].map { $0 * (0.5).squareRoot() } + [-1, 1].map { $0 * (0.5).squareRoot() }
        let sd = try Descriptive.standardDeviation(x, ddof: 1)
        let g = try RiskMeasures.gaussian(x.map { $0 / sd }, level: 0.01)
        assertClose(g.valueAtRisk, 2.3263478740408408, rtol: 1e-14)
        assertClose(g.expectedShortfall, 2.6652142203457769, rtol: 1e-13)   // φ(z)/α
    }

    func testBacktestsMatchReference() throws {
        for c in StatsReference.json["backtest"] as! [[String: Any]] {
            let name = c["name"] as! String
            let hits = c["hits"] as! [Bool]
            let a = c.d("alpha")
            let k = try VaRBacktest.kupiec(exceptions: hits, level: a)
            assertClose([k.statistic, k.pValue], c.a("kupiec"), rtol: 1e-10, atol: 1e-13, "\(name) Kupiec")
            let i = try VaRBacktest.christoffersenIndependence(exceptions: hits)
            assertClose([i.statistic, i.pValue], c.a("independence"), rtol: 1e-10, atol: 1e-13, "\(name) ind")
            let cc = try VaRBacktest.christoffersenConditionalCoverage(exceptions: hits, level: a)
            assertClose([cc.statistic, cc.pValue], c.a("cc"), rtol: 1e-10, atol: 1e-13, "\(name) cc")
            XCTAssertEqual(cc.degreesOfFreedom, 2)
        }
        // The exception sequence used by the rolling case, rebuilt from returns and VaR forecasts.
        let hits = try VaRBacktest.exceptions(returns: [-0.03, 0.01, -0.01], valueAtRisk: [0.02, 0.02, 0.02])
        XCTAssertEqual(hits, [true, false, false])
    }

    func testTrafficLight() throws {
        // Basel table at T = 250, 99 %: green 0–4, yellow 5–9, red ≥ 10.
        for x in 0...15 {
            let zone = try VaRBacktest.trafficLight(exceptionCount: x, observations: 250).zone
            XCTAssertEqual(zone, x <= 4 ? .green : (x <= 9 ? .yellow : .red), "\(x) exceptions")
        }
        for c in StatsReference.json["traffic_light"] as! [[String: Any]] {
            let r = try VaRBacktest.trafficLight(exceptionCount: c.i("x"), observations: c.i("T"), level: c.d("alpha"))
            assertClose(r.cumulativeProbability, c.d("cdf"), rtol: 1e-11, "binomial cdf \(c)")
        }
    }

    func testRiskBadInputThrows() {
        XCTAssertThrowsError(try RiskMeasures.historical([], level: 0.01))
        XCTAssertThrowsError(try RiskMeasures.historical([1, 2], level: 0)) {
            guard case .invalidParameter = $0 as? StatsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try RiskMeasures.gaussian([1, 2, 3], level: 1))
        XCTAssertThrowsError(try RiskMeasures.gaussian([1], level: 0.05))
        XCTAssertThrowsError(try RiskMeasures.cornishFisher([1, .nan], level: 0.05))
        XCTAssertThrowsError(try RiskMeasures.studentT([1, 2, 3], level: 0.05, degreesOfFreedom: 2))
        XCTAssertThrowsError(try RiskMeasures.studentT([1, 1, 1], level: 0.05))
        XCTAssertThrowsError(try VaRBacktest.exceptions(returns: [1, 2], valueAtRisk: [1]))
        XCTAssertThrowsError(try VaRBacktest.kupiec(exceptions: [], level: 0.01))
        XCTAssertThrowsError(try VaRBacktest.kupiec(exceptions: [true], level: 1.5))
        XCTAssertThrowsError(try VaRBacktest.christoffersenIndependence(exceptions: [true]))
        XCTAssertThrowsError(try VaRBacktest.christoffersenConditionalCoverage(exceptions: [true, false], level: -1))
        XCTAssertThrowsError(try VaRBacktest.trafficLight(exceptionCount: 11, observations: 10))
        XCTAssertThrowsError(try VaRBacktest.trafficLight(exceptionCount: 1, observations: 0))
    }
}
