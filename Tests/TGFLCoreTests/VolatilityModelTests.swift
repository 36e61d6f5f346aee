import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// Model v2's data side against `arch` and NumPy (Tests/Fixtures/make_v2_reference.py), and its
/// generation against the recursion written out here.
final class VolatilityModelTests: XCTestCase {
    struct Reference: Decodable {
        let returns: [Double]
        let mu, omega, alpha, gamma, beta, nu: Double
        let loglikelihood: Double
        let variances: [Double]
        let z_mean, z_std: Double
        let vocab_size: Int
        let clip_sigma: Double
        let tokens: [Int32]
        let level_edges: [Double]
        let levels: [Int32]
        let regime_quantile_levels: [Double]
        let regime_thresholds: [Double]
        let regimes: [Int32]
    }

    func reference() throws -> Reference { try loadJSONFixture("v2_encoding_reference.json") }

    /// The data models built from arch's fitted parameters and NumPy's quantiles.
    func referenceModels(_ ref: Reference) throws -> DataModels {
        let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: ref.mu, omega: ref.omega,
                                   alpha: ref.alpha, gamma: ref.gamma, beta: ref.beta, nu: ref.nu)
        let volatility = try VolatilityModel(garch: garch, levelEdges: ref.level_edges,
                                             regimeVariances: [1e-5, 1e-4, 4e-4, 1e-3],
                                             initialLogSigmaQuantiles: [-6, -5, -4], sigmaFloor: 1e-6, sigmaCap: 1)
        let regimes = try RegimeModel(basis: .conditionalVolatility, quantileLevels: ref.regime_quantile_levels,
                                      thresholds: ref.regime_thresholds)
        let tokenizer = try ReturnTokenizer(vocabSize: ref.vocab_size, mean: ref.z_mean, std: ref.z_std,
                                            clipSigma: ref.clip_sigma)
        return try DataModels(tokenizer: tokenizer, regimes: regimes, volatility: volatility)
    }

    /// σ_t, tokens of z_t, volatility levels and regime labels equal arch's and NumPy's.
    func testEncodingMatchesArchAndNumPy() throws {
        let ref = try reference()
        let encoded = try referenceModels(ref).encode(ref.returns)
        assertClose(try XCTUnwrap(encoded.variances), ref.variances, rtol: 1e-9, "σ²_t (arch's recursion)")
        XCTAssertEqual(encoded.tokens, ref.tokens, "tokens of z_t")
        XCTAssertEqual(encoded.conditions, ref.levels, "volatility levels")
        XCTAssertEqual(encoded.regimes, ref.regimes, "regime labels")
    }

    /// Fitting on the same returns: our GJR-t fit is arch's (loglikelihood within 1e-4 · n),
    /// and the level edges and the tokenizer follow from it.
    func testFittedDataModelsAgreeWithArch() throws {
        let ref = try reference()
        var config = DataPipelineConfig(contextLength: 16, vocabSize: ref.vocab_size, trainFraction: 1,
                                        modelVersion: 2, volatilityLevels: ref.level_edges.count + 1)
        config.regimeQuantileLevels = ref.regime_quantile_levels
        let models = try DataModels.fit(trainingSpans: [ReturnSeries(name: "sp500", values: ref.returns)],
                                        config: config)
        let v = try XCTUnwrap(models.volatility)
        XCTAssertGreaterThanOrEqual(v.garch.logLikelihood(ref.returns) + 1e-4 * Double(ref.returns.count),
                                    ref.loglikelihood, "loglikelihood (returns in the data's units, arch ×100)")
        XCTAssertEqual(v.garch.gamma, ref.gamma, accuracy: 0.02 * ref.gamma + 2e-3, "γ")
        XCTAssertEqual(v.garch.beta, ref.beta, accuracy: 0.02 * ref.beta + 2e-3, "β")
        for (j, (a, b)) in zip(v.levelEdges, ref.level_edges).enumerated() {
            XCTAssertEqual(a, b, accuracy: 0.02, "level edge \(j) (log σ)")
        }
        XCTAssertEqual(models.tokenizer.mean, ref.z_mean, accuracy: 0.01)
        XCTAssertEqual(models.tokenizer.std, ref.z_std, accuracy: 0.01)
        // Each level holds about 1/S of the training days (quantile edges).
        let counts = Dictionary(grouping: try models.encode(ref.returns).conditions, by: { $0 }).mapValues(\.count)
        for l in 0..<v.levels { XCTAssertEqual(Double(counts[Int32(l)] ?? 0), 125, accuracy: 12, "days at level \(l)") }
    }

    func testCheckpointSectionRoundTrips() throws {
        let ref = try reference()
        let models = try referenceModels(ref)
        let v = try XCTUnwrap(models.volatility)
        var section = v.checkpointSection
        // The reader wants the stored number of initial quantiles.
        section.datasets["initial_log_sigma_quantiles"] = (0..<VolatilityModel.initialQuantileCount).map {
            -6 + Double($0) / 50
        }
        let read = try VolatilityModel(checkpointSection: section, levels: v.levels, regimes: 4)
        XCTAssertEqual(read.garch, v.garch)
        XCTAssertEqual(read.levelEdges, v.levelEdges)
        XCTAssertEqual(read.regimeVariances, v.regimeVariances)
        section.attributes["alpha"] = .double(-0.1)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: v.levels, regimes: 4)) {
            XCTAssertTrue("\($0)".contains("/volatility"), "\($0)")
        }
        section = v.checkpointSection
        section.datasets["level_edges"] = [0]
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: v.levels, regimes: 4)) {
            XCTAssertTrue("\($0)".contains("level_edges"), "\($0)")
        }
    }

    // MARK: - Generation

    /// V = 4096: bins of 0.006 σ, so z read back from a return pins σ to well under 1 %.
    static let tinyV2 = ModelConfig(vocabSize: 4096, contextLength: 40, dModel: 16, nLayers: 2, nHeads: 2, dFF: 24,
                                    nRegimes: 4, modelVersion: 2, volatilityLevels: 6)

    /// A fitted v2 model with large random weights (logits far from uniform).
    func makeV2Model() throws -> ScenarioModel {
        try makeFittedModel(Self.tinyV2, seed: 4, weightScale: 0.3)
    }

    /// Under a fixed regime every generated day follows the recursion written out here:
    /// its z lies in the sampled token's bin, σ² moves by the GJR step with the regime's ω and
    /// stays inside the regime's band, and the logits are those of a full forward pass over the
    /// tokens with the levels of that σ (KV cache and per-level output bias).
    func testFixedRegimeGenerationFollowsTheRecursion() throws {
        let model = try makeV2Model()
        let models = try XCTUnwrap(model.dataModels), v = try XCTUnwrap(models.volatility)
        let th = models.regimes.thresholds, H = 30, V = Self.tinyV2.vocabSize
        for g in 0..<4 {
            let options = GenerationOptions(paths: 3, horizon: H, regime: .fixed(g), seed: 9, threads: 1)
            let out = try model.generateRaw(options, record: true, progress: nil)
            let plan = try model.plan(options)
            let lower = g == 0 ? v.sigmaFloor : th[g - 1], upper = g == 3 ? v.sigmaCap : th[g]
            let omega = v.regimeVariances[g] * (1 - v.garch.persistence)
            for p in 0..<3 {
                var s2 = v.regimeVariances[g]
                var levels: [Int32] = []
                for d in 0..<H {
                    let r = out.returns[p * H + d], k = Int(out.tokens[p * H + d])
                    let z = (r - v.garch.mu) / s2.squareRoot()
                    let edges = models.tokenizer.binEdges
                    XCTAssertTrue(z >= edges[k] - 1e-9 && z <= edges[k + 1] + 1e-9, "z of path \(p) day \(d) in its bin")
                    XCTAssertEqual(out.regimes[p * H + d], Int32(g))
                    levels.append(Int32(v.levelEdges.filter { $0 <= 0.5 * log(s2) }.count))
                    let e = r - v.garch.mu
                    s2 = omega + (v.garch.alpha + (e < 0 ? v.garch.gamma : 0)) * e * e + v.garch.beta * s2
                    s2 = min(max(s2, lower * lower), upper * upper)
                }
                // Full forward pass over the prompt token and the sampled tokens.
                let tokens = plan.promptTokens + Array(out.tokens[(p * H)..<((p + 1) * H - 1)])
                let full = try model.logits(tokens: tokens, regimes: levels, batch: 1, length: H)
                assertClose(Array(out.logits[(p * H * V)..<((p + 1) * H * V)]), full, rtol: 1e-5, atol: 1e-5,
                            "regime \(g) path \(p): cached logits")
            }
        }
    }

    /// Unconditional paths after a prompt: σ² starts from the prompt's filtered volatility
    /// (arch's backcast and recursion, written out here), then follows the generation step (matched
    /// coefficients, calibrated ω) inside the global bounds, and each day's reported regime is the band of that σ; the
    /// paths visit several regimes. Without a prompt, the same seed gives the same bits for
    /// any thread count.
    func testUnconditionalPathsFollowTheirOwnState() throws {
        let model = try makeV2Model()
        let models = try XCTUnwrap(model.dataModels), v = try XCTUnwrap(models.volatility)
        let g = v.garch, th = models.regimes.thresholds, H = 60
        let prompt = try GARCHGenerator().paths(count: 1, length: 30, seed: 21)[0]
        let clamp = { (x: Double) in min(max(x, v.sigmaFloor * v.sigmaFloor), v.sigmaCap * v.sigmaCap) }
        let mean = prompt.reduce(0, +) / Double(prompt.count)
        let weights = (0..<min(75, prompt.count)).map { pow(0.94, Double($0)) }
        let backcast = zip(weights, prompt).reduce(0.0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
            / weights.reduce(0, +)
        func step(_ s2: Double, _ r: Double) -> Double {   // filtering: the fitted recursion
            let e = r - g.mu
            return clamp(g.omega + (g.alpha + (e < 0 ? g.gamma : 0)) * e * e + g.beta * s2)
        }
        // Unconditional generation: the dynamics matched to the data's dependence, if any, and
        // the generation intercept, from the first generated day on (the step into day 0 is the
        // fitted filter's forecast from the real prompt: issue 16).
        let d = v.generationDynamics ?? GenerationDynamics(alpha: g.alpha, gamma: g.gamma, beta: g.beta)
        let omega = v.omega(regime: nil)
        func generationStep(_ s2: Double, _ r: Double) -> Double {
            let e = r - g.mu
            guard d.power == 1 else { return clamp(omega + (d.alpha + (e < 0 ? d.gamma : 0)) * e * e + d.beta * s2) }
            let sigma = omega + (d.alpha + (e < 0 ? d.gamma : 0)) * abs(e) + d.beta * s2.squareRoot()   // TARCH
            return clamp(sigma * sigma)
        }
        var s2 = clamp(g.omega + (g.alpha + g.gamma / 2 + g.beta) * backcast)
        for r in prompt { s2 = step(s2, r) }
        let out = try model.generateRaw(GenerationOptions(paths: 16, horizon: H, regime: .unconditional,
                                                          prompt: prompt, seed: 3), record: true, progress: nil)
        let edges = models.tokenizer.binEdges
        for p in 0..<16 {
            var state = s2
            for d in 0..<H {
                let i = p * H + d, k = Int(out.tokens[i]), r = out.returns[i]
                let z = (r - g.mu) / state.squareRoot()
                XCTAssertTrue(z >= edges[k] - 1e-9 && z <= edges[k + 1] + 1e-9,
                              "path \(p) day \(d): z = \(z) outside its token's bin [\(edges[k]), \(edges[k + 1])]")
                XCTAssertEqual(out.regimes[i], Int32(th.filter { $0 <= state.squareRoot() }.count),
                               "path \(p) day \(d): the band of its σ")
                state = generationStep(state, r)
            }
        }
        XCTAssertGreaterThan(Set(out.regimes).count, 1, "paths visit several regimes")
        let free = GenerationOptions(paths: 64, horizon: H, regime: .unconditional, seed: 3)
        var one = free
        one.threads = 1
        XCTAssertEqual(try model.generate(one), try model.generate(free))
    }

    func testV1ModelRefusesUnconditionalGeneration() throws {
        let model = try makeFittedModel(GenerationTests.tiny)
        XCTAssertThrowsError(try model.generate(GenerationOptions(paths: 1, horizon: 5, regime: .unconditional))) {
            XCTAssertTrue("\($0)".contains("needs a v2 model"), "\($0)")
        }
    }

    /// A trained v2 checkpoint saves and loads with its volatility model, and generates the
    /// same bits after loading; its format_version is 2.
    func testV2CheckpointRoundTrip() throws {
        let model = try makeV2Model()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tgfl-v2-\(getpid()).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let file = try HDF5File.open(path)
        XCTAssertEqual(try file.intAttribute("format_version"), 2)
        file.close()
        let loaded = try ScenarioModel.load(from: path)
        XCTAssertEqual(loaded.dataModels, model.dataModels)
        let options = GenerationOptions(paths: 4, horizon: 20, regime: .unconditional, seed: 1)
        XCTAssertEqual(try loaded.generate(options), try model.generate(options))
    }
}
