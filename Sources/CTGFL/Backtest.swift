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

/// `int32_t tgfl_backtest(tgfl_model * model, const double * returns, size_t n_returns,
/// size_t span_start, size_t span_end, const double * levels, size_t n_levels,
/// const int32_t * horizons, size_t n_horizons, int32_t n_paths, bool baselines, uint64_t seed,
/// int32_t n_threads, char ** out_json)`.
@_cdecl("tgfl_backtest")
public func cBacktest(_ model: OpaquePointer?, _ returns: UnsafePointer<Double>?, _ nReturns: Int,
                      _ spanStart: Int, _ spanEnd: Int, _ levels: UnsafePointer<Double>?, _ nLevels: Int,
                      _ horizons: UnsafePointer<Int32>?, _ nHorizons: Int, _ nPaths: Int32, _ baselines: Bool,
                      _ seed: UInt64, _ nThreads: Int32,
                      _ outJSON: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outJSON?.pointee = nil
    func body(_ scenarioModel: ScenarioModel?) throws {
        guard let outJSON else { throw BoundaryError.null("out_json") }
        let n = try Check.size(nReturns, "n_returns")
        let series = try Check.buffer(returns, count: n, "returns")
        try Check.finite(series, "returns")
        let start = try Check.size(spanStart, "span_start"), end = try Check.size(spanEnd, "span_end")
        guard start >= 1, start < end, end <= n else {
            throw BoundaryError.outOfRange("the span [span_start, span_end) = [\(start), \(end)) must satisfy 1 ≤ start < end ≤ n_returns = \(n)")
        }
        var options = WalkForwardOptions(paths: Int(try Check.inRange(nPaths, 100...Int32.max, "n_paths")),
                                         baselines: baselines ? WalkForwardOptions.standardBaselines : [], seed: seed,
                                         threads: try Check.threads(nThreads, max: maxThreads))
        let levelCount = try Check.size(nLevels, "n_levels")
        if levelCount > 0 {
            options.levels = Array(try Check.buffer(levels, count: levelCount, "levels"))
            if let i = options.levels.firstIndex(where: { !($0 > 0 && $0 < 0.5) }) {
                throw BoundaryError.outOfRange("levels[\(i)] is \(options.levels[i]); tail probabilities lie in (0, 0.5), e.g. 0.01")
            }
        }
        let horizonCount = try Check.size(nHorizons, "n_horizons")
        if horizonCount > 0 {
            let h = try Check.buffer(horizons, count: horizonCount, "horizons")
            if let i = h.firstIndex(where: { $0 < 1 || $0 > 64 }) {
                throw BoundaryError.outOfRange("horizons[\(i)] is \(h[i]); horizons lie in 1...64 days")
            }
            options.horizons = h.map { Int($0) }
        }
        if let scenarioModel, !scenarioModel.isFitted {
            throw BoundaryError.state("cannot backtest: the model has no tokenizer/regime model yet; train it or load a trained checkpoint")
        }
        let result = try WalkForwardBacktest.run(model: scenarioModel, series: "returns", returns: Array(series),
                                                 span: start..<end, options: options)
        guard let copy = strdup(try result.jsonString()) else {
            throw BoundaryError(status: Status.internalError, message: "out of memory copying the backtest JSON")
        }
        outJSON.pointee = copy
    }
    if model == nil { return withStatus { try body(nil) } }
    return withModel(model) { box in try body(box.model) }
}
