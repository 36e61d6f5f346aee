import Foundation
import XCTest
import TGFLTestSupport
@testable import TGFLCore

/// Each generator against its theoretical moments. Tolerances are 5 standard errors for the
/// sample size (a correct generator fails with probability < 1e-6; seeds are fixed, so the
/// result is the same on every run).
final class SyntheticGeneratorTests: XCTestCase {
    private func flat(_ x: [[Double]]) -> [Double] { x.flatMap { $0 } }
    private func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    private func variance(_ x: [Double]) -> Double {
        let m = mean(x)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
    }
    private func excessKurtosis(_ x: [Double]) -> Double {
        let m = mean(x), n = Double(x.count)
        let m2 = x.reduce(0) { $0 + pow($1 - m, 2) } / n
        let m4 = x.reduce(0) { $0 + pow($1 - m, 4) } / n
        return m4 / (m2 * m2) - 3
    }
    /// Pooled lag-1 autocorrelation of `|r|` within paths.
    private func absACF1(_ paths: [[Double]]) -> Double {
        let a = paths.map { $0.map(abs) }
        let m = mean(flat(a))
        var num = 0.0, den = 0.0
        for p in a {
            for t in p.indices { den += (p[t] - m) * (p[t] - m) }
            for t in 1..<p.count { num += (p[t] - m) * (p[t - 1] - m) }
        }
        return num / den
    }

    // MARK: - GBM

    func testGBMMeanAndVariance() throws {
        let model = GBMModel(mu: 0.1, sigma: 0.25, dt: 1.0 / 252)
        let r = flat(try model.paths(count: 50, length: 2000, seed: 11))
        let n = Double(r.count)
        let v = 0.25 * 0.25 / 252
        XCTAssertEqual(model.returnVariance, v, accuracy: 1e-18)
        assertClose(mean(r), (0.1 - 0.5 * 0.0625) / 252, atol: 5 * (v / n).squareRoot(), "GBM mean")
        assertClose(variance(r), v, atol: 5 * v * (2 / (n - 1)).squareRoot(), "GBM variance")
        // i.i.d.: |r| shows no autocorrelation (SE 1/√n).
        XCTAssertLessThan(abs(absACF1(try model.paths(count: 50, length: 2000, seed: 11))), 5 / n.squareRoot())
    }

    // MARK: - GARCH

    func testGARCHUnconditionalVarianceAndVolatilityClustering() throws {
        let model = GARCHGenerator(mu: 0, omega: 2e-6, alpha: 0.1, beta: 0.85, nu: 8)
        let uncond = 2e-6 / (1 - 0.1 - 0.85)
        XCTAssertEqual(model.unconditionalVariance, uncond, accuracy: 1e-18)
        let paths = try model.paths(count: 200, length: 1000, seed: 7)
        // Started at the unconditional variance, E[r_t²] = ω/(1−α−β) on every day; paths are
        // independent, so the spread of per-path means gives the standard error.
        let perPath = paths.map { p in p.reduce(0) { $0 + $1 * $1 } / Double(p.count) }
        let se = (variance(perPath) / Double(perPath.count)).squareRoot()
        assertClose(mean(perPath), uncond, atol: 5 * se, "GARCH E[r²] vs ω/(1−α−β)")
        XCTAssertLessThan(se, 0.05 * uncond, "test too weak to detect a wrong variance")
        // Volatility clustering: lag-1 ACF of |r| well above its i.i.d. noise level 1/√n.
        let n = Double(paths.count * paths[0].count)
        XCTAssertGreaterThan(absACF1(paths), 5 / n.squareRoot())
        // Student-t innovations: fat tails (excess kurtosis > 0 far beyond noise).
        XCTAssertGreaterThan(excessKurtosis(flat(paths)), 1)
    }

