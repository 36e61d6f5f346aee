import XCTest
import Foundation
import TGFLCore
import TGFLTestSupport
@testable import TGFLFederated
@testable import TGFLFederation

/// A client that misbehaves in a fixed way (for rejection tests).
struct BrokenClient: FederatedClient {
    enum Kind: Sendable { case nan, wrongLength, throwing }
    let id: Int
    let numExamples = 10
    let kind: Kind
    func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
        switch kind {
        case .nan: var p = global; p[1] = .nan; return ClientUpdate(clientID: id, parameters: p, numExamples: 10)
        case .wrongLength: return ClientUpdate(clientID: id, parameters: global + [0], numExamples: 10)
        case .throwing: throw TGFLError.invalidArgument("out of memory (simulated)")
        }
    }
    func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) { (1, 10) }
}

final class SimulationTests: XCTestCase {
    let dim = 16

    func quadraticClients(_ n: Int, noise: Double = 0) -> [any FederatedClient] {
        (0..<n).map { QuadraticClient(id: $0, dimension: dim, numExamples: 10 + 7 * $0, seed: 42, spread: 1, noiseStd: noise) }
    }

    func testFedAvgOneExactStepLandsOnTheWeightedMeanOfTargets() throws {
        // One SGD step with lr = 1 on ½‖w − c_i‖² returns c_i exactly, so FedAvg gives Σ n_i c_i / Σ n_i.
        let clients = quadraticClients(5)
        let sim = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: [Float](repeating: 0.5, count: dim),
                                          config: SimulationConfig(rounds: 1, seed: 1, localSteps: 1, learningRate: 1))
        let state = try sim.run()
        let qs = clients.map { $0 as! QuadraticClient }
        let total = Double(qs.reduce(0) { $0 + $1.numExamples })
        let expected = (0..<dim).map { k in qs.reduce(0.0) { $0 + Double($1.numExamples) * Double($1.target[k]) } / total }
        assertClose(state.globalParameters.map(Double.init), expected, rtol: 1e-6, atol: 1e-6, "weighted mean of targets")
        // Validation loss is the example-weighted mean of the clients' evaluate().
        let vl = qs.reduce(0.0) { $0 + Double($1.numExamples) * (try! $1.evaluate(global: state.globalParameters).loss) } / total
        assertClose(state.history[0].validationLoss!, vl, rtol: 1e-12, "weighted validation loss")
        XCTAssertEqual(state.history[0].bytesDown, 4 * dim * 5)
        XCTAssertEqual(state.history[0].bytesUp, 4 * dim * 5)
        XCTAssertNotNil(state.history[0].trainMetrics["train_loss"])
    }

    func testClientHonoursProximalMu() throws {
        // Many small steps converge to the minimiser of ½‖w − c‖² + (μ/2)‖w − g‖²: (c + μ g) / (1 + μ).
        let c = QuadraticClient(id: 0, dimension: dim, numExamples: 1, seed: 9)
        let g = [Float](repeating: 2, count: dim)
        let u = try c.fit(global: g, config: FitConfig(round: 1, localSteps: 400, learningRate: 0.05, proximalMu: 3, seed: 1))
        let expected = (0..<dim).map { (Double(c.target[$0]) + 3 * 2) / 4 }
        assertClose(u.parameters.map(Double.init), expected, rtol: 1e-4, atol: 1e-4, "FedProx fixed point")
        var sim = try FederatedSimulation(clients: [c, QuadraticClient(id: 1, dimension: dim, numExamples: 1, seed: 9)],
                                          strategy: FedProx(proximalMu: 0.7), initialParameters: g,
                                          config: SimulationConfig(rounds: 1, seed: 1))
        XCTAssertEqual(sim.strategy.proximalMu, 0.7)
        _ = sim
        sim = try FederatedSimulation(clients: [c], strategy: FedAvg(sampling: SamplingConfig(minTrainNodes: 1, minEvaluateNodes: 1, minAvailableNodes: 1)),
                                      initialParameters: g, config: SimulationConfig(rounds: 1, seed: 1))
        XCTAssertEqual(sim.strategy.proximalMu, 0)
    }

    func busyConfig(threads: Int, rounds: Int = 6) -> SimulationConfig {
        SimulationConfig(rounds: rounds, seed: 2024, localSteps: 3, learningRate: 0.3, threads: threads,
                         faults: FaultConfig(dropoutProbability: 0.15, deadline: 2.0, baseTime: 1, timeSpread: 0.6,
                                             byzantine: [3: .gaussianNoise(std: 0.5)]),
                         privacy: DPConfig(noiseMultiplier: 0.5, numSampledClients: 6, side: .client,
                                           adaptive: AdaptiveClipping(initialClippingNorm: 1.0)))
    }

    func testBitIdenticalWhateverTheThreadCount() throws {
        let strategy = FedOpt.fedAdam(sampling: SamplingConfig(fractionTrain: 0.6))
        let init0 = [Float](repeating: 0, count: dim)
        let a = try FederatedSimulation(clients: quadraticClients(10, noise: 0.2), strategy: strategy, initialParameters: init0,
                                        config: busyConfig(threads: 1)).run()
        let b = try FederatedSimulation(clients: quadraticClients(10, noise: 0.2), strategy: strategy, initialParameters: init0,
                                        config: busyConfig(threads: 2)).run()
        XCTAssertEqual(a.globalParameters.map(\.bitPattern), b.globalParameters.map(\.bitPattern))
        XCTAssertEqual(a.strategyState, b.strategyState)
        XCTAssertEqual(a.history.map(\.sampled), b.history.map(\.sampled))
        XCTAssertEqual(a.history.map(\.validationLoss), b.history.map(\.validationLoss))
        XCTAssertEqual(a.clippingNorm, b.clippingNorm)
        // The run really exercised the faults.
        XCTAssertFalse(a.history.flatMap(\.dropped).isEmpty || a.history.flatMap(\.late).isEmpty)
        XCTAssertNotNil(a.history.last?.epsilon)
    }

    func testResumeEqualsUninterruptedRun() throws {
        let strategy = FedOpt.fedYogi(sampling: SamplingConfig(fractionTrain: 0.6))
        let init0 = [Float](repeating: 0.1, count: dim)
        var config = busyConfig(threads: 2)
        config.checkpointEvery = 2
        var saved: Data?
        let full = try FederatedSimulation(clients: quadraticClients(10, noise: 0.2), strategy: strategy,
                                           initialParameters: init0, config: config)
            .run(checkpoint: { state in if state.completedRounds == 4 { saved = try TGFLJSON.encoder().encode(state) } })
        // (RDP at low fractional orders can be +inf; the shared encoder writes it as "inf".)
        let state4 = try TGFLJSON.decoder().decode(FederationState.self, from: XCTUnwrap(saved))
        XCTAssertEqual(state4.completedRounds, 4)
        let resumed = try FederatedSimulation(clients: quadraticClients(10, noise: 0.2), strategy: FedOpt.fedYogi(sampling: SamplingConfig(fractionTrain: 0.6)),
                                              config: config, resumingFrom: state4).run()
        XCTAssertEqual(resumed.completedRounds, 6)
        XCTAssertEqual(resumed.globalParameters.map(\.bitPattern), full.globalParameters.map(\.bitPattern))
        XCTAssertEqual(resumed.strategyState, full.strategyState)
        XCTAssertEqual(resumed.accountant, full.accountant)
        XCTAssertEqual(resumed.history.map(\.participants), full.history.map(\.participants))
        // A state from another strategy is refused.
        XCTAssertThrowsError(try FederatedSimulation(clients: quadraticClients(10), strategy: FedAvg(), config: config, resumingFrom: state4)) {
            XCTAssertTrue("\($0)".contains("FedYogi"))
        }
    }

    func testBadUpdatesAreRejectedAndTheRoundGoesOn() throws {
        var clients = quadraticClients(3)
        clients.append(BrokenClient(id: 3, kind: .nan))
        clients.append(BrokenClient(id: 4, kind: .wrongLength))
        clients.append(BrokenClient(id: 5, kind: .throwing))
        let state = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: [Float](repeating: 0, count: dim),
                                            config: SimulationConfig(rounds: 2, seed: 3, learningRate: 1)).run()
        let r = state.history[0]
        XCTAssertEqual(r.participants, [0, 1, 2])
        XCTAssertEqual(r.rejected.map(\.clientID), [3, 4, 5])
        XCTAssertTrue(r.rejected[0].reason.contains("non-finite") && r.rejected[0].reason.contains("element 1"))
        XCTAssertTrue(r.rejected[1].reason.contains("wrong length"))
        XCTAssertTrue(r.rejected[2].reason.contains("out of memory"))
        XCTAssertTrue(state.globalParameters.allSatisfy(\.isFinite))
        XCTAssertEqual(r.bytesUp, 4 * dim * 5)            // the throwing client sent nothing
    }

    func testFiniteScanFindsTheFirstNaNOrInfinity() {
        var x = [Float](repeating: 1, count: 10_000)
        x[17] = .greatestFiniteMagnitude; x[18] = -.leastNonzeroMagnitude; x[19] = .leastNormalMagnitude
        XCTAssertNil(FiniteScan.firstNonFinite(x))
        x[9_999] = .nan
        XCTAssertEqual(FiniteScan.firstNonFinite(x), 9_999)
        x[4_096] = -.infinity                    // first element of the second block
        XCTAssertEqual(FiniteScan.firstNonFinite(x), 4_096)
        x[4_095] = .infinity                     // last element of the first block
        XCTAssertEqual(FiniteScan.firstNonFinite(x), 4_095)
        x[0] = -.nan
        XCTAssertEqual(FiniteScan.firstNonFinite(x), 0)
        XCTAssertNil(FiniteScan.firstNonFinite([Float]()))
    }

    /// The blocked weighted mean over several 2,048-element blocks, against the closed form:
    /// w_i[k] = (i+1)·k with n_i = i+1 gives mean[k] = k·(1 + 4 + 9)/6.
    func testWeightedMeanOverManyBlocks() throws {
        let d = 5_000
        let updates = (0..<3).map { i in
            ClientUpdate(clientID: i, parameters: (0..<d).map { Float(i + 1) * Float($0) }, numExamples: i + 1)
        }
        let mean = try Aggregation.weightedMean(updates)
        assertClose(mean.map(Double.init), (0..<d).map { Double($0) * 14 / 6 }, rtol: 1e-6, atol: 0, "weighted mean")
        XCTAssertThrowsError(try Aggregation.weightedMean([updates[0], ClientUpdate(clientID: 7, parameters: [1], numExamples: 1)])) {
            XCTAssertTrue("\($0)".contains("client 7 sent 1 parameters, expected 5000"), "\($0)")
        }
    }

    func testDropoutRateAndDeadline() throws {
        let faults = FaultConfig(dropoutProbability: 0.3, deadline: 1.5, baseTime: 1, timeSpread: 0.5)
        var dropped = 0, late = 0, total = 0
        for round in 1...400 { for c in 0..<10 {
            total += 1
            switch faults.fate(seed: 5, round: round, client: c) {
            case .dropped: dropped += 1
            case .late(let t): late += 1; XCTAssertGreaterThan(t, 1.5)
            case .ok(let t): XCTAssertLessThanOrEqual(t, 1.5)
            }
        } }
        // P(drop) = 0.3; P(late) = 0.7 · P(exp(0.5 Z) > 1.5) = 0.7 · (1 − Φ(ln 1.5 / 0.5)) = 0.7 · 0.2087.
        XCTAssertEqual(Double(dropped) / Double(total), 0.3, accuracy: 4 * (0.3 * 0.7 / 4000).squareRoot())
        let pl = 0.7 * 0.20866
        XCTAssertEqual(Double(late) / Double(total), pl, accuracy: 4 * (pl * (1 - pl) / 4000).squareRoot())
    }

    func testByzantineAttacksAndKrumResists() throws {
        var rng = SeededRNG(seed: 1)
        var local: [Float] = [3, 4]
        ByzantineAttack.signFlip(scale: 2).apply(to: &local, global: [1, 1], rng: &rng)
        XCTAssertEqual(local, [-3, -5])                    // Δ = (2, 3) → (−4, −6)
        local = [3, 4]
        ByzantineAttack.scaled(factor: 10).apply(to: &local, global: [1, 1], rng: &rng)
        XCTAssertEqual(local, [21, 31])

        let clients = quadraticClients(9)
        let attack = FaultConfig(byzantine: [0: .scaled(factor: -50), 4: .signFlip(scale: 30)])
        let init0 = [Float](repeating: 0, count: dim)
        let cfg = SimulationConfig(rounds: 1, seed: 8, learningRate: 1, faults: attack)
        let honest = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: init0,
                                             config: SimulationConfig(rounds: 1, seed: 8, learningRate: 1)).run().globalParameters
        let avg = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: init0, config: cfg).run().globalParameters
        let krum = try FederatedSimulation(clients: clients, strategy: MultiKrum(numMaliciousNodes: 2, numNodesToSelect: 3),
                                           initialParameters: init0, config: cfg).run().globalParameters
        let dAvg = Aggregation.squaredDistance(avg, honest), dKrum = Aggregation.squaredDistance(krum, honest)
        // Krum averages 3 honest clients (≈ 16·(1/3 − 1/9) ≈ 3.5 from the 9-client mean); the attackers drag FedAvg far more.
        XCTAssertGreaterThan(dAvg, 10 * dKrum)
    }

    func testSecureAggregationMatchesPlainFedAvgAndRecoversDropouts() throws {
        let clients = quadraticClients(8, noise: 0.1)
        let init0 = [Float](repeating: 0, count: dim)
        var cfg = SimulationConfig(rounds: 3, seed: 77, localSteps: 2, learningRate: 0.5,
                                   faults: FaultConfig(dropoutProbability: 0.25))
        let plain = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: init0, config: cfg).run()
        cfg.secureAggregation = true
        let secure = try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: init0, config: cfg).run()
        XCTAssertFalse(secure.history.flatMap(\.dropped).isEmpty, "the test needs a dropout")
        assertClose(secure.globalParameters.map(Double.init), plain.globalParameters.map(Double.init), rtol: 1e-6, atol: 1e-6, "secure vs plain")
        XCTAssertEqual(secure.history[0].bytesUp, 8 * dim * secure.history[0].participants.count)
        cfg.recoverDropouts = false
        XCTAssertThrowsError(try FederatedSimulation(clients: clients, strategy: FedAvg(), initialParameters: init0, config: cfg).run()) {
            XCTAssertTrue("\($0)".contains("dropped after masking"))
        }
        cfg.recoverDropouts = true
        XCTAssertThrowsError(try FederatedSimulation(clients: clients, strategy: FedMedian(), initialParameters: init0, config: cfg)) {
            XCTAssertTrue("\($0)".contains("FedMedian"))
        }
    }

    func testProgressCanCancelAndBulyanSkipsShortRounds() throws {
        let sim = try FederatedSimulation(clients: quadraticClients(4), strategy: FedAvg(), initialParameters: [Float](repeating: 0, count: dim),
                                          config: SimulationConfig(rounds: 5, seed: 1))
        var seen = [Int]()
        XCTAssertThrowsError(try sim.run(progress: { seen.append($0.round); return $0.round < 2 })) {
            XCTAssertEqual($0 as? TGFLError, .cancelled)
        }
        XCTAssertEqual(seen, [1, 2])
        XCTAssertEqual(sim.state.completedRounds, 2)

        // Bulyan f = 1 needs 7 replies; with many dropouts some rounds have fewer and are skipped.
        let b = try FederatedSimulation(clients: quadraticClients(8), strategy: Bulyan(numMaliciousNodes: 1),
                                        initialParameters: [Float](repeating: 0, count: dim),
                                        config: SimulationConfig(rounds: 6, seed: 4, faults: FaultConfig(dropoutProbability: 0.2))).run()
        let skipped = b.history.filter { $0.skippedReason != nil }
        XCTAssertFalse(skipped.isEmpty)
        XCTAssertTrue(skipped.allSatisfy { $0.participants.count < 7 && $0.skippedReason!.contains("at least 7") })
    }

    func testEngineErrors() {
        let init0 = [Float](repeating: 0, count: dim)
        let cfg = SimulationConfig(rounds: 1, seed: 1)
        func msg(_ body: () throws -> Void) -> String { do { try body(); return "" } catch { return "\(error)" } }
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: [], strategy: FedAvg(), initialParameters: init0, config: cfg) }.contains("got 0"))
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: self.quadraticClients(4), strategy: FedAvg(sampling: SamplingConfig(fractionTrain: 1.2)),
                                                        initialParameters: init0, config: cfg) }.contains("fraction_train"))
        for f in [0.0, -0.5, .nan] {
            XCTAssertTrue(msg { _ = try FederatedSimulation(clients: self.quadraticClients(4), strategy: FedAvg(sampling: SamplingConfig(fractionTrain: f)),
                                                            initialParameters: init0, config: cfg) }.contains("must be in (0, 1]"))
        }
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: self.quadraticClients(4), strategy: FedAvg(sampling: SamplingConfig(minTrainNodes: 6)),
                                                        initialParameters: init0, config: cfg) }.contains("too few clients"))
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: self.quadraticClients(4), strategy: MultiKrum.krum(numMaliciousNodes: 1),
                                                        initialParameters: init0, config: cfg) }.contains("2·f + 2"))
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: [QuadraticClient(id: 1, dimension: 2, numExamples: 1, seed: 1)], strategy: FedAvg(),
                                                        initialParameters: init0, config: cfg) }.contains("index 0 has id 1"))
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: self.quadraticClients(4), strategy: FedAvg(), initialParameters: [1, .nan], config: cfg) }.contains("initial parameter 1"))
        XCTAssertTrue(msg { _ = try FederatedSimulation(clients: self.quadraticClients(4), strategy: FedAvg(), initialParameters: init0,
                                                        config: SimulationConfig(rounds: 1, seed: 1, faults: FaultConfig(dropoutProbability: 1))) }.contains("dropoutProbability"))
    }
}
