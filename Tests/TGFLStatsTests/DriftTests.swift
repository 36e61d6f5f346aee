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
