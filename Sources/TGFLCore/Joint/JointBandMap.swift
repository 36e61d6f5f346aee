import Foundation

/// Each asset's z given its own volatility band, in unconditional joint scenarios (issue 17,
/// session 20): the generated z of asset k on days whose σ lies in regime band b scaled so that
/// their spread is that of the training z of asset k on the days its filtered σ was in band b.
///
/// ```
/// levels ℓ = 0.01, 0.025, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.975, 0.99
/// b      = regimes_k.label(σ_dk)                the asset's own band of the day's σ (calm … crisis)
/// t_kb(ℓ) = quantile ℓ of asset k's training z = (r − μ_k)/σ_k on its days in band b
///           (counts on `JointTailMap`'s 0.01 grid, `histogramQuantile`: sums over days, as the tail map's)
///           (a band with fewer than `minimumDays` days adds the days of bands b − 1, b − 2, …)
/// s_kb(ℓ) = quantile ℓ of asset k's z on the pilot days in band b (`pilotPaths` × `pilotHorizon`,
///           unconditional, seed `pilotSeed`; z where the map reads it: second pass of
///           `calibrateBands()`); a band with fewer than `minimumPilotDays` pilot days: s = t (identity)
/// spread(q) = Σ_ℓ |q(ℓ) − q(0.5)|                 (an L-scale over the 11 knots)
/// map_kb(z) = z · spread(t_kb) / spread(s_kb)
/// ```
/// Applied after the pooled `JointTailMap` (which sets each asset's unconditional tail shape; the
/// band map's pilots measure z after it), so it only moves each band's scale: a positive factor per
/// (asset, band), monotone, sign-preserving, the network's shape kept. **Why a scale, not a quantile
/// map:** a first variant mapped each band's quantiles onto the training band's (piecewise linear
/// through the 11 knots). On 75 training days per crisis band the knots carry the sample's skew
/// (eu_stocks FTSE crisis median +0.37, 99 % quantile 4.1): it met 291 of 342 single-asset targets
/// (main 281) but each asset's crisis marginal then had its own shape and the crisis days' return
/// correlation fell (eu_stocks 0.770 → 0.715; the crisis-gap cell −28 % → −53 %, lost at both seeds).
///
/// **Why** (BENCHMARKS.md, issue 17, session 20, `Benchmarks/joint_single_asset_diagnosis.py`): on
/// the real days the size of z depends on the band of σ. fx_usd_1980's training days in the crisis
/// band have rms z 0.82–0.88 (DEM, JPY, CHF: the GJR filter's σ is high after a shock that is not
/// followed by more), while the joint network draws z nearly independently of σ (rms 0.96–1.04 on its
/// crisis days). The recursion then stays longer in the crisis band, with days too large: every fx
/// asset missed its crisis-day 1 % VaR target (10 of 10 runs, 1.32–1.66× the real) and 7 of 10 the
/// crisis std; the variance calibration, which matches the unconditional variance, then lowers ω (JPY
/// 0.51 / 0.55) and puts too many days, too quiet, in the calm band (JPY, CAD calm std 0.80–0.82×). A
/// filtered historical simulation with the filter and z drawn i.i.d. from the training z reproduces
/// those misses; drawn from the training z of the day's band it meets them. The map gives the network's
/// z that dependence on the band, per asset; monotone per (asset, band), so each day's ranks — and the
/// copula's order — are kept.
///
/// **Off by default** (`JointDataSettings.bandMap`; BENCHMARKS.md "Session 20 (jsa20)", 3 files × 2
/// seeds on session 18's networks): single-asset targets 281 → 288 of 342 (fx_usd_1980 47 / 55 → 52 / 55;
/// JPY's calm and crisis targets met; fx crisis-day VaR met on 5 of 10 asset-runs, none before), fx's crisis-gap error
/// +25 / +32 % → +3 / +10 %; but the eu_stocks crisis days' return correlation falls (0.770 → 0.720: the
/// assets' crisis-band scales differ, DAX 0.82 to FTSE 1.07) — the gap error −28 / −29 % → −49 / −45 %
/// and eu_stocks 42's correlation error 0.0475 → 0.0538 (a lost cell): issue-17 cells 12 → 11 of 18.
///
/// Fitted on training days only (targets: per asset and band, counts on a fixed grid — a federation
/// sums them per institution, in the clear like the other summaries and not covered by ε), with pilots
/// of the trained network (sources): `JointScenarioModel.calibrateBands()` reruns after every training
/// call and after the joint federation's rounds. Used by unconditional generation without a prompt
/// only; regime-conditioned and prompted runs are unchanged.
public struct JointBandMap: Equatable, Sendable {
    /// The quantile levels of the knots, increasing.
    public static let levels: [Double] = [0.01, 0.025, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.975, 0.99]
    /// A band with fewer training days than this pools the days of the calmer bands below it.
    public static let minimumDays = 50
    /// A band with fewer pilot days than this is left unmapped.
    public static let minimumPilotDays = 200
    /// The pilot scenarios the sources are measured on.
    public static let pilotPaths = 256
    public static let pilotHorizon = 250
    public static let pilotSeed: UInt64 = 0xBA_4D_5EED

