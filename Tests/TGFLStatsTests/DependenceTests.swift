import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// ACF and leverage curve against statsmodels / numpy (fixture `stats_reference.json`).
final class DependenceTests: XCTestCase {
    let names = ["small", "large", "garch", "heavy"]

    func testACFMatchesStatsmodels() throws {
        for name in names {
            let x = StatsReference.sample(name)
            let r = StatsReference.section("dependence").o(name)
            let k = r.i("max_lag")
            assertClose(try Autocorrelation.acf(x, maxLag: k), r.a("acf"), rtol: 1e-10, atol: 1e-13, "\(name) acf")
            assertClose(try Autocorrelation.acf(x.map(abs), maxLag: k), r.a("acf_abs"), rtol: 1e-10,
                        atol: 1e-13, "\(name) acf |r|")
        }
    }

    func testLeverageCurveMatchesNumpyCorrcoef() throws {
        for name in names {
            let x = StatsReference.sample(name)
            let r = StatsReference.section("dependence").o(name)
            assertClose(try LeverageEffect.curve(x, maxLag: r.i("max_lag")), r.a("leverage"),
                        rtol: 1e-10, atol: 1e-13, "\(name) leverage")
        }
        // Closed form: r = (+1, −1, +1, −1, …) has r² ≡ 1, so every lag is a constant stretch.
        XCTAssertThrowsError(try LeverageEffect.curve([1, -1, 1, -1, 1, -1], maxLag: 2))
    }

    func testDependenceBadInputThrows() {
        XCTAssertThrowsError(try Autocorrelation.acf([], maxLag: 1))
        XCTAssertThrowsError(try Autocorrelation.acf([1, 2, .nan], maxLag: 1))
        XCTAssertThrowsError(try Autocorrelation.acf([1, 2, 3], maxLag: 3)) {
            guard case .tooShort = $0 as? StatsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Autocorrelation.acf([1, 2, 3], maxLag: 0))
        XCTAssertThrowsError(try Autocorrelation.acf([4, 4, 4], maxLag: 1))
        XCTAssertThrowsError(try LeverageEffect.curve([1, 2, 3], maxLag: 2))
        XCTAssertThrowsError(try LeverageEffect.curve([1, .infinity, 3, 4], maxLag: 1))
    }
}
