import Foundation
import TGFLKernels
import TGFLStats

/// The validated inputs of one generation run.
struct GenerationPlan: Sendable {
    let paths: Int
    let horizon: Int
    /// Regime index of each generated day, `[horizon]`; nil for an unconditional v2 run.
    let regimes: [Int32]?
    /// Input tokens and conditioning ids of the prompt (the last ≤ T days), the same for every
    /// path. In v2 the last condition is set per path from its starting volatility.
    let promptTokens: [Int32]
    let promptConditions: [Int32]
    let inverseTemperature: Float
    let seed: UInt64
    let threads: Int
    /// The v2 volatility state, nil for v1.
    let volatility: VolatilityPlan?
}

/// The volatility state of a v2 generation run: the model, and where each path starts.
struct VolatilityPlan: Sendable {
    let model: VolatilityModel
    let regimes: RegimeModel
    /// σ² of the first generated day (from the prompt, or the asked regime's level); nil: drawn
    /// per path from the training distribution (`VolatilityModel.initialVariance(u:)`).
    let startVariance: Double?
    /// The intercept ω of the recursion into day d + 1, per day d (regime-specific when a
    /// regime is asked for).
    let omegas: [Double]
    /// The location μ of the generated returns, on which the recursion is centred
    /// (`VolatilityModel.location(regime:)`: the calibrated one when no regime is asked for).
    let location: Double
    /// The variances allowed on day d + 1, per day d (the asked regime's band, else the global
    /// bounds).
    let bounds: [ClosedRange<Double>]
    /// Prompted generation with a score-driven filter (`ConditionalGenerationOptions.promptFilter`):
    /// it carries σ² from day to day (its own μ and recursion, no bounds) in place of `model`.
    var promptFilter: BetaTEGARCH? = nil
    /// u_{−1} of the model's MA(1) mean term (`MeanTerm`): the prompt's last innovation, 0 without one.
    var meanTermStart = 0.0
}

/// What a generation run produced; `tokens` and `logits` only when asked for (tests).
struct GenerationOutput {
    var returns: [Double]          // [paths · horizon]
    var regimes: [Int32]           // [paths · horizon]
    var tokens: [Int32]            // [paths · horizon] when recorded
    var logits: [Float]            // [paths · horizon · V] when recorded
}

/// The shared state of a generation run's workers (single-series or joint): paths done,
/// cancellation, the progress callback.
final class GenerationControl: @unchecked Sendable {
    let lock = NSLock()
    var completed = 0
    var cancelled = false
    let started = DispatchTime.now().uptimeNanoseconds
    let totalPaths: Int
    /// Tokens sampled per path (days × assets).
    let tokensPerPath: Int
    let progress: ((GenerationProgress) -> Bool)?

    init(totalPaths: Int, tokensPerPath: Int, progress: ((GenerationProgress) -> Bool)?) {
        self.totalPaths = totalPaths; self.tokensPerPath = tokensPerPath; self.progress = progress
    }

    /// Whether a callback asked to stop.
    var stopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Counts `count` finished paths and reports the progress (one call at a time).
    func finished(paths count: Int) {
        guard let progress else { return }
        lock.lock()
        defer { lock.unlock() }
        completed += count
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        let done = completed * tokensPerPath
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let info = GenerationProgress(
            pathsCompleted: completed, totalPaths: totalPaths, tokensGenerated: done,
            elapsedSeconds: elapsed, tokensPerSecond: rate,
            etaSeconds: rate > 0 ? Double((totalPaths - completed) * tokensPerPath) / rate : 0)
        if !cancelled && !progress(info) { cancelled = true }
    }
}

extension ScenarioModel {
    /// Paths processed together by one worker: 8, or `TGFL_GENERATION_CHUNK` (1...256) from the
    /// environment (8 rather than 32 since session 6: large config, 1,000 × 250, AMD EPYC Zen 4
    /// with AVX2, quiet machine, 7.37 s against 8.93 s, same checksum; small config unchanged). Every path's numbers are computed row by row from its own generator, so the
    /// scenarios are the same bits for any chunk size and any thread count; the size only moves
    /// the balance between re-reading the weights (small chunks) and the chunk's K/V caches
    /// falling out of cache (large chunks).
    static let generationChunkSize: Int = {
        let text = ProcessInfo.processInfo.environment["TGFL_GENERATION_CHUNK"] ?? ""
        guard let value = Int(text), (1...256).contains(value) else { return 8 }
        return value
    }()

