import XCTest
import Foundation
import TGFLCore
import TGFLTestSupport
@testable import TGFLFederated
@testable import TGFLFederation

/// A client whose new weights are `global + offset`, with a given example count.
struct OffsetClient: FederatedClient {
    let id: Int
    let numExamples: Int
    let offset: [Float]
    func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
        ClientUpdate(clientID: id, parameters: zip(global, offset).map { $0 + $1 }, numExamples: numExamples)
    }
    func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) { (1, numExamples) }
}

/// The DP mechanism against its accounting (issue #19) and secure aggregation's 2-participant rule (#13 item 8).
final class DPMechanismTests: XCTestCase {
    struct GridPoint: Decodable {
        let sigma: Double; let q: Double; let rounds: Int; let delta: Double
        let epsilon_pld: Double; let epsilon_rdp: Double
    }
    struct Mechanism: Decodable {
        let clients: Int; let expected_clients: Int; let noise_multiplier: Double; let sampling: String
        let adaptive: Bool; let rounds: Int; let delta: Double; let relation: String
        let epsilon_rdp: Double; let epsilon_pld: Double?; let epsilon: Double
    }
    struct Reference: Decodable { let pld: [GridPoint]; let mechanism: [Mechanism] }

    func reference() throws -> Reference { try loadJSONFixture("pld_reference.json", as: Reference.self) }

    // MARK: PLD accountant

    func testPLDAccountantMatchesDPAccountingOnTheGrid() throws {
        let ref = try reference()
        XCTAssertEqual(ref.pld.count, 72)
        var tighter = 0
        var worst = (pld: 0.0, rdp: 0.0)
        for c in ref.pld {
            let what = "σ \(c.sigma) q \(c.q) T \(c.rounds) δ \(c.delta)"
            let est = try PrivacyAccountant.estimate(noiseMultiplier: c.sigma, samplingRate: c.q, sampling: .poisson,
                                                     rounds: c.rounds, delta: c.delta)
            assertClose(try XCTUnwrap(est.pld), c.epsilon_pld, rtol: 0.01, "PLD " + what)
            assertClose(est.rdp, c.epsilon_rdp, rtol: 0.01, "RDP " + what)
            assertClose(est.epsilon, min(c.epsilon_pld, c.epsilon_rdp), rtol: 0.01, "reported " + what)
            if c.epsilon_pld < c.epsilon_rdp { tighter += 1 }
            worst.pld = max(worst.pld, abs(try XCTUnwrap(est.pld) / c.epsilon_pld - 1))
            worst.rdp = max(worst.rdp, abs(est.rdp / c.epsilon_rdp - 1))
        }
        print("PLD grid: max relative deviation from dp-accounting PLD \(worst.pld), RDP \(worst.rdp); PLD tighter at \(tighter)/72")
        XCTAssertGreaterThan(tighter, 36, "PLD should be the tighter accountant on most of the grid")
    }

    func testPLDStaysBoundedForExtremeSettings() throws {
        // Tiny σ or many rounds would need grids of 10⁷–10⁸ bins at h = 1e-4: h is coarsened
        // (still an upper bound), so ε stays finite and at least the exact q = 1 value's order.
        let tiny = try PLDAccountant.epsilon(noiseMultiplier: 0.05, samplingRate: 0.5, rounds: 10, delta: 1e-5)
        XCTAssertTrue(tiny.isFinite && tiny > 0, "\(tiny)")
        let rdp = try RDPAccountant.epsilon(noiseMultiplier: 0.05, samplingRate: 0.5, rounds: 10, delta: 1e-5,
                                            method: .poisson)
        XCTAssertLessThan(tiny, 1.5 * rdp, "coarsened PLD should stay near RDP")
        let many = try PLDAccountant.epsilon(noiseMultiplier: 0.6, samplingRate: 0.05, rounds: 300, delta: 1e-5)
        let manyRDP = try RDPAccountant.epsilon(noiseMultiplier: 0.6, samplingRate: 0.05, rounds: 300, delta: 1e-5,
                                                method: .poisson)
        XCTAssertTrue(many.isFinite && many > 0 && many <= manyRDP * 1.05, "PLD \(many) vs RDP \(manyRDP)")
        print("extreme settings: σ 0.05 q 0.5 T 10: PLD \(tiny), RDP \(rdp); σ 0.6 q 0.05 T 300: PLD \(many), RDP \(manyRDP)")
    }

