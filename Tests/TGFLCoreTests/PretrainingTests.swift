import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// Pretraining's corpus encoding against `arch` and NumPy (Tests/Fixtures/make_pretraining_reference.py),
/// and fine-tuning's adaptation of the data models.
final class PretrainingTests: XCTestCase {
    typealias Reference = PretrainingReference

    func reference() throws -> Reference { try PretrainingReference.load() }

    func corpusConfig(_ ref: Reference) -> DataPipelineConfig {
        DataPipelineConfig(contextLength: 16, vocabSize: ref.vocab_size, trainFraction: 1,
                           clipSigma: ref.clip_sigma, modelVersion: 2, volatilityLevels: 8)
    }

    /// Every series gets its own filter (arch's parameters), and one tokenizer is fitted on the
    /// pooled z of both (NumPy's mean and sd). A filter fitted on the pooled returns instead
    /// would put the FX series, with half the S&P's volatility, into the central bins.
    func testEachSeriesHasItsOwnFilterAndOneSharedTokenizer() throws {
        let ref = try reference()
        let corpus = ref.series.map { ReturnSeries(name: $0.name, values: $0.returns) }
        let fitted = try CorpusEncoding.fit(corpus: corpus, config: corpusConfig(ref))
        XCTAssertEqual(fitted.perSeries.count, 2)
        for (models, s) in zip(fitted.perSeries, ref.series) {
            let g = try XCTUnwrap(models.volatility).garch
            // Our GJR-t fit is checked against arch in GARCHModelTests; here, that it is this series' fit.
            assertClose([g.omega, g.alpha + g.gamma / 2 + g.beta], [s.omega, s.alpha + s.gamma / 2 + s.beta],
                        rtol: 0.05, "\(s.name): ω and persistence")
            XCTAssertTrue(models.tokenizer == fitted.model.tokenizer, "\(s.name): the shared tokenizer")
            let tokens = try models.encode(s.returns).tokens
            let agree = zip(tokens, s.tokens).filter { abs(Int($0) - Int($1)) <= 1 }.count
            XCTAssertGreaterThanOrEqual(Double(agree) / Double(tokens.count), 0.99,
                                        "\(s.name): tokens of z under the shared tokenizer (±1 bin)")
        }
        assertClose([fitted.model.tokenizer.mean, fitted.model.tokenizer.std], [ref.z_mean, ref.z_std],
                    rtol: 0.02, atol: 0.005, "pooled z mean and sd")
    }

    /// A series and the same series times 30 give the same tokens and levels: the encoding is
    /// scale-free, which is what lets assets of any volatility share one network.
    func testEncodingIsScaleFree() throws {
        let ref = try reference()
        let r = ref.series[0].returns
        let corpus = [ReturnSeries(name: "a", values: r), ReturnSeries(name: "b", values: r.map { $0 * 30 })]
        let fitted = try CorpusEncoding.fit(corpus: corpus, config: corpusConfig(ref))
        let a = try fitted.perSeries[0].encode(r), b = try fitted.perSeries[1].encode(r.map { $0 * 30 })
        let sameTokens = zip(a.tokens, b.tokens).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(Double(sameTokens) / Double(r.count), 0.98, "tokens of r and 30·r")
        let sameLevels = zip(a.conditions, b.conditions).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(Double(sameLevels) / Double(r.count), 0.98, "levels of r and 30·r")
    }

    /// Pretraining a tiny model, then adapting it to a series 20 times as volatile: the network and the
    /// tokenizer are kept, the filter is the new series' (its σ bounds scale by 20), the optimizer
    /// state is cleared and fine-tuning runs.
    func testPretrainThenAdaptAndFineTune() throws {
        let ref = try reference()
        let config = ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                 nRegimes: 4).v2(levels: 8)
        let model = try ScenarioModel(config: config, seed: 3)
        var options = TrainingOptions(steps: 4, batchSize: 4, validationFraction: 0.1, evaluateEvery: 2, seed: 3)
        options.restoreBest = true
        let report = try Trainer(model: model, options: options)
            .pretrain(corpus: ref.series.map { ReturnSeries(name: $0.name, values: $0.returns) })
        XCTAssertEqual(report.stepsRun, 4)
        XCTAssertNil(model.optimizerState, "a base model is fine-tuned, not resumed: no optimizer state")
        let pretrained = model.parameters()
        let tokenizer = try XCTUnwrap(model.dataModels).tokenizer

        let user = ref.series[1].returns.map { $0 * 20 }
        try model.adaptDataModels(to: [ReturnSeries(name: "user", values: user)], trainFraction: 0.8)
        let adapted = try XCTUnwrap(model.dataModels)
        XCTAssertTrue(adapted.tokenizer == tokenizer)
        XCTAssertEqual(model.parameters(), pretrained, "adapting keeps the network")
        let own = try ownVolatilityFit(Array(user.prefix(800)), tokenizer: tokenizer)
        XCTAssertEqual(try XCTUnwrap(adapted.volatility), own, "the filter and its generation parts are the new series' own fit")
        XCTAssertNotNil(adapted.volatility?.generationDynamics, "the recursion is matched on the new series (session 19)")

        let fine = try Trainer(model: model, options: TrainingOptions(steps: 2, batchSize: 4, seed: 3))
            .fit(series: [ReturnSeries(name: "user", values: user)])
        XCTAssertEqual(fine.stepsRun, 2)
        XCTAssertNotEqual(model.parameters(), pretrained)
        XCTAssertNotNil(model.optimizerState)
        try model.adaptDataModels(to: [ReturnSeries(name: "user", values: user)], trainFraction: 0.8)
        XCTAssertNil(model.optimizerState, "adapting starts a new run")
        XCTAssertTrue(model.history.records.isEmpty)
    }

    func testRefusals() throws {
        let ref = try reference()
        let corpus = ref.series.map { ReturnSeries(name: $0.name, values: $0.returns) }
        var v1 = corpusConfig(ref)
        v1.modelVersion = 1
        assertThrows(try CorpusEncoding.fit(corpus: corpus, config: v1), containing: ["pretraining needs model v2"])
        let v1Model = try ScenarioModel(config: ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1,
                                                            nHeads: 2, dFF: 32, nRegimes: 4), seed: 1)
        assertThrows(try v1Model.adaptDataModels(to: corpus, trainFraction: 0.8), containing: ["needs model v2"])
        var bad = corpus
        bad[1] = ReturnSeries(name: "broken", values: [0.01, .nan, 0.02])
        assertThrows(try CorpusEncoding.fit(corpus: bad, config: corpusConfig(ref)), containing: ["'broken'", "not finite"])
    }
}
