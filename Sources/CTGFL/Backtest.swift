// Backtest (include/tgfl.h, section "Backtest"): the walk-forward VaR/ES backtest of issue 16
// (TGFLCore's WalkForwardBacktest) as JSON.

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLStats
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `tgfl_backtest_params tgfl_backtest_default_params(void)`: `WalkForwardOptions`' defaults.
@_cdecl("tgfl_backtest_default_params")
public func cBacktestDefaultParams() -> tgfl_backtest_params {
    let o = WalkForwardOptions()
    var p = tgfl_backtest_params()
    p.struct_size = UInt32(MemoryLayout<tgfl_backtest_params>.size)
    p.levels = nil
    p.n_levels = 0
    p.horizons = nil
    p.n_horizons = 0
    p.n_paths = Int32(clamping: o.paths)
    p.prompt_days = Int32(clamping: o.promptDays)
    p.baselines = true
    p.refit_every = Int32(clamping: o.refitEvery)
    p.refit_volatility = o.refitTGFLVolatility
    p.compare_trained_filter = o.compareTrainedFilter
    p.z_recalibration_window = Int32(clamping: o.zRecalibration?.window ?? 0)
    p.z_recalibration_weight = o.zRecalibration?.weight ?? ZRecalibration.standard.weight
    p.z_recalibration_position = Int32((o.zRecalibration?.position ?? .linear) == .linear
        ? TGFL_QUANTILE_LINEAR.rawValue : TGFL_QUANTILE_WEIBULL.rawValue)
    p.compare_uncalibrated = o.compareUncalibrated
    p.compare_z_windows = nil
    p.compare_z_weights = nil
    p.compare_z_positions = nil
    p.n_compare_z = 0
    p.prompt_filter = Int32(TGFL_PROMPT_FILTER_GJR.rawValue)
    p.compare_prompt_filter = o.comparePromptFilter
    p.es_simulations = Int32(clamping: o.esSimulations)
    p.seed = o.seed
    p.n_threads = 0
    p.progress = nil
    p.progress_user_data = nil
    return p
}

extension tgfl_backtest_params: VersionedParams {
    static let cName = "tgfl_backtest_params"
    static let firstSize = MemoryLayout<tgfl_backtest_params>.size
    static func defaults() -> tgfl_backtest_params { cBacktestDefaultParams() }
}