    /// Generates scenario paths by batched autoregressive sampling with a KV cache.
    ///
    /// Inputs are `(token, condition)` pairs; the condition at position t belongs to the day
    /// predicted there (see `WindowDataset`). With a prompt `r_0 … r_{n−1}` (the last
    /// `context_length` days are used; conditions are computed on the whole prompt):
    /// ```
    /// inputs_t = (token_t, cond_{t+1}) for t < n−1,   inputs_{n−1} = (token_{n−1}, cond of day 0)
    /// without a prompt: one input (token of the training mean, cond of day 0)
    /// day d:  k_d ~ softmax(logits(last position) / τ)
    ///         x_d = edge_{k_d} + U · (edge_{k_d+1} − edge_{k_d})   (ReturnTokenizer.sample)
    ///   v1:   r_d = x_d,                            cond_{d+1} = g_{d+1} (the asked regime)
    ///   v2:   r_d = μ + σ_d · c_d · x_d   (or r_d = 0 exactly with probability q_{k_d}, the model's
    ///         `generationZeroShares`, from the same uniform U; then k_d = the token of −μ/σ_d),
    ///         σ²_{d+1} = step(σ²_d, r_d − μ, ω_d) clamped to the band of
    ///         the regime asked for day d + 1 (global bounds when unconditional),
    ///         cond_{d+1} = level(σ²_{d+1})
    ///   append input (k_d, cond_{d+1})
    ///   v2 with `generationMeanTerm` (`MeanTerm`): the day's return is released as
    ///         μ + c·(u_d + θ·u_{d−1}), u_d = r_d − μ (0 stays 0); the input and σ² above use r_d
    /// ```
    /// In v2, `c_d` is 1 except in unconditional runs without a prompt of a model with
    /// `generationZSignScales`, where it is the factor of the signs of the path's previous K z
    /// (`ZSignScales`; 1 on days 0 ..< K); in the same runs a model with `generationZTail` maps
    /// x_d in the network's outer p of the day to the t tail first (`ZTail`); `ω_d` is the fitted ω for `.unconditional` and `ω_g` (`VolatilityModel.omega(regime:)`)
    /// of the regime asked for day d + 1 otherwise; `σ²_0` comes from the prompt's filtered
    /// volatility, else from the asked regime's level, else (unconditional) from one uniform
    /// draw of the path's generator through the training distribution of σ_t.
    ///
    /// **Sliding window.** Positions are absolute and learned, so a cached sequence cannot
    /// simply be shifted: when a sequence holding `context_length` inputs needs one more, it
    /// keeps its most recent `max(1, context_length / 2)` inputs (including the new one),
    /// recomputes their K/V in one prefill at positions `0 …` and continues. Horizons longer
    /// than the context therefore work, each day seeing at least half a context of history.
    ///
    /// **Determinism.** Path p draws only from `SeededRNG(seed: seed, stream: p)` (one
    /// uniform for its starting volatility in an unconditional v2 run without a prompt, then one
    /// uniform for its token and one for the value inside the bin, per day), and paths are
    /// processed in fixed chunks of 32 with single-threaded products, the chunks spread over
    /// `threads` workers: the same seed gives bit-identical scenarios for any thread count.
    /// - Parameters:
    ///   - options: Paths, horizon, regime condition, prompt, temperature, seed, threads.
    ///   - progress: Called after each finished chunk of paths (possibly from a worker
    ///     thread, one call at a time); return false to cancel.
    /// - Returns: `paths × horizon` log returns (v1: inside the tokenizer's range) and the
    ///   regime of every generated day.
    /// - Throws: `TGFLError.invalidArgument` for an unfitted model ("train the model or load a
    ///   trained checkpoint"), paths or horizon < 1, temperature ≤ 0 or not finite, an empty
    ///   or NaN prompt, `.unconditional` on a v1 model; `.outOfRange` for an unknown regime
    ///   index or a regime path whose length is not the horizon; `.cancelled` when `progress`
    ///   returned false.
    /// Reference: Radford et al. (2019) GPT-2 sampling with temperature; KV caching as in
    /// Pope et al. (2022), "Efficiently Scaling Transformer Inference"; the volatility state as
    /// in filtered historical simulation (Barone-Adesi et al., 1999).
    public func generate(_ options: GenerationOptions,
                         progress: ((GenerationProgress) -> Bool)? = nil) throws -> ScenarioSet {
        let output = try generateRaw(options, record: false, progress: progress)
        let H = options.horizon
        let rows = 0..<options.paths
        return ScenarioSet(returns: rows.map { p in Array(output.returns[(p * H)..<((p + 1) * H)]) },
                           regimes: rows.map { p in Array(output.regimes[(p * H)..<((p + 1) * H)]) })
    }

