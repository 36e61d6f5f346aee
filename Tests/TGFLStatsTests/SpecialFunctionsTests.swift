import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// Special functions against scipy.special at many points, tails included
/// (fixture `stats_reference.json`, section "special").
final class SpecialFunctionsTests: XCTestCase {
    /// Runs `f` on every argument tuple of a fixture grid and compares with scipy.
    func check(_ name: String, rtol: Double, atol: Double = 0, file: StaticString = #filePath,
               line: UInt = #line, _ f: ([Double]) throws -> Double) throws {
        let g = StatsReference.section("special").o(name)
        let args = (g["args"] as! [Any]).map { StatsReference.doubles($0) }
        let expected = g.a("values")
        XCTAssertGreaterThanOrEqual(args.count, 10, name)
        for (k, a) in args.enumerated() {
            assertClose(try f(a), expected[k], rtol: rtol, atol: atol, "\(name)\(a)", file: file, line: line)
        }
    }

    func testGammaFamily() throws {
        try check("gammaln", rtol: 1e-14) { try SpecialFunctions.logGamma($0[0]) }
        try check("gammainc", rtol: 1e-11, atol: 1e-300) { try SpecialFunctions.regularizedGammaP($0[0], $0[1]) }
        try check("gammaincc", rtol: 1e-11, atol: 1e-300) { try SpecialFunctions.regularizedGammaQ($0[0], $0[1]) }
    }

    func testIncompleteBeta() throws {
        try check("betainc", rtol: 1e-11, atol: 1e-300) { try SpecialFunctions.regularizedBeta($0[0], $0[1], $0[2]) }
    }

    func testNormal() throws {
        // Far tails: the rounding of z/√2 is amplified by 2z² (both here and in scipy): ~1e-13 at |z| = 30.
        try check("ndtr", rtol: 3e-13, atol: 1e-300) { try Normal.cdf($0[0]) }
        try check("norm_sf", rtol: 3e-13, atol: 1e-300) { try Normal.sf($0[0]) }
        try check("ndtri", rtol: 1e-14) { try Normal.quantile($0[0]) }
    }

    func testStudentT() throws {
        try check("stdtr", rtol: 1e-11, atol: 1e-300) { try StudentT.cdf($0[1], degreesOfFreedom: $0[0]) }
        try check("stdtrit", rtol: 1e-11) { try StudentT.quantile($0[1], degreesOfFreedom: $0[0]) }
        try check("t_pdf", rtol: 1e-12, atol: 1e-300) { try StudentT.pdf($0[0], degreesOfFreedom: $0[1]) }
    }

    func testChiSquared() throws {
        try check("chdtr", rtol: 1e-11, atol: 1e-300) { try ChiSquared.cdf($0[1], degreesOfFreedom: $0[0]) }
        try check("chdtrc", rtol: 1e-11, atol: 1e-300) { try ChiSquared.sf($0[1], degreesOfFreedom: $0[0]) }
        try check("chi2_ppf", rtol: 1e-11) { try ChiSquared.quantile($0[1], degreesOfFreedom: $0[0]) }
        try check("chdtri", rtol: 1e-11) { try ChiSquared.inverseSF($0[1], degreesOfFreedom: $0[0]) }
    }

    func testKolmogorov() throws {
        try check("kolmogorov", rtol: 1e-13, atol: 1e-300) { try Kolmogorov.limitSF($0[0]) }
        try check("kolmogi", rtol: 1e-12) { try Kolmogorov.limitInverseSF($0[0]) }
        try check("smirnov", rtol: 1e-10, atol: 1e-300) { try Kolmogorov.oneSidedSF($0[1], sampleSize: Int($0[0])) }
        try check("kstwo_sf", rtol: 1e-9, atol: 1e-300) { try Kolmogorov.finiteSF($0[1], sampleSize: Int($0[0])) }
    }

    func testSpecialFunctionsBadInputThrows() {
        XCTAssertThrowsError(try SpecialFunctions.logGamma(0))
        XCTAssertThrowsError(try SpecialFunctions.regularizedGammaP(-1, 1))
        XCTAssertThrowsError(try SpecialFunctions.regularizedGammaQ(1, .nan))
        XCTAssertThrowsError(try SpecialFunctions.regularizedBeta(1, 1, 1.5))
        XCTAssertThrowsError(try SpecialFunctions.regularizedBeta(0, 1, 0.5))
        XCTAssertThrowsError(try Normal.quantile(0))
        XCTAssertThrowsError(try Normal.quantile(1))
        XCTAssertThrowsError(try Normal.cdf(.nan))
        XCTAssertThrowsError(try Normal.cdf(0, standardDeviation: 0))
        XCTAssertThrowsError(try StudentT.cdf(0, degreesOfFreedom: 0))
        XCTAssertThrowsError(try StudentT.quantile(1.2, degreesOfFreedom: 3))
        XCTAssertThrowsError(try StudentT.pdf(0, degreesOfFreedom: 3, scale: -1))
        XCTAssertThrowsError(try ChiSquared.cdf(-1, degreesOfFreedom: 2))
        XCTAssertThrowsError(try ChiSquared.sf(1, degreesOfFreedom: 0))
        XCTAssertThrowsError(try ChiSquared.quantile(-0.1, degreesOfFreedom: 2))
        XCTAssertThrowsError(try ChiSquared.inverseSF(0, degreesOfFreedom: 2))
        XCTAssertThrowsError(try Kolmogorov.limitSF(.nan))
        XCTAssertThrowsError(try Kolmogorov.limitInverseSF(1))
        XCTAssertThrowsError(try Kolmogorov.finiteSF(0.1, sampleSize: 0))
        XCTAssertThrowsError(try Kolmogorov.oneSidedSF(.nan, sampleSize: 3))
    }
}
