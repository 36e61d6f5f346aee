import XCTest
import TGFLTestSupport
@testable import TGFLStats

final class QuantGANsScoresTests: XCTestCase {
    private func assertCurves(_ c: DependenceCurves, _ e: ReportReference.Curves, _ what: String) {
        assertClose(c.acfReturns, e.acfReturns, rtol: 1e-10, atol: 1e-13, "\(what) ACF r")
        assertClose(c.acfAbsolute, e.acfAbsolute, rtol: 1e-10, atol: 1e-13, "\(what) ACF |r|")
        assertClose(c.acfSquared, e.acfSquared, rtol: 1e-10, atol: 1e-13, "\(what) ACF r²")
        assertClose(c.leverage, e.leverage, rtol: 1e-10, atol: 1e-13, "\(what) leverage")
    }

    func testCurvesAgainstStatsmodels() throws {
        let c = try ReportReference.load().quantGans
        assertCurves(try QuantGANs.curves(of: c.real, maxLag: c.maxLag), c.realCurves, "real")
        assertCurves(try QuantGANs.averageCurves(of: c.synthetic, maxLag: c.maxLag), c.syntheticCurves, "synthetic mean")
        let shortest = c.synthetic.map(\.count).min()!
        assertCurves(try QuantGANs.chunkedCurves(of: c.real, chunkLength: shortest, maxLag: c.maxLag),
                     c.fairRealCurves, "fair real")
    }

    func testScoresAgainstNumpy() throws {
        let c = try ReportReference.load().quantGans
        for (fair, e) in [(false, c.scores), (true, c.fairScores)] {
            let s = try QuantGANs.scores(real: c.real, synthetic: c.synthetic, maxLag: c.maxLag, fair: fair)
            XCTAssertEqual(s.maxLag, c.maxLag)
            assertClose([s.acfReturns, s.acfAbsolute, s.acfSquared, s.leverage],
                        [e.acfReturns, e.acfAbsolute, e.acfSquared, e.leverage], rtol: 1e-9, "fair=\(fair)")
        }
    }

    func testIdenticalSeriesScoresZero() throws {
        let c = try ReportReference.load().quantGans
        let s = try QuantGANs.scores(real: c.real, synthetic: [c.real], maxLag: 5)
        XCTAssertEqual([s.acfReturns, s.acfAbsolute, s.acfSquared, s.leverage], [0, 0, 0, 0])
    }

    func testBadInput() {
        let x = (0..<50).map { sin(Double($0) * 1.3) }
        XCTAssertThrowsError(try QuantGANs.scores(real: x, synthetic: [], maxLag: 3))
        XCTAssertThrowsError(try QuantGANs.scores(real: x, synthetic: [x, Array(x.prefix(4))], maxLag: 3)) {
            XCTAssertTrue("\($0)".contains("synthetic[1]"), "\($0)")
        }
        XCTAssertThrowsError(try QuantGANs.scores(real: x, synthetic: [x], maxLag: 0))
        XCTAssertThrowsError(try QuantGANs.scores(real: [1, .nan] + x, synthetic: [x], maxLag: 3))
        XCTAssertThrowsError(try QuantGANs.scores(real: Array(x.prefix(20)), synthetic: [x], maxLag: 3, fair: true)) {
            guard case .tooShort = $0 as? StatsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try QuantGANs.averageCurves(of: [x, [Double](repeating: 0.5, count: 50)], maxLag: 3)) {
            XCTAssertTrue("\($0)".contains("path 1"), "\($0)")
        }
        // meanCurves: no curves, or curves with other lag counts, are refused by name (not a trap).
        XCTAssertThrowsError(try QuantGANs.meanCurves([])) { XCTAssertTrue("\($0)".contains("none"), "\($0)") }
        let short = try! QuantGANs.pathCurves(of: [x], maxLag: 3), long = try! QuantGANs.pathCurves(of: [x], maxLag: 5)
        XCTAssertThrowsError(try QuantGANs.meanCurves(short + long)) {
            XCTAssertTrue("\($0)".contains("curves 1") && "\($0)".contains("3 lags"), "\($0)")
        }
    }
}
