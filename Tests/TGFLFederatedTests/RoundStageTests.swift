import XCTest
import TGFLTestSupport
@testable import TGFLFederation

/// The stages of one federated round (`FederatedSimulation+Round.swift`), each called on its
/// own, against `round_stage_reference.json`: NumPy on the Flower fixture's clients
/// (`strategy_reference.json`), with TGFL's random streams mirrored in Python
/// (`Tests/Fixtures/make_round_stage_reference.py`).
final class RoundStageTests: XCTestCase {
    struct FlowerRound: Decodable { let offsets: [[Double]]; let num_examples: [Int]; let train_loss: [Double] }
    struct Flower: Decodable { let initial: [Double]; let rounds: [FlowerRound] }

    struct Cohort: Decodable {
        let round: Int
        let sampled, dropped, late, working: [Int]
        let times: [String: Double]
    }
    struct Faults: Decodable { let dropout: Double; let deadline: Double; let base: Double; let spread: Double }
    struct Sample: Decodable { let faults: Faults; let rounds: [Cohort]; let poisson: [Cohort] }
    struct Outcome: Decodable {
        let client: Int
        let rejected: String?
        let parameters: [Double]?
        let num_examples: Int?
    }
    struct Round: Decodable {
        let nan_client: Int, nan_element: Int
        let outcomes: [Outcome]
        let fedavg: [Double]
        let train_loss: Double
        let bytes_up: Int, bytes_down: Int
    }
    struct Screen: Decodable {
        let clipping_norm: Double
        let client: Int
        let client_side: [Double], server_side: [Double], small_update: [Double]
        let client_side_clipped: Bool, server_side_clipped: Bool, small_update_clipped: Bool
    }
    struct DP: Decodable {
        let noise_multiplier: Double, clipping_norm: Double
        let num_sampled_clients: Int, clipped_count: Int
        let global: [Double]
    }
    struct Evaluate: Decodable { let evaluated: [Int]; let loss: Double }
    struct Reference: Decodable {
        let seed: UInt64
        let sample: Sample
        let round: Round
        let screen: Screen
        let dp: DP
        let evaluate: Evaluate
    }

    /// The Flower fixture's client: in round t it replies `global + offsets[t−1][id]` with that
    /// round's example count and train loss (or a NaN at `nanElement`), and evaluates `w` as
    /// `½·mean((w − target)²)`, `target = initial + offsets[0][id]`.
    struct FixtureClient: FederatedClient {
        let id: Int
        let rounds: [FlowerRound]
        let target: [Float]
        var nanElement: Int?
        var numExamples: Int { rounds[0].num_examples[id] }

        func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
            let r = rounds[config.round - 1]
            var w = zip(global, r.offsets[id]).map { Float(Double($0) + Double(Float($1))) }
            if let k = nanElement { w[k] = .nan }
            return ClientUpdate(clientID: id, parameters: w, numExamples: r.num_examples[id],
                                metrics: ["train_loss": r.train_loss[id]])
        }

