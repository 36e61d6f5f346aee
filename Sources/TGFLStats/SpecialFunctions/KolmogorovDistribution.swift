import Foundation

/// Distributions of the Kolmogorov–Smirnov statistic: the limiting Kolmogorov distribution,
/// the exact finite-n two-sided distribution (scipy's `kstwo`) and the one-sided Smirnov
/// distribution.
public enum Kolmogorov {

    /// Survival function of the limiting Kolmogorov distribution (of √n·D_n as n → ∞).
    ///
    /// ```
    /// K̄(x) = 2 Σ_{k≥1} (−1)^{k−1} exp(−2 k² x²)                          (x > 0.82)
    /// K̄(x) = 1 − (√(2π)/x) Σ_{k≥1} exp(−(2k−1)² π² / (8 x²))              (x ≤ 0.82)
    /// ```
    /// - Parameter x: the point (x ≤ 0 gives 1, +∞ gives 0).
    /// - Returns: P(K > x); relative error ~1e-15 in the upper tail.
    /// - Throws: `StatsError.invalidParameter` for NaN.
    /// - Reference: `scipy.special.kolmogorov`, `scipy.stats.kstwobign.sf`; Kolmogorov (1933).
    public static func limitSF(_ x: Double) throws -> Double {
        guard !x.isNaN else { throw StatsError.invalidParameter("x is NaN") }
        return uncheckedLimit(x).sf
    }

    /// Inverse of `limitSF`: x with K̄(x) = p.
    ///
    /// ```
    /// solve K̄(x) = p  (safeguarded Newton, start from p ≈ 2 exp(−2x²))
    /// ```
    /// - Parameter p: probability in (0, 1).
    /// - Returns: x.
    /// - Throws: `StatsError.invalidParameter` for p outside (0, 1).
    /// - Reference: `scipy.special.kolmogi`.
    public static func limitInverseSF(_ p: Double) throws -> Double {
        try Check.probability(p, "p")
        let start = p < 0.5 ? (-0.5 * log(p / 2)).squareRoot() : 0.8
        // Increasing objective: p − K̄(x) (use the CDF side when p is near 1 for accuracy).
        return SpecialFunctions.safeguardedNewton(start: start, lower: 0, upper: .infinity, tolerance: 1e-15) { x in
            let v = uncheckedLimit(x)
            let value = p > 0.5 ? v.cdf - (1 - p) : p - v.sf
            return (value, v.pdf)
        }
    }

    /// Survival function of the exact two-sided one-sample statistic D_n (scipy's `kstwo.sf`).
    ///
    /// ```
    /// D_n = sup_x |F_n(x) − F(x)|,   returns P(D_n ≥ d)
    /// ```
    /// Method by region, following Simard & L'Ecuyer (2011) as scipy does (t = n d):
    /// - t ≤ ½: 1; t ≤ 1: Ruben–Gambino 1 − n! (2t − 1)^n / n^n; t ≥ n − 1: 2 (1 − d)^n;
    /// - d ≥ ½: 2 · Smirnov(n, d) (exact, the one-sided events are disjoint);
    /// - n ≤ 140: n d² ≤ 4 → Durbin matrix (Marsaglia–Tsang–Wang); otherwise 2 · Smirnov;
    /// - n > 140: n d² ≥ 370 → 0; n d² ≥ 2.2 → 2 · Smirnov; otherwise 1 − CDF with the CDF from
    ///   the Durbin matrix when n ≤ 100000 and n d^{3/2} ≤ 1.4, else the Pelz–Good expansion.
    /// scipy uses Pomeranz's recursion for 0.754693 < n d² ≤ 4, n ≤ 140; the Durbin matrix used
    /// here is exact there too, so the two agree to rounding.
    /// - Parameters:
    ///   - d: the statistic in [0, 1].
    ///   - n: sample size ≥ 1.
    /// - Returns: P(D_n ≥ d) in [0, 1]; relative error ~1e-10 (see tests).
    /// - Throws: `StatsError.invalidParameter` for NaN d or n < 1.
    /// - Reference: `scipy.stats.kstwo.sf`; Durbin (1968); Marsaglia, Tsang & Wang (2003),
    ///   J. Stat. Softw. 8(18); Pelz & Good (1976), JRSS B 38(2); Simard & L'Ecuyer (2011),
    ///   J. Stat. Softw. 39(11).
    public static func finiteSF(_ d: Double, sampleSize n: Int) throws -> Double {
        guard !d.isNaN else { throw StatsError.invalidParameter("d is NaN") }
        guard n >= 1 else { throw StatsError.invalidParameter("sampleSize must be ≥ 1, got \(n)") }
        return uncheckedFiniteSF(d, n)
    }