    func testPLDEdgeCases() throws {
        XCTAssertEqual(try PLDAccountant.epsilon(noiseMultiplier: 1, samplingRate: 0, rounds: 5, delta: 1e-5), 0)
        XCTAssertEqual(try PLDAccountant.epsilon(noiseMultiplier: 1, samplingRate: 0.3, rounds: 0, delta: 1e-5), 0)
        XCTAssertEqual(try PLDAccountant.epsilon(noiseMultiplier: 0, samplingRate: 0.3, rounds: 1, delta: 1e-5), .infinity)
        XCTAssertThrowsError(try PLDAccountant.epsilon(noiseMultiplier: 1, samplingRate: 1.2, rounds: 1, delta: 1e-5)) {
            XCTAssertTrue("\($0)".contains("sampling rate"))
        }
        XCTAssertThrowsError(try PLDAccountant.epsilon(noiseMultiplier: 1, samplingRate: 0.5, rounds: 1, delta: 0)) {
            XCTAssertTrue("\($0)".contains("delta"))
        }
    }

    // MARK: The mechanism as implemented

    func testReportedEpsilonEqualsDPAccountingForEveryMechanismOption() throws {
        let ref = try reference()
        XCTAssertGreaterThanOrEqual(ref.mechanism.count, 8)
        let options = Set(ref.mechanism.map { "\($0.sampling) \($0.adaptive) \($0.expected_clients == $0.clients)" })
        XCTAssertEqual(options.count, 6, "every sampling × clipping × (q = 1 or not) option: \(options)")
        for m in ref.mechanism {
            let what = "\(m.sampling) N \(m.clients) m \(m.expected_clients) z \(m.noise_multiplier) adaptive \(m.adaptive)"
            let sampling = SamplingMethod(rawValue: m.sampling)!
            let clients: [any FederatedClient] = (0..<m.clients).map {
                QuadraticClient(id: $0, dimension: 4, numExamples: 5 + $0, seed: 3)
            }
            let strategy = FedAvg(sampling: SamplingConfig(fractionTrain: Double(m.expected_clients) / Double(m.clients)))
            let dp = DPConfig(noiseMultiplier: m.noise_multiplier, clippingNorm: 0.5, numSampledClients: m.expected_clients,
                              adaptive: m.adaptive ? AdaptiveClipping(initialClippingNorm: 0.5, clippedCountStddev: 5) : nil,
                              sampling: sampling)
            let sim = try FederatedSimulation(clients: clients, strategy: strategy, initialParameters: [0, 0, 0, 0],
                                              config: SimulationConfig(rounds: m.rounds, seed: 9, privacy: dp,
                                                                       privacyDelta: m.delta))
            let state = try sim.run()
            let record = try XCTUnwrap(state.privacyMechanism)
            XCTAssertEqual(record.neighbouring.rawValue, m.relation, what)
            XCTAssertEqual(record.denominator, m.expected_clients, what)
            XCTAssertEqual(record.weights, "equal (enforced)", what)
            XCTAssertEqual(state.privacyRounds, m.rounds, what)
            let est = try XCTUnwrap(try state.privacyEstimate(delta: m.delta))
            assertClose(est.rdp, m.epsilon_rdp, rtol: 0.01, "RDP " + what)
            if let p = m.epsilon_pld { assertClose(try XCTUnwrap(est.pld), p, rtol: 0.01, "PLD " + what) }
            else { XCTAssertNil(est.pld, what) }
            assertClose(try XCTUnwrap(state.history.last?.epsilon), m.epsilon, rtol: 0.01, "reported " + what)
            print("mechanism \(what): reported ε \(state.history.last?.epsilon ?? .nan), dp-accounting \(m.epsilon)")
        }
    }