    /// Checks the options and builds the prompt inputs; the prompt gives at most
    /// `promptTokenLimit` inputs (default: the context length) while its volatility filter runs
    /// over all of it. `dataModels` replaces the model's own (a refitted volatility filter).
    func plan(_ options: GenerationOptions, promptTokenLimit: Int? = nil, dataModels: DataModels? = nil) throws -> GenerationPlan {
        let models = try dataModels ?? fittedDataModels(for: "generate")
        try Self.checkSize(options)
        let regimes = try dayRegimes(options, models: models)
        var prompt = try promptInputs(options.prompt, models: models, regimes: regimes,
                                      limit: promptTokenLimit ?? config.contextLength)
        var volatility: VolatilityPlan?
        if let v = models.volatility {
            let next = (0..<options.horizon).map { d in regimes.map { Int($0[min(d + 1, options.horizon - 1)]) } }
            volatility = VolatilityPlan(model: v, regimes: models.regimes, startVariance: prompt.startVariance,
                                        omegas: next.map { v.omega(regime: $0) },
                                        location: v.location(regime: regimes == nil ? nil : 0),
                                        bounds: next.map { v.varianceBounds(regime: $0, of: models.regimes) })
            volatility?.meanTermStart = v.meanTermStart(prompt: options.prompt, location: v.location(regime: regimes == nil ? nil : 0))
        } else {
            // v1: the last prompt input is conditioned on the regime of day 0.
            prompt.conditions.append(regimes![0])
        }
        return GenerationPlan(paths: options.paths, horizon: options.horizon, regimes: regimes,
                              promptTokens: prompt.tokens, promptConditions: prompt.conditions,
                              inverseTemperature: Float(1 / options.temperature), seed: options.seed,
                              threads: options.threads ?? transformer.threads, volatility: volatility)
    }

    /// Checks paths, horizon, their product, the temperature and the thread count.
    private static func checkSize(_ options: GenerationOptions) throws {
        guard options.paths >= 1 else {
            throw TGFLError.invalidArgument("paths must be at least 1, got \(options.paths)")
        }
        guard options.horizon >= 1 else {
            throw TGFLError.invalidArgument("horizon must be at least 1 day, got \(options.horizon)")
        }
        let (total, overflow) = options.paths.multipliedReportingOverflow(by: options.horizon)
        guard !overflow, total <= 1 << 31 else {
            throw TGFLError.invalidArgument(
                "paths × horizon = \(options.paths) × \(options.horizon) is too large; generate in batches")
        }
        guard options.temperature > 0, options.temperature.isFinite else {
            throw TGFLError.invalidArgument(
                "temperature must be positive and finite, got \(options.temperature); 1 samples the model as trained")
        }
        if let threads = options.threads, threads < 1 {
            throw TGFLError.outOfRange("threads must be at least 1, got \(threads)")
        }
    }

    /// The regime asked for each generated day, or nil for an unconditional (v2) run.
    private func dayRegimes(_ options: GenerationOptions, models: DataModels) throws -> [Int32]? {
        let R = config.nRegimes
        switch options.regime {
        case .fixed(let g):
            guard (0..<R).contains(g) else {
                throw TGFLError.outOfRange("regime \(g) is outside 0..<\(R); valid regimes: \(regimeList(models.regimes))")
            }
            return Array(repeating: Int32(g), count: options.horizon)
        case .path(let path):
            guard path.count == options.horizon else {
                throw TGFLError.outOfRange(
                    "the regime path has \(path.count) labels but the horizon is \(options.horizon) days; "
                    + "give one regime per generated day")
            }
            if let i = path.firstIndex(where: { !(0..<R).contains($0) }) {
                throw TGFLError.outOfRange(
                    "regime path[\(i)] = \(path[i]) is outside 0..<\(R); valid regimes: \(regimeList(models.regimes))")
            }
            return path.map { Int32($0) }
        case .unconditional:
            guard models.volatility != nil else {
                throw TGFLError.invalidArgument(
                    "unconditional generation needs a v2 model (its own volatility dynamics); this v1 model "
                    + "generates under a fixed regime or a regime path (e.g. history's labels replayed)")
            }
            return nil
        }
    }

