import Foundation

/// Result of the k-sample Anderson–Darling test.
public struct AndersonDarlingResult: Sendable, Equatable {
    /// The standardized statistic (A²_kN − (k − 1)) / σ_N, as scipy returns it.
    public let statistic: Double
    /// Critical values at `significanceLevels`.
    public let criticalValues: [Double]
    /// The levels 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001.
    public let significanceLevels: [Double]
    /// Interpolated p-value, capped at 0.25 and floored at 0.001 as scipy does.
    public let pValue: Double
    /// scipy's warning when the p-value is capped or floored, otherwise nil.
    public let note: String?
}

/// The k-sample Anderson–Darling test (are the samples from one common distribution?).
public enum AndersonDarling {

    /// The significance levels of Scholz & Stephens' Table 2.
    public static let significanceLevels = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001]

    /// k-sample Anderson–Darling test with midranks (ties allowed), as
    /// `scipy.stats.anderson_ksamp(samples, midrank=True)`.
    ///
    /// ```
    /// z*_1 < … < z*_L distinct pooled values, l_j their multiplicity, N = Σ n_i
    /// B_j  = #{pooled < z*_j} + l_j/2,   M_ij = #{x_i ≤ z*_j} − f_ij/2
    /// A²_akN = (N − 1)/N · Σ_i (1/n_i) Σ_j (l_j/N) (N M_ij − B_j n_i)² / (B_j (N − B_j) − N l_j/4)
    /// T = (A²_akN − (k − 1)) / σ_N        (σ_N² from Scholz & Stephens eq. 4, with H, h, g)
    /// critical_s = b0_s + b1_s/√(k−1) + b2_s/(k−1)
    /// p = exp(quadratic least-squares fit of ln s on critical_s, evaluated at T)
    /// p = 0.25 if T < min critical (capped), 0.001 if T > max critical (floored)
    /// ```
    /// O(N log N + L k).
    /// - Parameter samples: k ≥ 2 samples, each non-empty and finite; the pool needs at least
    ///   two distinct values.
    /// - Returns: statistic, critical values, p-value and scipy's cap/floor note.
    /// - Throws: `StatsError` for fewer than two samples, an empty or non-finite sample, or a
    ///   pool of identical values.
    /// - Reference: `scipy.stats.anderson_ksamp`; Scholz & Stephens (1987), "K-sample
    ///   Anderson–Darling tests", JASA 82(399), eqs. 4 and 7, Table 2.
    public static func kSample(_ samples: [[Double]]) throws -> AndersonDarlingResult {
        guard samples.count >= 2 else {
            throw StatsError.invalidParameter("the Anderson–Darling k-sample test needs at least 2 samples, got \(samples.count)")
        }
        for (i, s) in samples.enumerated() { try Check.finite(s, "samples[\(i)]") }
        let k = samples.count
        let n = samples.map { Double($0.count) }
        var pooled: [(value: Double, sample: Int)] = []
        pooled.reserveCapacity(samples.reduce(0) { $0 + $1.count })
        for (i, s) in samples.enumerated() { for v in s { pooled.append((v, i)) } }
        pooled.sort { $0.value < $1.value }
        guard pooled.first!.value < pooled.last!.value else {
            throw StatsError.invalidParameter("the pooled samples hold a single distinct value; the test needs two")
        }
        let a2 = midrankStatistic(pooled, sizes: n)
        let total = pooled.count
        let sigmaSq = nullVariance(sizes: n, total: total)
        guard sigmaSq > 0, sigmaSq.isFinite else {
            throw StatsError.tooShort("the Anderson–Darling variance needs at least 4 pooled values, got \(total)")
        }
        let m = Double(k) - 1
        let t = (a2 - m) / sigmaSq.squareRoot()
        let b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085]
        let b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615]
        let b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154]
        let critical = (0..<7).map { b0[$0] + b1[$0] / m.squareRoot() + b2[$0] / m }
        let (p, note) = interpolatedPValue(t, critical: critical)
        return AndersonDarlingResult(statistic: t, criticalValues: critical, significanceLevels: significanceLevels,
                                     pValue: p, note: note)
    }

    /// A²_akN with midranks over the sorted pool (`sizes[i]` = n_i).
    private static func midrankStatistic(_ pooled: [(value: Double, sample: Int)], sizes n: [Double]) -> Double {
        let k = n.count, bigN = Double(pooled.count)
        var below = [Double](repeating: 0, count: k)   // #{x_i < z*_j}
        var inGroup = [Double](repeating: 0, count: k)
        var partial = [Double](repeating: 0, count: k)
        var start = 0
        while start < pooled.count {
            var end = start
            let z = pooled[start].value
            while end < pooled.count && pooled[end].value == z { inGroup[pooled[end].sample] += 1; end += 1 }
            let l = Double(end - start)
            let b = Double(start) + l / 2
            let denominator = b * (bigN - b) - bigN * l / 4
            for i in 0..<k {
                let mij = below[i] + inGroup[i] / 2
                let dev = bigN * mij - b * n[i]
                partial[i] += l / bigN * dev * dev / denominator
                below[i] += inGroup[i]
                inGroup[i] = 0
            }
            start = end
        }
        var a2 = 0.0
        for i in 0..<k { a2 += partial[i] / n[i] }
        return a2 * ((bigN - 1) / bigN)
    }

    /// σ_N², the variance of A²_kN under H0 (Scholz & Stephens eq. 4), with scipy's sums.
    private static func nullVariance(sizes n: [Double], total: Int) -> Double {
        let H = n.reduce(0) { $0 + 1 / $1 }
        let bigN = Double(total)
        var hsCum = 0.0, g = 0.0
        // hs_cs[t] = Σ_{i = N−1−t}^{N−1} 1/i  for t = 0 … N−3;  g = Σ_t hs_cs[t] / (t + 2)
        if total >= 3 {
            for t in 0...(total - 3) {
                hsCum += 1 / Double(total - 1 - t)
                g += hsCum / Double(t + 2)
            }
        }
        let h = hsCum + 1
        let kk = Double(n.count)
        let a = (4 * g - 6) * (kk - 1) + (10 - 6 * g) * H
        let bb = (2 * g - 4) * kk * kk + 8 * h * kk + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6
        let c = (6 * h + 2 * g - 2) * kk * kk + (4 * h - 4 * g + 6) * kk + (2 * h - 6) * H + 4 * h
        let d = (2 * h + 6) * kk * kk - 4 * h * kk
        return (a * bigN * bigN * bigN + bb * bigN * bigN + c * bigN + d) / ((bigN - 1) * (bigN - 2) * (bigN - 3))
    }

    /// scipy's p-value: interpolated on the critical values, capped at 0.25 and floored at 0.001.
    private static func interpolatedPValue(_ t: Double, critical: [Double]) -> (Double, String?) {
        let levels = significanceLevels
        if t < critical.min()! { return (levels.max()!, "p-value capped: true value larger than 0.25") }
        if t > critical.max()! { return (levels.min()!, "p-value floored: true value smaller than 0.001") }
        return (exp(quadraticFitValue(x: critical, y: levels.map { log($0) }, at: t)), nil)
    }

    /// Least-squares quadratic y ≈ c0 + c1 u + c2 u² in the centred variable u = x − x̄
    /// (the same fitted polynomial as `numpy.polyfit(x, y, 2)`, better conditioned), evaluated at `at`.
    static func quadraticFitValue(x: [Double], y: [Double], at: Double) -> Double {
        let mean = x.reduce(0, +) / Double(x.count)
        var s = [Double](repeating: 0, count: 5)   // Σ u^p, p = 0…4
        var r = [Double](repeating: 0, count: 3)   // Σ y u^p, p = 0…2
        for (xi, yi) in zip(x, y) {
            let u = xi - mean
            var up = 1.0
            for p in 0..<5 {
                s[p] += up
                if p < 3 { r[p] += yi * up }
                up *= u
            }
        }
        // Solve the 3 × 3 normal equations by Gaussian elimination with partial pivoting.
        var A = [[s[0], s[1], s[2], r[0]], [s[1], s[2], s[3], r[1]], [s[2], s[3], s[4], r[2]]]
        for col in 0..<3 {
            let piv = (col..<3).max { abs(A[$0][col]) < abs(A[$1][col]) }!
            A.swapAt(col, piv)
            for row in (col + 1)..<3 {
                let f = A[row][col] / A[col][col]
                for c in col..<4 { A[row][c] -= f * A[col][c] }
            }
        }
        var coef = [0.0, 0.0, 0.0]
        for row in stride(from: 2, through: 0, by: -1) {
            var v = A[row][3]
            for c in (row + 1)..<3 { v -= A[row][c] * coef[c] }
            coef[row] = v / A[row][row]
        }
        let u = at - mean
        return coef[0] + u * (coef[1] + u * coef[2])
    }
}
