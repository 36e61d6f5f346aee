import XCTest
import Foundation
import TGFLCore
import TGFLTestSupport
@testable import TGFLFederated
@testable import TGFLFederation

/// Federated training of the transformer on synthetic GARCH "institutions" with a tiny model.
final class TransformerFederatedTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)

    /// Four GARCH(1,1) series of 300 days (one per institution), seeded.
    func institutions(_ n: Int = 4, days: Int = 300) throws -> [[Double]] {
        try GARCHGenerator().paths(count: n, length: days, seed: 7)
    }

    func options(rounds: Int = 4, clients: Int = 4) -> FederatedTrainingOptions {
        var o = FederatedTrainingOptions()
        o.clientCount = clients
        o.rounds = rounds
        o.localSteps = 4
        o.batchSize = 8
        o.learningRate = 1e-2
        o.partition = .natural
        o.maxValidationWindows = 16
        o.seed = 5
        return o
    }

    func run(_ o: FederatedTrainingOptions, series: [[Double]]) throws -> (ScenarioModel, FederatedTrainingReport) {
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        let report = try FederatedTrainer(model: model, options: o).fit(series: series)
        return (model, report)
    }

    func testGlobalValidationLossFalls() throws {
        let (model, report) = try run(options(rounds: 5), series: try institutions())
        let losses = report.rounds.compactMap(\.validationLoss)
        XCTAssertEqual(losses.count, 5)
        // An untrained GPT-2-initialised model predicts ≈ uniformly: loss ≈ ln V.
        XCTAssertLessThan(losses.last!, log(16.0) - 0.5, "global validation loss must fall well below ln V")
        XCTAssertLessThan(losses.last!, losses.first!, "global validation loss must fall over the rounds")
        XCTAssertNotEqual(model.parameters(), try ScenarioModel(config: Self.tiny, seed: 1).parameters())
        XCTAssertTrue(model.isFitted)
    }

    func testBitIdenticalForOneAndTwoThreads() throws {
        var o = options(rounds: 2)
        o.threads = 1
        let (a, ra) = try run(o, series: try institutions())
        o.threads = 2
        let (b, rb) = try run(o, series: try institutions())
        XCTAssertEqual(a.parameters(), b.parameters())
        XCTAssertEqual(ra.rounds.map(\.validationLoss), rb.rounds.map(\.validationLoss))
    }

    func testProximalGradientIsMuTimesDistanceToGlobal() throws {
        // ∇ (μ/2)‖w − w_g‖² = μ (w − w_g), added to the loss gradient.
        let w: [Float] = [1.0, -2.0, 0.5, 3.0]
        let wg: [Float] = [0.5, -1.0, 0.5, -1.0]
        var g: [Float] = [0.1, 0.2, -0.3, 0.0]
        let mu = 0.25
        g.withUnsafeMutableBufferPointer { gb in
            w.withUnsafeBufferPointer { wb in TransformerClient.addProximalGradient(gb, parameters: wb, global: wg, mu: mu) }
        }
        let expected: [Float] = [0.225, -0.05, -0.3, 1.0]   // g + 0.25·(w − w_g)
        assertClose(g, expected, rtol: 1e-6, atol: 1e-7, "proximal gradient")
    }

    func testFedProxPullsLocalWeightsTowardsTheGlobalModel() throws {
        let trainer = try FederatedTrainer(model: ScenarioModel(config: Self.tiny, seed: 1), options: options())
        let client = try trainer.makeClients(series: try institutions()).clients[0]
        let global = trainer.model.parameters()
        func distance(_ mu: Double) throws -> Double {
            let u = try client.fit(global: global, config: FitConfig(round: 1, localSteps: 6, learningRate: 1e-2,
                                                                    proximalMu: mu, seed: 9))
            return zip(u.parameters, global).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        }
        let free = try distance(0), pulled = try distance(100)
        XCTAssertGreaterThan(free, 0)
        XCTAssertLessThan(pulled, free, "a large proximal μ must keep the local weights closer to the global ones")
    }

    /// A client that always returns NaN weights.
    struct PoisonedClient: FederatedClient {
        let inner: TransformerClient
        var id: Int { inner.id }
        var numExamples: Int { inner.numExamples }
        func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
            var u = try inner.fit(global: global, config: config)
            u.parameters[3] = .nan
            return u
        }
        func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) { try inner.evaluate(global: global) }
    }

    func testNaNClientIsRejectedAndTheRoundGoesOn() throws {
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        let trainer = try FederatedTrainer(model: model, options: options())
        var clients: [any FederatedClient] = try trainer.makeClients(series: try institutions()).clients
        clients[1] = PoisonedClient(inner: clients[1] as! TransformerClient)
        let sim = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: model.parameters(),
                                          config: SimulationConfig(rounds: 2, seed: 3, localSteps: 2, learningRate: 1e-2))
        let state = try sim.run()
        XCTAssertEqual(state.completedRounds, 2)
        for r in state.history {
            XCTAssertEqual(r.rejected.map(\.clientID), [1])
            XCTAssertTrue(r.rejected[0].reason.contains("non-finite"), r.rejected[0].reason)
            XCTAssertEqual(r.participants, [0, 2, 3])
            XCTAssertNil(r.skippedReason)
            XCTAssertTrue(r.validationLoss?.isFinite ?? false)
        }
        XCTAssertTrue(state.globalParameters.allSatisfy(\.isFinite))
    }

    func testBadInputsThrowClearErrors() throws {
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        var o = options()
        o.clientCount = 0
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: o)) { XCTAssertTrue("\($0)".contains("clients")) }
        for f in [0.0, 1.5, -0.1] {
            o = options()
            o.sampling.fractionTrain = f
            XCTAssertThrowsError(try FederatedTrainer(model: model, options: o)) {
                XCTAssertTrue("\($0)".contains("fractionTrain"), "\($0)")
            }
        }
        // Natural partition: institution 2 has too few days (25: 4 training windows of 17 days).
        var series = try institutions()
        series[2] = Array(series[2].prefix(25))
        o = options()
        o.minPartitionWindows = 10
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: o).fit(series: series)) {
            XCTAssertTrue("\($0)".contains("client 2"), "\($0)")
        }
        // ... and 10 days are too few even for the regime window: the error still names the client.
        series[2] = Array(series[2].prefix(10))
        XCTAssertThrowsError(try FederatedTrainer(model: ScenarioModel(config: Self.tiny, seed: 1), options: options())
            .fit(series: series)) { XCTAssertTrue("\($0)".contains("client 2"), "\($0)") }
        // IID over more clients than windows: the partitioner names the empty client.
        o = options()
        o.partition = .iid
        o.clientCount = 4
        o.minPartitionWindows = 300
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: o).fit(series: try institutions())) {
            XCTAssertTrue("\($0)".contains("client"), "\($0)")
        }
        // Krum needs n ≥ 2f + 3 replies: f = 1 with 4 clients is impossible.
        o = options()
        o.strategy = .krum
        o.hyperparameters = ["num_malicious_nodes": 1]
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: o).fit(series: try institutions())) {
            XCTAssertTrue("\($0)".lowercased().contains("krum"), "\($0)")
        }
        // DP with a strategy whose sensitivity is not proven is refused before any work (#19 item 3).
        o = options()
        o.strategy = .fedmedian
        o.privacy = DPConfig(noiseMultiplier: 1, numSampledClients: 4)
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: o)) {
            XCTAssertTrue("\($0)".contains("proven only for mean-based") && "\($0)".contains("fedmedian"), "\($0)")
        }
        // No series, NaN returns.
        XCTAssertThrowsError(try FederatedTrainer(model: model, options: options()).fit(series: [[Double]]()))
        series = try institutions()
        series[0][10] = .nan
        XCTAssertThrowsError(try FederatedTrainer(model: ScenarioModel(config: Self.tiny, seed: 1), options: options())
            .fit(series: series)) { XCTAssertTrue("\($0)".contains("series 'series_0': return [10]"), "\($0)") }
    }

    /// Bad input "partitions too small for one window": every path names the client and the fix.
    func testPartitionsTooSmallForOneWindowNameTheClient() throws {
        // Natural partition, context 32: institution 2 has 32 days, so its training span (25 days)
        // holds no window of 33 days (the regime window of 20 days still fits).
        let wide = ModelConfig(vocabSize: 16, contextLength: 32, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)
        var series = try institutions()
        series[2] = Array(series[2].prefix(32))
        XCTAssertThrowsError(try FederatedTrainer(model: ScenarioModel(config: wide, seed: 1), options: options())
            .fit(series: series)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("client 2") && m.contains("0 training windows") && m.contains("at least 33 training days"), m)
        }
        // Time periods: more clients than distinct window start days (4 × ~224).
        var o = options()
        o.partition = .timePeriods
        o.clientCount = 1000
        XCTAssertThrowsError(try FederatedTrainer(model: ScenarioModel(config: Self.tiny, seed: 1), options: o)
            .fit(series: try institutions())) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("1000 clients") && m.contains("fewer clients"), m)
        }
        // A client built by hand with no training window.
        let pool = TransformerWorkspacePool(config: Self.tiny)
        let empty = try WindowDataset(tokens: [[1, 2, 3]], regimes: [[0, 0, 0]], contextLength: 16)
        XCTAssertThrowsError(try TransformerClient(id: 3, train: empty, validation: empty, settings: LocalTrainingSettings(),
                                                   pool: pool)) { e in
            XCTAssertTrue("\(e)".contains("client 3 has no training window"), "\(e)")
        }
    }

    func testResumeContinuesTheSameRun() throws {
        let series = try institutions()
        var o = options(rounds: 4)
        o.strategy = .fedavgm
        o.hyperparameters = ["server_momentum": 0.9]
        let (straight, _) = try run(o, series: series)

        let dir = try temporaryDirectory("tgfl-fedint")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fed.h5").path
        let first = try ScenarioModel(config: Self.tiny, seed: 1)
        try cancelAfterRoundTwo(first, &o, series: series.enumerated().map { ReturnSeries(name: "series_\($0)", values: $1) },
                                checkpoint: path)
        let federation = try XCTUnwrap(first.federationRecord())
        XCTAssertEqual(federation.completedRounds, 2)
        XCTAssertTrue(federation.cancelled)
        // The periodic checkpoint holds the run's state as the named section Core stores blindly.
        let periodic = try Checkpoint.load(from: path)
        XCTAssertEqual(try periodic.federationState(path: path)?.completedRounds, 2)
        XCTAssertNotNil(periodic.extensions[FederationStateCodec.sectionName])

        let resumed = try ScenarioModel.load(from: path)
        let report = try FederatedTrainer(model: resumed, options: o).fit(series: series, resumeFrom: path)
        XCTAssertEqual(report.rounds.count, 4)
        XCTAssertEqual(resumed.parameters(), straight.parameters(), "resumed run must equal the uninterrupted one")
    }

    /// restoreBestRound: the model gets the global weights of the round with the lowest global
    /// validation loss — the same bits as a run of exactly that many rounds.
    func testRestoreBestRoundKeepsTheBestGlobalModel() throws {
        let series = try institutions(days: 120)
        var o = options(rounds: 12)
        o.learningRate = 3e-2
        o.restoreBestRound = true
        let (model, report) = try run(o, series: series)
        let losses = report.rounds.map { $0.validationLoss ?? .infinity }
        let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
        XCTAssertLessThan(best, 12, "this run must overfit, so that the best is not the last round")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(model.records["federation"]!.utf8)) as? [String: Any])
        XCTAssertEqual(obj["best_round"] as? Int, best)
        XCTAssertEqual(obj["restore_best_round"] as? Bool, true)

        var short = o
        short.rounds = best
        short.restoreBestRound = false
        let (reference, _) = try run(short, series: series)
        XCTAssertEqual(model.parameters(), reference.parameters(), "restored = the run stopped at the best round")

        o.restoreBestRound = false
        let (last, lastReport) = try run(o, series: series)
        XCTAssertNotEqual(last.parameters(), model.parameters())
        let lastObj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lastReport.federationJSON.utf8)) as? [String: Any])
        XCTAssertNil(lastObj["best_round"], "format version 2 leaves a missing number out")
        XCTAssertNil(lastReport.record.bestRound)
    }

    func testFederationJSONRecordsStrategyRoundsClientsAndPrivacy() throws {
        var o = options(rounds: 2)
        o.strategy = .fedprox
        o.hyperparameters = ["proximal_mu": 0.05]
        o.privacy = DPConfig(noiseMultiplier: 1.0, clippingNorm: 1.0, numSampledClients: 4)
        o.privacyDelta = 1e-5
        let (model, report) = try run(o, series: try institutions())
        let json = try XCTUnwrap(model.records[FederationRecord.recordName])
        XCTAssertEqual(json, report.federationJSON)
        XCTAssertEqual(try model.federationRecord(), report.record)
        XCTAssertEqual(try FederationRecord.fromJSON(json).version, 2)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let strategy = try XCTUnwrap(obj["strategy"] as? [String: Any])
        XCTAssertEqual(strategy["name"] as? String, "FedProx")
        XCTAssertEqual((strategy["hyperparameters"] as? [String: Double])?["proximal_mu"], 0.05)
        XCTAssertEqual(obj["rounds"] as? Int, 2)
        XCTAssertEqual(obj["clients"] as? Int, 4)
        XCTAssertEqual(obj["delta"] as? Double, 1e-5)
        XCTAssertEqual((obj["history"] as? [Any])?.count, 2)
        // Every client sampled every round (Poisson, q = 1), z = 1, 2 rounds: dp-accounting's ε for
        // that mechanism (Tests/Fixtures/make_pld_reference.py, the 4-client entry).
        struct Mechanism: Decodable { let clients: Int; let rounds: Int; let sampling: String; let epsilon: Double }
        struct Ref: Decodable { let mechanism: [Mechanism] }
        let expected = try XCTUnwrap(loadJSONFixture("pld_reference.json", as: Ref.self).mechanism
            .first { $0.clients == 4 && $0.rounds == 2 && $0.sampling == "poisson" }).epsilon
        let eps = try XCTUnwrap(obj["epsilon"] as? Double)
        assertClose(eps, expected, rtol: 0.01, "epsilon")
        assertClose(try XCTUnwrap(report.epsilon), expected, rtol: 0.01, "report epsilon")
        let privacy = try XCTUnwrap(obj["privacy"] as? [String: Any])
        let mechanism = try XCTUnwrap(privacy["mechanism"] as? [String: Any])
        XCTAssertEqual(mechanism["neighbouring_relation"] as? String, "add_remove")
        XCTAssertEqual(mechanism["sampling"] as? String, "poisson")
        XCTAssertEqual(mechanism["weights"] as? String, "equal (enforced)")
        XCTAssertEqual(mechanism["denominator"] as? String, "fixed: 4 expected clients")
        XCTAssertNotNil(privacy["epsilon_pld"] as? Double)
    }

    func testDataModelsFromSummariesMatchThePooledFit() throws {
        let series = try institutions(3, days: 500)
        let grid = VolatilityGrid()
        let summaries = try series.map { try LocalDataSummary(trainingReturns: $0, window: 20, grid: grid) }
        let tok = try FederatedDataModels.tokenizer(summaries, vocabSize: 64)
        let pooledTok = try ReturnTokenizer.fit(trainingReturns: series, vocabSize: 64)
        assertClose(tok.mean, pooledTok.mean, rtol: 1e-10, atol: 1e-15, "tokenizer mean")
        assertClose(tok.std, pooledTok.std, rtol: 1e-10, "tokenizer std")
        let regimes = try FederatedDataModels.regimeModel(summaries, grid: grid, names: RegimeModel.defaultNames,
                                                          window: 20, quantileLevels: RegimeModel.defaultQuantileLevels)
        let pooled = try RegimeModel.fit(trainingReturns: series)
        // Within one log-grid bin: relative width 10^(5/4000) − 1 ≈ 0.29 %.
        assertClose(regimes.thresholds, pooled.thresholds, rtol: 0.003, atol: 0, "regime thresholds")
    }

    /// The server sums the series' token counts: on the S&P 500 split by time across 8 clients,
    /// head.bias equals SciPy's prior of the pooled training span
    /// (Tests/Fixtures/make_token_prior_reference.py), as central training gets.
    func testOutputPriorFromSummedTokenCountsMatchesSciPy() throws {
        struct Case: Decodable { let log_p: [Double] }
        let ref: [String: Case] = try loadJSONFixture("token_prior_reference.json")
        var o = options(rounds: 1, clients: 8)
        o.partition = .timePeriods
        o.validationFraction = 0.2
        o.sequenceLength = 16
        let config = ModelConfig(vocabSize: 512, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32, nRegimes: 4)
        let model = try ScenarioModel(config: config, seed: 1)
        _ = try FederatedTrainer(model: model, options: o).makeClients(series: [try MarketData.sp500().logReturns().values])
        let bias = try model.transformer.parameter(named: "head.bias")
        for k in 0..<512 { assertClose(Double(bias[k]), ref["sp500"]!.log_p[k], rtol: 1e-6, "head.bias[\(k)]") }

        o.outputPrior = false
        let plain = try ScenarioModel(config: config, seed: 1)
        _ = try FederatedTrainer(model: plain, options: o).makeClients(series: [try MarketData.sp500().logReturns().values])
        XCTAssertTrue(try plain.transformer.parameter(named: "head.bias").allSatisfy { $0 == 0 })
    }

    func testStrategyKindAndPartitionParsing() throws {
        let names = try StrategyKind.allCases.map { try $0.makeStrategy(clientLearningRate: 0.01).name }
        XCTAssertEqual(names, ["FedAvg", "FedAvgM", "FedProx", "FedAdagrad", "FedAdam", "FedYogi", "FedMedian",
                               "FedTrimmedAvg", "Krum", "Krum", "Bulyan", "QFedAvg"])
        XCTAssertEqual(try StrategyKind(parsing: "FedTrimmedAvg"), .fedtrimmedavg)
        XCTAssertThrowsError(try StrategyKind(parsing: "fedsgd")) { XCTAssertTrue("\($0)".contains("fedavg, fedavgm")) }
        let prox = try StrategyKind.fedprox.makeStrategy(hyperparameters: ["proximal_mu": 0.3])
        XCTAssertEqual(prox.proximalMu, 0.3)
        let mk = try StrategyKind.multikrum.makeStrategy(hyperparameters: ["num_malicious_nodes": 1, "num_nodes_to_select": 3])
        XCTAssertEqual(mk.name, "MultiKrum")
        XCTAssertThrowsError(try StrategyKind.fedavg.makeStrategy(hyperparameters: ["proximal_mu": 0.1])) {
            XCTAssertTrue("\($0)".contains("proximal_mu"))
        }
        XCTAssertThrowsError(try StrategyKind.krum.makeStrategy(hyperparameters: ["num_malicious_nodes": 1.5]))
        XCTAssertEqual(try PartitionScheme(parsing: "dirichlet:0.3"), .dirichlet(alpha: 0.3))
        XCTAssertEqual(try PartitionScheme(parsing: "pathological:2"), .pathological(regimesPerClient: 2))
        XCTAssertEqual(try PartitionScheme(parsing: "time"), .timePeriods)
        XCTAssertEqual(try PartitionScheme(parsing: "Exponential"), .sizeSkew(.exponential))
        for bad in ["dirichlet:-1", "pathological:x", "iid:3", "random"] {
            XCTAssertThrowsError(try PartitionScheme(parsing: bad)) { XCTAssertTrue("\($0)".contains("valid:"), "\($0)") }
        }
    }

    func testOlderCheckpointsLoadWithoutFederationState() throws {
        let checkpoint = try Checkpoint.load(from: fixtureURL("h5py_checkpoint.h5").path)
        XCTAssertNil(try checkpoint.federationState(path: "h5py_checkpoint.h5"))
        XCTAssertEqual(checkpoint.extensions, [:])
    }
}

/// A fresh temporary directory (the caller removes it).
func temporaryDirectory(_ prefix: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Runs the federation with a periodic checkpoint every 2 rounds at `checkpoint` (set in `options`)
/// and cancels it after round 2: the checkpoint then holds the state to resume from.
func cancelAfterRoundTwo(_ model: ScenarioModel, _ options: inout FederatedTrainingOptions, series: [ReturnSeries],
                         checkpoint: String, file: StaticString = #filePath, line: UInt = #line) throws {
    options.checkpointEvery = 2
    options.checkpointPath = checkpoint
    XCTAssertThrowsError(try FederatedTrainer(model: model, options: options).fit(series: series) { $0.round < 2 },
                         file: file, line: line) {
        XCTAssertEqual("\($0)", "\(TGFLError.cancelled)", file: file, line: line)
    }
}
