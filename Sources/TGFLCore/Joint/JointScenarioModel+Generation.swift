import Foundation
import TGFLStats

/// Settings of joint generation (`JointScenarioModel.generate`).
public struct JointGenerationOptions: Sendable {
    /// Independent paths, ≥ 1.
    public var paths: Int
    /// Days per path, ≥ 1.
    public var horizon: Int
    /// The market regime of each day (`.fixed`, `.path`) or `.unconditional`.
    public var regime: RegimeCondition
    /// Recent real log returns of every asset (one column per asset, equal lengths) the paths
    /// continue from, or nil to start from one neutral day.
    public var prompt: [[Double]]?
    /// Softmax temperature τ > 0.
    public var temperature: Double
    /// Seed; path p draws from `SeededRNG(seed: seed, stream: p)`.
    public var seed: UInt64
    /// Worker threads (nil: the model's); results do not depend on it.
    public var threads: Int?
    /// Draw a day's K uniforms from the model's copula (`JointDataModels.copula`), so that the
    /// day's shocks share their tails (default). False, or a model saved without a copula,
    /// draws them independently, as before the copula existed (bit for bit).
    public var useCopula: Bool
    /// Map each asset's z tails with the model's `JointTailMap` (default), in unconditional runs
    /// without a prompt. False, or a model saved without a calibrated map, generates as before
    /// (bit for bit).
    public var useTailMap: Bool
    /// Scale each asset's generation intercept by the model's `JointVarianceCalibration` (default),
    /// in unconditional runs without a prompt. False, or a model saved without a calibrated one,
    /// generates as before (bit for bit).
    public var useVarianceCalibration: Bool
    /// Under an asked regime, start (without a prompt) and bound each asset's σ where the training
    /// days of that market regime had it (`JointRegimeStarts`; default). False, or a model saved
    /// without them, draws σ inside each asset's own regime band, as before (bit for bit).
    public var useRegimeStarts: Bool
    /// Scale each asset's z by its volatility band with the model's `JointBandMap` (default), in
    /// unconditional runs without a prompt, after the pooled tail map. False generates without the
    /// band scales (the variance scales stay those calibrated with them); a model saved without a
    /// calibrated band map generates as before (bit for bit).
    public var useBandMap: Bool
    /// Under an asked regime without a prompt, map each asset's z with the model's
    /// `JointRegimeTailMap` (default, when the model has a calibrated one: session 20, fitted only
    /// when asked). False, or a model without one, generates as before (bit for bit).
    public var useRegimeTailMap: Bool
    /// Without a prompt, draw the assets' day-0 σ with the model's `JointStartDependence` (default,
    /// when the model has one: session 24, fitted only when asked). False, or a model without one,
    /// starts every asset from one uniform, as before (bit for bit).
    public var useStartDependence: Bool

    public init(paths: Int = 100, horizon: Int = 20, regime: RegimeCondition = .unconditional,
                prompt: [[Double]]? = nil, temperature: Double = 1, seed: UInt64 = 42, threads: Int? = nil,
                useCopula: Bool = true, useTailMap: Bool = true, useVarianceCalibration: Bool = true,
                useRegimeStarts: Bool = true, useBandMap: Bool = true, useRegimeTailMap: Bool = true,
                useStartDependence: Bool = true) {
        self.paths = paths; self.horizon = horizon; self.regime = regime; self.prompt = prompt
        self.temperature = temperature; self.seed = seed; self.threads = threads; self.useCopula = useCopula
        self.useTailMap = useTailMap; self.useVarianceCalibration = useVarianceCalibration
        self.useRegimeStarts = useRegimeStarts; self.useBandMap = useBandMap; self.useRegimeTailMap = useRegimeTailMap
        self.useStartDependence = useStartDependence
    }
}

/// Joint scenarios: `returns[p][d][k]` (path, day, asset) and the market regime of each day.
public struct JointScenarioSet: Sendable, Equatable {
    /// The asset names, in the order of the last index.
    public let assets: [String]
    /// `returns[p][d][k]`: log return of asset k on day d + 1 of path p.
    public let returns: [[[Double]]]
    /// `regimes[p][d]`: the market regime of that day (asked for, or, unconditional, the lower
    /// median of the assets' own volatility bands).
    public let regimes: [[Int32]]

