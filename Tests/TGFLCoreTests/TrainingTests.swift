import TGFLTestSupport
import XCTest
@testable import TGFLCore

final class TrainingTests: XCTestCase {
    func testAdamWFirstStepsMatchTheClosedForm() throws {
        // One parameter p0 = 1, constant gradient g = 0.5, lr 0.1, wd 0.01:
        // step 1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25 → p = 1·(1 − 0.001) − 0.1·0.5/(0.5 + 1e-8)
        var opt = try AdamW(parameterCount: 1, learningRate: 0.1)
        var p: [Float] = [1]
        let g: [Float] = [0.5]
        try p.withUnsafeMutableBufferPointer { pp in
            try g.withUnsafeBufferPointer { try opt.step(parameters: pp, gradients: $0) }
        }
        XCTAssertEqual(Double(p[0]), 0.999 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: 1e-6)
        // step 2 (same g): m̂ = v̂^(1/2) = 0.5 again, so p ← p·0.999 − 0.1.
        let p1 = Double(p[0])
        try p.withUnsafeMutableBufferPointer { pp in
            try g.withUnsafeBufferPointer { try opt.step(parameters: pp, gradients: $0) }
        }
        XCTAssertEqual(Double(p[0]), p1 * 0.999 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: 1e-6)
        XCTAssertEqual(opt.state.step, 2)
        XCTAssertEqual(Double(opt.state.m[0]), 0.9 * 0.05 + 0.05, accuracy: 1e-7)
    }

    func testAdamWRejectsBadHyperparametersAndState() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try AdamW(parameterCount: 3, learningRate: -1) }.contains("learning rate"))
        XCTAssertTrue(message { try AdamW(parameterCount: 3, beta1: 1) }.contains("beta1"))
        XCTAssertTrue(message { try AdamW(parameterCount: 3, beta2: -0.1) }.contains("beta2"))
        XCTAssertTrue(message { try AdamW(parameterCount: 3, epsilon: 0) }.contains("epsilon"))
        XCTAssertTrue(message { try AdamW(parameterCount: 3, weightDecay: .nan) }.contains("weightDecay"))
        XCTAssertTrue(message { try AdamW(parameterCount: 0) }.contains("parameterCount"))
        var opt = try AdamW(parameterCount: 3)
        XCTAssertTrue(message { try opt.restore(OptimizerState(step: 1, m: [0], v: [0])) }.contains("expected 3"))
        XCTAssertTrue(message { try opt.restore(OptimizerState(step: 1, m: [0, 0, 0], v: [0, -1, 0])) }
            .contains("v[1]"))
        var p: [Float] = [1, 2]
        let g: [Float] = [1, 2, 3]
        let text = message {
            try p.withUnsafeMutableBufferPointer { pp in
                try g.withUnsafeBufferPointer { try opt.step(parameters: pp, gradients: $0) }
            }
        }
        XCTAssertTrue(text.contains("3 parameters") && text.contains("got 2 parameters"), text)
    }

    func testClipGradNormMatchesTorchFormula() throws {
        // g = [3, 4]: norm 5; max_norm 1 → g · 1/(5 + 1e-6).
        var g: [Float] = [3, 4]
        let norm = try g.withUnsafeMutableBufferPointer { try GradientClipping.clipGlobalNorm($0, maxNorm: 1) }
        XCTAssertEqual(norm, 5, accuracy: 1e-12)
        assertClose(g, [Float(3 / (5 + 1e-6)), Float(4 / (5 + 1e-6))], rtol: 1e-7, "clipped")
        // Below the limit nothing changes.
        var h: [Float] = [0.3, 0.4]
        _ = try h.withUnsafeMutableBufferPointer { try GradientClipping.clipGlobalNorm($0, maxNorm: 1) }
        XCTAssertEqual(h, [0.3, 0.4])
        var bad: [Float] = [1, .nan]
        XCTAssertThrowsError(try bad.withUnsafeMutableBufferPointer { try GradientClipping.clipGlobalNorm($0, maxNorm: 1) }) {
            XCTAssertTrue("\($0)".contains("gradients[1]"))
        }
        XCTAssertThrowsError(try h.withUnsafeMutableBufferPointer { try GradientClipping.clipGlobalNorm($0, maxNorm: 0) }) {
            XCTAssertTrue("\($0)".contains("maxNorm"))
        }
    }

    func testLearningRateScheduleWarmupAndCosine() throws {
        let s = try LearningRateSchedule(peak: 1e-3, minimum: 1e-4, warmupSteps: 10, totalSteps: 110)
        XCTAssertEqual(s.learningRate(at: 0), 1e-4, accuracy: 1e-15)         // 1e-3 · 1/10
        XCTAssertEqual(s.learningRate(at: 9), 1e-3, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(at: 10), 1e-3, accuracy: 1e-15)        // cos(0) = 1
        XCTAssertEqual(s.learningRate(at: 60), 5.5e-4, accuracy: 1e-15)      // midpoint: (peak + min)/2
        XCTAssertEqual(s.learningRate(at: 35), 1e-4 + 0.45e-3 * (1 + 0.5.squareRoot()), accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(at: 110), 1e-4)
        XCTAssertEqual(s.learningRate(at: 500), 1e-4)
        XCTAssertThrowsError(try LearningRateSchedule(peak: 0, warmupSteps: 0, totalSteps: 1)) {
            XCTAssertTrue("\($0)".contains("peak"))
        }
        XCTAssertThrowsError(try LearningRateSchedule(peak: 1, minimum: 2, warmupSteps: 0, totalSteps: 1)) {
            XCTAssertTrue("\($0)".contains("minimum"))
        }
        XCTAssertThrowsError(try LearningRateSchedule(peak: 1, warmupSteps: 5, totalSteps: 4)) {
            XCTAssertTrue("\($0)".contains("warmupSteps"))
        }
    }
}
