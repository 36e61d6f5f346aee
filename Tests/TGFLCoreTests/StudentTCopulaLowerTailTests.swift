import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_copula_lower_tail_reference.py`: scipy's exact lower-tail coefficient of a
/// t copula with ρ = 0, and NumPy's lower-tail fit of ν on draws with lower-tail-only dependence,
/// for `StudentTCopula.fitLowerTail` and the joint model's `.lowerTail` copula rule (session 23).
private struct LowerTailReference: Decodable {
    struct Fit: Decodable { let v: [[Double]]; let q: Double; let empirical: Double; let nu: Double?; let likelihood_nu: Double? }
    let grid: [Double]
    let coefficients: [String: [Double]]
    let fit: Fit
}

final class StudentTCopulaLowerTailTests: XCTestCase {
    private func reference() throws -> LowerTailReference { try loadJSONFixture("copula_lower_tail_reference.json") }

    /// C(q, q)/q at ρ = 0 over the χ² scale equals scipy's quadrature over the first variable
    /// (another route) for every ν of the grid at q = 5 % and 10 %; the Gaussian copula gives q.
    func testIndependentCoefficientMatchesScipy() throws {
        let ref = try reference()
        for (key, values) in ref.coefficients {
            let q = try XCTUnwrap(Double(key))
            let mine = ref.grid.map { StudentTCopula.independentLowerTailCoefficient(degreesOfFreedom: $0, q: q) }
            assertClose(mine, values, rtol: 1e-10, atol: 1e-13, "C(q,q)/q at q = \(key)")
            XCTAssertEqual(StudentTCopula.independentLowerTailCoefficient(degreesOfFreedom: nil, q: q), q)
        }
    }

    /// On 3,000 days whose dependence is in the lower tail only, the empirical coefficient equals
    /// NumPy's and the matched ν is NumPy's (3.5), not the likelihood's (12): the likelihood rule
    /// picks the body's ν. A column with no value ≤ q and a single column are refused by name.
    func testLowerTailFitMatchesNumPy() throws {
        let ref = try reference().fit
        let fit = try StudentTCopula.fitLowerTail(pseudoObservations: ref.v, q: ref.q)
        assertClose(fit.empirical, ref.empirical, rtol: 1e-12, "empirical coefficient")
        XCTAssertEqual(fit.copula.degreesOfFreedom, ref.nu)
        XCTAssertEqual(fit.copula.correlation, [Double](repeating: 0, count: 16).enumerated().map { $0.offset % 5 == 0 ? 1 : 0 })
        let K = ref.v.count
        let likelihood = try StudentTCopula.fit(pseudoObservations: ref.v, correlation: (0..<(K * K)).map { $0 % (K + 1) == 0 ? 1 : 0 })
        XCTAssertEqual(likelihood.copula.degreesOfFreedom, ref.likelihood_nu)
        XCTAssertNotEqual(fit.copula.degreesOfFreedom, likelihood.copula.degreesOfFreedom)
        XCTAssertThrowsError(try StudentTCopula.fitLowerTail(pseudoObservations: [[0.5, 0.6], [0.01, 0.2]])) { e in
            XCTAssertTrue("\(e)".contains("column 0 has no value"), "\(e)")
        }
        XCTAssertThrowsError(try StudentTCopula.fitLowerTail(pseudoObservations: [[0.01, 0.6]])) { e in
            XCTAssertTrue("\(e)".contains("at least two columns"), "\(e)")
        }
    }

    /// The joint model's rule: `.lowerTail` fits the histogram pseudo-observations of u by the
    /// lower-tail match (ν ≤ 5 on the fixture's days as normal scores; NumPy's ranks give 3.5), `.likelihood` as before
    /// (the body's ν), and `JointDataSettings` defaults to the likelihood.
    func testJointCopulaRule() throws {
        let ref = try reference().fit
        let u = try ref.v.map { try $0.map { try Normal.quantile($0) } }
        let tokenizer = try ReturnTokenizer.fit(trainingReturns: u, vocabSize: 128, clipSigma: 6)
        let lowerTail = try JointDataModels.fitCopula(u: u, tokenizer: tokenizer, rule: .lowerTail)
        let likelihood = try JointDataModels.fitCopula(u: u, tokenizer: tokenizer, rule: .likelihood)
        let v = try StudentTCopula.histogramPseudoObservations(u, binEdges: tokenizer.binEdges)
        XCTAssertEqual(lowerTail, try StudentTCopula.fitLowerTail(pseudoObservations: v).copula)
        XCTAssertLessThanOrEqual(try XCTUnwrap(lowerTail.degreesOfFreedom), 5)
        XCTAssertEqual(likelihood, try JointDataModels.fitCopula(u: u, tokenizer: tokenizer).copula)
        XCTAssertNotEqual(likelihood.degreesOfFreedom, lowerTail.degreesOfFreedom)
        XCTAssertEqual(JointDataSettings().copulaFit, .likelihood)
    }
}
