import Foundation
import TGFLBase

/// How the clients of a round are drawn, for privacy accounting.
public enum SamplingMethod: String, Sendable, Codable {
    /// Each client joins independently with probability q (add/remove-one neighbours).
    case poisson
    /// A fixed-size subset of q·N clients without replacement (replace-one neighbours), as
    /// Flower samples; the simulation uses it with `DPConfig.sampling = .withoutReplacement`
    /// (and always without DP).
    case withoutReplacement
}

/// Rényi-DP accountant for the (subsampled) Gaussian mechanism, reporting (ε, δ).
///
/// ```
/// Poisson (Mironov, Talwar, Zhang 2019, arXiv:1908.10530):
///   RDP(α) = log A_α / (α − 1),   A_α = Σ_i C(α,i) q^i (1−q)^(α−i) exp((i² − i) / 2σ²)   (integer α;
///   the two-sided erfc series of §3.3 for fractional α)
/// Without replacement (Wang, Balle, Kasiviswanathan 2019, arXiv:1808.00087, Thm 27), with
///   linear interpolation of the CGF between integer orders.
/// q = 1:  RDP(α) = α / 2σ²
/// rounds compose additively;  ε(δ) = min_α RDP(α) + log1p(−1/α) − log(δ·α)/(α − 1)
///   (Canonne, Kamath, Steinke 2020, arXiv:2004.00010, Prop. 12)
/// ```
/// The orders, the formulas and the conversion follow Google's `dp_accounting.rdp.RdpAccountant`
/// (`DEFAULT_RDP_ORDERS`); tests check ε against it to 1 % over a grid.
public struct RDPAccountant: Sendable, Equatable, Codable {
    /// `1.1, 1.2, …, 10.9, 11, 12, …, 63, 128, 256, 512, 1024` (dp_accounting's default).
    public static let defaultOrders: [Double] = {
        var o: [Double] = (1...99).map { (x: Int) -> Double in 1 + Double(x) / 10 }
        o += (11...63).map { (x: Int) -> Double in Double(x) }
        o += [128, 256, 512, 1024]
        return o
    }()

    /// The Rényi orders α at which the RDP curve is evaluated.
    public let orders: [Double]
    /// Accumulated RDP at each order.
    public private(set) var rdp: [Double]

    /// - Throws: `TGFLError.outOfRange` when an order is not finite and > 1.
    public init(orders: [Double] = RDPAccountant.defaultOrders) throws {
        guard !orders.isEmpty, orders.allSatisfy({ $0 > 1 && $0.isFinite }) else {
            throw TGFLError.outOfRange("RDP orders must be non-empty, finite and > 1")
        }
        self.orders = orders
        self.rdp = [Double](repeating: 0, count: orders.count)
    }

    /// Adds `count` rounds of the sampled Gaussian mechanism.
    ///
    /// - Parameters:
    ///   - noiseMultiplier: σ ≥ 0 (noise std over the sensitivity); 0 makes ε infinite.
    ///   - samplingRate: q in [0, 1].
    ///   - method: Poisson or fixed-size without replacement.
    ///   - count: Number of rounds, ≥ 0.
    /// - Throws: `TGFLError.outOfRange` naming the bad argument.
    public mutating func compose(noiseMultiplier sigma: Double, samplingRate q: Double,
                                 method: SamplingMethod = .withoutReplacement, count: Int = 1) throws {
        let one = try RDPAccountant.rdp(noiseMultiplier: sigma, samplingRate: q, method: method, orders: orders)
        try compose(rdp: one, count: count)
    }

    /// Adds `count` times a per-round RDP curve computed by `rdp(noiseMultiplier:samplingRate:method:orders:)`
    /// for this accountant's orders.
    /// - Throws: `TGFLError.shapeMismatch` when the curve has the wrong length; `.outOfRange` for count < 0.
    public mutating func compose(rdp one: [Double], count: Int = 1) throws {
        guard count >= 0 else { throw TGFLError.outOfRange("count = \(count) must be ≥ 0") }
        guard one.count == orders.count else {
            throw TGFLError.shapeMismatch("RDP curve has \(one.count) values for \(orders.count) orders")
        }
        for i in rdp.indices { rdp[i] += Double(count) * one[i] }
    }

