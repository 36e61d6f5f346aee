import TGFLRandom
import TGFLBase
import Foundation

/// Options for the maximum mean discrepancy.
public struct MMDOptions: Sendable, Codable, Equatable {
    /// At most this many values of each sample enter the statistic; a larger sample is
    /// replaced by a seeded uniform subsample without replacement (default 1,000, so the
    /// O(n²) kernel sums stay in milliseconds).
    public var maxSamplesPerSide: Int
    /// Seed of the subsample (stream 0 for `x`, stream 1 for `y`).
    public var seed: UInt64

    /// Creates MMD options; the defaults are documented on the properties.
    public init(maxSamplesPerSide: Int = 1000, seed: UInt64 = 0) {
        self.maxSamplesPerSide = maxSamplesPerSide
        self.seed = seed
    }

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case maxSamplesPerSide = "max_samples_per_side"
        case seed
    }
}

/// The result of `Distances.mmdSquared`.
public struct MMDResult: Sendable, Codable, Equatable {
    /// The unbiased estimate of MMD² (may be slightly negative when the samples agree).
    public var mmd2: Double
    /// The RBF bandwidth σ used (median heuristic).
    public var bandwidth: Double
    /// How many values of `x` and `y` entered the statistic after subsampling.
    public var xCount: Int
    /// See `xCount`.
    public var yCount: Int

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case mmd2
        case bandwidth
        case xCount = "x_count"
        case yCount = "y_count"
    }
}

extension Distances {
    /// The squared maximum mean discrepancy with a Gaussian (RBF) kernel, unbiased
    /// U-statistic, bandwidth by the median heuristic.
    ///
    /// ```
    /// k(a, b) = exp(−(a − b)² / (2σ²))
    /// σ       = median{ |z_i − z_j| : i < j },  z = x ∪ y pooled (after subsampling);
    ///           if that median is 0 (heavy ties), the median of the non-zero |z_i − z_j|;
    ///           if all values are equal, MMD² = 0.
    /// MMD²_u  = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j)
    ///           − 2/(n m) Σ_{i,j} k(x_i, y_j)
    /// ```
    /// (Gretton, Borgwardt, Rasch, Schölkopf & Smola 2012, "A kernel two-sample test",
    /// JMLR 13, eq. 3 for MMD²_u; §8 for the median heuristic.) The median is numpy's
    /// (mean of the two middle values for an even count). A sample with more than
    /// `options.maxSamplesPerSide` values is replaced by a seeded subsample (indices by a
    /// partial Fisher–Yates shuffle of `SeededRNG(seed, stream: 0 for x, 1 for y)`,
    /// then sorted), so the result is deterministic.
    ///
    /// - Parameters:
    ///   - x: first sample (at least 2 values).
    ///   - y: second sample (at least 2 values).
    ///   - options: subsample cap and seed.
    /// - Returns: MMD², the bandwidth and the sample sizes used.
    /// - Throws: `StatsError.emptyInput`, `.nonFinite`, `.tooShort` (fewer than 2 values),
    ///   `.invalidParameter` (`maxSamplesPerSide < 2`).
    public static func mmdSquared(_ x: [Double], _ y: [Double],
                                  options: MMDOptions = MMDOptions()) throws -> MMDResult {
        try Check.finite(x, "x", atLeast: 2, for: "the unbiased MMD²")
        try Check.finite(y, "y", atLeast: 2, for: "the unbiased MMD²")
        guard options.maxSamplesPerSide >= 2 else {
            throw StatsError.invalidParameter(
                "MMDOptions.maxSamplesPerSide must be at least 2, got \(options.maxSamplesPerSide)")
        }
        let cap = options.maxSamplesPerSide
        var xs = x, ys = y
        if xs.count > cap {
            var rng = SeededRNG(seed: options.seed, stream: 0)
            xs = x.picking(rng.subsampleIndices(count: cap, from: x.count))
        }
        if ys.count > cap {
            var rng = SeededRNG(seed: options.seed, stream: 1)
            ys = y.picking(rng.subsampleIndices(count: cap, from: y.count))
        }
        let sigma = medianPairwiseDistance(xs + ys, seed: options.seed)
        guard sigma > 0 else { return MMDResult(mmd2: 0, bandwidth: 0, xCount: xs.count, yCount: ys.count) }
        let gamma = 1 / (2 * sigma * sigma)
        let n = Double(xs.count), m = Double(ys.count)
        let kxx = 2 * withinSum(xs, gamma) / (n * (n - 1))
        let kyy = 2 * withinSum(ys, gamma) / (m * (m - 1))
        let kxy = crossSum(xs, ys, gamma) / (n * m)
        return MMDResult(mmd2: kxx + kyy - 2 * kxy, bandwidth: sigma, xCount: xs.count, yCount: ys.count)
    }

    /// Σ_{i<j} exp(−γ (a_i − a_j)²).
    private static func withinSum(_ a: [Double], _ gamma: Double) -> Double {
        var total = 0.0
        a.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                var s = 0.0
                let ai = p[i]
                for j in (i + 1)..<max(p.count, i + 1) {
                    let d = ai - p[j]
                    s += exp(-gamma * d * d)
                }
                total += s
            }
        }
        return total
    }

    /// Σ_{i,j} exp(−γ (a_i − b_j)²).
    private static func crossSum(_ a: [Double], _ b: [Double], _ gamma: Double) -> Double {
        var total = 0.0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                for i in 0..<pa.count {
                    var s = 0.0
                    let ai = pa[i]
                    for j in 0..<pb.count {
                        let d = ai - pb[j]
                        s += exp(-gamma * d * d)
                    }
                    total += s
                }
            }
        }
        return total
    }

    /// numpy's median of |z_i − z_j| over i < j, falling back to the median of the
    /// non-zero distances when it is 0; 0 if every distance is 0.
    static func medianPairwiseDistance(_ z: [Double], seed: UInt64) -> Double {
        let s = z.sorted()
        let n = s.count
        var d = [Double]()
        d.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) { d.append(s[j] - s[i]) }
        }
        var rng = SeededRNG(seed: seed, stream: 2)
        let med = Selection.median(&d, rng: &rng)
        if med > 0 { return med }
        var positive = d.filter { $0 > 0 }
        guard !positive.isEmpty else { return 0 }
        return Selection.median(&positive, rng: &rng)
    }
}