    /// Survival function of the one-sided statistic D_n⁺ = sup (F_n − F) (Smirnov's distribution).
    ///
    /// ```
    /// P(D_n⁺ ≥ d) = d Σ_{j=0}^{⌊n(1−d)⌋} C(n, j) (d + j/n)^{j−1} (1 − d − j/n)^{n−j}
    /// ```
    /// Terms summed in log space (all positive: no cancellation).
    /// - Parameters:
    ///   - d: the statistic in [0, 1].
    ///   - n: sample size ≥ 1.
    /// - Returns: P(D_n⁺ ≥ d); relative error ~1e-11 for n ≤ 1e5.
    /// - Throws: `StatsError.invalidParameter` for NaN d or n < 1.
    /// - Reference: `scipy.special.smirnov`; Birnbaum & Tingey (1951), Ann. Math. Statist. 22.
    public static func oneSidedSF(_ d: Double, sampleSize n: Int) throws -> Double {
        guard !d.isNaN else { throw StatsError.invalidParameter("d is NaN") }
        guard n >= 1 else { throw StatsError.invalidParameter("sampleSize must be ≥ 1, got \(n)") }
        return uncheckedSmirnov(n, d)
    }

    // MARK: - Limit distribution

    struct ThreeProbs { var sf: Double; var cdf: Double; var pdf: Double }

    static func uncheckedLimit(_ x: Double) -> ThreeProbs {
        if x <= 0.040611972203751713 { return ThreeProbs(sf: 1, cdf: 0, pdf: 0) }
        if x.isInfinite { return ThreeProbs(sf: 0, cdf: 1, pdf: 0) }
        let pi2 = Double.pi * Double.pi
        if x <= 0.82 {
            // cdf = w Σ u^{(2k−1)²}, u = exp(−π²/(8x²)), w = √(2π)/x; pdf by differentiation.
            let w = (2 * Double.pi).squareRoot() / x
            var cdf = 0.0, dsum = 0.0
            for k in 1...6 {
                let m = Double(2 * k - 1)
                let e = exp(-m * m * pi2 / (8 * x * x))
                cdf += e
                dsum += e * (m * m * pi2 / (4 * x * x) - 1)
            }
            cdf *= w
            let pdf = max(0, w * dsum / x)
            let c = min(1, max(0, cdf))
            return ThreeProbs(sf: 1 - c, cdf: c, pdf: pdf)
        }
        // sf = 2 Σ (−1)^{k−1} exp(−2k²x²); pdf = 8x Σ (−1)^{k−1} k² exp(−2k²x²).
        var sf = 0.0, pdf = 0.0
        var sign = 1.0
        for k in 1...8 {
            let kk = Double(k * k)
            let e = exp(-2 * kk * x * x)
            sf += sign * e
            pdf += sign * kk * e
            sign = -sign
        }
        sf = min(1, max(0, 2 * sf))
        return ThreeProbs(sf: sf, cdf: 1 - sf, pdf: max(0, 8 * x * pdf))
    }

    // MARK: - Finite n (kstwo)

