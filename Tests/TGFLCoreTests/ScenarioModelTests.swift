import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

final class ScenarioModelTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 24, contextLength: 12, dModel: 16, nLayers: 2, nHeads: 2,
                                  dFF: 24, nRegimes: 4)

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tgfl-scenario-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func testCheckpointRoundTripKeepsEverything() throws {
        let model = try makeFittedModel(Self.tiny)
        let series = try GARCHGenerator().paths(count: 1, length: 300, seed: 8)
        _ = try Trainer(model: model, options: TrainingOptions(steps: 3, batchSize: 4, warmupSteps: 1,
                                                               evaluateEvery: 2)).fit(series: series)
        model.records["federation"] = #"{"strategy":"fedavg","rounds":3}"#
        XCTAssertEqual(model.optimizerState?.step, 3)
        XCTAssertEqual(model.history.records.map(\.step), [2, 3])
        try model.save(to: path("m.h5"))

        let loaded = try ScenarioModel.load(from: path("m.h5"))
        XCTAssertEqual(loaded.config, model.config)
        XCTAssertEqual(loaded.parameters(), model.parameters())
        XCTAssertEqual(loaded.tokenizer, model.tokenizer)
        XCTAssertEqual(loaded.regimeModel, model.regimeModel)
        XCTAssertEqual(loaded.optimizerState, model.optimizerState)
        XCTAssertEqual(loaded.history, model.history)
        XCTAssertEqual(loaded.records, model.records)
        XCTAssertTrue(loaded.isFitted)
        let a = try model.generate(GenerationOptions(paths: 3, horizon: 6, seed: 2))
        let b = try loaded.generate(GenerationOptions(paths: 3, horizon: 6, seed: 2))
        XCTAssertEqual(a, b)
    }

    func testCheckpointWithoutDataModelsLoadsUnfitted() throws {
        let model = try ScenarioModel(config: Self.tiny, seed: 4)
        XCTAssertFalse(model.isFitted)
        try model.save(to: path("bare.h5"))
        let loaded = try ScenarioModel.load(from: path("bare.h5"))
        XCTAssertFalse(loaded.isFitted)
        XCTAssertNil(loaded.optimizerState)
        XCTAssertEqual(loaded.parameters(), model.parameters())
        XCTAssertThrowsError(try loaded.generate(GenerationOptions(paths: 1, horizon: 2))) {
            XCTAssertTrue("\($0)".contains("train the model or load a trained checkpoint"), "\($0)")
        }
        XCTAssertThrowsError(try loaded.logLikelihood(returns: [0.01, 0.02]))
        XCTAssertEqual(try loaded.regimeIndex("2"), 2)
        XCTAssertThrowsError(try loaded.regimeIndex("crisis"))
        XCTAssertThrowsError(try loaded.regimeName(1))
    }

    func testLoadNamesTheFileAndTheBadSection() throws {
        let model = try makeFittedModel(Self.tiny)
        var checkpoint = try model.checkpoint()
        checkpoint.tokenizer!.attributes["std"] = .double(-1)
        try checkpoint.save(to: path("bad.h5"))
        XCTAssertThrowsError(try ScenarioModel.load(from: path("bad.h5"))) { error in
            guard case .checkpoint(let file, let message)? = error as? TGFLError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(file, self.path("bad.h5"))
            XCTAssertTrue(message.contains("/tokenizer"), message)
        }
        var history = try model.checkpoint()
        history.history = "[1, 2]"
        try history.save(to: path("history.h5"))
        XCTAssertThrowsError(try ScenarioModel.load(from: path("history.h5"))) {
            XCTAssertTrue("\($0)".contains("history"), "\($0)")
        }
        XCTAssertThrowsError(try ScenarioModel.load(from: path("missing.h5"))) {
            XCTAssertTrue("\($0)".contains("missing.h5"), "\($0)")
        }
    }

    func testRegimesByNameOrIndex() throws {
        let model = try makeFittedModel(Self.tiny)
        XCTAssertEqual(try model.regimeIndex("crisis"), 3)
        XCTAssertEqual(try model.regimeIndex("CALM"), 0)
        XCTAssertEqual(try model.regimeIndex("2"), 2)
        XCTAssertEqual(try model.regimeName(1), "normal")
        XCTAssertThrowsError(try model.regimeIndex("panic")) {
            XCTAssertTrue("\($0)".contains("calm (0)"), "\($0)")
        }
        XCTAssertThrowsError(try model.regimeName(4))
    }

    func testFitDataModelsRejectsMismatchedSettings() throws {
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        let series = try GARCHGenerator().paths(count: 1, length: 100, seed: 1)
        XCTAssertThrowsError(try model.fitDataModels(
            trainingReturns: series, options: DataPipelineConfig(contextLength: 12, vocabSize: 99)))
        XCTAssertThrowsError(try model.fitDataModels(trainingReturns: [[0.01, .nan] + series[0]], options: nil))
        XCTAssertFalse(model.isFitted)
        try model.fitDataModels(trainingReturns: series, options: nil)
        XCTAssertTrue(model.isFitted)
    }

    /// Closed form: with every weight zero except the head bias b, every position's logits
    /// are b, so LL = mean_t log softmax(b)[k_t] — also across sliding windows.
    func testLogLikelihoodClosedForm() throws {
        let model = try makeFittedModel(Self.tiny)
        var zeros = [Float](repeating: 0, count: model.transformer.parameterCount)
        let spec = model.transformer.layout["head.bias"]!
        var rng = SeededRNG(seed: 3)
        let bias = (0..<spec.count).map { _ in Float(rng.normal()) }
        zeros.replaceSubrange(spec.offset..<(spec.offset + spec.count), with: bias)
        try model.setParameters(zeros)
        let returns = try GARCHGenerator().paths(count: 1, length: 50, seed: 12)[0]   // > context
        let tokens = try model.tokenizer!.encode(returns)
        let logZ = log(bias.reduce(0.0) { $0 + exp(Double($1)) })
        let expected = tokens.dropFirst().reduce(0.0) { $0 + Double(bias[Int($1)]) - logZ } / 49
        assertClose(try model.logLikelihood(returns: returns), expected, rtol: 1e-5)
        // Uniform logits: LL = −ln V.
        try model.setParameters([Float](repeating: 0, count: zeros.count))
        assertClose(try model.logLikelihood(returns: returns), -log(24.0), rtol: 1e-6)
        XCTAssertThrowsError(try model.logLikelihood(returns: [0.01]))
        XCTAssertThrowsError(try model.logLikelihood(returns: [0.01, .infinity]))
        let logits = try model.logits(tokens: [1, 2, 3, 4], regimes: [0, 1, 2, 3], batch: 2, length: 2)
        XCTAssertEqual(logits.count, 2 * 2 * 24)
    }
}
