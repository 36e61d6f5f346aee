import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore
@testable import TGFLFederated

/// Federated joint training where two institutions hold the same four European indices over
/// different periods (issue 17).
final class JointFederationTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 64, contextLength: 32, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64,
                                  nRegimes: 4)

    private func institutions() throws -> (names: [String], periods: [[[Double]]], train: [[Double]]) {
        let all = try MarketData.bundled(.euStocks).allLogReturns()
        let columns = all.map(\.values), split = Int(0.8 * Double(columns[0].count))
        let periods = [columns.map { Array($0[0..<700]) }, columns.map { Array($0[700..<split]) }]
        return (all.map { String($0.name.split(separator: ".").last!) }, periods, columns.map { Array($0.prefix(split)) })
    }

    /// Each asset's filter is the maximum of the pooled likelihood of the institutions' spans
    /// (the filter restarted at each span): at least as likely as the fit on either span alone.
    func testDataModelsPoolTheInstitutionsSpans() throws {
        let (names, periods, _) = try institutions()
        let model = try JointScenarioModel(config: JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4), assets: 4, seed: 1)
        _ = try JointFederation.train(model: model, institutions: periods, names: names,
                                      options: JointFederationOptions(rounds: 1, localSteps: 1, batchSize: 4, threads: 1))
        let models = try XCTUnwrap(model.dataModels)
        for k in 0..<4 {
            let spans = periods.map { $0[k] }
            let pooled = models.volatility[k].garch
            let alone = try GARCHModel.fit([spans[0]], specification: VolatilityModel.defaultSpecification).model
            let total = { (g: GARCHModel) in spans.reduce(0) { $0 + g.logLikelihood($1) } }
            XCTAssertGreaterThanOrEqual(total(pooled), total(alone) - 1e-6 * abs(total(alone)), "asset \(names[k])")
        }
        XCTAssertTrue(model.network.records[FederationRecord.recordName]?.contains("joint_same_assets_over_periods") ?? false)
    }

    /// The federated model's scenarios carry the indices' same-day correlation (training days:
    /// 0.54–0.71), within 0.2 on every pair; an institution missing an asset is refused by name.
    func testFederatedJointModelCarriesTheCorrelation() throws {
        let (names, periods, train) = try institutions()
        let model = try JointScenarioModel(config: JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4), assets: 4, seed: 2)
        let losses = try JointFederation.train(model: model, institutions: periods, names: names,
                                               options: JointFederationOptions(rounds: 3, localSteps: 10, batchSize: 16,
                                                                               threads: 1))
        XCTAssertEqual(losses.count, 3)
        XCTAssertTrue(losses.allSatisfy(\.isFinite))
        let set = try model.generate(JointGenerationOptions(paths: 200, horizon: 20, seed: 3))
        let generated = try CrossAsset.correlation((0..<4).map { k in set.returns.flatMap { $0.map { $0[k] } } })
        let real = try CrossAsset.correlation(train)
        let worst = zip(generated.values, real.values).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 0.2, "generated \(generated.values) vs real \(real.values)")

        let fresh = try JointScenarioModel(config: model.config, assets: 4, seed: 2)
        XCTAssertThrowsError(try JointFederation.train(model: fresh, institutions: [periods[0], Array(periods[1].prefix(3))],
                                                       names: names, options: JointFederationOptions(rounds: 1))) { e in
            XCTAssertTrue("\(e)".contains("institution 1 holds 3 assets"), "\(e)")
        }
    }

    /// Joint rounds run through the engine: an institution whose update holds a NaN is
    /// rejected and recorded every round (the global model stays finite), and DP-FedAvg over
    /// the two institutions reports dp-accounting's ε (`make_pld_reference.py`: 2 clients,
    /// q = 1, z = 1, 3 rounds, δ = 1e-5), also with secure aggregation (every round masked).
    func testJointRoundsScreenUpdatesAndReportEpsilon() throws {
        let (names, periods, _) = try institutions()
        let config = JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4)
        let model = try JointScenarioModel(config: config, assets: 4, seed: 3)
        let options = JointFederationOptions(rounds: 2, localSteps: 1, batchSize: 4, threads: 1)
        var clients: [any FederatedClient] = try JointFederation.makeClients(model: model, institutions: periods,
                                                                             names: names, options: options)
        clients[1] = NaNUpdateClient(base: clients[1])
        let report = try JointFederation.run(model: model, clients: clients, strategy: FedAvg(), options: options,
                                             progress: nil)
        XCTAssertEqual(report.rounds.map(\.participants), [[0], [0]])
        for r in report.rounds {
            XCTAssertEqual(r.rejected.map(\.clientID), [1])
            XCTAssertTrue(r.rejected.first?.reason.contains("non-finite") ?? false, "\(r.rejected)")
        }
        XCTAssertNil(FiniteScan.firstNonFinite(model.network.parameters()))
        let stored = try JSONDecoder().decode(JointFederationRecord.self,
                                              from: Data(try XCTUnwrap(model.network.records[FederationRecord.recordName]).utf8))
        XCTAssertEqual(stored.history.map(\.rejected), [[1], [1]])
        XCTAssertEqual(stored.kind, "joint_same_assets_over_periods")

        let ref = try loadJSONFixture("pld_reference.json", as: DPMechanismTests.Reference.self)
        let entry = try XCTUnwrap(ref.mechanism.first { $0.clients == 2 && $0.rounds == 3 })
        for secure in [false, true] {
            var dpOptions = JointFederationOptions(rounds: 3, localSteps: 1, batchSize: 4, threads: 1)
            dpOptions.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.5, numSampledClients: 2)
            dpOptions.secureAggregation = secure
            let dpModel = try JointScenarioModel(config: config, assets: 4, seed: 3)
            let dp = try JointFederation.federate(model: dpModel, institutions: periods, names: names, options: dpOptions)
            assertClose(try XCTUnwrap(dp.epsilon), entry.epsilon, rtol: 0.01, "joint DP ε, secure \(secure)")
            XCTAssertEqual(dp.record.privacy.mechanism?.neighbouringRelation, "add_remove")
            XCTAssertEqual(dp.record.history.count, 3)
            XCTAssertEqual(dp.rounds.map(\.masked), secure ? [true, true, true] : [nil, nil, nil])
            XCTAssertTrue(dp.record.privacy.epsilonCovers?.contains("rounds only") ?? false)
        }
        XCTAssertThrowsError(try JointFederation.federate(model: try JointScenarioModel(config: config, assets: 4, seed: 3),
                                                          institutions: periods, names: names,
                                                          strategy: try StrategyKind.fedmedian.makeStrategy(hyperparameters: [:]),
                                                          options: {
                                                              var o = JointFederationOptions(rounds: 1, localSteps: 1, batchSize: 4)
                                                              o.privacy = DPConfig(noiseMultiplier: 1, numSampledClients: 2)
                                                              return o
                                                          }())) { e in
            XCTAssertTrue("\(e)".contains("proven only for mean-based"), "\(e)")
        }
    }
}

