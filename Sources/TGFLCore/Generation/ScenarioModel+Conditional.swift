import Foundation
import TGFLStats

/// Settings of conditional generation: scenarios of the days after each of many real dates.
public struct ConditionalGenerationOptions: Sendable {
    /// Paths per forecast day, ≥ 1.
    public var paths: Int
    /// Days per path, ≥ 1 and ≤ half the context length.
    public var horizon: Int
    /// Real days before each forecast day the prompt holds (≥ 1): the volatility filter runs over
    /// all of them (v2), the network sees the last `context_length − horizon + 1`.
    public var promptDays: Int
    /// Softmax temperature τ > 0.
    public var temperature: Double
    /// Seed; path p of forecast day t draws from `SeededRNG(seed: seed, stream: t · 2³² + p)`.
    public var seed: UInt64
    /// Worker threads (nil: the model's thread count). Results do not depend on it.
    public var threads: Int?
    /// Model v2: re-estimate the volatility filter (μ, ω, α, γ, β, ν) on the prompt of every
    /// k-th forecast day (in the order of `days`, the first one included) and use it until the
    /// next refit, as the walk-forward baselines refit theirs (`VolatilityModel.refitted(on:)`);
    /// a refit that fails (fewer than 50 prompt days, no optimum) keeps the filter in use. The
    /// network, its levels and its tokenizer stay as trained. nil: the trained filter on every day.
    /// With a refit, a day's scenarios depend on which day its filter was refitted on.
    public var refitVolatilityEvery: Int?
    /// Model v2: recalibrate each day's generated z on the prompt's own standardized residuals
    /// under that day's filter (`ZRecalibration`); nil: the network's z as generated.
    public var zRecalibration: ZRecalibration?
    /// Model v2: a score-driven filter for the prompted path (Harvey's Beta-t-EGARCH, e.g.
    /// `BetaTEGARCH.fit` on the training returns), nil: the model's fitted GJR filter.
    ///
    /// With it, each day's σ_t is this filter's one-step forecast after the prompt, and it carries
    /// σ² into the generated days (r = μ_f + σ·z, σ²' = `step(variance:residual:)`) instead of
    /// the GJR recursion: a crash moves it less and its effect decays faster, as the realised
    /// volatility did after 1987 and 2020 (BENCHMARKS.md, "A filter for the prompted path"). The
    /// network is unchanged: its prompt tokens are the GJR-standardized z of the prompt as in
    /// training, and the σ-level input of the last prompt day and of every generated day is the
    /// level (the trained filter's σ quantile bins, `VolatilityModel.level(ofVariance:)`) of this
    /// filter's σ. The z recalibration then uses the prompt's residuals under this filter. With
    /// `refitVolatilityEvery` it is refitted on the prompt on the same days as the GJR (from the
    /// one in use; a failed refit keeps it).
    public var promptFilter: BetaTEGARCH?

    /// Creates options (defaults: 1,000 paths of 10 days after 1,000-day prompts, τ = 1, seed 42,
    /// the trained volatility filter, no z recalibration, the GJR on the prompted path).
    public init(paths: Int = 1000, horizon: Int = 10, promptDays: Int = 1000, temperature: Double = 1,
                seed: UInt64 = 42, threads: Int? = nil, refitVolatilityEvery: Int? = nil,
                zRecalibration: ZRecalibration? = nil, promptFilter: BetaTEGARCH? = nil) {
        self.paths = paths; self.horizon = horizon; self.promptDays = promptDays
        self.temperature = temperature; self.seed = seed; self.threads = threads
        self.refitVolatilityEvery = refitVolatilityEvery; self.zRecalibration = zRecalibration
        self.promptFilter = promptFilter
    }
}

/// Scenarios of the days after each forecast day: `paths × horizon` log returns per day.
public struct ConditionalScenarios: Sendable, Equatable {
    /// The forecast days: indices into the history; day t's paths continue `history[..<t]`.
    public let days: [Int]
    /// Paths per forecast day.
    public let paths: Int
    /// Days per path.
    public let horizon: Int
    /// `returns[k][p · horizon + d]`: day d + 1 of path p after forecast day `days[k]`.
    public let returns: [[Double]]
    /// σ_t of each forecast day (model v2; nil for v1): the filtered volatility state every path
    /// of `days[k]` starts from, `σ²_t = step(σ²_{t−1}, r_{t−1} − μ)` after the whole prompt.
    /// A one-day path's return is `μ + σ_t · z` with z drawn from the network.
    public let startVolatilities: [Double]?

