/// Order statistics in linear expected time (quickselect with seeded random pivots).
enum Selection {
    /// Rearranges `a` so that `a[k]` is the `k`-th smallest value, everything before it is
    /// ≤ and everything after it is ≥ (Hoare's FIND / quickselect). `a` must be non-empty.
    static func select(_ a: inout [Double], _ k: Int, rng: inout StatsRandom) {
        var lo = 0, hi = a.count - 1
        a.withUnsafeMutableBufferPointer { p in
            while lo < hi {
                let pivot = p[lo + rng.int(below: hi - lo + 1)]
                // Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot.
                var lt = lo, i = lo, gt = hi
                while i <= gt {
                    if p[i] < pivot { p.swapAt(lt, i); lt += 1; i += 1 }
                    else if p[i] > pivot { p.swapAt(i, gt); gt -= 1 }
                    else { i += 1 }
                }
                if k < lt { hi = lt - 1 } else if k > gt { lo = gt + 1 } else { return }
            }
        }
    }

    /// numpy's median (mean of the two middle values for an even count). Reorders `a`.
    static func median(_ a: inout [Double], rng: inout StatsRandom) -> Double {
        let n = a.count
        let upper = n / 2
        select(&a, upper, rng: &rng)
        let hiValue = a[upper]
        if n % 2 == 1 { return hiValue }
        // The largest value left of `upper` is the lower middle.
        var loValue = -Double.infinity
        for i in 0..<upper where a[i] > loValue { loValue = a[i] }
        return (loValue + hiValue) / 2
    }
}
