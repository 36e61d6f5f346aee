import Foundation
import TGFLStats

/// Student-t tails of the generated z (issue 12, session 14).
///
/// ```
/// day d, softmax weights w_v (the sampling's), W = Σ w_v, sampled bin k, position u' in the bin:
///   u      = (Σ_{v<k} w_v + u'·w_k) / W                the day's value of the network's CDF
///   z_lo   = the network's p-quantile of the day, z_hi its (1 − p)-quantile (uniform within bins)
///   u < p      and z_lo < 0:  z' = z_lo · Q_ν(u) / Q_ν(p)                  ν = ν_lower (`nu`)
///   u > 1 − p  and z_hi > 0:  z' = z_hi · Q_ν(1 − u) / Q_ν(p)              ν = ν_upper (`upperNu`)
///   otherwise                 z' = z
///   z' clamped to the tokenizer's range [edge_0, edge_V]
/// ```
/// Q_ν is Student's t quantile (only the ratio is used, so the scale of the t does not matter). ν of
/// each side: the tail's own from the training z, capped at the filter's
/// (`VolatilityModel.fittedZTail(probability:trainingZ:)`, session 15); checkpoints of session 14
/// carry one ν, the filter's, for both sides. Each tail keeps the network's probability p and its
/// join point; inside the tail the values follow the t's conditional tail instead of the network's
/// outer bins. No extra random draw: u comes from the day's two uniforms, so paths keep their streams.
///
/// Why (BENCHMARKS.md "The one-day shape on the short EU series (session 14)"): with z drawn
/// independently of σ, excess kurtosis of r is at least that of z, and the training z's is set by a
/// handful of days. On the DAX one day (19 Aug 1991, z = −13.5 under the filter, at a low σ) gives
/// the 1,487 training z an excess kurtosis of 21; the network samples that outer bin, more often at
/// the lowest volatility level where the day fell, and generated kurtosis came out at 21 against 6.3
/// real. The filter's t (fitted by likelihood on all training days) is the tail estimate the GARCH-t
/// baseline uses; its kurtosis passes on the three EU indices.
public struct ZTail: Equatable, Sendable {
    /// The probability p of each tail (0 < p < 0.5).
    public let probability: Double
    /// The degrees of freedom ν of the lower t tail (> 2).
    public let nu: Double
    /// The degrees of freedom ν of the upper t tail (> 2; `nu` unless given).
    public let upperNu: Double
    /// Q_ν(p) (< 0) of each side.
    let quantileP: Double, upperQuantileP: Double

    /// The default p of `DataPipelineConfig.zTailProbability`: 0.005, or `TGFL_Z_TAIL` from the
    /// environment (0 turns the tails off; otherwise a probability in (0, 0.5)).
    public static let defaultProbability: Double? = {
        guard let text = ProcessInfo.processInfo.environment["TGFL_Z_TAIL"] else { return 0.005 }
        guard let p = Double(text), p > 0, p < 0.5 else { return nil }
        return p
    }()

    /// - Parameters:
    ///   - p: the probability of each tail.
    ///   - nu: ν of the lower tail, and of the upper one when `upperNu` is nil.
    ///   - upperNu: ν of the upper tail (nil: `nu`).
    /// - Throws: `TGFLError.invalidArgument` for p outside (0, 0.5) or a ν not finite and > 2.
    public init(probability p: Double, nu: Double, upperNu: Double? = nil) throws {
        guard p.isFinite, p > 0, p < 0.5 else {
            throw TGFLError.invalidArgument("z tail probability \(p) must be in (0, 0.5)")
        }
        for v in [nu, upperNu ?? nu] where !(v.isFinite && v > 2) {
            throw TGFLError.invalidArgument("z tail degrees of freedom \(v) must be finite and > 2")
        }
        probability = p
        self.nu = nu
        self.upperNu = upperNu ?? nu
        quantileP = try StudentT.quantile(p, degreesOfFreedom: nu)
        upperQuantileP = try StudentT.quantile(p, degreesOfFreedom: self.upperNu)
    }

    /// Equality of the settings (the cached quantiles follow from them).
    public static func == (a: ZTail, b: ZTail) -> Bool {
        a.probability == b.probability && a.nu == b.nu && a.upperNu == b.upperNu
    }

    /// Q_ν(q) for a lower-tail q (floored at 1e-15; the result is clamped to the tokenizer's range).
    private static func tQuantile(_ q: Double, nu: Double, fallback: Double) -> Double {
        (try? StudentT.quantile(max(q, 1e-15), degreesOfFreedom: nu)) ?? fallback
    }

