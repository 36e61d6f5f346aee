import XCTest
import TGFLTestSupport
@testable import TGFLStats

final class DistancesTests: XCTestCase {
    func testStatsRandomMatchesPythonMirror() throws {
        let ref = try ReportReference.load().randomCheck
        var rng = StatsRandom(seed: ref.seed, stream: ref.stream)
        XCTAssertEqual((0..<4).map { _ in String(rng.next()) }, ref.firstWords)
        var rng2 = StatsRandom(seed: 9, stream: 1)
        XCTAssertEqual(rng2.subsampleIndices(count: 7, from: 30), ref.subsample)
    }

    func testAgainstScipyAndNumpy() throws {
        for c in try ReportReference.load().distances {
            assertClose(try Distances.wasserstein1(c.u, c.v), c.wasserstein1, rtol: 1e-12, atol: 1e-15, "\(c.name) W1")
            assertClose(try Distances.energy(c.u, c.v), c.energy, rtol: 1e-12, atol: 1e-15, "\(c.name) energy")
            let m = try Distances.mmdSquared(c.u, c.v, options: MMDOptions(maxSamplesPerSide: c.mmdCap, seed: c.mmdSeed))
            assertClose(m.mmd2, c.mmd2, rtol: 1e-9, atol: 1e-13, "\(c.name) MMD²")
            assertClose(m.bandwidth, c.mmdBandwidth, rtol: 1e-14, "\(c.name) bandwidth")
            XCTAssertEqual([m.xCount, m.yCount], [c.mmdXCount, c.mmdYCount], c.name)
            assertClose(try Distances.dragulescuYakovenko(real: c.u, synthetic: c.v, bins: c.dyBins), c.dy,
                        rtol: 1e-12, atol: 1e-14, "\(c.name) DY")
        }
    }

    func testHorizonDistancesAgainstReference() throws {
        let c = try ReportReference.load().horizon
        let rows = try Distances.atHorizons(real: c.real, synthetic: c.synthetic, horizons: c.horizons,
                                            mmd: MMDOptions(maxSamplesPerSide: c.mmdCap, seed: c.mmdSeed))
        XCTAssertEqual(rows.map(\.horizon), c.rows.map(\.horizon))
        for (r, e) in zip(rows, c.rows) {
            let h = "h=\(e.horizon)"
            XCTAssertEqual(r.realCount, e.realCount, h)
            XCTAssertEqual(r.syntheticCount, e.syntheticCount, h)
            assertClose(r.wasserstein1, e.wasserstein1, rtol: 1e-11, "\(h) W1")
            assertClose(r.energy, e.energy, rtol: 1e-11, "\(h) energy")
            assertClose(r.mmd2, e.mmd2, rtol: 1e-9, atol: 1e-13, "\(h) MMD²")
            assertClose(r.mmdBandwidth, e.mmdBandwidth, rtol: 1e-12, "\(h) bandwidth")
            assertClose(r.dy, e.dy, rtol: 1e-11, atol: 1e-14, "\(h) DY")
        }
    }

    func testClosedForms() throws {
        // Two point masses a distance 3 apart: W1 = 3, energy = √(2·3) (∫(F−G)² = 3).
        assertClose(try Distances.wasserstein1([0], [3]), 3)
        assertClose(try Distances.energy([0], [3]), 6.0.squareRoot())
        // A shift by c moves W1 by exactly c.
        let x = [0.1, -0.5, 0.9, 2.0]
        assertClose(try Distances.wasserstein1(x, x.map { $0 + 0.25 }), 0.25, rtol: 1e-12)
        // Identical histograms: DY = 0; aggregation sums blocks and drops the tail.
        assertClose(try Distances.dragulescuYakovenko(real: x, synthetic: x), 0)
        XCTAssertEqual(try AggregatedReturns.blocks(of: [1, 2, 3, 4, 5, 6, 7], horizon: 3), [6, 15])
        XCTAssertEqual(try AggregatedReturns.pooledBlocks(of: [[1, 2, 3], [4, 5]], horizon: 2), [3, 9])
    }

    func testMMDSubsampleIsDeterministicAndSeedDependent() throws {
        let x = (0..<3000).map { sin(Double($0) * 0.37) }, y = (0..<2500).map { cos(Double($0) * 0.11) * 1.1 }
        let a = try Distances.mmdSquared(x, y, options: MMDOptions(maxSamplesPerSide: 200, seed: 1))
        let b = try Distances.mmdSquared(x, y, options: MMDOptions(maxSamplesPerSide: 200, seed: 1))
        let c = try Distances.mmdSquared(x, y, options: MMDOptions(maxSamplesPerSide: 200, seed: 2))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.mmd2, c.mmd2)
        XCTAssertEqual([a.xCount, a.yCount], [200, 200])
    }

    func testBadInput() {
        XCTAssertThrowsError(try Distances.wasserstein1([], [1])) { XCTAssertEqual($0 as? StatsError, .emptyInput("u")) }
        XCTAssertThrowsError(try Distances.energy([1], [2, .nan])) { XCTAssertEqual($0 as? StatsError, .nonFinite("v", index: 1)) }
        XCTAssertThrowsError(try Distances.mmdSquared([1], [2, 3])) { guard case .tooShort = $0 as? StatsError else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try Distances.mmdSquared([1, 2], [2, 3], options: MMDOptions(maxSamplesPerSide: 1)))
        XCTAssertThrowsError(try Distances.dragulescuYakovenko(real: [1, 1], synthetic: [1])) {
            guard case .invalidParameter = $0 as? StatsError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try Distances.dragulescuYakovenko(real: [1, 2], synthetic: [1], bins: 0))
        XCTAssertThrowsError(try Distances.dragulescuYakovenko(real: [1, 2], synthetic: [.infinity]))
        XCTAssertThrowsError(try AggregatedReturns.blocks(of: [1, 2], horizon: 0))
        XCTAssertThrowsError(try AggregatedReturns.pooledBlocks(of: [[1, 2, 3], [1]], horizon: 2)) {
            XCTAssertTrue("\($0)".contains("synthetic[1]"), "\($0)")
        }
        XCTAssertThrowsError(try AggregatedReturns.pooledBlocks(of: [], horizon: 1))
        let real = (0..<300).map { sin(Double($0)) }
        XCTAssertThrowsError(try Distances.atHorizons(real: real, synthetic: [real, Array(real.prefix(50))])) {
            guard case .tooShort(let m) = $0 as? StatsError else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("synthetic[1]"), m)
        }
        XCTAssertThrowsError(try Distances.atHorizons(real: Array(real.prefix(150)), synthetic: [real]))
        XCTAssertThrowsError(try Distances.atHorizons(real: real, synthetic: [real], horizons: []))
        XCTAssertThrowsError(try Distances.atHorizons(real: real, synthetic: [real], horizons: [-1]))
    }
}