        func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) {
            let s = zip(global, target).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
            return (0.5 * s / Double(global.count), numExamples)
        }
    }

    var ref: Reference!
    var flower: Flower!

    override func setUpWithError() throws {
        ref = try loadJSONFixture("round_stage_reference.json")
        flower = try loadJSONFixture("strategy_reference.json")
    }

    /// A simulation of the fixture's 7 clients (client `nanClient` replies a NaN at `nanElement`).
    func simulation(fractionTrain: Double = 1, faults: FaultConfig = FaultConfig(), privacy: DPConfig? = nil,
                    nanClient: Int? = nil) throws -> FederatedSimulation {
        let initial = flower.initial.map { Float($0) }
        let clients: [any FederatedClient] = flower.rounds[0].offsets.indices.map { i in
            FixtureClient(id: i, rounds: flower.rounds,
                          target: zip(initial, flower.rounds[0].offsets[i]).map { Float(Double($0) + Double(Float($1))) },
                          nanElement: i == nanClient ? ref.round.nan_element : nil)
        }
        let strategy = FedAvg(sampling: SamplingConfig(fractionTrain: fractionTrain, fractionEvaluate: 0.5))
        return try FederatedSimulation(clients: clients, strategy: strategy, initialParameters: initial,
                                       config: SimulationConfig(rounds: 6, seed: ref.seed, faults: faults,
                                                                privacy: privacy))
    }

    /// The round's Byzantine clients: 5 flips its update ×2, 6 adds N(0, 0.5²) noise.
    let attacks: [Int: ByzantineAttack] = [5: .signFlip(scale: 2), 6: .gaussianNoise(std: 0.5)]

    func assertCohort(_ c: FederatedSimulation.Cohort, _ e: Cohort, line: UInt = #line) {
        XCTAssertEqual(c.sampled, e.sampled, "round \(e.round) sampled", line: line)
        XCTAssertEqual(c.dropped, e.dropped, "round \(e.round) dropped", line: line)
        XCTAssertEqual(c.late, e.late, "round \(e.round) late", line: line)
        XCTAssertEqual(c.working, e.working, "round \(e.round) working", line: line)
        XCTAssertEqual(Set(c.times.keys.map(String.init)), Set(e.times.keys), "round \(e.round) timed clients", line: line)
        for (k, t) in e.times { assertClose(c.times[Int(k)!] ?? .nan, t, rtol: 1e-12, "round \(e.round) time of \(k)", line: line) }
    }

    // MARK: - sample

    func testSampleDrawsTheClientsAndTheirFaults() throws {
        let f = ref.sample.faults
        let sim = try simulation(fractionTrain: 0.5, faults: FaultConfig(dropoutProbability: f.dropout, deadline: f.deadline,
                                                                          baseTime: f.base, timeSpread: f.spread))
        XCTAssertEqual(sim.sampleSize, 3)
        for e in ref.sample.rounds { assertCohort(sim.sample(round: e.round), e) }
        // The fixture exercises every fate.
        XCTAssertFalse(ref.sample.rounds.flatMap(\.dropped).isEmpty)
        XCTAssertFalse(ref.sample.rounds.flatMap(\.late).isEmpty)
    }

    func testSamplePoissonUnderDP() throws {
        let dp = DPConfig(noiseMultiplier: 0.5, clippingNorm: 1, numSampledClients: 3, sampling: .poisson)
        let sim = try simulation(fractionTrain: 0.5, privacy: dp)
        for e in ref.sample.poisson { assertCohort(sim.sample(round: e.round), e) }
        XCTAssertNotEqual(Set(ref.sample.poisson.map(\.sampled.count)).count, 1, "Poisson sample sizes vary")
    }

    // MARK: - fit, screen, collect

    func testFitScreensAndCollectRecordsTheRejectedNaN() throws {
        let sim = try simulation(faults: FaultConfig(byzantine: attacks), nanClient: ref.round.nan_client)
        let cohort = sim.sample(round: 1)
        XCTAssertEqual(cohort.working, Array(0..<7))
        let global = sim.state.globalParameters
        let outcomes = sim.fit(round: 1, cohort: cohort, global: global, secure: nil)
        XCTAssertEqual(outcomes.count, 7)
        XCTAssertTrue(outcomes.allSatisfy(\.arrived))
        let screened = sim.collect(outcomes, cohort: cohort)
        let expected = ref.round.outcomes
        XCTAssertEqual(screened.rejected, expected.compactMap { o in o.rejected.map { Rejection(clientID: o.client, reason: $0) } })
        XCTAssertEqual(screened.accepted.map(\.clientID), expected.filter { $0.parameters != nil }.map(\.client))
        XCTAssertEqual(screened.records.map(\.clientID), screened.accepted.map(\.clientID))
        XCTAssertEqual(screened.records.map(\.numExamples), expected.compactMap(\.num_examples))
        XCTAssertEqual(screened.arrived, 7)
        for (u, e) in zip(screened.accepted, expected.filter { $0.parameters != nil }) {
            assertClose(u.parameters.map(Double.init), e.parameters!, rtol: 1e-6, atol: 1e-7, "client \(e.client)'s update")
        }
    }

    func testScreenClipsOnEitherSideOfTheAttack() throws {
        let s = ref.screen
        let global = flower.initial.map { Float($0) }
        let reply = zip(global, flower.rounds[0].offsets[s.client]).map { Float(Double($0) + Double(Float($1))) }
        let update = ClientUpdate(clientID: s.client, parameters: reply, numExamples: 10)
        func screen(_ u: ClientUpdate, side: ClippingSide) -> FederatedSimulation.Outcome {
            FederatedSimulation.screen(u, attack: .signFlip(scale: 2), attackSeed: 0,
                                       .init(global: global, clipNorm: s.clipping_norm, clipSide: side, secure: nil,
                                             equalWeights: true))
        }
        let client = screen(update, side: .client), server = screen(update, side: .server)
        assertClose(client.update!.parameters.map(Double.init), s.client_side, rtol: 1e-6, atol: 1e-7, "client-side clip")
        assertClose(server.update!.parameters.map(Double.init), s.server_side, rtol: 1e-6, atol: 1e-7, "server-side clip")
        XCTAssertEqual([client.clipped, server.clipped], [s.client_side_clipped, s.server_side_clipped])
        let small = FederatedSimulation.screen(
            ClientUpdate(clientID: 0, parameters: global.map { $0 + 1e-3 }, numExamples: 10), attack: nil, attackSeed: 0,
            .init(global: global, clipNorm: s.clipping_norm, clipSide: .server, secure: nil, equalWeights: true))
        assertClose(small.update!.parameters.map(Double.init), s.small_update, rtol: 0, "an update inside the norm")
        XCTAssertEqual(small.clipped, s.small_update_clipped)
    }

    func testScreenRejectsWhatCannotBeAggregated() {
        let global: [Float] = [0, 0, 0]
        let plain = FederatedSimulation.Screen(global: global, clipNorm: nil, clipSide: nil, secure: nil, equalWeights: false)
        func rejection(_ p: [Float], examples: Int = 1, attack: ByzantineAttack? = nil) -> String? {
            FederatedSimulation.screen(ClientUpdate(clientID: 1, parameters: p, numExamples: examples), attack: attack,
                                       attackSeed: 0, plain).rejection
        }
        XCTAssertEqual(rejection([0, 0]), "wrong length: 2 parameters, expected 3")
        XCTAssertEqual(rejection([0, .infinity, 0]), "non-finite value inf at element 1")
        XCTAssertEqual(rejection([0, 0, 0], examples: 0), "num_examples = 0 must be positive")
        // An attack that overflows Float is caught after it is applied.
        XCTAssertEqual(rejection([0, 1e38, 0], attack: .scaled(factor: 1e10)), "non-finite value inf at element 1")
        XCTAssertNil(rejection([0, 1, 0]))
    }

    // MARK: - aggregate, evaluate, record

    func testAggregateEvaluateAndRecordOneRound() throws {
        let sim = try simulation(faults: FaultConfig(byzantine: attacks), nanClient: ref.round.nan_client)
        let cohort = sim.sample(round: 1), global = sim.state.globalParameters
        let screened = sim.collect(sim.fit(round: 1, cohort: cohort, global: global, secure: nil), cohort: cohort)
        let aggregate = try sim.aggregate(round: 1, global: global, screened: screened, secure: nil)
        XCTAssertNil(aggregate.skipped)
        assertClose(aggregate.global.map(Double.init), ref.round.fedavg, rtol: 1e-6, atol: 1e-6, "FedAvg of the accepted")

        let evaluation = sim.evaluate(round: 1, global: aggregate.global)
        XCTAssertEqual(evaluation.evaluated, ref.evaluate.evaluated)
        assertClose(evaluation.loss ?? .nan, ref.evaluate.loss, rtol: 1e-6, "example-weighted validation loss")

        let record = try sim.makeRecord(round: 1, cohort: cohort, screened: screened, aggregate: aggregate,
                                        evaluation: evaluation, clippingNorm: nil, secure: false, seconds: 0)
        XCTAssertEqual(record.sampled, Array(0..<7))
        XCTAssertEqual(record.participants, screened.accepted.map(\.clientID))
        XCTAssertEqual(record.rejected.map(\.clientID), [ref.round.nan_client])
        XCTAssertEqual(record.clientRecords, screened.records)
        assertClose(record.trainMetrics["train_loss"] ?? .nan, ref.round.train_loss, rtol: 1e-12, "weighted train loss")
        XCTAssertEqual([record.bytesUp, record.bytesDown], [ref.round.bytes_up, ref.round.bytes_down])
        XCTAssertNil(record.epsilon)
        XCTAssertNil(record.masked)
    }

    func testAggregateTooFewUpdatesKeepsTheGlobalModel() throws {
        let sim = try simulation()
        let global = sim.state.globalParameters
        let none = try sim.aggregate(round: 1, global: global, screened: .init(), secure: nil)
        XCTAssertEqual(none.global, global)
        XCTAssertEqual(none.skipped, "no valid update arrived")
    }

    func testAggregatePrivatelyNoisesTheFixedDenominatorMean() throws {
        let d = ref.dp
        let dp = DPConfig(noiseMultiplier: d.noise_multiplier, clippingNorm: d.clipping_norm,
                          numSampledClients: d.num_sampled_clients, side: .server, sampling: .withoutReplacement)
        let sim = try simulation(faults: FaultConfig(byzantine: attacks), privacy: dp, nanClient: ref.round.nan_client)
        let cohort = sim.sample(round: 1), global = sim.state.globalParameters
        let screened = sim.collect(sim.fit(round: 1, cohort: cohort, global: global, secure: nil), cohort: cohort)
        XCTAssertEqual(screened.clipped, d.clipped_count)
        let aggregate = try sim.aggregate(round: 1, global: global, screened: screened, secure: nil)
        XCTAssertNil(aggregate.skipped)
        assertClose(aggregate.global.map(Double.init), d.global, rtol: 1e-6, atol: 1e-7, "DP-FedAvg global")
        XCTAssertEqual(sim.state.privacyRounds, 1)
    }
}
