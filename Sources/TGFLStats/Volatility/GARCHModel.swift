import Foundation
import TGFLRandom

/// Which member of the GARCH family: the variance recursion, the innovation law and the mean.
public struct GARCHSpecification: Sendable, Equatable, Hashable, Codable {
    /// The conditional variance recursion.
    public enum Variance: String, Sendable, Codable, CaseIterable {
        /// GARCH(1,1) (Bollerslev 1986): σ²_{t+1} = ω + α ε_t² + β σ²_t.
        case garch
        /// GJR-GARCH(1,1,1) (Glosten, Jagannathan & Runkle 1993):
        /// σ²_{t+1} = ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t.
        case gjr
    }

    /// The law of the standardized innovations z_t = ε_t/σ_t (zero mean, unit variance).
    public enum Innovations: String, Sendable, Codable, CaseIterable {
        /// Standard normal (arch's `Normal`).
        case normal
        /// Student-t with ν > 2 degrees of freedom scaled to unit variance (arch's `StudentsT`).
        case studentT = "t"
        /// Hansen's (1994) skewed t with ν > 2, −1 < λ < 1 (arch's `SkewStudent`).
        case skewT = "skewt"
    }

    public var variance: Variance
    public var innovations: Innovations
    /// true: r_t = μ + ε_t; false: μ = 0 (arch's `ZeroMean`).
    public var constantMean: Bool

    /// Creates a specification; the defaults are the GJR-GARCH(1,1,1) with normal innovations
    /// and a constant mean.
    public init(variance: Variance = .gjr, innovations: Innovations = .normal, constantMean: Bool = true) {
        self.variance = variance
        self.innovations = innovations
        self.constantMean = constantMean
    }
}

/// A fitted or given GARCH(1,1) / GJR-GARCH(1,1,1) model with normal, Student-t or skewed-t
/// innovations, in the units of the returns it describes.
///
/// ```
/// r_t = μ + ε_t,   ε_t = σ_t z_t,   z_t iid, E z = 0, E z² = 1
/// σ²_{t+1} = ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t
/// ```
/// Every quantity matches the Python `arch` package (K. Sheppard, `arch.univariate`:
/// `arch_model(mean="Constant"|"Zero", vol="GARCH", p=1, o=0|1, q=1, dist=...)`), including its
/// backcast, its start of the recursion and its loose variance bounds; the tests check this
/// against fixtures written by `Tests/Fixtures/make_garch_reference.py`.
public struct GARCHModel: Sendable, Equatable, Codable {
    public var specification: GARCHSpecification
    /// Mean μ (0 when `specification.constantMean` is false).
    public var mu: Double
    /// Variance intercept ω > 0.
    public var omega: Double
    /// ARCH coefficient α ≥ 0.
    public var alpha: Double
    /// Leverage coefficient γ (α + γ ≥ 0); 0 for `.garch`.
    public var gamma: Double
    /// GARCH coefficient β ≥ 0.
    public var beta: Double
    /// Degrees of freedom ν > 2 for `.studentT` and `.skewT` (arch's "nu" / "eta"); nil for normal.
    public var nu: Double?
    /// Skewness −1 < λ < 1 for `.skewT` (arch's "lambda"); nil otherwise.
    public var lambda: Double?

    /// Creates a model, validating its parameters.
    ///
    /// ```
    /// ω > 0,  α ≥ 0,  α + γ ≥ 0,  β ≥ 0,  α + γ·κ + β < 1,  ν > 2,  −1 < λ < 1
    /// ```
    /// - Parameters:
    ///   - specification: variance recursion, innovations and mean.
    ///   - mu: the mean (must be 0 when `specification.constantMean` is false).
    ///   - omega, alpha, gamma, beta: the variance recursion (gamma must be 0 for `.garch`).
    ///   - nu: degrees of freedom, required for `.studentT` and `.skewT`, nil for `.normal`.
    ///   - lambda: skewness, required for `.skewT`, nil otherwise.
    /// - Throws: `StatsError.invalidParameter` naming the parameter, its value and the rule.
    public init(specification: GARCHSpecification, mu: Double, omega: Double, alpha: Double, gamma: Double,
                beta: Double, nu: Double? = nil, lambda: Double? = nil) throws {
        self.specification = specification
        self.mu = mu
        self.omega = omega
        self.alpha = alpha
        self.gamma = gamma
        self.beta = beta
        self.nu = nu
        self.lambda = lambda
        try validate()
    }

