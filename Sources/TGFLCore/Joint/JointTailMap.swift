import Foundation

/// Each asset's one-day tails in joint scenarios (issue 17, session 15): a monotone map of the
/// generated z's outer 5 % onto the training z's quantiles.
///
/// ```
/// levels ℓ = 0.005, 0.01, 0.025 and 1 − ℓ;  anchors 0.05, 0.95
/// t_k(ℓ) = quantile ℓ of asset k's training z = (r − μ_k)/σ_k   (histogram on a 0.01 grid, `histogramQuantile`)
/// s_k(ℓ) = quantile ℓ of asset k's z in pilot scenarios          (`pilotPaths` × `pilotHorizon`, unconditional,
///                                                                  seed `pilotSeed`; z where the map reads it,
///                                                                  second pass of `calibrateTails()`)
/// map_k(z) = z                                       for s(0.05) ≤ z ≤ s(0.95)
///          = piecewise linear through (s(0.005), t(0.005)), (s(0.01), t(0.01)), (s(0.025), t(0.025)), (s(0.05), s(0.05))
///            below s(0.05), and the mirror above s(0.95)
///          = z + t(0.005) − s(0.005) below s(0.005)  (z + t(0.995) − s(0.995) above s(0.995))
/// ```
/// A side whose knots are not strictly increasing (in s and in the mapped values) is left as it
/// is (identity). Beyond the outer knot the network's own tail shape is kept (a shift, not a
/// scale, so the far tail's kurtosis is not multiplied).
///
/// **Why** (BENCHMARKS.md, issue 17, session 15): in the joint models every asset's σ paths match
/// the training days' (E[σ²] within 5 %, σ quantiles within 0.001), but the generated z's tail
/// quantiles are off the training z's by up to ±14 % (fx_usd_1980 DEM and JPY too heavy, crsp_daily's
/// index and eu_stocks' SMI too thin on the lower side and too heavy on the upper one). The network
/// draws each asset's whitened u (their tails are closer), and z_k = Σ_j L_kj u_j mixes the
/// earlier assets' u, whose joint tails (a symmetric t copula) do not carry the real skew of the
/// mix. A map of z itself, after the whitening is undone, is the one place where each asset's
/// marginal can be set without touching the day's dependence order (it is monotone per asset,
/// so ranks — and with them the copula's tail dependence — are kept). The single-series `ZTail`
/// maps the network's own day distribution onto the filter's t; here the day's distribution of
/// z_k is a shifted, scaled u-distribution, and the measured error is in the unconditional
/// marginal, so the map is fitted on that marginal (pilots), with the training days as target.
///
/// Fitted on training days only: the targets are the training z's quantiles (per asset, counts
/// on a fixed grid — sums over days, so a federation sums them per institution, in the clear
/// like the other summaries and not covered by ε; with public data they come from it). The
/// sources come from the model's own pilot scenarios, so `JointScenarioModel.calibrateTails()`
/// reruns after every training call. Used by unconditional generation without a prompt only
/// (the runs the pilots are drawn like); regime-conditioned and prompted runs are unchanged.
public struct JointTailMap: Equatable, Sendable {
    /// The tail levels of the lower side (the upper side's are 1 − ℓ, in increasing order).
    public static let levels: [Double] = [0.005, 0.01, 0.025]
    /// The anchor level of the lower side (the upper side's is 1 − 0.05): the map is the identity inside.
    public static let anchor = 0.05
    /// The levels of the stored sources, increasing: the lower tail, the anchors, the upper tail.
    public static let sourceLevels: [Double] = levels + [anchor, 1 - anchor] + levels.reversed().map { 1 - $0 }
    /// The levels of the stored targets, increasing.
    public static let targetLevels: [Double] = levels + levels.reversed().map { 1 - $0 }
    /// The grid of the training z histogram: bins of `gridStep` from −`gridLimit` to `gridLimit`
    /// (values outside counted in the outer bins).
    public static let gridLimit = 12.0
    public static let gridStep = 0.01
    /// The pilot scenarios the sources are measured on.
    public static let pilotPaths = 256
    public static let pilotHorizon = 250
    public static let pilotSeed: UInt64 = 0x7A11_5EED

    /// Whether `JointDataModels.fit` fits the targets: on, unless `TGFL_JOINT_Z_TAIL=0`.
    public static let enabledByDefault: Bool = ProcessInfo.processInfo.environment["TGFL_JOINT_Z_TAIL"] != "0"

