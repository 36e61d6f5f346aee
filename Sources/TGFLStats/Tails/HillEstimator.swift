import Foundation

/// Tail-index estimation for heavy-tailed returns.
public enum TailIndex {

    /// Which tail to study.
    public enum Tail: String, Sendable, Equatable {
        /// Losses: L = −r (the left tail of returns).
        case left
        /// Gains: L = r.
        case right
        /// Both tails pooled: L = |r|.
        case absolute
    }

    /// A Hill estimate.
    public struct Estimate: Sendable, Equatable {
        /// Tail index α = 1/ξ (P(L > x) ~ x^{−α}).
        public let alpha: Double
        /// ξ = 1/α, the Hill estimate proper.
        public let xi: Double
        /// Number of upper order statistics used.
        public let k: Int
        /// The threshold L_(k+1).
        public let threshold: Double
    }

    /// The default number of order statistics, k = ⌊√n⌋.
    ///
    /// ```
    /// k = ⌊√n⌋
    /// ```
    /// Hill's estimator is consistent when k → ∞ and k/n → 0; √n is the usual rule of thumb
    /// between variance (∝ 1/k) and the bias of a non-Pareto body (grows with k/n). For daily
    /// returns (n ≈ 5000) it uses the 70 largest losses, about the worst 1.4 %.
    /// - Parameter n: sample size.
    /// - Returns: k.
    /// - Reference: Danielsson et al. (2001), J. Multivariate Anal. 76; common practice.
    public static func defaultK(sampleSize n: Int) -> Int { Int(Double(n).squareRoot()) }

    /// Hill estimator of the tail index.
    ///
    /// ```
    /// L_(1) ≥ L_(2) ≥ … ≥ L_(n)   (losses sorted descending)
    /// ξ̂ = (1/k) Σ_{i=1}^{k} ln( L_(i) / L_(k+1) ),     α̂ = 1/ξ̂
    /// ```
    /// - Parameters:
    ///   - returns: the returns (finite).
    ///   - tail: `.left` (losses, default), `.right` or `.absolute`.
    ///   - k: order statistics to use, 1 ≤ k < n (default `defaultK`, at least 2).
    /// - Returns: α̂, ξ̂, k and the threshold L_(k+1).
    /// - Throws: `StatsError` for empty/non-finite input, k out of range, a threshold L_(k+1) ≤ 0
    ///   (fewer than k + 1 positive losses), or all k top values equal to the threshold.
    /// - Reference: Hill (1975), "A simple general approach to inference about the tail of a
    ///   distribution", Ann. Statist. 3(5).
    public static func hill(_ returns: [Double], tail: Tail = .left, k: Int? = nil) throws -> Estimate {
        try Check.finite(returns, "returns", atLeast: 3, for: "the Hill estimator")
        let n = returns.count
        let kk = k ?? max(2, defaultK(sampleSize: n))
        guard kk >= 1, kk < n else { throw StatsError.invalidParameter("k must lie in 1..<\(n), got \(kk)") }
        let losses: [Double]
        switch tail {
        case .left: losses = returns.map { -$0 }
        case .right: losses = returns
        case .absolute: losses = returns.map { abs($0) }
        }
        let sorted = losses.sorted(by: >)
        let threshold = sorted[kk]
        guard threshold > 0 else {
            throw StatsError.tooShort("the \(tail) tail has fewer than k + 1 = \(kk + 1) positive values; lower k")
        }
        let logT = log(threshold)
        var s = 0.0
        for i in 0..<kk { s += log(sorted[i]) - logT }
        let xi = s / Double(kk)
        guard xi > 0 else {
            throw StatsError.invalidParameter("the top \(kk) values all equal the threshold; the Hill estimate is undefined")
        }
        return Estimate(alpha: 1 / xi, xi: xi, k: kk, threshold: threshold)
    }
}