extension tgfl_backtest_params {
    /// The library options, every field checked (errors name the field).
    /// - Parameter hasModel: whether a TGFL model is backtested (the compare_* rows need one).
    func walkForwardOptions(hasModel: Bool) throws -> WalkForwardOptions {
        var o = WalkForwardOptions(paths: Int(try Check.inRange(n_paths, 100...Int32.max, "n_paths")),
                                   promptDays: Int(try Check.inRange(prompt_days, 1...Int32.max, "prompt_days")),
                                   baselines: baselines ? WalkForwardOptions.standardBaselines : [],
                                   refitEvery: Int(try Check.inRange(refit_every, 1...Int32.max, "refit_every")),
                                   esSimulations: Int(try Check.inRange(es_simulations, 1000...Int32.max, "es_simulations")),
                                   seed: seed, threads: try Check.threads(n_threads, max: maxThreads),
                                   refitTGFLVolatility: refit_volatility)
        let levelCount = try Check.size(n_levels, "n_levels")
        if levelCount > 0 {
            o.levels = Array(try Check.buffer(levels, count: levelCount, "levels"))
            if let i = o.levels.firstIndex(where: { !($0 > 0 && $0 < 0.5) }) {
                throw BoundaryError.outOfRange("levels[\(i)] is \(o.levels[i]); tail probabilities lie in (0, 0.5), e.g. 0.01")
            }
        }
        let horizonCount = try Check.size(n_horizons, "n_horizons")
        if horizonCount > 0 {
            let h = try Check.buffer(horizons, count: horizonCount, "horizons")
            if let i = h.firstIndex(where: { $0 < 1 || $0 > 64 }) {
                throw BoundaryError.outOfRange("horizons[\(i)] is \(h[i]); horizons lie in 1...64 days")
            }
            o.horizons = h.map { Int($0) }
        }
        o.zRecalibration = z_recalibration_window == 0 ? nil
            : try Self.recalibration(z_recalibration_window, z_recalibration_weight, z_recalibration_position,
                                     "z_recalibration_")
        let extra = try Check.size(n_compare_z, "n_compare_z")
        if extra > 0 {
            let windows = try Check.buffer(compare_z_windows, count: extra, "compare_z_windows")
            let weights = try Check.buffer(compare_z_weights, count: extra, "compare_z_weights")
            let positions = compare_z_positions.map { UnsafeBufferPointer(start: $0, count: extra) }
            o.compareZRecalibrations = try (0..<extra).map { i in
                try Self.recalibration(windows[i], weights[i], positions?[i] ?? Int32(TGFL_QUANTILE_LINEAR.rawValue),
                                       "compare_z_", index: i)
            }
        }
        switch prompt_filter {
        case Int32(TGFL_PROMPT_FILTER_GJR.rawValue): o.promptFilter = .gjr
        case Int32(TGFL_PROMPT_FILTER_BETA_T.rawValue): o.promptFilter = .betaT
        default:
            throw BoundaryError.outOfRange(
                "prompt_filter is \(prompt_filter); use TGFL_PROMPT_FILTER_GJR (0) or TGFL_PROMPT_FILTER_BETA_T (1)")
        }
        o.compareTrainedFilter = compare_trained_filter
        o.compareUncalibrated = compare_uncalibrated
        o.comparePromptFilter = compare_prompt_filter
        let compared = [("compare_trained_filter", compare_trained_filter), ("compare_uncalibrated", compare_uncalibrated),
                        ("compare_prompt_filter", compare_prompt_filter), ("compare_z_windows", extra > 0)]
        if !hasModel, let name = compared.first(where: { $0.1 })?.0 {
            throw BoundaryError.invalid("\(name) compares TGFL rows but model is NULL (baselines only); pass a trained model")
        }
        if compare_trained_filter && !refit_volatility {
            throw BoundaryError.invalid("compare_trained_filter compares with the refitted filter: set refit_volatility = true")
        }
        if compare_uncalibrated && o.zRecalibration == nil {
            throw BoundaryError.invalid(
                "compare_uncalibrated compares with the z recalibration: set z_recalibration_window (e.g. 250), not 0")
        }
        if !hasModel && !baselines {
            throw BoundaryError.invalid("nothing to backtest: model is NULL and baselines is false")
        }
        return o
    }

    /// A checked z recalibration (window ≥ 20, weight in [0, 1], a TGFL_QUANTILE_* position);
    /// errors name the fields: `prefix` + "window"/"weight"/"position", or the arrays
    /// `prefix` + "windows[i]"/… when `index` is given.
    static func recalibration(_ window: Int32, _ weight: Double, _ position: Int32, _ prefix: String,
                              index: Int? = nil) throws -> ZRecalibration {
        func name(_ field: String) -> String { index.map { "\(prefix)\(field)s[\($0)]" } ?? prefix + field }
        let n = Int(try Check.inRange(window, Int32(ZRecalibration.minimumResiduals)...Int32.max, name("window")))
        let w = try Check.inRange(try Check.finite(weight, name("weight")), 0.0...1.0, name("weight"))
        switch position {
        case Int32(TGFL_QUANTILE_LINEAR.rawValue): return ZRecalibration(window: n, weight: w, position: .linear)
        case Int32(TGFL_QUANTILE_WEIBULL.rawValue): return ZRecalibration(window: n, weight: w, position: .weibull)
        default:
            throw BoundaryError.outOfRange(
                "\(name("position")) is \(position); use TGFL_QUANTILE_LINEAR (0) or TGFL_QUANTILE_WEIBULL (1)")
        }
    }
}

