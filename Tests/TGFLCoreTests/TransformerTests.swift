import TGFLTestSupport
import XCTest
@testable import TGFLCore

final class TransformerTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 17, contextLength: 8, dModel: 12, nLayers: 2, nHeads: 3,
                                  dFF: 20, nRegimes: 3)

    func batch(_ config: ModelConfig, B: Int, T: Int, seed: UInt64) -> (tokens: [Int32], regimes: [Int32], targets: [Int32]) {
        var rng = SeededRNG(seed: seed)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.int(below: config.vocabSize)) }
        let regimes = (0..<(B * T)).map { _ in Int32(rng.int(below: config.nRegimes)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.int(below: config.vocabSize)) }
        return (tokens, regimes, targets)
    }

    // MARK: - Initialization

    func testInitializationFollowsGPT2() throws {
        let model = try Transformer(config: .small, seed: 7)
        XCTAssertEqual(model.parameterCount, ParameterLayout(config: .small).count)
        let qkv = Array(try model.parameter(named: "blocks.0.attn.qkv.weight"))
        let mean = qkv.reduce(0.0) { $0 + Double($1) } / Double(qkv.count)
        let std = (qkv.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(qkv.count)).squareRoot()
        // 12288 draws: the sample std is within 3% of 0.02 and the mean within 4 standard errors of 0.
        XCTAssertEqual(std, 0.02, accuracy: 0.02 * 0.03)
        XCTAssertEqual(mean, 0, accuracy: 4 * 0.02 / Double(qkv.count).squareRoot())
        XCTAssertEqual(Set(try model.parameter(named: "blocks.3.ln2.weight")), [1])
        XCTAssertEqual(Set(try model.parameter(named: "head.bias")), [0])
        XCTAssertEqual(Set(try model.parameter(named: "blocks.1.mlp.fc.bias")), [0])
        // Same seed, same bits; another seed, other values.
        XCTAssertEqual(try Transformer(config: .small, seed: 7).parameters(), model.parameters())
        XCTAssertNotEqual(try Transformer(config: .small, seed: 8).parameters(), model.parameters())
    }

    func testUniformModelLossIsLogV() throws {
        // All-zero parameters except LayerNorm weights: logits are 0, so the loss is log V.
        let config = Self.tiny
        let model = try Transformer(config: config, parameters: [Float](repeating: 0, count: ParameterLayout(config: config).count))
        let (tokens, regimes, targets) = batch(config, B: 2, T: 5, seed: 1)
        let loss = try XCTUnwrap(try model.forward(tokens: tokens, regimes: regimes, batch: 2, length: 5, targets: targets))
        XCTAssertEqual(Double(loss), log(17.0), accuracy: 1e-6)
    }

    // MARK: - Determinism across thread counts

    func testOneAndTwoThreadsGiveIdenticalBits() throws {
        let config = ModelConfig(vocabSize: 64, contextLength: 32, dModel: 32, nLayers: 2, nHeads: 4,
                                 dFF: 64, nRegimes: 4)
        let B = 9, T = 32   // 288 rows: several row parts, an uneven last part
        let (tokens, regimes, targets) = batch(config, B: B, T: T, seed: 3)
        func run(threads: Int) throws -> (losses: [Float], grads: [Float], params: [Float]) {
            let model = try Transformer(config: config, seed: 11, threads: threads)
            var optimizer = try AdamW(parameterCount: model.parameterCount)
            var losses: [Float] = []
            for _ in 0..<3 {
                losses.append(try model.trainStep(tokens: tokens, regimes: regimes, targets: targets,
                                                  batch: B, length: T, optimizer: &optimizer,
                                                  clipNorm: 1.0).loss)
            }
            return (losses, model.gradients(), model.parameters())
        }
        let one = try run(threads: 1), two = try run(threads: 2), three = try run(threads: 3)
        for other in [two, three] {
            XCTAssertEqual(one.losses.map(\.bitPattern), other.losses.map(\.bitPattern), "losses")
            XCTAssertTrue(one.grads.map(\.bitPattern) == other.grads.map(\.bitPattern), "gradients differ")
            XCTAssertTrue(one.params.map(\.bitPattern) == other.params.map(\.bitPattern), "parameters differ")
        }
        XCTAssertLessThan(one.losses[2], one.losses[0], "training lowers the loss on a fixed batch")
    }

    // MARK: - Shapes and reuse

    func testShorterSequencesAreCausalPrefixes() throws {
        // Causal attention: the logits of a prefix equal the first positions of the full run,
        // also after the activation buffers were sized for a larger batch.
        let config = Self.tiny
        let model = try Transformer(config: config, seed: 5, threads: 2)
        let (tokens, regimes, _) = batch(config, B: 3, T: 8, seed: 9)
        try model.forward(tokens: tokens, regimes: regimes, batch: 3, length: 8)
        let full = Array(model.logits)
        let V = config.vocabSize
        var prefixTokens: [Int32] = [], prefixRegimes: [Int32] = []
        for b in 0..<3 {
            prefixTokens += tokens[(b * 8)..<(b * 8 + 3)]
            prefixRegimes += regimes[(b * 8)..<(b * 8 + 3)]
        }
        try model.forward(tokens: prefixTokens, regimes: prefixRegimes, batch: 3, length: 3)
        let short = Array(model.logits)
        XCTAssertEqual(short.count, 3 * 3 * V)
        var expected: [Float] = []
        for b in 0..<3 {
            let start: Int = b * 8 * V
            expected += full[start..<(start + 3 * V)]
        }
        assertClose(short, expected, rtol: 1e-5, atol: 1e-6, "prefix logits")
    }

    // MARK: - Bad input

    func testInvalidConfigsThrow() {
        var c = Self.tiny
        c.nHeads = 5
        assertThrows(try Transformer(config: c, seed: 1), containing: ["d_model", "n_heads"])
        c = Self.tiny
        c.dModel = 0
        assertThrows(try Transformer(config: c, seed: 1), containing: ["d_model", "positive"])
        c = Self.tiny
        c.contextLength = 0
        assertThrows(try Transformer(config: c, seed: 1), containing: ["context_length"])
        assertThrows(try Transformer(config: Self.tiny, seed: 1, threads: 0), containing: ["threads"])
    }

    func testBadBatchesThrowNamingTheProblem() throws {
        let config = Self.tiny
        let model = try Transformer(config: config, seed: 1)
        let (tokens, regimes, targets) = batch(config, B: 2, T: 4, seed: 2)
        assertThrows(try model.forward(tokens: tokens, regimes: regimes, batch: 1, length: 9),
                     containing: ["length 9", "context_length 8"])
        assertThrows(try model.forward(tokens: tokens, regimes: regimes, batch: 2, length: 0),
                     containing: ["length", "at least 1"])
        assertThrows(try model.forward(tokens: tokens, regimes: regimes, batch: 0, length: 4),
                     containing: ["batch size"])
        assertThrows(try model.forward(tokens: tokens, regimes: regimes, batch: 3, length: 4),
                     containing: ["tokens has 8 elements", "3·4 = 12"])
        assertThrows(try model.forward(tokens: tokens, regimes: Array(regimes.dropLast()), batch: 2, length: 4),
                     containing: ["regimes has 7 elements"])
        assertThrows(try model.forward(tokens: tokens, regimes: regimes, batch: 2, length: 4,
                                       targets: Array(targets.prefix(3))),
                     containing: ["targets has 3 elements"])
        var bad = tokens
        bad[5] = 17
        assertThrows(try model.forward(tokens: bad, regimes: regimes, batch: 2, length: 4),
                     containing: ["tokens[5] = 17", "0..<17", "vocab_size", "row 1, position 1"])
        bad = tokens
        bad[2] = -1
        assertThrows(try model.forward(tokens: bad, regimes: regimes, batch: 2, length: 4),
                     containing: ["tokens[2] = -1"])
        var badRegimes = regimes
        badRegimes[6] = 3
        assertThrows(try model.forward(tokens: tokens, regimes: badRegimes, batch: 2, length: 4),
                     containing: ["regimes[6] = 3", "n_regimes"])
        var badTargets = targets
        badTargets[0] = 99
        assertThrows(try model.forward(tokens: tokens, regimes: regimes, batch: 2, length: 4, targets: badTargets),
                     containing: ["targets[0] = 99"])
    }

    func testBackwardNeedsAForwardPassWithTargets() throws {
        let config = Self.tiny
        let model = try Transformer(config: config, seed: 1)
        assertThrows(try model.backward(), containing: ["forward", "targets"])
        let (tokens, regimes, targets) = batch(config, B: 1, T: 4, seed: 2)
        try model.forward(tokens: tokens, regimes: regimes, batch: 1, length: 4)
        assertThrows(try model.backward(), containing: ["targets"])
        try model.forward(tokens: tokens, regimes: regimes, batch: 1, length: 4, targets: targets)
        XCTAssertNoThrow(try model.backward())
        assertThrows(try model.backward(), containing: ["forward"])   // once per forward pass
    }

    func testSetParametersChecksCountAndFiniteness() throws {
        let config = Self.tiny
        let model = try Transformer(config: config, seed: 1)
        let before = model.parameters()
        assertThrows(try model.setParameters([1, 2, 3]), containing: ["3 values", "\(model.parameterCount)"])
        var values = before
        let qkv = model.layout["blocks.1.attn.qkv.weight"]!
        values[qkv.offset + 4] = .nan
        assertThrows(try model.setParameters(values), containing: ["blocks.1.attn.qkv.weight", "element 4", "nan"])
        values[qkv.offset + 4] = .infinity
        assertThrows(try Transformer(config: config, parameters: values), containing: ["blocks.1.attn.qkv.weight"])
        XCTAssertEqual(model.parameters(), before, "a rejected vector leaves the model unchanged")
        assertThrows(try model.parameter(named: "blocks.9.ln1.weight"), containing: ["blocks.9.ln1.weight"])
        assertThrows(try model.setThreads(0), containing: ["threads"])
    }
}