    /// Paths.
    public var pathCount: Int { returns.count }
    /// Days per path.
    public var horizon: Int { returns.first?.count ?? 0 }
    /// The returns of asset k as one array per path, `[p][d]`.
    public func asset(_ k: Int) -> [[Double]] { returns.map { $0.map { $0[k] } } }
}

/// The checked inputs of a joint run.
struct JointPlan {
    let paths: Int, horizon: Int
    let regimes: [Int32]?
    /// Prompt tokens, day-aligned (`m·K`), and the conditions of positions `0 ..< m·K − 1`.
    let promptTokens: [Int32]?
    let promptConditions: [Int32]
    /// Per asset, σ² of day 0 (nil: drawn per path from the training distribution).
    let startVariances: [Double]?
    /// Without a prompt under an asked regime g: per asset, the quantile levels of g's band in
    /// its training distribution of σ and the variances the band allows (day 0's σ² is drawn
    /// inside them); nil otherwise.
    let startBands: [(quantiles: ClosedRange<Double>, variances: ClosedRange<Double>)]?
    /// Without a prompt under an asked regime g, with the model's market-regime starts: g and the
    /// starts (day 0's σ² of every asset from one uniform, `JointRegimeStarts`); nil otherwise.
    let regimeStart: (regime: Int, starts: JointRegimeStarts)?
    /// Without a prompt, unconditional or with market-regime starts: the dependence of the assets'
    /// start uniforms (`JointStartDependence`); nil: one uniform for every asset.
    let startDependence: JointStartDependence?
    /// `[d][k]` intercept and bounds of the recursion into day d + 1.
    let omegas: [[Double]]
    let bounds: [[ClosedRange<Double>]]
    let inverseTemperature: Float
    let seed: UInt64
    let threads: Int
    /// The copula of the day's uniforms, or nil for independent uniforms.
    let copula: StudentTCopula?
    /// Each asset's z tail map (calibrated; unconditional runs without a prompt), or nil.
    let tailMap: JointTailMap?
    /// Each asset's z band map (calibrated; unconditional runs without a prompt), or nil; it scales
    /// z after `tailMap`.
    let bandMap: JointBandMap?
    /// The regime z tail map (calibrated; runs under an asked regime without a prompt), or nil.
    let regimeTailMap: JointRegimeTailMap?
}

