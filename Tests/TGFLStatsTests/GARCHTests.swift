import Foundation
import XCTest
import TGFLTestSupport
import TGFLRandom
@testable import TGFLStats

/// The golden values written by `Tests/Fixtures/make_garch_reference.py` (arch 8, scipy, numpy).
enum GARCHReference {
    nonisolated(unsafe) static let json: [String: Any] = {
        let data = try! Data(contentsOf: fixtureURL("garch_reference.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func series(_ name: String) -> [Double] { (json["series"] as! [String: Any]).a(name) }
    static func cases(_ name: String) -> [[String: Any]] { json[name] as! [[String: Any]] }

    static func specification(_ c: [String: Any]) -> GARCHSpecification {
        GARCHSpecification(variance: .init(rawValue: c["variance"] as! String)!,
                           innovations: .init(rawValue: c["innovations"] as! String)!,
                           constantMean: (c["constant_mean"] as? Bool) ?? true)
    }

    static func model(_ c: [String: Any]) throws -> GARCHModel {
        let spec = specification(c)
        let p = c.o("params")
        return try GARCHModel(specification: spec, mu: p.d("mu"), omega: p.d("omega"), alpha: p.d("alpha"),
                              gamma: p.d("gamma"), beta: p.d("beta"),
                              nu: spec.innovations == .normal ? nil : p.d("nu"),
                              lambda: spec.innovations == .skewT ? p.d("lambda") : nil)
    }
}

final class GARCHTests: XCTestCase {

    // MARK: - Fixed parameters against arch

    /// Backcast, conditional variances, standardized residuals and loglikelihood equal arch's
    /// (`arch_model(...).fix(params)`) to 1e-10 relative, for garch/gjr × normal/t/skewt, constant
    /// and zero mean, on the S&P 500, the DJIA and Siemens.
    func testFixedParametersMatchArch() throws {
        let cases = GARCHReference.cases("fixed")
        XCTAssertEqual(cases.count, 24)
        for c in cases {
            let name = "\(c["series"]!) \(c["variance"]!) \(c["innovations"]!) constantMean=\(c["constant_mean"]!)"
            let r = GARCHReference.series(c["series"] as! String)
            let m = try GARCHReference.model(c)
            let start = GARCHModel.startResiduals(r, constantMean: m.specification.constantMean)
            assertClose(GARCHModel.backcast(start), c.d("backcast"), rtol: 1e-12, "\(name) backcast")
            let idx = (c["indices"] as! [NSNumber]).map(\.intValue)
            let s2 = m.conditionalVariances(r)
            XCTAssertEqual(s2.count, r.count)
            assertClose(idx.map { s2[$0] }, c.a("variances"), rtol: 1e-10, "\(name) σ²")
            let z = m.standardizedResiduals(r)
            assertClose(idx.map { z[$0] }, c.a("std_resid"), rtol: 1e-10, atol: 1e-12, "\(name) z")
            assertClose(m.logLikelihood(r), c.d("loglikelihood"), rtol: 1e-10, "\(name) loglikelihood")
        }
    }

    /// The one-step recursion is the documented formula (the leverage term only after a fall).
    func testNextVarianceFormula() throws {
        let spec = GARCHSpecification(variance: .gjr)
        let m = try GARCHModel(specification: spec, mu: 0, omega: 1e-6, alpha: 0.02, gamma: 0.1, beta: 0.9)
        XCTAssertEqual(m.nextVariance(residual: -0.01, variance: 1e-4), 1e-6 + 0.12 * 1e-4 + 0.9 * 1e-4, accuracy: 1e-18)
        XCTAssertEqual(m.nextVariance(residual: 0.01, variance: 1e-4), 1e-6 + 0.02 * 1e-4 + 0.9 * 1e-4, accuracy: 1e-18)
    }

    // MARK: - Fits against arch

    /// Our fit reaches arch's optimum: loglikelihood ≥ arch's − 1e-4·n, parameters within
    /// |Δ| ≤ 2e-3 + 2 % (α, γ, β, λ), 2e-3·sd (μ), 5 % + 2e-3·var (ω), 5 % (ν).
    func testFitsMatchArch() throws {
        for c in GARCHReference.cases("fits") {
            let name = "\(c["series"]!) \(c["variance"]!) \(c["innovations"]!)"
            let r = GARCHReference.series(c["series"] as! String)
            let spec = GARCHReference.specification(c)
            let fit = try GARCHModel.fit([r], specification: spec)
            let n = Double(r.count)
            XCTAssertTrue(fit.converged, "\(name) converged")
            XCTAssertGreaterThanOrEqual(fit.logLikelihood, c.d("loglikelihood_raw") - 1e-4 * n, "\(name) loglikelihood")
            assertClose(fit.logLikelihood, fit.model.logLikelihood(r), rtol: 1e-12, "\(name) reported loglikelihood")
            let p = c.o("params")
            let mean = r.reduce(0, +) / n
            let variance = r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            let m = fit.model
            XCTAssertEqual(m.mu, p.d("mu"), accuracy: 2e-3 * variance.squareRoot(), "\(name) mu")
            XCTAssertEqual(m.omega, p.d("omega"), accuracy: 0.05 * p.d("omega") + 2e-3 * variance, "\(name) omega")
            for (k, v) in [("alpha", m.alpha), ("gamma", m.gamma), ("beta", m.beta)] {
                XCTAssertEqual(v, p.d(k), accuracy: 2e-3 + 0.02 * abs(p.d(k)), "\(name) \(k)")
            }
            if let nu = m.nu { XCTAssertEqual(nu, p.d("nu"), accuracy: 0.05 * p.d("nu"), "\(name) nu") }
            if let l = m.lambda { XCTAssertEqual(l, p.d("lambda"), accuracy: 2e-3 + 0.02 * abs(p.d("lambda")), "\(name) lambda") }
        }
    }

    /// The fit does not depend on the units of the data (it rescales internally).
    func testFitIsScaleEquivariant() throws {
        let r = GARCHReference.series("sp500")
        let spec = GARCHSpecification(variance: .gjr, innovations: .studentT)
        let a = try GARCHModel.fit([r], specification: spec)
        let b = try GARCHModel.fit([r.map { $0 * 100 }], specification: spec)
        assertClose(b.model.mu, a.model.mu * 100, rtol: 1e-6, "mu")
        assertClose(b.model.omega, a.model.omega * 1e4, rtol: 1e-6, "omega")
        assertClose([b.model.alpha, b.model.gamma, b.model.beta, b.model.nu!],
                    [a.model.alpha, a.model.gamma, a.model.beta, a.model.nu!], rtol: 1e-6, atol: 1e-9, "α γ β ν")
        assertClose(b.logLikelihood, a.logLikelihood - Double(r.count) * log(100), rtol: 1e-9, "loglikelihood")
    }

    // MARK: - Pooled likelihood

    /// The pooled objective is the sum of arch's per-series loglikelihoods (each series with its
    /// own backcast and bounds) at the same parameters.
    func testPooledObjectiveIsSumOfArchLoglikelihoods() throws {
        for c in GARCHReference.cases("pooled") {
            let names = c["series"] as! [String]
            let series = names.map(GARCHReference.series)
            let m = try GARCHReference.model(c)
            let objective = GARCHObjective(series: series, specification: m.specification)
            let p = GARCHParameters(mu: m.mu, omega: m.omega, alpha: m.alpha, gamma: m.gamma, beta: m.beta,
                                    nu: m.nu ?? 8, lambda: m.lambda ?? 0)
            let expected = c.a("loglikelihoods").reduce(0, +)
            assertClose(-objective.value(p) * Double(objective.count), expected, rtol: 1e-10, "\(c["variance"]!) \(c["innovations"]!)")
            let x = try XCTUnwrap(objective.unconstrained(p))
            assertClose(-objective.valueAndGradient(x).0 * Double(objective.count), expected, rtol: 1e-10, "with gradient")
            assertClose(series.reduce(0) { $0 + m.logLikelihood($1) }, expected, rtol: 1e-10, "public")
        }
    }

    /// A pooled fit beats every single-series fit's parameters on the pooled data, and reports
    /// the sum of the per-series loglikelihoods.
    func testPooledFit() throws {
        let a = GARCHReference.series("sp500"), b = GARCHReference.series("djia")
        let spec = GARCHSpecification(variance: .gjr, innovations: .skewT)
        let pooled = try GARCHModel.fit([a, b], specification: spec)
        XCTAssertTrue(pooled.converged)
        assertClose(pooled.logLikelihood, pooled.model.logLikelihood(a) + pooled.model.logLikelihood(b), rtol: 1e-12)
        for single in [try GARCHModel.fit([a], specification: spec), try GARCHModel.fit([b], specification: spec)] {
            let other = single.model.logLikelihood(a) + single.model.logLikelihood(b)
            XCTAssertGreaterThan(pooled.logLikelihood, other)
        }
    }

    /// The analytic gradient agrees with central differences of the objective.
    func testGradientMatchesFiniteDifferences() throws {
        let r = GARCHReference.series("siemens"), s = GARCHReference.series("djia")
        for variance in GARCHSpecification.Variance.allCases {
            for innovations in GARCHSpecification.Innovations.allCases {
                for constantMean in [true, false] {
                    let spec = GARCHSpecification(variance: variance, innovations: innovations, constantMean: constantMean)
                    let o = GARCHObjective(series: [r.map { $0 * 70 }, s.map { $0 * 90 }], specification: spec)
                    let p = GARCHParameters(mu: 0.05, omega: 0.04, alpha: 0.04, gamma: variance == .gjr ? 0.09 : 0,
                                            beta: 0.88, nu: 6.5, lambda: -0.2)
                    let x = try XCTUnwrap(o.unconstrained(p))
                    let g = o.valueAndGradient(x).1
                    for i in x.indices {
                        let h = 1e-5
                        var xp = x, xm = x
                        xp[i] += h; xm[i] -= h
                        let fd = (o.valueAndGradient(xp).0 - o.valueAndGradient(xm).0) / (2 * h)
                        XCTAssertEqual(g[i], fd, accuracy: 1e-6 + 1e-5 * abs(fd), "\(spec) θ[\(i)]")
                    }
                }
            }
        }
    }

    // MARK: - Moments and simulation

    /// persistence = α + γ·E[z²1(z<0)] + β and ω/(1 − persistence) equal the script's values
    /// (κ by scipy quadrature of arch's own densities).
    func testPersistenceAndUnconditionalVariance() throws {
        for c in GARCHReference.cases("moments") {
            let m = try GARCHReference.model(c)
            let name = "\(c["variance"]!) \(c["innovations"]!)"
            if m.specification.variance == .gjr { assertClose(m.leverageWeight, c.d("kappa"), rtol: 1e-9, "\(name) κ") }
            assertClose(m.persistence, c.d("persistence"), rtol: 1e-11, "\(name) persistence")
            assertClose(m.unconditionalVariance, c.d("unconditional_variance"), rtol: 1e-9, "\(name) variance")
        }
    }

    /// The skewed-t sampler draws arch's SkewStudent: its empirical CDF matches arch's cdf within
    /// 4.5 binomial standard errors (N = 200,000, seeded), with mean 0 and variance 1.
    func testSkewTSamplerMatchesArchCDF() throws {
        for c in GARCHReference.cases("skewt_cdf") {
            let d = GARCHInnovationDensity(.skewT, nu: c.d("nu"), lambda: c.d("lambda"))
            var rng = SeededRNG(seed: 7)
            let n = 200_000
            var z = (0..<n).map { _ in d.sample(&rng) }
            z.sort()
            for (x, p) in zip(c.a("z"), c.a("cdf")) {
                var lo = 0, hi = n
                while lo < hi { let mid = (lo + hi) / 2; if z[mid] <= x { lo = mid + 1 } else { hi = mid } }
                let se = (p * (1 - p) / Double(n)).squareRoot()
                XCTAssertEqual(Double(lo) / Double(n), p, accuracy: 4.5 * se + 1e-12, "ν \(c.d("nu")) λ \(c.d("lambda")) at \(x)")
            }
            let mean = z.reduce(0, +) / Double(n)
            XCTAssertEqual(mean, 0, accuracy: 4.5 / Double(n).squareRoot())
        }
    }

    /// Simulated paths have the model's unconditional variance: the mean over paths of each
    /// path's mean of (r − μ)² is within 4 standard errors (estimated across the independent
    /// paths) of ω/(1 − persistence), for GJR with normal, t and skewed-t innovations
    /// (2,000 paths × 250 days after a 500-day burn, seed 11).
    func testSimulatedVarianceMatchesTheory() throws {
        for c in GARCHReference.cases("moments") where c["variance"] as! String == "gjr" {
            let m = try GARCHReference.model(c)
            let paths = m.simulate(paths: 2000, horizon: 250, seed: 11)
            XCTAssertEqual(paths.count, 2000)
            XCTAssertEqual(paths[0].count, 250)
            let perPath = paths.map { p in p.reduce(0) { $0 + ($1 - m.mu) * ($1 - m.mu) } / Double(p.count) }
            let mean = perPath.reduce(0, +) / Double(perPath.count)
            let sd = (perPath.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perPath.count - 1)).squareRoot()
            let se = sd / Double(perPath.count).squareRoot()
            XCTAssertEqual(mean, c.d("unconditional_variance"), accuracy: 4 * se, "\(c["innovations"]!) ν \(String(describing: m.nu))")
        }
    }

    /// Simulation is a function of the seed (and a path of its index only).
    func testSimulationIsDeterministic() throws {
        let m = try GARCHModel(specification: .init(variance: .gjr, innovations: .skewT), mu: 1e-4, omega: 2e-6,
                               alpha: 0.02, gamma: 0.1, beta: 0.9, nu: 6, lambda: -0.1)
        let a = m.simulate(paths: 5, horizon: 40, seed: 3)
        XCTAssertEqual(a, m.simulate(paths: 5, horizon: 40, seed: 3))
        XCTAssertEqual(Array(a.prefix(2)), m.simulate(paths: 2, horizon: 40, seed: 3))
        XCTAssertNotEqual(a, m.simulate(paths: 5, horizon: 40, seed: 4))
    }

    // MARK: - Errors

    func testFitErrorsNameTheSeriesAndTheProblem() {
        let good = GARCHReference.series("sp500")
        var bad = Array(good.prefix(300))
        bad[17] = .nan
        func message(_ s: [[Double]]) -> String {
            do { _ = try GARCHModel.fit(s, specification: .init()); return "no error" } catch { return "\(error)" }
        }
        let nan = message([good, bad])
        XCTAssertTrue(nan.contains("series 1") && nan.contains("index 17"), nan)
        let short = message([Array(good.prefix(49))])
        XCTAssertTrue(short.contains("series 0") && short.contains("49") && short.contains("at least 50"), short)
        let constant = message([good, [Double](repeating: 0.001, count: 100)])
        XCTAssertTrue(constant.contains("series 1") && constant.contains("constant"), constant)
        XCTAssertTrue(message([]).contains("series"))
    }

    func testInvalidParametersAreRejectedWithTheirName() {
        func message(_ spec: GARCHSpecification = .init(), mu: Double = 0, omega: Double = 1e-6, alpha: Double = 0.05,
                     gamma: Double = 0.05, beta: Double = 0.9, nu: Double? = nil, lambda: Double? = nil) -> String {
            do {
                _ = try GARCHModel(specification: spec, mu: mu, omega: omega, alpha: alpha, gamma: gamma, beta: beta,
                                   nu: nu, lambda: lambda)
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertEqual(message(), "no error")
        XCTAssertTrue(message(omega: 0).contains("omega"))
        XCTAssertTrue(message(omega: .nan).contains("omega"))
        XCTAssertTrue(message(alpha: -0.01).contains("alpha"))
        XCTAssertTrue(message(alpha: 0.01, gamma: -0.02).contains("alpha + gamma"))
        XCTAssertTrue(message(beta: -0.1).contains("beta"))
        XCTAssertTrue(message(beta: 0.98).contains("persistence"))
        XCTAssertTrue(message(.init(variance: .garch)).contains("gamma"))
        XCTAssertTrue(message(.init(constantMean: false), mu: 0.001).contains("mu"))
        XCTAssertTrue(message(.init(innovations: .studentT)).contains("nu"))
        XCTAssertTrue(message(.init(innovations: .studentT), nu: 2).contains("nu"))
        XCTAssertTrue(message(.init(innovations: .skewT), nu: 5, lambda: 1).contains("lambda"))
        XCTAssertTrue(message(.init(innovations: .skewT), nu: 5).contains("lambda"))
        XCTAssertTrue(message(nu: 5).contains("nu"))
    }

    func testCodableRoundTripValidates() throws {
        let m = try GARCHModel(specification: .init(variance: .gjr, innovations: .skewT), mu: 1e-4, omega: 2e-6,
                               alpha: 0.02, gamma: 0.1, beta: 0.9, nu: 6, lambda: -0.1)
        let data = try JSONEncoder().encode(m)
        XCTAssertEqual(try JSONDecoder().decode(GARCHModel.self, from: data), m)
        let json = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(json.contains("\"skewt\""), json)
        let broken = Data(json.replacingOccurrences(of: "\"beta\":0.9", with: "\"beta\":0.99").utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(GARCHModel.self, from: broken))
    }
}
