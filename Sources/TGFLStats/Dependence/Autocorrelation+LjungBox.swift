import Foundation

extension Autocorrelation {
    /// One row of the Ljung–Box test: the statistic and p-value using lags 1…`lag`.
    public struct LjungBoxResult: Sendable, Equatable {
        /// Number of autocorrelations used (h).
        public let lag: Int
        /// Q(h).
        public let statistic: Double
        /// P(χ²_{h − modelDF} > Q(h)).
        public let pValue: Double
    }

    /// Ljung–Box Q statistics and p-values for every lag h = 1…`maxLag`.
    ///
    /// ```
    /// Q(h) = n (n + 2) Σ_{k=1}^{h} ρ_k² / (n − k)
    /// p(h) = 1 − F_{χ²(h − modelDF)}(Q(h))       (NaN-free: rows with h ≤ modelDF are not returned)
    /// ```
    /// - Parameters:
    ///   - x: the series (finite, not constant).
    ///   - maxLag: the largest lag, 1 ≤ maxLag ≤ n − 1.
    ///   - modelDF: degrees of freedom used by a fitted model (0 for raw data).
    /// - Returns: one `LjungBoxResult` per lag h with h > modelDF, ascending.
    /// - Throws: `StatsError` as `acf`, or `modelDF` negative or ≥ `maxLag`.
    /// - Reference: `statsmodels.stats.diagnostic.acorr_ljungbox(x, lags=maxLag, model_df=modelDF)`;
    ///   Ljung & Box (1978), Biometrika 65(2).
    public static func ljungBox(_ x: [Double], maxLag: Int, modelDF: Int = 0) throws -> [LjungBoxResult] {
        guard modelDF >= 0, modelDF < maxLag else {
            throw StatsError.invalidParameter("modelDF must lie in 0..<maxLag (\(maxLag)), got \(modelDF)")
        }
        let rho = try acf(x, maxLag: maxLag)
        let n = Double(x.count)
        var q = 0.0
        var out: [LjungBoxResult] = []
        out.reserveCapacity(maxLag - modelDF)
        for k in 1...maxLag {
            q += rho[k] * rho[k] / (n - Double(k))
            let stat = n * (n + 2) * q
            if k > modelDF {
                out.append(LjungBoxResult(lag: k, statistic: stat,
                                          pValue: ChiSquared.uncheckedSF(stat, Double(k - modelDF))))
            }
        }
        return out
    }
}
