import Foundation
import XCTest
@testable import TGFLCore

/// `TrainingBatch.jitterInputs(by:vocabSize:using:)`: inputs move by at most k bins, clamped to
/// the vocabulary, with every offset in −k … k drawn about equally often; targets and regimes
/// stay exact; the same seed gives the same batch.
final class InputJitterTests: XCTestCase {
    private func batch(vocab V: Int, days n: Int, seed: UInt64, k: Int) throws -> TrainingBatch {
        let tokens = (0..<Int32(n)).map { $0 % Int32(V) }
        let ds = try WindowDataset(tokens: [tokens], regimes: [[Int32](repeating: 1, count: n)], contextLength: 16)
        var b = TrainingBatch(capacity: 64, length: 16)
        var rng = SeededRNG(seed: seed, stream: 0)
        try b.loadRandom(ds, size: 64, using: &rng)
        b.jitterInputs(by: k, vocabSize: V, using: &rng)
        return b
    }

    func testOffsetsAreBoundedClampedAndUniform() throws {
        let V = 40, k = 3
        let exact = try batch(vocab: V, days: 400, seed: 7, k: 0)
        let jittered = try batch(vocab: V, days: 400, seed: 7, k: k)
        XCTAssertEqual(jittered.targets, exact.targets, "targets stay exact")
        XCTAssertEqual(jittered.regimes, exact.regimes)
        XCTAssertEqual(jittered.indices, exact.indices, "the jitter draws come after the window draws")
        var counts = [Int](repeating: 0, count: 2 * k + 1)
        for (a, b) in zip(jittered.inputs, exact.inputs) {
            XCTAssert((0..<Int32(V)).contains(a), "clamped to the vocabulary: \(a)")
            let d = Int(a - b)
            XCTAssert(abs(d) <= k, "offset \(d) beyond ±\(k)")
            if b >= Int32(k) && b < Int32(V - k) { counts[d + k] += 1 }     // unclamped inputs only
        }
        // 7 offsets, ~800 inputs: each near 1/7 (a chi-square with 6 df stays below 22.5 at p = 0.001).
        let total = Double(counts.reduce(0, +)), e = total / Double(counts.count)
        let chi2 = counts.reduce(0.0) { $0 + (Double($1) - e) * (Double($1) - e) / e }
        XCTAssertLessThan(chi2, 22.5, "offset counts \(counts)")
        XCTAssertGreaterThan(jittered.inputs.filter { $0 == 0 }.count, exact.inputs.filter { $0 == 0 }.count,
                             "offsets below 0 clamp to token 0")
    }

    func testSameSeedSameBatch() throws {
        let a = try batch(vocab: 512, days: 300, seed: 3, k: 12)
        let b = try batch(vocab: 512, days: 300, seed: 3, k: 12)
        XCTAssertEqual(a.inputs, b.inputs)
        XCTAssertNotEqual(a.inputs, try batch(vocab: 512, days: 300, seed: 4, k: 12).inputs)
    }
}
