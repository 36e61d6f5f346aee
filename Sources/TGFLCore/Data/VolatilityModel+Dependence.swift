import Foundation
import TGFLStats

/// The recursion unconditional generation runs its volatility state with, when it differs from
/// the fitted filter's (`VolatilityModel.generationDynamics`): GJR coefficients and the power of
/// the recursion.
///
/// ```
/// power 2 (GJR, Glosten–Jagannathan–Runkle 1993):  σ²_{t+1} = ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t
/// power 1 (TARCH, Zakoian 1994):                   σ_{t+1}  = ω + (α + γ·1[ε_t < 0]) |ε_t| + β σ_t
/// ```
/// Power 1 reacts linearly, not quadratically, to a large day (the Taylor effect; Ding, Granger
/// & Engle 1993 estimate δ ≈ 1–1.4 on equity indices): a crash raises the next days' volatility
/// less and the recursion's dependence after large days is closer to the data's
/// (BENCHMARKS.md "The power of the volatility recursion (session 10)").
public struct GenerationDynamics: Equatable, Sendable {
    /// ARCH coefficient α, leverage coefficient γ and persistence coefficient β (see the type).
    public var alpha: Double
    /// See `alpha`.
    public var gamma: Double
    /// See `alpha`.
    public var beta: Double
    /// The power δ of the recursion: 2 (in σ², the fitted filter's) or 1 (in σ). The intercept ω
    /// is in the same units (a variance for 2, a volatility for 1).
    public var power: Int

    /// Creates the coefficients; all finite, α ≥ 0, β ≥ 0 and α + γ ≥ 0 (γ may be negative, as in
    /// the GJR filter it is scaled from), the power 1 or 2.
    public init(alpha: Double, gamma: Double, beta: Double, power: Int = 2) {
        self.alpha = alpha; self.gamma = gamma; self.beta = beta; self.power = power
    }

    /// Whether every coefficient is finite, α ≥ 0, β ≥ 0, α + γ ≥ 0 (the GJR filter's constraint:
    /// `GARCHModel` allows γ < 0, and the matching scales the fitted α and γ, so a negative γ is
    /// written by training) and the power is 1 or 2 (what a checkpoint must hold).
    var isValid: Bool {
        [alpha, gamma, beta].allSatisfy(\.isFinite) && alpha >= 0 && beta >= 0 && alpha + gamma >= 0
            && (power == 1 || power == 2)
    }

    /// The next variance after residual `e` of a day with variance `v`, before the bounds.
    @inline(__always)
    func next(variance v: Double, residual e: Double, omega: Double) -> Double {
        let a = e < 0 ? alpha + gamma : alpha
        if power == 2 { return omega + a * e * e + beta * v }
        let s = omega + a * abs(e) + beta * v.squareRoot()
        return s * s
    }

    /// The effective persistence of the recursion in σ^δ when z is drawn with
    /// `E|z|^δ = moments.all` and `E[|z|^δ·1(z<0)] = moments.negative`.
    func effectivePersistence(_ moments: (all: Double, negative: Double)) -> Double {
        alpha * moments.all + gamma * moments.negative + beta
    }
}

/// What `VolatilityModel.matchDependence` tried and kept.
public struct DependenceMatch: Equatable, Sendable {
    /// The candidates' coefficients and criterion (fair ACF|r| L2 error + fair leverage L2
    /// error against the training span's own 250-day chunks), in the order tried; the first
    /// is the fitted filter's.
    public let candidates: [(dynamics: GenerationDynamics, criterion: Double)]
    /// The index of the kept candidate (smallest criterion).
    public let kept: Int
    /// E[z²] and E[z²·1(z < 0)] of the training z: the effective persistence of a power-2
    /// candidate is `α·E[z²] + γ·E[z²·1(z<0)] + β`.
    public let zMoments: (square: Double, negativeSquare: Double)
    /// E|z| and E[|z|·1(z < 0)] of the training z: the effective persistence of a power-1
    /// candidate is `α·E|z| + γ·E[|z|·1(z<0)] + β`.
    public let zAbsoluteMoments: (absolute: Double, negativeAbsolute: Double)
    /// E[c²] and E[c] of the sign→size factors c of the simulated z (`ZSignScales`) when the
    /// model has them, (1, 1) without: the simulated z are c·z, so the moments above enter the
    /// candidates' effective persistence multiplied by E[c²] (power 2) or E[c] (power 1).
    public let signScaleMoments: (square: Double, absolute: Double)

