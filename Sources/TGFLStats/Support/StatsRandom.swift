/// The seeded generator TGFLStats uses for its subsamples: xoshiro256** (Blackman & Vigna,
/// 2018) seeded through SplitMix64 — the same algorithm and seeding as `TGFLCore.SeededRNG`,
/// restated here because TGFLStats must not depend on TGFLCore.
///
/// Only what the statistics need is here: 64-bit words, unbiased integers below `n`, and a
/// seeded subsample of indices. The Python reference script
/// (`Tests/Fixtures/make_stats_reference_report.py`) mirrors this bit for bit, so subsampled
/// statistics are checked against numpy on exactly the same indices.
struct StatsRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator for `seed`; `stream` derives independent streams from one seed.
    init(seed: UInt64, stream: UInt64 = 0) {
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
    mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform integer in `0..<n` (n > 0) without modulo bias, by rejection.
    mutating func int(below n: Int) -> Int {
        let bound = UInt64(max(n, 1))
        let threshold = (0 &- bound) % bound
        while true {
            let r = next()
            if r >= threshold { return Int(r % bound) }
        }
    }

    /// `k` distinct indices from `0..<n`, in ascending order, chosen uniformly by a partial
    /// Fisher–Yates shuffle (step `i` swaps position `i` with `i + int(below: n − i)`).
    /// Returns `0..<n` when `k >= n`.
    mutating func subsampleIndices(count k: Int, from n: Int) -> [Int] {
        guard k < n else { return Array(0..<n) }
        var pool = Array(0..<n)
        for i in 0..<k {
            let j = i + int(below: n - i)
            pool.swapAt(i, j)
        }
        return pool[0..<k].sorted()
    }
}

extension Array where Element == Double {
    /// The elements at `indices`, in that order.
    func picking(_ indices: [Int]) -> [Double] { indices.map { self[$0] } }
}