extension JointScenarioModel {
    /// Generates joint scenarios by sampling the interleaved stream with a KV cache.
    ///
    /// ```
    /// day d:  (v_d0 … v_d,K−1) ~ copula (K + 1 uniforms of the path's stream, K if Gaussian), when the model has one
    /// asset k = 0 … K−1:
    ///   with the copula:  tok, u_dk = F⁻¹_k(v_dk), F_k the CDF of softmax(logits / τ) spread
    ///                     linearly over each token's bin (token and position in the bin from v_dk)
    ///   without:          tok ~ softmax(logits(last position) / τ);  u_dk ~ U[edge_tok, edge_tok+1)
    ///   z_dk = Σ_{j ≤ k} (L_g)_kj u_dj             (the whitening of the day's regime g undone; with the
    ///                                                two-factor rule L_g is the generation factor, while the
    ///                                                prompt was encoded with the encoding factor)
    ///   z_dk ← map_k(z_dk)                          (unconditional without a prompt: `JointTailMap`; under an asked
    ///                                                regime g without a prompt: `JointRegimeTailMap`'s map_gk, when the
    ///                                                model has one; u_dk and the next token follow the mapped z)
    ///   z_dk ← z_dk · S_k,b(σ_dk)                   (unconditional without a prompt: `JointBandMap`, the scale of
    ///                                                asset k's band of σ_dk)
    ///   r_dk = μ_k + σ_dk · z_dk, or exactly 0 by the model's `JointZeroReturns` (decided by the
    ///          position in u's bin after earlier zeros of the day, else by z_dk's place in its bin)
    ///   σ²_{d+1,k} = step_k(σ²_dk, r_dk − μ_k, ω_k(g_{d+1})) clamped to asset k's band of g_{d+1}
    ///          (unconditional without a prompt: ω_k · c_k, the `JointVarianceCalibration` scale)
    ///   next input: (tok, condition of the next token) = (k+1)·S + level_{k+1}(σ²_{d,k+1}),
    ///               or 0·S + level_0(σ²_{d+1,0}) after the last asset
    /// ```
    /// Start: with a prompt, the last ⌊T/K⌋ days of it (day-aligned) and each asset's σ² one
    /// filter step after the prompt; without one, one neutral day (the token of the mean z for
    /// every asset) and every asset at the same quantile u of its own training distribution of
    /// σ (one uniform per path: a calm or a volatile market, not a mix) — under an asked
    /// regime g, u is uniform on g's band of quantile levels (e.g. [0.95, 1] for crisis), so
    /// day 0's σ spreads over the band as on the training days of g instead of sitting at the
    /// band's mean variance (a fixed σ thins the one-day tails: the crisis band is open above).
    /// With a `JointStartDependence` (session 24, off unless fitted) each asset has its own start
    /// uniform, K per path through the Gaussian copula of the training days' rank correlation of σ
    /// (every day's for unconditional runs, the asked market regime's with market-regime starts).
    /// When the window is full it keeps about half a context, cut at a day boundary so
    /// position p still holds asset `p mod K`.
    ///
    /// **Copula.** v_dk is uniform, so asset k's token and u given everything before it are
    /// still drawn from the network's distribution; the copula (fitted on the training u, R = I
    /// since session 9) only couples the day's K draws, mostly in the tails (a common χ² scale
    /// per day, as DCC-t's multivariate t has). The network also conditions asset k on the
    /// tokens of assets < k of the same day; on the files of issue 17 it stays near its output
    /// prior, so that dependence is small and the copula does not count it twice (had the
    /// network learnt it, the copula should be fitted on its PIT values instead).
    /// `options.useCopula = false` (or an old model) draws as before.
    ///
    /// **Determinism.** Path p draws only from `SeededRNG(seed: seed, stream: p)`, a fixed
    /// number of uniforms per day (2K; with the copula K + 1, or K for a Gaussian one; day 0's start one,
    /// or K with a start dependence); paths run in
    /// fixed chunks of 32 with single-threaded products: the same seed gives the same bits for
    /// any thread count.
    /// - Parameters:
    ///   - options: paths, horizon, regime, prompt, temperature, seed, threads.
    ///   - progress: called after each chunk; return false to cancel.
    /// - Returns: `(paths, horizon, K)` returns and the market regimes.
    /// - Throws: `TGFLError.invalidArgument` for an untrained model, bad counts, a bad prompt
    ///   (naming the asset and day); `.outOfRange` for a bad regime; `.cancelled`.
    public func generate(_ options: JointGenerationOptions,
                         progress: ((GenerationProgress) -> Bool)? = nil) throws -> JointScenarioSet {
        try generate(options, recordingZ: false, progress: progress).set
    }

