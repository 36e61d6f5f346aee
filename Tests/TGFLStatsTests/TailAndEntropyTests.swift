import XCTest
import TGFLTestSupport
@testable import TGFLStats

/// Transfer entropy and Hill tail index.
final class TailAndEntropyTests: XCTestCase {

    func testTransferEntropyHandComputed() throws {
        // b = 2 bins, y_{t+1} = x_t. x has four 0s and four 1s, so the median edge is 0.5 and the
        // symbols are the values themselves; same for y = [1, x_0 … x_6].
        // Triples (y_{t+1}, y_t, x_t), t = 0…6: (0,1,0) (0,0,0) (1,0,1) (1,1,1) (0,1,0) (1,0,1) (0,1,0).
        // y_{t+1} is a function of x_t, so H(Y'|Y,X) = 0 and TE = H(Y'|Y):
        //   y_t = 1 (4 of 7): y' = 0 three times, 1 once → h(1/4) = 2 − (3/4) log₂3
        //   y_t = 0 (3 of 7): y' = 0 once, 1 twice      → h(1/3) = log₂3 − 2/3
        //   TE = 4/7 (2 − ¾ log₂3) + 3/7 (log₂3 − ⅔) = 8/7 − 2/7 = 6/7 bits.
        let x: [Double] = [0, 0, 1, 1, 0, 1, 0, 1]
        let y: [Double] = [1, 0, 0, 1, 1, 0, 1, 0]
        assertClose(try TransferEntropy.bits(from: x, to: y, bins: 2), 6.0 / 7.0, rtol: 1e-14)
        XCTAssertEqual(try TransferEntropy.symbols(x, bins: 2), x.map { Int($0) })
    }

    func testTransferEntropyCoupledProcess() throws {
        let te = StatsReference.section("transfer_entropy")
        let x = te.a("x"), y = te.a("y")
        for c in te["cases"] as! [[String: Any]] {
            let b = c.i("bins")
            let xy = try TransferEntropy.bits(from: x, to: y, bins: b)
            let yx = try TransferEntropy.bits(from: y, to: x, bins: b)
            assertClose(xy, c.d("x_to_y"), rtol: 1e-12, "TE x→y bins \(b)")
            assertClose(yx, c.d("y_to_x"), rtol: 1e-10, atol: 1e-14, "TE y→x bins \(b)")
            // x drives y with a lag: the information flow is clearly one way.
            XCTAssertGreaterThan(xy, 0.1, "bins \(b)")
            XCTAssertGreaterThan(xy, 10 * yx, "bins \(b)")
        }
        let g = StatsReference.sample("garch")
        assertClose(try TransferEntropy.bits(from: g.map(abs), to: g.map { $0 * $0 }, bins: 3),
                    te.o("garch_abs").d("value"), rtol: 1e-12, "garch |r| → r²")
    }

    func testHillMatchesNumpyFormula() throws {
        for c in StatsReference.json["hill"] as! [[String: Any]] {
            let name = c["x"] as! String
            let x = name.hasPrefix("pareto_")
                ? StatsReference.doubles(StatsReference.section("samples_pareto")[String(name.dropFirst(7))])
                : StatsReference.sample(name)
            let tail = TailIndex.Tail(rawValue: c["tail"] as! String)!
            let k = (c["k_given"] as! Bool) ? c.i("k") : nil
            let e = try TailIndex.hill(x, tail: tail, k: k)
            XCTAssertEqual(e.k, c.i("k"), name)
            assertClose(e.alpha, c.d("alpha"), rtol: 1e-12, "\(name) α")
            assertClose(e.threshold, c.d("threshold"), rtol: 0, "\(name) threshold")
            if let trueAlpha = c["true_alpha"] as? NSNumber {
                // Pareto(α) sample, k = 400: the Hill estimate's standard error is α/√k = 5 %.
                assertClose(e.alpha, trueAlpha.doubleValue, rtol: 0.15, "\(name) vs true α")
            }
        }
    }

    func testHillOnExactParetoQuantiles() throws {
        // Closed form: L_(i) = (i/(n+1))^{−1/α} (Pareto quantiles at the plotting positions), so
        // ξ̂ = (1/α)(ln(k+1) − ln(k!)/k) exactly.
        let alpha = 2.5, n = 10_000, k = 100
        let losses = (1...n).map { pow(Double($0) / Double(n + 1), -1 / alpha) }
        let e = try TailIndex.hill(losses.map { -$0 }, tail: .left, k: k)
        let expectedXi = (log(Double(k + 1)) - lgamma(Double(k + 1)) / Double(k)) / alpha
        assertClose(e.xi, expectedXi, rtol: 1e-12)
        assertClose(e.alpha, alpha, rtol: 0.03)   // → α as k grows (bias ~ ln k / (2k) · …: 2.3 % at k = 100)
        XCTAssertEqual(TailIndex.defaultK(sampleSize: 5000), 70)
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try TransferEntropy.bits(from: [1, 2, 3], to: [1, 2], bins: 2)) {
            guard case .lengthMismatch = $0 as? StatsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try TransferEntropy.bits(from: [1, 2], to: [1, 2], bins: 2))
        XCTAssertThrowsError(try TransferEntropy.bits(from: [1, 2, 3], to: [1, 2, 3], bins: 1))
        XCTAssertThrowsError(try TransferEntropy.bits(from: [1, .nan, 3], to: [1, 2, 3]))
        XCTAssertThrowsError(try TailIndex.hill([1, 2], k: 1))
        XCTAssertThrowsError(try TailIndex.hill([1, 2, 3, 4], k: 4))
        XCTAssertThrowsError(try TailIndex.hill([1, 2, 3, 4], tail: .left, k: 1))   // no positive losses
        XCTAssertThrowsError(try TailIndex.hill([-1, -1, -1, -1], tail: .left, k: 2))
        XCTAssertThrowsError(try TailIndex.hill([1, .infinity, 3]))
    }
}
