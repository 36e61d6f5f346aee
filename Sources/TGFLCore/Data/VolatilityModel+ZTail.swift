import Foundation
import TGFLStats

/// Student-t tails of the generated z (issue 12, session 14).
///
/// ```
/// day d, softmax weights w_v (the sampling's), W = Σ w_v, sampled bin k, position u' in the bin:
///   u      = (Σ_{v<k} w_v + u'·w_k) / W                the day's value of the network's CDF
///   z_lo   = the network's p-quantile of the day, z_hi its (1 − p)-quantile (uniform within bins)
///   u < p      and z_lo < 0:  z' = z_lo · Q_ν(u) / Q_ν(p)
///   u > 1 − p  and z_hi > 0:  z' = z_hi · Q_ν(1 − u) / Q_ν(p)
///   otherwise                 z' = z
///   z' clamped to the tokenizer's range [edge_0, edge_V]
/// ```
/// Q_ν is Student's t quantile with the filter's fitted ν (only the ratio is used, so the scale of
/// the t does not matter). Each tail keeps the network's probability p and its join point; inside the
/// tail the values follow the t's conditional tail instead of the network's outer bins. No extra
/// random draw: u comes from the day's two uniforms, so paths keep their streams.
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
    /// The degrees of freedom ν of the t tail (> 2).
    public let nu: Double
    /// Q_ν(p) (< 0).
    let quantileP: Double

    /// The default p of `DataPipelineConfig.zTailProbability`: 0.005, or `TGFL_Z_TAIL` from the
    /// environment (0 turns the tails off; otherwise a probability in (0, 0.5)).
    public static let defaultProbability: Double? = {
        guard let text = ProcessInfo.processInfo.environment["TGFL_Z_TAIL"] else { return 0.005 }
        guard let p = Double(text), p > 0, p < 0.5 else { return nil }
        return p
    }()

    /// - Throws: `TGFLError.invalidArgument` for p outside (0, 0.5) or ν not finite and > 2.
    public init(probability p: Double, nu: Double) throws {
        guard p.isFinite, p > 0, p < 0.5 else {
            throw TGFLError.invalidArgument("z tail probability \(p) must be in (0, 0.5)")
        }
        guard nu.isFinite, nu > 2 else {
            throw TGFLError.invalidArgument("z tail degrees of freedom \(nu) must be finite and > 2")
        }
        probability = p
        self.nu = nu
        quantileP = try StudentT.quantile(p, degreesOfFreedom: nu)
    }

    /// Equality of the settings (the cached quantile follows from them).
    public static func == (a: ZTail, b: ZTail) -> Bool { a.probability == b.probability && a.nu == b.nu }

    /// Q_ν(q) for a lower-tail q (floored at 1e-15; the result is clamped to the tokenizer's range).
    private func tQuantile(_ q: Double) -> Double {
        (try? StudentT.quantile(max(q, 1e-15), degreesOfFreedom: nu)) ?? quantileP
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
            out = zLo * tQuantile(u) / quantileP
        } else if u > 1 - probability, zHi > 0 {
            out = zHi * tQuantile(1 - u) / quantileP
        } else {
            return z
        }
        return min(max(out, edges[0]), edges[V])
    }
}

extension VolatilityModel {
    /// The t tails of unconditional generation for this filter: p, and the fitted ν of a Student-t
    /// filter (nil for other innovations or ν ≤ 2).
    public func fittedZTail(probability p: Double?) -> ZTail? {
        guard let p, garch.specification.innovations == .studentT, let nu = garch.nu else { return nil }
        return try? ZTail(probability: p, nu: nu)
    }
}
