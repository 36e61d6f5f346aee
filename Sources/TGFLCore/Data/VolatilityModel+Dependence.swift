import Foundation
import TGFLStats

/// The GJR coefficients unconditional generation runs its volatility recursion with, when they
/// differ from the fitted filter's (`VolatilityModel.generationDynamics`).
public struct GenerationDynamics: Equatable, Sendable {
    /// ARCH coefficient α, leverage coefficient γ and persistence coefficient β of
    /// `σ²_{t+1} = ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t`.
    public var alpha: Double
    /// See `alpha`.
    public var gamma: Double
    /// See `alpha`.
    public var beta: Double

    /// Creates the coefficients; all must be finite and ≥ 0.
    public init(alpha: Double, gamma: Double, beta: Double) {
        self.alpha = alpha; self.gamma = gamma; self.beta = beta
    }

    /// Whether every coefficient is finite and ≥ 0 (what a checkpoint must hold).
    var isValid: Bool { [alpha, gamma, beta].allSatisfy { $0.isFinite && $0 >= 0 } }
}

/// What `VolatilityModel.matchDependence` tried and kept.
public struct DependenceMatch: Equatable, Sendable {
    /// The candidates' coefficients and criterion (fair ACF|r| L2 error + fair leverage L2
    /// error against the training span's own 250-day chunks), in the order tried; the first
    /// is the fitted filter's.
    public let candidates: [(dynamics: GenerationDynamics, criterion: Double)]
    /// The index of the kept candidate (smallest criterion).
    public let kept: Int
    /// E[z²] and E[z²·1(z < 0)] of the training z: the effective persistence of a candidate is
    /// `α·E[z²] + γ·E[z²·1(z<0)] + β`.
    public let zMoments: (square: Double, negativeSquare: Double)