    /// The inputs every path starts from, and (v2) σ² of the first generated day.
    private struct PromptInputs {
        var tokens: [Int32]
        var conditions: [Int32]
        var startVariance: Double?
    }

    /// The last ≤ `limit` days of the prompt as inputs (its volatility filter runs over all of
    /// it), or one neutral input without a prompt.
    private func promptInputs(_ prompt: [Double]?, models: DataModels, regimes: [Int32]?,
                              limit: Int) throws -> PromptInputs {
        guard let prompt else {
            // One neutral input: the token of the training mean (of returns, or of z in v2).
            return PromptInputs(tokens: [try models.tokenizer.encode(models.tokenizer.mean)], conditions: [],
                                startVariance: models.volatility.flatMap { v in
                                    regimes.map { v.targetVariance(regime: Int($0[0])) } })
        }
        guard !prompt.isEmpty else {
            throw TGFLError.invalidArgument("the prompt is empty; pass nil to start without one")
        }
        if let i = prompt.firstIndex(where: { !$0.isFinite }) {
            throw TGFLError.invalidArgument(
                "prompt[\(i)] = \(prompt[i]) is not finite; the prompt must hold real log returns")
        }
        let encoded = try models.encode(prompt, what: "the prompt")
        let n = prompt.count, keep = min(n, limit)
        var inputs = PromptInputs(tokens: Array(encoded.tokens[(n - keep)...]),
                                  conditions: (n - keep..<(n - 1)).map { encoded.conditions[$0 + 1] })
        if let v = models.volatility, let variances = encoded.variances {
            let g = regimes.map { Int($0[0]) }
            // The prompt's last day is real data: filtered with the fitted ω (never the calibrated
            // ω of unconditional generation, `VolatilityModel.generationOmega`, nor its matched
            // coefficients, `generationDynamics`; issue 16): the first generated day's variance is
            // the fitted filter's one-step forecast from real data.
            inputs.startVariance = v.step(variance: variances[n - 1], residual: prompt[n - 1] - v.garch.mu,
                                          omega: g.map { v.omega(regime: $0) } ?? v.garch.omega,
                                          bounds: v.varianceBounds(regime: g, of: models.regimes))
        }
        return inputs
    }

    private func regimeList(_ model: RegimeModel) -> String {
        model.names.enumerated().map { "\($1) (\($0))" }.joined(separator: ", ")
    }

