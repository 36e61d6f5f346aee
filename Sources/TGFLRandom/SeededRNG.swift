import Foundation

/// TGFL's own seeded random number generator: xoshiro256** (Blackman & Vigna, 2018),
/// seeded through SplitMix64.
///
/// Every algorithm here (uniform, normal, gamma, Student-t, integers below n, shuffle) is
/// written out in this file, so a seed gives the same stream on every platform and Swift
/// version. Do not use the standard library's `Int.random(in:using:)` or `shuffle(using:)`
/// where reproducibility matters: their algorithms are not part of any contract.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator; `stream` derives independent streams from one seed
    /// (e.g. one per client, per path or per thread chunk).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(&sm); s1 = splitmix(&sm); s2 = splitmix(&sm); s3 = splitmix(&sm)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// Next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @usableFromInline
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform double in [0, 1), 53 random bits.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform double in (0, 1): never exactly zero (safe for `log`).
    @inlinable
    public mutating func uniformOpen() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// Uniform integer in `0..<n` without modulo bias (rejection sampling).
    /// - Precondition: `n > 0` (callers validate their inputs first).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "SeededRNG.int(below:) needs n > 0")
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound   // 2^64 mod n
        while true {
            let r = next()
            if r >= threshold { return Int(r % bound) }
        }
    }

    /// Standard normal by the Box–Muller transform (one value per two uniforms).
    public mutating func normal() -> Double {
        let u1 = uniformOpen(), u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Normal with the given mean and standard deviation.
    public mutating func normal(mean: Double, std: Double) -> Double {
        mean + std * normal()
    }

    /// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 uses the boost
    /// `G(a) = G(a+1) · U^(1/a)`.
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape > 0, "gamma shape must be positive")
        if shape < 1 {
            return gamma(shape: shape + 1) * Foundation.pow(uniformOpen(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = uniformOpen()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if Foundation.log(u) < 0.5 * x * x + d * (1 - v + Foundation.log(v)) { return d * v }
        }
    }

    /// Student-t with `nu` degrees of freedom: `Z / sqrt(G/ (nu/2) / 2)`, G ~ Gamma(nu/2).
    public mutating func studentT(nu: Double) -> Double {
        let z = normal()
        let chi2 = 2 * gamma(shape: nu / 2)
        return z / (chi2 / nu).squareRoot()
    }

    /// Dirichlet(alpha) sample (normalized gammas).
    public mutating func dirichlet(_ alpha: [Double]) -> [Double] {
        let g = alpha.map { gamma(shape: $0) }
        let s = g.reduce(0, +)
        return s > 0 ? g.map { $0 / s } : Array(repeating: 1 / Double(alpha.count), count: alpha.count)
    }

    /// Fisher–Yates shuffle with this generator's own integer sampling.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) {
            a.swapAt(i, int(below: i + 1))
        }
    }

    /// A random permutation of `0..<n`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    /// Draws an index from unnormalized non-negative `weights` (inverse CDF, in order).
    public mutating func categorical<W: Collection>(_ weights: W) -> Int where W.Element == Double {
        let total = weights.reduce(0, +)
        var u = uniform() * total
        var last = 0
        for (i, w) in weights.enumerated() {
            if w > 0 { last = i }
            if u < w { return i }
            u -= w
        }
        return last
    }
}