    public static func == (a: DependenceMatch, b: DependenceMatch) -> Bool {
        a.kept == b.kept && a.zMoments == b.zMoments && a.candidates.count == b.candidates.count
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

    /// The variance after residual `ε` in unconditional generation: `step(variance:residual:
    /// omega:bounds:)` with `generationDynamics` when there are some, else the fitted α, γ, β.
    @inline(__always)
    public func generationStep(variance v: Double, residual e: Double, omega: Double,
                               bounds: ClosedRange<Double>) -> Double {
        guard let d = generationDynamics else { return step(variance: v, residual: e, omega: omega, bounds: bounds) }
        let next = omega + (e < 0 ? d.alpha + d.gamma : d.alpha) * e * e + d.beta * v
        return min(max(next, bounds.lowerBound), bounds.upperBound)
    }

    /// The nominal persistence `α + γ/2 + β` of unconditional generation.
    public var generationPersistence: Double {
        generationDynamics.map { $0.alpha + $0.gamma / 2 + $0.beta } ?? garch.persistence
    }

    /// The intercept of unconditional generation before any calibration: the fitted ω moved so
    /// that `generationDynamics` have the fitted model's implied variance,
    /// `ω · (1 − p_gen) / (1 − p_fit)` with nominal persistences p (the fitted ω without them).
    public var uncalibratedGenerationOmega: Double {
        guard generationDynamics != nil else { return garch.omega }
        return garch.omega * max(1 - generationPersistence, 1e-6) / max(1 - garch.persistence, 1e-6)
    }

    /// Chooses the GJR coefficients of unconditional generation so that the generated paths'
    /// dependence matches the training data's, and stores them in `generationDynamics`.
    ///
    /// Why (BENCHMARKS.md "Dependence targets (session 9)"): the fitted filter's persistence
    /// `α + γ/2 + β` assumes E[z²] = 1 and symmetric z, but generation draws z like the training
    /// z, whose negative side is heavier (E[z²·1(z<0)] > E[z²]/2 on equity indices), so the
    /// generated recursion's effective persistence `α·E[z²] + γ·E[z²·1(z<0)] + β` lies above the
    /// fitted one — 0.9993 against 0.9886 on the S&P 500 — and the paths' ACF of |r| stays high
    /// at long lags. And maximum likelihood fits the one-day density, not the 250-day
    /// dependence the scenarios are judged on (level shifts between years raise the fitted
    /// persistence; Lamoureux & Lastrapes, 1990).
    ///
    /// ```
    /// z = training residuals of the fitted filter;  m2 = E[z²],  m2− = E[z²·1(z<0)]
    /// candidates: the fitted (α, γ, β), and for k in dependenceShockScales, p in dependencePersistences:
    ///     α' = k α,  γ' = k γ,  β' = p − α' m2 − γ' m2−   (kept when β' ≥ 0)
    /// criterion(α', γ', β') = ‖ACF|r|_fair − ACF|r|_sim‖₂ (lags 1–50) + ‖L_fair − L_sim‖₂ (lags 1–20)
    ///     fair: the training spans cut into 250-day chunks (QuantGANs.chunkedCurves, pooled)
    ///     sim:  256 paths × 250 days, σ²_0 from the training σ distribution, z i.i.d. from the
    ///           training z, ω = V (1 − p_eff), V = mean (r − μ)², the filter's bounds; the same
    ///           draws for every candidate (common random numbers, SeededRNG(seed, stream))
    /// keep the candidate with the smallest criterion
    /// ```
    /// Filtering (the training tokens, prompts) and regime-conditioned generation keep the
    /// fitted coefficients; the intercept of unconditional generation is then calibrated on
    /// the model's own draws as before (`ScenarioModel.calibrateUnconditionalVolatility`).
    /// - Parameters:
    ///   - trainingSpans: the returns the filter was fitted on (spans shorter than one chunk
    ///     give no chunk; constant chunks are skipped).
    ///   - seed: seed of the simulations.
    /// - Returns: what was tried and kept; nil (and no change) when no span holds a full chunk.
    /// - Throws: `TGFLError.invalidArgument` when the curves cannot be computed (constant data).
    @discardableResult
    public mutating func matchDependence(trainingSpans: [[Double]], seed: UInt64 = 0) throws -> DependenceMatch? {
        let L = Self.dependenceChunkLength
        // A constant chunk (a stale price for a whole year) has no curves and no level: skipped.
        let chunks = trainingSpans.flatMap { s in (0..<(s.count / L)).map { Array(s[($0 * L)..<(($0 + 1) * L)]) } }
            .filter { c in c.contains { $0 != c[0] } }
        guard !chunks.isEmpty else { return nil }
        let fair: DependenceCurves
        do {
            fair = try QuantGANs.averageCurves(of: chunks, maxLag: 50)
        } catch {
            throw TGFLError.invalidArgument("matching the volatility dependence: the training chunks' curves: \(error)")
        }
        let z = trainingSpans.flatMap { garch.standardizedResiduals($0) }.filter(\.isFinite)
        let mu = garch.mu
        let all = trainingSpans.flatMap { $0 }
        let variance = all.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(max(all.count, 1))
        guard !z.isEmpty, variance > 0 else { return nil }
        let m2 = z.reduce(0) { $0 + $1 * $1 } / Double(z.count)
        let m2n = z.reduce(0) { $0 + ($1 < 0 ? $1 * $1 : 0) } / Double(z.count)
        var candidates = [GenerationDynamics(alpha: garch.alpha, gamma: garch.gamma, beta: garch.beta)]
        for k in Self.dependenceShockScales {
            for p in Self.dependencePersistences {
                let a = k * garch.alpha, g = k * garch.gamma, b = p - a * m2 - g * m2n
                if b >= 0 { candidates.append(GenerationDynamics(alpha: a, gamma: g, beta: b)) }
            }
        }
        // Common random numbers: the same start and draws for every candidate.
        var rng = SeededRNG(seed: seed, stream: 0)
        let starts = (0..<Self.dependencePaths).map { _ in rng.uniform() }
        let draws = (0..<Self.dependencePaths).map { _ in
            (0..<Self.dependenceChunkLength).map { _ in rng.int(below: z.count) }
        }
        var scored: [(dynamics: GenerationDynamics, criterion: Double)] = []
        for c in candidates {
            let persistence = c.alpha * m2 + c.gamma * m2n + c.beta
            let paths = simulatedPaths(c, omega: variance * max(1 - persistence, 1e-3), z: z,
                                       startUniforms: starts, drawIndices: draws)
            let criterion = (try? Self.dependenceCriterion(fair: fair, paths: paths)) ?? .infinity
            scored.append((c, criterion.isFinite ? criterion : .infinity))
        }
        let kept = scored.indices.min { scored[$0].criterion < scored[$1].criterion }!
        generationDynamics = kept == 0 ? nil : scored[kept].dynamics
        generationLevelLogQuantiles = kept == 0 ? nil : Self.chunkLevelLogQuantiles(chunks)
        return DependenceMatch(candidates: scored, kept: kept, zMoments: (m2, m2n))
    }

    /// The slow level of an unconditional path without a prompt: `exp` of the stored chunk
    /// level quantiles interpolated at `u` (the same uniform as its starting volatility, so a
    /// path that starts volatile belongs to a volatile year); 1 without them.
    public func generationLevelFactor(u: Double) -> Double {
        guard let q = generationLevelLogQuantiles, q.count >= 2 else { return 1 }
        let x = min(max(u, 0), 1) * Double(q.count - 1)
        let i = min(Int(x), q.count - 2)
        return Foundation.exp(q[i] + (x - Double(i)) * (q[i + 1] - q[i]))
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
        let curves = try QuantGANs.averageCurves(of: paths, maxLag: 50)
        func l2(_ a: [Double], _ b: [Double], _ n: Int) -> Double {
            zip(a.prefix(n), b.prefix(n)).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        return l2(fair.acfAbsolute, curves.acfAbsolute, 50) + l2(fair.leverage, curves.leverage, 20)
    }

    /// Filtered historical simulation with coefficients `d`, one path per start:
    /// ```
    /// σ²_0 = initialVariance(u_p),  r_t = μ + σ_t z[i_{p,t}],
    /// σ²_{t+1} = clamp(ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t, σ_floor², σ_cap²)
    /// ```
    func simulatedPaths(_ d: GenerationDynamics, omega: Double, z: [Double], startUniforms: [Double],
                        drawIndices: [[Int]]) -> [[Double]] {
        let lo = sigmaFloor * sigmaFloor, hi = sigmaCap * sigmaCap
        return zip(startUniforms, drawIndices).map { u, indices in
            var v = initialVariance(u: u)
            return indices.map { i in
                let e = v.squareRoot() * z[i]
                v = min(max(omega + (e < 0 ? d.alpha + d.gamma : d.alpha) * e * e + d.beta * v, lo), hi)
                return garch.mu + e
            }
        }
    }
}