    /// RDP of one round of the sampled Gaussian mechanism at each order.
    ///
    /// - Parameters:
    ///   - noiseMultiplier: σ ≥ 0.
    ///   - samplingRate: q in [0, 1].
    ///   - method: Poisson or without replacement.
    ///   - orders: RDP orders (> 1).
    /// - Returns: RDP(α) per order (may be +inf).
    /// - Throws: `TGFLError.outOfRange` naming the bad argument.
    public static func rdp(noiseMultiplier sigma: Double, samplingRate q: Double, method: SamplingMethod,
                           orders: [Double] = defaultOrders) throws -> [Double] {
        guard sigma >= 0, !sigma.isNaN else { throw TGFLError.outOfRange("noise multiplier = \(sigma) must be ≥ 0") }
        guard q >= 0, q <= 1 else { throw TGFLError.outOfRange("sampling rate q = \(q) must be in [0, 1]") }
        var cache = [Int: Double]()
        return orders.map { rdpOne(q: q, sigma: sigma, alpha: $0, method: method, worCache: &cache) }
    }

    /// The smallest ε over the orders at the given δ, and the order achieving it.
    /// - Throws: `TGFLError.outOfRange` when δ is outside [0, 1].
    public func epsilon(delta: Double) throws -> (epsilon: Double, order: Double) {
        guard delta >= 0, delta <= 1 else { throw TGFLError.outOfRange("delta = \(delta) must be in [0, 1]") }
        if delta == 0 { return rdp.allSatisfy { $0 == 0 } ? (0, 0) : (.infinity, 0) }
        var best = Double.infinity, bestOrder = orders[0]
        for (a, r) in zip(orders, rdp) {
            let e: Double
            if r < 0 { e = 0 }
            else if delta * delta + expm1(-r) > 0 { e = 0 }
            else if a > 1.01 { e = r + log1p(-1 / a) - log(delta * a) / (a - 1) }
            else { e = .infinity }
            if e < best { best = e; bestOrder = a }
        }
        return (max(0, best), bestOrder)
    }

    /// ε after `rounds` identical rounds.
    public static func epsilon(noiseMultiplier: Double, samplingRate: Double, rounds: Int, delta: Double,
                               method: SamplingMethod = .withoutReplacement) throws -> Double {
        var acc = try RDPAccountant()
        try acc.compose(noiseMultiplier: noiseMultiplier, samplingRate: samplingRate, method: method, count: rounds)
        return try acc.epsilon(delta: delta).epsilon
    }

    // MARK: - RDP of one round

    static func rdpOne(q: Double, sigma: Double, alpha: Double, method: SamplingMethod, worCache: inout [Int: Double]) -> Double {
        if q == 0 { return 0 }
        if sigma == 0 { return .infinity }
        if q == 1 { return alpha / (2 * sigma * sigma) }
        switch method {
        case .poisson:
            let logA = alpha.rounded() == alpha ? logAInt(q, sigma, Int(alpha)) : logAFrac(q, sigma, alpha)
            return logA / (alpha - 1)
        case .withoutReplacement:
            func wor(_ a: Int) -> Double {
                if let v = worCache[a] { return v }
                let v = worInt(q, sigma, a); worCache[a] = v; return v
            }
            if alpha.rounded() == alpha { return wor(Int(alpha)) / (alpha - 1) }
            let lo = alpha.rounded(.down), hi = alpha.rounded(.up), t = alpha - lo
            return ((1 - t) * wor(Int(lo)) + t * wor(Int(hi))) / (alpha - 1)
        }
    }

    static func logAdd(_ x: Double, _ y: Double) -> Double {
        let a = min(x, y), b = max(x, y)
        if a == -.infinity { return b }
        return log1p(exp(a - b)) + b
    }

    /// log|e^x − e^y| and whether e^x ≥ e^y.
    static func logSubSign(_ x: Double, _ y: Double) -> (Bool, Double) {
        if x > y { return (true, x + log1p(-exp(y - x))) }
        if x < y { return (false, y + log1p(-exp(x - y))) }
        return (true, -.infinity)
    }

    static func logComb(_ n: Double, _ k: Double) -> Double {
        lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
    }

    static func logAInt(_ q: Double, _ sigma: Double, _ alpha: Int) -> Double {
        var logA = -Double.infinity
        let l1mq = log1p(-q), lq = log(q)
        for i in 0...alpha {
            let di = Double(i)
            let c = logComb(Double(alpha), di) + di * lq + Double(alpha - i) * l1mq
            logA = logAdd(logA, c + (di * di - di) / (2 * sigma * sigma))
        }
        return logA
    }

