import Foundation
import XCTest
import TGFLTestSupport
import TGFLRandom
@testable import TGFLStats

/// HS, FHS-GARCH, FHS-GJR and GARCH-t VaR / ES forecasts against arch and numpy
/// (`risk_forecasts` in `Tests/Fixtures/make_garch_reference.py`).
final class RiskForecasterTests: XCTestCase {

    static var reference: [String: Any] { GARCHReference.json["risk_forecasts"] as! [String: Any] }

    static func method(_ c: [String: Any]) -> RiskForecaster.Method {
        switch c["method"] as! String {
        case "historical": return .historical(window: c.i("window"))
        case "fhs": return .filteredHistorical(variance: .init(rawValue: c["variance"] as! String)!, window: c.i("window"))
        default: return .garchT(window: c.i("window"))
        }
    }

    /// Monte Carlo tolerance: 4.5 combined standard errors of ours (M paths) and the reference's.
    static func mcTolerance(_ t: [String: Any], _ k: Int, ours m: Int) -> Double {
        let sd = t.a("mc_sd")[k], batch = Double(t.i("mc_batch"))
        let ref = sd * (batch / Double(reference.i("sims"))).squareRoot()
        let own = sd * (batch / Double(m)).squareRoot()
        return 4.5 * (ref * ref + own * own).squareRoot()
    }

    /// One day: with arch's own fitted parameters the forecasts equal arch's/numpy's to 1e-9
    /// relative; with our own fit to 1e-4 (the fits agree to ~1e-6).
    func testOneStepMatchesArch() throws {
        let y = GARCHReference.series("sp500")
        let levels = Self.reference.a("levels")
        for c in Self.reference["cases"] as! [[String: Any]] {
            let method = Self.method(c)
            let f = try RiskForecaster(method: method, levels: levels, horizons: [1])
            let expected = (c["one_step"] as! [[NSNumber]]).flatMap { $0.map(\.doubleValue) }
            let own = try f.forecast(y)
            assertClose(own.flatMap { [$0.valueAtRisk, $0.expectedShortfall] }, expected,
                        rtol: method.specification == nil ? 1e-12 : 1e-4, "\(method.name) own fit")
            XCTAssertEqual(own.map(\.level), levels)
            guard let spec = method.specification else { continue }
            let p = c.o("params")
            let archModel = try GARCHModel(specification: spec, mu: p.d("mu"), omega: p.d("omega"), alpha: p.d("alpha"),
                                           gamma: p.d("gamma"), beta: p.d("beta"),
                                           nu: spec.innovations == .studentT ? p.d("nu") : nil)
            let w = Array(y.suffix(method.window))
            let s2 = archModel.conditionalVariances(w)
            assertClose(archModel.nextVariance(residual: w.last! - archModel.mu, variance: s2.last!),
                        c.d("variance_next"), rtol: 1e-10, "\(method.name) σ²_{T+1}")
            let exact = try f.forecast(y, model: archModel)
            assertClose(exact.flatMap { [$0.valueAtRisk, $0.expectedShortfall] }, expected, rtol: 1e-9,
                        "\(method.name) arch's parameters")
        }
    }

    /// Ten days: bootstrap / simulation VaR and ES within Monte Carlo error of arch's bootstrap
    /// (FHS) and simulation (GARCH-t) forecasts and of a numpy bootstrap (HS), 200,000 reference
    /// paths against our 40,000.
    func testTenDayMatchesArchSimulation() throws {
        let y = GARCHReference.series("sp500")
        let levels = Self.reference.a("levels")
        let m = 40_000
        for c in Self.reference["cases"] as! [[String: Any]] {
            let method = Self.method(c)
            let f = try RiskForecaster(method: method, levels: levels, horizons: [10], simulations: m, seed: 5)
            let model: GARCHModel?
            if let spec = method.specification {
                let p = c.o("params")
                model = try GARCHModel(specification: spec, mu: p.d("mu"), omega: p.d("omega"), alpha: p.d("alpha"),
                                       gamma: p.d("gamma"), beta: p.d("beta"),
                                       nu: spec.innovations == .studentT ? p.d("nu") : nil)
            } else { model = nil }
            let got = try f.forecast(y, model: model)
            for (k, t) in (c["ten_day"] as! [[String: Any]]).enumerated() {
                XCTAssertEqual(got[k].horizon, 10)
                let tol = Self.mcTolerance(t, k, ours: m)
                XCTAssertEqual(got[k].valueAtRisk, t.d("var"), accuracy: tol, "\(method.name) α \(levels[k]) VaR")
                XCTAssertEqual(got[k].expectedShortfall, t.d("es"), accuracy: tol * 1.5, "\(method.name) α \(levels[k]) ES")
            }
        }
    }