    /// The power of the kept recursion (2: the fitted filter's).
    public var keptPower: Int { candidates[kept].dynamics.power }

    public static func == (a: DependenceMatch, b: DependenceMatch) -> Bool {
        a.kept == b.kept && a.zMoments == b.zMoments && a.zAbsoluteMoments == b.zAbsoluteMoments
            && a.signScaleMoments == b.signScaleMoments
            && a.candidates.count == b.candidates.count
            && zip(a.candidates, b.candidates).allSatisfy { $0.dynamics == $1.dynamics && $0.criterion == $1.criterion }
    }
}

extension VolatilityModel {
    /// The scales of the fitted (α, γ) tried by `matchDependence`.
    public static let dependenceShockScales = [0.5, 0.75, 1.0, 1.25, 1.5]
    /// The effective persistences tried by `matchDependence` (besides the fitted one).
    public static let dependencePersistences = [0.9, 0.95, 0.97, 0.98, 0.99]
    /// Length of the chunks and of the simulated paths (the realism protocol's horizon).
    public static let dependenceChunkLength = 250
    /// Simulated paths per candidate.
    public static let dependencePaths = 256
    /// The recursion powers whose candidates `matchDependence` tries by default: 2 (GJR) and 1
    /// (TARCH); `TGFL_NO_POWER1_RECURSION=1` in the environment leaves power 2 only (the
    /// session-9 behaviour; the ablation in BENCHMARKS.md).
    public static let dependencePowers = ProcessInfo.processInfo.environment["TGFL_NO_POWER1_RECURSION"] == "1"
        ? [2] : [2, 1]
    /// Whether `matchDependence` simulates z with the model's `generationZSignScales` (session
    /// 13); `TGFL_MATCH_UNSCALED_Z=1` in the environment turns it off (the session-12 behaviour:
    /// i.i.d. z unscaled; the ablation in BENCHMARKS.md).
    public static let dependenceMatchUsesSignScales = ProcessInfo.processInfo.environment["TGFL_MATCH_UNSCALED_Z"] != "1"

    /// The sign scales the dependence matching simulates with (see `dependenceMatchUsesSignScales`).
    var matchingSignScales: ZSignScales? { Self.dependenceMatchUsesSignScales ? generationZSignScales : nil }

    /// The variance after residual `ε` in unconditional generation: `step(variance:residual:
    /// omega:bounds:)` with `generationDynamics` (and their power) when there are some, else
    /// the fitted α, γ, β. The state is a variance whatever the power; `omega` is in the
    /// recursion's units (a volatility for power 1).
    @inline(__always)
    public func generationStep(variance v: Double, residual e: Double, omega: Double,
                               bounds: ClosedRange<Double>) -> Double {
        guard let d = generationDynamics else { return step(variance: v, residual: e, omega: omega, bounds: bounds) }
        return min(max(d.next(variance: v, residual: e, omega: omega), bounds.lowerBound), bounds.upperBound)
    }

    /// E|z| of a standard normal z, √(2/π): the nominal moment of a power-1 recursion.
    static let normalAbsoluteMean = (2 / Double.pi).squareRoot()

    /// The nominal persistence of unconditional generation, for symmetric z with E[z²] = 1:
    /// `α + γ/2 + β` (power 2) or `(α + γ/2)·√(2/π) + β` (power 1, normal z).
    public var generationPersistence: Double {
        guard let d = generationDynamics else { return garch.persistence }
        let m = d.power == 2 ? 1 : Self.normalAbsoluteMean
        return d.effectivePersistence((m, m / 2))
    }

