import Foundation
import TGFLBase

/// Privacy-loss-distribution (PLD) accountant for the (Poisson-subsampled) Gaussian mechanism
/// under add/remove neighbours, reporting ε at a given δ.
///
/// ```
/// one round, sensitivity 1, noise std σ, rate q:
///   P = (1−q)·N(0, σ²) + q·N(1, σ²),   Q = N(0, σ²)
///   remove: δ_R(ε) = H_ε(P‖Q),  add: δ_A(ε) = H_ε(Q‖P),   H_ε(A‖B) = ∫ (A − e^ε B)₊
///   δ_R(ε) = (1−q)Φ̄(x/σ) + qΦ̄((x−1)/σ) − e^ε Φ̄(x/σ),      x = σ² ln((e^ε − 1 + q)/q) + ½
///            (= 1 − e^ε for ε ≤ ln(1−q))
///   δ_A(ε) = Φ(x'/σ) − e^ε [(1−q)Φ(x'/σ) + qΦ((x'−1)/σ)],  x' = σ² ln((e^−ε − 1 + q)/q) + ½
///            (= 0 for ε ≥ −ln(1−q))
/// discretise each direction on the grid ε_i = i·h by pessimistic connect-the-dots
///   (Doroshenko, Ghazi, Kamath, Kumar, Manurangsi 2022, arXiv:2207.04380, Alg. 1):
///   p_1 = 1 − δ_1 + (δ_2 − δ_1)/(e^h − 1)
///   p_i = ((δ_{i+1} − δ_i) − e^h (δ_i − δ_{i−1}))/(e^h − 1),   p_n = (δ_n − δ_{n−1})/(e^−h − 1)
///   p_∞ = δ_n
/// T rounds: T-fold self-convolution by FFT, truncated to the Chernoff window holding all but
///   10⁻¹⁵ of the mass (added to p_∞);  p_∞ ← 1 − (1 − p_∞)^T + 10⁻¹⁵
/// ε(δ) = max over the two directions of min{ε : p_∞ + Σ_{l_k > ε} p_k (1 − e^{ε − l_k}) ≤ δ}
/// q = 1: both directions are the Gaussian mechanism with σ/√T, computed in closed form
///   δ(ε) = Φ(−εs + 1/(2s)) − e^ε Φ(−εs − 1/(2s)),  s = σ/√T   (Balle & Wang 2018, Thm 8)
/// ```
/// The grid (h = 10⁻⁴), the truncation of the noise at total tail mass e⁻⁵⁰ and the rules
/// follow Google's `dp_accounting.pld` (`PLDAccountant`, `from_gaussian_mechanism`,
/// `create_pmf_pessimistic_connect_dots_fixed_gap`, `common.self_convolve`); tests check ε
/// against it to 1 % on a grid (Tests/Fixtures/make_pld_reference.py).
public enum PLDAccountant {
    /// Default discretisation interval h of the privacy loss (dp_accounting's default).
    public static let defaultDiscretization = 1e-4

