import Foundation

/// Each asset's variance in unconditional joint scenarios (issue 17, session 16): a per-asset
/// scale on the intercept ω of the generation recursion, found by pilot generations so that
/// each asset's generated returns have its training days' variance — the joint form of the
/// single-series calibration of ω (`ScenarioModel.calibrateUnconditionalVolatility`).
///
/// ```
/// V*_k = variance of asset k's training returns about their mean   (every span pooled: sums of r, r², counts)
/// c_k  = 1 at the first pilot
/// V_k  = variance of asset k's returns in `pilotPaths` × `pilotHorizon` unconditional days
///        (seed `pilotSeed`, the tail map on, ω_k·c_k in the recursion of every day)
/// c_k ← c_k · exp((log V*_k − log V_k) / b_k),  b = 1 first, then the secant slope of the last two
///        iterates clamped to [1, 2] (`slopeBounds`; [0.2, 2] before session 22);  at most `iterations`
///        pilots, stop when every asset is within `tolerance`
/// keep, per asset, the c_k of the pilot whose |log(V_k / V*_k)| was smallest
/// ```
/// **Why** (BENCHMARKS.md, session 15 and 16): the joint models' σ paths match the training
/// days' over 20 days, but over the 250 days the single-asset targets score, the recursion run with
/// the network's z drifts — fx_usd_1980's JPY has 1.22× its training days' E[σ²] — and the joint models
/// had no variance calibration (single-series models have had one since session 5).
///
/// **Order.** The tail map (`JointTailMap`) shapes each asset's z; this scale sets the level of
/// σ, so it runs after the map is calibrated, with the map on, and targets the returns' variance.
/// The map's pilots run without the scales (`calibrateTails()`), so calibrating the tails again
/// gives the same sources whatever scales are stored; calibrate the variance after it.
/// Used by unconditional generation without a prompt only (the runs the pilots are drawn like):
/// a prompted run's σ starts from the prompt's filter and its horizon is short; regime-conditioned
/// runs target each regime's own variance.
public struct JointVarianceCalibration: Equatable, Sendable {
    /// The pilot scenarios.
    public static let pilotPaths = 1024
    public static let pilotHorizon = 250
    public static let pilotSeed: UInt64 = 0x0A12_5CA1
    /// At most this many pilot generations.
    public static let iterations = 4
    /// Stop when every asset's pilot variance is within this relative distance of its target.
    public static let tolerance = 0.01

    /// Whether `JointDataModels.fit` fits the targets (then `fit` and the joint federation
    /// calibrate): on unless `TGFL_JOINT_VARIANCE=0`.
    public static let enabledByDefault: Bool = ProcessInfo.processInfo.environment["TGFL_JOINT_VARIANCE"] != "0"

    /// Per asset, the target variance V*_k.
    public let targets: [Double]
    /// Per asset, the scale c_k of the generation intercept; nil before `calibrateVariance()`
    /// (then generation is as without a calibration).
    public let scales: [Double]?