    /// `targets[k][b]`: asset k's training z quantiles at `levels` in band b.
    public let targets: [[[Double]]]
    /// `sources[k][b]`: the pilot z quantiles at `levels` in band b; nil before `calibrated(sources:)`
    /// (then generation does not map).
    public let sources: [[[Double]]]?

    /// - Throws: `TGFLError.invalidArgument` for shapes that do not fit, or quantiles that are not
    ///   finite and nondecreasing.
    public init(targets: [[[Double]]], sources: [[[Double]]]? = nil) throws {
        let L = Self.levels.count
        guard !targets.isEmpty, let bands = targets.first?.count, bands >= 1 else {
            throw TGFLError.invalidArgument("the z band map needs at least one asset and one band")
        }
        func check(_ rows: [[[Double]]], _ what: String) throws {
            guard rows.count == targets.count else {
                throw TGFLError.invalidArgument(
                    "the z band map has targets for \(targets.count) assets but \(what) for \(rows.count)")
            }
            for (k, asset) in rows.enumerated() {
                guard asset.count == bands else {
                    throw TGFLError.invalidArgument(
                        "the z band map's \(what) of asset \(k) have \(asset.count) bands, the map has \(bands)")
                }
                for (b, row) in asset.enumerated() {
                    guard row.count == L, row.allSatisfy(\.isFinite), zip(row, row.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                        throw TGFLError.invalidArgument(
                            "the z band map's \(what) of asset \(k), band \(b) must be \(L) finite nondecreasing quantiles, got \(row)")
                    }
                }
            }
        }
        try check(targets, "targets")
        if let sources { try check(sources, "sources") }
        self.targets = targets; self.sources = sources
        scales = sources.map { s in
            zip(targets, s).map { t, s in
                zip(t, s).map { t, s in
                    let d = Self.spread(s)
                    return d > 0 ? Self.spread(t) / d : 1
                }
            }
        }
    }

    /// Per asset and band, the factor `spread(t) / spread(s)` (1 where the sources have no spread);
    /// nil before calibration.
    public let scales: [[Double]]?

    /// Σ_ℓ |q(ℓ) − q(0.5)| over the knots (the spread the map matches).
    static func spread(_ q: [Double]) -> Double {
        let m = q[levels.firstIndex(of: 0.5)!]
        return q.reduce(0) { $0 + abs($1 - m) }
    }

    /// Assets.
    public var count: Int { targets.count }
    /// Bands (the regimes of each asset's regime model).
    public var bands: Int { targets[0].count }

    /// The same targets with the pilot quantiles.
    public func calibrated(sources: [[[Double]]]) throws -> JointBandMap { try JointBandMap(targets: targets, sources: sources) }

    /// The quantiles at `levels` of the values of each band — on `JointTailMap`'s 0.01 grid
    /// (`histogramQuantile`) with `grid`, else `numpy.quantile`'s default rule; a band
    /// with fewer than `minimum` values adds, with `pool`, those of the bands below it (b − 1, b − 2, …).
    /// - Returns: nil for a band that still has fewer than `minimum` values.
    static func bandQuantiles(_ values: [Double], bands labels: [Int], count R: Int, minimum: Int,
                              pool: Bool = true, grid: Bool = false) -> [[Double]?] {
        var byBand = [[Double]](repeating: [], count: R)
        for (x, b) in zip(values, labels) { byBand[b].append(x) }
        return (0..<R).map { b in
            var days = byBand[b], lower = b - 1
            while pool && days.count < minimum && lower >= 0 { days += byBand[lower]; lower -= 1 }
            guard days.count >= minimum else { return nil }
            if grid {
                let counts = JointTailMap.histogram(days)
                return levels.map { JointTailMap.histogramQuantile(counts, total: days.count, level: $0) }
            }
            let sorted = days.sorted()
            return levels.map { JointTailMap.sampleQuantile(sorted, level: $0) }
        }
    }

