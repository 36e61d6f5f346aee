import XCTest
import TGFLTestSupport
@testable import TGFLStats

final class DriftTests: XCTestCase {
    func testPSIAgainstNumpy() throws {
        for c in try ReportReference.load().psi {
            assertClose(try PopulationStability.edges(reference: c.reference, bins: c.bins), c.edges,
                        rtol: 1e-14, "\(c.name) edges")
            assertClose(try PopulationStability.index(reference: c.reference, new: c.new, bins: c.bins,
                                                      epsilon: c.epsilon),
                        c.psi, rtol: 1e-12, atol: 1e-15, "\(c.name) PSI")
        }
    }

    func testPSIClosedForm() throws {
        // Reference 0…9 in 2 bins split at the median 4.5; new all in the upper bin:
        // shares p = (0.5, 0.5), q = (ε, 1) ⇒ PSI = (ε − .5) ln(ε/.5) + .5 ln 2.
        let eps = 1e-4
        let psi = try PopulationStability.index(reference: (0..<10).map(Double.init), new: [7, 8, 9],
                                                bins: 2, epsilon: eps)
        assertClose(psi, (eps - 0.5) * log(eps / 0.5) + 0.5 * log(2), rtol: 1e-14)
    }

    func testPSIBadInput() {
        XCTAssertThrowsError(try PopulationStability.index(reference: [], new: [1]))
        XCTAssertThrowsError(try PopulationStability.index(reference: [1, 2], new: [.nan])) {
            XCTAssertEqual($0 as? StatsError, .nonFinite("new", index: 0))
        }
        XCTAssertThrowsError(try PopulationStability.index(reference: [1, 2], new: [1], bins: 1))
        XCTAssertThrowsError(try PopulationStability.index(reference: [1, 2], new: [1], epsilon: 0))
    }
}

final class DriftDetectorTests: XCTestCase {
    func testAgainstScipyAndNumpy() throws {
        for c in try ReportReference.load().psi {
            let d = try DriftDetector(reference: c.reference, bins: c.bins, epsilon: c.epsilon)
            let r = try d.check(c.new)
            assertClose(r.psi, c.psi, rtol: 1e-12, atol: 1e-15, "\(c.name) PSI")
            assertClose(r.ksStatistic, c.ksStatistic, rtol: 1e-14, "\(c.name) KS D")
            assertClose(r.ksPValue, c.ksPvalueAuto, rtol: 1e-6, atol: 1e-300, "\(c.name) KS p")
            XCTAssertEqual(r.psiDrift, c.psi > 0.25, c.name)
            XCTAssertEqual(r.ksDrift, c.ksPvalueAuto < 0.01, c.name)
            XCTAssertEqual(r.drift, r.psiDrift || r.ksDrift, c.name)
        }
    }

    func testFlagsShiftNotSameDistribution() throws {
        let cases = try ReportReference.load().psi
        let same = cases.first { $0.name == "same_distribution" }!, shifted = cases.first { $0.name == "shifted" }!
        let d = try DriftDetector(reference: same.reference)
        XCTAssertFalse(try d.check(same.new).drift)
        XCTAssertEqual(try d.check(same.new).psiLevel, "stable")
        XCTAssertTrue(try d.check(shifted.new).drift)
    }

    func testBadInput() {
        XCTAssertThrowsError(try DriftDetector(reference: []))
        XCTAssertThrowsError(try DriftDetector(reference: [1, 2, 3], bins: 10)) {
            guard case .tooShort = $0 as? StatsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try DriftDetector(reference: Array(repeating: 1, count: 20), ksAlpha: 1.5))
        XCTAssertThrowsError(try DriftDetector(reference: Array(repeating: 1, count: 20), psiThreshold: 0))
        let d = try? DriftDetector(reference: (0..<20).map(Double.init))
        XCTAssertThrowsError(try d?.check([])) { XCTAssertEqual($0 as? StatsError, .emptyInput("new")) }
        XCTAssertThrowsError(try d?.check([1, .infinity]))
    }
}