    /// The day's z after the tail (see the type).
    /// - Parameters:
    ///   - z: the value drawn in bin `k` (`edges[k] + u'·(edges[k+1] − edges[k])`).
    ///   - weights: the V softmax weights the bin was sampled from (not normalised).
    ///   - edges: the tokenizer's V + 1 bin edges.
    func apply(_ z: Double, bin k: Int, weights: UnsafePointer<Float>, edges: [Double]) -> Double {
        let V = edges.count - 1
        var total = 0.0
        for v in 0..<V { total += Double(weights[v]) }
        guard total > 0 else { return z }
        let lo = probability * total, hi = (1 - probability) * total
        var cumulative = 0.0, below = 0.0
        var zLo = Double.nan, zHi = Double.nan
        for v in 0..<V {
            let w = Double(weights[v])
            if v == k { below = cumulative }
            if w > 0 {
                if zLo.isNaN, cumulative + w > lo { zLo = edges[v] + (lo - cumulative) / w * (edges[v + 1] - edges[v]) }
                if zHi.isNaN, cumulative + w > hi { zHi = edges[v] + (hi - cumulative) / w * (edges[v + 1] - edges[v]) }
            }
            cumulative += w
        }
        let position = min(max((z - edges[k]) / (edges[k + 1] - edges[k]), 0), 1)
        let u = (below + position * Double(weights[k])) / total
        let out: Double
        if u < probability, zLo < 0 {
            out = zLo * Self.tQuantile(u, nu: nu, fallback: quantileP) / quantileP
        } else if u > 1 - probability, zHi > 0 {
            out = zHi * Self.tQuantile(1 - u, nu: upperNu, fallback: upperQuantileP) / upperQuantileP
        } else {
            return z
        }
        return min(max(out, edges[0]), edges[V])
    }
}

// MARK: - The tail's own index (issue 12, session 15)

extension ZTail {
    /// The tail fraction f of the training z whose Hill statistic sets each side's ν: 0.05.
    public static let hillFraction = 0.05
    /// The bounds of each side's ν: [3, 100].
    public static let nuBounds: ClosedRange<Double> = 3...100
    /// The fewest exceedances k = ⌊f·n⌋ per side for the tail's own ν: 20 (n ≥ 400 training z).
    public static let minimumExceedances = 20
    /// Whether new fits take each side's own ν (`tailNu`): off by default (the realism benchmark
    /// found no gain: 240 → 240 of 271 at seed 42, 147 → 145 on the 11 series it changes at seed 7);
    /// `TGFL_Z_TAIL_NU=tail` turns it on. Off: both sides take the filter's ν, session 14's rule.
    public static let ownNuByDefault: Bool = ProcessInfo.processInfo.environment["TGFL_Z_TAIL_NU"] == "tail"

    /// ν of each tail from the training z: the t whose Hill statistic at f = `hillFraction` equals
    /// the training z's, per side.
    ///
    /// ```
    /// n training z (all spans), k = ⌊0.05·n⌋
    /// H_lower = Hill statistic of −z with k (TailIndex.hill, threshold = the (k+1)-th largest −z)
    /// H_upper = Hill statistic of  z with k
    /// ν_side  = TailIndex.studentTDegreesOfFreedom(H_side, f = 0.05, bounds [3, 100])
    /// ```
    /// Why (BENCHMARKS.md "A tail index from the tail (session 15)"): the filter's ν is fitted by
    /// likelihood on the whole distribution of z, body and both tails, and the mapped tail beyond
    /// the 0.5 % quantile is lighter than the training z's own lower tail on all 18 bundled series
    /// (mean excess beyond the 0.5 % quantile), while their upper tails are lighter than the t's on
    /// most. A Hill statistic read in the t family measures each side's tail with the t's own shape
    /// between the 5 % and the far tail, so the map's ν is the tail's and not the body's.
    /// - Parameter z: the training z (finite).
    /// - Returns: (ν_lower, ν_upper), or nil with fewer than `minimumExceedances` per side or no
    ///   positive threshold on a side.
    public static func tailNu(trainingZ z: [Double]) -> (lower: Double, upper: Double)? {
        let k = Int((hillFraction * Double(z.count)).rounded(.down))
        guard k >= minimumExceedances else { return nil }
        func nu(_ tail: TailIndex.Tail) -> Double? {
            guard let h = try? TailIndex.hill(z, tail: tail, k: k) else { return nil }
            return try? TailIndex.studentTDegreesOfFreedom(hillStatistic: h.xi, fraction: hillFraction, bounds: nuBounds)
        }
        guard let lower = nu(.left), let upper = nu(.right) else { return nil }
        return (lower, upper)
    }
}

extension VolatilityModel {
    /// The t tails of unconditional generation for this filter: p, and each side's ν from the
    /// training z (`ZTail.tailNu`) but never above the filter's fitted ν, or the filter's ν on both
    /// sides when the training z are too few. Nil for innovations other than Student's t, or a
    /// filter ν ≤ 2.
    ///
    /// ```
    /// ν_side = min(ν_filter, ZTail.tailNu(z).side)        (ν_filter when tailNu is nil)
    /// ```
    /// The cap: beyond the 0.5 % quantile the training z's lower tail is heavier than the filter's
    /// t on all 18 bundled series, and heavier than the t of the 5 % Hill estimate on 15 of them
    /// (BENCHMARKS.md "A tail index from the tail (session 15)"); a tail estimate lighter than the
    /// filter's t contradicts that, so the map only ever becomes heavier than session 14's.
    /// - Parameters:
    ///   - p: the tail probability (nil: no tails).
    ///   - trainingZ: the training z under this filter (all spans).
    ///   - ownNu: each side's own ν as above (default `ZTail.ownNuByDefault`, off); false: the
    ///     filter's ν on both sides.
    public func fittedZTail(probability p: Double?, trainingZ: [Double], ownNu: Bool = ZTail.ownNuByDefault) -> ZTail? {
        guard let p, garch.specification.innovations == .studentT, let filterNu = garch.nu, filterNu > 2 else { return nil }
        guard ownNu, let own = ZTail.tailNu(trainingZ: trainingZ) else { return try? ZTail(probability: p, nu: filterNu) }
        return try? ZTail(probability: p, nu: min(own.lower, filterNu), upperNu: min(own.upper, filterNu))
    }
}