    /// The h-day sums Σ_{d<h} r_d of every path after forecast day k (h ≤ horizon).
    public func cumulativeReturns(day k: Int, horizon h: Int) -> [Double] {
        (0..<paths).map { p in
            var s = 0.0
            for d in 0..<h { s += returns[k][p * horizon + d] }
            return s
        }
    }
}

extension ScenarioModel {
    /// Forecast days whose prompts are encoded and sampled together (bounds the prompt caches'
    /// memory, about 0.6 MB each for config small).
    static let conditionalBlockDays = 16

    /// Generates scenarios conditioned on each of many real dates, batched with shared prompts.
    ///
    /// For forecast day t (an index into `history`), the prompt is `history[max(0, t − promptDays) ..< t]`;
    /// v2 filters its volatility over the whole prompt so σ_t is today's state and the regime
    /// is inferred from it (`.unconditional` afterwards); v1 generates under the regime label of
    /// the prompt's last day. The network sees the last `context_length − horizon + 1` inputs, so
    /// the horizon never slides the context.
    ///
    /// **Prompt sharing** (issue #18): each day's prompt is encoded once, in a one-slot KV cache,
    /// which every chunk of paths (`generationChunkSize`) reads in place (`KVCache.sharedPrefix`: the attention of
    /// each slot reads the prompt's whole 8-position key tiles from it, so they stay in cache
    /// for all paths); only its last, partial tile and its last logits are copied into the slots
    /// (`generate` encodes the prompt once per slot). Days are processed in blocks of 16: the
    /// prompts of a block in parallel, then its (day, chunk) pairs in parallel.
    ///
    /// **Determinism.** Path p of day t draws from `SeededRNG(seed: seed, stream: t · 2³² + p)` in
    /// fixed chunks of 32 with single-threaded products: the same bits for any thread count and
    /// any set of forecast days.
    /// - Parameters:
    ///   - history: real log returns (finite), oldest first.
    ///   - days: forecast days, each in 1 ... history.count.
    ///   - options: paths, horizon, prompt length, temperature, seed, threads.
    ///   - progress: called after each finished (day, chunk) with paths counted over all days;
    ///     return false to cancel.
    /// - Returns: the scenarios of each day, in the order of `days`.
    /// - Throws: `TGFLError.invalidArgument` for an unfitted model, a day outside 1...count, a
    ///   horizon above half the context, promptDays < 1, NaN history; the errors of `generate`;
    ///   `.cancelled`.
    public func generateConditional(history: [Double], days: [Int], options: ConditionalGenerationOptions,
                                    progress: ((GenerationProgress) -> Bool)? = nil) throws -> ConditionalScenarios {
        try checkConditional(history: history, days: days, options: options)
        let started = DispatchTime.now().uptimeNanoseconds
        var out = [[Double]]()
        out.reserveCapacity(days.count)
        var sigmas: [Double]? = config.modelVersion >= 2 ? [] : nil
        let filters = try conditionalFilters(history: history, days: days, options: options)
        let promptFilters = conditionalPromptFilters(history: history, days: days, options: options)
        var done = 0
        for start in stride(from: 0, to: days.count, by: Self.conditionalBlockDays) {
            let block = Array(days[start..<min(start + Self.conditionalBlockDays, days.count)])
            let plans = try withLock {
                try block.indices.map { i in
                    try conditionalPlan(history: history, day: block[i], options: options, volatility: filters?[start + i],
                                        promptFilter: promptFilters?[start + i])
                }
            }
            sigmas? += plans.map { $0.volatility?.startVariance?.squareRoot() ?? .nan }
            let residuals = try options.zRecalibration.map { z in
                try block.indices.map { i in
                    let t = block[i], prompt = Array(history[max(0, t - options.promptDays)..<t])
                    if let f = promptFilters?[start + i] { return try z.residuals(prompt: prompt, promptFilter: f) }
                    guard let filter = try filters?[start + i] ?? fittedDataModels(for: "generate").volatility else {
                        throw TGFLError.invalidArgument(
                            "zRecalibration needs a v2 model with a fitted volatility filter; this one has none: pass nil")
                    }
                    return try z.residuals(prompt: prompt, volatility: filter)
                }
            }
            let report: ((Int) -> Bool)? = progress.map { callback in
                { finished in
                    let paths = done + finished, total = days.count * options.paths
                    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
                    let rate = elapsed > 0 ? Double(paths * options.horizon) / elapsed : 0
                    return callback(GenerationProgress(
                        pathsCompleted: paths, totalPaths: total, tokensGenerated: paths * options.horizon,
                        elapsedSeconds: elapsed, tokensPerSecond: rate,
                        etaSeconds: rate > 0 ? Double((total - paths) * options.horizon) / rate : 0))
                }
            }
            out += try withLock {
                try sampleBlock(plans: plans, days: block, streams: block.map { UInt64($0) << 32 }, options: options,
                                residuals: residuals, report: report)
            }
            done += block.count * options.paths
        }
        return ConditionalScenarios(days: days, paths: options.paths, horizon: options.horizon, returns: out,
                                    startVolatilities: sigmas)
    }

