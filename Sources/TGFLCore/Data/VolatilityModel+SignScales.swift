import Foundation

/// The sign→size dependence of the training z that the volatility filter leaves in them,
/// applied to the generated z of unconditional generation (issue 12, session 12).
///
/// ```
/// z_t  = ε_t / σ_t        the fitted filter's standardized residuals of each training span
/// a_±  = mean |z_{t+1}| over the pairs (z_t, z_{t+1}) of a span with z_t < 0 (−) or z_t ≥ 0 (+)
/// a    = mean |z_{t+1}| over all pairs,   p_± = the share of pairs on each side
/// k_±  = a_± / a,   c_± = k_± / √(p_− k_−² + p_+ k_+²)      (so that Σ p_± c_±² = 1)
/// generation: z_d ← c_{sign z_{d−1}} · z_d   (z_{d−1}: the path's previous generated z;
///             the first day of a path is not scaled)
/// ```
/// Why: the network's z lack the training z's own leverage (session 11, NYSE: corr(z_t,
/// z²_{t+1}) −0.075 in the training z, +0.007 in the generated z): it conditions on the volatility
/// level, which the recursion has already moved, but not on the sign of the last day. The scale
/// uses mean |z| (less noisy than mean z² on heavy tails) and is normalised so that the training
/// pairs' mean c² is 1, so the long-run variance moves little (the calibration of ω runs after).
public struct ZSignScales: Equatable, Sendable {
    /// c_−: the factor on a generated z that follows a negative one.
    public let afterNegative: Double
    /// c_+: the factor on a generated z that follows a non-negative one.
    public let afterPositive: Double

    /// Fewest pairs on each side for `fit` to give scales.
    public static let minimumPairs = 100

    /// - Throws: `TGFLError.invalidArgument` unless both factors are finite and > 0.
    public init(afterNegative: Double, afterPositive: Double) throws {
        guard afterNegative.isFinite, afterPositive.isFinite, afterNegative > 0, afterPositive > 0 else {
            throw TGFLError.invalidArgument(
                "z sign scales (\(afterNegative), \(afterPositive)) must be finite and > 0")
        }
        self.afterNegative = afterNegative; self.afterPositive = afterPositive
    }

    /// The scales of the pairs of consecutive finite residuals within each span (see the type);
    /// nil when either side has fewer than `minimumPairs` pairs or no residual is non-zero.
    public static func fit(residuals spans: [[Double]]) -> ZSignScales? {
        var sum = [0.0, 0.0], count = [0, 0]   // [negative, non-negative]
        for z in spans where z.count >= 2 {
            for t in 0..<(z.count - 1) where z[t].isFinite && z[t + 1].isFinite {
                let side = z[t] < 0 ? 0 : 1
                sum[side] += abs(z[t + 1])
                count[side] += 1
            }
        }
        guard count.allSatisfy({ $0 >= minimumPairs }) else { return nil }
        let n = Double(count[0] + count[1])
        let a = (sum[0] + sum[1]) / n
        guard a > 0 else { return nil }
        let k = (0..<2).map { sum[$0] / Double(count[$0]) / a }
        let norm = ((Double(count[0]) * k[0] * k[0] + Double(count[1]) * k[1] * k[1]) / n).squareRoot()
        return try? ZSignScales(afterNegative: k[0] / norm, afterPositive: k[1] / norm)
    }

    /// The factor on a z that follows `previous` (nil: the path's first day, 1).
    @inline(__always)
    public func factor(after previous: Double?) -> Double {
        guard let previous else { return 1 }
        return previous < 0 ? afterNegative : afterPositive
    }
}

extension VolatilityModel {
    /// The default of `DataPipelineConfig.zSignScaling`: on only when `TGFL_Z_SIGN_SCALES=1`.
    public static let defaultZSignScaling = ProcessInfo.processInfo.environment["TGFL_Z_SIGN_SCALES"] == "1"

    /// Fits `generationZSignScales` on the fitted filter's residuals of the training spans
    /// (`ZSignScales.fit`); leaves them nil when a side has too few pairs.
    public mutating func fitZSignScales(trainingSpans: [[Double]]) {
        generationZSignScales = ZSignScales.fit(residuals: trainingSpans.map { garch.standardizedResiduals($0) })
    }
}