    func testDPUsesEqualWeightsAndTheFixedDenominator() throws {
        // Regression (#19 items 1–2): the engine divided by the replies' example counts.
        let offsets: [[Float]] = [[0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.4]]
        var clients: [any FederatedClient] = (0..<3).map { OffsetClient(id: $0, numExamples: [1, 10, 100][$0], offset: offsets[$0]) }
        let dp = DPConfig(noiseMultiplier: 0, clippingNorm: 10, numSampledClients: 3)     // clip only, no noise
        let sampling = SamplingConfig(fractionTrain: 1)
        var sim = try FederatedSimulation(clients: clients, strategy: FedAvg(sampling: sampling), initialParameters: [1, 1, 1],
                                          config: SimulationConfig(rounds: 1, seed: 4, privacy: dp))
        var state = try sim.run()
        XCTAssertEqual(state.history[0].participants, [0, 1, 2])
        // Equal weights: 1 + offset/3 per coordinate (the weighted mean would give 1 + 0.4·100/111 = 1.36 for the last).
        assertClose(state.globalParameters.map(Double.init), [1 + 0.1 / 3, 1 + 0.2 / 3, 1 + 0.4 / 3], rtol: 1e-6,
                    "equal-weight mean")
        // A client that fails still leaves the denominator at m = 3 (not the 2 replies).
        clients[2] = BrokenClient(id: 2, kind: .throwing)
        sim = try FederatedSimulation(clients: clients, strategy: FedAvg(sampling: sampling), initialParameters: [1, 1, 1],
                                      config: SimulationConfig(rounds: 1, seed: 4, privacy: dp))
        state = try sim.run()
        XCTAssertEqual(state.history[0].participants, [0, 1])
        assertClose(state.globalParameters.map(Double.init), [1 + 0.1 / 3, 1 + 0.2 / 3, 1], rtol: 1e-6, "fixed denominator")
    }

