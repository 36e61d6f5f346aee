import Foundation

/// Merton jump diffusion: GBM plus compound-Poisson normal jumps in the log price.
///
/// ```
/// r_t = (μ − σ²/2 − λκ) dt + σ √dt · Z_t + Σ_{i=1}^{N_t} Y_i,
///       Z_t ~ N(0,1),  N_t ~ Poisson(λ dt),  Y_i ~ N(μ_J, σ_J²),  κ = exp(μ_J + σ_J²/2) − 1
/// E[r]   = (μ − σ²/2 − λκ) dt + λ dt μ_J
/// Var[r] = σ² dt + λ dt (μ_J² + σ_J²)
/// excess kurtosis = λ dt (μ_J⁴ + 6 μ_J² σ_J² + 3 σ_J⁴) / Var[r]²
/// ```
/// The −λκ term makes μ the expected growth rate of the price. Reference: Merton (1976),
/// "Option pricing when underlying stock returns are discontinuous"; cumulants of a
/// compound Poisson sum, κ_n = λ dt E[Yⁿ].
public struct MertonJumpModel: SyntheticReturnModel, Equatable {
    /// μ: drift of the price per unit time.
    public var mu: Double
    /// σ > 0: diffusion volatility.
    public var sigma: Double
    /// λ ≥ 0: jump intensity (jumps per unit time).
    public var lambda: Double
    /// μ_J: mean log jump size.
    public var jumpMean: Double
    /// σ_J ≥ 0: standard deviation of the log jump size.
    public var jumpStd: Double
    /// dt > 0: time step (1/252 for trading days).
    public var dt: Double

    /// - Parameters:
    ///   - mu: drift.
    ///   - sigma: diffusion volatility, > 0.
    ///   - lambda: jump intensity, ≥ 0, with λ·dt ≤ 1000.
    ///   - jumpMean: mean log jump.
    ///   - jumpStd: log-jump standard deviation, ≥ 0.
    ///   - dt: time step, > 0.
    public init(mu: Double = 0.07, sigma: Double = 0.15, lambda: Double = 10, jumpMean: Double = -0.02,
                jumpStd: Double = 0.03, dt: Double = 1.0 / 252) {
        self.mu = mu; self.sigma = sigma; self.lambda = lambda
        self.jumpMean = jumpMean; self.jumpStd = jumpStd; self.dt = dt
    }

    /// - Throws: `TGFLError.invalidArgument` naming the bad parameter.
    public func validate() throws {
        try checkParameter("mu", mu, "finite") { _ in true }
        try checkParameter("sigma", sigma, "> 0") { $0 > 0 }
        try checkParameter("lambda", lambda, "≥ 0") { $0 >= 0 }
        try checkParameter("jumpMean", jumpMean, "finite") { _ in true }
        try checkParameter("jumpStd", jumpStd, "≥ 0") { $0 >= 0 }
        try checkParameter("dt", dt, "> 0") { $0 > 0 }
        try checkParameter("lambda * dt", lambda * dt, "≤ 1000 jumps per step") { $0 <= 1000 }
        try checkParameter("kappa", compensator, "finite (jumpMean + jumpStd²/2 too large)") { _ in true }
    }

    /// κ = exp(μ_J + σ_J²/2) − 1, the mean relative price jump.
    public var compensator: Double { Foundation.exp(jumpMean + 0.5 * jumpStd * jumpStd) - 1 }
    /// E[r].
    public var meanReturn: Double { (mu - 0.5 * sigma * sigma - lambda * compensator) * dt + lambda * dt * jumpMean }
    /// Var[r] = σ² dt + λ dt (μ_J² + σ_J²).
    public var returnVariance: Double {
        sigma * sigma * dt + lambda * dt * (jumpMean * jumpMean + jumpStd * jumpStd)
    }
    /// Excess kurtosis λ dt (μ_J⁴ + 6 μ_J² σ_J² + 3 σ_J⁴) / Var[r]².
    public var excessKurtosis: Double {
        let m2 = jumpMean * jumpMean, s2 = jumpStd * jumpStd
        return lambda * dt * (m2 * m2 + 6 * m2 * s2 + 3 * s2 * s2) / (returnVariance * returnVariance)
    }

    public func path(length: Int, using rng: inout SeededRNG) -> [Double] {
        let drift = (mu - 0.5 * sigma * sigma - lambda * compensator) * dt
        let scale = sigma * dt.squareRoot()
        let rate = lambda * dt
        return (0..<length).map { _ in
            var r = drift + scale * rng.normal()
            let jumps = Self.poisson(mean: rate, using: &rng)
            for _ in 0..<jumps { r += jumpMean + jumpStd * rng.normal() }
            return r
        }
    }

    /// Poisson(mean) by counting unit-rate exponential arrivals: the number of partial sums
    /// of `Exp(1)/mean` that stay ≤ 1 (Knuth, TAOCP vol. 2, §3.4.1, in log form; O(mean)).
    static func poisson(mean: Double, using rng: inout SeededRNG) -> Int {
        guard mean > 0 else { return 0 }
        var count = 0
        var time = -Foundation.log(rng.uniformOpen()) / mean
        while time <= 1 {
            count += 1
            time += -Foundation.log(rng.uniformOpen()) / mean
        }
        return count
    }
}