    /// The intercept of unconditional generation before any calibration: the fitted ω moved so
    /// that `generationDynamics` have the fitted model's implied variance V = ω / (1 − p_fit),
    /// `V^{δ/2} · (1 − p_gen)` with nominal persistences p (the fitted ω without them).
    public var uncalibratedGenerationOmega: Double {
        guard let d = generationDynamics else { return garch.omega }
        guard d.power == 1 else {
            return garch.omega * max(1 - generationPersistence, 1e-6) / max(1 - garch.persistence, 1e-6)
        }
        return (garch.omega / max(1 - garch.persistence, 1e-6)).squareRoot() * max(1 - generationPersistence, 1e-6)
    }

    /// Chooses the recursion of unconditional generation (its power and GJR coefficients) so
    /// that the generated paths' dependence matches the training data's, and stores it in
    /// `generationDynamics`.
    ///
    /// Why (BENCHMARKS.md "Dependence targets (session 9)"): the fitted filter's persistence
    /// `α + γ/2 + β` assumes E[z²] = 1 and symmetric z, but generation draws z like the training
    /// z, whose negative side is heavier (E[z²·1(z<0)] > E[z²]/2 on equity indices), so the
    /// generated recursion's effective persistence `α·E[z²] + γ·E[z²·1(z<0)] + β` lies above the
    /// fitted one — 0.9993 against 0.9886 on the S&P 500 — and the paths' ACF of |r| stays high
    /// at long lags. And maximum likelihood fits the one-day density, not the 250-day
    /// dependence the scenarios are judged on (level shifts between years raise the fitted
    /// persistence; Lamoureux & Lastrapes, 1990). The power-1 candidates (session 10) react
    /// linearly to a large day instead of quadratically: the power-2 filter over-reacts after
    /// a large day (ACF of the training |z| at lag 1 −0.10 on the S&P 500), and on most bundled
    /// series a power-1 recursion's paths have the data's leverage and clustering more closely
    /// (BENCHMARKS.md "The power of the volatility recursion (session 10)").
    ///
    /// ```
    /// z = training residuals of the fitted filter;  m_δ = E|z|^δ,  m_δ− = E[|z|^δ·1(z<0)]
    /// with sign→size scales c (`generationZSignScales`, K lags): the simulated z are c_cell·z, the
    ///     cell from the signs of the path's previous K z, as generation scales them, so
    ///     m_δ ← s_δ m_δ, m_δ− ← s_δ m_δ−,  s_δ = E[c^δ] = Σ_i π_i c_i^δ,
    ///     π_i = Π_{j<K} (q if bit j of i is set, else 1 − q),  q = share of z ≥ 0
    ///     (the cells of i.i.d. draws; without scales s_δ = 1)
    /// candidates: the fitted (α, γ, β, δ = 2), then for δ in powers (default 2, then 1),
    ///     k in dependenceShockScales, p in dependencePersistences:
    ///     α' = k α,  γ' = k γ,  β' = p − α' m_δ − γ' m_δ−   (kept when β' ≥ 0)
    ///     (the fitted α, γ for both powers: a power-1 TARCH fit has nearly the same α, γ as the
    ///      GJR fit on the bundled series, and the grid covers ×0.5–1.5)
    /// criterion(α', γ', β', δ) = ‖ACF|r|_fair − ACF|r|_sim‖₂ (lags 1–50) + ‖L_fair − L_sim‖₂ (lags 1–20)
    ///     fair: the training spans cut into 250-day chunks (QuantGANs.chunkedCurves, pooled)
    ///     sim:  256 paths × 250 days, σ²_0 from the training σ distribution, z i.i.d. from the
    ///           training z (times c_cell with scales; the first K days of a path unscaled),
    ///           ω = S_δ (1 − p_eff), S_2 = mean (r − μ)², S_1 = mean |r − μ| / m_1,
    ///           the filter's bounds; the same draws for every candidate (common random
    ///           numbers, SeededRNG(seed, stream))
    /// keep the candidate with the smallest criterion
    /// ```
    /// Why the scales (session 13): with them the process that runs is the scaled one, whose z
    /// feed larger shocks into the recursion after negative days, so the recursion is chosen for
    /// that process (`DataModels.fit` fits the scales before matching). Measured with K = 2 on 9
    /// series: it changes the recursion on 3 (smaller γ, higher persistence on the S&P 500 and the
    /// NYSE) and leaves the realism total unchanged (BENCHMARKS.md "Leverage: the recursion matched
    /// for the scaled z (session 13)").
    ///
    /// Filtering (the training tokens, prompts) and regime-conditioned generation keep the
    /// fitted coefficients; the intercept of unconditional generation is then calibrated on
    /// the model's own draws as before (`ScenarioModel.calibrateUnconditionalVolatility`).
    /// - Parameters:
    ///   - trainingSpans: the returns the filter was fitted on (spans shorter than one chunk
    ///     give no chunk; constant chunks are skipped).
    ///   - seed: seed of the simulations.
    ///   - powers: the powers whose grids are tried, each 1 or 2 (default `dependencePowers`).
    /// - Returns: what was tried and kept; nil (and no change) when no span holds a full chunk.
    /// - Throws: `TGFLError.invalidArgument` when the curves cannot be computed (constant data)
    ///   or a power is not 1 or 2.
    @discardableResult
    public mutating func matchDependence(trainingSpans: [[Double]], seed: UInt64 = 0,
                                         powers: [Int] = dependencePowers) throws -> DependenceMatch? {
        try matchDependence(owners: [trainingSpans], seed: seed, powers: powers)
    }