/// `int32_t tgfl_backtest(tgfl_model * model, const double * returns, size_t n_returns,
/// size_t span_start, size_t span_end, const double * levels, size_t n_levels,
/// const int32_t * horizons, size_t n_horizons, int32_t n_paths, bool baselines, uint64_t seed,
/// int32_t n_threads, char ** out_json)`: `tgfl_backtest_ex` with the default params and these.
@_cdecl("tgfl_backtest")
public func cBacktest(_ model: OpaquePointer?, _ returns: UnsafePointer<Double>?, _ nReturns: Int,
                      _ spanStart: Int, _ spanEnd: Int, _ levels: UnsafePointer<Double>?, _ nLevels: Int,
                      _ horizons: UnsafePointer<Int32>?, _ nHorizons: Int, _ nPaths: Int32, _ baselines: Bool,
                      _ seed: UInt64, _ nThreads: Int32,
                      _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var p = cBacktestDefaultParams()
    p.levels = levels; p.n_levels = nLevels; p.horizons = horizons; p.n_horizons = nHorizons
    p.n_paths = nPaths; p.baselines = baselines; p.seed = seed; p.n_threads = nThreads
    return cBacktestEx(model, returns, nReturns, spanStart, spanEnd, &p, outJSON)
}

/// `int32_t tgfl_backtest_ex(tgfl_model * model, const double * returns, size_t n_returns,
/// size_t span_start, size_t span_end, const tgfl_backtest_params * params, char ** out_json)`.
@_cdecl("tgfl_backtest_ex")
public func cBacktestEx(_ model: OpaquePointer?, _ returns: UnsafePointer<Double>?, _ nReturns: Int,
                        _ spanStart: Int, _ spanEnd: Int, _ params: UnsafePointer<tgfl_backtest_params>?,
                        _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outJSON?.pointee = nil
    func body(_ box: ModelBox?) throws {
        guard let outJSON else { throw BoundaryError.null("out_json") }
        let p = try params.map { try tgfl_backtest_params.read($0) } ?? cBacktestDefaultParams()
        let n = try Check.size(nReturns, "n_returns")
        let series = try Check.buffer(returns, count: n, "returns")
        try Check.finite(series, "returns")
        let start = try Check.size(spanStart, "span_start"), end = try Check.size(spanEnd, "span_end")
        guard start >= 1, start < end, end <= n else {
            throw BoundaryError.outOfRange("the span [span_start, span_end) = [\(start), \(end)) must satisfy 1 ≤ start < end ≤ n_returns = \(n)")
        }
        let options = try p.walkForwardOptions(hasModel: box != nil)
        if let box, !box.model.isFitted {
            throw BoundaryError.state("cannot backtest: the model has no tokenizer/regime model yet; train it or load a trained checkpoint")
        }
        let started = Date()
        let progress: ((WalkForwardProgress) -> Bool)? = p.progress.map { callback in
            { value in
                let elapsed = Date().timeIntervalSince(started)
                var report = tgfl_progress(
                    kind: Int32(TGFL_PROGRESS_BACKTEST), step: Int((value.fraction * 1000).rounded(.down)), total: 1000,
                    epoch: 0, trainLoss: nil, validationLoss: nil, tokensPerSecond: .nan, elapsedSeconds: elapsed,
                    etaSeconds: value.fraction > 0 ? elapsed * (1 - value.fraction) / value.fraction : .nan)
                guard let box else { return callback(&report, p.progress_user_data) }
                return CallbackScope.run(for: box) { callback(&report, p.progress_user_data) }
            }
        }
        let result = try WalkForwardBacktest.run(model: box?.model, series: "returns", returns: Array(series),
                                                 span: start..<end, options: options, progress: progress)
        guard let copy = strdup(try result.jsonString()) else {
            throw BoundaryError(status: Status.internalError, message: "out of memory copying the backtest JSON")
        }
        outJSON.pointee = copy
    }
    if model == nil { return withStatus { try body(nil) } }
    return withModel(model) { box in try body(box) }
}