    /// ε after `rounds` rounds of the Poisson-subsampled Gaussian mechanism (add/remove).
    ///
    /// - Parameters:
    ///   - noiseMultiplier: σ ≥ 0 (noise std over the L2 sensitivity); 0 gives +inf.
    ///   - samplingRate: q in [0, 1].
    ///   - rounds: T ≥ 0.
    ///   - delta: δ in (0, 1).
    ///   - discretization: h > 0.
    ///   - additionalGaussians: multipliers z_k of Gaussian mechanisms (q = 1) composed with the
    ///     rounds: their PMFs are convolved with the composed rounds' (at q = 1 everything is one
    ///     Gaussian with σ_eff = (T/σ² + Σ z_k⁻²)^−½, in closed form).
    /// - Returns: ε ≥ 0 (+inf when no finite ε reaches δ).
    /// - Throws: `TGFLError.outOfRange` naming the bad argument.
    public static func epsilon(noiseMultiplier sigma: Double, samplingRate q: Double, rounds: Int, delta: Double,
                               discretization h: Double = defaultDiscretization,
                               additionalGaussians: [Double] = []) throws -> Double {
        guard sigma >= 0, !sigma.isNaN else { throw TGFLError.outOfRange("noise multiplier = \(sigma) must be ≥ 0") }
        guard q >= 0, q <= 1 else { throw TGFLError.outOfRange("sampling rate q = \(q) must be in [0, 1]") }
        guard rounds >= 0 else { throw TGFLError.outOfRange("rounds = \(rounds) must be ≥ 0") }
        guard delta > 0, delta < 1 else { throw TGFLError.outOfRange("delta = \(delta) must be in (0, 1)") }
        guard h > 0, h.isFinite else { throw TGFLError.outOfRange("discretization = \(h) must be > 0") }
        let extra = additionalGaussians.filter { !($0.isInfinite) }
        if extra.contains(where: { $0 == 0 }) { return .infinity }
        let extraPrecision = extra.reduce(0.0) { $0 + 1 / ($1 * $1) }     // Σ z_k⁻²
        if rounds == 0 || q == 0 || !sigma.isFinite {
            return extra.isEmpty ? 0 : gaussianEpsilon(sigma: 1 / extraPrecision.squareRoot(), delta: delta)
        }
        if sigma == 0 { return .infinity }
        if q == 1 {
            return gaussianEpsilon(sigma: 1 / (Double(rounds) / (sigma * sigma) + extraPrecision).squareRoot(), delta: delta)
        }
        // Memory guard: when a grid (one round, or the composed window) would exceed maxBins,
        // double h — connect-the-dots stays pessimistic, so ε stays a valid, looser upper bound.
        var grid = h
        for _ in 0..<60 {
            let one = [true, false].map { gridBounds(sigma: sigma, q: q, remove: $0, h: grid).count }.max()!
            if one > maxBins { grid *= (Double(one) / Double(maxBins)).rounded(.up); continue }
            let pmfs = [true, false].map { cache.pmf(sigma: sigma, q: q, remove: $0, h: grid) }
            let window = rounds > 1 ? pmfs.map { pmf -> Int in
                let (lo, hi) = chernoffWindow(pmf.probs, times: rounds, tailMass: 1e-15)
                return hi - lo + 1
            }.max()! : 0
            if window > maxBins { grid *= (Double(window) / Double(maxBins)).rounded(.up); continue }
            var worst = 0.0
            for (pmf0, remove) in zip(pmfs, [true, false]) {
                var pmf = pmf0
                if rounds > 1 { pmf = pmf.selfComposed(rounds) }
                for z in extra { pmf = pmf.convolved(with: connectTheDots(sigma: z, q: 1, remove: remove, h: grid)) }
                worst = max(worst, pmf.epsilon(delta: delta))
            }
            return worst
        }
        return .infinity
    }

    /// Largest PLD grid (one round or composed) before h is coarsened: 2²¹ bins (≤ 64 MB of FFT buffers).
    static let maxBins = 1 << 21