    private func checkConditional(history: [Double], days: [Int], options: ConditionalGenerationOptions) throws {
        guard options.horizon >= 1, options.horizon <= config.contextLength / 2 else {
            throw TGFLError.invalidArgument(
                "conditional horizon must lie in 1...\(config.contextLength / 2) days (half the context), got \(options.horizon)")
        }
        guard options.promptDays >= 1 else {
            throw TGFLError.invalidArgument("promptDays must be at least 1, got \(options.promptDays)")
        }
        if let i = history.firstIndex(where: { !$0.isFinite }) {
            throw TGFLError.invalidArgument("history[\(i)] = \(history[i]) is not finite; the history must hold real log returns")
        }
        if let bad = days.first(where: { $0 < 1 || $0 > history.count }) {
            throw TGFLError.invalidArgument(
                "forecast day \(bad) is outside 1...\(history.count): each day needs at least one real return before it")
        }
        if let every = options.refitVolatilityEvery {
            guard every >= 1 else {
                throw TGFLError.invalidArgument("refitVolatilityEvery must be at least 1 day, got \(every)")
            }
            guard config.modelVersion >= 2 else {
                throw TGFLError.invalidArgument(
                    "refitVolatilityEvery needs a v2 model (a volatility filter); this v1 model has none: pass nil")
            }
        }
        if let f = options.promptFilter {
            guard config.modelVersion >= 2 else {
                throw TGFLError.invalidArgument(
                    "promptFilter needs a v2 model (a volatility state); this v1 model has none: pass nil")
            }
            do { try f.check() } catch {
                throw TGFLError.invalidArgument("promptFilter: \(error); fit it with BetaTEGARCH.fit on the training returns")
            }
        }
        if let z = options.zRecalibration {
            try z.check()
            guard config.modelVersion >= 2 else {
                throw TGFLError.invalidArgument(
                    "zRecalibration needs a v2 model (standardized residuals); this v1 model has none: pass nil")
            }
        }
    }

    /// The volatility model of each forecast day when the options refit it (nil otherwise):
    /// refitted on the prompt of every `refitVolatilityEvery`-th day, the trained one until the
    /// first refit that succeeds.
    func conditionalFilters(history: [Double], days: [Int],
                                    options o: ConditionalGenerationOptions) throws -> [VolatilityModel]? {
        guard let every = o.refitVolatilityEvery, var current = try fittedDataModels(for: "generate").volatility else {
            return nil
        }
        var out = [VolatilityModel]()
        out.reserveCapacity(days.count)
        for (k, t) in days.enumerated() {
            if k % every == 0, let refit = try? current.refitted(on: Array(history[max(0, t - o.promptDays)..<t])) {
                current = refit
            }
            out.append(current)
        }
        return out
    }

    /// The score-driven prompt filter of each forecast day (nil without `promptFilter`): the given
    /// one, refitted on the prompt of every `refitVolatilityEvery`-th day when refitting (from the
    /// one in use; a failed refit keeps it), as `conditionalFilters` does for the GJR.
    func conditionalPromptFilters(history: [Double], days: [Int], options o: ConditionalGenerationOptions) -> [BetaTEGARCH]? {
        guard var current = o.promptFilter else { return nil }
        guard let every = o.refitVolatilityEvery else { return days.map { _ in current } }
        return days.enumerated().map { k, t in
            if k % every == 0, let refit = try? BetaTEGARCH.fit(Array(history[max(0, t - o.promptDays)..<t]), start: current) {
                current = refit
            }
            return current
        }
    }

