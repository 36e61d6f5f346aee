import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// A small fitted model with large random weights, so logits are far from uniform.
func makeFittedModel(_ config: ModelConfig, seed: UInt64 = 3, weightScale: Double = 0.3) throws -> ScenarioModel {
    let model = try ScenarioModel(config: config, seed: seed)
    var rng = SeededRNG(seed: seed &+ 100)
    try model.setParameters((0..<model.transformer.parameterCount).map { _ in
        Float(rng.normal(mean: 0, std: weightScale))
    })
    let series = try GARCHGenerator().paths(count: 1, length: 400, seed: seed)
    try model.fitDataModels(trainingReturns: series, options: nil)
    return model
}

final class GenerationTests: XCTestCase {
    /// hd = 8 (the vector attention code with a run-time width).
    static let tiny = ModelConfig(vocabSize: 24, contextLength: 12, dModel: 16, nLayers: 2, nHeads: 2,
                                  dFF: 24, nRegimes: 4)
    /// hd = 16 (the kernels' fixed-width copy); V = 20 leaves 4 columns past the 8-wide tiles.
    static let tiny16 = ModelConfig(vocabSize: 20, contextLength: 10, dModel: 32, nLayers: 2, nHeads: 2,
                                    dFF: 40, nRegimes: 4)
    /// hd = 3 and no size a multiple of 8: every scalar tail of the kernels.
    static let tinyOdd = ModelConfig(vocabSize: 13, contextLength: 9, dModel: 9, nLayers: 2, nHeads: 3,
                                     dFF: 15, nRegimes: 4)

    // MARK: - KV cache against the full forward pass

    /// While the sequence fits the context, the logits each day was sampled from equal the
    /// full forward pass over prompt + sampled tokens, at every position.
    func checkCachedLogitsMatchFullForward(config: ModelConfig, prompt: [Double]?, regimePath: [Int]) throws {
        let model = try makeFittedModel(config)
        let H = regimePath.count, V = config.vocabSize, paths = 3
        let options = GenerationOptions(paths: paths, horizon: H, regime: .path(regimePath), prompt: prompt,
                                        temperature: 1.0, seed: 11, threads: 1)
        let output = try model.generateRaw(options, record: true, progress: nil)
        let plan = try model.plan(options)
        let n0 = plan.promptTokens.count
        XCTAssertLessThanOrEqual(n0 + H - 1, config.contextLength, "test must stay inside the context")
        for p in 0..<paths {
            let sampled = Array(output.tokens[(p * H)..<((p + 1) * H)])
            let tokens = plan.promptTokens + sampled.dropLast()
            let regimes = plan.promptConditions + plan.regimes!.dropFirst()
            XCTAssertEqual(tokens.count, regimes.count)
            try model.transformer.forward(tokens: tokens, regimes: regimes, batch: 1, length: tokens.count)
            let full = Array(model.transformer.logits)
            for d in 0..<H {
                let position = n0 - 1 + d
                let expected = Array(full[(position * V)..<((position + 1) * V)])
                let cached = Array(output.logits[((p * H + d) * V)..<((p * H + d + 1) * V)])
                assertClose(cached, expected, rtol: 1e-5, atol: 1e-5, "path \(p) day \(d) (position \(position))")
            }
        }
    }

    func testCachedLogitsMatchFullForwardWithPromptAndRegimePath() throws {
        let prompt = try GARCHGenerator().paths(count: 1, length: 5, seed: 9)[0]
        try checkCachedLogitsMatchFullForward(config: Self.tiny, prompt: prompt, regimePath: [0, 3, 3, 1, 2, 0, 1, 3])
        try checkCachedLogitsMatchFullForward(config: Self.tiny16, prompt: prompt, regimePath: [2, 2, 0, 3, 1, 1])
        try checkCachedLogitsMatchFullForward(config: Self.tinyOdd, prompt: Array(prompt.prefix(3)),
                                              regimePath: [1, 0, 3, 2, 2])
    }

    func testCachedLogitsMatchFullForwardWithoutPrompt() throws {
        try checkCachedLogitsMatchFullForward(config: Self.tiny, prompt: nil, regimePath: Array(repeating: 2, count: 12))
    }

    /// After the window slides, the logits are those of a fresh forward pass over the kept
    /// half of the inputs at positions 0 ….
    func testSlidingBeyondTheContextRecomputesTheKeptHalf() throws {
        let config = Self.tiny
        let model = try makeFittedModel(config)
        let T = config.contextLength, V = config.vocabSize, keep = T / 2
        let H = 3 * T
        var rng = SeededRNG(seed: 5)
        let regimePath = (0..<H).map { _ in rng.int(below: 4) }
        let options = GenerationOptions(paths: 2, horizon: H, regime: .path(regimePath), prompt: nil, seed: 4,
                                        threads: 1)
        let output = try model.generateRaw(options, record: true, progress: nil)
        let plan = try model.plan(options)
        // Full input sequence (token, regime) of path 1 as if the context were unbounded.
        let p = 1
        let sampled = Array(output.tokens[(p * H)..<((p + 1) * H)])
        let allTokens = plan.promptTokens + sampled.dropLast()
        let allRegimes = plan.promptConditions + plan.regimes!.dropFirst()
        // Replay the window rule: inputs 0..<T in the first window; then each slide keeps `keep`.
        var windowStart = 0, windowLength = 1
        for d in 0..<H {
            // Input index of day d's last position is d (one start token, no prompt).
            if d > 0 {
                if windowLength == T {
                    windowStart = d - keep + 1
                    windowLength = keep
                } else {
                    windowLength += 1
                }
            }
            let tokens = Array(allTokens[windowStart...d]), regimes = Array(allRegimes[windowStart...d])
            XCTAssertEqual(tokens.count, windowLength)
            try model.transformer.forward(tokens: tokens, regimes: regimes, batch: 1, length: tokens.count)
            let full = Array(model.transformer.logits)
            let last = tokens.count - 1
            assertClose(Array(output.logits[((p * H + d) * V)..<((p * H + d + 1) * V)]),
                        Array(full[(last * V)..<((last + 1) * V)]), rtol: 1e-5, atol: 1e-5, "day \(d)")
        }
    }

