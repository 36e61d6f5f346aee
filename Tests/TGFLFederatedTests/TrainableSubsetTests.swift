import Foundation
import TGFLCore
import TGFLTestSupport
import XCTest
@testable import TGFLFederated
@testable import TGFLFederation

/// Federations that train a subset of the network (`ParameterSubset`, `TrainableTensors`,
/// `tgfl federate --trainable`) from a pretrained start (`FederatedTrainer.prepareInitialModel`,
/// `tgfl federate --init`).
final class TrainableSubsetTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 16, contextLength: 16, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, nRegimes: 4, modelVersion: 2)

    struct Round: Decodable { let round: Int; let clipped: Int; let global: [Double] }
    struct Reference: Decodable {
        let seed: UInt64
        let ranges: [[Int]]
        let noise_multiplier: Double, clipping_norm: Double
        let num_sampled_clients: Int
        let initial: [Double]
        let rounds: [Round]
    }

    /// Three DP-FedAvg rounds on coordinates [1, 3) and [5, 8) of the Flower fixture's 9 equal
    /// the NumPy round of `make_trainable_subset_reference.py` (frozen coordinates reset before
    /// the clip, noise on the subset only, in ascending order); the clip counts differ from a
    /// clip of the whole vector's update, and the frozen coordinates stay bit-identical.
    func testDPRoundOnASubsetEqualsTheNumPyReference() throws {
        let ref: Reference = try loadJSONFixture("trainable_subset_reference.json")
        let flower: RoundStageTests.Flower = try loadJSONFixture("strategy_reference.json")
        let initial = flower.initial.map { Float($0) }
        XCTAssertEqual(initial.map(Double.init), ref.initial)
        let clients: [any FederatedClient] = flower.rounds[0].offsets.indices.map { i in
            RoundStageTests.FixtureClient(id: i, rounds: flower.rounds, target: initial, nanElement: nil)
        }
        let dp = DPConfig(noiseMultiplier: ref.noise_multiplier, clippingNorm: ref.clipping_norm,
                          numSampledClients: ref.num_sampled_clients, side: .server, sampling: .withoutReplacement)
        var config = SimulationConfig(rounds: ref.rounds.count, seed: ref.seed, privacy: dp)
        config.trainable = try ParameterSubset(ranges: ref.ranges.map { $0[0]..<$0[1] })
        let sim = try FederatedSimulation(clients: clients, strategy: FedAvg(sampling: SamplingConfig(fractionTrain: 1)),
                                          initialParameters: initial, config: config)
        let frozen = [0, 3, 4, 8]
        for r in ref.rounds {
            let record = try sim.runRound(r.round)
            XCTAssertEqual(record.clientRecords.filter(\.clipped).count, r.clipped, "round \(r.round) clipped updates")
            assertClose(sim.state.globalParameters.map(Double.init), r.global, rtol: 1e-6, atol: 1e-7,
                        "round \(r.round) global")
            for k in frozen { XCTAssertEqual(sim.state.globalParameters[k], initial[k], "frozen coordinate \(k)") }
        }
        XCTAssertEqual(sim.state.privacyRounds, ref.rounds.count)
    }

    /// Bad subsets are refused by name.
    func testBadSubsetsAreRefused() throws {
        XCTAssertThrowsError(try ParameterSubset(ranges: [])) { XCTAssertTrue("\($0)".contains("empty"), "\($0)") }
        XCTAssertThrowsError(try ParameterSubset(ranges: [3..<5, 4..<6])) { XCTAssertTrue("\($0)".contains("overlap"), "\($0)") }
        XCTAssertThrowsError(try ParameterSubset(ranges: [0..<20]).check(dimension: 9)) {
            XCTAssertTrue("\($0)".contains("goes past"), "\($0)")
        }
        XCTAssertThrowsError(try TrainableTensors(parsing: "head,,ln_f"))
        let layout = ParameterLayout(config: Self.tiny)
        XCTAssertThrowsError(try TrainableTensors(parsing: "heads").tensorNames(layout)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("'heads' names no tensor"), m)
            XCTAssertTrue(m.contains("blocks.I.attn.qkv, ") && m.contains("ln_f, head, level_bias"), m)
        }
    }

    /// The presets name the tensors their documentation lists.
    func testPresetsNameTheirTensors() throws {
        let layout = ParameterLayout(config: Self.tiny)
        XCTAssertEqual(try TrainableTensors(parsing: "head").tensorNames(layout),
                       ["ln_f.weight", "ln_f.bias", "head.weight", "head.bias", "level_bias.weight"])
        XCTAssertEqual(try TrainableTensors(parsing: "priors").tensorNames(layout), ["head.bias", "level_bias.weight"])
        let last = try TrainableTensors(parsing: "last-block").tensorNames(layout)
        XCTAssertTrue(last.contains("blocks.1.attn.qkv.weight") && !last.contains { $0.hasPrefix("blocks.0.") }, "\(last)")
        XCTAssertEqual(try TrainableTensors(parsing: "blocks.0.ln1, head.bias").tensorNames(layout),
                       ["blocks.0.ln1.weight", "blocks.0.ln1.bias", "head.bias"])
        XCTAssertNil(try TrainableTensors.all.subset(layout))
        // ln_f, head and level_bias are adjacent at the end of the layout: one range.
        let head = try XCTUnwrap(try TrainableTensors.head.subset(layout))
        XCTAssertEqual(head.ranges, [layout["ln_f.weight"]!.offset..<layout.count])
    }

    /// A DP federation of the transformer from a prepared base with `trainable = head`: every
    /// frozen weight is bit-identical to the base's after the run, the head moved, the base's
    /// network and tokenizer were kept by `prepareInitialModel` (filter refitted on the public
    /// series), and the record states the start and the subset. Without the subset, the same
    /// run moves the frozen weights too (the test fails without the change).
    func testFrozenTensorsStayBitIdenticalAfterADPRun() throws {
        let sp = try MarketData.bundled(.sp500).logReturns().values
        let djia = ReturnSeries(name: "djia", values: try MarketData.bundled(.djia).logReturns().values)
        let corpus = ReturnSeries(name: "public", values: Array(try MarketData.bundled(.djia).logReturns().values.prefix(4000)))
        func run(_ trainable: TrainableTensors) throws -> (ScenarioModel, [Float], FederatedTrainingReport) {
            let base = try ScenarioModel(config: Self.tiny, seed: 3)
            try base.setDataModels(try PublicDataModels.fit([corpus], config: Self.tiny))
            let tokenizer = base.dataModels?.tokenizer
            let network = base.parameters()
            var o = FederatedTrainingOptions()
            o.clientCount = 4; o.rounds = 2; o.localSteps = 2; o.batchSize = 4; o.threads = 1; o.maxValidationWindows = 4
            o.partition = .timePeriods
            o.sampling = SamplingConfig(fractionTrain: 1)
            o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.1, numSampledClients: 4)
            o.publicData = [djia]
            o.trainable = trainable
            o.initialModel = try FederatedTrainer.prepareInitialModel(
                base, source: "base.h5", publicData: [djia],
                members: [ReturnSeries(name: "sp500", values: Array(sp.prefix(2000)))], validationFraction: 0.2)
            XCTAssertEqual(base.parameters(), network, "prepareInitialModel keeps the network")
            XCTAssertEqual(base.dataModels?.tokenizer, tokenizer, "prepareInitialModel keeps the tokenizer")
            let report = try FederatedTrainer(model: base, options: o).fit(series: [Array(sp.prefix(2000))])
            return (base, network, report)
        }
        let layout = ParameterLayout(config: Self.tiny)
        let subset = try XCTUnwrap(try TrainableTensors.head.subset(layout))
        let (model, base, report) = try run(.head)
        let after = model.parameters()
        for r in subset.frozen(dimension: layout.count) {
            XCTAssertEqual(Array(after[r]), Array(base[r]), "frozen coordinates \(r) changed")
        }
        XCTAssertNotEqual(Array(after[subset.ranges[0]]), Array(base[subset.ranges[0]]), "the head did not move")
        let record = report.record
        XCTAssertEqual(record.trainable?.subset, "head")
        XCTAssertEqual(record.trainable?.parameters, subset.count)
        XCTAssertEqual(record.trainable?.totalParameters, layout.count)
        XCTAssertEqual(record.initialModel?.source, "base.h5")
        XCTAssertTrue(record.initialModel?.kept.contains("public data 'djia'") ?? false, "\(String(describing: record.initialModel))")
        XCTAssertTrue(record.privacy.epsilonCovers?.contains("data models") ?? false)
        let decoded = try XCTUnwrap(try model.federationRecord())
        XCTAssertEqual(decoded.trainable, record.trainable)
        XCTAssertEqual(decoded.initialModel, record.initialModel)

        let (whole, wholeBase, wholeReport) = try run(.all)
        let frozen0 = subset.frozen(dimension: layout.count)[0]
        XCTAssertNotEqual(Array(whole.parameters()[frozen0]), Array(wholeBase[frozen0]))
        XCTAssertNil(wholeReport.record.trainable)
    }

    /// A v1 or untrained base is refused with what to do.
    func testInitialModelMustBeATrainedV2Model() throws {
        let fresh = try ScenarioModel(config: Self.tiny, seed: 1)
        XCTAssertThrowsError(try FederatedTrainer.prepareInitialModel(fresh, source: "x.h5", publicData: nil, members: [],
                                                                      validationFraction: 0.2)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.contains("x.h5"), m)
            XCTAssertTrue(m.contains("tgfl pretrain"), m)
        }
    }
}

