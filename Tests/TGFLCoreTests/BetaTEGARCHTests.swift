import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore
import TGFLStats

/// `BetaTEGARCH` (Harvey's score-driven filter, issue 16's prompt filter) against the SciPy
/// reference of `Tests/Fixtures/make_beta_t_reference.py`, and its use on the prompted path.
final class BetaTEGARCHTests: XCTestCase {

    struct Reference: Decodable {
        struct Params: Decodable {
            let mu, omega, phi, kappa, kappa_star, nu: Double
            var model: BetaTEGARCH { BetaTEGARCH(mu: mu, omega: omega, phi: phi, kappa: kappa, kappaStar: kappa_star, nu: nu) }
        }
        struct Case: Decodable {
            let name: String
            let count: Int
            let first_return, last_return: Double
            let params: Params
            let loglik: Double
            let first_variances: [Double]
            let forecast_variance: Double
            let fixed_loglik, fixed_forecast_variance: Double
        }
        let fixed_params: Params
        let cases: [Case]
    }

    /// The returns of a fixture case, sliced from the bundled data as the script does.
    func returns(_ name: String) throws -> [Double] {
        switch name {
        case "dax":
            return Array(try MarketData.bundled(.euStocks).logReturns("dax").values[..<1000])
        default:
            let djia = try MarketData.bundled(.djia).logReturns()
            let t = try XCTUnwrap(djia.dates?.firstIndex { "\($0)" == "1987-10-19" })
            return name == "djia_prompt_1987" ? Array(djia.values[(t - 1000)..<t]) : Array(djia.values[..<t])
        }
    }

    /// The filter (ℓ and σ² at SciPy's parameters and at fixed ones) to 1e-9 relative, and the
    /// fit: ℓ within 0.01 of SciPy's optimum (or above it) and the parameters close.
    func testFilterAndFitMatchSciPy() throws {
        let ref = try loadJSONFixture("beta_t_reference.json", as: Reference.self)
        XCTAssertEqual(ref.cases.count, 3)
        for c in ref.cases {
            let r = try returns(c.name)
            XCTAssertEqual(r.count, c.count, c.name)
            XCTAssertEqual(r[0], c.first_return, accuracy: 1e-12, c.name)
            XCTAssertEqual(r[r.count - 1], c.last_return, accuracy: 1e-12, c.name)
            let m = c.params.model
            XCTAssertEqual(m.logLikelihood(r), c.loglik, accuracy: 1e-9 * abs(c.loglik), c.name)
            let v = m.variances(r)
            for (a, b) in zip(v, c.first_variances) { XCTAssertEqual(a, b, accuracy: 1e-9 * b, c.name) }
            XCTAssertEqual(v[r.count], c.forecast_variance, accuracy: 1e-9 * c.forecast_variance, c.name)
            let fixed = ref.fixed_params.model
            XCTAssertEqual(fixed.logLikelihood(r), c.fixed_loglik, accuracy: 1e-9 * abs(c.fixed_loglik), c.name)
            XCTAssertEqual(fixed.variances(r)[r.count], c.fixed_forecast_variance,
                           accuracy: 1e-9 * c.fixed_forecast_variance, c.name)

            let fit = try BetaTEGARCH.fit(r)
            let ll = fit.logLikelihood(r)
            XCTAssertGreaterThan(ll, c.loglik - 0.01, "\(c.name): Swift fit \(fit), SciPy \(c.params)")
            XCTAssertEqual(fit.phi, c.params.phi, accuracy: 0.01, c.name)
            XCTAssertEqual(fit.kappa, c.params.kappa, accuracy: 0.01, c.name)
            XCTAssertEqual(fit.kappaStar, c.params.kappa_star, accuracy: 0.01, c.name)
            XCTAssertEqual(fit.omega, c.params.omega, accuracy: 0.1, c.name)
            XCTAssertEqual(fit.nu, c.params.nu, accuracy: 0.1 * c.params.nu, c.name)
            print(String(format: "%@: ℓ Swift %.4f SciPy %.4f; φ %.4f/%.4f κ %.4f/%.4f κ* %.4f/%.4f ν %.2f/%.2f",
                         c.name, ll, c.loglik, fit.phi, c.params.phi, fit.kappa, c.params.kappa, fit.kappaStar,
                         c.params.kappa_star, fit.nu, c.params.nu))
        }
    }

