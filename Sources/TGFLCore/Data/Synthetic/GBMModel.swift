import Foundation

/// Geometric Brownian motion: log returns are i.i.d. normal.
///
/// ```
/// dS = μ S dt + σ S dW   ⇒   r_t = ln(S_t / S_{t-1}) = (μ − σ²/2) dt + σ √dt · Z_t,  Z_t ~ N(0, 1)
/// E[r] = (μ − σ²/2) dt,   Var[r] = σ² dt
/// ```
/// Reference: Black & Scholes (1973); Glasserman, *Monte Carlo Methods in Financial
/// Engineering* (2003), §3.2.
public struct GBMModel: SyntheticReturnModel, Equatable {
    /// μ: drift per unit time (e.g. per year).
    public var mu: Double
    /// σ: volatility per √unit time, > 0.
    public var sigma: Double
    /// dt: time step in the same unit (1/252 for trading days of a year), > 0.
    public var dt: Double

    /// - Parameters:
    ///   - mu: drift per unit time.
    ///   - sigma: volatility, > 0.
    ///   - dt: time step, > 0.
    public init(mu: Double = 0.07, sigma: Double = 0.2, dt: Double = 1.0 / 252) {
        self.mu = mu; self.sigma = sigma; self.dt = dt
    }

    /// - Throws: `TGFLError.invalidArgument` unless μ is finite and σ, dt > 0.
    public func validate() throws {
        try checkParameter("mu", mu, "finite") { _ in true }
        try checkParameter("sigma", sigma, "> 0") { $0 > 0 }
        try checkParameter("dt", dt, "> 0") { $0 > 0 }
    }

    public func path(length: Int, using rng: inout SeededRNG) -> [Double] {
        let drift = (mu - 0.5 * sigma * sigma) * dt, scale = sigma * dt.squareRoot()
        return (0..<length).map { _ in drift + scale * rng.normal() }
    }

    /// E[r] = (μ − σ²/2) dt.
    public var meanReturn: Double { (mu - 0.5 * sigma * sigma) * dt }
    /// Var[r] = σ² dt.
    public var returnVariance: Double { sigma * sigma * dt }
}
