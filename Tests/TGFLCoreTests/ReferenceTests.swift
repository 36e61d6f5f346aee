import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The v1 transformer against PyTorch (like llm.c's `test_gpt2`): logits, loss, every
/// gradient, and five AdamW steps, from `Tests/Fixtures/make_reference.py`.
final class ReferenceTests: XCTestCase {
    /// One reference file: the model built from its weights and the batch it was run on.
    struct Reference {
        let model: Transformer
        let file: HDF5File
        let batch: Int, length: Int
        let tokens: [Int32], regimes: [Int32], targets: [Int32]
    }

    func load(_ path: String, threads: Int = 2) throws -> Reference {
        let file = try HDF5File.open(path)
        let json = try XCTUnwrap(try file.stringAttribute("model_config"), "model_config attribute")
        let config = try ModelConfig.fromJSON(json)
        let layout = ParameterLayout(config: config)
        var flat: [Float] = []
        flat.reserveCapacity(layout.count)
        for spec in layout.specs {
            let (values, shape) = try file.readFloat32("/weights/\(spec.name)")
            XCTAssertEqual(shape, spec.shape, "shape of \(spec.name)")
            flat += values
        }
        let model = try Transformer(config: config, parameters: flat, threads: threads)
        let (tokens, tokenShape) = try file.readInt32("/reference/tokens")
        let (regimes, regimeShape) = try file.readInt32("/reference/regimes")
        let B = tokenShape[0], T = tokenShape[1] - 1
        XCTAssertEqual(regimeShape, [B, T])
        var inputs: [Int32] = [], targets: [Int32] = []
        for b in 0..<B {
            inputs += tokens[(b * (T + 1))..<(b * (T + 1) + T)]
            targets += tokens[(b * (T + 1) + 1)..<((b + 1) * (T + 1))]
        }
        return Reference(model: model, file: file, batch: B, length: T, tokens: inputs,
                         regimes: regimes, targets: targets)
    }

    func check(path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let ref = try load(path)
        let model = ref.model, B = ref.batch, T = ref.length

        // Forward: logits and loss.
        model.zeroGradients()
        let loss = try XCTUnwrap(try model.forward(tokens: ref.tokens, regimes: ref.regimes, batch: B,
                                                   length: T, targets: ref.targets))
        let (expectedLogits, logitShape) = try ref.file.readFloat32("/reference/logits")
        XCTAssertEqual(logitShape, [B, T, model.config.vocabSize], file: file, line: line)
        let logits = Array(model.logits)
        XCTAssertEqual(logits.count, expectedLogits.count, file: file, line: line)
        let logitErr = zip(logits, expectedLogits).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(logitErr, 1e-4, "logits max abs error", file: file, line: line)
        let expectedLoss = try ref.file.readFloat32("/reference/loss").values[0]
        XCTAssertEqual(loss, expectedLoss, accuracy: 1e-5, "loss", file: file, line: line)

        // Backward: every gradient, relative to that tensor's largest magnitude.
        try model.backward()
        var worst = (name: "", ratio: 0.0 as Float)
        for spec in model.layout.specs {
            let (expected, shape) = try ref.file.readFloat32("/reference/grads/\(spec.name)")
            XCTAssertEqual(shape, spec.shape, "gradient shape of \(spec.name)", file: file, line: line)
            let got = Array(try model.gradient(named: spec.name))
            let scale = expected.map(abs).max() ?? 0
            let err = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
            let ratio = scale > 0 ? err / scale : err
            if ratio > worst.ratio || ratio.isNaN { worst = (spec.name, ratio) }
        }
        print("reference \((path as NSString).lastPathComponent): logits err \(logitErr), loss err \(abs(loss - expectedLoss)), worst grad \(worst.name) \(worst.ratio)")
        XCTAssertLessThanOrEqual(worst.ratio, 1e-4,
                                 "worst gradient: \(worst.name) (max abs error / max |grad| = \(worst.ratio))",
                                 file: file, line: line)

        // Five AdamW steps from the same weights on the same batch.
        let expectedLosses = try ref.file.readFloat32("/reference/adamw_losses").values
        XCTAssertEqual(expectedLosses.count, 5, file: file, line: line)
        var optimizer = try AdamW(parameterCount: model.parameterCount, learningRate: 1e-3,
                                  beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01)
        for (step, expected) in expectedLosses.enumerated() {
            let (stepLoss, _) = try model.trainStep(tokens: ref.tokens, regimes: ref.regimes,
                                                    targets: ref.targets, batch: B, length: T,
                                                    optimizer: &optimizer)
            XCTAssertEqual(stepLoss, expected, accuracy: 1e-4, "AdamW loss at step \(step)",
                           file: file, line: line)
        }
    }

    /// `TGFL_REFERENCE` when set (any file from make_reference.py), else the committed
    /// small-config fixture.
    func testSmallConfigMatchesPyTorch() throws {
        let env = ProcessInfo.processInfo.environment["TGFL_REFERENCE"]
        try check(path: env ?? fixtureURL("reference_small.h5").path)
    }

    /// An odd config: V=37 T=19 C=24 L=2 H=3 F=40 R=3, B=3.
    func testOddConfigMatchesPyTorch() throws {
        try check(path: fixtureURL("reference_odd.h5").path)
    }

    /// Model v2: V=64 T=24 C=32 L=2 H=4 F=48, 16 volatility levels in `vol_emb`, B=3.
    func testV2ConfigMatchesPyTorch() throws {
        try check(path: fixtureURL("reference_v2.h5").path)
    }
}
