import Foundation

extension TokenPrior {
    /// Pseudo-observations κ of the pooled prior mixed into each volatility level's prior
    /// (`levelLogProbabilities(counts:floor:shrinkage:)`).
    ///
    /// **Why (issue 16).** A level holds about n/S training days (74 for the DAX's 1,189 fitting
    /// days at S = 16), so an unshrunk level prior is the histogram of a few dozen z values; its
    /// 1 % quantile is the level's most extreme day or two. On the DAX the top level's 75 fitting
    /// days had z std 0.72 and 1 % quantile −1.25 (pooled: 1.05 and −2.39), the trained model's
    /// one-day z at that level had std 0.72 and 1 % quantile −1.34, and 97 of the 372 backtest days
    /// (1997–98) sat at that level, where the realised z had std 1.16: TGFL's 99 % VaR had 21
    /// exceptions where σ_t times the pooled z quantile has 10 (`Benchmarks/backtest_diagnosis.py`).
    /// κ = 100 gives a level with n_ℓ days the weight n_ℓ / (n_ℓ + 100): 0.43 on the DAX, about
    /// 0.67 on the S&P 500's 200-day levels, so the calm-market heavier tails the level priors were
    /// made for (BENCHMARKS.md "Model v2") keep most of their weight where the data support them.
    public static let levelShrinkage = 100.0

    /// The output prior of every volatility level of a v2 model, each shrunk towards the pooled one:
    ///
    /// ```
    /// p̂_ℓ  = logProbabilities(counts_ℓ, floorWeight: floor · n_ℓ / n, preserveVariance: true)
    /// p̄    = logProbabilities(Σ_ℓ counts_ℓ, floorWeight: floor, preserveVariance: true)
    /// w_ℓ  = n_ℓ / (n_ℓ + κ)
    /// log p_ℓ = log( w_ℓ · p̂_ℓ + (1 − w_ℓ) · p̄ )          a level without days gets p̄
    /// ```
    /// A mixture of two variance-preserving priors keeps the mean and variance of the mixed
    /// counts, and its tails are at least (1 − w_ℓ) times the pooled ones.
    /// - Parameters:
    ///   - counts: `counts[ℓ][k]`, S rows of V counts (`levelCounts`); at least one positive.
    ///   - floor: total weight, in observations, of the evenly spread floor (`ScenarioModel.levelPriorFloor`).
    ///   - shrinkage: κ ≥ 0 pseudo-observations of the pooled prior per level (0: no shrinkage).
    /// - Returns: S rows of V log probabilities, each summing to one in probability.
    /// - Throws: the errors of `logProbabilities(counts:floorWeight:preserveVariance:)`;
    ///   `.invalidArgument` for a negative or non-finite κ or rows of different lengths.
    public static func levelLogProbabilities(counts: [[Int]], floor: Double,
                                             shrinkage kappa: Double = levelShrinkage) throws -> [[Double]] {
        guard kappa >= 0, kappa.isFinite else {
            throw TGFLError.invalidArgument("level prior: shrinkage κ = \(kappa) must be finite and ≥ 0")
        }
        guard let V = counts.first?.count, counts.allSatisfy({ $0.count == V }) else {
            throw TGFLError.invalidArgument("level prior: every level needs the same number of token counts")
        }
        let pooledCounts = (0..<V).map { k in counts.reduce(0) { $0 + $1[k] } }
        let n = pooledCounts.reduce(0, +)
        let pooled = try logProbabilities(counts: pooledCounts, floorWeight: floor, preserveVariance: true)
        return try counts.map { c -> [Double] in
            let m = c.reduce(0, +)
            guard m > 0 else { return pooled }
            let own = try logProbabilities(counts: c, floorWeight: floor * Double(m) / Double(n), preserveVariance: true)
            let w = Double(m) / (Double(m) + kappa)
            return zip(own, pooled).map { log(w * exp($0) + (1 - w) * exp($1)) }
        }
    }
}