    /// Runs the sampler; with `record`, also keeps every sampled token and the logits it was
    /// drawn from (for tests).
    func generateRaw(_ options: GenerationOptions, record: Bool,
                     progress: ((GenerationProgress) -> Bool)?) throws -> GenerationOutput {
        try withLock {
            let plan = try self.plan(options)
            let tokenizer = try fittedDataModels(for: "generate").tokenizer
            let residuals = try promptResiduals(options)
            // Hardening (issue 13, item 7): refuse weights whose logits are NaN/∞ up front.
            // (In v2 the prompt's last condition is set per path; the middle level stands in for it.)
            let conditions = plan.promptConditions.count == plan.promptTokens.count ? plan.promptConditions
                : plan.promptConditions + [Int32(config.conditionCount / 2)]
            try checkLogitsFinite(tokens: plan.promptTokens, regimes: conditions, what: "generate")
            let P = Self.generationChunkSize, H = plan.horizon, V = config.vocabSize
            let chunks = (plan.paths + P - 1) / P
            let workers = max(1, min(plan.threads, chunks))
            let linearWeights = TransposedLinearWeights(transformer)
            let caches = (0..<workers).map { _ in
                KVCache(config: config, slots: P, linearWeights: linearWeights)
            }
            let returns = UnsafeMutablePointer<Double>.allocate(capacity: plan.paths * H)
            defer { returns.deallocate() }
            let dayRegimes = UnsafeMutablePointer<Int32>.allocate(capacity: plan.paths * H)
            defer { dayRegimes.deallocate() }
            let recordedTokens = UnsafeMutablePointer<Int32>.allocate(capacity: record ? plan.paths * H : 1)
            defer { recordedTokens.deallocate() }
            let recordedLogits = UnsafeMutablePointer<Float>.allocate(capacity: record ? plan.paths * H * V : 1)
            defer { recordedLogits.deallocate() }

            let control = GenerationControl(totalPaths: plan.paths, tokensPerPath: H, progress: progress)
            let out = UncheckedSendable(returns), rt = UncheckedSendable(recordedTokens)
            let dr = UncheckedSendable(dayRegimes)
            let rl = UncheckedSendable(recordedLogits)
            Parallel.forEach(parts: chunks, threads: workers) { chunk, worker in
                if control.stopped { return }
                let first = chunk * P, count = min(P, plan.paths - first)
                self.sampleChunk(plan: plan, tokenizer: tokenizer, cache: caches[worker], firstPath: first,
                                 count: count, residuals: residuals, recalibration: options.zRecalibration,
                                 returns: out.value, regimes: dr.value,
                                 tokens: record ? rt.value : nil, logits: record ? rl.value : nil)
                control.finished(paths: count)
            }
            if control.cancelled { throw TGFLError.cancelled }
            return GenerationOutput(
                returns: Array(UnsafeBufferPointer(start: returns, count: plan.paths * H)),
                regimes: Array(UnsafeBufferPointer(start: dayRegimes, count: plan.paths * H)),
                tokens: record ? Array(UnsafeBufferPointer(start: recordedTokens, count: plan.paths * H)) : [],
                logits: record ? Array(UnsafeBufferPointer(start: recordedLogits, count: plan.paths * H * V)) : [])
        }
    }

    /// Samples `count` paths starting at `firstPath` in one cache (single-threaded).
    private func sampleChunk(plan: GenerationPlan, tokenizer: ReturnTokenizer, cache: KVCache, firstPath: Int,
                             count: Int, residuals: [Double]?, recalibration: ZRecalibration?,
                             returns: UnsafeMutablePointer<Double>, regimes: UnsafeMutablePointer<Int32>,
                             tokens recordTokens: UnsafeMutablePointer<Int32>?,
                             logits recordLogits: UnsafeMutablePointer<Float>?) {
        let T = config.contextLength
        var rngs = (0..<count).map { SeededRNG(seed: plan.seed, stream: UInt64(firstPath + $0)) }
        let seqTok = cache.sequenceTokens, seqReg = cache.sequenceRegimes
        let vol = plan.volatility

        // v2: each path's volatility state σ²_d (the variance of the day about to be sampled).
        var variances = [Double](repeating: 0, count: count)
        // Unconditional paths without a prompt: each path's slow level scales its intercept
        // (`VolatilityModel.generationLevelFactor`, 1 for models without one).
        var levels = [Double](repeating: 1, count: count)
        if let vol {
            for s in 0..<count {
                if let start = vol.startVariance {
                    variances[s] = start
                } else {
                    let u = rngs[s].uniform()
                    variances[s] = vol.model.initialVariance(u: u)
                    if plan.regimes == nil { levels[s] = vol.model.generationLevelFactor(u: u) }
                }
            }
        }

        // Prompt prefill: every slot holds the same prompt; in v2 its last condition is the
        // level of the slot's own starting volatility.
        let length = plan.promptTokens.count
        for s in 0..<count {
            for t in 0..<length {
                seqTok[s * T + t] = plan.promptTokens[t]
                seqReg[s * T + t] = t < plan.promptConditions.count ? plan.promptConditions[t]
                    : vol!.model.level(ofVariance: variances[s])
            }
        }
        prefill(cache: cache, slots: count, length: length)
        // With a prompt every slot starts from the same state, so slot 0's logits are the day's.
        let zMap = residuals.map { r in
            ZRecalibrationMap(logits: cache.logits, inverseTemperature: Double(plan.inverseTemperature),
                              edges: tokenizer.binEdges, residuals: r, recalibration: recalibration)
        }
        decode(plan: plan, tokenizer: tokenizer, cache: cache, firstPath: firstPath, count: count, length: length,
               rngs: &rngs, variances: &variances, returns: returns, regimes: regimes,
               tokens: recordTokens, logits: recordLogits, levelFactors: levels, zMap: zMap)
    }

