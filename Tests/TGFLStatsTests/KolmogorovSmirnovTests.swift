import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// KS tests against scipy.stats.ks_2samp / kstest (fixture section "ks").
final class KolmogorovSmirnovTests: XCTestCase {
    func sample(_ name: String) -> [Double] {
        if let s = StatsReference.section("samples")[name] { return StatsReference.doubles(s) }
        return StatsReference.doubles(StatsReference.section("samples_extra")[name])
    }

    var cases: [String: Any] { StatsReference.section("ks") }

    func testTwoSampleMatchesScipy() throws {
        for c in cases["two_sample"] as! [[String: Any]] {
            let x = sample(c["x"] as! String), y = sample(c["y"] as! String)
            let r = try KolmogorovSmirnov.twoSample(x, y)
            let what = "\(c["x"]!) vs \(c["y"]!) (\(r.method))"
            assertClose(r.statistic, c.d("statistic"), rtol: 1e-14, what + " D")
            assertClose(r.pValue, c.d("pvalue"), rtol: 1e-9, atol: 1e-300, what + " p")
            XCTAssertEqual(r.method, max(x.count, y.count) <= 10_000 ? .exact : .asymptotic, what)
        }
    }

    func testTwoSampleClosedForm() throws {
        // Disjoint samples of size 2 and 2: D = 1, and only 2 of the C(4,2) = 6 orderings give D = 1.
        let r = try KolmogorovSmirnov.twoSample([1, 2], [3, 4])
        XCTAssertEqual(r.statistic, 1)
        assertClose(r.pValue, 2.0 / 6.0, rtol: 1e-14)
        // Identical samples: D = 0, p = 1.
        XCTAssertEqual(try KolmogorovSmirnov.twoSample([1, 2, 3], [3, 2, 1]).pValue, 1)
    }

    func testOneSampleMatchesScipy() throws {
        for c in cases["one_sample_norm"] as! [[String: Any]] {
            let x = sample(c["x"] as! String)
            let r = try KolmogorovSmirnov.oneSampleNormal(x, mean: c.d("mean"), standardDeviation: c.d("sd"))
            assertClose(r.statistic, c.d("statistic"), rtol: 1e-12, "\(c["x"]!) norm D")
            assertClose(r.pValue, c.d("pvalue"), rtol: 1e-8, atol: 1e-300, "\(c["x"]!) norm p")
        }
        for c in cases["one_sample_t"] as! [[String: Any]] {
            let x = sample(c["x"] as! String)
            let r = try KolmogorovSmirnov.oneSampleStudentT(x, degreesOfFreedom: c.d("df"), loc: c.d("loc"),
                                                            scale: c.d("scale"))
            assertClose(r.statistic, c.d("statistic"), rtol: 1e-11, "\(c["x"]!) t D")
            assertClose(r.pValue, c.d("pvalue"), rtol: 1e-8, atol: 1e-300, "\(c["x"]!) t p")
        }
    }

    func testKSBadInputThrows() {
        XCTAssertThrowsError(try KolmogorovSmirnov.twoSample([], [1]))
        XCTAssertThrowsError(try KolmogorovSmirnov.twoSample([1], [.nan]))
        XCTAssertThrowsError(try KolmogorovSmirnov.oneSampleNormal([1, 2], mean: 0, standardDeviation: 0))
        XCTAssertThrowsError(try KolmogorovSmirnov.oneSampleNormal([.infinity], mean: 0, standardDeviation: 1))
        XCTAssertThrowsError(try KolmogorovSmirnov.oneSampleStudentT([1], degreesOfFreedom: -2))
        XCTAssertThrowsError(try KolmogorovSmirnov.oneSample([1, 2]) { _ in 2 })
    }
}