    /// Checks the parameters (the rules of `init`); use it after mutating a model's fields.
    /// - Throws: `StatsError.invalidParameter` naming the parameter, its value and the rule.
    public func validate() throws {
        func bad(_ m: String) -> StatsError { .invalidParameter("GARCH model: \(m)") }
        for (name, v) in [("mu", mu), ("omega", omega), ("alpha", alpha), ("gamma", gamma), ("beta", beta)]
        where !v.isFinite {
            throw bad("\(name) must be finite, got \(v)")
        }
        if !specification.constantMean, mu != 0 {
            throw bad("mu must be 0 for a zero-mean specification (constantMean: false), got \(mu)")
        }
        guard omega > 0 else { throw bad("omega must be > 0, got \(omega)") }
        guard alpha >= 0 else { throw bad("alpha must be ≥ 0, got \(alpha)") }
        if specification.variance == .garch, gamma != 0 {
            throw bad("gamma must be 0 for a GARCH(1,1) variance (use variance .gjr for leverage), got \(gamma)")
        }
        guard alpha + gamma >= 0 else { throw bad("alpha + gamma must be ≥ 0, got \(alpha) + \(gamma)") }
        guard beta >= 0 else { throw bad("beta must be ≥ 0, got \(beta)") }
        switch specification.innovations {
        case .normal:
            if let nu { throw bad("nu must be nil for normal innovations, got \(nu)") }
            if let lambda { throw bad("lambda must be nil for normal innovations, got \(lambda)") }
        case .studentT, .skewT:
            guard let nu else { throw bad("nu (degrees of freedom > 2) is required for \(specification.innovations.rawValue) innovations") }
            guard nu.isFinite, nu > 2 else { throw bad("nu must be a finite value > 2, got \(nu)") }
            if specification.innovations == .studentT, let lambda {
                throw bad("lambda must be nil for Student-t innovations (use .skewT), got \(lambda)")
            }
            if specification.innovations == .skewT {
                guard let lambda else { throw bad("lambda (skewness in (−1, 1)) is required for skewt innovations") }
                guard lambda > -1, lambda < 1 else { throw bad("lambda must lie in (−1, 1), got \(lambda)") }
            }
        }
        let p = persistence
        guard p < 1 else {
            throw bad("persistence alpha + gamma·kappa + beta must be < 1 for a stationary model, got \(p)")
        }
    }

    private enum CodingKeys: String, CodingKey { case specification, mu, omega, alpha, gamma, beta, nu, lambda }