    /// `generate`, and with `recordingZ` each day's z_dk too (`z[(p·H + d)·K + k]`, before asset
    /// k's tail or band map; −μ_k/σ_dk on a zero day), which `calibrateTails()` measures, and the
    /// band of σ_dk in asset k's regime model (`bands`, same index), which `calibrateBands()` uses.
    func generate(_ options: JointGenerationOptions, recordingZ: Bool,
                  progress: ((GenerationProgress) -> Bool)? = nil) throws -> (set: JointScenarioSet, z: [Double], bands: [Int32]) {
        let models = try fitted(for: "generate")
        let plan = try self.plan(options, models: models)
        let K = assetCount, H = plan.horizon
        return try network.withLock {
            let transformer = network.transformer
            let P = ScenarioModel.generationChunkSize
            let chunks = (plan.paths + P - 1) / P
            let workers = max(1, min(plan.threads, chunks))
            let linearWeights = TransposedLinearWeights(transformer)
            let caches = (0..<workers).map { _ in KVCache(config: config, slots: P, linearWeights: linearWeights) }
            var returns = [Double](repeating: 0, count: plan.paths * H * K)
            var regimes = [Int32](repeating: 0, count: plan.paths * H)
            // With recordingZ: z, then the band of each day's σ (as a Double), each paths · H · K.
            var zs = [Double](repeating: 0, count: recordingZ ? 2 * plan.paths * H * K : 0)
            let control = GenerationControl(totalPaths: plan.paths, tokensPerPath: H * K, progress: progress)
            returns.withUnsafeMutableBufferPointer { out in
                regimes.withUnsafeMutableBufferPointer { reg in
                    zs.withUnsafeMutableBufferPointer { zb in
                        let o = UncheckedSendable(out.baseAddress!), g = UncheckedSendable(reg.baseAddress!)
                        let zo = UncheckedSendable(recordingZ ? zb.baseAddress : nil)   // an empty array may have one
                        Parallel.forEach(parts: chunks, threads: workers) { chunk, worker in
                            if control.stopped { return }
                            let first = chunk * P, count = min(P, plan.paths - first)
                            self.sampleChunk(plan: plan, models: models, cache: caches[worker], firstPath: first,
                                             count: count, returns: o.value, regimes: g.value, z: zo.value)
                            control.finished(paths: count)
                        }
                    }
                }
            }
            if control.cancelled { throw TGFLError.cancelled }
            return (JointScenarioSet(
                assets: models.assets,
                returns: (0..<plan.paths).map { p in
                    (0..<H).map { d in Array(returns[((p * H + d) * K)..<((p * H + d + 1) * K)]) }
                },
                regimes: (0..<plan.paths).map { p in Array(regimes[(p * H)..<((p + 1) * H)]) }),
                    Array(zs.prefix(zs.count / 2)), zs.suffix(zs.count / 2).map { Int32($0) })
        }
    }