    /// The generation plan of one forecast day (the prompt, its volatility state, the regime),
    /// with `volatility` in place of the trained filter when given, and with `promptFilter`'s
    /// σ² after the prompt as the start (and its recursion in the generated days) when given.
    func conditionalPlan(history: [Double], day t: Int, options o: ConditionalGenerationOptions,
                         volatility: VolatilityModel? = nil, promptFilter: BetaTEGARCH? = nil) throws -> GenerationPlan {
        let prompt = Array(history[max(0, t - o.promptDays)..<t])
        let regime: RegimeCondition
        if config.modelVersion >= 2 {
            regime = .unconditional
        } else {
            regime = .fixed(Int(try fittedDataModels(for: "generate").encode(prompt, what: "the prompt").regimes.last!))
        }
        let g = GenerationOptions(paths: o.paths, horizon: o.horizon, regime: regime, prompt: prompt,
                                  temperature: o.temperature, seed: o.seed, threads: o.threads)
        let models = try volatility.map { v in
            let trained = try fittedDataModels(for: "generate")
            return try DataModels(tokenizer: trained.tokenizer, regimes: trained.regimes, volatility: v)
        }
        let p = try plan(g, promptTokenLimit: config.contextLength - o.horizon + 1, dataModels: models)
        guard let f = promptFilter, let v = p.volatility else { return p }
        guard let start = f.variances(prompt).last else {
            throw TGFLError.invalidArgument("the prompt filter needs at least one prompt day; give --prompt-days ≥ 1")
        }
        return GenerationPlan(paths: p.paths, horizon: p.horizon, regimes: p.regimes, promptTokens: p.promptTokens,
                              promptConditions: p.promptConditions, inverseTemperature: p.inverseTemperature,
                              seed: p.seed, threads: p.threads,
                              volatility: VolatilityPlan(model: v.model, regimes: v.regimes, startVariance: start,
                                                         omegas: v.omegas, location: v.location, bounds: v.bounds,
                                                         promptFilter: f, meanTermStart: v.model.meanTermStart(prompt: prompt, location: f.mu)))
    }

    /// Encodes the prompts of a block of days (one one-slot cache each), then samples every
    /// (day, chunk) pair from copies of them.
    /// Path p of `plans[k]` draws from stream `streams[k] | p`. With `residuals` (the sorted
    /// standardized residuals of each day's prompt), each day's z are recalibrated by
    /// `ZRecalibrationMap` with weight `o.zRecalibration.weight`.
    func sampleBlock(plans: [GenerationPlan], days: [Int], streams: [UInt64], options o: ConditionalGenerationOptions,
                     residuals: [[Double]]? = nil, report: ((Int) -> Bool)?) throws -> [[Double]] {
        let tokenizer = try fittedDataModels(for: "generate").tokenizer
        let threads = o.threads ?? transformer.threads
        let weights = TransposedLinearWeights(transformer)
        let prompts = plans.map { _ in KVCache(config: config, slots: 1, linearWeights: weights) }
        Parallel.forEach(parts: plans.count, threads: threads) { k, _ in
            self.encodePrompt(plans[k], into: prompts[k])
        }
        for (k, cache) in prompts.enumerated() {
            let row = UnsafeBufferPointer(start: cache.logits, count: config.vocabSize)
            if row.contains(where: { !$0.isFinite }) {
                throw TGFLError.invalidArgument(
                    "generate: the model's logits after the prompt of day \(days[k]) are not finite; the weights are corrupt")
            }
        }
        let maps = residuals.map { r in
            plans.indices.map { k in
                ZRecalibrationMap(logits: prompts[k].logits, inverseTemperature: Double(plans[k].inverseTemperature),
                                  edges: tokenizer.binEdges, residuals: r[k], recalibration: o.zRecalibration)
            }
        }
        let P = Self.generationChunkSize, H = o.horizon
        let chunks = (o.paths + P - 1) / P
        let workers = max(1, min(threads, plans.count * chunks))
        let caches = (0..<workers).map { _ in KVCache(config: config, slots: P, linearWeights: weights) }
        let outputs = plans.map { _ in UnsafeMutablePointer<Double>.allocate(capacity: o.paths * H) }
        let regimes = UnsafeMutablePointer<Int32>.allocate(capacity: plans.count * o.paths * H)
        defer { outputs.forEach { $0.deallocate() }; regimes.deallocate() }
        let control = ConditionalControl()
        let out = UncheckedSendable(outputs), reg = UncheckedSendable(regimes)
        Parallel.forEach(parts: plans.count * chunks, threads: workers) { item, worker in
            guard !control.isCancelled else { return }
            let k = item / chunks, first = (item % chunks) * P, count = min(P, o.paths - first)
            self.sampleFromPrompt(plans[k], prompt: prompts[k], cache: caches[worker], stream: streams[k],
                                  tokenizer: tokenizer, firstPath: first, count: count, zMap: maps?[k],
                                  returns: out.value[k], regimes: reg.value + k * o.paths * H)
            control.finished(count, report: report)
        }
        if control.isCancelled { throw TGFLError.cancelled }
        return outputs.map { Array(UnsafeBufferPointer(start: $0, count: o.paths * H)) }
    }