    /// Bad input gets a clear error; the recursion on the variance scale is the log-scale one.
    func testErrorsAndStep() throws {
        XCTAssertThrowsError(try BetaTEGARCH.fit([Double](repeating: 0.01, count: 50)))
        XCTAssertThrowsError(try BetaTEGARCH.fit([Double](repeating: 0.01, count: 200)))
        XCTAssertThrowsError(try BetaTEGARCH.fit([0.01, .nan] + [Double](repeating: 0.01, count: 200)))
        XCTAssertThrowsError(try BetaTEGARCH(mu: 0, omega: -4, phi: 1, kappa: 0.05, kappaStar: 0, nu: 5).check())
        XCTAssertThrowsError(try PromptFilter(parsing: "egarch"))
        XCTAssertEqual(try PromptFilter(parsing: "beta-t"), .betaT)
        let m = BetaTEGARCH(mu: 1e-4, omega: -4.5, phi: 0.97, kappa: 0.05, kappaStar: 0.02, nu: 5)
        let r = [0.01, -0.02, -0.25, 0.03, 0.0]
        let v = m.variances(r)
        for t in r.indices {
            XCTAssertEqual(m.step(variance: v[t], residual: r[t] - m.mu), v[t + 1], accuracy: 1e-12 * v[t + 1])
        }
        // A −25 % day adds at most κ·ν + |κ*|·(ν + 1) to λ beyond its decay towards ω.
        let lam = v.map { m.logScale(variance: $0) }
        XCTAssertLessThan(lam[3] - m.omega * (1 - m.phi) - m.phi * lam[2], m.kappa * m.nu + abs(m.kappaStar) * (m.nu + 1))
        XCTAssertGreaterThan(lam[3] - m.omega * (1 - m.phi) - m.phi * lam[2], 0.9 * (m.kappa * m.nu + m.kappaStar * (m.nu + 1)))
    }

    /// The prompted path with the filter: σ_t is the filter's forecast after the prompt, the bits
    /// do not depend on the thread count or on the other days, and refitting keeps them so.
    func testPromptedPathStartsFromTheFilterAndIsDeterministic() throws {
        let model = try makeFittedModel(VolatilityModelTests.tinyV2, seed: 4, weightScale: 0.3)
        let history = try GARCHGenerator().paths(count: 1, length: 240, seed: 17)[0]
        let f = BetaTEGARCH(mu: 0, omega: log(0.009), phi: 0.97, kappa: 0.05, kappaStar: 0.02, nu: 6)
        var o = ConditionalGenerationOptions(paths: 40, horizon: 5, promptDays: 150, seed: 8, threads: 1, promptFilter: f)
        let days = Array(stride(from: 160, through: 239, by: 9))
        let one = try model.generateConditional(history: history, days: days, options: o)
        for (k, t) in days.enumerated() {
            let start = f.variances(Array(history[(t - 150)..<t])).last!.squareRoot()
            XCTAssertEqual(one.startVolatilities![k], start, accuracy: 1e-15)
        }
        let gjr = try model.generateConditional(
            history: history, days: days, options: ConditionalGenerationOptions(paths: 40, horizon: 5, promptDays: 150, seed: 8))
        XCTAssertNotEqual(one.returns, gjr.returns)
        o.threads = 2
        XCTAssertEqual(try model.generateConditional(history: history, days: days, options: o), one)
        XCTAssertEqual(try model.generateConditional(history: history, days: [days[4]], options: o).returns[0], one.returns[4])
        o.refitVolatilityEvery = 3
        o.zRecalibration = ZRecalibration(window: 100, weight: 0.75)
        let refit = try model.generateConditional(history: history, days: days, options: o)
        o.threads = 1
        XCTAssertEqual(try model.generateConditional(history: history, days: days, options: o), refit)
        XCTAssertNotEqual(refit.returns, one.returns)
    }
}