    static func uncheckedFiniteSF(_ d: Double, _ n: Int) -> Double {
        if d >= 1 { return 0 }
        if d <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * d
        if t <= 1 {
            if t <= 0.5 { return 1 }
            // n! / n^n (2t − 1)^n
            let cdf: Double
            if n <= 140 {
                var p = 1.0
                for i in 1...n { p *= Double(i) / nd * (2 * t - 1) }
                cdf = p
            } else {
                cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= nd - 1 { return clip(2 * pow(1 - d, nd)) }
        if d >= 0.5 { return clip(2 * uncheckedSmirnov(n, d)) }
        let nxx = t * d
        if n <= 140 {
            if nxx <= 4 { return clip(1 - durbinCDF(n, d)) }
            return clip(2 * uncheckedSmirnov(n, d))
        }
        if nxx >= 370 { return 0 }
        if nxx >= 2.2 { return clip(2 * uncheckedSmirnov(n, d)) }
        let cdf: Double
        if nxx >= 18 {
            cdf = 1
        } else if n <= 100_000, nd * pow(d, 1.5) <= 1.4 {
            cdf = durbinCDF(n, d)
        } else {
            cdf = pelzGoodCDF(n, d)
        }
        return clip(1 - cdf)
    }

    @inline(__always) static func clip(_ p: Double) -> Double { min(1, max(0, p)) }

    /// ln(n! / n^n) by Stirling's series with n ln n removed up front.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let x = Double(n)
        // Stirling: ln n! = n ln n − n + ½ ln(2πn) + Σ B_{2j} / (2j (2j − 1) n^{2j−1})
        let r = 1 / x, r2 = r * r
        let series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680
            + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156 - r2 * 3617.0 / 122400)))))))
        return 0.5 * log(x) - x + 0.5 * log(2 * Double.pi) + series
    }

    /// P(D_n < d) by Durbin's matrix: with d = (k − h)/n, m = 2k − 1,
    /// P = n!/n^n · (H^n)_{k,k}, H the m × m matrix of Marsaglia, Tsang & Wang (2003).
    static func durbinCDF(_ n: Int, _ d: Double) -> Double {
        let nd = Double(n) * d
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        // Build H (row-major m × m).
        var H = [Double](repeating: 0, count: m * m)
        var invFact = [Double](repeating: 1, count: m + 1)   // 1/j!
        for j in 1...m { invFact[j] = invFact[j - 1] / Double(j) }
        for r in 0..<m {
            for c in 1..<m where r - c + 1 >= 0 { H[r * m + c] = invFact[r - c + 1] }
        }
        for j in 0..<m {
            let v = (1 - pow(h, Double(j + 1))) * invFact[j + 1]
            H[j * m] = v                  // first column
            H[(m - 1) * m + (m - 1 - j)] = v   // last row, reversed
        }
        let corner = 1 - 2 * pow(h, Double(m)) + pow(max(0, 2 * h - 1), Double(m))
        H[(m - 1) * m] = corner * invFact[m]
        // H^n by squaring, with power-of-two rescaling of the running square.
        let scale = 0x1p128, invScale = 0x1p-128
        var result = [Double](repeating: 0, count: m * m)
        for i in 0..<m { result[i * m + i] = 1 }
        var resultExponent = 0, squareExponent = 0
        var power = n
        var scratch = [Double](repeating: 0, count: m * m)
        while power > 0 {
            if power & 1 == 1 {
                multiply(result, H, into: &scratch, m)
                swap(&result, &scratch)
                resultExponent += squareExponent
            }
            power >>= 1
            if power == 0 { break }
            multiply(H, H, into: &scratch, m)
            swap(&H, &scratch)
            squareExponent *= 2
            if abs(H[(k - 1) * m + (k - 1)]) > scale {
                for i in H.indices { H[i] *= invScale }
                squareExponent += 128
            }
        }
        var p = result[(k - 1) * m + (k - 1)]
        var exponent = resultExponent
        let nn = Double(n)
        for i in 1...n {
            p = Double(i) * p / nn
            if abs(p) < invScale { p *= scale; exponent -= 128 }
        }
        return clip(scalbn(p, exponent))
    }

    static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], _ m: Int) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<(m * m) { pc[i] = 0 }
                    for i in 0..<m {
                        for l in 0..<m {
                            let ail = pa[i * m + l]
                            if ail == 0 { continue }
                            for j in 0..<m { pc[i * m + j] += ail * pb[l * m + j] }
                        }
                    }
                }
            }
        }
    }

    /// Pelz–Good (1976) asymptotic expansion of P(D_n ≤ d) in powers of n^{−1/2}, in the
    /// Jacobi-theta form suited to small z = d √n:
    /// ```
    /// P ≈ K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^{3/2}
    /// ```
    static func pelzGoodCDF(_ n: Int, _ d: Double) -> Double {
        let nn = Double(n)
        let z = nn.squareRoot() * d
        let pi2 = Double.pi * Double.pi, pi4 = pi2 * pi2, pi6 = pi4 * pi2
        let z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2
        let qlog = -pi2 / 8 / z2
        if qlog < -708 { return 0 }
        let q = exp(qlog)
        let k1a = -z2, k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4
        // Σ over odd m = 2k − 1 of c(m) q^{m²}, written as q Σ c q^{m² − 1} (Horner in q^{8k}).
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        if maxk >= 1 {
            for k in stride(from: maxk, through: 1, by: -1) {
                let m = Double(2 * k - 1)
                let m2 = m * m, m4 = m2 * m2, m6 = m4 * m2
                let qp = pow(q, 8 * Double(k))
                s0 = s0 * qp + 1
                s1 = s1 * qp + (k1a + k1b * m2)
                s2 = s2 * qp + (k2a + k2b * m2 + k2c * m4)
                s3 = s3 * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
            }
        }
        let front = q * (2 * Double.pi).squareRoot()
        var K0 = s0 * front / z
        var K1 = s1 * front / (6 * z4)
        var K2 = s2 * front / (72 * z6 * z)
        var K3 = s3 * front / (6480 * z4 * z6)
        // Extra sums over all integers k ≥ 1 for K₂ and K₃ with q' = exp(−π²/(2z²)).
        let qq = exp(-pi2 / 2 / z2)
        var e2 = 0.0, e3 = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxk >= 1 {
            for k in 1...maxk {
                let kk = Double(k * k)
                let w = pow(qq, kk)
                e2 += kk * w
                let kpi = Double.pi * Double(k)
                e3 += (sqrt3z + kpi) * (sqrt3z - kpi) * kk * w
            }
        }
        K2 += e2 * pi2 * (2 * Double.pi).squareRoot() / (-36 * z3)
        K3 += e3 * pi2 * (2 * Double.pi).squareRoot() / (216 * z6)
        K1 /= nn.squareRoot()
        K2 /= nn
        K3 /= nn * nn.squareRoot()
        K0 += K1 + K2 + K3
        return K0
    }

    // MARK: - One-sided (Smirnov)

    static func uncheckedSmirnov(_ n: Int, _ d: Double) -> Double {
        if d <= 0 { return 1 }
        if d >= 1 { return 0 }
        let nn = Double(n)
        let upper = nn * (1 - d)
        var jMax = Int(upper.rounded(.down))
        if jMax > n { jMax = n }
        let logN1: Double = lgamma(nn + 1)
        let logD = log(d)
        var maxLog = -Double.infinity
        var logs = [Double]()
        logs.reserveCapacity(jMax + 1)
        for j in 0...jMax {
            let jj = Double(j)
            let rest = (upper - jj) / nn                     // 1 − d − j/n
            let lt: Double
            if j == n {
                lt = logD + (jj - 1) * log(d + jj / nn)     // (1 − d − 1)^0 = 1; j = n needs d = 0
            } else if rest <= 0 {
                lt = -.infinity
            } else {
                let lc: Double = logN1 - lgamma(jj + 1) - lgamma(nn - jj + 1)
                lt = lc + logD + (jj - 1) * log(d + jj / nn) + (nn - jj) * log(rest)
            }
            logs.append(lt)
            if lt > maxLog { maxLog = lt }
        }
        if maxLog == -.infinity { return 0 }
        var s = 0.0
        for lt in logs { s += exp(lt - maxLog) }
        return clip(exp(maxLog + log(s)))
    }
}
