import Foundation

/// Harvey's Beta-t-EGARCH(1,1) with leverage: a score-driven (DCS) volatility filter whose
/// response to one return is bounded, so a single huge day moves it far less than a GARCH.
///
/// ```
/// r_t = μ + e^{λ_t} · ε_t,   ε_t ~ Student t(ν) with unit scale (variance ν / (ν − 2))
/// u_t = (ν + 1) · e_t² / (ν · e^{2λ_t} + e_t²) − 1            e_t = r_t − μ;  u_t ∈ [−1, ν]
/// λ_{t+1} = ω(1 − φ) + φ · λ_t + κ · u_t + κ* · s_t · (u_t + 1)  s_t = 1 if e_t < 0, else −1
/// σ_t² = e^{2λ_t} · ν / (ν − 2)                                (the conditional variance)
/// ```
/// λ₀ = ω, the unconditional log-scale. u_t is the score of the t log-density in λ (scaled), so
/// one day moves λ by at most κ·ν + |κ*|·(ν + 1) however large the return: after 1987-10-19 the
/// filter starts from about a third of GJR's level and decays with φ in log-scale (issue 16,
/// BENCHMARKS.md "A filter for the prompted path").
///
/// - Reference: A. C. Harvey, *Dynamic Models for Volatility and Heavy Tails* (Cambridge, 2013),
///   ch. 4; Harvey & Chakravarty (2008), "Beta-t-(E)GARCH". The fit is checked against a SciPy
///   maximum-likelihood fit (`Tests/Fixtures/make_beta_t_reference.py`).
public struct BetaTEGARCH: Sendable, Equatable, Codable {
    /// μ: the location of the returns.
    public var mu: Double
    /// ω: the unconditional log-scale (λ's long-run mean).
    public var omega: Double
    /// φ in [0, 1): the persistence of λ.
    public var phi: Double
    /// κ ≥ 0: the weight of the score u_t.
    public var kappa: Double
    /// κ*: the leverage weight (λ rises by 2κ*·(u_t + 1)/2 more after a fall than after a rise).
    public var kappaStar: Double
    /// ν > 2: the Student t degrees of freedom.
    public var nu: Double

    /// Creates a model from its parameters (not checked; `check()` does).
    public init(mu: Double, omega: Double, phi: Double, kappa: Double, kappaStar: Double, nu: Double) {
        self.mu = mu; self.omega = omega; self.phi = phi; self.kappa = kappa; self.kappaStar = kappaStar; self.nu = nu
    }

    /// - Throws: `StatsError.invalidParameter` naming the parameter outside its range.
    public func check() throws {
        guard [mu, omega, phi, kappa, kappaStar, nu].allSatisfy(\.isFinite) else {
            throw StatsError.invalidParameter("Beta-t-EGARCH parameters must be finite, got \(self)")
        }
        guard phi >= 0, phi < 1 else { throw StatsError.invalidParameter("Beta-t-EGARCH φ must lie in [0, 1), got \(phi)") }
        guard kappa >= 0 else { throw StatsError.invalidParameter("Beta-t-EGARCH κ must be ≥ 0, got \(kappa)") }
        guard nu > 2 else { throw StatsError.invalidParameter("Beta-t-EGARCH ν must exceed 2, got \(nu)") }
    }

    /// λ after a day with log-scale `lambda` and residual `e` (the recursion above).
    @inline(__always)
    public func nextLogScale(_ lambda: Double, residual e: Double) -> Double {
        let e2 = e * e
        let u = (nu + 1) * e2 / (nu * Foundation.exp(2 * lambda) + e2) - 1
        return omega * (1 - phi) + phi * lambda + kappa * u + kappaStar * (e < 0 ? 1 : -1) * (u + 1)
    }

    /// The conditional variance of a log-scale: e^{2λ}·ν/(ν − 2).
    @inline(__always)
    public func variance(logScale lambda: Double) -> Double { Foundation.exp(2 * lambda) * nu / (nu - 2) }

    /// The log-scale of a conditional variance (the inverse of `variance(logScale:)`).
    @inline(__always)
    public func logScale(variance v: Double) -> Double { 0.5 * Foundation.log(v * (nu - 2) / nu) }

    /// The variance of the day after one with variance `v` and residual `e` (r − μ): the
    /// recursion on the variance scale, the form generation carries from day to day.
    public func step(variance v: Double, residual e: Double) -> Double {
        variance(logScale: nextLogScale(logScale(variance: v), residual: e))
    }