    /// Fits the targets: per asset and band, the quantiles of the training z on the days in that band.
    /// - Parameters:
    ///   - z: per asset, the training z (all spans).
    ///   - bands: per asset, the band of each training day's σ (`RegimeModel.label(volatility:)`).
    ///   - count: the number of bands.
    /// - Throws: `TGFLError.invalidArgument` when an asset has fewer than `minimumDays` days.
    public static func fit(z: [[Double]], bands: [[Int]], count R: Int) throws -> JointBandMap {
        try JointBandMap(targets: try zip(z, bands).enumerated().map { k, pair in
            let q = bandQuantiles(pair.0, bands: pair.1, count: R, minimum: minimumDays, grid: true)
            return try q.map { row in
                guard let row else {
                    throw TGFLError.invalidArgument(
                        "the z band map of asset \(k) needs at least \(minimumDays) training days, got \(pair.0.count)")
                }
                return row
            }
        })
    }

    /// The map of asset k's z on a day in band b: z times the band's scale (the identity before calibration).
    public func apply(_ z: Double, asset k: Int, band b: Int) -> Double {
        guard let scales else { return z }
        return z * scales[k][b]
    }

    // MARK: - Checkpoint

    /// Writes `band_map.targets` [K·R·11] and, when calibrated, `band_map.sources` [K·R·11].
    func write(to section: inout CheckpointSection) {
        section.datasets["band_map.targets"] = targets.flatMap { $0.flatMap { $0 } }
        if let sources { section.datasets["band_map.sources"] = sources.flatMap { $0.flatMap { $0 } } }
    }

    /// Reads the optional map of a `/joint` section (nil without `band_map.targets`).
    static func read(_ r: CheckpointSectionReader, assets K: Int, regimes R: Int) throws -> JointBandMap? {
        guard r.section.datasets["band_map.targets"] != nil else { return nil }
        let L = levels.count
        func shape(_ flat: [Double]) -> [[[Double]]] {
            (0..<K).map { k in (0..<R).map { b in Array(flat[((k * R + b) * L)..<((k * R + b + 1) * L)]) } }
        }
        let targets = try r.dataset("band_map.targets", count: K * R * L)
        let sources = try r.section.datasets["band_map.sources"].map { _ in try r.dataset("band_map.sources", count: K * R * L) }
        do {
            return try JointBandMap(targets: shape(targets), sources: sources.map(shape))
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}

extension JointScenarioModel {
    /// Measures the sources of the model's z band map on pilot scenarios (`JointBandMap.pilotPaths`
    /// × `pilotHorizon` days, unconditional, seed `pilotSeed`, with the model's calibrated tail map and
    /// without the variance calibration) and stores them. Two passes: the first without the band map;
    /// the second with the first pass's map, measuring each asset's z per band where the map reads it
    /// (after the tail map; the σ the mapped days lead to moves both). A band with fewer than
    /// `minimumPilotDays` pilot days is left unmapped. A model without a band map is left as it is.
    /// `fit` calls it after `calibrateTails()` and before `calibrateVariance()`; call it after setting
    /// new weights by hand.
    /// - Throws: generation's errors (`TGFLError.invalidArgument` for an untrained model).
    public func calibrateBands() throws {
        guard let models = dataModels, let map = models.bandMap else { return }
        let K = assetCount, R = map.bands
        var options = JointGenerationOptions(paths: JointBandMap.pilotPaths, horizon: JointBandMap.pilotHorizon,
                                             seed: JointBandMap.pilotSeed, useVarianceCalibration: false, useBandMap: false)
        // z is recorded before the tail map; the band map reads it after (a zero day's z is not mapped).
        let tail = models.zTail?.sources != nil ? models.zTail : nil
        func sources() throws -> [[[Double]]] {
            let pilot = try generate(options, recordingZ: true)
            return (0..<K).map { k in
                let z = stride(from: k, to: pilot.z.count, by: K).map { i -> Double in
                    let r = pilot.set.returns[i / (K * JointBandMap.pilotHorizon)][(i / K) % JointBandMap.pilotHorizon][k]
                    return r == 0 ? pilot.z[i] : tail?.apply(pilot.z[i], asset: k) ?? pilot.z[i]
                }
                let b = stride(from: k, to: pilot.bands.count, by: K).map { Int(pilot.bands[$0]) }
                let q = JointBandMap.bandQuantiles(z, bands: b, count: R, minimum: JointBandMap.minimumPilotDays,
                                                       pool: false)
                return (0..<R).map { q[$0] ?? map.targets[k][$0] }   // too few pilot days: identity
            }
        }
        try setDataModels(try models.replacingBandMap(try map.calibrated(sources: try sources())))
        options.useBandMap = true
        try setDataModels(try models.replacingBandMap(try map.calibrated(sources: try sources())))
    }
}
