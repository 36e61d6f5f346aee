import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_reference.py`: arch's per-asset GJR-t filters on eu_stocks and
/// NumPy's interleaving.
private struct JointReference: Decodable {
    struct Asset: Decodable {
        let name: String; let returns: [Double]; let mu: Double; let omega: Double; let alpha: Double
        let gamma: Double; let beta: Double; let nu: Double; let variances: [Double]; let level_edges: [Double]
        let levels: [Int32]; let regime_thresholds: [Double]; let regimes: [Int32]
    }
    let assets: [Asset]
    let cholesky: [[Double]]
    let z_correlation: [Double]
    let pooled_cholesky: [Double]
    let regime_days: [Int]
    let vocab_size: Int; let levels_per_asset: Int; let clip_sigma: Double; let z_mean: Double; let z_std: Double
    let regime_quantile_levels: [Double]
    let tokens: [Int32]; let conditions: [Int32]; let market_regimes: [Int32]
}

final class JointScenarioModelTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-tests" }

    private func reference() throws -> JointReference { try loadJSONFixture("joint_encoding_reference.json") }

    /// The joint data models built from arch's parameters and NumPy's quantiles.
    private func referenceModels(_ ref: JointReference) throws -> JointDataModels {
        var volatility: [VolatilityModel] = [], regimes: [RegimeModel] = []
        for a in ref.assets {
            let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: a.mu, omega: a.omega,
                                       alpha: a.alpha, gamma: a.gamma, beta: a.beta, nu: a.nu)
            volatility.append(try VolatilityModel(garch: garch, levelEdges: a.level_edges,
                                                  regimeVariances: a.regime_thresholds.map { $0 * $0 } + [1e-3],
                                                  initialLogSigmaQuantiles: [-6, -5, -4], sigmaFloor: 1e-6, sigmaCap: 1))
            regimes.append(try RegimeModel(basis: .conditionalVolatility, quantileLevels: ref.regime_quantile_levels,
                                           thresholds: a.regime_thresholds))
        }
        let tokenizer = try ReturnTokenizer(vocabSize: ref.vocab_size, mean: ref.z_mean, std: ref.z_std,
                                            clipSigma: ref.clip_sigma)
        return try JointDataModels(assets: ref.assets.map(\.name), tokenizer: tokenizer, volatility: volatility,
                                   regimes: regimes, cholesky: ref.cholesky)
    }

    /// Interleaved tokens of the whitened u = L⁻¹z, conditions `k·S + level`, each asset's σ²
    /// and the market regime (lower median of the assets' regimes) equal arch's and NumPy's.
    func testEncodingMatchesArchAndNumPy() throws {
        let ref = try reference()
        let encoded = try referenceModels(ref).encode(ref.assets.map(\.returns))
        for (k, a) in ref.assets.enumerated() {
            assertClose(encoded.variances[k], a.variances, rtol: 1e-9, "σ² of \(a.name)")
        }
        XCTAssertEqual(encoded.tokens, ref.tokens, "interleaved tokens")
        XCTAssertEqual(encoded.conditions, ref.conditions, "conditions k·S + level")
        XCTAssertEqual(encoded.regimes, ref.market_regimes, "market regimes")
    }

    /// The whitening factor is numpy.linalg.cholesky of the correlation of z.
    func testCholeskyMatchesNumPy() throws {
        let ref = try reference()
        assertClose(try JointDataModels.choleskyFactor(ref.z_correlation, 4), ref.pooled_cholesky, rtol: 1e-12, atol: 1e-14, "L")
        // The fixture exercises both rules: regimes with their own matrix, and one (crisis) pooled with calmer days.
        XCTAssertTrue(ref.regime_days.contains { $0 >= JointDataModels.minimumRegimeDays })
        XCTAssertTrue(ref.regime_days.contains { $0 < JointDataModels.minimumRegimeDays })
        XCTAssertThrowsError(try JointDataModels.choleskyFactor([1, 1, 1, 1], 2)) { e in
            XCTAssertTrue("\(e)".contains("collinear"), "\(e)")
        }
    }

    /// Bad input names the asset and the day.
    func testEncodingErrorsNameTheAsset() throws {
        let ref = try reference()
        let models = try referenceModels(ref)
        var columns = ref.assets.map { Array($0.returns.prefix(50)) }
        columns[2][7] = .nan
        XCTAssertThrowsError(try models.encode(columns)) { e in
            XCTAssertTrue("\(e)".contains("asset 'cac'"), "\(e)")
        }
        XCTAssertThrowsError(try models.encode([columns[0], Array(columns[1].prefix(10)), columns[2], columns[3]])) { e in
            XCTAssertTrue("\(e)".contains("asset 'smi' has 10 days"), "\(e)")
        }
        XCTAssertThrowsError(try models.encode(Array(columns.prefix(3)))) { e in
            XCTAssertTrue("\(e)".contains("3 columns but the model has 4 assets"), "\(e)")
        }
    }

    // MARK: - Training, generation, checkpoints

    static let tiny = ModelConfig(vocabSize: 64, contextLength: 32, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64,
                                  nRegimes: 4)

    /// eu_stocks log returns, one column per asset.
    private func euStocks() throws -> (names: [String], columns: [[Double]]) {
        let all = try MarketData.bundled(.euStocks).allLogReturns()
        return (all.map { String($0.name.split(separator: ".").last!) }, all.map(\.values))
    }

    private func trainedModel(steps: Int, assets: Int = 4) throws -> (JointScenarioModel, [[Double]]) {
        let (names, columns) = try euStocks()
        let config = JointScenarioModel.config(base: Self.tiny, assets: assets, levels: 4)
        let model = try JointScenarioModel(config: config, assets: assets, seed: 3)
        let options = TrainingOptions(steps: steps, batchSize: 16, learningRate: 3e-3, minLearningRate: 3e-4,
                                      warmupSteps: 10, validationFraction: 0.2, evaluateEvery: 1000, seed: 5, threads: 1)
        _ = try model.fit(columns: Array(columns.prefix(assets)), names: Array(names.prefix(assets)), options: options)
        return (model, Array(columns.prefix(assets)))
    }

    /// Same seed → same bits for 1 and 3 threads; shapes; a fixed regime is reported on every
    /// day; the model refuses a bad regime naming the valid ones.
    func testGenerationIsDeterministicAndShaped() throws {
        let (model, _) = try trainedModel(steps: 3, assets: 2)
        var options = JointGenerationOptions(paths: 70, horizon: 25, regime: .fixed(3), seed: 11, threads: 1)
        let a = try model.generate(options)
        options.threads = 3
        let b = try model.generate(options)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.pathCount, 70); XCTAssertEqual(a.horizon, 25)
        XCTAssertEqual(a.returns[0][0].count, 2); XCTAssertEqual(a.assets, ["dax", "smi"])
        XCTAssertTrue(a.regimes.allSatisfy { $0.allSatisfy { $0 == 3 } })
        XCTAssertTrue(a.returns.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isFinite) } })
        options.regime = .fixed(9)
        XCTAssertThrowsError(try model.generate(options)) { e in XCTAssertTrue("\(e)".contains("crisis (3)"), "\(e)") }
        // A prompt of real days (more than the context holds) continues from the data.
        let (_, columns) = try euStocks()
        options = JointGenerationOptions(paths: 5, horizon: 4, prompt: columns.prefix(2).map { Array($0.prefix(40)) }, seed: 1)
        XCTAssertEqual(try model.generate(options).horizon, 4)
    }

    /// The regime sets each asset's volatility: the spread of generated returns under calm and
    /// under crisis is within a factor 2 of that asset's own regime level √v_g (fitted on its
    /// training days), and crisis is the wider.
    func testRegimeSetsEachAssetsVolatility() throws {
        let (model, _) = try trainedModel(steps: 3, assets: 2)
        let models = try XCTUnwrap(model.dataModels)
        for g in [0, 3] {
            let set = try model.generate(JointGenerationOptions(paths: 64, horizon: 15, regime: .fixed(g), seed: 2))
            for k in 0..<2 {
                let sd = try Descriptive.standardDeviation(set.returns.flatMap { $0.map { $0[k] } })
                let level = models.volatility[k].regimeVariances[g].squareRoot()
                XCTAssertTrue((0.5 * level...2 * level).contains(sd), "asset \(k) regime \(g): sd \(sd), level \(level)")
            }
        }
        XCTAssertGreaterThan(models.volatility[0].regimeVariances[3], 4 * models.volatility[0].regimeVariances[0])
    }

    /// A fixed regime without a prompt starts every asset at one quantile of its own training σ,
    /// drawn inside the regime's band (one u per path for all assets): at u the start σ_k is the
    /// `q_g + u·(q_{g+1} − q_g)` quantile of arch's filtered σ on the same 800 days
    /// (`make_joint_reference.py`; NumPy's linear quantile), within 4 % (TGFL's own GJR fit and
    /// its 101-point quantile grid against arch's; u ≤ 0.8, as the top of the crisis band — the
    /// last 4 of 800 days — rests on the fitted γ: at the 99.5 % quantile TGFL's SMI σ is 0.033,
    /// arch's 0.023). With a prompt there is no band start. (A model without market-regime starts;
    /// with them the start is `JointRegimeStarts`', JointRegimeStartsTests.)
    func testRegimeStartDrawsInsideTheBand() throws {
        let ref = try reference()
        let names = ref.assets.map(\.name), columns = ref.assets.map(\.returns)
        let config = JointScenarioModel.config(base: Self.tiny, assets: names.count, levels: 4)
        let model = try JointScenarioModel(config: config, assets: names.count, seed: 1)
        var settings = DataPipelineConfig(model: config, trainFraction: 1)
        settings.volatilityLevels = 4
        settings.joint.regimeStarts = false     // the band rule (a model without market-regime starts, session 19)
        let models = try JointDataModels.fit(assets: names, trainingColumns: columns, config: settings)
        try model.setDataModels(models)
        func quantile(_ sorted: [Double], _ q: Double) -> Double {
            let x = q * Double(sorted.count - 1), i = min(Int(x), sorted.count - 2)
            return sorted[i] + (x - Double(i)) * (sorted[i + 1] - sorted[i])
        }
        let archSigmas = ref.assets.map { $0.variances.map { $0.squareRoot() }.sorted() }
        for (g, band) in [(0, 0.0...0.4), (1, 0.4...0.8), (3, 0.95...1.0)] {
            let plan = try model.plan(JointGenerationOptions(paths: 1, horizon: 1, regime: .fixed(g)), models: models)
            let bands = try XCTUnwrap(plan.startBands)
            XCTAssertNil(plan.startVariances)
            for u in [0.1, 0.5, 0.8] {
                let start = JointScenarioModel.bandStartVariances(u: u, bands: bands, volatility: models.volatility)
                for k in names.indices {
                    XCTAssertEqual(bands[k].quantiles, band)
                    let expected = quantile(archSigmas[k], band.lowerBound + u * (band.upperBound - band.lowerBound))
                    XCTAssertEqual(start[k].squareRoot(), expected, accuracy: 0.04 * expected,
                                   "\(names[k]), regime \(g), u \(u)")
                }
            }
        }
        let prompted = try model.plan(JointGenerationOptions(paths: 1, horizon: 1, regime: .fixed(3),
                                                             prompt: columns.map { Array($0.prefix(50)) }), models: models)
        XCTAssertNil(prompted.startBands)
        XCTAssertNotNil(prompted.startVariances)
        // With market-regime starts (the default since session 19) a regime run has no band start.
        settings.joint.regimeStarts = true
        let withStarts = try JointDataModels.fit(assets: names, trainingColumns: columns, config: settings)
        let plan = try model.plan(JointGenerationOptions(paths: 1, horizon: 1, regime: .fixed(0)), models: withStarts)
        XCTAssertNil(plan.startBands)
        XCTAssertEqual(plan.regimeStart?.regime, 0)
        XCTAssertNotNil(plan.regimeStart)
    }

    /// Save and load: same assets, data models and weights, bit-identical scenarios;
    /// format_version 3; each loader refuses the other kind of file with a message naming the fix.
    func testCheckpointRoundTrip() throws {
        let (model, _) = try trainedModel(steps: 4, assets: 3)
        let path = directory.appendingPathComponent("joint.h5").path
        try model.save(to: path)
        let loaded = try JointScenarioModel.load(from: path)
        XCTAssertEqual(loaded.assets, ["dax", "smi", "cac"])
        XCTAssertEqual(loaded.dataModels, model.dataModels)
        XCTAssertEqual(loaded.network.parameters(), model.network.parameters())
        let options = JointGenerationOptions(paths: 33, horizon: 12, seed: 4)
        XCTAssertEqual(try loaded.generate(options), try model.generate(options))
        XCTAssertEqual(try Checkpoint.load(from: path).writtenFormatVersion, 3)
        XCTAssertTrue(try JointScenarioModel.isJoint(checkpointAt: path))
        XCTAssertThrowsError(try ScenarioModel.load(from: path)) { e in
            XCTAssertTrue("\(e)".contains("JointScenarioModel.load"), "\(e)")
        }
        let single = try ScenarioModel(config: Self.tiny.v2(levels: 4), seed: 1)
        let singlePath = directory.appendingPathComponent("single.h5").path
        try single.save(to: singlePath)
        XCTAssertEqual(try Checkpoint.load(from: singlePath).writtenFormatVersion, 2, "v2 files stay format_version 2")
        XCTAssertThrowsError(try JointScenarioModel.load(from: singlePath)) { e in
            XCTAssertTrue("\(e)".contains("single-series"), "\(e)")
        }
    }

    /// The point of the joint model: trained on the four European indices, its scenarios carry
    /// their strong same-day correlation (real training days: about 0.5–0.7), which
    /// independent single-asset models would not (≈ 0). Tolerance 0.2 on every pair for this
    /// tiny, briefly trained model.
    func testJointScenariosCarryTheCorrelation() throws {
        let (model, columns) = try trainedModel(steps: 150)
        let train = columns.map { Array($0.prefix(Int(0.8 * Double($0.count)))) }
        let real = try CrossAsset.correlation(train)
        let set = try model.generate(JointGenerationOptions(paths: 200, horizon: 20, seed: 9))
        let pooled = (0..<4).map { k in set.returns.flatMap { $0.map { $0[k] } } }
        let generated = try CrossAsset.correlation(pooled)
        let worst = zip(generated.values, real.values).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 0.2, "generated \(generated.values) vs real \(real.values)")
        XCTAssertGreaterThan(generated.meanOffDiagonal, 0.3)
    }
}