    /// Checks the options and encodes the prompt.
    func plan(_ options: JointGenerationOptions, models: JointDataModels) throws -> JointPlan {
        guard options.paths >= 1 else { throw TGFLError.invalidArgument("paths must be at least 1, got \(options.paths)") }
        guard options.horizon >= 1 else {
            throw TGFLError.invalidArgument("horizon must be at least 1 day, got \(options.horizon)")
        }
        let (total, overflow) = options.paths.multipliedReportingOverflow(by: options.horizon * assetCount)
        guard !overflow, total <= 1 << 31 else {
            throw TGFLError.invalidArgument("paths × horizon × assets is too large; generate in batches")
        }
        guard options.temperature > 0, options.temperature.isFinite else {
            throw TGFLError.invalidArgument("temperature must be positive and finite, got \(options.temperature)")
        }
        if let threads = options.threads, threads < 1 {
            throw TGFLError.outOfRange("threads must be at least 1, got \(threads)")
        }
        let R = config.nRegimes, H = options.horizon, K = assetCount, T = config.contextLength
        let names = models.regimeNames.enumerated().map { "\($1) (\($0))" }.joined(separator: ", ")
        let regimes: [Int32]?
        switch options.regime {
        case .fixed(let g):
            guard (0..<R).contains(g) else { throw TGFLError.outOfRange("regime \(g) is outside 0..<\(R); valid regimes: \(names)") }
            regimes = Array(repeating: Int32(g), count: H)
        case .path(let path):
            guard path.count == H else {
                throw TGFLError.outOfRange("the regime path has \(path.count) labels but the horizon is \(H) days")
            }
            if let i = path.firstIndex(where: { !(0..<R).contains($0) }) {
                throw TGFLError.outOfRange("regime path[\(i)] = \(path[i]) is outside 0..<\(R); valid regimes: \(names)")
            }
            regimes = path.map(Int32.init)
        case .unconditional:
            regimes = nil
        }
        let g0 = regimes.map { Int($0[0]) }
        // Under an asked regime: each asset's σ within the market regime's training range (JointRegimeStarts),
        // or within its own regime band (before session 19, or without starts).
        let starts = options.useRegimeStarts && regimes != nil ? models.regimeStarts : nil
        func bound(_ k: Int, _ g: Int?) -> ClosedRange<Double> {
            if let starts, let g { return starts.bounds(regime: g, asset: k, of: models.volatility[k]) }
            return models.volatility[k].varianceBounds(regime: g, of: models.regimes[k])
        }
        var promptTokens: [Int32]?, promptConditions: [Int32] = [], start: [Double]?
        var bands: [(quantiles: ClosedRange<Double>, variances: ClosedRange<Double>)]?
        if let prompt = options.prompt {
            let encoded = try models.encode(prompt, what: "the prompt")
            let n = encoded.regimes.count, m = min(n, T / K)
            promptTokens = Array(encoded.tokens[((n - m) * K)...])
            promptConditions = Array(encoded.conditions[((n - m) * K + 1)...])
            start = (0..<K).map { k in
                let v = models.volatility[k]
                return v.step(variance: encoded.variances[k][n - 1], residual: prompt[k][n - 1] - v.garch.mu,
                              omega: v.omega(regime: g0), bounds: bound(k, g0))
            }
        } else if let g0, starts == nil {
            bands = (0..<K).map { k in
                let levels = [0] + models.regimes[k].quantileLevels + [1]
                return (levels[g0]...levels[g0 + 1], models.volatility[k].varianceBounds(regime: g0, of: models.regimes[k]))
            }
        }
        var omegas: [[Double]] = [], bounds: [[ClosedRange<Double>]] = []
        // Unconditional without a prompt: each asset's intercept scaled (JointVarianceCalibration; 1 without one).
        let scales = options.useVarianceCalibration && regimes == nil && options.prompt == nil
            ? models.varianceCalibration?.scales : nil
        for d in 0..<H {
            let g = regimes.map { Int($0[min(d + 1, H - 1)]) }
            omegas.append(models.volatility.enumerated().map { k, v in
                scales.map { v.omega(regime: g) * $0[k] } ?? v.omega(regime: g)
            })
            bounds.append((0..<K).map { bound($0, g) })
        }
        return JointPlan(paths: options.paths, horizon: H, regimes: regimes, promptTokens: promptTokens,
                         promptConditions: promptConditions, startVariances: start, startBands: bands,
                         regimeStart: options.prompt == nil ? g0.flatMap { g in starts.map { (g, $0) } } : nil,
                         startDependence: options.useStartDependence && options.prompt == nil && (g0 == nil || starts != nil)
                            ? models.startDependence : nil,
                         omegas: omegas, bounds: bounds,
                         inverseTemperature: Float(1 / options.temperature), seed: options.seed,
                         threads: options.threads ?? network.transformer.threads,
                         copula: options.useCopula ? models.copula : nil,
                         tailMap: options.useTailMap && regimes == nil && options.prompt == nil && models.zTail?.sources != nil
                            ? models.zTail : nil,
                         bandMap: options.useBandMap && regimes == nil && options.prompt == nil && models.bandMap?.sources != nil
                            ? models.bandMap : nil,
                         regimeTailMap: options.useRegimeTailMap && regimes != nil && options.prompt == nil
                            && models.regimeTailMap?.sources != nil ? models.regimeTailMap : nil)
    }

