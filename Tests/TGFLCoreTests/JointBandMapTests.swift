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
        let map = try fitted.calibrated(sources: sources)
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

    /// Bad maps are refused naming what is wrong; stored as `band_map.targets` / `band_map.sources`
    /// under `/joint` version 10 and read back equal; a section without them reads as nil and a
    /// model without a map writes version 9 as before.
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
        let map = try JointBandMap(targets: [ref.model_targets, ref.model_targets], sources: [ref.targets[0], ref.targets[1]])
        try model.setDataModels(try withStarts.replacingBandMap(map))
        let (path, checkpoint, section) = try savedJointSection(model, "band.h5")
        XCTAssertEqual(section.attributes["version"], .int(10))
        XCTAssertEqual(JointDataModels.version, 10)
        XCTAssertEqual(try JointScenarioModel.load(from: path).dataModels?.bandMap, map)
        XCTAssertNil(try jointDataModels(section, without: ["band_map.targets", "band_map.sources"], config: checkpoint.config).bandMap)
        var bad = section
        bad.datasets["band_map.sources"] = [0.5]
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("band_map.sources"), "\(e)")
        }
        var future = section
        future.attributes["version"] = .int(11)
        XCTAssertThrowsError(try JointDataModels(checkpointSection: future, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("version 11") && "\(e)".contains("1...10"), "\(e)")
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

    /// `JointDataModels.fit` fits no band map by default (version 9, as before) and with `bandMap = true`
    /// one whose targets equal `JointBandMap.fit` on the training z and each asset's bands (version 10,
    /// the map the only difference).
    func testFitFollowsTheSetting() throws {
        let columns = try MarketData.bundled(.euStocks).allLogReturns().prefix(2).map { Array($0.values.prefix(1200)) }
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        XCTAssertFalse(config.joint.bandMap)
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
        XCTAssertEqual(fitted.checkpointSection.attributes["version"], .int(10))
        XCTAssertEqual(try off.replacingBandMap(fitted.bandMap), fitted, "the map is the only difference")
    }
}
