extension Distances {
    /// The Wasserstein-1 (earth mover's) distance between the empirical distributions of
    /// two samples.
    ///
    /// ```
    /// W₁(u, v) = ∫ |F_u(x) − F_v(x)| dx
    ///          = Σ_k |F_u(z_k) − F_v(z_k)| · (z_{k+1} − z_k)
    /// ```
    /// where `z` is the pooled sample sorted and `F` are the right-continuous empirical CDFs.
    /// Exactly `scipy.stats.wasserstein_distance(u, v)` (unweighted).
    ///
    /// - Parameters:
    ///   - u: first sample (e.g. real returns).
    ///   - v: second sample (e.g. synthetic returns).
    /// - Returns: W₁ ≥ 0, in the units of the samples.
    /// - Throws: `StatsError.emptyInput` or `.nonFinite` naming the bad argument.
    public static func wasserstein1(_ u: [Double], _ v: [Double]) throws -> Double {
        try Check.finite(u, "u"); try Check.finite(v, "v")
        return cdfDistances(sortedU: u.sorted(), sortedV: v.sorted()).wasserstein1
    }

    /// The energy distance between the empirical distributions of two samples.
    ///
    /// ```
    /// D(u, v) = √(2 E|X−Y| − E|X−X'| − E|Y−Y'|) = √2 · √( ∫ (F_u(x) − F_v(x))² dx )
    /// ```
    /// (Székely & Rizzo 2013; the CDF form is the one-dimensional identity). Exactly
    /// `scipy.stats.energy_distance(u, v)` (unweighted).
    ///
    /// - Parameters:
    ///   - u: first sample.
    ///   - v: second sample.
    /// - Returns: the energy distance ≥ 0.
    /// - Throws: `StatsError.emptyInput` or `.nonFinite` naming the bad argument.
    public static func energy(_ u: [Double], _ v: [Double]) throws -> Double {
        try Check.finite(u, "u"); try Check.finite(v, "v")
        return cdfDistances(sortedU: u.sorted(), sortedV: v.sorted()).energy
    }

    /// Both CDF distances in one merge of two sorted samples. Walks the pooled order
    /// (ties taken from `u` first); after each step the CDF gap times the gap to the next
    /// pooled value is added, as in scipy's `_cdf_distance`.
    static func cdfDistances(sortedU u: [Double], sortedV v: [Double]) -> (wasserstein1: Double, energy: Double) {
        let n = u.count, m = v.count
        let invN = 1.0 / Double(n), invM = 1.0 / Double(m)
        var i = 0, j = 0
        var w1 = 0.0, sq = 0.0
        u.withUnsafeBufferPointer { u in
            v.withUnsafeBufferPointer { v in
                // Current pooled value.
                var x: Double
                if u[0] <= v[0] { x = u[0]; i = 1 } else { x = v[0]; j = 1 }
                while i < n || j < m {
                    let next: Double
                    let takeU = j >= m || (i < n && u[i] <= v[j])
                    next = takeU ? u[i] : v[j]
                    let gap = abs(Double(i) * invN - Double(j) * invM)
                    let delta = next - x
                    w1 += gap * delta
                    sq += gap * gap * delta
                    if takeU { i += 1 } else { j += 1 }
                    x = next
                }
            }
        }
        return (w1, (2 * sq).squareRoot())
    }
}
