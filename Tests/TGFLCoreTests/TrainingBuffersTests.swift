import XCTest
import TGFLCore
import TGFLTestSupport

/// Reusable training buffers: `TrainingBatch` and `AdamW.reset()`.
final class TrainingBuffersTests: XCTestCase {
    /// Two series whose token on day d is 10·j + d (series j), regime d % 3: every batch entry
    /// is known in closed form.
    func dataset(T: Int = 3) throws -> WindowDataset {
        let tokens: [[Int32]] = [(0..<8).map { Int32($0) }, (0..<8).map { Int32(10 + $0) }]
        let regimes: [[Int32]] = [(0..<8).map { Int32($0 % 3) }, (0..<8).map { Int32($0 % 3) }]
        return try WindowDataset(tokens: tokens, regimes: regimes, contextLength: T)
    }

    func testBatchHoldsInputsTargetsAndTargetDayRegimes() throws {
        let d = try dataset()                      // windows: series 0 starts 0…4 (5), series 1 starts 0…4
        XCTAssertEqual(d.count, 10)
        var b = TrainingBatch(capacity: 2, length: 3)
        try b.load(d, windows: [6, 2])             // series 1 start 1; series 0 start 2
        XCTAssertEqual(b.count, 2)
        XCTAssertEqual(b.inputs, [11, 12, 13, 2, 3, 4])
        XCTAssertEqual(b.targets, [12, 13, 14, 3, 4, 5])
        XCTAssertEqual(b.regimes, [2, 0, 1, 0, 1, 2])
        // A shorter batch into the same buffers.
        try b.load(d, windows: [0])
        XCTAssertEqual(b.inputs, [0, 1, 2])
        XCTAssertEqual(b.targets, [1, 2, 3])
        XCTAssertEqual(b.regimes, [1, 2, 0])
        XCTAssertThrowsError(try b.load(d, windows: [10])) { XCTAssertTrue("\($0)".contains("window index 10"), "\($0)") }
    }

    func testRandomBatchDrawsTheSameWindowsAsTheDataset() throws {
        let d = try dataset()
        var r1 = SeededRNG(seed: 9, stream: 4), r2 = SeededRNG(seed: 9, stream: 4)
        var b = TrainingBatch()
        try b.loadRandom(d, size: 4, using: &r1)
        let expected = (0..<4).map { _ in r2.int(below: 10) }
        XCTAssertEqual(b.indices, expected)
        for (row, i) in expected.enumerated() {
            let w = try d.window(i)
            XCTAssertEqual(Array(b.inputs[(row * 3)..<(row * 3 + 3)]), Array(w.tokens[0..<3]))
            XCTAssertEqual(Array(b.targets[(row * 3)..<(row * 3 + 3)]), Array(w.tokens[1...3]))
            XCTAssertEqual(Array(b.regimes[(row * 3)..<(row * 3 + 3)]), w.regimes)
        }
        XCTAssertThrowsError(try b.loadRandom(d, size: 0, using: &r1))
    }

    /// After `reset()` the next step is a first Adam step again: with zero moments
    /// m̂ = g, v̂ = g², so p ← p·(1 − lr·λ) − lr·g / (|g| + ε).
    func testResetMakesTheNextStepAFirstStep() throws {
        var opt = try AdamW(parameterCount: 3, learningRate: 0.1, weightDecay: 0.5)
        var p: [Float] = [1, -2, 3]
        let g: [Float] = [0.5, -0.25, 2]
        for _ in 0..<3 {
            try p.withUnsafeMutableBufferPointer { pp in
                try g.withUnsafeBufferPointer { try opt.step(parameters: pp, gradients: $0) }
            }
        }
        opt.reset()
        XCTAssertEqual(opt.state, OptimizerState(parameterCount: 3))
        let before = p
        try p.withUnsafeMutableBufferPointer { pp in
            try g.withUnsafeBufferPointer { try opt.step(parameters: pp, gradients: $0) }
        }
        let expected = (0..<3).map { Double(before[$0]) * (1 - 0.05) - 0.1 * Double(g[$0]) / (abs(Double(g[$0])) + 1e-8) }
        assertClose(p.map(Double.init), expected, rtol: 1e-6, atol: 1e-7, "first step after reset")
    }
}