    /// Per asset, the training z's quantiles at `targetLevels`.
    public let targets: [[Double]]
    /// Per asset, the pilot z's quantiles at `sourceLevels`; nil before `calibrated(sources:)`
    /// (then generation does not map).
    public let sources: [[Double]]?

    /// - Throws: `TGFLError.invalidArgument` for counts that do not fit, or values that are not
    ///   finite and nondecreasing per asset.
    public init(targets: [[Double]], sources: [[Double]]? = nil) throws {
        func check(_ rows: [[Double]], _ width: Int, _ what: String) throws {
            for (k, row) in rows.enumerated() {
                guard row.count == width, row.allSatisfy(\.isFinite), zip(row, row.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                    throw TGFLError.invalidArgument(
                        "the z tail map's \(what) of asset \(k) must be \(width) finite nondecreasing quantiles, got \(row)")
                }
            }
        }
        guard !targets.isEmpty else { throw TGFLError.invalidArgument("the z tail map needs at least one asset") }
        try check(targets, Self.targetLevels.count, "targets")
        if let sources {
            guard sources.count == targets.count else {
                throw TGFLError.invalidArgument(
                    "the z tail map has targets for \(targets.count) assets but sources for \(sources.count)")
            }
            try check(sources, Self.sourceLevels.count, "sources")
        }
        self.targets = targets; self.sources = sources
    }

    /// The same targets with the pilot quantiles.
    public func calibrated(sources: [[Double]]) throws -> JointTailMap { try JointTailMap(targets: targets, sources: sources) }

    /// Assets.
    public var count: Int { targets.count }

    /// Fits the targets: per asset, the quantiles of the training z of every span (`histogramQuantile`).
    /// - Parameter z: per asset, the training z (all spans).
    public static func fit(z: [[Double]]) throws -> JointTailMap {
        try JointTailMap(targets: z.map { column in
            let counts = histogram(column)
            return histogramQuantiles(counts, total: column.count, levels: targetLevels)
        })
    }