    /// - Throws: `TGFLError.invalidArgument` for an empty list, counts that differ, or values
    ///   that are not finite and > 0.
    public init(targets: [Double], scales: [Double]? = nil) throws {
        guard !targets.isEmpty, targets.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw TGFLError.invalidArgument("the variance calibration's targets must be finite variances > 0, one per asset, got \(targets)")
        }
        if let scales {
            guard scales.count == targets.count, scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw TGFLError.invalidArgument(
                    "the variance calibration's scales must be \(targets.count) finite values > 0 (one per asset), got \(scales)")
            }
        }
        self.targets = targets; self.scales = scales
    }

    /// Assets.
    public var count: Int { targets.count }

    /// The secant slope b of log V against log c is clamped to this range: never below 1, so a
    /// step is at most the pilot's own log error. (Session 16–21: [0.2, 2]. Session 22 measured
    /// slopes of 0–0.4 for DAX and SMI, a flat V(c) because the network draws smaller z at higher
    /// σ levels, and secant slopes below 0 from the other assets' steps, clamped to 0.2: a 5× step
    /// that turned ±2 % pilot noise into ±10–40 % on ω.)
    public static let slopeBounds: ClosedRange<Double> = 1...2

    /// The next pilot's scales after pilots 0…i (`tried[i]`, `variances[i]`):
    /// `c_k ← c_k · exp((log V*_k − log V_k) / b_k)`, b = 1 at the first pilot, then the secant slope
    /// `log(V_i/V_{i−1}) / log(c_i/c_{i−1})` of asset k clamped to `slopeBounds` (1 when c did not move).
    public static func nextScales(tried: [[Double]], variances: [[Double]], targets: [Double]) -> [Double] {
        let i = tried.count - 1
        return targets.indices.map { k in
            var slope = 1.0                                    // V ∝ ω near the level (a power-2 recursion)
            if i > 0 {
                let dw = Foundation.log(tried[i][k] / tried[i - 1][k])
                if dw != 0 {
                    slope = min(max(Foundation.log(variances[i][k] / variances[i - 1][k]) / dw, slopeBounds.lowerBound),
                                slopeBounds.upperBound)
                }
            }
            return tried[i][k] * Foundation.exp((Foundation.log(targets[k]) - Foundation.log(variances[i][k])) / slope)
        }
    }

    /// The same targets with these scales.
    public func calibrated(scales: [Double]) throws -> JointVarianceCalibration {
        try JointVarianceCalibration(targets: targets, scales: scales)
    }

    /// The scale of asset k's intercept (1 before calibration).
    public func scale(_ k: Int) -> Double { scales?[k] ?? 1 }

    /// Fits the targets: per asset, the variance about the mean of its returns of every span
    /// pooled (divisor n; `numpy.var` of the concatenation). Per span only n, Σr and Σr² are
    /// needed, so a federation sums them per institution (in the clear, like the other summaries).
    /// - Parameter spans: per span, one column per asset.
    /// - Throws: `TGFLError.invalidArgument` naming the asset whose returns are constant or not finite.
    public static func fit(spans: [[[Double]]], assets: [String]) throws -> JointVarianceCalibration {
        let targets = try assets.indices.map { k -> Double in
            let values = spans.flatMap { $0[k] }
            let mean = values.reduce(0, +) / Double(max(values.count, 1))
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count, 1))
            guard variance.isFinite, variance > 0 else {
                throw TGFLError.invalidArgument(
                    "asset '\(assets[k])': the variance calibration needs finite, not all constant training returns "
                    + "(variance \(variance) over \(values.count) days)")
            }
            return variance
        }
        return try JointVarianceCalibration(targets: targets)
    }

    // MARK: - Checkpoint

    /// Writes `variance.targets` [K] and, when calibrated, `variance.omega_scales` [K].
    func write(to section: inout CheckpointSection) {
        section.datasets["variance.targets"] = targets
        if let scales { section.datasets["variance.omega_scales"] = scales }
    }

    /// Reads the optional calibration of a `/joint` section (nil without `variance.targets`).
    static func read(_ r: CheckpointSectionReader, assets K: Int) throws -> JointVarianceCalibration? {
        guard r.section.datasets["variance.targets"] != nil else { return nil }
        let targets = try r.dataset("variance.targets", count: K)
        let scales = try r.section.datasets["variance.omega_scales"].map { _ in try r.dataset("variance.omega_scales", count: K) }
        do {
            return try JointVarianceCalibration(targets: targets, scales: scales)
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}

/// What `JointScenarioModel.calibrateVariance()` did: per pilot, the scales tried and each
/// asset's pilot variance; the scales kept and their pilot variances.
public struct JointVarianceCalibrationReport: Equatable, Sendable {
    public let targets: [Double]
    public let scales: [[Double]]
    public let variances: [[Double]]
    public let kept: [Double]
    public let keptVariances: [Double]
    /// Per asset, `keptVariances / targets − 1`.
    public var relativeErrors: [Double] { zip(keptVariances, targets).map { $0 / $1 - 1 } }
}

extension JointScenarioModel {
    /// Calibrates each asset's intercept scale (`JointVarianceCalibration`) on pilot scenarios of
    /// the trained network and stores it, so that unconditional generation without a prompt gives
    /// each asset its training days' variance. Starts from scale 1 every time, so the result
    /// depends only on the network and the data models (run it after `calibrateTails()`; `fit`
    /// and the joint federation do both). A model without targets (saved before session 16, or
    /// `TGFL_JOINT_VARIANCE=0`) is left as it is (nil). The same bits for any thread count.
    /// - Returns: the pilots' scales and variances, or nil without targets.
    /// - Throws: generation's errors; `TGFLError.invalidArgument` when a pilot's variance is not finite and > 0.
    /// - Parameters:
    ///   - pilotSeed: the pilots' seed (`JointVarianceCalibration.pilotSeed`; another one measures the pilots' noise).
    ///   - pilotPaths: paths per pilot (`JointVarianceCalibration.pilotPaths`).
    @discardableResult
    public func calibrateVariance(pilotSeed: UInt64 = JointVarianceCalibration.pilotSeed,
                                  pilotPaths: Int = JointVarianceCalibration.pilotPaths) throws -> JointVarianceCalibrationReport? {
        guard let models = dataModels, let calibration = models.varianceCalibration else { return nil }
        let K = assetCount, C = JointVarianceCalibration.self
        let logTargets = calibration.targets.map { Foundation.log($0) }
        var scales = [Double](repeating: 1, count: K)
        var tried: [[Double]] = [], variances: [[Double]] = []
        let options = JointGenerationOptions(paths: pilotPaths, horizon: C.pilotHorizon, seed: pilotSeed)
        for _ in 0..<C.iterations {
            try setDataModels(try models.replacingVarianceCalibration(try calibration.calibrated(scales: scales)))
            let pilot = try generate(options)
            let v = (0..<K).map { k -> Double in
                let r = pilot.returns.flatMap { $0.map { $0[k] } }
                let m = r.reduce(0, +) / Double(r.count)
                return r.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(r.count)
            }
            if let k = v.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw TGFLError.invalidArgument(
                    "the variance calibration's pilot gave asset '\(models.assets[k])' variance \(v[k]) at scale \(scales[k])")
            }
            tried.append(scales); variances.append(v)
            if zip(v, calibration.targets).allSatisfy({ abs($0 / $1 - 1) <= C.tolerance }) { break }
            scales = C.nextScales(tried: tried, variances: variances, targets: calibration.targets)
        }
        let best = (0..<K).map { k in
            variances.indices.min { abs(Foundation.log(variances[$0][k]) - logTargets[k])
                < abs(Foundation.log(variances[$1][k]) - logTargets[k]) }!
        }
        let kept = (0..<K).map { tried[best[$0]][$0] }
        try setDataModels(try models.replacingVarianceCalibration(try calibration.calibrated(scales: kept)))
        return JointVarianceCalibrationReport(targets: calibration.targets, scales: tried, variances: variances, kept: kept,
                                              keptVariances: (0..<K).map { variances[best[$0]][$0] })
    }
}
