import Foundation

/// Each asset's z under an asked market regime, mapped onto the training z of that regime's days
/// (issue 17, session 20; off by default — `JointDataSettings.regimeTailMap`).
///
/// ```
/// levels ℓ_i = 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99
/// t_gk(ℓ) = quantile ℓ of asset k's training z = (r − μ_k)/σ_k on the days of market regime g
///           (JointDataModels.regimeRows: fewer than 30 days add the calmer regimes'; histogram on
///            JointTailMap's 0.01 grid, `JointTailMap.histogramQuantile`)
/// s_gk(ℓ) = quantile ℓ of asset k's z in pilot scenarios under `.fixed(g)` (`pilotPaths` × `pilotHorizon`,
///           seed `pilotSeed` + g; second pass of `calibrateTails()`, z where the map reads it)
/// map_gk(z) = piecewise linear through (s_gk(ℓ_i), t_gk(ℓ_i)); beyond the outer knots the outer
///             segment's slope continues; the identity when the knots are not strictly increasing
/// ```
/// Generation under an asked regime (`.fixed` or `.path`) without a prompt maps z_dk with the
/// day's regime g (u_dk and the next token follow the mapped z, as with `JointTailMap`).
///
/// **Why** (BENCHMARKS.md "Session 20 (jes20)", `Benchmarks/joint_regime_z_diagnosis.py`): the
/// network draws each regime's z with about the unconditional training z's shape (the whitening
/// gives each regime its z variance, nothing else), while the real z on the volatile and crisis
/// market days are thinner in the lower tail (ES 1 %/sd 0.52–0.83 of all the training days', mean
/// +0.1…+0.3: the filter's σ is high after the shocks that put a day there) and heavier on the calm
/// days. On fx_usd_1980 that is the whole volatile/crisis ES miss (+47 / +57 %, +35 / +43 %): the
/// starts' σ mixture with the real regime z gives +16 / +14 % (seeds 42 / 7); the real σ with the network's z
/// +43 / +55 %. A map of the whole marginal (not only the outer 5 %, as `JointTailMap`: the body's
/// location moves too) makes the runs match their training days; the same map moves the
/// eu_stocks and crsp_daily crisis cells, which meet the bound today only because the too-heavy z
/// makes up for the held-out span's heavier crisis days — hence off by default.
///
/// Fitted on training days only (per regime and asset, counts on the grid: a federation sums them
/// per institution, in the clear like the other summaries); the sources come from the model's own
/// regime pilots, so `JointScenarioModel.calibrateTails()` measures them after every training call.
public struct JointRegimeTailMap: Equatable, Sendable {
    /// The quantile levels of the knots, increasing.
    public static let levels: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99]
    /// The pilot scenarios of each regime the sources are measured on.
    public static let pilotPaths = 1024
    public static let pilotHorizon = 5
    /// Regime g's pilots use seed `pilotSeed` + g.
    public static let pilotSeed: UInt64 = 0x7A11_5EED_2020

    /// `targets[g][k]`: asset k's training z quantiles at `levels` on the days of market regime g.
    public let targets: [[[Double]]]
    /// `sources[g][k]`: asset k's pilot z quantiles at `levels` under regime g; nil before
    /// `calibrated(sources:)` (then generation does not map).
    public let sources: [[[Double]]]?

    /// - Throws: `TGFLError.invalidArgument` for a shape that is not R × K × `levels.count`, or
    ///   values that are not finite and non-decreasing.
    public init(targets: [[[Double]]], sources: [[[Double]]]? = nil) throws {
        let K = targets.first?.count ?? 0
        func check(_ rows: [[[Double]]], _ what: String) throws {
            guard rows.count == targets.count, rows.allSatisfy({ $0.count == K }) else {
                throw TGFLError.invalidArgument(
                    "the regime z tail map's \(what) need \(targets.count) regimes × \(K) assets, got \(rows.map(\.count)) per regime")
            }
            for (g, perAsset) in rows.enumerated() {
                for (k, q) in perAsset.enumerated() {
                    guard q.count == Self.levels.count, q.allSatisfy(\.isFinite), zip(q, q.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                        throw TGFLError.invalidArgument(
                            "the regime z tail map's \(what) of regime \(g), asset \(k) must be \(Self.levels.count) finite "
                            + "non-decreasing quantiles, got \(q)")
                    }
                }
            }
        }
        guard K >= 1, !targets.isEmpty else {
            throw TGFLError.invalidArgument("the regime z tail map needs at least one regime and one asset")
        }
        try check(targets, "targets")
        if let sources { try check(sources, "sources") }
        self.targets = targets; self.sources = sources
    }

    /// The same targets with the pilot quantiles.
    public func calibrated(sources: [[[Double]]]) throws -> JointRegimeTailMap {
        try JointRegimeTailMap(targets: targets, sources: sources)
    }

    /// R.
    public var regimes: Int { targets.count }
    /// K.
    public var count: Int { targets[0].count }

    /// Fits the targets: per market regime g (its `JointDataModels.regimeRows`) and asset, the
    /// quantiles of the training z (`JointTailMap.histogramQuantile` on the 0.01 grid).
    /// - Parameters:
    ///   - z: per asset, the training z (all spans).
    ///   - labels: each day's market regime.
    ///   - regimes: R.
    public static func fit(z: [[Double]], labels: [Int32], regimes: Int) throws -> JointRegimeTailMap {
        guard !z.isEmpty, z.allSatisfy({ $0.count == labels.count }), !labels.isEmpty else {
            throw TGFLError.invalidArgument(
                "the regime z tail map needs one z per asset and day: \(labels.count) days, columns of \(z.map(\.count))")
        }
        return try JointRegimeTailMap(targets: (0..<regimes).map { g in
            let rows = JointDataModels.regimeRows(labels: labels, regime: g)
            return z.map { column in
                let counts = JointTailMap.histogram(rows.map { column[$0] })
                return JointTailMap.histogramQuantiles(counts, total: rows.count, levels: levels)
            }
        })
    }

    /// Fits the targets on training spans under a model's stored filters and regime bands (each
    /// span's filter restarts, as `JointDataModels.fit` runs it), e.g. for a model saved without them.
    public static func fit(trainingSpans: [[[Double]]], models: JointDataModels) throws -> JointRegimeTailMap {
        let K = models.count
        guard trainingSpans.allSatisfy({ span in span.count == K && span.allSatisfy { $0.count == span[0].count } }) else {
            throw TGFLError.invalidArgument("every training span needs \(K) columns, one per asset")
        }
        var z = [[Double]](repeating: [], count: K), sigmas = [[Double]](repeating: [], count: K)
        for span in trainingSpans {
            for k in 0..<K {
                let v = models.volatility[k], sigma = v.variances(span[k]).map { $0.squareRoot() }
                sigmas[k] += sigma
                z[k] += zip(span[k], sigma).map { ($0 - v.garch.mu) / $1 }
            }
        }
        let labels = sigmas[0].indices.map { t in
            JointDataModels.marketRegime((0..<K).map { models.regimes[$0].label(volatility: sigmas[$0][t]) })
        }
        return try fit(z: z, labels: labels, regimes: models.regimeNames.count)
    }

    /// The map of asset k's z under regime g (the identity before calibration).
    public func apply(_ z: Double, regime g: Int, asset k: Int) -> Double {
        guard let sources else { return z }
        let x = sources[g][k], y = targets[g][k], last = x.count - 1
        for i in 1...last where !(x[i] > x[i - 1] && y[i] > y[i - 1]) { return z }
        if z <= x[0] { return y[0] + (z - x[0]) * (y[1] - y[0]) / (x[1] - x[0]) }
        if z >= x[last] { return y[last] + (z - x[last]) * (y[last] - y[last - 1]) / (x[last] - x[last - 1]) }
        var i = 1
        while z > x[i] { i += 1 }
        return y[i - 1] + (z - x[i - 1]) / (x[i] - x[i - 1]) * (y[i] - y[i - 1])
    }

    // MARK: - Checkpoint

    /// Writes `regime_z_tail.targets` [R·K·11] and, when calibrated, `regime_z_tail.sources` [R·K·11].
    func write(to section: inout CheckpointSection) {
        section.datasets["regime_z_tail.targets"] = targets.flatMap { $0.flatMap { $0 } }
        if let sources { section.datasets["regime_z_tail.sources"] = sources.flatMap { $0.flatMap { $0 } } }
    }

    /// Reads the optional map of a `/joint` section (nil without `regime_z_tail.targets`).
    static func read(_ r: CheckpointSectionReader, assets K: Int, regimes R: Int) throws -> JointRegimeTailMap? {
        guard r.section.datasets["regime_z_tail.targets"] != nil else { return nil }
        let n = levels.count
        func shape(_ flat: [Double]) -> [[[Double]]] {
            (0..<R).map { g in (0..<K).map { k in Array(flat[((g * K + k) * n)..<((g * K + k + 1) * n)]) } }
        }
        let targets = try r.dataset("regime_z_tail.targets", count: R * K * n)
        let sources = try r.section.datasets["regime_z_tail.sources"].map { _ in
            try r.dataset("regime_z_tail.sources", count: R * K * n)
        }
        do {
            return try JointRegimeTailMap(targets: shape(targets), sources: sources.map(shape))
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}

extension JointScenarioModel {
    /// Measures the sources of the model's regime z tail map (`JointRegimeTailMap`) on pilot
    /// scenarios under each regime (`.fixed(g)`, `pilotPaths` × `pilotHorizon` days, seed
    /// `pilotSeed` + g, no prompt), two passes as `calibrateTails()` runs them: the first without
    /// the map, the second with the first's map, measuring each asset's z where the map reads it.
    /// A model without one is left as it is. `calibrateTails()` calls it (after the unconditional
    /// map, whose pilots do not see this map); call it alone after adding a map to a trained model.
    public func calibrateRegimeTails() throws {
        guard let models = dataModels, let map = models.regimeTailMap else { return }
        let K = assetCount
        func sources(_ mapped: Bool) throws -> [[[Double]]] {
            try (0..<map.regimes).map { g in
                let options = JointGenerationOptions(
                    paths: JointRegimeTailMap.pilotPaths, horizon: JointRegimeTailMap.pilotHorizon, regime: .fixed(g),
                    seed: JointRegimeTailMap.pilotSeed &+ UInt64(g), useRegimeTailMap: mapped)
                let z = try generate(options, recordingZ: true).z
                return (0..<K).map { k in
                    let sorted = stride(from: k, to: z.count, by: K).map { z[$0] }.sorted()
                    return JointRegimeTailMap.levels.map { JointTailMap.sampleQuantile(sorted, level: $0) }
                }
            }
        }
        try setDataModels(try models.replacingRegimeTailMap(try map.calibrated(sources: try sources(false))))
        try setDataModels(try models.replacingRegimeTailMap(try map.calibrated(sources: try sources(true))))
    }
}
