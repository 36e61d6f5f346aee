import XCTest
import TGFLCore
import TGFLTestSupport
@testable import TGFLFederated
@testable import TGFLFederation

/// Strategies against `strategy_reference.json` (NumPy re-implementation of Flower 1.42's
/// formulas, `Tests/Fixtures/make_strategy_reference.py`).
final class StrategyReferenceTests: XCTestCase {
    struct Round: Decodable { let offsets: [[Double]]; let num_examples: [Int]; let train_loss: [Double] }
    struct Case: Decodable { let params: [String: Double]; let globals: [[Double]] }
    struct Reference: Decodable { let initial: [Double]; let rounds: [Round]; let cases: [String: Case] }

    func makeStrategy(_ name: String, _ p: [String: Double]) -> any FederatedStrategy {
        switch name {
        case "FedAvg": return FedAvg()
        case "FedProx": return FedProx(proximalMu: p["proximal_mu"]!)
        case "FedAvgM", "FedAvgM_lr": return FedAvgM(serverLearningRate: p["server_learning_rate"]!, serverMomentum: p["server_momentum"]!)
        case "FedAdagrad": return FedOpt.fedAdagrad()
        case "FedAdam": return FedOpt.fedAdam()
        case "FedYogi": return FedOpt.fedYogi()
        case "FedMedian", "FedMedianEven": return FedMedian()
        case "FedTrimmedAvg", "FedTrimmedAvg0": return FedTrimmedAvg(beta: p["beta"]!)
        case "Krum": return MultiKrum.krum(numMaliciousNodes: Int(p["num_malicious_nodes"]!))
        case "MultiKrum": return MultiKrum(numMaliciousNodes: Int(p["num_malicious_nodes"]!), numNodesToSelect: Int(p["num_nodes_to_select"]!))
        case "Bulyan": return Bulyan(numMaliciousNodes: Int(p["num_malicious_nodes"]!))
        case "QFedAvg", "QFedAvg_q1": return QFedAvg(clientLearningRate: p["client_learning_rate"]!, q: p["q"]!)
        default: fatalError("unknown case \(name)")
        }
    }

    func testStrategiesMatchNumPyReference() throws {
        let ref = try loadJSONFixture("strategy_reference.json", as: Reference.self)
        XCTAssertEqual(ref.cases.count, 16)
        for (name, c) in ref.cases.sorted(by: { $0.key < $1.key }) {
            var strategy = makeStrategy(name, c.params)
            let k = Int(c.params["clients"] ?? Double(ref.rounds[0].offsets.count))
            try strategy.validate(sampleSize: k)
            var global = ref.initial.map(Float.init)
            for (t, r) in ref.rounds.enumerated() {
                let updates = (0..<k).map { i in
                    ClientUpdate(clientID: i,
                                 parameters: zip(global, r.offsets[i]).map { Float(Double($0) + Double(Float($1))) },
                                 numExamples: r.num_examples[i], metrics: ["train_loss": r.train_loss[i]])
                }
                global = try strategy.aggregate(round: t + 1, global: global, updates: updates)
                assertClose(global.map(Double.init), c.globals[t], rtol: 1e-6, atol: 1e-6, "\(name) round \(t + 1)")
            }
        }
    }

    func testFlowerDefaults() {
        let adam = FedOpt.fedAdam(), yogi = FedOpt.fedYogi(), ada = FedOpt.fedAdagrad()
        XCTAssertEqual([adam.eta, adam.etaL, adam.beta1, adam.beta2, adam.tau], [0.1, 0.1, 0.9, 0.99, 1e-3])
        XCTAssertEqual([yogi.eta, yogi.etaL, yogi.beta1, yogi.beta2, yogi.tau], [0.01, 0.0316, 0.9, 0.99, 1e-3])
        XCTAssertEqual([ada.eta, ada.etaL, ada.beta1, ada.tau], [0.1, 0.1, 0, 1e-3])
        XCTAssertEqual(FedAvgM().serverLearningRate, 1.0); XCTAssertEqual(FedAvgM().serverMomentum, 0.0)
        XCTAssertEqual(FedProx().proximalMu, 0.0)
        XCTAssertEqual(FedTrimmedAvg().beta, 0.2)
        XCTAssertEqual(MultiKrum().numMaliciousNodes, 0); XCTAssertEqual(MultiKrum().numNodesToSelect, 1)
        XCTAssertEqual(Bulyan().numMaliciousNodes, 0)
        XCTAssertEqual(QFedAvg(clientLearningRate: 0.1).q, 0.1)
        XCTAssertEqual(QFedAvg(clientLearningRate: 0.1).trainLossKey, "train_loss")
        let s = SamplingConfig()
        XCTAssertEqual([s.fractionTrain, s.fractionEvaluate], [1.0, 1.0])
        XCTAssertEqual([s.minTrainNodes, s.minEvaluateNodes, s.minAvailableNodes], [2, 2, 2])
        XCTAssertEqual(MultiKrum.krum().name, "Krum")
        XCTAssertEqual(MultiKrum(numNodesToSelect: 2).name, "MultiKrum")
    }