    /// One-round PMFs by (σ, q, direction, h): a run asks for the same mechanism every round.
    final class PMFCache: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String: PMF] = [:]
        private var order: [String] = []

        func pmf(sigma: Double, q: Double, remove: Bool, h: Double) -> PMF {
            let key = "\(sigma.bitPattern) \(q.bitPattern) \(remove) \(h.bitPattern)"
            lock.lock()
            if let p = entries[key] { lock.unlock(); return p }
            lock.unlock()
            let p = PLDAccountant.connectTheDots(sigma: sigma, q: q, remove: remove, h: h)
            lock.lock()
            if entries[key] == nil {
                entries[key] = p
                order.append(key)
                if order.count > 8 { entries[order.removeFirst()] = nil }
            }
            lock.unlock()
            return p
        }
    }
    static let cache = PMFCache()

    // MARK: - Closed forms

    /// Φ̄(x) = P(Z > x).
    static func normalSF(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }
    /// Φ(x) = P(Z ≤ x).
    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// δ(ε) of the Gaussian mechanism with noise multiplier s (either direction).
    static func gaussianDelta(sigma s: Double, epsilon e: Double) -> Double {
        let v = normalCDF(-e * s + 1 / (2 * s)) - exp(e) * normalCDF(-e * s - 1 / (2 * s))
        return min(1, max(0, v))
    }

    /// The smallest ε ≥ 0 with δ(ε) ≤ delta for the Gaussian mechanism (bisection; δ(ε) decreases).
    static func gaussianEpsilon(sigma s: Double, delta: Double) -> Double {
        if gaussianDelta(sigma: s, epsilon: 0) <= delta { return 0 }
        var lo = 0.0, hi = 1.0
        while gaussianDelta(sigma: s, epsilon: hi) > delta {
            lo = hi; hi *= 2
            if hi > 1e6 { return .infinity }
        }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if gaussianDelta(sigma: s, epsilon: mid) > delta { lo = mid } else { hi = mid }
            if hi - lo <= 1e-13 * hi { break }
        }
        return hi
    }

    /// δ_R(ε) (remove) or δ_A(ε) (add) of one round of the Poisson-subsampled Gaussian, 0 < q < 1.
    static func subsampledDelta(sigma: Double, q: Double, epsilon e: Double, remove: Bool) -> Double {
        let s2 = sigma * sigma
        let v: Double
        if remove {
            if e <= log1p(-q) { return -expm1(e) }
            // ln((e^ε − (1−q))/q) = ε + ln(1 − (1−q)e^−ε) − ln q
            let x = s2 * (e + log1p(-(1 - q) * exp(-e)) - log(q)) + 0.5
            v = (1 - q) * normalSF(x / sigma) + q * normalSF((x - 1) / sigma) - exp(e) * normalSF(x / sigma)
        } else {
            if e >= -log1p(-q) { return 0 }
            let x = s2 * (log(exp(-e) - (1 - q)) - log(q)) + 0.5
            v = normalCDF(x / sigma) - exp(e) * ((1 - q) * normalCDF(x / sigma) + q * normalCDF((x - 1) / sigma))
        }
        return min(1, max(0, v))
    }

    /// Privacy loss ln(P/Q)(x) (remove) or ln(Q/P)(x) (add), in this file's orientation.
    static func privacyLoss(sigma: Double, q: Double, x: Double, remove: Bool) -> Double {
        let b = (2 * x - 1) / (2 * sigma * sigma)          // ln N(1,σ²)/N(0,σ²) at x
        // ln((1−q) + q e^b), stably
        let l = b > 0 ? b + log(q + (1 - q) * exp(-b)) : log1p(-q + q * exp(b))
        return remove ? l : -l
    }

    /// x with Φ(x) = p, for tiny p (bisection on erfc, accurate to the last bits).
    static func normalQuantileLow(_ p: Double) -> Double {
        var lo = -40.0, hi = 0.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if normalCDF(mid) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }

    // MARK: - Discretised PLD

    /// A dense PLD: mass `probs[k]` at loss (lower + k)·h, and `infinity` at +inf.
    struct PMF {
        var h: Double
        var lower: Int
        var probs: [Double]
        var infinity: Double

        /// T-fold composition with itself (dp_accounting `DensePLDPmf.self_compose`).
        func selfComposed(_ times: Int, tailMass: Double = 1e-15) -> PMF {
            let (lo, out) = PLDAccountant.selfConvolve(probs, times: times, tailMass: tailMass)
            let inf = tailMass - expm1(Double(times) * log1p(-infinity))
            return PMF(h: h, lower: lower * times + lo, probs: out, infinity: inf)
        }

        /// The composition with another PMF on the same grid: the full linear convolution
        /// (dp_accounting `DensePLDPmf.compose`, without its tail truncation); the masses at
        /// +inf combine as 1 − (1 − p_∞)(1 − p'_∞).
        func convolved(with other: PMF) -> PMF {
            let (_, out) = PLDAccountant.convolvePair(probs, other.probs)
            return PMF(h: h, lower: lower + other.lower, probs: out,
                       infinity: 1 - (1 - infinity) * (1 - other.infinity))
        }

        /// min{ε : δ(ε) ≤ delta} (dp_accounting `_get_epsilon_for_delta`).
        func epsilon(delta: Double) -> Double {
            if infinity > delta { return .infinity }
            var upper = infinity, lowerMass = 0.0
            var k = probs.count - 1
            while k >= 0 {
                let loss = Double(lower + k) * h
                if upper > delta, lowerMass > 0, log((upper - delta) / lowerMass) >= loss { break }
                upper += probs[k]
                lowerMass += exp(-loss) * probs[k]
                if upper >= delta, lowerMass == 0 { return max(0, loss) }
                k -= 1
            }
            if upper <= lowerMass + delta { return 0 }
            return log((upper - delta) / lowerMass)
        }
    }

    /// The pessimistic connect-the-dots PMF of one direction (dp_accounting's grid and truncation).
    /// The grid [iLow, iLow + count) of one direction (dp_accounting's connect-the-dots bounds).
    static func gridBounds(sigma: Double, q: Double, remove: Bool, h: Double) -> (iLow: Int, count: Int) {
        // Noise truncated where each Gaussian tail holds ½e⁻⁵⁰ (dp_accounting log_mass_truncation_bound).
        let t = sigma * normalQuantileLow(0.5 * exp(-50.0))       // < 0
        // In this file's orientation (mirror of dp_accounting's), x ∈ [t, −t + 1] for both directions.
        let lossAtLow = privacyLoss(sigma: sigma, q: q, x: t, remove: remove)
        let lossAtHigh = privacyLoss(sigma: sigma, q: q, x: -t + 1, remove: remove)
        let epsUpper = max(lossAtLow, lossAtHigh), epsLower = min(lossAtLow, lossAtHigh)
        let lo = (epsLower / h).rounded(.down), hi = (epsUpper / h).rounded(.up)
        guard hi - lo < Double(Int32.max) else { return (0, Int(Int32.max)) }
        return (Int(lo), Int(hi - lo) + 1)
    }

    static func connectTheDots(sigma: Double, q: Double, remove: Bool, h: Double) -> PMF {
        let (iLow, n) = gridBounds(sigma: sigma, q: q, remove: remove, h: h)
        var deltas = (0..<n).map { subsampledDelta(sigma: sigma, q: q, epsilon: Double(iLow + $0) * h, remove: remove) }
        if n == 1 { return PMF(h: h, lower: iLow, probs: [1 - deltas[0]], infinity: deltas[0]) }
        for i in 1..<n where deltas[i] > deltas[i - 1] { deltas[i] = deltas[i - 1] }   // running minimum
        var p = [Double](repeating: 0, count: n)
        let em1 = expm1(h), e = exp(h)
        p[0] = 1 - deltas[0] + (deltas[1] - deltas[0]) / em1
        if n > 2 {
            for i in 1..<(n - 1) {
                p[i] = ((deltas[i + 1] - deltas[i]) - e * (deltas[i] - deltas[i - 1])) / em1
            }
        }
        p[n - 1] = (deltas[n - 1] - deltas[n - 2]) / expm1(-h)
        for i in p.indices where p[i] < 0 { p[i] = 0 }
        return PMF(h: h, lower: iLow, probs: p, infinity: deltas[n - 1])
    }

    /// T-fold self-convolution on the Chernoff window (dp_accounting `common.self_convolve`).
    /// - Returns: The offset of the window and the masses on it.
    static func selfConvolve(_ p: [Double], times: Int, tailMass: Double) -> (Int, [Double]) {
        let (lowerBound, upperBound) = chernoffWindow(p, times: times, tailMass: tailMass)
        return convolve(p, times: times, lowerBound: lowerBound, outLen: upperBound - lowerBound + 1)
    }

    /// The index window [lower, upper] of the T-fold self-convolution outside which at most
    /// `tailMass` lies (Chernoff bounds; dp_accounting `compute_self_convolve_bounds`).
    static func chernoffWindow(_ p: [Double], times: Int, tailMass: Double) -> (Int, Int) {
        let n = p.count
        var lowerBound = 0, upperBound = (n - 1) * times
        if tailMass > 0 {
            // dp_accounting tries ±1…20 / n; a subset gives a window at most slightly wider.
            let orders = [-20, -12, -8, -5, -3, -2, -1, 1, 2, 3, 5, 8, 12, 20].map { Double($0) / Double(n) }
            let logP = p.map { $0 > 0 ? log($0) : -Double.infinity }
            for t in orders {
                // log Σ_k p_k e^{t k}
                var mx = -Double.infinity
                for k in 0..<n { mx = max(mx, logP[k] + t * Double(k)) }
                var s = 0.0
                for k in 0..<n { s += exp(logP[k] + t * Double(k) - mx) }
                let logMGF = mx + log(s)
                let bound = (Double(times) * logMGF + log(2 / tailMass)) / t
                guard bound.isFinite else { continue }
                if t > 0 { upperBound = min(upperBound, Int(bound.rounded(.up))) }
                if t < 0 { lowerBound = max(lowerBound, Int(bound.rounded(.down))) }
            }
        }
        return (lowerBound, upperBound)
    }

    /// The linear convolution of two mass vectors by FFT (length a.count + b.count − 1).
    static func convolvePair(_ a: [Double], _ b: [Double]) -> (Int, [Double]) {
        let outLen = a.count + b.count - 1
        var size = 1
        while size < outLen { size <<= 1 }
        var ar = [Double](repeating: 0, count: size), ai = ar, br = ar, bi = ar
        for k in a.indices { ar[k] = a[k] }
        for k in b.indices { br[k] = b[k] }
        FFT.transform(&ar, &ai, inverse: false)
        FFT.transform(&br, &bi, inverse: false)
        for k in 0..<size { (ar[k], ai[k]) = (ar[k] * br[k] - ai[k] * bi[k], ar[k] * bi[k] + ai[k] * br[k]) }
        FFT.transform(&ar, &ai, inverse: true)
        return (0, (0..<outLen).map { max(0, ar[$0] / Double(size)) })
    }

    /// Continuation of `selfConvolve` once the window is known.
    private static func convolve(_ p: [Double], times: Int, lowerBound: Int, outLen: Int) -> (Int, [Double]) {
        let n = p.count
        var size = 1
        while size < max(outLen, n) { size <<= 1 }
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for k in 0..<n { re[k] = p[k] }
        FFT.transform(&re, &im, inverse: false)
        for k in 0..<size {
            // z^T by binary exponentiation (no trigonometry).
            var (br, bi) = (re[k], im[k]), (rr, ri) = (1.0, 0.0), e = times
            while e > 0 {
                if e & 1 == 1 { (rr, ri) = (rr * br - ri * bi, rr * bi + ri * br) }
                e >>= 1
                if e > 0 { (br, bi) = (br * br - bi * bi, 2 * br * bi) }
            }
            re[k] = rr; im[k] = ri
        }
        FFT.transform(&re, &im, inverse: true)
        var out = [Double](repeating: 0, count: max(outLen, 0))
        for j in 0..<outLen {
            let idx = ((lowerBound + j) % size + size) % size
            out[j] = max(0, re[idx] / Double(size))
        }
        return (lowerBound, out)
    }
}

/// In-place iterative radix-2 complex FFT (Cooley–Tukey), for `PLDAccountant`.
enum FFT {
    /// `inverse` computes the unnormalised inverse (divide by n yourself).
    /// - Precondition: `re.count == im.count` is a power of two.
    static func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
        let n = re.count
        guard n > 1 else { return }
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        let sign = inverse ? 1.0 : -1.0
        // One table of e^{−2πik/n}, k < n/2, computed directly (no accumulated rounding);
        // stage `len` uses every (n/len)-th entry.
        let wr = (0..<(n / 2)).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        let wi = (0..<(n / 2)).map { sign * sin(2 * Double.pi * Double($0) / Double(n)) }
        var len = 2
        while len <= n {
            let half = len / 2
            let stride = n / len
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { m in
                    var start = 0
                    while start < n {
                        for k in 0..<half {
                            let a = start + k, b = a + half
                            let c = wr[k * stride], d = wi[k * stride]
                            let tr = r[b] * c - m[b] * d
                            let ti = r[b] * d + m[b] * c
                            r[b] = r[a] - tr; m[b] = m[a] - ti
                            r[a] += tr; m[a] += ti
                        }
                        start += len
                    }
                }
            }
            len <<= 1
        }
    }
}
