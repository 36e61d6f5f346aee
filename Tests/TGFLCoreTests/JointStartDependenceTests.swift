import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_start_dependence_reference.py` (NumPy/SciPy; seed 24, and the joint_v1 fixture model).
private struct StartDependenceReference: Decodable {
    struct Synthetic: Decodable { let sigmas: [[Double]]; let labels: [Int32]; let correlations: [[Double]]; let regime_days: [Int] }
    struct Model: Decodable { let training: [[Double]]; let correlations: [[Double]]; let starts: [String: [[Double]]] }
    let synthetic: Synthetic; let model: Model
}

/// The start dependence of joint generation (issue 17, session 24): the normal-score correlations of
/// log σ against NumPy/SciPy, day 0's σ of unconditional and regime runs against NumPy's rule, the old
/// bits when off, and the optional `/joint` dataset (version 13).
final class JointStartDependenceTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-start-dependence-tests" }

    private func reference() throws -> StartDependenceReference {
        try loadJSONFixture("joint_start_dependence_reference.json", as: StartDependenceReference.self)
    }

    private func fixtureModel() throws -> (JointScenarioModel, JointDataModels, StartDependenceReference) {
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        return (model, try XCTUnwrap(model.dataModels), try reference())
    }

    /// Each pool's correlation equals numpy.corrcoef of SciPy's normal scores (a regime with fewer than 30
    /// days pools the calmer ones; the last matrix is every day's; ties averaged); on the fixture model the
    /// stored filters' σ and market labels give NumPy's too. Bad input is refused naming what is wrong.
    func testFitMatchesNumPy() throws {
        let ref = try reference()
        XCTAssertLessThan(ref.synthetic.regime_days[3], JointDataModels.minimumRegimeDays, "the fixture pools a regime")
        let synthetic = try JointStartDependence.fit(sigmas: ref.synthetic.sigmas, labels: ref.synthetic.labels, regimes: 4)
        XCTAssertEqual(synthetic.correlations.count, 5)
        for g in 0..<5 {
            assertClose(synthetic.correlations[g], ref.synthetic.correlations[g], rtol: 1e-12, atol: 1e-12, "synthetic pool \(g)")
        }
        let (_, models, _) = try fixtureModel()
        let fitted = try JointStartDependence.fit(trainingSpans: [ref.model.training], models: models)
        for g in 0..<5 {
            assertClose(fitted.correlations[g], ref.model.correlations[g], rtol: 1e-10, atol: 1e-10, "fixture model pool \(g)")
        }
        XCTAssertThrowsError(try JointStartDependence.fit(sigmas: [[0.01, 0.02]], labels: [0, 0], regimes: 4)) { e in
            XCTAssertTrue("\(e)".contains("one σ per asset and day"), "\(e)")
        }
        var sigmas = ref.synthetic.sigmas
        sigmas[1][7] = -1
        XCTAssertThrowsError(try JointStartDependence.fit(sigmas: sigmas, labels: ref.synthetic.labels, regimes: 4)) { e in
            XCTAssertTrue("\(e)".contains("asset 1's σ on day 7"), "\(e)")
        }
        sigmas = ref.synthetic.sigmas
        sigmas[2] = sigmas[0]                                       // two equal columns: P is singular
        XCTAssertThrowsError(try JointStartDependence.fit(sigmas: sigmas, labels: ref.synthetic.labels, regimes: 4)) { e in
            XCTAssertTrue("\(e)".contains("start dependence of market regime 0") && "\(e)".contains("positive definite"), "\(e)")
        }
    }

    /// `JointDataModels.fit` fits the matrices only with `JointDataSettings.startDependence = .fitted`: the
    /// ones `fit(trainingSpans:models:)` gives under its filters, `/joint` version 13; the default fits none.
    func testFitFollowsTheSetting() throws {
        let ref = try reference()
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        XCTAssertEqual(config.joint.startDependence, .comonotone, "off by default")
        let off = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: ref.model.training, config: config)
        XCTAssertNil(off.startDependence)
        XCTAssertEqual(off.checkpointSection.attributes["version"], .int(12))
        config.joint.startDependence = .fitted
        let fitted = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: ref.model.training, config: config)
        XCTAssertEqual(fitted.startDependence, try JointStartDependence.fit(trainingSpans: [ref.model.training], models: fitted))
        XCTAssertEqual(fitted.checkpointSection.attributes["version"], .int(13))
        XCTAssertEqual(try off.replacingStartDependence(fitted.startDependence), fitted, "the matrices are the only difference")
    }

    /// σ of day 0, read back from the return and the recorded z (r − μ = σ z; the fixture model has no
    /// tail or band map, so the recorded z is the one applied).
    private func startSigmas(_ run: (set: JointScenarioSet, z: [Double], bands: [Int32]), models: JointDataModels) -> [[Double]] {
        let K = models.count, H = run.set.horizon
        return run.set.returns.enumerated().map { p, days in
            (0..<K).map { k in (days[0][k] - models.volatility[k].garch.mu) / run.z[p * H * K + k] }
        }
    }

    /// Unconditional and under regimes 0 and 3, day 0's σ of every path and asset is NumPy's: the path's
    /// first K uniforms through the Gaussian copula of the pool's correlations, then each asset's training
    /// (or market-regime) σ quantiles. `useStartDependence = false` and a model without the matrices give
    /// the comonotone bits; 1 and 3 threads the same bits.
    func testGenerationStartsWithTheFittedDependence() throws {
        let (model, models, ref) = try fixtureModel()
        let starts = try JointRegimeStarts.fit(trainingSpans: [ref.model.training], models: models)
        let comonotone = try models.replacingRegimeStarts(starts)
        let dependence = try JointStartDependence.fit(trainingSpans: [ref.model.training], models: models)
        var runs: [(key: String, options: JointGenerationOptions)] = [("u", JointGenerationOptions(paths: 64, horizon: 3, seed: 31, threads: 1))]
        for g in [0, 3] {
            runs.append(("\(g)", JointGenerationOptions(paths: 64, horizon: 1, regime: .fixed(g), seed: 31, threads: 1)))
        }
        try model.setDataModels(comonotone)
        let before = try runs.map { try model.generate($0.options) }
        try model.setDataModels(try comonotone.replacingStartDependence(dependence))
        for (i, (key, options)) in runs.enumerated() {
            let run = try model.generate(options, recordingZ: true)
            let expected = try XCTUnwrap(ref.model.starts[key])
            for (p, sigma) in startSigmas(run, models: models).enumerated() {
                assertClose(sigma, expected[p], rtol: 1e-9, atol: 0, "run \(key), path \(p)")
            }
            var off = options
            off.useStartDependence = false
            XCTAssertEqual(try model.generate(off), before[i], "useStartDependence = false: the comonotone bits (run \(key))")
            var threads = options
            threads.threads = 3
            XCTAssertEqual(try model.generate(threads), run.set, "1 and 3 threads (run \(key))")
        }
        // Prompted runs do not use it.
        let prompt = ref.model.training.map { Array($0.prefix(40)) }
        let prompted = JointGenerationOptions(paths: 8, horizon: 2, prompt: prompt, seed: 3, threads: 1)
        let withDependence = try model.generate(prompted)
        try model.setDataModels(comonotone)
        XCTAssertEqual(try model.generate(prompted), withDependence, "a prompted run starts from the prompt")
        XCTAssertEqual(try runs.map { try model.generate($0.options) }, before, "a model without the matrices: the old bits")
    }

    /// Stored as `start_dependence.correlations` [(R+1)·K·K] under `/joint` version 13 and read back equal;
    /// a section without it reads as nil and writes the version it wrote before; a bad dataset is refused
    /// naming it; matrices for another number of assets or regimes are refused.
    func testCheckpoint() throws {
        let (model, models, ref) = try fixtureModel()
        let dependence = try JointStartDependence.fit(trainingSpans: [ref.model.training], models: models)
        XCTAssertThrowsError(try models.replacingStartDependence(try JointStartDependence(correlations: [[1], [1]]))) { e in
            XCTAssertTrue("\(e)".contains("1 regimes × 1 assets, but there are 4 regimes × 2 assets"), "\(e)")
        }
        XCTAssertThrowsError(try JointStartDependence(correlations: [[1, 0, 0, 1], [1, 2, 2, 1]])) { e in
            XCTAssertTrue("\(e)".contains("start dependence of all training days") && "\(e)".contains("not positive definite"), "\(e)")
        }
        try model.setDataModels(try models.replacingStartDependence(dependence))
        let (section, config) = try assertOptionalPartRoundTrips(model, file: "dependence.h5", version: 13,
                                                                 dataset: "start_dependence.correlations",
                                                                 expected: dependence, part: \.startDependence)
        XCTAssertEqual(JointDataModels.version, 13, "version 13: session 24's start dependence (12: session 21's z band map)")
        var bad = section
        var flat = dependence.correlations.flatMap { $0 }
        flat[1] = 1.5; flat[2] = 1.5
        bad.datasets["start_dependence.correlations"] = flat
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("market regime 0"), "\(e)")
        }
        try model.setDataModels(models)
        XCTAssertEqual(try savedJointSection(model, "old.h5").section.attributes["version"], .int(1), "without: as before")
    }
}