    /// λ_0 … λ_n of `returns` (n + 1 values: the last is the one-step forecast after them).
    public func logScales(_ returns: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: returns.count + 1)
        var lambda = omega
        for (t, r) in returns.enumerated() {
            out[t] = lambda
            lambda = nextLogScale(lambda, residual: r - mu)
        }
        out[returns.count] = lambda
        return out
    }

    /// σ²_0 … σ²_n of `returns` (n + 1 values: the last is the one-step forecast after them).
    public func variances(_ returns: [Double]) -> [Double] { logScales(returns).map { variance(logScale: $0) } }

    /// The log-likelihood Σ_t log f_t(r_t), f_t the t(ν) density with scale e^{λ_t} about μ.
    public func logLikelihood(_ returns: [Double]) -> Double {
        let c = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Foundation.log(Double.pi * nu)
        var lambda = omega, total = 0.0
        for r in returns {
            let e = r - mu, x = e * Foundation.exp(-lambda)
            total += c - lambda - (nu + 1) / 2 * Foundation.log1p(x * x / nu)
            lambda = nextLogScale(lambda, residual: e)
        }
        return total
    }
}

extension BetaTEGARCH {
    /// Fewest returns `fit` accepts.
    public static let minimumFitReturns = 100

    /// Fits the model by maximum likelihood.
    ///
    /// ```
    /// maximise ℓ(θ) over μ, ω, φ = 0.9999·logistic(a), κ = logistic(b), κ* = tanh(c)/2,
    ///          ν = 2.1 + 97.9·logistic(d)            (SciPy reference: the same box, L-BFGS-B)
    /// ```
    /// on the returns rescaled to unit variance (parameters reported in the data's units), by
    /// BFGS with central-difference gradients, from `start` when given (a refit from the model
    /// in use) and from (mean, log(0.8·sd), φ 0.98, κ 0.04, κ* 0.02, ν 6); the better optimum
    /// wins. Deterministic.
    /// - Parameters:
    ///   - returns: at least `minimumFitReturns` finite, non-constant returns.
    ///   - start: an optional starting model (e.g. the one being refitted).
    /// - Returns: the fitted model.
    /// - Throws: `StatsError` for too few or non-finite returns, a constant series, or no finite optimum.
    public static func fit(_ returns: [Double], start: BetaTEGARCH? = nil) throws -> BetaTEGARCH {
        try Check.finite(returns, "returns", atLeast: minimumFitReturns, for: "a Beta-t-EGARCH fit")
        let n = Double(returns.count)
        let mean = returns.reduce(0, +) / n
        let sd = (returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        guard sd > 0, returns.contains(where: { $0 != returns[0] }) else { throw StatsError.invalidParameter("returns are constant; a Beta-t-EGARCH fit needs variation") }
        let scaled = returns.map { $0 / sd }, logSD = Foundation.log(sd)
        func logit(_ p: Double) -> Double { Foundation.log(p / (1 - p)) }
        func logistic(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        func model(_ x: [Double]) -> BetaTEGARCH {
            BetaTEGARCH(mu: x[0], omega: x[1], phi: 0.9999 * logistic(x[2]), kappa: logistic(x[3]),
                        kappaStar: 0.5 * Foundation.tanh(x[4]), nu: 2.1 + 97.9 * logistic(x[5]))
        }
        func raw(_ m: BetaTEGARCH) -> [Double] {
            let clamp = { (p: Double) in min(max(p, 1e-6), 1 - 1e-6) }
            return [m.mu, m.omega, logit(clamp(m.phi / 0.9999)), logit(clamp(m.kappa)),
                    Foundation.atanh(min(max(2 * m.kappaStar, -0.999999), 0.999999)), logit(clamp((m.nu - 2.1) / 97.9))]
        }
        func objective(_ x: [Double]) -> Double {
            let v = -model(x).logLikelihood(scaled) / n
            return v.isFinite ? v : .infinity
        }
        func valueAndGradient(_ x: [Double]) -> (Double, [Double]) {
            let f = objective(x)
            var g = [Double](repeating: 0, count: x.count)
            for i in x.indices {
                let h = 1e-6 * max(1, abs(x[i]))
                var up = x, down = x
                up[i] += h; down[i] -= h
                g[i] = (objective(up) - objective(down)) / (2 * h)
            }
            return (f, g.map { $0.isFinite ? $0 : 0 })
        }
        var starts = [raw(BetaTEGARCH(mu: mean / sd, omega: Foundation.log(0.8), phi: 0.98, kappa: 0.04,
                                      kappaStar: 0.02, nu: 6))]
        if let s = start {
            starts.insert(raw(BetaTEGARCH(mu: s.mu / sd, omega: s.omega - logSD, phi: s.phi, kappa: s.kappa,
                                          kappaStar: s.kappaStar, nu: s.nu)), at: 0)
        }
        let results = starts.map { BFGS.minimize($0, maxIterations: 500, tolerance: 1e-12, valueAndGradient) }
        guard let best = results.filter({ $0.f.isFinite }).min(by: { $0.f < $1.f }) else {
            throw StatsError.invalidParameter("the Beta-t-EGARCH likelihood is not finite at any start; check the returns")
        }
        var m = model(best.x)
        m.mu *= sd
        m.omega += logSD
        return m
    }
}
