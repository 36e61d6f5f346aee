import Foundation

/// The leverage effect: how today's return correlates with future squared returns
/// (negative for equities: falls raise future volatility).
public enum LeverageEffect {

    /// The leverage curve L(k) = corr(r_t, r²_{t+k}) for k = 1…`maxLag`.
    ///
    /// ```
    /// a_t = r_t, b_t = r²_{t+k},  t = 0 … n − 1 − k      (the n − k overlapping pairs)
    /// L(k) = Σ (a_t − ā)(b_t − b̄) / sqrt( Σ (a_t − ā)² · Σ (b_t − b̄)² )
    /// ```
    /// The Pearson correlation of the overlapping pairs, each mean taken over those pairs
    /// (as `numpy.corrcoef(r[:-k], r[k:]**2)`), so L(k) lies in [−1, 1] for every k.
    /// - Parameters:
    ///   - returns: the return series (finite).
    ///   - maxLag: K, with 1 ≤ K ≤ n − 2 (each correlation needs at least two pairs).
    /// - Returns: K values L(1)…L(K).
    /// - Throws: `StatsError` for empty, non-finite or too-short input, or a lag whose pairs have
    ///   zero variance (a constant stretch).
    /// - Reference: Wiese et al. (2020), "Quant GANs: deep generation of financial time series",
    ///   Quantitative Finance 20(9), §6 (leverage effect); Bouchaud et al. (2001), PRL 87.
    public static func curve(_ returns: [Double], maxLag: Int) throws -> [Double] {
        guard maxLag >= 1 else { throw StatsError.invalidParameter("maxLag must be ≥ 1, got \(maxLag)") }
        try Check.finite(returns, "returns", atLeast: maxLag + 2, for: "the leverage curve up to lag \(maxLag)")
        let n = returns.count
        let sq = returns.map { $0 * $0 }
        var out = [Double](repeating: 0, count: maxLag)
        try returns.withUnsafeBufferPointer { a in
            try sq.withUnsafeBufferPointer { b in
                for k in 1...maxLag {
                    let m = n - k
                    var sa = 0.0, sb = 0.0
                    for t in 0..<m { sa += a[t]; sb += b[t + k] }
                    let ma = sa / Double(m), mb = sb / Double(m)
                    var sab = 0.0, saa = 0.0, sbb = 0.0
                    for t in 0..<m {
                        let da = a[t] - ma, db = b[t + k] - mb
                        sab += da * db; saa += da * da; sbb += db * db
                    }
                    guard saa > 0, sbb > 0 else {
                        throw StatsError.invalidParameter(
                            "leverage at lag \(k): r_t or r²_{t+k} is constant over the overlapping pairs")
                    }
                    out[k - 1] = max(-1, min(1, sab / (saa * sbb).squareRoot()))
                }
            }
        }
        return out
    }
}
