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
/// **Session 21: each asset's own z, and shrinkage** (BENCHMARKS.md "Session 21 (joint21)",
/// `Benchmarks/joint_band_map_crisis_diagnosis.py`). Session 20's map wrote each scaled z back into the
/// day's u (`Rule.writtenBack`), so the later assets of the day carried it through the generation factor
/// L_g: on eu_stocks' crisis days DAX (asset 0, crisis scale 0.82) shrank the common part of SMI, CAC
/// and FTSE, and the crisis days' return correlation fell 0.770 → 0.720 — all of it the write-back (the
/// same days with the scales applied to each asset's own z: 0.773). Now (`Rule.ownZ`) only the asset's own
/// z — its return and its σ recursion — is scaled; the day's u, the later assets' z and the network's next
/// token keep the network's draw. And the scales are shrunk toward 1 by their sampling error (`shrunk`):
/// on ≈ 75–100 crisis-band training days the spread's log has a standard error of 0.06–0.16, and on
/// eu_stocks and crsp_daily the assets' log scales are no wider than that in 3 of 4 bands (τ² = 0: no
/// scaling), while fx_usd_1980's volatile and crisis bands keep part of theirs (JPY crisis 0.81 → 0.91).
///
/// **On by default since session 21** (`JointDataSettings.bandMap`; 3 files × 2 seeds on session 18's
/// networks): single-asset targets 281 → 290 of 342 (fx_usd_1980 47 / 55 → 54 / 55), ES cells the same
/// bits, the issue-17 cells 12 → 11 of 18 at the bench seeds (eu_stocks 42's correlation error 0.0475 →
/// 0.0508, a cell main meets at 1 of 8 other scenario seeds) and equal on average over three other seeds.
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

    /// How generation applies the scale of asset k's z to the rest of the day.
    public enum Rule: String, Sendable, CaseIterable {
        /// Session 20 (`/joint` versions 10–11, no `band_map.rule` attribute): the scaled z is written back
        /// into the day's u (u_k = (z_k − Σ_{j<k} L_kj u_j)/L_kk) and the next token, so every later asset of
        /// the day carries asset k's scale through the generation factor L_g — the day's dependence moves
        /// with the scales (eu_stocks' crisis days: DAX, asset 0, scaled 0.82, the others' common part with it).
        case writtenBack = "written_back"
        /// Session 21 (`band_map.rule = "own_z"`, version 12): only asset k's own z is scaled (its return and
        /// its σ recursion); the day's u, the later assets' z and the network's next token keep the network's
        /// draw, so on days whose assets share a band the day's z correlation is the network's.
        case ownZ = "own_z"
    }

    /// `targets[k][b]`: asset k's training z quantiles at `levels` in band b.
    public let targets: [[[Double]]]
    /// `sources[k][b]`: the pilot z quantiles at `levels` in band b; nil before `calibrated(sources:)`
    /// (then generation does not map).
    public let sources: [[[Double]]]?

    /// - Throws: `TGFLError.invalidArgument` for shapes that do not fit, or quantiles that are not
    ///   finite and nondecreasing.
    /// The rule generation applies the scales by (`.ownZ` for a new map; a file without `band_map.rule`
    /// reads as `.writtenBack`).
    public let rule: Rule

    /// Per asset and band, the sampling standard error of log spread(t_kb) (`fit`: a bootstrap of the
    /// band's training days), or nil: the scales are not shrunk (session-20 maps, maps built by hand).
    public let targetLogSE: [[Double]]?

    /// Resamples of the band's training days behind `targetLogSE`, and their seed (stream k·R + b).
    public static let bootstrapDraws = 400
    public static let bootstrapSeed: UInt64 = 0xBA_4D_5E21

    /// - Parameters:
    ///   - targets: per asset and band, the training z's quantiles at `levels`.
    ///   - sources: the same of the pilot scenarios (nil: uncalibrated, generation does not map).
    ///   - rule: how generation applies the scales.
    ///   - targetLogSE: per asset and band, the s.e. of log spread(t) (nil: no shrinkage).
    public init(targets: [[[Double]]], sources: [[[Double]]]? = nil, rule: Rule = .ownZ,
                targetLogSE: [[Double]]? = nil) throws {
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
        if let targetLogSE {
            guard targetLogSE.count == targets.count, targetLogSE.allSatisfy({ $0.count == bands }),
                  targetLogSE.allSatisfy({ $0.allSatisfy { $0.isFinite && $0 >= 0 } }) else {
                throw TGFLError.invalidArgument(
                    "the z band map's standard errors must be \(targets.count) × \(bands) finite values ≥ 0 "
                    + "(assets × bands), got \(targetLogSE)")
            }
        }
        self.targets = targets; self.sources = sources; self.rule = rule; self.targetLogSE = targetLogSE
        let raw = sources.map { s in
            zip(targets, s).map { t, s in
                zip(t, s).map { t, s in
                    let d = Self.spread(s)
                    return d > 0 ? Self.spread(t) / d : 1
                }
            }
        }
        rawScales = raw
        scales = raw.map { raw in targetLogSE.map { Self.shrunk(raw, standardErrors: $0) } ?? raw }
    }

    /// Per asset and band, the factor `spread(t) / spread(s)` (1 where the sources have no spread);
    /// nil before calibration.
    public let rawScales: [[Double]]?

    /// Per asset and band, the factor generation applies: `rawScales` shrunk toward 1 by the targets'
    /// sampling error when the map has `targetLogSE` (`shrunk`), else `rawScales`; nil before calibration.
    public let scales: [[Double]]?

    /// Empirical-Bayes shrinkage of the log scales toward 0, one normal prior per band across the assets:
    /// ```
    /// ℓ_kb = log raw_kb,   se_kb = the s.e. of log spread(t_kb)
    /// τ²_b = max(0, mean_k (ℓ²_kb − se²_kb))        (the spread of the band's true log scales beyond the noise)
    /// w_kb = τ²_b / (τ²_b + se²_kb)  (1 when both are 0),   scale_kb = exp(w_kb · ℓ_kb)
    /// ```
    /// A band whose assets' log scales are no wider than their sampling errors (τ²_b = 0) is not scaled.
    static func shrunk(_ raw: [[Double]], standardErrors se: [[Double]]) -> [[Double]] {
        let K = raw.count, R = raw.first?.count ?? 0
        let log = raw.map { $0.map { Foundation.log($0) } }
        let tau2 = (0..<R).map { b -> Double in
            var excess = 0.0
            for k in 0..<K { excess += log[k][b] * log[k][b] - se[k][b] * se[k][b] }
            return max(0, excess / Double(K))
        }
        return (0..<K).map { k in
            (0..<R).map { b in
                let d = tau2[b] + se[k][b] * se[k][b]
                return Foundation.exp((d > 0 ? tau2[b] / d : 1) * log[k][b])
            }
        }
    }

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
    public func calibrated(sources: [[[Double]]]) throws -> JointBandMap {
        try JointBandMap(targets: targets, sources: sources, rule: rule, targetLogSE: targetLogSE)
    }

    /// The quantiles at `levels` of the values of each band, `numpy.quantile`'s default rule (the
    /// pilots'; the targets are on `JointTailMap`'s 0.01 grid, `gridQuantiles`); a band with fewer
    /// than `minimum` values adds, with `pool`, those of the bands below it (b − 1, b − 2, …).
    /// - Returns: nil for a band that still has fewer than `minimum` values.
    static func bandQuantiles(_ values: [Double], bands labels: [Int], count R: Int, minimum: Int,
                              pool: Bool = true) -> [[Double]?] {
        bandDays(values, bands: labels, count: R, minimum: minimum, pool: pool).map { days in
            guard let days else { return nil }
            let sorted = days.sorted()
            return levels.map { JointTailMap.sampleQuantile(sorted, level: $0) }
        }
    }

    /// The values of each band, with `pool` those of the bands below it added while fewer than
    /// `minimum` (b − 1, b − 2, …); nil for a band that still has fewer than `minimum`.
    static func bandDays(_ values: [Double], bands labels: [Int], count R: Int, minimum: Int, pool: Bool = true) -> [[Double]?] {
        var byBand = [[Double]](repeating: [], count: R)
        for (x, b) in zip(values, labels) { byBand[b].append(x) }
        return (0..<R).map { b in
            var days = byBand[b], lower = b - 1
            while pool && days.count < minimum && lower >= 0 { days += byBand[lower]; lower -= 1 }
            return days.count >= minimum ? days : nil
        }
    }

    /// The standard error of log spread of `days`' grid quantiles (`histogramQuantile` at `levels`):
    /// the standard deviation (divisor B) over B = `bootstrapDraws` resamples of the days with
    /// replacement (index ⌊u·n⌋, u from `SeededRNG(seed: bootstrapSeed, stream:)`).
    static func logSpreadStandardError(_ days: [Double], stream: UInt64) -> Double {
        let n = days.count, bins = JointTailMap.gridBins
        let bin = days.map(JointTailMap.gridBin(of:))
        var rng = SeededRNG(seed: bootstrapSeed, stream: stream)
        var counts = [Int](repeating: 0, count: bins), drawn = [Int](repeating: 0, count: n)
        var logs: [Double] = []
        for _ in 0..<bootstrapDraws {
            for i in 0..<n {
                drawn[i] = bin[min(Int(rng.uniform() * Double(n)), n - 1)]
                counts[drawn[i]] += 1
            }
            logs.append(Foundation.log(spread(gridQuantiles(counts, total: n))))
            for j in drawn { counts[j] = 0 }
        }
        let mean = logs.reduce(0, +) / Double(logs.count)
        return (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logs.count)).squareRoot()
    }

    /// `JointTailMap.histogramQuantiles` at `levels`.
    static func gridQuantiles(_ counts: [Int], total: Int) -> [Double] {
        JointTailMap.histogramQuantiles(counts, total: total, levels: levels)
    }

    /// Fits the targets: per asset and band, the quantiles of the training z on the days in that band.
    /// - Parameters:
    ///   - z: per asset, the training z (all spans).
    ///   - bands: per asset, the band of each training day's σ (`RegimeModel.label(volatility:)`).
    ///   - count: the number of bands.
    /// - Throws: `TGFLError.invalidArgument` when an asset has fewer than `minimumDays` days.
    ///   - rule: how generation applies the scales (`.ownZ`, the rule since session 21).
    ///   - shrink: also fit `targetLogSE` (each band's days resampled, `logSpreadStandardError`), so that
    ///     the scales are shrunk toward 1 by their sampling error (the default since session 21).
    public static func fit(z: [[Double]], bands: [[Int]], count R: Int, rule: Rule = .ownZ,
                           shrink: Bool = true) throws -> JointBandMap {
        let days = try zip(z, bands).enumerated().map { k, pair in
            try bandDays(pair.0, bands: pair.1, count: R, minimum: minimumDays).map { days -> [Double] in
                guard let days else {
                    throw TGFLError.invalidArgument(
                        "the z band map of asset \(k) needs at least \(minimumDays) training days, got \(pair.0.count)")
                }
                return days
            }
        }
        return try JointBandMap(
            targets: days.map { $0.map { gridQuantiles(JointTailMap.histogram($0), total: $0.count) } }, rule: rule,
            targetLogSE: shrink
                ? days.enumerated().map { k, bands in
                    bands.enumerated().map { b, d in logSpreadStandardError(d, stream: UInt64(k * R + b)) } }
                : nil)
    }

    /// The map of asset k's z on a day in band b: z times the band's scale (the identity before calibration).
    public func apply(_ z: Double, asset k: Int, band b: Int) -> Double {
        guard let scales else { return z }
        return z * scales[k][b]
    }

    // MARK: - Checkpoint

    /// Writes `band_map.targets` [K·R·11], when calibrated `band_map.sources` [K·R·11], with the
    /// session-21 rule the attribute `band_map.rule = "own_z"` (a session-20 map writes none, as before),
    /// and with standard errors `band_map.target_log_se` [K·R].
    func write(to section: inout CheckpointSection) {
        if rule != .writtenBack { section.attributes["band_map.rule"] = .string(rule.rawValue) }
        if let targetLogSE { section.datasets["band_map.target_log_se"] = targetLogSE.flatMap { $0 } }
        section.datasets["band_map.targets"] = targets.flatMap { $0.flatMap { $0 } }
        if let sources { section.datasets["band_map.sources"] = sources.flatMap { $0.flatMap { $0 } } }
    }

    /// Reads the optional map of a `/joint` section (nil without `band_map.targets`); without the
    /// attribute `band_map.rule` the map is a session-20 one (`.writtenBack`).
    static func read(_ r: CheckpointSectionReader, assets K: Int, regimes R: Int) throws -> JointBandMap? {
        guard r.section.datasets["band_map.targets"] != nil else { return nil }
        var rule = Rule.writtenBack
        if r.section.attributes["band_map.rule"] != nil {
            let name = try r.string("band_map.rule")
            guard let named = Rule(rawValue: name), named != .writtenBack else {
                throw r.fail("attribute 'band_map.rule' must be \"own_z\" (or absent: the session-20 rule), got \"\(name)\"")
            }
            rule = named
        }
        let hasSE = r.section.datasets["band_map.target_log_se"] != nil
        if rule != .writtenBack || hasSE {
            let version = try r.int("version")
            guard version >= 12 else {
                throw r.fail("'band_map.rule' / 'band_map.target_log_se' need /joint version 12 or later, the section is version \(version)")
            }
        }
        let se = try hasSE ? r.dataset("band_map.target_log_se", count: K * R) : nil
        let L = levels.count
        func shape(_ flat: [Double]) -> [[[Double]]] {
            (0..<K).map { k in (0..<R).map { b in Array(flat[((k * R + b) * L)..<((k * R + b + 1) * L)]) } }
        }
        let targets = try r.dataset("band_map.targets", count: K * R * L)
        let sources = try r.section.datasets["band_map.sources"].map { _ in try r.dataset("band_map.sources", count: K * R * L) }
        do {
            return try JointBandMap(targets: shape(targets), sources: sources.map(shape), rule: rule,
                                    targetLogSE: se.map { se in (0..<K).map { Array(se[($0 * R)..<(($0 + 1) * R)]) } })
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
