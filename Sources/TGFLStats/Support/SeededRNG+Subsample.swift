import TGFLRandom

extension SeededRNG {
    /// `k` distinct indices from `0..<n`, in ascending order, chosen uniformly by a partial
    /// Fisher–Yates shuffle (step `i` swaps position `i` with `i + int(below: n − i)`).
    /// Returns `0..<n` when `k >= n`.
    ///
    /// The Python reference script (`Tests/Fixtures/make_stats_reference_report.py`) mirrors
    /// xoshiro256** and this rule bit for bit, so subsampled statistics are checked against
    /// numpy on exactly the same indices.
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