    /// Samples the `horizon` days of `count` slots whose prompts are in the cache (their logits
    /// in `cache.logits`, `length` inputs each), writing path `firstPath + s`'s days. A v2
    /// `zMap` recalibrates every sampled z before it becomes a return (`ZRecalibration`).
    func decode(plan: GenerationPlan, tokenizer: ReturnTokenizer, cache: KVCache, firstPath: Int, count: Int,
                length promptLength: Int, rngs: inout [SeededRNG], variances: inout [Double],
                returns: UnsafeMutablePointer<Double>, regimes: UnsafeMutablePointer<Int32>,
                tokens recordTokens: UnsafeMutablePointer<Int32>?, logits recordLogits: UnsafeMutablePointer<Float>?,
                levelFactors: [Double]? = nil, zMap: ZRecalibrationMap? = nil) {
        let T = config.contextLength, V = config.vocabSize, H = plan.horizon
        let edges = tokenizer.binEdges
        let vol = plan.volatility
        var length = promptLength
        // Unconditional paths without a prompt: each z is scaled by the signs of the path's
        // previous K z (`VolatilityModel.generationZSignScales`; nil for models without them).
        let free = vol.map { $0.startVariance == nil && $0.promptFilter == nil && plan.regimes == nil } ?? false
        let signScales = free ? vol?.model.generationZSignScales : nil
        // ... and its tails follow the filter's t (`VolatilityModel.generationZTail`).
        let zTail = free ? vol?.model.generationZTail : nil
        // ... and their pooled marginal is mapped onto a public series' (`VolatilityModel.generationZMarginal`).
        let zMarginal = free ? vol?.model.generationZMarginal : nil
        var previousZ = [[Double]](repeating: [], count: signScales == nil ? 0 : count)
        // Exact-zero returns: the share of r = 0 per sampled bin (`VolatilityModel.generationZeroShares`).
        let zeroShares = vol?.model.generationZeroShares
        // The MA(1) mean term on the returns released (`VolatilityModel.generationMeanTerm`; nil: none).
        var meanTerm = MeanTermPaths(vol?.model.generationMeanTerm, start: vol?.meanTermStart ?? 0, count: count)
        for d in 0..<H {
            // Sample day d of every slot from its logits.
            for s in 0..<count {
                let row = cache.logits + s * V
                let path = firstPath + s
                if let recordLogits { (recordLogits + (path * H + d) * V).update(from: row, count: V) }
                let k = Self.sample(logits: row, V: V, inverseTemperature: plan.inverseTemperature,
                                    scratch: cache.probabilities, rng: &rngs[s])
                let draw = ZeroDraw(u: rngs[s].uniform(), share: zeroShares?[k] ?? 0, lo: edges[k], hi: edges[k + 1])
                let x = draw.x
                var next = Int32(k)   // the next input token
                if let vol {
                    let mu = vol.promptFilter?.mu ?? vol.location
                    let r: Double
                    if draw.isZero {
                        // A stale-price day: r = 0 exactly; its z feeds the sign cells and the next input.
                        r = 0
                        let z = -mu / variances[s].squareRoot()
                        if signScales != nil { previousZ[s].append(z) }
                        next = Int32(tokenizer.bin(of: z))
                    } else {
                        var z = zMap?.apply(x, bin: k) ?? x
                        if let zTail { z = zTail.apply(z, bin: k, weights: cache.probabilities, edges: edges) }
                        if let zMarginal { z = zMarginal.apply(z, edges: edges) }
                        if let signScales {
                            z *= signScales.factor(after: previousZ[s][...])
                            previousZ[s].append(z)
                        }
                        r = mu + variances[s].squareRoot() * z
                    }
                    returns[path * H + d] = meanTerm?.output(r, location: mu, slot: s, zero: draw.isZero) ?? r
                    regimes[path * H + d] = plan.regimes?[d] ?? vol.regimes.label(volatility: variances[s].squareRoot())
                    variances[s] = vol.promptFilter.map { $0.step(variance: variances[s], residual: r - mu) }
                        ?? (plan.regimes == nil
                        ? vol.model.generationStep(variance: variances[s], residual: r - mu,
                                                   omega: vol.omegas[d] * (levelFactors?[s] ?? 1), bounds: vol.bounds[d])
                        : vol.model.step(variance: variances[s], residual: r - mu, omega: vol.omegas[d],
                                         bounds: vol.bounds[d]))
                } else {
                    returns[path * H + d] = x
                    regimes[path * H + d] = plan.regimes![d]
                }
                recordTokens?[path * H + d] = next
                cache.rowToken[s] = next
                // The next input's condition: the regime asked for day d + 1 (v1) or the level
                // of the path's new volatility (v2).
                cache.rowRegime[s] = vol.map { $0.model.level(ofVariance: variances[s]) }
                    ?? plan.regimes![min(d + 1, H - 1)]
            }
            if d == H - 1 { break }
            // Slide when full: keep the most recent half (with the new input) and recompute it.
            length = advance(cache: cache, slots: count, length: length, keep: max(1, T / 2))
        }
    }

