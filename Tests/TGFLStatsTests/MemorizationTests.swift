import XCTest
import Foundation
import TGFLTestSupport
@testable import TGFLStats

final class MemorizationTests: XCTestCase {
    private func check(_ s: MemorizationScore, _ e: ReportReference.MemoScore, _ what: String) {
        XCTAssertEqual([s.generatedCount, s.heldOutCount, s.trainingCount],
                       [e.generatedCount, e.heldOutCount, e.trainingCount], what)
        assertClose([s.medianGeneratedDistance, s.medianHeldOutDistance, s.medianRatio, s.heldOutCloseDistance],
                    [e.medianGenerated, e.medianHeldOut, e.medianRatio, e.heldOutCloseDistance],
                    rtol: 1e-12, atol: 1e-15, what)
        assertClose(s.fractionCloser, e.fractionCloser, rtol: 0, atol: 1e-15, "\(what) fraction")
    }

    func testAgainstBruteForceNumpy() throws {
        let c = try ReportReference.load().memorization
        let w = c.windowLength
        let training = try Memorization.windows(of: c.trainingSeries, length: w, stride: w)
        let heldOut = try Memorization.windows(of: c.heldOutSeries, length: w, stride: w)
        let fresh = try Memorization.windows(of: c.freshSeries, length: w, stride: w)
        let copies = c.copyIndices.map { training[$0] }

        let raw = MemorizationOptions(windowScaling: .none)
        let copyScore = try Memorization.score(generated: copies, training: training, heldOut: heldOut, options: raw)
        check(copyScore, c.copies, "copies")
        XCTAssertTrue(copyScore.isMemorizing)
        XCTAssertEqual(copyScore.medianGeneratedDistance, 0)

        let freshScore = try Memorization.score(generated: fresh, training: training, heldOut: heldOut, options: raw)
        check(freshScore, c.fresh, "fresh")
        XCTAssertFalse(freshScore.isMemorizing)

        let sub = try Memorization.score(generated: fresh, training: training, heldOut: heldOut,
                                         options: MemorizationOptions(maxQueries: 60, maxReferences: 200, seed: 5,
                                                                              windowScaling: .none))
        check(sub, c.freshSubsampled, "fresh subsampled")
    }

    /// A held-out span 1.6× as volatile as the training span: raw windows call fresh draws of
    /// the training process memorizing; RMS-scaled windows (the default) do not, and still catch
    /// copies, scaled copies included.
    func testVolatileHeldOutSpanAgainstNumpy() throws {
        let c = try ReportReference.load().memorizationVolatile
        let w = c.windowLength
        let training = try Memorization.windows(of: c.trainingSeries, length: w, stride: 1)
        let heldOut = try Memorization.windows(of: c.heldOutSeries, length: w, stride: 1)
        let fresh = try Memorization.windows(of: c.freshSeries, length: w, stride: w)
        let scaledCopies = c.copyIndices.map { training[$0].map { $0 * c.copyScale } }

        let raw = try Memorization.score(generated: fresh, training: training, heldOut: heldOut,
                                         options: MemorizationOptions(seed: 3, windowScaling: .none))
        check(raw, c.freshRaw, "fresh, raw windows")
        XCTAssertTrue(raw.isMemorizing, "raw windows mistake the volatility shift for copying")

        let scaled = try Memorization.score(generated: fresh, training: training, heldOut: heldOut,
                                            options: MemorizationOptions(seed: 3))
        check(scaled, c.freshRms, "fresh, RMS-scaled windows")
        XCTAssertFalse(scaled.isMemorizing)

        let copied = try Memorization.score(generated: scaledCopies, training: training, heldOut: heldOut,
                                            options: MemorizationOptions(seed: 3))
        check(copied, c.scaledCopiesRms, "scaled copies, RMS-scaled windows")
        XCTAssertTrue(copied.isMemorizing)
    }

    func testOptionsWrittenBeforeScalingDecodeAsRaw() throws {
        let old = #"{"max_queries":1000,"max_references":20000,"seed":0,"close_quantile":0.05,"#
            + #""fraction_threshold":0.25,"ratio_threshold":0.5}"#
        let o = try JSONDecoder().decode(MemorizationOptions.self, from: Data(old.utf8))
        XCTAssertEqual(o.windowScaling, MemorizationWindowScaling.none)
        let now = try JSONDecoder().decode(MemorizationOptions.self, from: JSONEncoder().encode(MemorizationOptions()))
        XCTAssertEqual(now.windowScaling, .rootMeanSquare)
    }

    func testWindows() throws {
        XCTAssertEqual(try Memorization.windows(of: [1, 2, 3, 4, 5], length: 2, stride: 2), [[1, 2], [3, 4]])
        XCTAssertEqual(try Memorization.windows(of: [1, 2, 3], length: 2, stride: 1), [[1, 2], [2, 3]])
    }

    func testBadInput() {
        let t = [[1.0, 2], [3, 4]]
        XCTAssertThrowsError(try Memorization.score(generated: [], training: t, heldOut: t))
        XCTAssertThrowsError(try Memorization.score(generated: t, training: [], heldOut: t))
        XCTAssertThrowsError(try Memorization.score(generated: [[1, 2, 3]], training: t, heldOut: t)) {
            guard case .lengthMismatch(let m) = $0 as? StatsError else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("generated[0]"), m)
        }
        XCTAssertThrowsError(try Memorization.score(generated: t, training: t, heldOut: [[1, .nan]])) {
            XCTAssertEqual($0 as? StatsError, .nonFinite("heldOut[0]", index: 1))
        }
        XCTAssertThrowsError(try Memorization.score(generated: t, training: t, heldOut: t,
                                                    options: MemorizationOptions(closeQuantile: 1)))
        XCTAssertThrowsError(try Memorization.windows(of: [1, 2], length: 3, stride: 1))
        XCTAssertThrowsError(try Memorization.windows(of: [1, 2], length: 1, stride: 0))
    }
}
