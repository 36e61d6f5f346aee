import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_regime_starts_reference.py` (NumPy; seed 19, and the joint_v1 fixture model).
private struct RegimeStartsReference: Decodable {
    struct Synthetic: Decodable { let sigmas: [[Double]]; let labels: [Int32]; let quantiles: [[[Double]]]; let regime_days: [Int] }
    struct Model: Decodable {
        let training: [[Double]]; let labels: [Int32]; let quantiles: [[[Double]]]; let starts: [String: [[Double]]]
        let outside_own_band: [String: Double]
    }
    let synthetic: Synthetic; let model: Model
}

/// The market-regime starts of joint generation (issue 17, session 19): the quantiles against
/// NumPy, day 0's σ of a run under a regime against NumPy's rule, the bounds of later days, the
/// old bits when off, and the optional `/joint` dataset (version 9).
final class JointRegimeStartsTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-regime-starts-tests" }

    private func reference() throws -> RegimeStartsReference {
        try loadJSONFixture("joint_regime_starts_reference.json", as: RegimeStartsReference.self)
    }

    private func fixtureModel() throws -> (JointScenarioModel, JointDataModels, JointRegimeStarts, RegimeStartsReference) {
        let ref = try reference()
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        return (model, models, try JointRegimeStarts.fit(trainingSpans: [ref.model.training], models: models), ref)
    }

    /// Each regime's log σ quantiles equal numpy.quantile on the regime's rows (a regime with fewer
    /// than 30 days pools the calmer ones); on the fixture model the stored filters' σ and the market
    /// labels are NumPy's too. Bad input is refused naming what is wrong.
    func testQuantilesMatchNumPy() throws {
        let ref = try reference()
        XCTAssertLessThan(ref.synthetic.regime_days[3], JointDataModels.minimumRegimeDays, "the fixture pools a regime")
        let synthetic = try JointRegimeStarts.fit(sigmas: ref.synthetic.sigmas, labels: ref.synthetic.labels, regimes: 4)
        for g in 0..<4 {
            for k in 0..<3 {
                assertClose(synthetic.logSigmaQuantiles[g][k], ref.synthetic.quantiles[g][k], rtol: 1e-12, atol: 1e-12,
                            "synthetic regime \(g), column \(k)")
            }
        }
        let (_, _, starts, _) = try fixtureModel()
        for g in 0..<4 {
            for k in 0..<2 {
                assertClose(starts.logSigmaQuantiles[g][k], ref.model.quantiles[g][k], rtol: 1e-10, atol: 1e-10,
                            "fixture model regime \(g), asset \(k)")
            }
        }
        XCTAssertThrowsError(try JointRegimeStarts.fit(sigmas: [[0.01, 0.02]], labels: [0], regimes: 4)) { e in
            XCTAssertTrue("\(e)".contains("one σ per asset and day"), "\(e)")
        }
        XCTAssertThrowsError(try JointRegimeStarts(logSigmaQuantiles: [[[0, -1]]])) { e in
            XCTAssertTrue("\(e)".contains("regime 0, asset 0") && "\(e)".contains("non-decreasing"), "\(e)")
        }
    }

    /// `JointDataModels.fit` fits the starts when `JointDataSettings.regimeStarts` is on (the default):
    /// the ones `fit(trainingSpans:models:)` gives under its filters, `/joint` version 9; off, none
    /// (version 8, the two-factor rule's, as before).
    func testFitFollowsTheSetting() throws {
        let ref = try reference()
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        XCTAssertTrue(config.joint.regimeStarts)
        config.joint.bandMap = false                               // (a band map, the default since session 21, writes 12)
        let fitted = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: ref.model.training, config: config)
        XCTAssertEqual(fitted.regimeStarts, try JointRegimeStarts.fit(trainingSpans: [ref.model.training], models: fitted))
        XCTAssertEqual(fitted.checkpointSection.attributes["version"], .int(9))
        config.joint.regimeStarts = false
        let off = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: ref.model.training, config: config)
        XCTAssertNil(off.regimeStarts)
        XCTAssertEqual(off.checkpointSection.attributes["version"], .int(8))
        XCTAssertEqual(try off.replacingRegimeStarts(fitted.regimeStarts), fitted, "the starts are the only difference")
    }

    /// σ of a generated day, read back from the return and the recorded z (r − μ = σ z; on a zero day
    /// z = −μ/σ, so the same formula holds).
    private func sigmas(_ run: (set: JointScenarioSet, z: [Double], bands: [Int32]), models: JointDataModels) -> [[[Double]]] {
        let K = models.count, H = run.set.horizon
        return run.set.returns.enumerated().map { p, days in
            days.enumerated().map { d, r in (0..<K).map { k in (r[k] - models.volatility[k].garch.mu) / run.z[(p * H + d) * K + k] } }
        }
    }

    /// Under regime g (calm and crisis), day 0's σ of every path and asset is NumPy's: the path's first
    /// uniform through the regime's quantiles on the market-regime days. Later days stay within the
    /// range of those days' σ. `useRegimeStarts = false`, a model without starts and unconditional
    /// runs give the old bits; 1 and 3 threads the same bits.
    func testGenerationStartsWhereTheMarketRegimeWas() throws {
        let (model, models, starts, ref) = try fixtureModel()
        XCTAssertGreaterThan(ref.model.outside_own_band["0"] ?? 0, 0.2, "market-calm days with an asset outside its calm band")
        var options = JointGenerationOptions(paths: 64, horizon: 1, regime: .fixed(0), seed: 29, threads: 1)
        let unconditional = JointGenerationOptions(paths: 20, horizon: 10, seed: 5, threads: 1)
        let before = try [0, 3].map { g -> JointScenarioSet in
            options.regime = .fixed(g)
            return try model.generate(options)
        }
        let unconditionalBefore = try model.generate(unconditional)
        try model.setDataModels(try models.replacingRegimeStarts(starts))
        for (i, g) in [0, 3].enumerated() {
            options.regime = .fixed(g)
            let run = try model.generate(options, recordingZ: true)
            let expected = try XCTUnwrap(ref.model.starts["\(g)"])
            for (p, days) in sigmas(run, models: models).enumerated() {
                assertClose(days[0], expected[p], rtol: 1e-9, atol: 0, "regime \(g), path \(p)")
            }
            options.useRegimeStarts = false
            XCTAssertEqual(try model.generate(options), before[i], "useRegimeStarts = false: the old bits (regime \(g))")
            options.useRegimeStarts = true
            options.threads = 3
            XCTAssertEqual(try model.generate(options), run.set, "1 and 3 threads (regime \(g))")
            options.threads = 1
        }
        XCTAssertEqual(try model.generate(unconditional), unconditionalBefore, "unconditional runs do not use the starts")
        // Later days under a regime: within the range of σ on the training days of that market regime.
        let path = JointGenerationOptions(paths: 32, horizon: 6, regime: .path([0, 0, 3, 3, 0, 0]), seed: 3, threads: 1)
        let labels: [Int] = [0, 0, 3, 3, 0, 0]
        for days in sigmas(try model.generate(path, recordingZ: true), models: models) {
            for (d, s) in days.enumerated() {
                for k in 0..<2 {
                    let q = ref.model.quantiles[labels[d]][k]
                    // day d's σ was bounded under the label of day d (the step into day d uses it).
                    let lo = max(exp(q[0]), models.volatility[k].sigmaFloor), hi = min(exp(q[100]), models.volatility[k].sigmaCap)
                    XCTAssertTrue(s[k] >= lo * (1 - 1e-9) && s[k] <= hi * (1 + 1e-9),
                                  "day \(d), asset \(k): σ \(s[k]) outside [\(lo), \(hi)]")
                }
            }
        }
        try model.setDataModels(models)
        XCTAssertEqual(try [0, 3].map { g -> JointScenarioSet in
            options.regime = .fixed(g)
            return try model.generate(options)
        }, before, "a model without starts: the old bits")
    }

    /// Stored as `regime_starts.log_sigma_quantiles` [R·K·101] under `/joint` version 9 and read back
    /// equal; a section without it reads as nil and writes the version it wrote before; a bad dataset is
    /// refused naming it; starts for another number of assets are refused.
    func testCheckpoint() throws {
        let (model, models, starts, _) = try fixtureModel()
        XCTAssertThrowsError(try models.replacingRegimeStarts(try JointRegimeStarts(logSigmaQuantiles: [starts.logSigmaQuantiles[0]]))) { e in
            XCTAssertTrue("\(e)".contains("1 regimes × 2 assets, but there are 4 regimes × 2 assets"), "\(e)")
        }
        try model.setDataModels(try models.replacingRegimeStarts(starts))
        let (section, config) = try assertOptionalPartRoundTrips(model, file: "starts.h5", version: 9,
                                                                 dataset: "regime_starts.log_sigma_quantiles",
                                                                 expected: starts, part: \.regimeStarts)
        XCTAssertEqual(JointDataModels.version, 13, "version 13: session 24's start dependence; 12: session 21's z band map (11: the regime z tail map; 10: session 20's band map)")
        var bad = section
        var flat = starts.logSigmaQuantiles.flatMap { $0.flatMap { $0 } }
        flat[5] = flat[4] - 1
        bad.datasets["regime_starts.log_sigma_quantiles"] = flat
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("regime 0, asset 0"), "\(e)")
        }
        try model.setDataModels(models)
        XCTAssertEqual(try savedJointSection(model, "old.h5").section.attributes["version"], .int(1), "no starts: as before")
    }
}
