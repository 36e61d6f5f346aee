import Foundation

/// Result of a Kolmogorov–Smirnov test.
public struct KSTestResult: Sendable, Equatable {
    /// How the p-value was computed.
    public enum Method: String, Sendable, Equatable {
        /// Exact finite-sample distribution.
        case exact
        /// Large-sample approximation.
        case asymptotic
    }
    /// The statistic D (largest absolute gap between the two CDFs).
    public let statistic: Double
    /// The two-sided p-value.
    public let pValue: Double
    /// Whether `pValue` is exact or asymptotic.
    public let method: Method
}

/// Kolmogorov–Smirnov goodness-of-fit tests (two-sided), as scipy.stats computes them.
public enum KolmogorovSmirnov {

    /// Largest sample size for which `twoSample` uses the exact p-value (scipy's `MAX_AUTO_N`).
    public static let maxExactSampleSize = 10_000

    /// Two-sample KS test, two-sided, as `scipy.stats.ks_2samp(x, y, method="auto")`.
    ///
    /// ```
    /// D = max_z | F_x(z) − F_y(z) |          (ECDFs, evaluated at every pooled value; ties allowed)
    /// exact (max(m, n) ≤ 10000):  h = round(D · lcm(m, n)),  D := h / lcm,
    ///     p = P(D_{m,n} ≥ D) by lattice-path counting:
    ///       m = n:  p = 2 Σ_{j≥1} (−1)^{j−1} C(2n, n − j h)/C(2n, n)  (Horner form)
    ///       m ≠ n:  1 − p by the "inside" recursion of Hodges (1958) in Viehmann's (2021) form
    /// asymptotic:  p = kstwo.sf(D, round(m n / (m + n)))
    /// ```
    /// Ties do not change the p-value formulas (they assume continuous data), exactly as scipy.
    /// When the exact computation fails numerically the asymptotic one is used (scipy warns).
    /// O((m + n) log(m + n)) for the statistic.
    /// - Parameters:
    ///   - x: first sample (non-empty, finite).
    ///   - y: second sample (non-empty, finite).
    /// - Returns: statistic, p-value and the method used.
    /// - Throws: `StatsError` for empty or non-finite input.
    /// - Reference: `scipy.stats.ks_2samp`; Hodges (1958), Ark. Mat. 3; Viehmann (2021),
    ///   arXiv:2102.08037.
    public static func twoSample(_ x: [Double], _ y: [Double]) throws -> KSTestResult {
        try Check.finite(x, "x")
        try Check.finite(y, "y")
        let a = x.sorted(), b = y.sorted()
        var d = twoSampleStatistic(sortedX: a, sortedY: b)
        let n1 = a.count, n2 = b.count
        if max(n1, n2) <= maxExactSampleSize {
            let g = gcd(n1, n2)
            let lcm = (n1 / g) * n2
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            d = Double(h) / Double(lcm)
            if h == 0 { return KSTestResult(statistic: d, pValue: 1, method: .exact) }
            let p = n1 == n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h)
            if p >= 0, p <= 1 { return KSTestResult(statistic: d, pValue: p, method: .exact) }
        }
        let m = Double(max(n1, n2)), n = Double(min(n1, n2))
        let en = Int((m * n / (m + n)).rounded(.toNearestOrEven))
        let p = Kolmogorov.uncheckedFiniteSF(d, max(en, 1))
        return KSTestResult(statistic: d, pValue: Kolmogorov.clip(p), method: .asymptotic)
    }

    /// The two-sample statistic of two ascending arrays (no checks): one merge pass.
    ///
    /// ```
    /// D = max over pooled values z of | #{x_i ≤ z}/m − #{y_j ≤ z}/n |
    /// ```
    /// - Parameters:
    ///   - sortedX: ascending, finite, non-empty.
    ///   - sortedY: ascending, finite, non-empty.
    /// - Returns: D.
    /// - Reference: `scipy.stats.ks_2samp` (statistic part).
    public static func twoSampleStatistic(sortedX a: [Double], sortedY b: [Double]) -> Double {
        let n1 = a.count, n2 = b.count
        let f1 = Double(n1), f2 = Double(n2)
        var i = 0, j = 0
        var dMax = 0.0, dMin = 0.0
        while i < n1 || j < n2 {
            let z: Double
            if j >= n2 || (i < n1 && a[i] <= b[j]) { z = a[i] } else { z = b[j] }
            while i < n1 && a[i] <= z { i += 1 }
            while j < n2 && b[j] <= z { j += 1 }
            let diff = Double(i) / f1 - Double(j) / f2
            if diff > dMax { dMax = diff }
            if diff < dMin { dMin = diff }
        }
        return max(dMax, min(1, -dMin))
    }

    /// One-sample KS test against N(mean, standardDeviation²), two-sided, as
    /// `scipy.stats.kstest(x, "norm", args=(mean, sd))`.
    ///
    /// ```
    /// u_(i) = Φ((x_(i) − μ)/σ),  D⁺ = max_i (i/n − u_(i)),  D⁻ = max_i (u_(i) − (i−1)/n)
    /// D = max(D⁺, D⁻),  p = kstwo.sf(D, n)   (exact for every n, as scipy's method "auto")
    /// ```
    /// - Parameters:
    ///   - x: the sample (non-empty, finite).
    ///   - mean: μ (finite).
    ///   - standardDeviation: σ > 0.
    /// - Returns: statistic, exact p-value.
    /// - Throws: `StatsError` for empty or non-finite input or σ ≤ 0.
    /// - Reference: `scipy.stats.ks_1samp` / `kstest`; Simard & L'Ecuyer (2011).
    public static func oneSampleNormal(_ x: [Double], mean: Double, standardDeviation: Double) throws -> KSTestResult {
        try Normal.check(0, mean, standardDeviation)
        return try oneSample(x) { Normal.uncheckedCDF(($0 - mean) / standardDeviation) }
    }

    /// One-sample KS test against a location-scale Student-t, as
    /// `scipy.stats.kstest(x, "t", args=(df, loc, scale))`.
    ///
    /// ```
    /// u_(i) = F_ν((x_(i) − loc)/scale);  D and p as `oneSampleNormal`
    /// ```
    /// - Parameters:
    ///   - x: the sample (non-empty, finite).
    ///   - degreesOfFreedom: ν > 0.
    ///   - loc: location.
    ///   - scale: scale > 0.
    /// - Returns: statistic, exact p-value.
    /// - Throws: `StatsError` for empty or non-finite input or bad parameters.
    /// - Reference: `scipy.stats.ks_1samp`.
    public static func oneSampleStudentT(_ x: [Double], degreesOfFreedom: Double, loc: Double = 0,
                                         scale: Double = 1) throws -> KSTestResult {
        try StudentT.check(0, degreesOfFreedom, loc, scale)
        return try oneSample(x) { StudentT.uncheckedCDF(($0 - loc) / scale, degreesOfFreedom) }
    }

    /// One-sample KS test against any continuous CDF, two-sided (see `oneSampleNormal`).
    ///
    /// ```
    /// D = max_i max(i/n − F(x_(i)), F(x_(i)) − (i−1)/n),  p = kstwo.sf(D, n)
    /// ```
    /// - Parameters:
    ///   - x: the sample (non-empty, finite).
    ///   - cdf: the hypothesised CDF, non-decreasing with values in [0, 1].
    /// - Returns: statistic, exact p-value.
    /// - Throws: `StatsError` for empty or non-finite input, or a CDF value outside [0, 1].
    /// - Reference: `scipy.stats.ks_1samp`.
    public static func oneSample(_ x: [Double], cdf: (Double) -> Double) throws -> KSTestResult {
        try Check.finite(x, "x")
        let s = x.sorted()
        let n = Double(s.count)
        var dPlus = -Double.infinity, dMinus = -Double.infinity
        for (i, v) in s.enumerated() {
            let u = cdf(v)
            guard u >= 0, u <= 1 else {
                throw StatsError.invalidParameter("cdf(\(v)) = \(u) is not a probability")
            }
            dPlus = max(dPlus, Double(i + 1) / n - u)
            dMinus = max(dMinus, u - Double(i) / n)
        }
        let d = max(dPlus, dMinus)
        return KSTestResult(statistic: d, pValue: Kolmogorov.uncheckedFiniteSF(d, s.count), method: .exact)
    }

    // MARK: - Exact two-sample p-values

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// P(D_{n,n} ≥ h/n) = 2 Σ_{j≥1} (−1)^{j−1} C(2n, n − jh)/C(2n, n), evaluated as
    /// 2 A₁(1 − A₂(1 − A₃(…))) with A_j = C(2n, n − jh)/C(2n, n − (j−1)h), each a product of h ratios.
    static func probOutsideSquare(_ n: Int, _ h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var ratio = 1.0
            for j in 0..<h {
                ratio = Double(n - k * h - j) * ratio / Double(n + k * h + j + 1)
            }
            p = ratio * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// 1 − P(path stays strictly inside |x/m − y/n| < h/lcm), via the fraction of lattice paths
    /// to each (i, j) that have already left the band:
    /// B(i, j) = [i B(i−1, j) + j B(i, j−1)] / (i + j) inside the band, B = 1 outside.
    static func probOutsideBand(_ m0: Int, _ n0: Int, _ g: Int, _ h: Int) -> Double {
        let (m, n) = m0 >= n0 ? (m0, n0) : (n0, m0)
        let mg = m / g, ng = n / g
        // Column i = 0: inside for j < ceil(h / mg).
        var col = [Double](repeating: 1, count: n + 1)
        var minj = 0
        var maxj = min(ceilDiv(h, mg), n + 1)
        for j in minj..<maxj { col[j] = 0 }
        let outside: Bool = col.withUnsafeMutableBufferPointer { c in
            for i in 1...m {
                let lastMin = minj
                minj = min(max(floorDiv(ng * i - h, mg) + 1, 0), n)
                maxj = min(ceilDiv(ng * i + h, mg), n + 1)
                if maxj <= minj { return true }
                // Cells left behind by the window are outside the band.
                if lastMin < minj { for j in lastMin..<minj { c[j] = 1 } }
                var below = minj == 0 ? 0.0 : 1.0
                let fi = Double(i)
                for j in minj..<maxj {
                    let fj = Double(j)
                    below = (c[j] * fi + below * fj) / (fi + fj)
                    c[j] = below
                }
            }
            return false
        }
        if outside { return 1 }
        return col[n]
    }

    @inline(__always) static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    @inline(__always) static func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
}