    /// Samples `count` paths from `firstPath` in one cache (single-threaded): the prompt, then
    /// day by day the market regime and each asset in turn.
    private func sampleChunk(plan: JointPlan, models: JointDataModels, cache: KVCache, firstPath: Int, count: Int,
                             returns: UnsafeMutablePointer<Double>, regimes: UnsafeMutablePointer<Int32>,
                             z: UnsafeMutablePointer<Double>?) {
        let T = config.contextLength, H = plan.horizon, K = assetCount
        var paths = ChunkPaths(plan: plan, models: models, firstPath: firstPath, count: count)
        var length = prefillPrompt(plan: plan, models: models, cache: cache, paths: paths)
        for d in 0..<H {
            setMarketRegimes(day: d, plan: plan, models: models, paths: &paths, regimes: regimes)
            if let copula = plan.copula { paths.drawCopula(copula) }
            for s in 0..<count { paths.dayZeros[s] = 0 }
            for k in 0..<K {
                sampleAsset(k, day: d, plan: plan, models: models, cache: cache, paths: &paths, returns: returns, z: z)
                if d == H - 1 && k == K - 1 { break }
                // When full, keep c ≈ T/2 inputs with c ≡ k + 1 (mod K): the kept tail starts with asset 0.
                length = network.advance(cache: cache, slots: count, length: length,
                                         keep: K * max(0, (T / 2 - k - 1) / K) + k + 1)
            }
            paths.variances = paths.next
        }
    }

    /// Day 0's σ² of every asset under an asked regime: the quantile `q_lo + u·(q_hi − q_lo)` of
    /// its training distribution of σ (`initialVariance`), clamped to the band's variances.
    static func bandStartVariances(u: Double, bands: [(quantiles: ClosedRange<Double>, variances: ClosedRange<Double>)],
                                   volatility: [VolatilityModel]) -> [Double] {
        zip(volatility, bands).map { v, band in
            let q = band.quantiles.lowerBound + u * (band.quantiles.upperBound - band.quantiles.lowerBound)
            return min(max(v.initialVariance(u: q), band.variances.lowerBound), band.variances.upperBound)
        }
    }

    /// The state of a chunk's paths while they are sampled, one slot per path.
    private struct ChunkPaths {
        let firstPath: Int, count: Int
        var rngs: [SeededRNG]
        /// σ² of the day being sampled, per slot and asset; and of the next day.
        var variances: [[Double]], next: [[Double]]
        /// u of the day so far, per slot and asset.
        var dayU: [[Double]]
        /// The market regime of the day, per slot.
        var dayRegime: [Int]
        /// The copula's uniforms of the day, per slot and asset (empty without a copula).
        var dayV: [[Double]]
        /// Exact-zero returns so far today, per slot (`JointZeroReturns`).
        var dayZeros: [Int]

        /// Draws the day's uniforms of every slot from the copula.
        mutating func drawCopula(_ copula: StudentTCopula) {
            for s in 0..<count {
                dayV[s] = copula.sample((0..<copula.drawsPerSample).map { _ in rngs[s].uniformOpen() })
            }
        }

        /// Day 0: σ² from the plan, or one uniform per path through every asset's training
        /// distribution (a calm or a volatile market, not a mix), restricted to the asked
        /// regime's band when there is one — or, with market-regime starts, through every asset's
        /// distribution on the training days of the asked market regime; with a start dependence,
        /// K uniforms through its Gaussian copula instead of the one (`JointStartDependence`).
        init(plan: JointPlan, models: JointDataModels, firstPath: Int, count: Int) {
            var rngs = (0..<count).map { SeededRNG(seed: plan.seed, stream: UInt64(firstPath + $0)) }
            var variances = [[Double]](repeating: [], count: count)
            for s in 0..<count {
                if let start = plan.startVariances {
                    variances[s] = start
                } else if let (g, starts) = plan.regimeStart {
                    if let dependence = plan.startDependence {
                        variances[s] = starts.startVariances(regime: g, u: dependence.startUniforms(pool: g, rng: &rngs[s]),
                                                             volatility: models.volatility)
                    } else {
                        variances[s] = starts.startVariances(regime: g, u: rngs[s].uniform(), volatility: models.volatility)
                    }
                } else if let bands = plan.startBands {
                    variances[s] = JointScenarioModel.bandStartVariances(u: rngs[s].uniform(), bands: bands,
                                                                         volatility: models.volatility)
                } else if let dependence = plan.startDependence {
                    let u = dependence.startUniforms(pool: dependence.regimes, rng: &rngs[s])
                    variances[s] = zip(models.volatility, u).map { $0.initialVariance(u: $1) }
                } else {
                    let u = rngs[s].uniform()
                    variances[s] = models.volatility.map { $0.initialVariance(u: u) }
                }
            }
            self.firstPath = firstPath
            self.count = count
            self.rngs = rngs
            self.variances = variances
            next = variances
            dayU = [[Double]](repeating: [Double](repeating: 0, count: models.volatility.count), count: count)
            dayRegime = [Int](repeating: 0, count: count)
            dayV = [[Double]](repeating: [], count: count)
            dayZeros = [Int](repeating: 0, count: count)
        }
    }

