import XCTest
import TGFLCore
@testable import TGFLFederated
@testable import TGFLFederation

final class PartitionerTests: XCTestCase {
    /// 3 series × 200 days, regimes in 4 runs of 50 days shifted per series.
    func windows() -> [WindowInfo] {
        var w = [WindowInfo]()
        for s in 0..<3 { for d in 0..<200 { w.append(WindowInfo(series: s, start: d, regime: ((d / 50) + s) % 4)) } }
        return w
    }

    func checkDisjointCover(_ parts: [[Int]], _ n: Int, file: StaticString = #filePath, line: UInt = #line) {
        let all = parts.flatMap { $0 }
        XCTAssertEqual(all.count, n, "coverage", file: file, line: line)
        XCTAssertEqual(Set(all).count, all.count, "disjoint", file: file, line: line)
        XCTAssertEqual(Set(all), Set(0..<n), file: file, line: line)
        for p in parts { XCTAssertEqual(p, p.sorted(), file: file, line: line) }
    }

    func testIIDSizesCoverageAndDeterminism() throws {
        let w = windows()
        let parts = try Partitioner(numClients: 7, scheme: .iid, seed: 1).partition(w)
        checkDisjointCover(parts, w.count)
        XCTAssertEqual(parts.map(\.count), [86, 86, 86, 86, 86, 85, 85])
        XCTAssertEqual(parts, try Partitioner(numClients: 7, scheme: .iid, seed: 1).partition(w))
        XCTAssertNotEqual(parts, try Partitioner(numClients: 7, scheme: .iid, seed: 2).partition(w))
        // Shuffled: client 0 is not simply the first 86 windows.
        XCTAssertNotEqual(parts[0], Array(0..<86))
    }

    func testSizeSkewLaws() throws {
        let w = windows()
        let lin = try Partitioner(numClients: 4, scheme: .sizeSkew(.linear), seed: 1).partition(w)
        checkDisjointCover(lin, w.count)
        XCTAssertEqual(lin.map(\.count), [60, 120, 180, 240])              // ∝ 1:2:3:4 of 600
        let sq = try Partitioner(numClients: 3, scheme: .sizeSkew(.square), seed: 1).partition(w)
        XCTAssertEqual(sq.map(\.count), [43, 171, 386])                    // 600·(1,4,9)/14 by largest remainder
        let ex = try Partitioner(numClients: 3, scheme: .sizeSkew(.exponential), seed: 1).partition(w)
        checkDisjointCover(ex, w.count)
        let e = [exp(1.0), exp(2.0), exp(3.0)], t = e.reduce(0, +)
        for i in 0..<3 { XCTAssertEqual(Double(ex[i].count), 600 * e[i] / t, accuracy: 1) }
    }

    func testTimePeriodsAreContiguousAndOrdered() throws {
        let w = windows()
        let parts = try Partitioner(numClients: 5, scheme: .timePeriods, seed: 1).partition(w)
        checkDisjointCover(parts, w.count)
        var lastEnd = -1
        for p in parts {
            let days = p.map { w[$0].start }
            let lo = days.min()!, hi = days.max()!
            XCTAssertGreaterThan(lo, lastEnd, "ordered, no shared day")
            XCTAssertEqual(Set(days), Set(lo...hi), "contiguous block of days")
            lastEnd = hi
        }
        XCTAssertEqual(parts.map(\.count), [120, 120, 120, 120, 120])
    }

    func testNaturalIsOneSeriesPerClient() throws {
        let w = windows()
        let parts = try Partitioner(numClients: 3, scheme: .natural, seed: 1).partition(w)
        checkDisjointCover(parts, w.count)
        for (c, p) in parts.enumerated() { XCTAssertTrue(p.allSatisfy { w[$0].series == c }) }
        XCTAssertThrowsError(try Partitioner(numClients: 4, scheme: .natural, seed: 1).partition(w)) {
            XCTAssertTrue("\($0)".contains("3 series"))
        }
    }

    func testPathologicalRegimesPerClient() throws {
        let w = windows()
        let parts = try Partitioner(numClients: 6, scheme: .pathological(regimesPerClient: 2), seed: 4).partition(w)
        checkDisjointCover(parts, w.count)       // first regime = client mod 4 ⇒ every regime is held
        for p in parts { XCTAssertEqual(Set(p.map { w[$0].regime }).count, 2) }
        XCTAssertThrowsError(try Partitioner(numClients: 6, scheme: .pathological(regimesPerClient: 5), seed: 4).partition(w)) {
            XCTAssertTrue("\($0)".contains("regimesPerClient"))
        }
    }

    /// Mean over clients of the total-variation distance between the client's regime mix and the global one.
    func heterogeneity(_ parts: [[Int]], _ w: [WindowInfo]) -> Double {
        var global = [Double](repeating: 0, count: 4)
        for x in w { global[x.regime] += 1 / Double(w.count) }
        var tv = 0.0
        for p in parts {
            var h = [Double](repeating: 0, count: 4)
            for i in p { h[w[i].regime] += 1 / Double(p.count) }
            tv += zip(h, global).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
        }
        return tv / Double(parts.count)
    }

    func testDirichletHeterogeneityGrowsAsAlphaFalls() throws {
        let w = windows()
        var h = [Double]()
        for alpha in [100.0, 1.0, 0.1] {
            var sum = 0.0
            for seed in 0..<5 as Range<UInt64> {
                let parts = try Partitioner(numClients: 5, scheme: .dirichlet(alpha: alpha), seed: seed, minPartitionSize: 0).partition(w)
                checkDisjointCover(parts, w.count)
                sum += heterogeneity(parts, w)
            }
            h.append(sum / 5)
        }
        XCTAssertLessThan(h[0], 0.1)              // α = 100: close to IID
        XCTAssertLessThan(h[0], h[1])
        XCTAssertLessThan(h[1], h[2])
        XCTAssertGreaterThan(h[2], 0.4)           // α = 0.1: clients see mostly one regime
    }

    func testErrorsNameTheClientAndSetting() {
        let w = windows()
        XCTAssertThrowsError(try Partitioner(numClients: 4, scheme: .sizeSkew(.exponential), seed: 1, minPartitionSize: 50).partition(w)) { e in
            XCTAssertTrue("\(e)".contains("client 0") && "\(e)".contains("minPartitionSize = 50"), "\(e)")
        }
        XCTAssertThrowsError(try Partitioner(numClients: 0, scheme: .iid, seed: 1).partition(w)) { XCTAssertTrue("\($0)".contains("numClients")) }
        XCTAssertThrowsError(try Partitioner(numClients: 2, scheme: .dirichlet(alpha: 0), seed: 1).partition(w)) { XCTAssertTrue("\($0)".contains("alpha")) }
        XCTAssertThrowsError(try Partitioner(numClients: 2, scheme: .iid, seed: 1).partition([])) { XCTAssertTrue("\($0)".contains("no windows")) }
        XCTAssertThrowsError(try Partitioner(numClients: 20, scheme: .dirichlet(alpha: 0.05), seed: 1, minPartitionSize: 20).partition(w)) { e in
            XCTAssertTrue("\(e)".contains("larger alpha"), "\(e)")
        }
    }
}
