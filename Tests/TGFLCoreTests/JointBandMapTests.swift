import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_band_map_reference.py` (NumPy, SciPy; seed 20).
private struct BandMapReference: Decodable {
    let levels: [Double]
    let columns: [[Double]]; let labels: [[Int]]; let targets: [[[Double]]]
    let generated: [[Double]]; let generated_labels: [[Int]]; let sources: [[[Double]?]]
    let points: [Double]; let mapped: [[[Double]]]; let model_targets: [[Double]]
    // Session 21: the targets' sampling error, the shrinkage, the own-z rule.
    struct ShrinkCase: Decodable { let raw: [[Double]]; let se: [[Double]]; let shrunk: [[Double]] }
    let band_log_se: [[Double]]; let raw_scales: [[Double]]; let shrunk: [[Double]]; let shrink_case: ShrinkCase
    let own_z_targets: [[[Double]]]; let own_z_scales: [[Double]]
}

/// Each asset's z band map of unconditional joint generation (issue 17, session 20): the fit and
/// the map against NumPy, the optional `/joint` datasets (version 10), and what generation does with it.
final class JointBandMapTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-band-map-tests" }

    private func reference() throws -> BandMapReference {
        try loadJSONFixture("joint_band_map_reference.json", as: BandMapReference.self)
    }

    /// The targets (grid-histogram quantiles per band, a band of 31 days pooled with the volatile
    /// days, a −13.5 day beyond the grid) equal NumPy's; the pilot rule (no pooling, fewer than 200
    /// days: none) equals NumPy's quantiles; the map equals NumPy's z · spread(t)/spread(s) on a grid
    /// of z for every asset and band (a band without sources: the identity).
    func testFitAndMapMatchNumPy() throws {
        let ref = try reference()
        XCTAssertEqual(JointBandMap.levels, ref.levels)
        let fitted = try JointBandMap.fit(z: ref.columns, bands: ref.labels, count: 4)
        for k in ref.columns.indices {
            for b in 0..<4 {
                assertClose(fitted.targets[k][b], ref.targets[k][b], rtol: 1e-9, atol: 1e-9, "targets of column \(k), band \(b)")
            }
            let pilot = JointBandMap.bandQuantiles(ref.generated[k], bands: ref.generated_labels[k], count: 4,
                                                   minimum: JointBandMap.minimumPilotDays, pool: false)
            for b in 0..<4 {
                if let expected = ref.sources[k][b] {
                    assertClose(try XCTUnwrap(pilot[b]), expected, rtol: 1e-12, atol: 1e-12, "sources of sample \(k), band \(b)")
                } else {
                    XCTAssertNil(pilot[b], "sample \(k), band \(b) has fewer than 200 days")
                }
            }
        }
        XCTAssertNil(fitted.sources)
        XCTAssertEqual(fitted.apply(-5, asset: 0, band: 3), -5, "the identity before calibration")
        let sources = ref.sources.enumerated().map { k, row in row.enumerated().map { b, s in s ?? fitted.targets[k][b] } }
        // The unshrunk map (no standard errors; the shrinkage: testShrinkageMatchesNumPy).
        let map = try JointBandMap(targets: fitted.targets, sources: sources)
        for k in ref.columns.indices {
            for b in 0..<4 {
                assertClose(ref.points.map { map.apply($0, asset: k, band: b) }, ref.mapped[k][b], rtol: 1e-12, atol: 1e-12,
                            "map of asset \(k), band \(b)")
            }
        }
        XCTAssertThrowsError(try JointBandMap.fit(z: [Array(ref.columns[0].prefix(40))], bands: [Array(ref.labels[0].prefix(40))],
                                                  count: 4)) { e in
            XCTAssertTrue("\(e)".contains("asset 0") && "\(e)".contains("50 training days"), "\(e)")
        }
    }

    /// Session 21: `fit`'s standard errors of log spread(t) (B = 400 resamples of each band's days)
    /// are within 15 % of NumPy's (B = 4,000, another generator); the shrinkage rule equals NumPy's on
    /// NumPy's errors (1e-12), including bands whose τ² is 0 (every scale exactly 1); the calibrated
    /// map's scales with Swift's errors are within 0.02 in log of NumPy's; without errors (a hand-built
    /// map) the scales are the raw spread ratios.
    func testShrinkageMatchesNumPy() throws {
        let ref = try reference()
        let fitted = try JointBandMap.fit(z: ref.columns, bands: ref.labels, count: 4)
        let se = try XCTUnwrap(fitted.targetLogSE)
        for k in ref.columns.indices {
            for b in 0..<4 {
                XCTAssertEqual(se[k][b], ref.band_log_se[k][b], accuracy: 0.15 * ref.band_log_se[k][b],
                               "standard error of column \(k), band \(b)")
            }
        }
        for (raw, errors, expected) in [(ref.raw_scales, ref.band_log_se, ref.shrunk),
                                        (ref.shrink_case.raw, ref.shrink_case.se, ref.shrink_case.shrunk)] {
            let shrunk = JointBandMap.shrunk(raw, standardErrors: errors)
            for k in raw.indices { assertClose(shrunk[k], expected[k], rtol: 1e-12, atol: 1e-12, "shrunk scales of asset \(k)") }
        }
        XCTAssertEqual(JointBandMap.shrunk(ref.shrink_case.raw, standardErrors: ref.shrink_case.se).map { $0[0] }, [1, 1, 1],
                       "τ² = 0: exactly 1")
        let sources = ref.sources.enumerated().map { k, row in row.enumerated().map { b, s in s ?? fitted.targets[k][b] } }
        let map = try fitted.calibrated(sources: sources)
        let scales = try XCTUnwrap(map.scales), raw = try XCTUnwrap(map.rawScales)
        for k in ref.columns.indices {
            assertClose(raw[k], ref.raw_scales[k], rtol: 1e-9, atol: 1e-9, "raw scales of asset \(k)")
            for b in 0..<4 {
                XCTAssertEqual(log(scales[k][b]), log(ref.shrunk[k][b]), accuracy: 0.02, "shrunk scale of asset \(k), band \(b)")
            }
        }
        XCTAssertEqual(try JointBandMap(targets: fitted.targets, sources: sources).scales, raw, "no errors: no shrinkage")
        XCTAssertThrowsError(try JointBandMap(targets: fitted.targets, targetLogSE: [[0.1, 0.1, 0.1, -1]] + se.dropFirst())) { e in
            XCTAssertTrue("\(e)".contains("standard errors") && "\(e)".contains("3 × 4"), "\(e)")
        }
    }

    /// Session 21's rule (`.ownZ`): one day on the joint_v1 fixture model with a map whose targets are
    /// SciPy's per-band t(5) quantiles times 0.8 (asset 0) and 1.25 (asset 1), calibrated to the
    /// unscaled ones: every path's r − μ of each asset is the unmapped run's times NumPy's
    /// spread(t)/spread(s) of that asset (1e-12) — the second asset's z is not moved by the first's
    /// scale. Session 20's rule (`.writtenBack`, read from files without `band_map.rule`) writes the
    /// first asset's scaled u back, so the second asset's returns are not its unmapped ones times its factor.
    func testOwnZRuleScalesEachAssetsOwnZ() throws {
        let ref = try reference()
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        var options = JointGenerationOptions(paths: 200, horizon: 1, seed: 31, threads: 1)
        options.useBandMap = false
        let sources = [ref.model_targets, ref.model_targets]
        let map = try JointBandMap(targets: ref.own_z_targets, sources: sources)
        XCTAssertEqual(map.rule, .ownZ)
        try model.setDataModels(try models.replacingBandMap(map))
        let before = try model.generate(options)
        options.useBandMap = true
        let after = try model.generate(options)
        let mu = models.volatility.map(\.garch.mu)
        var checked = 0
        for p in 0..<200 {
            for k in 0..<2 where before.returns[p][0][k] != 0 {
                XCTAssertEqual(after.returns[p][0][k] - mu[k], ref.own_z_scales[k][0] * (before.returns[p][0][k] - mu[k]),
                               accuracy: 1e-12 * max(1, abs(before.returns[p][0][k])), "path \(p), asset \(k)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 350)
        try model.setDataModels(try models.replacingBandMap(
            try JointBandMap(targets: ref.own_z_targets, sources: sources, rule: .writtenBack)))
        let writtenBack = try model.generate(options)
        let moved = (0..<200).filter { p in
            before.returns[p][0][1] != 0
                && abs(writtenBack.returns[p][0][1] - mu[1] - ref.own_z_scales[1][0] * (before.returns[p][0][1] - mu[1])) > 1e-9
        }
        XCTAssertGreaterThan(moved.count, 100, "session 20's rule carries asset 0's scale into asset 1")
        XCTAssertEqual(writtenBack.returns.map { $0[0][0] }, after.returns.map { $0[0][0] }, "the first asset is the same")
    }

    /// Bad maps are refused naming what is wrong; stored as `band_map.targets` / `band_map.sources`
    /// (and since session 21 `band_map.rule = "own_z"`, `band_map.target_log_se`) under `/joint`
    /// version 12 and read back equal; a session-20 map (no rule) writes version 10 as before and reads
    /// back as `.writtenBack`; a section without them reads as nil and a model without a map writes
    /// version 9 as before.
    func testCheckpointKeys() throws {
        let ref = try reference()
        let row = ref.model_targets[0]
        XCTAssertThrowsError(try JointBandMap(targets: [[Array(row.reversed())]])) { e in
            XCTAssertTrue("\(e)".contains("targets of asset 0, band 0") && "\(e)".contains("11 finite"), "\(e)")
        }
        XCTAssertThrowsError(try JointBandMap(targets: [[row, row]], sources: [[row]])) { e in
            XCTAssertTrue("\(e)".contains("sources of asset 0 have 1 bands"), "\(e)")
        }
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        XCTAssertThrowsError(try models.replacingBandMap(try JointBandMap(targets: [ref.model_targets]))) { e in
            XCTAssertTrue("\(e)".contains("1 assets × 4 bands, but there are 2 assets × 4 regimes"), "\(e)")
        }
        let starts = try JointRegimeStarts.fit(sigmas: [[0.01, 0.02, 0.03, 0.04], [0.01, 0.02, 0.03, 0.04]],
                                               labels: [0, 1, 2, 3], regimes: 4)
        let withStarts = try models.replacingRegimeStarts(starts)
        try model.setDataModels(withStarts)
        XCTAssertEqual(try savedJointSection(model, "starts.h5").section.attributes["version"], .int(9), "no band map: as before")
        let old = try JointBandMap(targets: [ref.model_targets, ref.model_targets], sources: [ref.targets[0], ref.targets[1]],
                                   rule: .writtenBack)
        try model.setDataModels(try withStarts.replacingBandMap(old))
        let (oldPath, _, oldSection) = try savedJointSection(model, "band20.h5")
        XCTAssertEqual(oldSection.attributes["version"], .int(10), "a session-20 map: version 10, as before")
        XCTAssertNil(oldSection.attributes["band_map.rule"])
        XCTAssertEqual(try JointScenarioModel.load(from: oldPath).dataModels?.bandMap, old)
        let map = try JointBandMap(targets: [ref.model_targets, ref.model_targets], sources: [ref.targets[0], ref.targets[1]],
                                   targetLogSE: [[0.05, 0.04, 0.06, 0.1], [0.05, 0.05, 0.07, 0.12]])
        try model.setDataModels(try withStarts.replacingBandMap(map))
        let (path, checkpoint, section) = try savedJointSection(model, "band.h5")
        XCTAssertEqual(section.attributes["version"], .int(12))
        XCTAssertEqual(section.attributes["band_map.rule"], .string("own_z"))
        XCTAssertEqual(section.datasets["band_map.target_log_se"], [0.05, 0.04, 0.06, 0.1, 0.05, 0.05, 0.07, 0.12])
        XCTAssertEqual(JointDataModels.version, 13, "the newest: session 24's start dependence (12: a session-21 band map)")
        XCTAssertEqual(try JointScenarioModel.load(from: path).dataModels?.bandMap, map)
        XCTAssertNil(try jointDataModels(section, without: ["band_map.targets", "band_map.sources"], config: checkpoint.config).bandMap)
        var bad = section
        bad.datasets["band_map.sources"] = [0.5]
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("band_map.sources"), "\(e)")
        }
        var badSE = section
        badSE.datasets["band_map.target_log_se"] = [0.05]
        XCTAssertThrowsError(try JointDataModels(checkpointSection: badSE, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("band_map.target_log_se"), "\(e)")
        }
        var badRule = section
        badRule.attributes["band_map.rule"] = .string("shared")
        XCTAssertThrowsError(try JointDataModels(checkpointSection: badRule, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("band_map.rule") && "\(e)".contains("own_z") && "\(e)".contains("shared"), "\(e)")
        }
        var early = section
        early.attributes["version"] = .int(11)
        XCTAssertThrowsError(try JointDataModels(checkpointSection: early, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("band_map.rule") && "\(e)".contains("version 12") && "\(e)".contains("version 11"), "\(e)")
        }
        var future = section
        future.attributes["version"] = .int(14)
        XCTAssertThrowsError(try JointDataModels(checkpointSection: future, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("version 14") && "\(e)".contains("1...13"), "\(e)")
        }
    }

    /// Generation on the joint_v1 fixture model: with per-band targets of SciPy's unit-variance t(5)
    /// times 1.15 / 1.0 / 0.9 / 0.7 (calm … crisis) for both assets, `calibrateBands()` brings each
    /// asset's z on the days of each band (≥ 500 days in 100 × 250 days of a seed other than the
    /// pilots') towards that band's targets: the mean absolute quantile error is less than half the
    /// unmapped one, which is above 0.1 in some band; regime-conditioned runs, `useBandMap = false`
    /// and a map that is not calibrated give the old bits; 1 and 3 threads give the same bits.
    func testCalibratedMapMovesEachBandToItsTargets() throws {
        let ref = try reference()
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        var options = JointGenerationOptions(paths: 100, horizon: 250, seed: 23, threads: 1)
        let before = try model.generate(options, recordingZ: true)
        let crisis = JointGenerationOptions(paths: 50, horizon: 5, regime: .fixed(3), seed: 5, threads: 1)
        let crisisBefore = try model.generate(crisis)
        try model.setDataModels(try models.replacingBandMap(try JointBandMap(targets: [ref.model_targets, ref.model_targets])))
        XCTAssertEqual(try model.generate(options), before.set, "not calibrated: the same bits")
        try model.calibrateBands()
        let map = try XCTUnwrap(model.dataModels?.bandMap)
        XCTAssertNotNil(map.sources)
        let after = try model.generate(options, recordingZ: true)
        XCTAssertNotEqual(after.set, before.set)
        // Per asset and band: the quantiles of z (recorded where the map reads it, mapped for `after`).
        func errors(_ run: (set: JointScenarioSet, z: [Double], bands: [Int32]), mapped: Bool) -> [Double] {
            var out: [Double] = []
            for k in 0..<2 {
                for b in 0..<4 {
                    let z = stride(from: k, to: run.z.count, by: 2).filter { Int(run.bands[$0]) == b }
                        .map { mapped ? map.apply(run.z[$0], asset: k, band: b) : run.z[$0] }
                    guard z.count >= 500 else { continue }
                    let sorted = z.sorted()
                    let q = JointBandMap.levels.map { JointTailMap.sampleQuantile(sorted, level: $0) }
                    out.append(zip(q, ref.model_targets[b]).map { abs($0 - $1) }.reduce(0, +) / Double(q.count))
                }
            }
            return out
        }
        let errorBefore = errors(before, mapped: false), errorAfter = errors(after, mapped: true)
        XCTAssertGreaterThanOrEqual(errorAfter.count, 4, "bands with at least 500 days")
        XCTAssertGreaterThan(errorBefore.max() ?? 0, 0.1, "without the map some band is off its targets")
        let mean = { (e: [Double]) in e.reduce(0, +) / Double(e.count) }
        XCTAssertLessThan(mean(errorAfter), 0.5 * mean(errorBefore), "mean absolute quantile error, \(errorAfter) vs \(errorBefore)")
        XCTAssertEqual(try model.generate(crisis), crisisBefore, "regime-conditioned runs do not map")
        options.useBandMap = false
        XCTAssertEqual(try model.generate(options), before.set, "useBandMap = false: the old bits")
        options.useBandMap = true
        options.threads = 3
        XCTAssertEqual(try model.generate(options), after.set, "1 and 3 threads")
    }

    /// `JointDataModels.fit` fits a band map by default since session 21 (`.ownZ`, with standard errors:
    /// version 12) whose targets equal `JointBandMap.fit` on the training z and each asset's bands (the
    /// map the only difference), and with `bandMap = false` none (version 9, as before).
    func testFitFollowsTheSetting() throws {
        let columns = try MarketData.bundled(.euStocks).allLogReturns().prefix(2).map { Array($0.values.prefix(1200)) }
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        XCTAssertTrue(config.joint.bandMap)
        config.joint.bandMap = false
        let off = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: columns, config: config)
        XCTAssertNil(off.bandMap)
        XCTAssertEqual(off.checkpointSection.attributes["version"], .int(9))
        config.joint.bandMap = true
        let fitted = try JointDataModels.fit(assets: ["dax", "smi"], trainingColumns: columns, config: config)
        var z: [[Double]] = [], bands: [[Int]] = []
        for k in 0..<2 {
            let v = fitted.volatility[k], sigma = v.variances(columns[k]).map { $0.squareRoot() }
            z.append(zip(columns[k], sigma).map { ($0 - v.garch.mu) / $1 })
            bands.append(sigma.map { Int(fitted.regimes[k].label(volatility: $0)) })
        }
        XCTAssertEqual(fitted.bandMap, try JointBandMap.fit(z: z, bands: bands, count: 4))
        XCTAssertEqual(fitted.bandMap?.rule, .ownZ)
        XCTAssertNotNil(fitted.bandMap?.targetLogSE)
        XCTAssertEqual(fitted.checkpointSection.attributes["version"], .int(12))
        XCTAssertEqual(try off.replacingBandMap(fitted.bandMap), fitted, "the map is the only difference")
    }
}
