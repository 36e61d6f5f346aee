import Foundation

/// Sample autocorrelation and the Ljung–Box portmanteau test.
public enum Autocorrelation {

    /// Sample autocorrelation function at lags 0…`maxLag` (lag 0 is 1).
    ///
    /// ```
    /// c_k = (1/n) Σ_{t=k}^{n−1} (x_t − x̄)(x_{t−k} − x̄)        (divisor n at every lag)
    /// ρ_k = c_k / c_0
    /// ```
    /// Direct O(n · maxLag) sums, as statsmodels' non-FFT path (the FFT option changes nothing
    /// but rounding).
    /// - Parameters:
    ///   - x: the series (finite, not constant).
    ///   - maxLag: the largest lag, 1 ≤ maxLag ≤ n − 1.
    /// - Returns: `maxLag + 1` values ρ_0 … ρ_maxLag.
    /// - Throws: `StatsError` for empty or non-finite input, a constant series, or a lag out of range.
    /// - Reference: `statsmodels.tsa.stattools.acf(x, nlags=maxLag, adjusted=False)`;
    ///   Box, Jenkins & Reinsel, *Time Series Analysis*, §2.1.
    public static func acf(_ x: [Double], maxLag: Int) throws -> [Double] {
        guard maxLag >= 1 else { throw StatsError.invalidParameter("maxLag must be ≥ 1, got \(maxLag)") }
        try Check.finite(x, "x", atLeast: maxLag + 1, for: "the ACF up to lag \(maxLag)")
        let m = Descriptive.uncheckedMean(x)
        let d = x.map { $0 - m }
        let c0 = d.withUnsafeBufferPointer { p -> Double in
            var s = 0.0
            for v in p { s += v * v }
            return s
        }
        guard c0 > 0 else {
            throw StatsError.invalidParameter("x is constant: its autocorrelation is undefined")
        }
        var out = [Double](repeating: 0, count: maxLag + 1)
        out[0] = 1
        d.withUnsafeBufferPointer { p in
            let n = p.count
            for k in 1...maxLag {
                var s = 0.0
                for t in k..<n { s += p[t] * p[t - k] }
                out[k] = s / c0
            }
        }
        return out
    }
}