    func testImpossibleParametersNameTheBound() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try MultiKrum.krum(numMaliciousNodes: 2).validate(sampleSize: 6) }.contains("2·f + 2 = 6"))
        XCTAssertEqual(message { try MultiKrum.krum(numMaliciousNodes: 2).validate(sampleSize: 7) }, "")
        XCTAssertTrue(message { try Bulyan(numMaliciousNodes: 1).validate(sampleSize: 6) }.contains("4·f + 3 = 7"))
        XCTAssertEqual(message { try Bulyan(numMaliciousNodes: 1).validate(sampleSize: 7) }, "")
        XCTAssertTrue(message { try FedTrimmedAvg(beta: 0.5).validate(sampleSize: 5) }.contains("beta = 0.5 must be in [0, 0.5)"))
        XCTAssertTrue(message { try FedTrimmedAvg(beta: -0.1).validate(sampleSize: 5) }.contains("beta"))
        XCTAssertTrue(message { try FedOpt.fedAdam(beta1: 1.0).validate(sampleSize: 5) }.contains("beta_1"))
        XCTAssertTrue(message { try FedOpt.fedYogi(tau: 0).validate(sampleSize: 5) }.contains("tau"))
        XCTAssertTrue(message { try FedOpt.fedAdagrad(eta: -1).validate(sampleSize: 5) }.contains("eta"))
        XCTAssertTrue(message { try FedAvgM(serverMomentum: 1.5).validate(sampleSize: 5) }.contains("server_momentum"))
        XCTAssertTrue(message { try FedAvgM(serverLearningRate: 0).validate(sampleSize: 5) }.contains("server_learning_rate"))
        XCTAssertTrue(message { try FedProx(proximalMu: -1).validate(sampleSize: 5) }.contains("proximal_mu"))
        XCTAssertTrue(message { try QFedAvg(clientLearningRate: 0).validate(sampleSize: 5) }.contains("client_learning_rate"))
        XCTAssertTrue(message { try MultiKrum(numNodesToSelect: 9).validate(sampleSize: 5) }.contains("num_nodes_to_select"))
        XCTAssertTrue(message { try FedAvg(sampling: SamplingConfig(fractionTrain: 0)).validate(sampleSize: 5) }.contains("fraction_train"))
        XCTAssertTrue(message { try FedAvg(sampling: SamplingConfig(fractionTrain: 1.5)).validate(sampleSize: 5) }.contains("fraction_train"))
    }

    func testSamplingFollowsFlower() throws {
        // sample_size = max(floor(N·fraction_train), min_train_nodes)
        XCTAssertEqual(try SamplingConfig(fractionTrain: 0.3, minTrainNodes: 2).trainSampleSize(available: 10), 3)
        XCTAssertEqual(try SamplingConfig(fractionTrain: 0.1, minTrainNodes: 2).trainSampleSize(available: 10), 2)
        XCTAssertEqual(try SamplingConfig(fractionTrain: 0.55, minTrainNodes: 1).trainSampleSize(available: 10), 5)
        XCTAssertThrowsError(try SamplingConfig(minTrainNodes: 5).trainSampleSize(available: 4)) { e in
            XCTAssertTrue("\(e)".contains("too few clients"))
        }
        XCTAssertThrowsError(try SamplingConfig(minAvailableNodes: 6).trainSampleSize(available: 5))
        XCTAssertEqual(SamplingConfig(fractionEvaluate: 0).evaluateSampleSize(available: 9), 0)
        XCTAssertEqual(SamplingConfig(fractionEvaluate: 0.5).evaluateSampleSize(available: 9), 4)
    }

    func testQFedAvgNeedsTrainLoss() {
        var s = QFedAvg(clientLearningRate: 0.1)
        let u = ClientUpdate(clientID: 3, parameters: [1, 2], numExamples: 1, metrics: [:])
        XCTAssertThrowsError(try s.aggregate(round: 1, global: [0, 0], updates: [u])) { e in
            XCTAssertTrue("\(e)".contains("client 3") && "\(e)".contains("train_loss"))
        }
    }
}
