import Foundation

extension Distances {
    /// The default number of DY histogram bins for a real sample of size `n`:
    /// `min(50, max(5, ⌈√n⌉))`.
    public static func defaultDYBins(realCount n: Int) -> Int {
        min(50, max(5, Int(Double(n).squareRoot().rounded(.up))))
    }

    /// The Drăgulescu–Yakovenko (DY) histogram distance between real and synthetic samples.
    ///
    /// ```
    /// edges  = B equal-width bins on [min(real), max(real)]   (numpy.histogram binning)
    /// p_k    = (# real in bin k) / n_real
    /// q_k    = (# synthetic in bin k) / n_syn      (n_syn counts values outside the range too)
    /// DY     = Σ_{k : p_k > 0 and q_k > 0} | ln p_k − ln q_k |
    /// ```
    /// Empty bins (in either sample) are skipped. Comparing log densities weights the tails
    /// like the body, which is why Drăgulescu & Yakovenko fit return distributions on a log
    /// scale (Drăgulescu & Yakovenko 2002, "Probability distribution of returns in the Heston
    /// model with stochastic volatility", Quantitative Finance 2(6), 443–453); the metric in
    /// this form is the "DY metric" of Wiese, Knobloch, Korn & Kretschmer 2020, "Quant GANs:
    /// deep generation of financial time series", Quantitative Finance 20(9), §6.2:
    /// `DY(p, q) = Σ_x |log p(x) − log q(x)|` over the histogram bins.
    /// Caveat of skipping: a synthetic sample that leaves real bins empty is not penalised for
    /// them; read DY together with W₁ and the tail facts.
    ///
    /// - Parameters:
    ///   - real: the real sample (sets the bin range; needs two distinct values).
    ///   - synthetic: the synthetic sample.
    ///   - bins: number of bins `B ≥ 1`; `nil` uses `defaultDYBins(realCount:)`.
    /// - Returns: DY ≥ 0 (0 for identical histograms).
    /// - Throws: `StatsError.emptyInput`, `.nonFinite`, `.invalidParameter` (bins < 1, or a
    ///   constant real sample, whose range is empty).
    public static func dragulescuYakovenko(real: [Double], synthetic: [Double],
                                           bins: Int? = nil) throws -> Double {
        try Check.finite(real, "real"); try Check.finite(synthetic, "synthetic")
        let b = bins ?? defaultDYBins(realCount: real.count)
        guard b >= 1 else { throw StatsError.invalidParameter("DY bins must be at least 1, got \(b)") }
        let lo = real.min()!, hi = real.max()!
        guard hi > lo else {
            throw StatsError.invalidParameter(
                "real sample is constant (\(lo)); the DY histogram needs a non-empty range")
        }
        let histogram = EqualWidthHistogram(lower: lo, upper: hi, bins: b)
        let p = histogram.counts(real), q = histogram.counts(synthetic)
        let nr = Double(real.count), ns = Double(synthetic.count)
        var total = 0.0
        for k in 0..<b where p[k] > 0 && q[k] > 0 {
            total += abs(log(Double(p[k]) / nr) - log(Double(q[k]) / ns))
        }
        return total
    }
}

/// Equal-width bins on `[lower, upper]` with numpy.histogram's edge rules: edges
/// `lower + i·(upper − lower)/B` (last edge exactly `upper`), bins half-open `[e_i, e_{i+1})`
/// except the last, which is closed; values outside the range are not counted.
struct EqualWidthHistogram {
    let lower: Double, upper: Double, bins: Int
    let edges: [Double]

    init(lower: Double, upper: Double, bins: Int) {
        self.lower = lower; self.upper = upper; self.bins = bins
        let step = (upper - lower) / Double(bins)
        var e = (0...bins).map { Double($0) * step + lower }
        e[bins] = upper
        edges = e
    }

    /// The bin of `x`, or nil outside `[lower, upper]`.
    func bin(of x: Double) -> Int? {
        guard x >= lower, x <= upper else { return nil }
        var k = Int((x - lower) / (upper - lower) * Double(bins))
        if k >= bins { k = bins - 1 }
        // numpy's correction for rounding near the edges.
        if x < edges[k] { k -= 1 } else if k != bins - 1 && x >= edges[k + 1] { k += 1 }
        return k
    }

    func counts(_ x: [Double]) -> [Int] {
        var c = [Int](repeating: 0, count: bins)
        for v in x { if let k = bin(of: v) { c[k] += 1 } }
        return c
    }
}
