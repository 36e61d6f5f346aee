import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated
import TGFLFederation

/// `FederatedTrainingOptions.clientEncoding` (session 20): with `.ownFilter` every client encodes its
/// series by its own GJR filter and the shared tokenizer, as pretraining does. Outside reference:
/// `arch` and NumPy (Tests/Fixtures/make_pretraining_reference.py): the S&P 500 and USD/DEM, first
/// 1,000 returns each, each standardised by its own GJR-t filter, one tokenizer on the pooled z.
final class ClientEncodingTests: XCTestCase {
    typealias Reference = PretrainingReference

    /// V = 64 as in the reference; 8 levels; T = 16.
    static let config = ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                    nRegimes: 4).v2(levels: 8)

    /// The reference's two series, 1,250 days each: with validationFraction 0.2 the training span
    /// is the first 1,000, the reference's days.
    func members(_ ref: Reference) throws -> [ReturnSeries] {
        let bundled = try MarketData.bundledReturnSeries()
        return try ref.series.map { s in
            let full = try XCTUnwrap(bundled.first { $0.name == s.name }, s.name)
            let values = Array(full.values.prefix(1250))
            assertClose(Array(values.prefix(1000)), s.returns, rtol: 1e-12, atol: 1e-15, "\(s.name): the reference's days")
            return ReturnSeries(name: s.name, values: values)
        }
    }

    func options(_ encoding: ClientEncoding) -> FederatedTrainingOptions {
        var o = FederatedTrainingOptions()
        o.clientCount = 2; o.rounds = 4; o.localSteps = 1; o.batchSize = 4; o.maxValidationWindows = 4
        o.partition = .natural; o.validationFraction = 0.2; o.calibrateVolatility = false; o.seed = 7
        o.clientEncoding = encoding
        return o
    }

    /// Share of a client's training days whose token is within one bin of the reference token.
    func agreement(_ client: TransformerClient, _ s: Reference.Series) -> Double {
        let j = client.train.windows[0].seriesIndex
        let days = (client.train.windows.map(\.startDay).max() ?? 0) + client.train.contextLength + 1
        let tokens = client.train.seriesTokens[j].prefix(days)
        return Double(zip(tokens, s.tokens).filter { abs(Int($0) - Int($1)) <= 1 }.count) / Double(tokens.count)
    }

    /// `.ownFilter`: the server's tokenizer (from the clients' moments of their own z) is NumPy's on
    /// the pooled own z, every client's training tokens are the reference's (±1 bin), and its
    /// windows are exactly the encoding of its series by its own single-series data models (the
    /// shared tokenizer, `CorpusEncoding.ownFilters` on its training span; that filter is checked
    /// against arch in GARCHModelTests and PretrainingTests). The head bias is the prior of the
    /// summed own-encoded token counts; each own level holds an eighth of the client's training days.
    /// The default keeps the pooled windows, where the calm FX series sits in the low levels.
    func testOwnFilterClientsTrainOnTheirOwnEncoding() throws {
        let ref = try PretrainingReference.load()
        XCTAssertEqual(ref.vocab_size, Self.config.vocabSize)
        let series = try members(ref)
        let model = try ScenarioModel(config: Self.config, seed: 1)
        let federation = try FederatedTrainer(model: model, options: options(.ownFilter)).makeClients(series: series)
        let tokenizer = try XCTUnwrap(model.dataModels).tokenizer
        // Within 1e-4 of NumPy (measured: 6e-6 and 1e-5); the pooled filter's z give 0.0117 and 1.0060.
        assertClose([tokenizer.mean, tokenizer.std], [ref.z_mean, ref.z_std], rtol: 1e-3, atol: 1e-4,
                    "the shared tokenizer: pooled moments of the clients' own z")
        XCTAssertEqual(tokenizer.clipSigma, ref.clip_sigma)

        let pipeline = try DataPipeline(config: DataPipelineConfig(model: Self.config, trainFraction: 0.8))
        let own = try CorpusEncoding.ownFilters(trainingSpans: pipeline.trainingSpans(series), config: pipeline.config)
        var trainTokens: [[Int32]] = [], trainLevels: [[Int32]] = []
        for (j, client) in federation.clients.enumerated() {
            XCTAssertTrue(client.train.windows.allSatisfy { $0.seriesIndex == j })
            XCTAssertGreaterThanOrEqual(agreement(client, ref.series[j]), 0.99, "\(series[j].name): reference tokens")
            let expected = try DataModels(tokenizer: tokenizer, regimes: own[j].regimes, volatility: own[j].volatility)
                .encode(series[j].values)
            XCTAssertEqual(client.train.seriesTokens[j], expected.tokens, "\(series[j].name): own-filter tokens")
            XCTAssertEqual(client.train.seriesRegimes[j], expected.conditions, "\(series[j].name): own levels")
            XCTAssertEqual(client.validation.seriesTokens[j], expected.tokens, "\(series[j].name): validation too")
            trainTokens.append(Array(expected.tokens.prefix(1000)))
            trainLevels.append(Array(expected.conditions.prefix(1000)))
        }
        let prior = try ScenarioModel(config: Self.config, seed: 1)
        try prior.setOutputPrior(tokens: trainTokens, conditions: trainLevels)
        XCTAssertEqual(Array(try model.transformer.parameter(named: "head.bias")),
                       Array(try prior.transformer.parameter(named: "head.bias")), "output prior of the own-encoded counts")

        // The default: the pooled filter, the windows of main (the model's own data models).
        let pooledModel = try ScenarioModel(config: Self.config, seed: 1)
        let pooled = try FederatedTrainer(model: pooledModel, options: options(.pooledFilter)).makeClients(series: series)
        let old = try pipeline.prepare(series, models: try XCTUnwrap(pooledModel.dataModels), windowLength: 16)
        XCTAssertEqual(pooled.clients[1].train.seriesTokens, old.train.seriesTokens, "the default keeps the old windows")
        XCTAssertEqual(pooled.clients[1].train.seriesRegimes, old.train.seriesRegimes)
        // Own levels are the quantiles of the client's own σ: each of the 8 holds an eighth of its
        // training days. Under the pooled filter the calm FX series sits in the low levels.
        for (j, client) in federation.clients.enumerated() {
            let levels = client.train.seriesRegimes[j].prefix(1000)
            for l in 0..<8 {
                XCTAssertEqual(levels.filter { $0 == l }.count, 125, accuracy: 3, "\(series[j].name): own level \(l)")
            }
        }
        let fxLevels = pooled.clients[1].train.seriesRegimes[1].prefix(1000)
        XCTAssertGreaterThan(fxLevels.filter { $0 <= 2 }.count, 600, "pooled: the FX series in the lowest 3 of 8 levels")
    }

    /// The record says which encoding the clients used (absent for the default), and a run
    /// resumed from its checkpoint equals the uninterrupted one.
    func testRecordAndResume() throws {
        let ref = try PretrainingReference.load()
        let series = try members(ref)
        var o = options(.ownFilter)
        let straight = try ScenarioModel(config: Self.config, seed: 1)
        let report = try FederatedTrainer(model: straight, options: o).fit(series: series)
        XCTAssertTrue(report.federationJSON.contains("\"client_encoding\""), report.federationJSON)
        XCTAssertTrue(try XCTUnwrap(report.record.clientEncoding).hasPrefix("own_filter"))
        let plain = try FederatedTrainer(model: ScenarioModel(config: Self.config, seed: 1), options: options(.pooledFilter))
            .fit(series: series)
        XCTAssertFalse(plain.federationJSON.contains("client_encoding"))
        XCTAssertNotEqual(plain.record.clientTrainWindows, [], "the default trains too")

        let dir = try temporaryDirectory("tgfl-client-encoding")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fed.h5").path
        try cancelAfterRoundTwo(try ScenarioModel(config: Self.config, seed: 1), &o, series: series, checkpoint: path)
        let resumed = try ScenarioModel.load(from: path)
        _ = try FederatedTrainer(model: resumed, options: o).fit(series: series, resumeFrom: path)
        XCTAssertEqual(resumed.parameters(), straight.parameters(), "resumed run must equal the uninterrupted one")
        XCTAssertTrue(resumed.dataModels?.tokenizer == straight.dataModels?.tokenizer)
    }

    /// `.ownFilter` needs v2, the natural partition, and neither public data nor noised summaries:
    /// each refusal names the option.
    func testRefusalsNameTheOption() throws {
        func refused(_ o: FederatedTrainingOptions, _ config: ModelConfig = ClientEncodingTests.config,
                     _ words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            XCTAssertThrowsError(try FederatedTrainer(model: ScenarioModel(config: config, seed: 1), options: o),
                                 file: file, line: line) { e in
                for w in words { XCTAssertTrue("\(e)".contains(w), "\(e) should name \(w)", file: file, line: line) }
            }
        }
        let v1 = ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)
        try refused(options(.ownFilter), v1, ["own_filter", "v2"])
        var o = options(.ownFilter)
        o.partition = .iid
        try refused(o, Self.config, ["own_filter", "natural partition", "iid"])
        o = options(.ownFilter)
        o.publicData = [ReturnSeries(name: "public", values: (0..<600).map { sin(Double($0)) * 0.01 })]
        try refused(o, Self.config, ["own_filter", "publicData"])
        o = options(.ownFilter)
        o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 1, numSampledClients: 2)
        o.summaryNoiseMultiplier = 2
        try refused(o, Self.config, ["own_filter", "summaryNoiseMultiplier"])
        XCTAssertEqual(try ClientEncoding(parsing: "own"), .ownFilter)
        XCTAssertThrowsError(try ClientEncoding(parsing: "mine")) { XCTAssertTrue("\($0)".contains("pooled_filter, own_filter")) }
    }
}