    /// log(erfc(x)), accurate in the far tail.
    static func logErfc(_ x: Double) -> Double {
        let r = erfc(x)
        if r > 1e-300 { return log(r) }
        let x2 = x * x
        return -log(Double.pi) / 2 - log(x) - x2 - 0.5 / x2 + 0.625 / (x2 * x2)
            - 37.0 / 24.0 / (x2 * x2 * x2) + 353.0 / 64.0 / (x2 * x2 * x2 * x2)
    }

    static func logAFrac(_ q: Double, _ sigma: Double, _ alpha: Double) -> Double {
        var logA0 = -Double.infinity, logA1 = -Double.infinity
        let z0 = sigma * sigma * log(1 / q - 1) + 0.5
        let l1mq = log1p(-q), lq = log(q)
        var last0 = -Double.infinity, last1 = -Double.infinity
        for i in 0..<1000 {
            let di = Double(i)
            let c = logComb(alpha, di)
            let j = alpha - di
            let t0 = c + di * lq + j * l1mq
            let t1 = c + j * lq + di * l1mq
            let e0 = log(0.5) + logErfc((di - z0) / (2.0.squareRoot() * sigma))
            let e1 = log(0.5) + logErfc((z0 - j) / (2.0.squareRoot() * sigma))
            let s0 = t0 + (di * di - di) / (2 * sigma * sigma) + e0
            let s1 = t1 + (j * j - j) / (2 * sigma * sigma) + e1
            logA0 = logAdd(logA0, s0)
            logA1 = logAdd(logA1, s1)
            let total = logAdd(logA0, logA1)
            if s0 < last0, s1 < last1, max(s0, s1) < total - 30 { return total }
            last0 = s0; last1 = s1
        }
        return .infinity   // did not converge: the order is excluded (ε picks another)
    }

    /// log A_α for sampling without replacement, integer α (Wang et al. Thm 27).
    static func worInt(_ q: Double, _ sigma: Double, _ alpha: Int) -> Double {
        if alpha <= 1 { return 0 }
        let s2 = sigma * sigma
        func cgf(_ x: Double) -> Double { x * (x + 1) / (2 * s2) }
        func fn(_ x: Double) -> Double { x / (2 * s2) }
        let lq = log(q)
        var logA = 0.0
        let logF2m1 = fn(2) + log1p(-exp(-fn(2)))
        let first = 2 * lq + logComb(Double(alpha), 2) + min(log(4) + logF2m1, fn(2) + log(2))
        if alpha <= 256 {
            let deltas = forwardDiffs(cgf, alpha)
            for i in 2...alpha {
                var s: Double
                if i == 2 { s = first } else {
                    let lo = deltas[2 * (i / 2) - 1]
                    let hi = deltas[2 * ((i + 1) / 2) - 1]
                    s = min(log(4) + 0.5 * (lo + hi), log(2) + cgf(Double(i - 1)))
                    s += Double(i) * lq + logComb(Double(alpha), Double(i))
                }
                logA = logAdd(logA, s)
            }
        } else {
            for i in 2...alpha {
                let s = i == 2 ? first
                    : log(2) + cgf(Double(i - 1)) + Double(i) * lq + logComb(Double(alpha), Double(i))
                logA = logAdd(logA, s)
            }
        }
        return logA
    }

    /// Log-magnitudes of the forward differences of exp(f) at 0 (dp_accounting `_get_forward_diffs`).
    static func forwardDiffs(_ f: (Double) -> Double, _ n: Int) -> [Double] {
        var vec = [Double](repeating: 0, count: n + 3)
        var signs = [Bool](repeating: true, count: n + 3)
        var deltas = [Double](repeating: 0, count: n + 2)
        for i in 1..<(n + 3) { vec[i] = f(Double(i - 1)) }
        for i in 0..<(n + 2) {
            let m = n + 2 - i
            for j in 0..<m {
                if signs[j] == signs[j + 1] {
                    let (s, mag) = logSubSign(vec[j + 1], vec[j])
                    signs[j] = signs[j + 1] ? s : !s
                    vec[j] = mag
                } else {
                    vec[j] = logAdd(vec[j], vec[j + 1])
                    signs[j] = signs[j + 1]
                }
            }
            deltas[i] = vec[0]
        }
        return deltas
    }
}
