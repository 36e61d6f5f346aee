import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// Descriptive statistics against numpy / scipy.stats (fixture `stats_reference.json`).
final class DescriptiveTests: XCTestCase {
    let names = ["small", "large", "ties", "heavy", "garch"]

    func testMomentsMatchScipy() throws {
        for name in names {
            let x = StatsReference.sample(name)
            let r = StatsReference.section("descriptive").o(name)
            assertClose(try Descriptive.mean(x), r.d("mean"), rtol: 1e-12, atol: 1e-15, "\(name) mean")
            assertClose(try Descriptive.standardDeviation(x), r.d("std_ddof0"), rtol: 1e-12, "\(name) std0")
            assertClose(try Descriptive.standardDeviation(x, ddof: 1), r.d("std_ddof1"), rtol: 1e-12, "\(name) std1")
            assertClose(try Descriptive.skewness(x), r.d("skew_biased"), rtol: 1e-10, atol: 1e-13, "\(name) skew")
            assertClose(try Descriptive.skewness(x, bias: false), r.d("skew_unbiased"), rtol: 1e-10,
                        atol: 1e-13, "\(name) skew unbiased")
            assertClose(try Descriptive.excessKurtosis(x), r.d("kurt_biased"), rtol: 1e-10, "\(name) kurt")
            assertClose(try Descriptive.excessKurtosis(x, bias: false), r.d("kurt_unbiased"), rtol: 1e-10,
                        "\(name) kurt unbiased")
        }
    }

    func testQuantilesMatchNumpyLinear() throws {
        for name in names {
            let x = StatsReference.sample(name)
            let r = StatsReference.section("descriptive").o(name)
            assertClose(try Descriptive.quantiles(x, r.a("quantile_levels")), r.a("quantiles"),
                        rtol: 1e-14, atol: 1e-16, "\(name) quantiles")
        }
        XCTAssertEqual(try Descriptive.quantile([3, 1, 2, 4], 0.5), 2.5)  // (2 + 3) / 2
        XCTAssertEqual(try Descriptive.quantile([7], 0.3), 7)
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try Descriptive.mean([])) { XCTAssertEqual($0 as? StatsError, .emptyInput("x")) }
        XCTAssertThrowsError(try Descriptive.mean([1, .nan])) {
            XCTAssertEqual($0 as? StatsError, .nonFinite("x", index: 1))
        }
        XCTAssertThrowsError(try Descriptive.standardDeviation([1, .infinity]))
        XCTAssertThrowsError(try Descriptive.standardDeviation([1], ddof: 1))
        XCTAssertThrowsError(try Descriptive.variance([1, 2], ddof: -1))
        XCTAssertThrowsError(try Descriptive.skewness([2, 2, 2]))
        XCTAssertThrowsError(try Descriptive.skewness([1, 2], bias: false))
        XCTAssertThrowsError(try Descriptive.excessKurtosis([1, 2, 3], bias: false))
        XCTAssertThrowsError(try Descriptive.excessKurtosis([5, 5, 5, 5]))
        XCTAssertThrowsError(try Descriptive.quantile([1, 2], 1.5))
        XCTAssertThrowsError(try Descriptive.quantile([1, 2], .nan))
        XCTAssertThrowsError(try Descriptive.quantiles([], [0.5]))
    }
}