    func testGARCHParameterValidation() {
        XCTAssertThrowsError(try GARCHGenerator(alpha: 0.2, beta: 0.8).paths(count: 1, length: 5, seed: 1)) {
            XCTAssertTrue("\($0)".contains("alpha + beta"), "\($0)")
        }
        XCTAssertThrowsError(try GARCHGenerator(nu: 2).validate()) { XCTAssertTrue("\($0)".contains("nu"), "\($0)") }
        XCTAssertThrowsError(try GARCHGenerator(omega: 0).validate()) { XCTAssertTrue("\($0)".contains("omega")) }
        XCTAssertThrowsError(try GARCHGenerator(alpha: -0.1).validate())
        XCTAssertThrowsError(try GARCHGenerator(omega: .nan).validate())
    }

    // MARK: - Merton

    func testMertonMeanVarianceAndKurtosis() throws {
        let model = MertonJumpModel(mu: 0.05, sigma: 0.15, lambda: 25, jumpMean: -0.02, jumpStd: 0.03,
                                    dt: 1.0 / 252)
        let dt = 1.0 / 252, ldt = 25 * dt
        let v = 0.0225 * dt + ldt * (0.0004 + 0.0009)
        let kurt = ldt * (1.6e-7 + 6 * 0.0004 * 0.0009 + 3 * 8.1e-7) / (v * v)
        let kappa = exp(-0.02 + 0.5 * 0.0009) - 1
        let m = (0.05 - 0.5 * 0.0225 - 25 * kappa) * dt + ldt * -0.02
        assertClose(model.returnVariance, v, rtol: 1e-12)
        assertClose(model.excessKurtosis, kurt, rtol: 1e-12)
        assertClose(model.meanReturn, m, rtol: 1e-12)

        let paths = try model.paths(count: 100, length: 2000, seed: 3)
        let r = flat(paths)
        let n = Double(r.count)
        assertClose(mean(r), m, atol: 5 * (v / n).squareRoot(), "Merton mean")
        // SE of the sample variance: σ² √((κ_excess + 2)/n).
        assertClose(variance(r), v, atol: 5 * v * ((kurt + 2) / n).squareRoot(), "Merton variance")
        // Kurtosis: standard error from the spread of independent per-path estimates.
        let perPath = paths.map(excessKurtosis)
        let se = (variance(perPath) / Double(perPath.count)).squareRoot()
        assertClose(excessKurtosis(r), kurt, atol: 5 * se, "Merton excess kurtosis")
        XCTAssertLessThan(5 * se, 0.3 * kurt, "test too weak to detect wrong jumps")
    }

    func testMertonWithoutJumpsIsGBM() throws {
        let merton = MertonJumpModel(mu: 0.1, sigma: 0.2, lambda: 0, jumpMean: -0.05, jumpStd: 0.1)
        let gbm = GBMModel(mu: 0.1, sigma: 0.2, dt: 1.0 / 252)
        let r = flat(try merton.paths(count: 20, length: 1000, seed: 5))
        let n = Double(r.count)
        assertClose(mean(r), gbm.meanReturn, atol: 5 * (gbm.returnVariance / n).squareRoot())
        assertClose(variance(r), gbm.returnVariance, atol: 5 * gbm.returnVariance * (2 / n).squareRoot())
        XCTAssertThrowsError(try MertonJumpModel(lambda: -1).validate()) { XCTAssertTrue("\($0)".contains("lambda")) }
        XCTAssertThrowsError(try MertonJumpModel(jumpStd: -0.1).validate())
        XCTAssertThrowsError(try MertonJumpModel(sigma: 0).validate())
    }

    // MARK: - Markov switching