    /// The simulated 10-day sums have arch's analytic variance Σ_k E_T σ²_{T+k} (+ the sample
    /// variance of the bootstrapped z for FHS, which is not exactly 1), within 4.5 standard errors.
    func testTenDayVarianceMatchesArchAnalytic() throws {
        let y = GARCHReference.series("sp500")
        for c in Self.reference["cases"] as! [[String: Any]] {
            let method = Self.method(c)
            guard let spec = method.specification else { continue }
            let p = c.o("params")
            let model = try GARCHModel(specification: spec, mu: p.d("mu"), omega: p.d("omega"), alpha: p.d("alpha"),
                                       gamma: p.d("gamma"), beta: p.d("beta"),
                                       nu: spec.innovations == .studentT ? p.d("nu") : nil)
            let f = try RiskForecaster(method: method, simulations: 100_000, seed: 17)
            let w = Array(y.suffix(method.window))
            let s2 = model.conditionalVariances(w)
            var z = zip(w, s2).map { ($0 - model.mu) / $1.squareRoot() }
            if spec.innovations == .normal {
                // arch's analytic forecast assumes E z² = 1: standardize the bootstrap pool to
                // mean 0 and variance 1 so that the comparison is exact in expectation.
                let m = z.reduce(0, +) / Double(z.count)
                let sd = (z.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(z.count)).squareRoot()
                z = z.map { ($0 - m) / sd }
            }
            var rng = SeededRNG(seed: 17)
            let sums = f.simulatedSums(model: model, next: c.d("variance_next"), residuals: z, horizon: 10, rng: &rng)
            let mean = sums.reduce(0, +) / Double(sums.count)
            let dev = sums.map { ($0 - mean) * ($0 - mean) }
            let variance = dev.reduce(0, +) / Double(sums.count)
            let se = (dev.reduce(0) { $0 + ($1 - variance) * ($1 - variance) } / Double(sums.count)).squareRoot()
                / Double(sums.count).squareRoot()
            XCTAssertEqual(variance, c.d("variance_10_day_sum"), accuracy: 4.5 * se, "\(method.name)")
            XCTAssertEqual(mean, 10 * model.mu, accuracy: 4.5 * (variance / Double(sums.count)).squareRoot(), "\(method.name) mean")
        }
    }

    /// Walk-forward: each day's forecast equals a direct forecast on the history before it (with
    /// the model refitted on the right day), and the bits do not depend on the order of work.
    func testWalkForwardEqualsDirectForecasts() throws {
        let y = GARCHReference.series("siemens")
        let f = try RiskForecaster(method: .filteredHistorical(variance: .gjr, window: 500), horizons: [1, 10],
                                   simulations: 500, seed: 9)
        let days = 1500..<1512
        let wf = try f.walkForward(y, range: days, refitEvery: 5)
        XCTAssertEqual(wf.count, days.count)
        for (k, t) in days.enumerated() {
            let fitDay = days.lowerBound + (k / 5) * 5
            let model = try f.fit(Array(y[..<fitDay]))
            XCTAssertEqual(wf[k], try f.forecast(Array(y[..<t]), model: model, stream: UInt64(t)), "day \(t)")
        }
        XCTAssertEqual(try f.walkForward(y, range: days, refitEvery: 5), wf)
    }

    func testErrorsNameTheOption() {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try RiskForecaster(method: .garchT(window: 20)) }.contains("window"))
        XCTAssertTrue(message { try RiskForecaster(method: .historical(window: 250), levels: [0.99]) }.contains("levels"))
        XCTAssertTrue(message { try RiskForecaster(method: .historical(window: 250), horizons: [0]) }.contains("horizons"))
        let f = try! RiskForecaster(method: .filteredHistorical(variance: .gjr, window: 250))
        XCTAssertTrue(message { try f.forecast([Double](repeating: 0.01, count: 100)) }.contains("needs 250"))
        XCTAssertTrue(message { try f.forecast(GARCHReference.series("sp500"), model: nil) }.contains("model"))
        XCTAssertTrue(message { try f.walkForward(GARCHReference.series("sp500"), range: 100..<200) }.contains("window"))
    }
}