    /// Counts of `values` on the grid (the bins of `gridStep` from −`gridLimit`; values outside in the outer bins).
    public static func histogram(_ values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: gridBins)
        for x in values { counts[gridBin(of: x)] += 1 }
        return counts
    }

    /// The number of bins of the grid histogram.
    static let gridBins = Int((2 * gridLimit / gridStep).rounded())

    /// The bin of `x` in the grid histogram (values beyond the grid in its first or last bin).
    @inline(__always)
    static func gridBin(of x: Double) -> Int {
        min(max(Int(((x + gridLimit) / gridStep).rounded(.down)), 0), gridBins - 1)
    }

    /// The quantile at `level` of a grid histogram with `total` values: the first bin j whose
    /// cumulative count reaches c = level · total, at the fraction (c − C_j)/n_j inside it.
    public static func histogramQuantile(_ counts: [Int], total: Int, level: Double) -> Double {
        histogramQuantiles(counts, total: total, levels: [level])[0]
    }

    /// `histogramQuantile` at every level of `levels`, in one pass over the grid; the same values to
    /// the bit. Internal: the one pass needs `levels` non-decreasing, which every caller's constant
    /// level list is (`levels`, `targetLevels`, the band and regime maps' levels).
    static func histogramQuantiles(_ counts: [Int], total: Int, levels: [Double]) -> [Double] {
        var out: [Double] = [], i = 0, cumulative = 0.0
        out.reserveCapacity(levels.count)
        for (j, n) in counts.enumerated() where n > 0 {
            while i < levels.count, cumulative + Double(n) >= levels[i] * Double(total) {
                out.append(-gridLimit + (Double(j) + (levels[i] * Double(total) - cumulative) / Double(n)) * gridStep)
                i += 1
            }
            if i == levels.count { break }
            cumulative += Double(n)
        }
        return out + [Double](repeating: gridLimit, count: levels.count - i)
    }

    /// The quantile at `level` of values (sorted ascending), linear between order statistics
    /// (`numpy.quantile`'s default).
    public static func sampleQuantile(_ sorted: [Double], level: Double) -> Double {
        let h = level * Double(sorted.count - 1)
        let i = min(Int(h.rounded(.down)), sorted.count - 1), j = min(i + 1, sorted.count - 1)
        return sorted[i] + (h - Double(i)) * (sorted[j] - sorted[i])
    }

    /// The map of asset k's z (the identity before calibration).
    public func apply(_ z: Double, asset k: Int) -> Double {
        guard let sources else { return z }
        let s = sources[k], t = targets[k], J = Self.levels.count
        if z < s[J] {                                                // below the lower anchor
            return Self.side(z, x: Array(s[0...J]), y: Array(t[0..<J]) + [s[J]]) ?? z
        }
        if z > s[J + 1] {                                            // above the upper anchor
            return Self.side(z, x: Array(s[(J + 1)...]), y: [s[J + 1]] + Array(t[J...])) ?? z
        }
        return z
    }

    /// One side's map: linear through the knots (x, y), shifted by the outer knot's y − x
    /// beyond the knots; nil (identity) when the knots are not strictly increasing.
    private static func side(_ z: Double, x: [Double], y: [Double]) -> Double? {
        for i in 1..<x.count where !(x[i] > x[i - 1] && y[i] > y[i - 1]) { return nil }
        let last = x.count - 1
        if z < x[0] { return z + y[0] - x[0] }
        if z > x[last] { return z + y[last] - x[last] }
        var i = 1
        while i < last && z > x[i] { i += 1 }
        return y[i - 1] + (z - x[i - 1]) / (x[i] - x[i - 1]) * (y[i] - y[i - 1])
    }

    // MARK: - Checkpoint

    /// Writes `z_tail.targets` [K·6] and, when calibrated, `z_tail.sources` [K·8].
    func write(to section: inout CheckpointSection) {
        section.datasets["z_tail.targets"] = targets.flatMap { $0 }
        if let sources { section.datasets["z_tail.sources"] = sources.flatMap { $0 } }
    }

    /// Reads the optional map of a `/joint` section (nil without `z_tail.targets`).
    static func read(_ r: CheckpointSectionReader, assets K: Int) throws -> JointTailMap? {
        guard r.section.datasets["z_tail.targets"] != nil else { return nil }
        let T = targetLevels.count, S = sourceLevels.count
        let targets = try r.dataset("z_tail.targets", count: K * T)
        let sources = try r.section.datasets["z_tail.sources"].map { _ in try r.dataset("z_tail.sources", count: K * S) }
        do {
            return try JointTailMap(targets: (0..<K).map { Array(targets[($0 * T)..<(($0 + 1) * T)]) },
                                    sources: sources.map { s in (0..<K).map { Array(s[($0 * S)..<(($0 + 1) * S)]) } })
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}

extension JointScenarioModel {
    /// Measures the sources of the model's z tail map on pilot scenarios (`JointTailMap.pilotPaths`
    /// × `pilotHorizon` days, unconditional, seed `pilotSeed`) and stores them, so that
    /// unconditional generation maps each asset's z tails onto the training z's. Two passes: the
    /// first without the map; the second with the first pass's map, measuring each asset's z where
    /// the map reads it (before its own map: the earlier assets' mapped shocks of the day, and the
    /// σ and inputs the mapped days lead to, move it), whose quantiles are stored. The pilots run
    /// without the variance calibration's scales (so the sources do not depend on the scales
    /// stored; `calibrateVariance()` runs after, with the map on). A model
    /// without a map (saved before session 15, or `TGFL_JOINT_Z_TAIL=0`) is left as it is. `fit`
    /// and the joint federation call it after training (the network has changed, so the pilots
    /// must be drawn again); call it after setting new weights by hand. Then, when the model has
    /// a regime z tail map (`JointRegimeTailMap`, session 20), its regime pilots
    /// (`calibrateRegimeTails()`; unconditional runs do not use it, nor it theirs).
    /// - Throws: generation's errors (`TGFLError.invalidArgument` for an untrained model).
    public func calibrateTails() throws {
        try calibrateUnconditionalTails()
        try calibrateRegimeTails()
    }

    private func calibrateUnconditionalTails() throws {
        guard let models = dataModels, let map = models.zTail else { return }
        let K = assetCount
        var options = JointGenerationOptions(paths: JointTailMap.pilotPaths, horizon: JointTailMap.pilotHorizon,
                                             seed: JointTailMap.pilotSeed, useTailMap: false, useVarianceCalibration: false,
                                             useBandMap: false)
        func sources() throws -> [[Double]] {
            let z = try generate(options, recordingZ: true).z
            return (0..<K).map { k in
                let sorted = stride(from: k, to: z.count, by: K).map { z[$0] }.sorted()
                return JointTailMap.sourceLevels.map { JointTailMap.sampleQuantile(sorted, level: $0) }
            }
        }
        try setDataModels(try models.replacingZTail(try map.calibrated(sources: try sources())))
        options.useTailMap = true
        try setDataModels(try models.replacingZTail(try map.calibrated(sources: try sources())))
    }
}