    /// `matchDependence(trainingSpans:seed:powers:)` for data held by several owners who do not
    /// pool their returns (federated data models, `FederatedSummaryFitting`).
    ///
    /// Everything the criterion needs is a sum over owners, so the server can pool what each
    /// owner sends (the simulation evaluates the same sums in one call):
    /// ```
    /// owner j sends: Σ over its 250-day chunks of the ACF|r| (lags 1–50) and leverage (1–20)
    ///                curves, the chunk count and each chunk's variance; Σ z², Σ z²·1(z<0), Σ|z|,
    ///                Σ|z|·1(z<0), the count of its z ≥ 0 and of its filter residuals z (with sign
    ///                scales, which are the server's own); Σ (r − μ)², Σ |r − μ|
    ///                and its day count; and, for every candidate of the server's grid, the
    ///                curve sums of its n_j simulated paths — drawn from ITS OWN z, with its own
    ///                stream SeededRNG(seed, j) (starts, then draws)
    /// n_j:           the 256 paths split in proportion to the owners' residual counts (largest
    ///                remainders, ties to the earlier owner)
    /// server:        the candidates from the pooled moments, the criterion from the pooled
    ///                curves, the level quantiles from the pooled chunk variances
    /// ```
    /// With one owner this is exactly `matchDependence(trainingSpans:)` (same bits). With
    /// several, a simulated path draws all its z from one owner instead of from the pooled z.
    /// What the sums reveal is not covered by a DP guarantee, like the other summaries.
    /// - Parameters:
    ///   - owners: each owner's training spans.
    ///   - seed: seed of the simulations.
    ///   - powers: the powers whose grids are tried, each 1 or 2.
    /// - Returns: what was tried and kept; nil (and no change) when no span holds a full chunk.
    /// - Throws: as `matchDependence(trainingSpans:seed:powers:)`.
    @discardableResult
    public mutating func matchDependence(owners: [[[Double]]], seed: UInt64 = 0,
                                         powers: [Int] = dependencePowers) throws -> DependenceMatch? {
        guard powers.allSatisfy({ $0 == 1 || $0 == 2 }) else {
            throw TGFLError.invalidArgument("matching the volatility dependence: powers \(powers) must each be 1 or 2")
        }
        let trainingSpans = owners.flatMap { $0 }
        let chunks = Self.dependenceChunks(trainingSpans)
        guard !chunks.isEmpty else { return nil }
        let fair = try Self.fairDependenceCurves(chunks, what: "matching the volatility dependence")
        let ownerZ = owners.map { spans in spans.flatMap { garch.standardizedResiduals($0) }.filter(\.isFinite) }
        let z = ownerZ.flatMap { $0 }
        let mu = garch.mu
        let all = trainingSpans.flatMap { $0 }
        let variance = all.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(max(all.count, 1))
        guard !z.isEmpty, variance > 0 else { return nil }
        let m2 = z.reduce(0) { $0 + $1 * $1 } / Double(z.count)
        let m2n = z.reduce(0) { $0 + ($1 < 0 ? $1 * $1 : 0) } / Double(z.count)
        let m1 = z.reduce(0) { $0 + abs($1) } / Double(z.count)
        let m1n = z.reduce(0) { $0 + ($1 < 0 ? -$1 : 0) } / Double(z.count)
        let meanAbsolute = all.reduce(0) { $0 + abs($1 - mu) } / Double(max(all.count, 1))
        // E[c^δ] of the sign scales over the cells of i.i.d. draws (1 without scales: same bits).
        let nonNegative = Double(z.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }) / Double(z.count)
        let s2 = matchingSignScales?.meanPower(2, nonNegativeShare: nonNegative) ?? 1
        let s1 = matchingSignScales?.meanPower(1, nonNegativeShare: nonNegative) ?? 1
        // Per power: E|cz|^δ, E[|cz|^δ·1(z<0)] and the scale S_δ of ω = S_δ (1 − p_eff).
        func moments(_ power: Int) -> (all: Double, negative: Double) {
            power == 2 ? (m2 * s2, m2n * s2) : (m1 * s1, m1n * s1)
        }
        func scale(_ power: Int) -> Double { power == 2 ? variance : meanAbsolute / max(m1 * s1, 1e-12) }
        var candidates = [GenerationDynamics(alpha: garch.alpha, gamma: garch.gamma, beta: garch.beta)]
        for power in powers {
            let (m, mn) = moments(power)
            for k in Self.dependenceShockScales {
                for p in Self.dependencePersistences {
                    let a = k * garch.alpha, g = k * garch.gamma, b = p - a * m - g * mn
                    if b >= 0 { candidates.append(GenerationDynamics(alpha: a, gamma: g, beta: b, power: power)) }
                }
            }
        }
        // Common random numbers: the same start and draws for every candidate; owner j's share of
        // the paths draws from its own z on its own stream.
        let shares = Self.pathShares(Self.dependencePaths, weights: ownerZ.map(\.count))
        let ownerDraws = ownerZ.indices.map { j -> (starts: [Double], draws: [[Int]]) in
            var rng = SeededRNG(seed: seed, stream: UInt64(j))
            let starts = (0..<shares[j]).map { _ in rng.uniform() }
            let draws = (0..<shares[j]).map { _ in
                (0..<Self.dependenceChunkLength).map { _ in rng.int(below: ownerZ[j].count) }
            }
            return (starts, draws)
        }
        var scored: [(dynamics: GenerationDynamics, criterion: Double)] = []
        for c in candidates {
            let persistence = c.effectivePersistence(moments(c.power))
            let paths = ownerZ.indices.flatMap { j in
                simulatedPaths(c, omega: scale(c.power) * max(1 - persistence, 1e-3), z: ownerZ[j],
                               startUniforms: ownerDraws[j].starts, drawIndices: ownerDraws[j].draws)
            }
            let criterion = (try? Self.dependenceCriterion(fair: fair, paths: paths)) ?? .infinity
            scored.append((c, criterion.isFinite ? criterion : .infinity))
        }
        let kept = scored.indices.min { scored[$0].criterion < scored[$1].criterion }!
        generationDynamics = kept == 0 ? nil : scored[kept].dynamics
        generationLevelLogQuantiles = kept == 0 ? nil : Self.chunkLevelLogQuantiles(chunks)
        return DependenceMatch(candidates: scored, kept: kept, zMoments: (m2, m2n), zAbsoluteMoments: (m1, m1n),
                               signScaleMoments: (s2, s1))
    }

    /// The spans cut into consecutive `dependenceChunkLength`-day chunks (a span's last partial
    /// chunk dropped); a constant chunk (a stale price for a whole year) has no curves and no
    /// level, so it is skipped. The "fair" reference of `matchDependence` and
    /// `ScenarioModel.rematchDependence`.
    static func dependenceChunks(_ spans: [[Double]]) -> [[Double]] {
        let L = dependenceChunkLength
        return spans.flatMap { s in (0..<(s.count / L)).map { Array(s[($0 * L)..<(($0 + 1) * L)]) } }
            .filter { c in c.contains { $0 != c[0] } }
    }

    /// The chunks' ACF|r| (lags 1–50) and leverage curves averaged over chunks
    /// (`QuantGANs.averageCurves`).
    /// - Throws: `TGFLError.invalidArgument` naming `what` when the curves cannot be computed.
    static func fairDependenceCurves(_ chunks: [[Double]], what: String) throws -> DependenceCurves {
        do {
            return try QuantGANs.averageCurves(of: chunks, maxLag: 50)
        } catch {
            throw TGFLError.invalidArgument("\(what): the training chunks' curves: \(error)")
        }
    }

    /// `total` split in proportion to `weights` by largest remainders (ties to the earlier
    /// index); a zero weight gets nothing. One positive weight gets everything.
    static func pathShares(_ total: Int, weights: [Int]) -> [Int] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        var shares = weights.map { total * $0 / sum }
        let order = weights.indices.sorted { a, b in
            let ra = total * weights[a] % sum, rb = total * weights[b] % sum
            return ra != rb ? ra > rb : a < b
        }
        for j in order.prefix(total - shares.reduce(0, +)) { shares[j] += 1 }
        return shares
    }

    /// The slow level of an unconditional path without a prompt, as a factor on the intercept
    /// ω: `exp` of the stored chunk level quantiles (of log variance) interpolated at `u` (the
    /// same uniform as its starting volatility, so a path that starts volatile belongs to a
    /// volatile year), its square root for a power-1 recursion (ω a volatility); 1 without them.
    public func generationLevelFactor(u: Double) -> Double {
        guard let q = generationLevelLogQuantiles, q.count >= 2 else { return 1 }
        let x = min(max(u, 0), 1) * Double(q.count - 1)
        let i = min(Int(x), q.count - 2)
        let logVariance = q[i] + (x - Double(i)) * (q[i + 1] - q[i])
        return Foundation.exp(generationDynamics?.power == 1 ? 0.5 * logVariance : logVariance)
    }

    /// `initialQuantileCount` linear quantiles of `log(v_j / mean_j v_j)`, v_j the variance (about
    /// its mean) of chunk j.
    ///
    /// Why: the fair ACF and leverage curves are per-path, scale-free statistics, so matching
    /// them says nothing about how volatility levels differ between years; with a less
    /// persistent recursion every path reverts to one level within weeks, and the pooled
    /// one-day distribution loses the between-year mixture that makes the real one heavy-tailed.
    /// Each path's intercept is therefore scaled by a level drawn from the training years' own.
    static func chunkLevelLogQuantiles(_ chunks: [[Double]]) -> [Double] {
        let v = chunks.map { c -> Double in
            let m = c.reduce(0, +) / Double(c.count)
            return c.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(c.count)
        }
        let mean = v.reduce(0, +) / Double(v.count)
        let logs = v.map { Foundation.log(max($0, 1e-300) / mean) }.sorted()
        let k = initialQuantileCount
        return (0..<k).map { linearQuantile(sorted: logs, Double($0) / Double(k - 1)) }
    }

    /// `‖ACF|r|_fair − ACF|r|_paths‖₂` over lags 1–50 plus `‖L_fair − L_paths‖₂` over lags
    /// 1–20, the path curves averaged over paths (`QuantGANs.averageCurves`).
    /// - Throws: `StatsError` for paths shorter than 52 days or constant ones.
    static func dependenceCriterion(fair: DependenceCurves, paths: [[Double]]) throws -> Double {
        dependenceCriterion(fair: fair, curves: try QuantGANs.averageCurves(of: paths, maxLag: 50))
    }

    /// The criterion of `dependenceCriterion(fair:paths:)` for path curves already averaged
    /// (`QuantGANs.meanCurves` of `QuantGANs.pathCurves(of:maxLag: 50)`).
    static func dependenceCriterion(fair: DependenceCurves, curves: DependenceCurves) -> Double {
        func l2(_ a: [Double], _ b: [Double], _ n: Int) -> Double {
            zip(a.prefix(n), b.prefix(n)).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        return l2(fair.acfAbsolute, curves.acfAbsolute, 50) + l2(fair.leverage, curves.leverage, 20)
    }

    /// A scale-free size of both tails of pooled returns: the mean of the largest 1 % of the
    /// absolute deviations from the mean, in units of the standard deviation,
    /// ```
    /// m = mean x,  s = √(mean (x − m)²),  k = max(1, ⌊n / 100⌋),
    /// τ = (1/k) Σ_{i ≤ k} |x − m|_(i) / s        (|x − m|_(1) ≥ |x − m|_(2) ≥ …)
    /// ```
    /// (≈ 2.89 for normal draws; larger for heavier tails at the same variance). The tail
    /// guard of `ScenarioModel.rematchDependence` compares it for the pilots and the training
    /// chunks; ∞ for fewer than 2 values or a constant sample.
    static func tailIndex<C: Collection>(_ x: C) -> Double where C.Element == Double {
        let n = x.count
        guard n >= 2 else { return .infinity }
        let m = x.reduce(0, +) / Double(n)
        var deviations = x.map { abs($0 - m) }
        let s = (deviations.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
        guard s > 0, s.isFinite else { return .infinity }
        deviations.sort(by: >)
        let k = max(1, n / 100)
        return deviations.prefix(k).reduce(0, +) / Double(k) / s
    }

    /// Filtered historical simulation with coefficients `d`, one path per start, its z scaled
    /// as unconditional generation scales them when the model has `generationZSignScales`:
    /// ```
    /// σ²_0 = initialVariance(u_p),  r_t = μ + σ_t c_t z[i_{p,t}]
    ///     (c_t = the factor of the signs of the path's previous K z, 1 for t < K or without scales),
    /// σ²_{t+1} = clamp(ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t, σ_floor², σ_cap²)        (power 2)
    /// σ_{t+1}  = clamp(ω + (α + γ·1[ε_t < 0]) |ε_t| + β σ_t, σ_floor, σ_cap)          (power 1)
    /// ```
    func simulatedPaths(_ d: GenerationDynamics, omega: Double, z: [Double], startUniforms: [Double],
                        drawIndices: [[Int]]) -> [[Double]] {
        let lo = sigmaFloor * sigmaFloor, hi = sigmaCap * sigmaCap
        let scales = matchingSignScales
        return zip(startUniforms, drawIndices).map { u, indices in
            var v = initialVariance(u: u)
            var drawn: [Double] = []
            if scales != nil { drawn.reserveCapacity(indices.count) }
            return indices.map { i in
                var x = z[i]
                if let scales {
                    x *= scales.factor(after: drawn[...])
                    drawn.append(x)
                }
                let e = v.squareRoot() * x
                v = min(max(d.next(variance: v, residual: e, omega: omega), lo), hi)
                return garch.mu + e
            }
        }
    }
}
