import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_copula_reference.py`: scipy's t copula (fit, density, pseudo-observations,
/// tail dependence) for `StudentTCopula`, and the sampled uniforms' tail dependence against the
/// closed form.
private struct CopulaReference: Decodable {
    struct Fit: Decodable {
        let v: [[Double]]; let grid: [Double]; let correlation: [Double]; let log_likelihoods: [Double]
        let gaussian_log_likelihood: Double; let nu: Double?
    }
    struct Histogram: Decodable { let edges: [Double]; let columns: [[Double]]; let pseudo_observations: [[Double]] }
    struct LogDensity: Decodable {
        let correlation: [Double]; let points: [[Double]]; let nu: Double; let t: [Double]; let gaussian: [Double]
    }
    struct Tail: Decodable { let rho: Double; let nu: Double?; let lambda: Double; let conditional_at_q: [String: Double] }
    let fit: Fit
    let histogram: Histogram
    let log_density: LogDensity
    let tail_dependence: [Tail]
}

final class StudentTCopulaTests: XCTestCase {
    private func reference() throws -> CopulaReference { try loadJSONFixture("copula_reference.json") }

    /// R from the normal scores and the profile log-likelihood of every ν on the grid equal
    /// scipy's; the chosen ν (5) is the one the draws came from.
    func testFitMatchesScipy() throws {
        let ref = try reference().fit
        let fit = try StudentTCopula.fit(pseudoObservations: ref.v, grid: ref.grid)
        assertClose(fit.copula.correlation, ref.correlation, rtol: 1e-10, atol: 1e-12, "R")
        assertClose(fit.logLikelihoods, ref.log_likelihoods, rtol: 1e-8, "log-likelihood per ν")
        assertClose(fit.gaussianLogLikelihood, ref.gaussian_log_likelihood, rtol: 1e-9, "Gaussian log-likelihood")
        XCTAssertEqual(fit.copula.degreesOfFreedom, ref.nu)
        XCTAssertEqual(fit.copula.degreesOfFreedom, 5)
        XCTAssertThrowsError(try StudentTCopula.fit(pseudoObservations: [[0.2, 0.5, 1.0, 0.3]])) { e in
            XCTAssertTrue("\(e)".contains("column 0, day 2"), "\(e)")
        }
    }

    /// log c(v) of the t and the Gaussian copula equal scipy's multivariate densities over the
    /// product of the marginals.
    func testLogDensityMatchesScipy() throws {
        let ref = try reference().log_density
        let t = try StudentTCopula(correlation: ref.correlation, dimension: 3, degreesOfFreedom: ref.nu)
        let n = try StudentTCopula(correlation: ref.correlation, dimension: 3, degreesOfFreedom: nil)
        assertClose(ref.points.map(t.logDensity), ref.t, rtol: 1e-9, atol: 1e-12, "t copula")
        assertClose(ref.points.map(n.logDensity), ref.gaussian, rtol: 1e-9, atol: 1e-12, "Gaussian copula")
        XCTAssertThrowsError(try StudentTCopula(correlation: [1, 0.5, 0.4, 1], dimension: 2, degreesOfFreedom: 4)) { e in
            XCTAssertTrue("\(e)".contains("not symmetric"), "\(e)")
        }
        XCTAssertThrowsError(try StudentTCopula(correlation: [1, 0, 0, 1], dimension: 2, degreesOfFreedom: 0))
    }

    /// The linear-in-bin histogram CDF equals NumPy's.
    func testHistogramPseudoObservationsMatchNumPy() throws {
        let ref = try reference().histogram
        let v = try StudentTCopula.histogramPseudoObservations(ref.columns, binEdges: ref.edges)
        for k in 0..<2 { assertClose(v[k], ref.pseudo_observations[k], rtol: 1e-12, atol: 1e-15, "column \(k)") }
        XCTAssertThrowsError(try StudentTCopula.histogramPseudoObservations([[0, .nan]], binEdges: [0, 1]))
    }

    /// Sampled uniforms (SeededRNG, 400,000 draws): each marginal is uniform, and the empirical
    /// lower-tail dependence `#{v_0 ≤ q, v_1 ≤ q}/#{v_0 ≤ q}` matches scipy's exact C(q, q)/q
    /// within 4 standard errors at q = 1 % and 0.1 %; at 0.1 % it is within 0.03 of the closed
    /// form `λ_L = 2 t_{ν+1}(−√((ν+1)(1−ρ)/(1+ρ)))` plus 4 standard errors (the exact value
    /// approaches λ_L from above as q → 0). The Gaussian copula (λ_L = 0) is checked at both levels only.
    func testSampledTailDependenceMatchesClosedForm() throws {
        let N = 400_000
        for tail in try reference().tail_dependence {
            let copula = try StudentTCopula(correlation: [1, tail.rho, tail.rho, 1], dimension: 2,
                                            degreesOfFreedom: tail.nu)
            assertClose(StudentTCopula.tailDependence(rho: tail.rho, degreesOfFreedom: tail.nu), tail.lambda,
                        rtol: 1e-10, atol: 1e-14, "closed form, ρ \(tail.rho) ν \(String(describing: tail.nu))")
            var rng = SeededRNG(seed: 17, stream: 3)
            var low = [0.01: (0, 0), 0.001: (0, 0)], below = 0
            for _ in 0..<N {
                let v = copula.sample((0..<copula.drawsPerSample).map { _ in rng.uniformOpen() })
                if v[0] <= 0.25 { below += 1 }
                for q in [0.01, 0.001] where v[0] <= q { low[q]!.0 += 1; if v[1] <= q { low[q]!.1 += 1 } }
            }
            let what = "ρ \(tail.rho), ν \(tail.nu.map { "\($0)" } ?? "∞")"
            XCTAssertEqual(Double(below) / Double(N), 0.25, accuracy: 4 * (0.25 * 0.75 / Double(N)).squareRoot(), what)
            for q in [0.01, 0.001] {
                let (n, both) = low[q]!
                XCTAssertEqual(Double(n) / Double(N), q, accuracy: 4 * (q / Double(N)).squareRoot(), "P(v_0 ≤ \(q)), \(what)")
                let exact = try XCTUnwrap(tail.conditional_at_q["\(q)"]), empirical = Double(both) / Double(n)
                let se = (exact * (1 - exact) / Double(n)).squareRoot()
                XCTAssertEqual(empirical, exact, accuracy: 4 * se, "C(q,q)/q at q = \(q), \(what)")
                if q == 0.001, tail.nu != nil {
                    XCTAssertEqual(empirical, tail.lambda, accuracy: 0.03 + 4 * se, "closed-form λ_L, \(what)")
                }
            }
        }
    }
}
