import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_regime_tail_map_reference.py` (NumPy; seed 20, and the joint_v1 fixture model).
private struct RegimeTailMapReference: Decodable {
    struct Synthetic: Decodable { let z: [[Double]]; let labels: [Int32]; let targets: [[[Double]]]; let regime_days: [Int] }
    struct Map: Decodable {
        let sources: [Double]; let targets: [Double]; let points: [Double]; let mapped: [Double]
        let flat_targets: [Double]; let flat_mapped: [Double]
    }
    struct Model: Decodable { let training: [[Double]]; let labels: [Int32]; let targets: [[[Double]]]; let regime_days: [Int] }
    let synthetic: Synthetic; let map: Map; let model: Model
}

/// The regime z tail map of joint generation (issue 17, session 20): the targets and the map against
/// NumPy, generation under a regime through the map, the old bits when off, and the optional
/// `/joint` datasets (version 11).
final class JointRegimeTailMapTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-regime-tail-map-tests" }

    private func reference() throws -> RegimeTailMapReference {
        try loadJSONFixture("joint_regime_tail_map_reference.json", as: RegimeTailMapReference.self)
    }

    /// Each regime's targets equal NumPy's histogram quantiles of the regime's z (a regime with
    /// fewer than 30 days pools the calmer ones); on the fixture model, the stored filters' z and the
    /// market labels are NumPy's too. The map equals NumPy's on 161 points (the outer slopes
    /// continued beyond the knots) and is the identity when the knots are not strictly increasing
    /// or it is not calibrated. Bad input is refused naming what is wrong.
    func testTargetsAndMapMatchNumPy() throws {
        let ref = try reference()
        XCTAssertLessThan(ref.synthetic.regime_days[3], JointDataModels.minimumRegimeDays, "the fixture pools a regime")
        let synthetic = try JointRegimeTailMap.fit(z: ref.synthetic.z, labels: ref.synthetic.labels, regimes: 4)
        for g in 0..<4 {
            for k in 0..<2 {
                assertClose(synthetic.targets[g][k], ref.synthetic.targets[g][k], rtol: 1e-12, atol: 1e-12,
                            "synthetic regime \(g), column \(k)")
            }
        }
        let models = try XCTUnwrap(try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path).dataModels)
        let fitted = try JointRegimeTailMap.fit(trainingSpans: [ref.model.training], models: models)
        for g in 0..<4 {
            for k in 0..<2 {
                assertClose(fitted.targets[g][k], ref.model.targets[g][k], rtol: 1e-9, atol: 1e-9, "fixture model regime \(g), asset \(k)")
            }
        }
        XCTAssertEqual(fitted.apply(-5, regime: 3, asset: 0), -5, "the identity before calibration")
        let one = [[ref.map.targets]]
        let map = try JointRegimeTailMap(targets: one, sources: [[ref.map.sources]])
        assertClose(ref.map.points.map { map.apply($0, regime: 0, asset: 0) }, ref.map.mapped, rtol: 1e-12, atol: 1e-12, "the map")
        let flat = try JointRegimeTailMap(targets: [[ref.map.flat_targets]], sources: [[ref.map.sources]])
        assertClose(ref.map.points.map { flat.apply($0, regime: 0, asset: 0) }, ref.map.flat_mapped, rtol: 0, atol: 0,
                    "knots not strictly increasing: the identity")
        XCTAssertThrowsError(try JointRegimeTailMap.fit(z: [[0.1, 0.2]], labels: [0], regimes: 4)) { e in
            XCTAssertTrue("\(e)".contains("one z per asset and day"), "\(e)")
        }
        XCTAssertThrowsError(try JointRegimeTailMap(targets: [[[1, 0]]])) { e in
            XCTAssertTrue("\(e)".contains("targets of regime 0, asset 0") && "\(e)".contains("non-decreasing"), "\(e)")
        }
        XCTAssertThrowsError(try JointRegimeTailMap(targets: one, sources: [[ref.map.sources], [ref.map.sources]])) { e in
            XCTAssertTrue("\(e)".contains("sources need 1 regimes × 1 assets"), "\(e)")
        }
    }

    /// `JointDataModels.fit` fits the map only when `JointDataSettings.regimeTailMap` is on (default
    /// off): the one `fit(trainingSpans:models:)` gives under its filters, `/joint` version 11; off,
    /// none (version 9, with the market-regime starts, as before).
    func testFitFollowsTheSetting() throws {
        let ref = try reference()
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        XCTAssertFalse(config.joint.regimeTailMap)
        config.joint.bandMap = false                               // (a band map, the default since session 21, writes 12)
        let off = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: ref.model.training, config: config)
        XCTAssertNil(off.regimeTailMap)
        XCTAssertEqual(off.checkpointSection.attributes["version"], .int(9))
        config.joint.regimeTailMap = true
        let fitted = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: ref.model.training, config: config)
        XCTAssertEqual(fitted.regimeTailMap, try JointRegimeTailMap.fit(trainingSpans: [ref.model.training], models: fitted))
        XCTAssertEqual(fitted.checkpointSection.attributes["version"], .int(11))
        XCTAssertEqual(try off.replacingRegimeTailMap(fitted.regimeTailMap), fitted, "the map is the only difference")
    }

    /// Generation: with the NumPy targets (those of N(0.2, 0.7)) for every regime and asset,
    /// `calibrateRegimeTails()` brings the generated z's quantiles under crisis towards them (a seed
    /// other than the pilots'; mean absolute error less than half the unmapped one, where the
    /// unmapped z miss by more than 0.3 at some level). Asset 0's day-0 returns are the unmapped
    /// ones through the map: (r − μ) = σ · map(z) with z and σ those of the run without the map.
    /// Unconditional runs, a map not calibrated and `useRegimeTailMap = false` give the old bits;
    /// 1 and 3 threads give the same bits.
    func testCalibratedMapMovesRegimeZToTheTargets() throws {
        let ref = try reference()
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        var options = JointGenerationOptions(paths: 200, horizon: 5, regime: .fixed(3), seed: 23, threads: 1)
        let unconditional = JointGenerationOptions(paths: 20, horizon: 10, seed: 5, threads: 1)
        let before = try model.generate(options, recordingZ: true)
        let unconditionalBefore = try model.generate(unconditional)
        let targets = [[[Double]]](repeating: [ref.map.targets, ref.map.targets], count: 4)
        try model.setDataModels(try models.replacingRegimeTailMap(try JointRegimeTailMap(targets: targets)))
        XCTAssertEqual(try model.generate(options), before.set, "not calibrated: the same bits")
        try model.calibrateRegimeTails()
        let map = try XCTUnwrap(model.dataModels?.regimeTailMap)
        XCTAssertNotNil(map.sources)
        let after = try model.generate(options, recordingZ: true)
        XCTAssertNotEqual(after.set, before.set)
        let K = 2, H = options.horizon
        for p in 0..<options.paths {       // asset 0 of day 0: the same token, uniform and σ, only the map differs
            let z = before.z[p * H * K], mu = models.volatility[0].garch.mu
            XCTAssertEqual(after.z[p * H * K], z, "path \(p): asset 0's day-0 z is read before the map")
            let sigma = (before.set.returns[p][0][0] - mu) / z
            assertClose(after.set.returns[p][0][0] - mu, sigma * map.apply(z, regime: 3, asset: 0), rtol: 1e-9, atol: 1e-15,
                        "path \(p): r − μ = σ · map(z)")
        }
        func quantiles(_ z: [Double], _ k: Int, mapped: Bool) -> [Double] {     // z is recorded where the map reads it
            let sorted = stride(from: k, to: z.count, by: K).map { mapped ? map.apply(z[$0], regime: 3, asset: k) : z[$0] }.sorted()
            return JointRegimeTailMap.levels.map { JointTailMap.sampleQuantile(sorted, level: $0) }
        }
        var worstBefore = 0.0, errorBefore = 0.0, errorAfter = 0.0
        for k in 0..<K {
            for (i, (a, b)) in zip(quantiles(after.z, k, mapped: true), quantiles(before.z, k, mapped: false)).enumerated() {
                worstBefore = max(worstBefore, abs(b - ref.map.targets[i]))
                errorBefore += abs(b - ref.map.targets[i])
                errorAfter += abs(a - ref.map.targets[i])
            }
        }
        XCTAssertGreaterThan(worstBefore, 0.3, "without the map the crisis z are off the targets")
        XCTAssertLessThan(errorAfter, 0.5 * errorBefore, "mean absolute error of the 2 × 11 quantiles")
        XCTAssertEqual(try model.generate(unconditional), unconditionalBefore, "unconditional runs do not map")
        options.useRegimeTailMap = false
        XCTAssertEqual(try model.generate(options), before.set, "useRegimeTailMap = false: the old bits")
        options.useRegimeTailMap = true
        options.threads = 3
        XCTAssertEqual(try model.generate(options), after.set, "1 and 3 threads")
    }

    /// Stored as `regime_z_tail.targets` / `.sources` [R·K·11] under `/joint` version 11 and read back
    /// equal; a section without them reads as nil and writes the version it wrote before; a bad
    /// dataset is refused naming it; a map for another number of regimes is refused.
    func testCheckpoint() throws {
        let ref = try reference()
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        let fitted = try JointRegimeTailMap.fit(trainingSpans: [ref.model.training], models: models)
        let map = try fitted.calibrated(sources: fitted.targets.map { $0.map { $0.map { 1.1 * $0 } } })
        XCTAssertThrowsError(try models.replacingRegimeTailMap(try JointRegimeTailMap(targets: [fitted.targets[0]]))) { e in
            XCTAssertTrue("\(e)".contains("1 regimes × 2 assets, but there are 4 regimes × 2 assets"), "\(e)")
        }
        try model.setDataModels(try models.replacingRegimeTailMap(map))
        let (path, checkpoint, section) = try savedJointSection(model, "regime-tail.h5")
        XCTAssertEqual(section.attributes["version"], .int(11))
        XCTAssertEqual(try JointScenarioModel.load(from: path).dataModels?.regimeTailMap, map)
        XCTAssertNil(try jointDataModels(section, without: ["regime_z_tail.targets", "regime_z_tail.sources"],
                                         config: checkpoint.config).regimeTailMap)
        var bad = section
        bad.datasets["regime_z_tail.sources"] = [0.5]
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("regime_z_tail.sources"), "\(e)")
        }
        var flat = map.targets.flatMap { $0.flatMap { $0 } }
        flat[5] = flat[4] - 1
        bad = section
        bad.datasets["regime_z_tail.targets"] = flat
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("regime 0, asset 0"), "\(e)")
        }
        try model.setDataModels(models)
        XCTAssertEqual(try savedJointSection(model, "old.h5").section.attributes["version"], .int(1), "no map: as before")
    }
}