/// Under DP with public data models the volatility calibration targets the public series.
final class DPPublicCalibrationTests: XCTestCase {
    /// Two DP federations on different S&P 500 periods calibrate to the same target: the
    /// public series' mean and (population) variance, computed here from its values; the history
    /// says no client datum was released.
    func testDPWithPublicDataCalibratesToThePublicSeries() throws {
        let sp = try MarketData.bundled(.sp500).logReturns().values
        let djia = ReturnSeries(name: "djia", values: Array(try MarketData.bundled(.djia).logReturns().values.suffix(5000)))
        func run(_ days: [Double]) throws -> (ScenarioModel, FederatedTrainingReport) {
            let model = try ScenarioModel(config: TrainableSubsetTests.tiny, seed: 1)
            var o = FederatedTrainingOptions()
            o.clientCount = 2; o.rounds = 1; o.localSteps = 1; o.batchSize = 4; o.threads = 1; o.maxValidationWindows = 4
            o.sampling = SamplingConfig(fractionTrain: 1)
            o.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.1, numSampledClients: 2)
            o.publicData = [djia]
            return (model, try FederatedTrainer(model: model, options: o).fit(series: [days]))
        }
        let (model, early) = try run(Array(sp.prefix(1500)))
        let (_, late) = try run(Array(sp.suffix(1500)))
        let a = try XCTUnwrap(early.volatilityCalibration), b = try XCTUnwrap(late.volatilityCalibration)
        let n = Double(djia.values.count)
        let mean = djia.values.reduce(0, +) / n
        let variance = djia.values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
        assertClose(a.targetVariance, variance, rtol: 1e-9, "target variance = the public series'")
        XCTAssertEqual(a.targetVariance, b.targetVariance)
        let summary = try XCTUnwrap(model.history.summary["volatility_calibration"])
        XCTAssertTrue(summary.contains("target: the public data"), summary)
    }
}