    func testMarkovStationaryDistributionAndMixtureVariance() throws {
        let p12 = 0.02, p21 = 0.05
        let model = MarkovSwitchingModel(transition: [[1 - p12, p12], [p21, 1 - p21]],
                                         means: [0.0005, -0.002], stds: [0.008, 0.025])
        // Closed form for two states: π = (p21, p12) / (p12 + p21).
        let pi = [p21 / (p12 + p21), p12 / (p12 + p21)]
        assertClose(try model.stationaryDistribution(), pi, rtol: 1e-12, "stationary distribution")
        let m = pi[0] * 0.0005 + pi[1] * -0.002
        let ex2 = pi[0] * (0.008 * 0.008 + 0.0005 * 0.0005) + pi[1] * (0.025 * 0.025 + 0.002 * 0.002)
        assertClose(try model.returnVariance(), ex2 - m * m, rtol: 1e-12)

        let (returns, states) = try model.pathsWithStates(count: 100, length: 2000, seed: 9)
        let r = flat(returns), s = states.flatMap { $0 }
        let n = Double(r.count)
        // A two-state chain's autocorrelation is ρ^h, ρ = 1 − p12 − p21: the variance of a
        // time average is inflated by at most (1 + ρ)/(1 − ρ).
        let rho = 1 - p12 - p21, inflation = (1 + rho) / (1 - rho)
        let freq1 = Double(s.filter { $0 == 1 }.count) / n
        assertClose(freq1, pi[1], atol: 5 * (pi[1] * pi[0] * inflation / n).squareRoot(), "state-1 frequency")
        let v = ex2 - m * m
        assertClose(mean(r), m, atol: 5 * (v * inflation / n).squareRoot(), "mixture mean")
        func fourth(_ mu: Double, _ sd: Double) -> Double {
            pow(mu, 4) + 6 * mu * mu * sd * sd + 3 * pow(sd, 4)
        }
        let varR2 = pi[0] * fourth(0.0005, 0.008) + pi[1] * fourth(-0.002, 0.025) - ex2 * ex2
        let meanR2 = r.reduce(0) { $0 + $1 * $1 } / n
        assertClose(meanR2, ex2, atol: 5 * (varR2 * inflation / n).squareRoot(), "mixture E[r²]")
        // The returns alone come from the same streams as paths(count:length:seed:).
        XCTAssertEqual(try model.paths(count: 2, length: 2000, seed: 9), Array(returns.prefix(2)))
    }

    func testMarkovThreeStatesStationaryAndValidation() throws {
        let model = MarkovSwitchingModel(
            transition: [[0.9, 0.08, 0.02], [0.1, 0.85, 0.05], [0.05, 0.15, 0.8]],
            means: [0, 0, 0], stds: [0.01, 0.02, 0.04])
        let pi = try model.stationaryDistribution()
        // πP = π and Σπ = 1.
        for j in 0..<3 {
            assertClose((0..<3).map { pi[$0] * model.transition[$0][j] }.reduce(0, +), pi[j], rtol: 1e-12)
        }
        assertClose(pi.reduce(0, +), 1, rtol: 1e-12)
        var bad = model
        bad.transition[1] = [0.5, 0.4, 0.2]
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("row 1"), "\($0)") }
        bad = model
        bad.stds[2] = 0
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("stds[2]"), "\($0)") }
        let reducible = MarkovSwitchingModel(transition: [[1, 0], [0, 1]], means: [0, 0], stds: [1, 1])
        XCTAssertThrowsError(try reducible.validate()) { XCTAssertTrue("\($0)".contains("stationary"), "\($0)") }
        XCTAssertThrowsError(try MarkovSwitchingModel(transition: [[1]], means: [0, 1], stds: [1]).validate())
    }

    // MARK: - Seeds

    func testSameSeedSamePathsDifferentSeedsDiffer() throws {
        let models: [any SyntheticReturnModel] = [
            GBMModel(), GARCHGenerator(), MertonJumpModel(), MarkovSwitchingModel.calmTurbulent,
        ]
        for model in models {
            let a = try model.paths(count: 3, length: 50, seed: 42)
            let b = try model.paths(count: 3, length: 50, seed: 42)
            let c = try model.paths(count: 3, length: 50, seed: 43)
            XCTAssertEqual(a, b, "\(type(of: model)): same seed must give the same bits")
            XCTAssertNotEqual(a, c, "\(type(of: model)): different seeds must differ")
            XCTAssertNotEqual(a[0], a[1], "\(type(of: model)): paths must differ from each other")
            // Path p does not depend on how many paths are drawn.
            XCTAssertEqual(try model.paths(count: 5, length: 50, seed: 42)[1], a[1])
            XCTAssertEqual(a.count, 3); XCTAssertEqual(a[0].count, 50)
            XCTAssertThrowsError(try model.paths(count: 0, length: 5, seed: 1))
            XCTAssertThrowsError(try model.paths(count: 1, length: 0, seed: 1))
        }
    }
}