    /// The input condition of asset k at variance σ²: `k·S + level_k(σ²)`.
    private func condition(_ k: Int, _ variance: Double, _ models: JointDataModels) -> Int32 {
        Int32(k * levelsPerAsset) + models.volatility[k].level(ofVariance: variance)
    }

    /// Writes the prompt (or one neutral day) into every slot and prefills the cache; the last
    /// position predicts asset 0 of day 0. Returns the sequence length.
    private func prefillPrompt(plan: JointPlan, models: JointDataModels, cache: KVCache, paths: ChunkPaths) -> Int {
        let T = config.contextLength, V = config.vocabSize
        let seqTok = cache.sequenceTokens, seqReg = cache.sequenceRegimes
        let neutral = (try? models.tokenizer.encode(models.tokenizer.mean)) ?? Int32(V / 2)
        let prompt = plan.promptTokens ?? [Int32](repeating: neutral, count: assetCount)
        let length = prompt.count
        for s in 0..<paths.count {
            for t in 0..<length {
                seqTok[s * T + t] = prompt[t]
                if t == length - 1 {
                    seqReg[s * T + t] = condition(0, paths.variances[s][0], models)
                } else if plan.promptTokens != nil {
                    seqReg[s * T + t] = plan.promptConditions[t]
                } else {
                    seqReg[s * T + t] = condition(t + 1, paths.variances[s][t + 1], models)
                }
            }
        }
        network.prefill(cache: cache, slots: paths.count, length: length)
        return length
    }

    /// The market regime of day d in every slot (asked for, or from the paths' σ state), which
    /// picks the day's Cholesky factor L_g.
    private func setMarketRegimes(day d: Int, plan: JointPlan, models: JointDataModels, paths: inout ChunkPaths,
                                  regimes: UnsafeMutablePointer<Int32>) {
        var labels = [Int32](repeating: 0, count: assetCount)
        for s in 0..<paths.count {
            for k in 0..<assetCount { labels[k] = models.regimes[k].label(volatility: paths.variances[s][k].squareRoot()) }
            let g = plan.regimes?[d] ?? JointDataModels.marketRegime(labels)
            paths.dayRegime[s] = Int(g)
            regimes[(paths.firstPath + s) * plan.horizon + d] = g
        }
    }

