import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `ScenarioModel.adaptingVolatility(to:trainFraction:calibration:)`: a model trained on two assets
/// pooled (one filter, one level — as a federation's global model) adapted to one of them. The
/// filter is checked against `arch`'s GJR-GARCH-t fit of that asset alone and the level against the
/// asset's own standard deviation (Tests/Fixtures/make_pretraining_reference.py: the S&P 500,
/// sd ≈ 1.3 %, and USD/DEM 1980–87, sd ≈ 0.7 %, first 1,000 returns each).
final class VolatilityAdaptationTests: XCTestCase {
    func reference() throws -> PretrainingTests.Reference { try loadJSONFixture("pretraining_reference.json") }

    static let config = ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                    nRegimes: 4).v2(levels: 8)
    static let pilot = VolatilityCalibrationOptions(paths: 256, horizon: 250, iterations: 4, tolerance: 0.01, seed: 0)

    /// A tiny model trained on both series pooled, its level calibrated to the pooled variance.
    func pooledModel(_ ref: PretrainingTests.Reference) throws -> ScenarioModel {
        let model = try ScenarioModel(config: Self.config, seed: 5)
        var options = TrainingOptions(steps: 4, batchSize: 4, validationFraction: 0.1, evaluateEvery: 2, seed: 5)
        options.volatilityCalibration = Self.pilot
        _ = try Trainer(model: model, options: options)
            .fit(series: ref.series.map { ReturnSeries(name: $0.name, values: $0.returns) })
        return model
    }

    func generatedStd(_ model: ScenarioModel) throws -> Double {
        let set = try model.generate(GenerationOptions(paths: 400, horizon: 250, regime: .unconditional, seed: 7))
        return try Descriptive.standardDeviation(Array(set.returns.joined()), ddof: 1)
    }

    func testAdaptedCopyHasTheAssetsOwnFilterAndLevel() throws {
        let ref = try reference()
        let model = try pooledModel(ref)
        let before = try XCTUnwrap(model.dataModels)
        let network = model.parameters()
        let dem = ref.series[1]
        let realStd = try Descriptive.standardDeviation(dem.returns, ddof: 1)
        // The global model's level is the pool's: far from the FX rate's (this is what adaptation fixes).
        let pooledStd = try generatedStd(model)
        XCTAssertGreaterThan(pooledStd / realStd, 1.25, "the pooled model's level is not the FX rate's")

        let adapted = try model.adaptingVolatility(to: ReturnSeries(name: dem.name, values: dem.returns),
                                                   calibration: Self.pilot)
        let copy = adapted.model
        XCTAssertEqual(copy.parameters(), network, "the network is shared, not changed")
        XCTAssertTrue(copy.dataModels?.tokenizer == before.tokenizer, "the tokenizer is shared")
        XCTAssertEqual(model.dataModels?.volatility, before.volatility, "the original model is unchanged")
        XCTAssertEqual(model.parameters(), network)

        // The filter is the FX rate's own GJR-t fit (arch), not the pool's.
        let g = try XCTUnwrap(copy.volatilityModel).garch
        assertClose([g.omega, g.alpha + g.gamma / 2 + g.beta], [dem.omega, dem.alpha + dem.gamma / 2 + dem.beta],
                    rtol: 0.05, "\(dem.name): ω and persistence against arch")
        // Its standardised returns are arch's z (same filter up to the fit's tolerance).
        let variances = try XCTUnwrap(copy.volatilityModel).variances(dem.returns)
        let z = zip(dem.returns, variances).map { ($0 - g.mu) / $1.squareRoot() }
        let dz = zip(z, dem.z).map { abs($0 - $1) }.sorted()
        XCTAssertLessThan(dz[dz.count / 2], 0.05, "median |z − z_arch|")

        // The level: unconditional scenarios have the FX rate's own standard deviation.
        let calibration = try XCTUnwrap(adapted.calibration)
        XCTAssertEqual(calibration.targetVariance, realStd * realStd * Double(dem.returns.count - 1)
                       / Double(dem.returns.count), accuracy: 1e-12, "target = the asset's own variance (ddof 0)")
        XCTAssertEqual(try generatedStd(copy) / realStd, 1, accuracy: 0.10,
                       "adapted unconditional std against the FX rate's real std")
        XCTAssertTrue(copy.history.records.isEmpty, "the copy starts a new history")
    }

    /// Same inputs, same bits for any thread count; no calibration leaves the fitted ω.
    func testDeterministicAndCalibrationOptional() throws {
        let ref = try reference()
        let model = try pooledModel(ref)
        let sp = ReturnSeries(name: "sp", values: ref.series[0].returns)
        var one = Self.pilot, two = Self.pilot
        one.threads = 1
        two.threads = 2
        let a = try model.adaptingVolatility(to: sp, trainFraction: 0.8, calibration: one)
        let b = try model.adaptingVolatility(to: sp, trainFraction: 0.8, calibration: two)
        XCTAssertEqual(a.model.volatilityModel, b.model.volatilityModel, "1 and 2 threads")
        XCTAssertEqual(a.calibration, b.calibration)
        let plain = try model.adaptingVolatility(to: sp, trainFraction: 0.8, calibration: nil)
        XCTAssertNil(plain.calibration)
        let own = try VolatilityModel.fit(trainingSpans: [ReturnSeries(name: "sp", values: Array(sp.values.prefix(800)))],
                                          levels: 8, regimeNames: RegimeModel.defaultNames,
                                          regimeQuantileLevels: RegimeModel.defaultQuantileLevels).0
        XCTAssertEqual(plain.model.volatilityModel, own, "the filter is fitted on the first trainFraction only")
    }

    /// `resetOutputPrior`: each row of `level_bias` is the prior of the asset's own training days —
    /// `TokenPrior.levelLogProbabilities` (checked against NumPy in `ConditionalVolatilityTests`) of
    /// the counts of the tokens of the first 80 % of the series at each volatility level, encoded
    /// with the refitted filter — and `head.bias` is 0; every other network parameter is the
    /// shared one; the default keeps the network's priors.
    func testResetOutputPriorSetsOnlyTheLevelPriorsFromTheAssetsOwnDays() throws {
        let ref = try reference()
        let model = try pooledModel(ref)
        let network = model.parameters()
        let dem = ReturnSeries(name: "dem", values: ref.series[1].returns)
        let own = try model.adaptingVolatility(to: dem, trainFraction: 0.8, calibration: nil, resetOutputPrior: true).model
        let kept = try model.adaptingVolatility(to: dem, trainFraction: 0.8, calibration: nil).model
        XCTAssertEqual(kept.parameters(), network, "default: the network's priors")
        XCTAssertEqual(own.volatilityModel, kept.volatilityModel, "the same refitted filter")

        // The expected priors, from the asset's own first 80 % (the split the filter was fitted on).
        let n = dem.values.count, trainDays = Int(0.8 * Double(n))
        let span = Array(dem.values.prefix(trainDays))
        let ownFilter = try VolatilityModel.fit(trainingSpans: [ReturnSeries(name: "dem", values: span)], levels: 8,
                                                regimeNames: RegimeModel.defaultNames,
                                                regimeQuantileLevels: RegimeModel.defaultQuantileLevels).0
        XCTAssertEqual(own.volatilityModel, ownFilter, "the filter is fitted on the asset's first 80 %")
        let encoded = try XCTUnwrap(own.dataModels).encode(span, what: "dem")
        let V = Self.config.vocabSize, S = Self.config.volatilityLevels
        let counts = try TokenPrior.levelCounts(tokens: [encoded.tokens], levels: [encoded.conditions],
                                                vocabSize: V, levelCount: S)
        let rows = try TokenPrior.levelLogProbabilities(counts: counts, floor: ScenarioModel.levelPriorFloor)
        let table = try Self.parameter("level_bias.weight", of: own)
        XCTAssertEqual(table.count, S * V)
        for l in 0..<S {
            XCTAssertEqual(Array(table[l * V..<(l + 1) * V]), rows[l].map { Float($0) }, "level_bias row \(l)")
        }
        XCTAssertEqual(try Self.parameter("head.bias", of: own), [Float](repeating: 0, count: V), "head.bias = 0")
        XCTAssertNotEqual(try Self.parameter("level_bias.weight", of: model), table, "the pooled model's priors differ")
        let changed = zip(own.parameters(), network).filter { $0 != $1 }.count
        XCTAssertLessThanOrEqual(changed, S * V + V, "only level_bias and head.bias change")
    }

    /// A named network parameter of a model, copied.
    private static func parameter(_ name: String, of model: ScenarioModel) throws -> [Float] {
        let spec = try XCTUnwrap(ParameterLayout(config: model.config).specs.first { $0.name == name }, name)
        return Array(model.parameters()[spec.offset..<spec.offset + spec.count])
    }

    struct ReceivedReference: Decodable {
        struct Filter: Decodable { let mu, omega, alpha, gamma, beta, nu: Double }
        let received: Filter
        let train_days, levels: Int
        let regime_quantile_levels: [Double]
        let mu, omega, sigma_floor, sigma_cap, own_persistence: Double
        let sigma, level_edges, thresholds, regime_variances, initial_log_sigma_quantiles: [Double]
    }

    /// A model whose received dynamics are arch's GJR-t fit of the S&P 500 (as a federation's pooled
    /// filter would be), with a matched generation recursion and the slow-level quantiles that the
    /// adaptation must keep.
    func receivedModel(_ ref: PretrainingTests.Reference, _ rd: ReceivedReference) throws -> ScenarioModel {
        let model = try pooledModel(ref)
        let current = try XCTUnwrap(model.dataModels), v = try XCTUnwrap(current.volatility)
        let f = rd.received
        let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: f.mu, omega: f.omega,
                                   alpha: f.alpha, gamma: f.gamma, beta: f.beta, nu: f.nu)
        var received = try VolatilityModel(garch: garch, levelEdges: v.levelEdges, regimeVariances: v.regimeVariances,
                                           initialLogSigmaQuantiles: v.initialLogSigmaQuantiles,
                                           sigmaFloor: v.sigmaFloor, sigmaCap: v.sigmaCap)
        received.generationDynamics = GenerationDynamics(alpha: 0.031, gamma: 0.087, beta: 0.93, power: 1)
        received.generationLevelLogQuantiles = (0..<VolatilityModel.initialQuantileCount).map { Double($0) / 50 - 1 }
        received.generationZSignScales = try ZSignScales(factors: [0.9, 1.1])
        received.generationOmega = 3e-6            // the pool's calibrated level: not the institution's
        received.generationMean = 4e-4
        received.generationTargetVariance = 1e-4
        try model.setDataModels(DataModels(tokenizer: current.tokenizer, regimes: current.regimes, volatility: received))
        return model
    }

    /// `dynamics: .received` keeps the received α, γ, β, ν and generation recursion exactly and fits
    /// only the level on the institution's days: μ and ω by mean and variance targeting, the level
    /// edges, regimes, bounds and σ_0 quantiles under that filter — all against NumPy and arch's
    /// filter at fixed parameters (Tests/Fixtures/make_received_dynamics_reference.py).
    func testReceivedDynamicsAreKeptAndOnlyTheLevelIsTheInstitutions() throws {
        let ref = try reference()
        let rd: ReceivedReference = try loadJSONFixture("received_dynamics_reference.json")
        let model = try receivedModel(ref, rd)
        let received = try XCTUnwrap(model.volatilityModel)
        let network = model.parameters()
        let dem = ReturnSeries(name: "dem", values: ref.series[1].returns)
        XCTAssertEqual(rd.train_days, Int(0.8 * Double(dem.values.count)))
        let adapted = try model.adaptingVolatility(to: dem, trainFraction: 0.8, calibration: nil, dynamics: .received)
        let v = try XCTUnwrap(adapted.model.volatilityModel)
        XCTAssertEqual(adapted.model.parameters(), network, "the network is shared")
        XCTAssertTrue(adapted.model.dataModels?.tokenizer == model.dataModels?.tokenizer, "the tokenizer is shared")
        XCTAssertEqual(model.volatilityModel, received, "the received model is unchanged")

        // The dynamics: exactly the received ones.
        XCTAssertEqual([v.garch.alpha, v.garch.gamma, v.garch.beta], [received.garch.alpha, received.garch.gamma,
                                                                       received.garch.beta], "α, γ, β kept")
        XCTAssertEqual(v.garch.nu, received.garch.nu, "ν kept")
        XCTAssertEqual(v.garch.specification, received.garch.specification)
        XCTAssertEqual(v.generationDynamics, received.generationDynamics, "the generation recursion kept")
        XCTAssertEqual(v.generationLevelLogQuantiles, received.generationLevelLogQuantiles)
        XCTAssertEqual(v.generationZSignScales, received.generationZSignScales)
        // The received level is not kept: the copy is uncalibrated until calibrated on its own days.
        XCTAssertNil(v.generationOmega)
        XCTAssertNil(v.generationMean)
        XCTAssertNil(v.generationTargetVariance)

        // The level: the institution's own (NumPy, arch at fixed parameters).
        assertClose(v.garch.mu, rd.mu, rtol: 1e-10, "μ = mean of the 800 training days")
        assertClose(v.garch.omega, rd.omega, rtol: 1e-10, "ω by variance targeting")
        assertClose(v.garch.conditionalVariances(Array(dem.values.prefix(rd.train_days))).map { $0.squareRoot() },
                    rd.sigma, rtol: 1e-9, "σ_t against arch's filter at the fixed parameters")
        assertClose(v.levelEdges, rd.level_edges, rtol: 1e-9, "level edges")
        let regimes = try XCTUnwrap(adapted.model.dataModels?.regimes)
        XCTAssertEqual(regimes.quantileLevels, rd.regime_quantile_levels)
        assertClose(regimes.thresholds, rd.thresholds, rtol: 1e-9, "regime thresholds")
        assertClose(v.regimeVariances, rd.regime_variances, rtol: 1e-9, "regime variances")
        assertClose([v.sigmaFloor, v.sigmaCap], [rd.sigma_floor, rd.sigma_cap], rtol: 1e-9, "σ bounds")
        assertClose(v.initialLogSigmaQuantiles, rd.initial_log_sigma_quantiles, rtol: 1e-9, "σ_0 quantiles")

        // The default is the institution's own fit (arch's DEM persistence, not the received one).
        let own = try XCTUnwrap(model.adaptingVolatility(to: dem, trainFraction: 0.8, calibration: nil).model.volatilityModel)
        XCTAssertEqual(own.garch.persistence, rd.own_persistence, accuracy: 0.01, "default .own: DEM's own GJR-t")
        XCTAssertNil(own.generationDynamics, "default .own: the received recursion is not kept (as before)")
        XCTAssertEqual(try model.adaptingVolatility(to: dem, trainFraction: 0.8, calibration: nil, dynamics: .own)
                        .model.volatilityModel, own)

        // Calibrating on top sets the institution's level and keeps the dynamics.
        let calibrated = try model.adaptingVolatility(to: dem, trainFraction: 0.8, calibration: Self.pilot, dynamics: .received)
        let c = try XCTUnwrap(calibrated.model.volatilityModel)
        XCTAssertEqual(c.generationDynamics, received.generationDynamics)
        XCTAssertEqual(c.garch, v.garch)
        let realStd = try Descriptive.standardDeviation(dem.values, ddof: 1)
        XCTAssertEqual(try generatedStd(calibrated.model) / realStd, 1, accuracy: 0.10,
                       "adapted unconditional std against the FX rate's real std")
    }

    func testReceivedDynamicsRefusals() throws {
        let ref = try reference()
        let model = try pooledModel(ref)
        let flat = ReturnSeries(name: "flat one", values: [Double](repeating: 0, count: 600))
        assertThrows(try model.adaptingVolatility(to: flat, calibration: nil, dynamics: .received),
                     containing: ["flat one", "variance"])
        let v = try XCTUnwrap(model.volatilityModel)
        assertThrows(try v.keepingDynamics(levelFittedOn: [ReturnSeries(name: "one day", values: [0.01])], levels: 8,
                                           regimeNames: RegimeModel.defaultNames,
                                           regimeQuantileLevels: RegimeModel.defaultQuantileLevels),
                     containing: ["one day", "at least 2"])
    }

    func testRefusals() throws {
        let ref = try reference()
        let s = ReturnSeries(name: "dem", values: ref.series[1].returns)
        let v1 = try ScenarioModel(config: ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1,
                                                       nHeads: 2, dFF: 32, nRegimes: 4), seed: 1)
        assertThrows(try v1.adaptingVolatility(to: s), containing: ["needs model v2"])
        let fresh = try ScenarioModel(config: Self.config, seed: 1)
        assertThrows(try fresh.adaptingVolatility(to: s), containing: ["adapt the volatility state"])
        let model = try pooledModel(ref)
        assertThrows(try model.adaptingVolatility(to: s, trainFraction: 0), containing: ["trainFraction", "(0, 1]"])
        assertThrows(try model.adaptingVolatility(to: ReturnSeries(name: "short one", values: [0.01, -0.02, 0.005])),
                     containing: ["short one"])
    }
}
