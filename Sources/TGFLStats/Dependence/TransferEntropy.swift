import Foundation

/// Transfer entropy between two series, from quantile-binned symbols.
public enum TransferEntropy {

    /// Transfer entropy TE_{X→Y} in bits, history length 1, plug-in (empirical) probabilities.
    ///
    /// ```
    /// x_t, y_t → symbols in 0…b−1 by the series' own empirical quantiles (see `symbols`)
    /// over the n − 1 triples (y_{t+1}, y_t, x_t), t = 0 … n − 2:
    /// TE_{X→Y} = Σ p(y_{t+1}, y_t, x_t) · log₂[ p(y_{t+1} | y_t, x_t) / p(y_{t+1} | y_t) ]
    ///          = Σ p(a, b, c) · log₂[ N(a, b, c) N(b) / (N(b, c) N(a, b)) ]
    /// ```
    /// All marginal counts N(·) are taken over the same n − 1 triples, so TE ≥ 0 and
    /// TE ≤ log₂ b. O(n log n + b³).
    /// - Parameters:
    ///   - x: the source series (finite).
    ///   - y: the target series (finite, same length as `x`, at least 3 values).
    ///   - bins: b ≥ 2 quantile bins (default 3: down / flat / up days).
    /// - Returns: TE_{X→Y} in bits.
    /// - Throws: `StatsError` for empty, non-finite, mismatched or too-short input, or `bins` < 2.
    /// - Reference: Schreiber (2000), "Measuring information transfer", PRL 85(2);
    ///   Dimpfl & Peter (2013), Stud. Nonlinear Dyn. E. 17(1) (quantile binning of returns).
    public static func bits(from x: [Double], to y: [Double], bins: Int = 3) throws -> Double {
        try Check.finite(x, "x")
        try Check.finite(y, "y")
        guard x.count == y.count else {
            throw StatsError.lengthMismatch("x has \(x.count) values, y has \(y.count); pass aligned series")
        }
        try Check.finite(x, "x", atLeast: 3, for: "transfer entropy")
        guard bins >= 2 else { throw StatsError.invalidParameter("bins must be ≥ 2, got \(bins)") }
        let sx = try symbols(x, bins: bins), sy = try symbols(y, bins: bins)
        let b = bins
        var abc = [Double](repeating: 0, count: b * b * b)   // (y_{t+1}, y_t, x_t)
        for t in 0..<(x.count - 1) { abc[(sy[t + 1] * b + sy[t]) * b + sx[t]] += 1 }
        var ab = [Double](repeating: 0, count: b * b), bc = [Double](repeating: 0, count: b * b)
        var bOnly = [Double](repeating: 0, count: b)
        for a in 0..<b { for bb in 0..<b { for c in 0..<b {
            let v = abc[(a * b + bb) * b + c]
            ab[a * b + bb] += v; bc[bb * b + c] += v; bOnly[bb] += v
        } } }
        let total = Double(x.count - 1)
        var te = 0.0
        for a in 0..<b { for bb in 0..<b { for c in 0..<b {
            let v = abc[(a * b + bb) * b + c]
            if v == 0 { continue }   // 0 · log 0 = 0
            te += v / total * log2(v * bOnly[bb] / (bc[bb * b + c] * ab[a * b + bb]))
        } } }
        return max(0, te)
    }

    /// Quantile-bin symbols: s_t = #{ j ∈ 1…b−1 : e_j ≤ x_t },  e_j = Q_linear(x, j/b).
    ///
    /// ```
    /// s_t = numpy.digitize(x_t, [Q(1/b), …, Q((b−1)/b)])
    /// ```
    /// - Parameters:
    ///   - x: the series (finite, non-empty).
    ///   - bins: b ≥ 2.
    /// - Returns: symbols in 0…b−1.
    /// - Throws: `StatsError` for empty or non-finite input, or `bins` < 2.
    /// - Reference: `numpy.quantile(method="linear")` and `numpy.digitize`.
    public static func symbols(_ x: [Double], bins: Int) throws -> [Int] {
        try Check.finite(x, "x")
        guard bins >= 2 else { throw StatsError.invalidParameter("bins must be ≥ 2, got \(bins)") }
        let sorted = x.sorted()
        let edges = (1..<bins).map { Descriptive.quantile(sorted: sorted, Double($0) / Double(bins)) }
        return x.map { v in
            // number of edges ≤ v (edges ascending): binary search for the first edge > v
            var lo = 0, hi = edges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] <= v { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }
}