    func testClippingBoundsEachClientsShareBySOverM() throws {
        // One client's huge update moves the mean by at most S/m (the sensitivity the accountant assumes).
        let clients: [any FederatedClient] = [OffsetClient(id: 0, numExamples: 1, offset: [1000, 0]),
                                               OffsetClient(id: 1, numExamples: 1, offset: [0, 0])]
        let dp = DPConfig(noiseMultiplier: 0, clippingNorm: 0.5, numSampledClients: 2)
        let state = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: [0, 0],
                                            config: SimulationConfig(rounds: 1, seed: 1, privacy: dp)).run()
        assertClose(state.globalParameters.map(Double.init), [0.25, 0], rtol: 1e-6, "S/m")
    }

    func testPoissonSamplingHasTheExpectedRate() throws {
        let n = 20, m = 5, rounds = 300
        let clients: [any FederatedClient] = (0..<n).map { OffsetClient(id: $0, numExamples: 1, offset: [0]) }
        let dp = DPConfig(noiseMultiplier: 0, clippingNorm: 1, numSampledClients: m)
        let state = try FederatedSimulation(clients: clients, strategy: FedAvg(sampling: SamplingConfig(fractionTrain: 0.25)),
                                            initialParameters: [0],
                                            config: SimulationConfig(rounds: rounds, seed: 8, privacy: dp)).run()
        let counts = state.history.map { Double($0.sampled.count) }
        let mean = counts.reduce(0, +) / Double(rounds)
        // Binomial(20, 0.25): mean 5, sd √3.75; the mean of 300 rounds has SE 0.112. Allow 4 SE.
        XCTAssertEqual(mean, 5, accuracy: 4 * (3.75 / Double(rounds)).squareRoot())
        XCTAssertGreaterThan(Set(counts).count, 3, "the sample size must vary under Poisson sampling")
        // Fixed-size sampling keeps exactly m.
        let fixed = try FederatedSimulation(
            clients: clients, strategy: FedAvg(sampling: SamplingConfig(fractionTrain: 0.25)), initialParameters: [0],
            config: SimulationConfig(rounds: 20, seed: 8,
                                     privacy: DPConfig(noiseMultiplier: 0, numSampledClients: m, sampling: .withoutReplacement)))
            .run()
        XCTAssertTrue(fixed.history.allSatisfy { $0.sampled.count == m })
    }

    func testNumSampledClientsMustBeTheSampleSize() {
        let clients: [any FederatedClient] = (0..<4).map { OffsetClient(id: $0, numExamples: 1, offset: [0]) }
        XCTAssertThrowsError(try FederatedSimulation(
            clients: clients, strategy: FedAvg(), initialParameters: [0],
            config: SimulationConfig(rounds: 1, seed: 1, privacy: DPConfig(noiseMultiplier: 1, numSampledClients: 2)))) {
            XCTAssertTrue("\($0)".contains("num_sampled_clients = 2"), "\($0)")
        }
    }

    // MARK: Strategies

    func testDPIsRefusedForStrategiesWithoutAProof() throws {
        let clients: [any FederatedClient] = (0..<6).map { OffsetClient(id: $0, numExamples: 1, offset: [0, 0]) }
        let refused: Set<StrategyKind> = [.fedmedian, .fedtrimmedavg, .krum, .multikrum, .bulyan, .qfedavg]
        for kind in StrategyKind.allCases {
            let strategy = try kind.makeStrategy()
            XCTAssertEqual(kind.supportsDifferentialPrivacy, !refused.contains(kind), kind.rawValue)
            XCTAssertEqual(strategy is any MeanBasedStrategy, kind.supportsDifferentialPrivacy, kind.rawValue)
            let config = SimulationConfig(rounds: 1, seed: 1, privacy: DPConfig(noiseMultiplier: 1, numSampledClients: 6))
            if refused.contains(kind) {
                XCTAssertThrowsError(try FederatedSimulation(clients: clients, strategy: strategy, initialParameters: [0, 0],
                                                             config: config), kind.rawValue) { e in
                    XCTAssertTrue("\(e)".contains("proven only for mean-based") && "\(e)".contains(strategy.name), "\(e)")
                }
            } else {
                let state = try FederatedSimulation(clients: clients, strategy: strategy, initialParameters: [0, 0],
                                                    config: config).run()
                XCTAssertNotNil(state.history.last?.epsilon, kind.rawValue)
            }
        }
    }

    func testFedProxDefaultsToFlowersZero() throws {
        // Regression (#19 item 4): the CLI/trainer/C/Python default was 0.1.
        XCTAssertEqual(try StrategyKind.fedprox.makeStrategy().proximalMu, 0.0)
        XCTAssertEqual(try StrategyKind.fedprox.makeStrategy(hyperparameters: ["proximal_mu": 0.2]).proximalMu, 0.2)
    }

    // MARK: Secure aggregation

    func testSecureAggregationRefusesASampleOfOne() {
        let one: [any FederatedClient] = [OffsetClient(id: 0, numExamples: 1, offset: [0])]
        let single = SamplingConfig(minTrainNodes: 1, minEvaluateNodes: 1, minAvailableNodes: 1)
        var config = SimulationConfig(rounds: 1, seed: 1)
        config.secureAggregation = true
        XCTAssertThrowsError(try FederatedSimulation(clients: one, strategy: FedAvg(sampling: single), initialParameters: [0],
                                                     config: config)) {
            XCTAssertTrue("\($0)".contains("at least 2 participants"), "\($0)")
        }
        let two: [any FederatedClient] = (0..<2).map { OffsetClient(id: $0, numExamples: 1, offset: [0]) }
        var half = single
        half.fractionTrain = 0.5
        XCTAssertThrowsError(try FederatedSimulation(clients: two, strategy: FedAvg(sampling: half), initialParameters: [0],
                                                     config: config)) {
            XCTAssertTrue("\($0)".contains("sample size is 1"), "\($0)")
        }
    }

    func testRoundsWithFewerThanTwoSurvivorsAreRecordedAsUnmasked() throws {
        let clients: [any FederatedClient] = (0..<4).map { OffsetClient(id: $0, numExamples: 1 + $0, offset: [Float($0) * 0.1, 0.05]) }
        let dp = DPConfig(noiseMultiplier: 0, clippingNorm: 10, numSampledClients: 2)
        var config = SimulationConfig(rounds: 16, seed: 5, privacy: dp)
        let plain = try FederatedSimulation(clients: clients, strategy: FedAvg(sampling: SamplingConfig(fractionTrain: 0.5)),
                                            initialParameters: [0, 0], config: config).run()
        config.secureAggregation = true
        let secure = try FederatedSimulation(clients: clients, strategy: FedAvg(sampling: SamplingConfig(fractionTrain: 0.5)),
                                             initialParameters: [0, 0], config: config).run()
        XCTAssertTrue(plain.history.allSatisfy { $0.masked == nil })
        for r in secure.history {
            XCTAssertEqual(r.masked, r.participants.count >= 2, "round \(r.round): \(r.participants)")
        }
        XCTAssertTrue(secure.history.contains { $0.masked == false }, "the test needs a round with < 2 participants")
        XCTAssertTrue(secure.history.contains { $0.masked == true })
        // The masked sum under DP equals the plain one (equal weights, fixed denominator).
        assertClose(secure.globalParameters.map(Double.init), plain.globalParameters.map(Double.init), rtol: 1e-6, atol: 1e-7,
                    "secure vs plain DP sum")
    }
}
