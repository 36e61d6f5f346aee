import Foundation

/// GARCH(1,1) with standardized Student-t innovations.
///
/// ```
/// r_t = μ + ε_t,   ε_t = σ_t z_t,   z_t = t_ν · √((ν − 2)/ν)   (unit variance)
/// σ²_t = ω + α ε²_{t-1} + β σ²_{t-1},   σ²_1 = ω / (1 − α − β)   (the unconditional variance)
/// E[ε²_t] = ω / (1 − α − β) for every t (the start is the stationary mean)
/// ```
/// Reference: Bollerslev (1986), "Generalized autoregressive conditional heteroskedasticity";
/// Bollerslev (1987) for t innovations; `arch.univariate.GARCH` with `StudentsT`.
public struct GARCHGenerator: SyntheticReturnModel, Equatable {
    /// μ: constant mean return.
    public var mu: Double
    /// ω > 0: variance intercept.
    public var omega: Double
    /// α ≥ 0: weight of the last squared shock.
    public var alpha: Double
    /// β ≥ 0: weight of the last variance; α + β < 1 (covariance stationarity).
    public var beta: Double
    /// ν > 2: degrees of freedom of the Student-t innovations (finite variance).
    public var nu: Double

    /// - Parameters:
    ///   - mu: mean return.
    ///   - omega: ω > 0.
    ///   - alpha: α ≥ 0.
    ///   - beta: β ≥ 0 with α + β < 1.
    ///   - nu: ν > 2.
    /// Defaults are typical of daily equity-index returns (unconditional daily σ ≈ 1.2%).
    public init(mu: Double = 0, omega: Double = 1.5e-6, alpha: Double = 0.09, beta: Double = 0.9,
                nu: Double = 6) {
        self.mu = mu; self.omega = omega; self.alpha = alpha; self.beta = beta; self.nu = nu
    }

    /// - Throws: `TGFLError.invalidArgument` naming the parameter: ω > 0, α, β ≥ 0,
    ///   α + β < 1, ν > 2, μ finite.
    public func validate() throws {
        try checkParameter("mu", mu, "finite") { _ in true }
        try checkParameter("omega", omega, "> 0") { $0 > 0 }
        try checkParameter("alpha", alpha, "≥ 0") { $0 >= 0 }
        try checkParameter("beta", beta, "≥ 0") { $0 >= 0 }
        try checkParameter("alpha + beta", alpha + beta, "< 1 for a stationary variance") { $0 < 1 }
        try checkParameter("nu", nu, "> 2 so the innovations have a variance") { $0 > 2 }
    }

    /// ω / (1 − α − β): the unconditional variance of ε.
    public var unconditionalVariance: Double { omega / (1 - alpha - beta) }

    public func path(length: Int, using rng: inout SeededRNG) -> [Double] {
        let scale = ((nu - 2) / nu).squareRoot()
        var variance = unconditionalVariance
        var out = [Double]()
        out.reserveCapacity(length)
        for _ in 0..<length {
            let shock = variance.squareRoot() * scale * rng.studentT(nu: nu)
            out.append(mu + shock)
            variance = omega + alpha * shock * shock + beta * variance
        }
        return out
    }
}