    /// Decodes and validates a model (same rules as `init`).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(specification: c.decode(GARCHSpecification.self, forKey: .specification),
                      mu: c.decode(Double.self, forKey: .mu), omega: c.decode(Double.self, forKey: .omega),
                      alpha: c.decode(Double.self, forKey: .alpha), gamma: c.decode(Double.self, forKey: .gamma),
                      beta: c.decode(Double.self, forKey: .beta),
                      nu: c.decodeIfPresent(Double.self, forKey: .nu),
                      lambda: c.decodeIfPresent(Double.self, forKey: .lambda))
    }

    /// The innovation density with this model's shape parameters.
    var density: GARCHInnovationDensity {
        GARCHInnovationDensity(specification.innovations, nu: nu, lambda: lambda)
    }

    /// κ = E[z² 1(z < 0)] under the innovations: ½ for symmetric innovations; for the skewed t
    /// in closed form from truncated t moments (see `GARCHInnovationDensity.kappa`).
    public var leverageWeight: Double {
        specification.variance == .gjr && gamma != 0 ? density.kappa : 0.5
    }

    /// The persistence of the variance recursion.
    ///
    /// ```
    /// persistence = α + γ·κ + β,   κ = E[z² 1(z < 0)]   (κ = ½ for normal and t)
    /// ```
    /// E[σ²_{t+1}] = ω + persistence · E[σ²_t], so the model is covariance-stationary iff it is
    /// below 1. (arch uses κ = ½ for every distribution; for the skewed t κ = E[z²1(z<0)] is the
    /// exact weight.)
    public var persistence: Double { alpha + gamma * leverageWeight + beta }

    /// The unconditional variance of ε_t.
    ///
    /// ```
    /// E[ε²] = ω / (1 − persistence)
    /// ```
    public var unconditionalVariance: Double { omega / (1 - persistence) }

    /// The variance recursion, one step.
    ///
    /// ```
    /// σ²_{t+1} = ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t,   ε_t = r_t − μ
    /// ```
    /// - Parameters:
    ///   - residual: ε_t = r_t − μ.
    ///   - variance: σ²_t.
    /// - Returns: σ²_{t+1} (no variance bounds applied).
    @inlinable
    public func nextVariance(residual: Double, variance: Double) -> Double {
        omega + (alpha + (residual < 0 ? gamma : 0)) * residual * residual + beta * variance
    }

    /// arch's backcast: an exponentially weighted mean of the first 75 squared residuals, used
    /// for σ²_{−1} and ε²_{−1} when starting the recursion.
    ///
    /// ```
    /// τ = min(75, n),  w_i = 0.94^i / Σ_{j<τ} 0.94^j,  backcast = Σ_{i<τ} w_i ε_i²
    /// ```
    /// - Parameter residuals: the residuals (arch passes r − r̄ for a constant mean, r for zero mean).
    /// - Returns: the backcast; NaN for an empty array.
    /// - Reference: `arch.univariate.volatility.VolatilityProcess.backcast`.
    public static func backcast(_ residuals: [Double]) -> Double {
        let tau = min(75, residuals.count)
        guard tau > 0 else { return .nan }
        var w = [Double](repeating: 0, count: tau)
        var total = 0.0, p = 1.0
        for i in 0..<tau { w[i] = p; total += p; p *= 0.94 }
        var s = 0.0
        for i in 0..<tau { s += residuals[i] * residuals[i] * (w[i] / total) }
        return s
    }

    /// The residuals arch computes its backcast and variance bounds from: r − r̄ (constant
    /// mean, at the mean model's least-squares estimate, not at μ) or r (zero mean).
    static func startResiduals(_ returns: [Double], constantMean: Bool) -> [Double] {
        guard constantMean, !returns.isEmpty else { return returns }
        let m = returns.reduce(0, +) / Double(returns.count)
        return returns.map { $0 - m }
    }

    /// arch's loose bounds on the conditional variance (`VolatilityProcess.variance_bounds`):
    /// an EWMA(0.94) variance v_t started at the backcast, bounds v_t/1e6 and v_t·1e6, with the
    /// lower bound at least var(ε)/1e8 and the upper between 1 + max ε² and 1e7·(1 + max ε²).
    static func varianceBounds(_ resid: [Double]) -> (lower: [Double], upper: [Double]) {
        let n = resid.count
        guard n > 0 else { return ([], []) }
        let bc = backcast(resid)
        var lower = [Double](repeating: 0, count: n), upper = lower
        var mean = 0.0, maxSq = 0.0
        for r in resid { mean += r; maxSq = max(maxSq, r * r) }
        mean /= Double(n)
        var ss = 0.0
        for r in resid { ss += (r - mean) * (r - mean) }
        let lowerBound = ss / Double(n) / 1e8
        let minUpper = 1 + maxSq, upperBound = 1e7 * (1 + maxSq)
        var v = 0.06 * bc + 0.94 * bc
        for t in 0..<n {
            if t > 0 { v = 0.06 * resid[t - 1] * resid[t - 1] + 0.94 * v }
            var lo = v / 1e6, hi = v * 1e6
            if lo < lowerBound { lo = lowerBound }
            if hi < minUpper { hi = minUpper }
            if hi > upperBound { hi = upperBound }
            lower[t] = lo
            upper[t] = hi
        }
        return (lower, upper)
    }

    /// arch's `bounds_check`: clamps below, damps logarithmically above.
    @inline(__always)
    static func bounded(_ s2: Double, _ lo: Double, _ hi: Double) -> Double {
        if s2 < lo { return lo }
        if s2 > hi { return s2.isInfinite ? hi + 1000 : hi + Foundation.log(s2 / hi) }
        return s2
    }

    /// The conditional variances σ²_t of a return series, exactly as arch computes them.
    ///
    /// ```
    /// b = backcast(r − r̄)   (backcast(r) for a zero mean)
    /// σ²_0 = ω + (α + γ/2 + β)·b
    /// σ²_t = ω + (α + γ·1[ε_{t−1} < 0]) ε²_{t−1} + β σ²_{t−1},   ε_t = r_t − μ
    /// ```
    /// each clipped to arch's loose variance bounds (which never bind at sensible parameters).
    /// - Parameter returns: the returns r_0 … r_{n−1}, in the model's units.
    /// - Returns: σ²_0 … σ²_{n−1}; empty for empty input (NaN inputs propagate).
    /// - Reference: `arch.univariate.recursions.garch_recursion` (p = 1, o = 0|1, q = 1).
    public func conditionalVariances(_ returns: [Double]) -> [Double] {
        let n = returns.count
        guard n > 0 else { return [] }
        let r0 = Self.startResiduals(returns, constantMean: specification.constantMean)
        let bc = Self.backcast(r0)
        let (lo, hi) = Self.varianceBounds(r0)
        let m = specification.constantMean ? mu : 0
        var s2 = [Double](repeating: 0, count: n)
        var prev = omega + alpha * bc + gamma * 0.5 * bc + beta * bc
        prev = Self.bounded(prev, lo[0], hi[0])
        s2[0] = prev
        for t in 1..<max(n, 1) {
            let e = returns[t - 1] - m
            let f = e * e
            var v = omega + alpha * f
            if e < 0 { v += gamma * f }
            v += beta * prev
            prev = Self.bounded(v, lo[t], hi[t])
            s2[t] = prev
        }
        return s2
    }

    /// The standardized residuals z_t = (r_t − μ)/σ_t.
    /// - Parameter returns: the returns, in the model's units.
    /// - Returns: z_0 … z_{n−1} with σ_t from `conditionalVariances`.
    public func standardizedResiduals(_ returns: [Double]) -> [Double] {
        let s2 = conditionalVariances(returns)
        let m = specification.constantMean ? mu : 0
        return zip(returns, s2).map { ($0 - m) / $1.squareRoot() }
    }

    /// The log-likelihood of a return series at these parameters (arch's `loglikelihood`).
    ///
    /// ```
    /// ℓ = Σ_t ln f(ε_t; σ²_t),   ε_t = r_t − μ
    /// ```
    /// with f the innovation density scaled by σ_t (see `GARCHSpecification.Innovations`).
    /// - Parameter returns: the returns, in the model's units.
    /// - Returns: ℓ; NaN when the series holds NaN.
    public func logLikelihood(_ returns: [Double]) -> Double {
        let s2 = conditionalVariances(returns)
        let d = density
        let m = specification.constantMean ? mu : 0
        var ll = 0.0
        for t in 0..<returns.count { ll += d.logDensity(returns[t] - m, s2[t]) }
        return ll
    }

    /// Simulates return paths from the model.
    ///
    /// ```
    /// σ²_0 = ω/(1 − persistence);  r_t = μ + σ_t z_t;  σ²_{t+1} = ω + (α + γ·1[ε_t<0]) ε_t² + β σ²_t
    /// ```
    /// The first `burn` steps of each path are discarded. Path p draws from
    /// `SeededRNG(seed: seed, stream: p)`, so a path does not depend on how many are drawn.
    /// - Parameters:
    ///   - paths: number of paths (≤ 0 gives none).
    ///   - horizon: returns per path (≤ 0 gives empty paths).
    ///   - burn: discarded warm-up steps (default 500, as arch).
    ///   - seed: the seed.
    /// - Returns: `paths` arrays of `horizon` returns in the model's units.
    public func simulate(paths: Int, horizon: Int, burn: Int = 500, seed: UInt64) -> [[Double]] {
        guard paths > 0 else { return [] }
        let h = max(horizon, 0), burn = max(burn, 0)
        let d = density
        let start = unconditionalVariance
        let m = specification.constantMean ? mu : 0
        var out = [[Double]]()
        out.reserveCapacity(paths)
        for p in 0..<paths {
            var rng = SeededRNG(seed: seed, stream: UInt64(p))
            var path = [Double](repeating: 0, count: h)
            var s2 = start
            for t in 0..<(burn + h) {
                let e = s2.squareRoot() * d.sample(&rng)
                if t >= burn { path[t - burn] = m + e }
                s2 = nextVariance(residual: e, variance: s2)
            }
            out.append(path)
        }
        return out
    }
}
