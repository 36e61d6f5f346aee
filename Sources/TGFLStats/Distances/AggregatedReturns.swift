/// Non-overlapping aggregation of log returns to longer horizons.
public enum AggregatedReturns {
    /// Sums of log returns over consecutive, non-overlapping blocks of `horizon` days.
    ///
    /// ```
    /// R_j = Σ_{t = j·h}^{j·h + h − 1} r_t,   j = 0, 1, …, ⌊n / h⌋ − 1
    /// ```
    /// The block grid starts at the first day; the last `n mod h` days are left out.
    /// Summing log returns gives the log return over the block (Wiese et al. 2020, §6.2,
    /// compare distributions of `t`-day returns at `t ∈ {1, 5, 20, 100}`).
    ///
    /// - Parameters:
    ///   - path: one path of daily log returns.
    ///   - horizon: the block length `h ≥ 1`.
    ///   - name: the argument name used in errors.
    /// - Returns: `⌊n / h⌋` block sums.
    /// - Throws: `StatsError.invalidParameter` if `horizon < 1`; `.emptyInput` / `.nonFinite`
    ///   for a bad path; `.tooShort` if the path is shorter than `horizon`.
    public static func blocks(of path: [Double], horizon: Int, name: String = "path") throws -> [Double] {
        guard horizon >= 1 else {
            throw StatsError.invalidParameter("horizon must be at least 1, got \(horizon)")
        }
        try Check.finite(path, name, atLeast: horizon, for: "a \(horizon)-day aggregated return")
        return blockSums(path, horizon)
    }

    /// Block sums of every path, concatenated in path order; blocks never cross a path
    /// boundary (each path is aggregated on its own grid, as in `blocks(of:horizon:)`).
    ///
    /// ```
    /// pooled = concat_p  blocks(path_p, h)
    /// ```
    /// - Parameters:
    ///   - paths: the synthetic paths (any lengths, each at least `horizon`).
    ///   - horizon: the block length `h ≥ 1`.
    ///   - name: the argument name used in errors (the path index is added).
    /// - Returns: all block sums, path 0 first.
    /// - Throws: `StatsError.emptyInput` if there are no paths; `.tooShort` naming the first
    ///   path shorter than `horizon`; `.nonFinite` naming path and index;
    ///   `.invalidParameter` if `horizon < 1`.
    public static func pooledBlocks(of paths: [[Double]], horizon: Int,
                                    name: String = "synthetic") throws -> [Double] {
        guard horizon >= 1 else {
            throw StatsError.invalidParameter("horizon must be at least 1, got \(horizon)")
        }
        try Check.paths(paths, name, atLeast: horizon, for: "a \(horizon)-day aggregated return")
        var out: [Double] = []
        out.reserveCapacity(paths.reduce(0) { $0 + $1.count / horizon })
        for p in paths { out.append(contentsOf: blockSums(p, horizon)) }
        return out
    }

    static func blockSums(_ x: [Double], _ h: Int) -> [Double] {
        if h == 1 { return x }
        let m = x.count / h
        var out = [Double](repeating: 0, count: m)
        x.withUnsafeBufferPointer { p in
            for j in 0..<m {
                var s = 0.0
                for t in (j * h)..<(j * h + h) { s += p[t] }
                out[j] = s
            }
        }
        return out
    }
}

extension Check {
    /// Throws unless `paths` is non-empty and every path is finite with at least `n` values;
    /// errors name the path index, e.g. `synthetic[3]`.
    static func paths(_ paths: [[Double]], _ name: String, atLeast n: Int, for purpose: String) throws {
        guard !paths.isEmpty else { throw StatsError.emptyInput("\(name) (no paths)") }
        for (i, p) in paths.enumerated() {
            try Check.finite(p, "\(name)[\(i)]", atLeast: n, for: purpose)
        }
    }
}
