import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// Ljung–Box, Jarque–Bera and Anderson–Darling against statsmodels / scipy.
final class DistributionTestsTests: XCTestCase {
    func sample(_ name: String) -> [Double] {
        if let s = StatsReference.section("samples")[name] { return StatsReference.doubles(s) }
        return StatsReference.doubles(StatsReference.section("samples_extra")[name])
    }

    func testLjungBoxMatchesStatsmodels() throws {
        let lb = StatsReference.section("ljung_box")
        for name in ["small", "large", "garch", "heavy"] {
            let r = lb.o(name)
            let x = sample(name)
            let res = try Autocorrelation.ljungBox(x, maxLag: r.i("max_lag"))
            XCTAssertEqual(res.map(\.lag), Array(1...r.i("max_lag")))
            assertClose(res.map(\.statistic), r.a("stat"), rtol: 1e-10, "\(name) Q")
            assertClose(res.map(\.pValue), r.a("pvalue"), rtol: 1e-9, atol: 1e-300, "\(name) p")
            let sq = try Autocorrelation.ljungBox(x.map { $0 * $0 }, maxLag: r.i("max_lag"))
            assertClose(sq.map(\.statistic), r.a("stat_sq"), rtol: 1e-10, "\(name) Q(r²)")
            assertClose(sq.map(\.pValue), r.a("pvalue_sq"), rtol: 1e-9, atol: 1e-300, "\(name) p(r²)")
        }
        let r = lb.o("garch_model_df2")
        let res = try Autocorrelation.ljungBox(sample("garch"), maxLag: 6, modelDF: 2)
        XCTAssertEqual(res.map(\.lag), [3, 4, 5, 6])
        assertClose(res.map(\.statistic), r.a("stat"), rtol: 1e-10, "model_df 2 Q")
        assertClose(res.map(\.pValue), r.a("pvalue"), rtol: 1e-9, "model_df 2 p")
    }

    func testJarqueBeraMatchesScipy() throws {
        let jb = StatsReference.section("jarque_bera")
        for name in ["small", "large", "ties", "heavy", "garch"] {
            let r = try JarqueBera.test(sample(name))
            assertClose(r.statistic, jb.o(name).d("statistic"), rtol: 1e-10, "\(name) JB")
            assertClose(r.pValue, jb.o(name).d("pvalue"), rtol: 1e-9, atol: 1e-300, "\(name) JB p")
        }
    }

    func testAndersonDarlingMatchesScipy() throws {
        var sawCap = false, sawInterpolated = false
        for c in StatsReference.json["anderson_ksamp"] as! [[String: Any]] {
            let names = c["samples"] as! [String]
            let r = try AndersonDarling.kSample(names.map(sample))
            assertClose(r.statistic, c.d("statistic"), rtol: 1e-10, atol: 1e-12, "\(names) A2")
            assertClose(r.pValue, c.d("pvalue"), rtol: 1e-9, "\(names) p")
            let note = c["note"] as? String
            XCTAssertEqual(r.note, note, "\(names) note")
            if note == nil { sawInterpolated = true } else { sawCap = true }
        }
        XCTAssertTrue(sawCap && sawInterpolated, "fixture should cover both interpolated and capped/floored p")
    }

    func testTestsBadInputThrows() {
        XCTAssertThrowsError(try Autocorrelation.ljungBox([1, 2, 3, 4], maxLag: 4))
        XCTAssertThrowsError(try Autocorrelation.ljungBox([1, 2, 3, 4], maxLag: 2, modelDF: 2))
        XCTAssertThrowsError(try Autocorrelation.ljungBox([1, .nan, 3, 4], maxLag: 1))
        XCTAssertThrowsError(try JarqueBera.test([1]))
        XCTAssertThrowsError(try JarqueBera.test([2, 2, 2]))
        XCTAssertThrowsError(try JarqueBera.test([]))
        XCTAssertThrowsError(try AndersonDarling.kSample([[1, 2, 3]]))
        XCTAssertThrowsError(try AndersonDarling.kSample([[1, 2], []]))
        XCTAssertThrowsError(try AndersonDarling.kSample([[1, 2], [.infinity]]))
        XCTAssertThrowsError(try AndersonDarling.kSample([[1, 1], [1, 1]]))
    }
}
