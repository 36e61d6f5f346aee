extension SeededRNG {
    /// `k` distinct indices from `0..<n`, in ascending order, chosen uniformly by a partial
    /// Fisher–Yates shuffle (step `i` swaps position `i` with `i + int(below: n − i)`).
    /// Returns `0..<n` (drawing nothing) when `k >= n`.
    ///
    /// The one sampler without replacement of the library: the federated engine's client
    /// samples and the statistics' subsamples. The Python reference scripts
    /// (`Tests/Fixtures/make_stats_reference_report.py`, the Flower fixtures) mirror
    /// xoshiro256** and this rule bit for bit.
    public mutating func subsampleIndices(count k: Int, from n: Int) -> [Int] {
        guard k < n else { return Array(0..<max(n, 0)) }
        var pool = Array(0..<n)
        for i in 0..<k {
            let j = i + int(below: n - i)
            pool.swapAt(i, j)
        }
        return pool[0..<k].sorted()
    }
}