extension JointFederationTests {
    /// With public data the joint data models are those of the public columns alone (the same
    /// for any institutions), and the record says ε covers them.
    func testJointPublicDataModels() throws {
        let (names, periods, _) = try institutions()
        let config = JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4)
        var options = JointFederationOptions(rounds: 1, localSteps: 1, batchSize: 4, threads: 1)
        options.privacy = DPConfig(noiseMultiplier: 1, clippingNorm: 0.5, numSampledClients: 2)
        options.publicData = periods[0]
        let model = try JointScenarioModel(config: config, assets: 4, seed: 3)
        let report = try JointFederation.federate(model: model, institutions: [periods[1], periods[1]], names: names,
                                                  options: options)
        var settings = DataPipelineConfig(model: config, trainFraction: 1)
        settings.volatilityLevels = model.levelsPerAsset
        // The data models are the public data's; the z tail map's and the z band map's sources and the variance
        // scales come from the federated model's pilots.
        let fitted = try XCTUnwrap(model.dataModels), map = try XCTUnwrap(fitted.zTail)
        let variance = try XCTUnwrap(fitted.varianceCalibration), bands = try XCTUnwrap(fitted.bandMap)
        XCTAssertNotNil(map.sources, "calibrated after the rounds")
        XCTAssertNotNil(variance.scales, "calibrated after the rounds")
        XCTAssertNotNil(bands.sources, "calibrated after the rounds")
        XCTAssertEqual(try fitted.replacingZTail(try JointTailMap(targets: map.targets))
                        .replacingVarianceCalibration(try JointVarianceCalibration(targets: variance.targets))
                        .replacingBandMap(try JointBandMap(targets: bands.targets, rule: bands.rule,
                                                           targetLogSE: bands.targetLogSE)),
                       try JointDataModels.fit(assets: names, trainingSpans: [periods[0]], config: settings))
        XCTAssertTrue(report.record.dataModels.hasPrefix("public data: 700 days"), report.record.dataModels)
        XCTAssertTrue(report.record.privacy.epsilonCovers?.contains("the rounds and the data models") ?? false)
    }
}