    // MARK: - Reproducibility and output

    func testSameSeedSameBitsForAnyThreadCount() throws {
        let model = try makeFittedModel(Self.tiny)
        let base = GenerationOptions(paths: 70, horizon: 30, regime: .fixed(3), seed: 21, threads: 1)
        var two = base
        two.threads = 2
        let a = try model.generate(base), b = try model.generate(two), c = try model.generate(base)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
        var other = base
        other.seed = 22
        let d = try model.generate(other)
        XCTAssertNotEqual(a.returns, d.returns)
        // Paths differ from each other.
        XCTAssertNotEqual(a.returns[0], a.returns[1])
    }

    func testValuesStayInsideTheTokenizerRangeAndPricesStartAtTheStartPrice() throws {
        let model = try makeFittedModel(Self.tiny16)
        let set = try model.generate(GenerationOptions(paths: 40, horizon: 25, regime: .fixed(0),
                                                       temperature: 2.5, seed: 1))
        XCTAssertEqual(set.pathCount, 40)
        XCTAssertEqual(set.horizon, 25)
        let range = model.tokenizer!.range
        for path in set.returns { for r in path { XCTAssertTrue(range.contains(r), "\(r) outside \(range)") } }
        let prices = set.prices(start: 100)
        for (path, returns) in zip(prices, set.returns) {
            XCTAssertEqual(path.count, 26)
            XCTAssertEqual(path[0], 100)
            // Closed form: P_H = 100 · exp(Σ r).
            assertClose(path[25], 100 * exp(returns.reduce(0, +)), rtol: 1e-12)
        }
    }

    func testCSVHasOnePathPerRowAndWritesAtomically() throws {
        let set = ScenarioSet(returns: [[0.01, -0.02], [0.5, 0.25]])
        XCTAssertEqual(set.csv(), "r_1,r_2\n0.01,-0.02\n0.5,0.25\n")
        let prices = set.csv(prices: 10).split(separator: "\n")
        XCTAssertEqual(prices.count, 3)
        XCTAssertEqual(prices[0], "p_0,p_1,p_2")
        XCTAssertTrue(prices[2].hasPrefix("10.0,"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgfl-gen-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("paths.csv").path
        try set.writeCSV(to: file)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), set.csv())
        assertThrows(try set.writeCSV(to: dir.appendingPathComponent("missing/x.csv").path),
                     containing: ["does not exist"])
        assertThrows(try set.writeCSV(to: file, prices: -1), containing: ["start price"])
    }

    // MARK: - Bad input

    func testBadOptionsThrowClearErrors() throws {
        let model = try makeFittedModel(Self.tiny)
        func options(_ change: (inout GenerationOptions) -> Void) -> GenerationOptions {
            var o = GenerationOptions(paths: 2, horizon: 5, regime: .fixed(1), seed: 1)
            change(&o)
            return o
        }
        assertThrows(try model.generate(options { $0.regime = .path([0, 1, 2]) }),
                     containing: ["regime path has 3 labels", "horizon is 5"])
        assertThrows(try model.generate(options { $0.regime = .fixed(4) }), containing: ["regime 4", "crisis (3)"])
        assertThrows(try model.generate(options { $0.regime = .path([0, 1, 7, 1, 1]) }),
                     containing: ["path[2] = 7"])
        assertThrows(try model.generate(options { $0.temperature = 0 }), containing: ["temperature"])
        assertThrows(try model.generate(options { $0.temperature = -1 }), containing: ["temperature"])
        assertThrows(try model.generate(options { $0.prompt = [0.01, .nan] }), containing: ["prompt[1]"])
        assertThrows(try model.generate(options { $0.prompt = [] }), containing: ["prompt is empty"])
        assertThrows(try model.generate(options { $0.paths = 0 }), containing: ["paths"])
        assertThrows(try model.generate(options { $0.horizon = 0 }), containing: ["horizon"])
        assertThrows(try model.generate(options { $0.threads = 0 }), containing: ["threads"])
        let unfitted = try ScenarioModel(config: Self.tiny, seed: 1)
        assertThrows(try unfitted.generate(GenerationOptions()),
                     containing: ["train the model or load a trained checkpoint"])
    }

    func testProgressReportsAndCancels() throws {
        let model = try makeFittedModel(Self.tiny)
        var seen: [Int] = []
        _ = try model.generate(GenerationOptions(paths: 80, horizon: 4, seed: 1, threads: 1)) {
            seen.append($0.pathsCompleted)
            return true
        }
        let chunk = ScenarioModel.generationChunkSize     // progress comes after each chunk of paths
        XCTAssertEqual(seen, Array(stride(from: chunk, to: 80, by: chunk)) + [80])
        XCTAssertThrowsError(try model.generate(GenerationOptions(paths: 80, horizon: 4, seed: 1, threads: 1)) { _ in
            false
        }) { XCTAssertEqual($0 as? TGFLError, .cancelled) }
    }
}