    /// Runs a plan's prompt through a one-slot cache: its K/V and last logits stay there.
    private func encodePrompt(_ plan: GenerationPlan, into cache: KVCache) {
        let n = plan.promptTokens.count
        let last = plan.volatility.map { v in v.model.level(ofVariance: v.startVariance!) }
        for t in 0..<n {
            cache.sequenceTokens[t] = plan.promptTokens[t]
            cache.sequenceRegimes[t] = t < plan.promptConditions.count ? plan.promptConditions[t] : last!
        }
        prefill(cache: cache, slots: 1, length: n)
    }

    /// Copies an encoded prompt into `count` slots and samples their paths.
    private func sampleFromPrompt(_ plan: GenerationPlan, prompt: KVCache, cache: KVCache, stream: UInt64,
                                  tokenizer: ReturnTokenizer, firstPath: Int, count: Int, zMap: ZRecalibrationMap?,
                                  returns: UnsafeMutablePointer<Double>, regimes: UnsafeMutablePointer<Int32>) {
        let T = config.contextLength, V = config.vocabSize, n = plan.promptTokens.count
        // Whole key tiles of the prompt are read in place by every slot (`KVCache.sharedPrefix`);
        // only the prompt's last, partial tile of 8 positions is copied into each slot.
        let hd = config.headDim, split = n / 8 * 8
        let keyFloats = (n + 7) / 8 * 8 * hd - split * hd, valueFloats = (n - split) * hd
        cache.sharedPrefix = (prompt, split)
        defer { cache.sharedPrefix = nil }
        for s in 0..<count {
            (cache.logits + s * V).update(from: prompt.logits, count: V)
            // A one-day horizon samples from these logits only: no keys or values are read.
            guard plan.horizon > 1 else { continue }
            for l in 0..<config.nLayers {
                for h in 0..<config.nHeads {
                    let src = prompt.offset(layer: l, slot: 0, head: h) + split * hd
                    let dst = cache.offset(layer: l, slot: s, head: h) + split * hd
                    (cache.keys + dst).update(from: prompt.keys + src, count: keyFloats)
                    (cache.values + dst).update(from: prompt.values + src, count: valueFloats)
                }
            }
            (cache.sequenceTokens + s * T).update(from: prompt.sequenceTokens, count: n)
            (cache.sequenceRegimes + s * T).update(from: prompt.sequenceRegimes, count: n)
        }
        var rngs = (0..<count).map { SeededRNG(seed: plan.seed, stream: stream | UInt64(firstPath + $0)) }
        var variances = [Double](repeating: plan.volatility?.startVariance ?? 0, count: count)
        decode(plan: plan, tokenizer: tokenizer, cache: cache, firstPath: firstPath, count: count, length: n,
               rngs: &rngs, variances: &variances, returns: returns, regimes: regimes, tokens: nil, logits: nil,
               zMap: zMap)
    }
}

/// Cancellation and progress of a conditional run, shared by its workers.
private final class ConditionalControl: @unchecked Sendable {
    private let lock = NSLock()
    private var completed = 0
    private var cancelled = false

    var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }

    func finished(_ paths: Int, report: ((Int) -> Bool)?) {
        guard let report else { return }
        lock.lock(); defer { lock.unlock() }
        completed += paths
        if !cancelled && !report(completed) { cancelled = true }
    }
}