extension JointFederationTests {
    /// The held-out loss is the one central training reports for its validation span (same
    /// windows, same batches), and a federation with held-out days keeps the round with the
    /// lowest of them (its weights give that loss again); without held-out days there is
    /// nothing to choose on.
    func testHeldOutLossAndBestRound() throws {
        let (names, periods, _) = try institutions()
        let all = try MarketData.bundled(.euStocks).allLogReturns().map(\.values)
        let split = Int(0.8 * Double(all[0].count))
        let config = JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4)

        let central = try JointScenarioModel(config: config, assets: 4, seed: 5)
        let fit = try central.fit(columns: all, names: names, options: TrainingOptions(
            steps: 4, batchSize: 8, validationFraction: 0.2, evaluateEvery: 4, seed: 5, threads: 1))
        let heldOut = try XCTUnwrap(try central.heldOutLoss(columns: all, fromDay: split, batchSize: 8))
        XCTAssertEqual(heldOut, try XCTUnwrap(fit.validationLoss), accuracy: 1e-9 * heldOut)
        XCTAssertThrowsError(try central.heldOutLoss(columns: all, fromDay: all[0].count)) { e in
            XCTAssertTrue("\(e)".contains("give a first day in 0..<1859"), "\(e)")
        }

        var options = JointFederationOptions(rounds: 4, localSteps: 5, batchSize: 8, learningRate: 3e-3, threads: 1)
        options.heldOut = JointHeldOutDays(columns: all, fromDay: split)
        options.restoreBestRound = true
        let model = try JointScenarioModel(config: config, assets: 4, seed: 6)
        let report = try JointFederation.federate(model: model, institutions: periods, names: names, options: options)
        let losses = report.heldOutLosses.map { $0! }
        XCTAssertEqual(losses.count, 4)
        let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
        XCTAssertEqual(report.bestRound, best)
        XCTAssertEqual(report.record.bestRound, best)
        XCTAssertEqual(try model.heldOutLoss(columns: all, fromDay: split, batchSize: 8)!, losses[best - 1],
                       accuracy: 1e-12 * losses[best - 1])

        options.heldOut = nil
        XCTAssertThrowsError(try JointFederation.federate(model: try JointScenarioModel(config: config, assets: 4, seed: 6),
                                                          institutions: periods, names: names, options: options)) { e in
            XCTAssertTrue("\(e)".contains("restoreBestRound needs heldOut"), "\(e)")
        }
    }
}

/// A client whose update carries a NaN (a diverged or hostile institution).
struct NaNUpdateClient: FederatedClient {
    let base: any FederatedClient
    var id: Int { base.id }
    var numExamples: Int { base.numExamples }
    func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
        var update = try base.fit(global: global, config: config)
        update.parameters[update.parameters.count / 2] = .nan
        return update
    }
    func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) { try base.evaluate(global: global) }
}

extension JointFederationTests {
    /// An institution's round trains the weights only (`fitNetwork`, what `JointClient` runs): the
    /// weights are those of a full `fit` from the same start, bit for bit, and the data models stay
    /// as set, where `fit` recalibrates them on pilots. Session 25: every institution ran the three
    /// pilot calibrations in every round and sent none of them (most of a round's time).
    func testInstitutionRoundTrainsTheWeightsOnly() throws {
        let (names, periods, train) = try institutions()
        let config = JointScenarioModel.config(base: Self.tiny, assets: 4, levels: 4)
        let fitted = try JointScenarioModel(config: config, assets: 4, seed: 7)
        _ = try fitted.fit(columns: train, names: names, options: TrainingOptions(steps: 2, batchSize: 8, seed: 7, threads: 1))
        let models = try XCTUnwrap(fitted.dataModels), global = fitted.network.parameters()
        func local() throws -> JointScenarioModel {
            let m = try JointScenarioModel(config: config, assets: 4, seed: 0)
            try m.setDataModels(models)
            try m.network.setParameters(global)
            return m
        }
        var options = TrainingOptions(steps: 3, batchSize: 8, learningRate: 1e-3, minLearningRate: 1e-3, warmupSteps: 0,
                                      validationFraction: 0, evaluateEvery: 3, seed: 11, threads: 1)
        options.outputPrior = false
        let full = try local(), weightsOnly = try local()
        _ = try full.fit(columns: periods[0], names: names, options: options)
        _ = try weightsOnly.fitNetwork(columns: periods[0], names: names, options: options)
        XCTAssertEqual(weightsOnly.network.parameters(), full.network.parameters())
        XCTAssertNotEqual(weightsOnly.network.parameters(), global)
        XCTAssertEqual(weightsOnly.dataModels, models)
        XCTAssertNotEqual(full.dataModels, models)
    }
}
