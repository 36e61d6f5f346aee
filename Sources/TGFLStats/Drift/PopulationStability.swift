import Foundation

/// The Population Stability Index (PSI) of a new sample against a reference sample.
public enum PopulationStability {
    /// The default number of reference-quantile bins (deciles).
    public static let defaultBins = 10
    /// The default floor for empty bin shares.
    public static let defaultEpsilon = 1e-4

    /// The bin edges: the interior reference quantiles at levels i/B, i = 1 … B−1
    /// (numpy 'linear'); the outer bins are unbounded.
    ///
    /// ```
    /// e_i = Q_ref(i / B),   i = 1 … B − 1
    /// ```
    /// - Parameters:
    ///   - reference: the reference sample (finite, non-empty).
    ///   - bins: B ≥ 2.
    /// - Returns: B − 1 non-decreasing edges (repeated edges when the reference has ties).
    /// - Throws: `StatsError.emptyInput`, `.nonFinite`, `.invalidParameter` for B < 2.
    public static func edges(reference: [Double], bins: Int = defaultBins) throws -> [Double] {
        guard bins >= 2 else { throw StatsError.invalidParameter("PSI bins must be at least 2, got \(bins)") }
        try Check.finite(reference, "reference")
        return edges(sortedReference: reference.sorted(), bins: bins)
    }

    static func edges(sortedReference s: [Double], bins: Int) -> [Double] {
        (1..<bins).map { Descriptive.quantile(sorted: s, Double($0) / Double(bins)) }
    }

    /// Bin shares of `x` for the given edges: bin of x = #{ i : e_i ≤ x }
    /// (`numpy.searchsorted(edges, x, side="right")`), share = count / n.
    static func shares(_ x: [Double], edges: [Double]) -> [Double] {
        var counts = [Int](repeating: 0, count: edges.count + 1)
        for v in x {
            var lo = 0, hi = edges.count
            while lo < hi { let mid = (lo + hi) / 2; if edges[mid] <= v { lo = mid + 1 } else { hi = mid } }
            counts[lo] += 1
        }
        return counts.map { Double($0) / Double(x.count) }
    }

    /// The PSI of `new` against `reference` on reference-quantile bins.
    ///
    /// ```
    /// p_b = max(share of reference in bin b, ε),  q_b = max(share of new in bin b, ε)
    /// PSI = Σ_b (q_b − p_b) · ln(q_b / p_b)
    /// ```
    /// Bins: `edges(reference:bins:)`, a value equal to an edge going to the upper bin. Shares
    /// below ε (empty bins) are raised to ε = 1e-4 without renormalising, so an empty bin
    /// adds a large but finite term. PSI is the symmetrised Kullback–Leibler divergence
    /// (Jeffreys divergence) of the binned shares (Yurdakul 2018, "Statistical properties of
    /// population stability index", PhD thesis, Western Michigan University). Rule of thumb
    /// from credit-scorecard monitoring: PSI < 0.1 no significant shift, 0.1–0.25 moderate,
    /// > 0.25 significant (Siddiqi 2006, "Credit Risk Scorecards", Wiley, ch. 8).
    ///
    /// - Parameters:
    ///   - reference: the reference sample (e.g. the training window).
    ///   - new: the new sample.
    ///   - bins: B ≥ 2 (default 10).
    ///   - epsilon: the floor ε in (0, 1) (default 1e-4).
    /// - Returns: PSI ≥ 0.
    /// - Throws: `StatsError.emptyInput`, `.nonFinite` naming the argument,
    ///   `.invalidParameter` for B < 2 or ε outside (0, 1).
    public static func index(reference: [Double], new: [Double], bins: Int = defaultBins,
                             epsilon: Double = defaultEpsilon) throws -> Double {
        try Check.probability(epsilon, "epsilon")
        let e = try edges(reference: reference, bins: bins)
        try Check.finite(new, "new")
        return index(referenceShares: shares(reference, edges: e), newShares: shares(new, edges: e),
                     epsilon: epsilon)
    }

    static func index(referenceShares p: [Double], newShares q: [Double], epsilon: Double) -> Double {
        var total = 0.0
        for (a, b) in zip(p, q) {
            let pa = max(a, epsilon), qb = max(b, epsilon)
            total += (qb - pa) * log(qb / pa)
        }
        return total
    }
}
