import Foundation

/// The sign→size dependence of the training z that the volatility filter leaves in them,
/// applied to the generated z of unconditional generation (issue 12, session 12).
///
/// ```
/// z_t   = ε_t / σ_t       the fitted filter's standardized residuals of each training span
/// cell_t = Σ_{j<K} 2^j · 1[z_{t−1−j} ≥ 0]      the signs of the K previous z (K = lags, 1 or 2)
/// a_i   = mean |z_t| over the days t ≥ K of a span in cell i,  a = mean over all of them,
/// p_i   = their share,  k_i = a_i / a,  c_i = k_i / √(Σ_i p_i k_i²)        (so Σ p_i c_i² = 1)
/// generation: z_d ← c_{cell_d} · z_d  (cell_d from the path's own previous generated z; the
///             first K days of a path are not scaled)
/// ```
/// With K = 1, `c = [c_−, c_+]`: the factor after a negative and after a non-negative z.
/// Why: the network's z lack the training z's own leverage (session 11, NYSE: corr(z_t,
/// z²_{t+1}) −0.075 in the training z, +0.007 in the generated z); at the step model selection
/// keeps, its predicted E[z²_{t+1}] does not depend on the sign of z_t (session 12). The scale
/// uses mean |z| (less noisy than mean z² on heavy tails) and is normalised so that the training
/// days' mean c² is 1, so the long-run variance moves little (the calibration of ω runs after).
public struct ZSignScales: Equatable, Sendable {
    /// K: how many previous z's signs choose the factor (1 ... `maximumLags`).
    public let lags: Int
    /// c_i, i = Σ_j 2^j · 1[z_{t−1−j} ≥ 0] (`2^lags` factors).
    public let factors: [Double]

    /// The largest K (16 cells).
    public static let maximumLags = 4
    /// Fewest training days in each cell for `fit` to give scales.
    public static let minimumPerCell = 100

    /// - Throws: `TGFLError.invalidArgument` unless there are 2, 4, 8 or 16 factors, all finite and > 0.
    public init(factors: [Double]) throws {
        let lags = factors.count.trailingZeroBitCount
        guard factors.count >= 2, factors.count == 1 << lags, lags <= Self.maximumLags else {
            throw TGFLError.invalidArgument(
                "z sign scales: \(factors.count) factors; need 2^K for K = 1 … \(Self.maximumLags) previous signs")
        }
        if let i = factors.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw TGFLError.invalidArgument("z sign scales: factor[\(i)] = \(factors[i]) must be finite and > 0")
        }
        self.lags = lags; self.factors = factors
    }

    /// The scales of the training residuals (see the type): cells from each span's own previous
    /// days (never across spans); nil when a cell has fewer than `minimumPerCell` days or every
    /// residual is zero.
    public static func fit(residuals spans: [[Double]], lags: Int) -> ZSignScales? {
        guard (1...maximumLags).contains(lags) else { return nil }
        var sum = [Double](repeating: 0, count: 1 << lags), count = [Int](repeating: 0, count: 1 << lags)
        for z in spans where z.count > lags {
            for t in lags..<z.count where (t - lags...t).allSatisfy({ z[$0].isFinite }) {
                let i = cell(lags) { z[t - 1 - $0] }
                sum[i] += abs(z[t])
                count[i] += 1
            }
        }
        guard count.allSatisfy({ $0 >= minimumPerCell }) else { return nil }
        let n = Double(count.reduce(0, +))
        let a = sum.reduce(0, +) / n
        guard a > 0 else { return nil }
        let k = sum.indices.map { sum[$0] / Double(count[$0]) / a }
        let norm = (k.indices.reduce(0.0) { $0 + Double(count[$1]) * k[$1] * k[$1] } / n).squareRoot()
        return try? ZSignScales(factors: k.map { $0 / norm })
    }

    /// The cell of the `lags` previous z, `previous(j)` being z_{t−1−j}.
    @inline(__always)
    static func cell(_ lags: Int, _ previous: (Int) -> Double) -> Int {
        var i = 0
        for j in 0..<lags where previous(j) >= 0 { i |= 1 << j }
        return i
    }

    /// E[c^power] over the cells of i.i.d. z with P(z ≥ 0) = `q`: `Σ_i π_i c_i^power`,
    /// `π_i = Π_{j<K} (q if bit j of i is set, else 1 − q)` (what the dependence matching's
    /// simulation draws, `VolatilityModel.matchDependence`).
    public func meanPower(_ power: Int, nonNegativeShare q: Double) -> Double {
        factors.indices.reduce(0.0) { sum, i in
            let p = (0..<lags).reduce(1.0) { $0 * (i & (1 << $1) != 0 ? q : 1 - q) }
            return sum + p * Foundation.pow(factors[i], Double(power))
        }
    }

    /// The factor on the next z of a path whose generated z so far end with `history` (most
    /// recent last): 1 while it holds fewer than `lags`.
    @inline(__always)
    public func factor(after history: ArraySlice<Double>) -> Double {
        guard history.count >= lags else { return 1 }
        let end = history.endIndex
        return factors[Self.cell(lags) { history[end - 1 - $0] }]
    }
}

extension VolatilityModel {
    /// The default of `DataPipelineConfig.zSignLags`: K from `TGFL_Z_SIGN_SCALES=K` (1 … 4), else 0 (off).
    public static let defaultZSignLags: Int = {
        guard let k = Int(ProcessInfo.processInfo.environment["TGFL_Z_SIGN_SCALES"] ?? ""),
              (1...ZSignScales.maximumLags).contains(k) else { return 0 }
        return k
    }()

    /// Fits `generationZSignScales` with K = `lags` on the fitted filter's residuals of the
    /// training spans (`ZSignScales.fit`); leaves them nil when a cell has too few days.
    public mutating func fitZSignScales(trainingSpans: [[Double]], lags: Int) {
        generationZSignScales = ZSignScales.fit(residuals: trainingSpans.map { garch.standardizedResiduals($0) },
                                                lags: lags)
    }
}