    /// Asset k of day d in every slot: its token, u inside the token's bin, the day's correlated
    /// return, σ² of the next day, and the next input.
    private func sampleAsset(_ k: Int, day d: Int, plan: JointPlan, models: JointDataModels, cache: KVCache,
                             paths: inout ChunkPaths, returns: UnsafeMutablePointer<Double>, z zOut: UnsafeMutablePointer<Double>?) {
        let V = config.vocabSize, H = plan.horizon, K = assetCount
        let vol = models.volatility, edges = models.tokenizer.binEdges
        let mu = vol[k].garch.mu
        for s in 0..<paths.count {
            let path = paths.firstPath + s
            let tok: Int, position: Double
            if plan.copula != nil {
                (tok, position) = Self.invertTokenCDF(logits: cache.logits + s * V, V: V,
                                                      inverseTemperature: plan.inverseTemperature,
                                                      scratch: cache.probabilities, uniform: paths.dayV[s][k])
            } else {
                tok = ScenarioModel.sample(logits: cache.logits + s * V, V: V, inverseTemperature: plan.inverseTemperature,
                                           scratch: cache.probabilities, rng: &paths.rngs[s])
                position = paths.rngs[s].uniform()
            }
            let lo = edges[tok], hi = edges[tok + 1]
            let sigma = paths.variances[s][k].squareRoot()
            var x: Double, next = Int32(tok)              // u_k and the next input token
            var isZero = false
            if let zeros = models.zeroReturns, paths.dayZeros[s] > 0 {
                // After earlier zeros today (a holiday): the position decides (JointZeroReturns).
                let draw = ZeroDraw(u: position, share: zeros.afterZeros[k][paths.dayZeros[s]], lo: lo, hi: hi)
                isZero = draw.isZero
                x = draw.x
            } else {
                x = min(lo + position * (hi - lo), hi.nextDown)
            }
            let L = models.cholesky[paths.dayRegime[s]]
            var earlier = 0.0                             // Σ_{j < k} L_kj u_j
            for j in 0..<k { earlier += L[k * K + j] * paths.dayU[s][j] }
            var z = earlier + L[k * K + k] * x            // z_k = Σ_{j ≤ k} L_kj u_j
            if let zeros = models.zeroReturns, paths.dayZeros[s] == 0, !isZero {
                // No zero yet today: the share of z's bin, z's place in the bin decides (JointZeroReturns).
                let b = models.tokenizer.bin(of: z), zlo = edges[b], zhi = edges[b + 1]
                if zeros.shares[k][b] > 0, z >= zlo, z < zhi {
                    let draw = ZeroDraw(u: (z - zlo) / (zhi - zlo), share: zeros.shares[k][b], lo: zlo, hi: zhi)
                    isZero = draw.isZero
                    if !isZero {
                        z = draw.x
                        x = (z - earlier) / L[k * K + k]
                        next = Int32(models.tokenizer.bin(of: x))
                    }
                }
            }
            if isZero {
                // r = 0 exactly; the recursion and the next input see its z = −μ/σ, as training did.
                paths.dayZeros[s] += 1
                z = -mu / sigma
                x = (z - earlier) / L[k * K + k]
                next = Int32(models.tokenizer.bin(of: x))
            }
            zOut?[(path * H + d) * K + k] = z
            let band = plan.bandMap != nil || zOut != nil ? Int(models.regimes[k].label(volatility: sigma)) : 0
            zOut?[(plan.paths + path) * H * K + d * K + k] = Double(band)
            if !isZero, plan.tailMap != nil || plan.regimeTailMap != nil {
                // Asset k's tails onto the training z's (JointTailMap; the identity inside its 5–95 % quantiles),
                // or under an asked regime its z onto the training z of the day's regime (JointRegimeTailMap).
                let mapped = plan.tailMap?.apply(z, asset: k)
                    ?? plan.regimeTailMap?.apply(z, regime: paths.dayRegime[s], asset: k) ?? z
                if mapped != z {
                    z = mapped
                    x = (z - earlier) / L[k * K + k]
                    next = Int32(models.tokenizer.bin(of: x))
                }
            }
            if !isZero, let map = plan.bandMap {
                // Then the scale of asset k's z in its volatility band (JointBandMap): its own z only (.ownZ), or
                // written back into u_k and the next token, so the day's later assets carry it (.writtenBack, session 20).
                let mapped = map.apply(z, asset: k, band: band)
                if mapped != z {
                    z = mapped
                    if map.rule == .writtenBack {
                        x = (z - earlier) / L[k * K + k]
                        next = Int32(models.tokenizer.bin(of: x))
                    }
                }
            }
            paths.dayU[s][k] = x
            let r = isZero ? 0 : mu + sigma * z
            returns[(path * H + d) * K + k] = r
            paths.next[s][k] = plan.regimes == nil   // unconditional: the generation dynamics, if matched
                ? vol[k].generationStep(variance: paths.variances[s][k], residual: r - mu, omega: plan.omegas[d][k],
                                        bounds: plan.bounds[d][k])
                : vol[k].step(variance: paths.variances[s][k], residual: r - mu, omega: plan.omegas[d][k],
                              bounds: plan.bounds[d][k])
            cache.rowToken[s] = next
            cache.rowRegime[s] = k < K - 1 ? condition(k + 1, paths.variances[s][k + 1], models)
                : condition(0, paths.next[s][0], models)
        }
    }
}
