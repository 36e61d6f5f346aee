import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// Conditional generation with shared prompts (issues 16 and 18) against `generate`, whose
/// paths the v2 tests pin to the written-out recursion and to the full forward pass.
final class ConditionalGenerationTests: XCTestCase {

    func makeModelAndHistory() throws -> (ScenarioModel, [Double]) {
        let model = try makeFittedModel(VolatilityModelTests.tinyV2, seed: 4, weightScale: 0.3)
        let history = try GARCHGenerator().paths(count: 1, length: 240, seed: 17)[0]
        return (model, history)
    }

    /// One encoded prompt copied into every slot gives exactly the paths of `generate` with the
    /// same prompt, seed and streams (70 paths: three chunks, the last one partial; a one-day
    /// horizon copies only the logits).
    func testSharedPromptGivesGeneratesPaths() throws {
        let (model, history) = try makeModelAndHistory()
        for (day, horizon) in [(31, 6), (150, 6), (240, 6), (150, 1)] {
            let o = ConditionalGenerationOptions(paths: 70, horizon: horizon, promptDays: 30, seed: 5, threads: 2)
            let plan = try model.conditionalPlan(history: history, day: day, options: o)
            let shared = try model.sampleBlock(plans: [plan], days: [day], streams: [0], options: o, report: nil)
            let reference = try model.generate(GenerationOptions(
                paths: 70, horizon: horizon, regime: .unconditional, prompt: Array(history[(day - 30)..<day]), seed: 5))
            XCTAssertEqual(shared[0], reference.returns.flatMap { $0 }, "day \(day), horizon \(horizon)")
        }
    }

    /// The same seed gives the same bits for any thread count and any set of days around a day.
    func testDeterministicAcrossThreadsAndBlocks() throws {
        let (model, history) = try makeModelAndHistory()
        var o = ConditionalGenerationOptions(paths: 40, horizon: 5, promptDays: 100, seed: 8, threads: 1)
        let days = Array(stride(from: 120, through: 239, by: 7))
        let one = try model.generateConditional(history: history, days: days, options: o)
        o.threads = 2
        let two = try model.generateConditional(history: history, days: days, options: o)
        XCTAssertEqual(one, two)
        let alone = try model.generateConditional(history: history, days: [days[17]], options: o)
        XCTAssertEqual(alone.returns[0], one.returns[17])
        XCTAssertEqual(one.cumulativeReturns(day: 3, horizon: 2)[7], one.returns[3][7 * 5] + one.returns[3][7 * 5 + 1])
        XCTAssertNotEqual(one.returns[0], one.returns[1])
    }

    /// Progress reaches every path; returning false cancels.
    func testProgressAndCancel() throws {
        let (model, history) = try makeModelAndHistory()
        let o = ConditionalGenerationOptions(paths: 64, horizon: 3, promptDays: 50, seed: 1, threads: 2)
        var last = 0
        _ = try model.generateConditional(history: history, days: Array(100..<120), options: o) { p in
            last = max(last, p.pathsCompleted)
            XCTAssertEqual(p.totalPaths, 20 * 64)
            return true
        }
        XCTAssertEqual(last, 20 * 64)
        XCTAssertThrowsError(try model.generateConditional(history: history, days: Array(100..<120), options: o) { _ in false }) {
            XCTAssertEqual($0 as? TGFLError, .cancelled)
        }
    }

    func testBadInputIsNamed() throws {
        let (model, history) = try makeModelAndHistory()
        let o = ConditionalGenerationOptions(paths: 10, horizon: 3, promptDays: 50)
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try model.generateConditional(history: history, days: [0], options: o) }.contains("forecast day 0"))
        XCTAssertTrue(message { try model.generateConditional(history: history, days: [241], options: o) }.contains("241"))
        var long = o
        long.horizon = 21
        XCTAssertTrue(message { try model.generateConditional(history: history, days: [100], options: long) }.contains("half the context"))
        var bad = history
        bad[5] = .nan
        XCTAssertTrue(message { try model.generateConditional(history: bad, days: [100], options: o) }.contains("history[5]"))
        let unfitted = try ScenarioModel(config: VolatilityModelTests.tinyV2, seed: 1)
        XCTAssertTrue(message { try unfitted.generateConditional(history: history, days: [100], options: o) }.contains("train"))
    }
}