    /// Adds each slot's next input (`cache.rowToken[s]`, `cache.rowRegime[s]`) to its stored
    /// sequence and runs it, so the next logits land in `cache.logits`. A sequence that already
    /// holds `context_length` inputs first keeps only its last `keep − 1` (then the new one) and
    /// is re-encoded from position 0 (`prefill`), as positions are absolute.
    /// - Returns: the new length of every sequence.
    func advance(cache: KVCache, slots count: Int, length: Int, keep: Int) -> Int {
        let T = config.contextLength
        let seqTok = cache.sequenceTokens, seqReg = cache.sequenceRegimes
        if length == T {
            cache.sharedPrefix = nil   // the prefill rewrites every position of the slots
            for s in 0..<count {
                let base = s * T
                for t in 0..<(keep - 1) {
                    seqTok[base + t] = seqTok[base + T - keep + 1 + t]
                    seqReg[base + t] = seqReg[base + T - keep + 1 + t]
                }
                seqTok[base + keep - 1] = cache.rowToken[s]
                seqReg[base + keep - 1] = cache.rowRegime[s]
            }
            prefill(cache: cache, slots: count, length: keep)
            return keep
        }
        for s in 0..<count {
            seqTok[s * T + length] = cache.rowToken[s]
            seqReg[s * T + length] = cache.rowRegime[s]
            cache.rowSlot[s] = Int32(s)
            cache.rowPosition[s] = Int32(length)
            cache.outputRows[s] = Int32(s)
        }
        transformer.forwardCached(cache, rows: count, outputCount: count)
        return length + 1
    }

    /// Runs positions `0 ..< length` of every slot's stored sequence through the model in one
    /// pass; the logits of each slot's last position land in `cache.logits`.
    func prefill(cache: KVCache, slots: Int, length: Int) {
        let T = config.contextLength
        var r = 0
        for s in 0..<slots {
            for t in 0..<length {
                cache.rowSlot[r] = Int32(s)
                cache.rowPosition[r] = Int32(t)
                cache.rowToken[r] = cache.sequenceTokens[s * T + t]
                cache.rowRegime[r] = cache.sequenceRegimes[s * T + t]
                r += 1
            }
            cache.outputRows[s] = Int32(s * length + length - 1)
        }
        transformer.forwardCached(cache, rows: r, outputCount: slots)
    }

    /// Draws a token from `softmax(logits · inverseTemperature)` with one uniform.
    ///
    /// ```
    /// w_v = exp((l_v − max l) · β)     k = first v with Σ_{u ≤ v} w_u > U · Σ_u w_u
    /// ```
    @inline(__always)
    static func sample(logits: UnsafePointer<Float>, V: Int, inverseTemperature beta: Float,
                       scratch: UnsafeMutablePointer<Float>, rng: inout SeededRNG) -> Int {
        let m = Transformer.maximum(logits, V)
        let total = tgfl_softmax_weights(scratch, logits, V, m, beta)
        let u = Float(rng.uniform()) * total
        var cumulative: Float = 0
        var last = 0
        for v in 0..<V {
            let w = scratch[v]
            if w > 0 { last = v }
            cumulative += w
            if u < cumulative { return v }
        }
        return last
    }
}
