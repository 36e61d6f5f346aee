import TGFLBase
import Foundation

/// The dependence curves the Quant GANs scores compare, at lags 1…K.
public struct DependenceCurves: Sendable, Codable, Equatable {
    /// ACF of r, |r| and r² at lags 1…K (`Autocorrelation.acf` without lag 0).
    public var acfReturns: [Double]
    public var acfAbsolute: [Double]
    /// See `acfReturns`.
    public var acfSquared: [Double]
    /// The leverage curve corr(r_t, r²_{t+k}) at lags 1…K (`LeverageEffect.curve`).
    public var leverage: [Double]

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case acfReturns = "acf_returns"
        case acfAbsolute = "acf_absolute"
        case acfSquared = "acf_squared"
        case leverage
    }
}

/// The Quant GANs dependence scores: L2 distances between real and synthetic curves.
public struct QuantGANsScores: Sendable, Codable, Equatable {
    /// The largest lag K.
    public var maxLag: Int
    /// ‖ACF_real(r) − mean_p ACF_p(r)‖₂ over lags 1…K; likewise for |r| and r².
    public var acfReturns: Double
    public var acfAbsolute: Double
    /// See `acfReturns`.
    public var acfSquared: Double
    /// ‖L_real − mean_p L_p‖₂ over lags 1…K.
    public var leverage: Double

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case maxLag = "max_lag"
        case acfReturns = "acf_returns"
        case acfAbsolute = "acf_absolute"
        case acfSquared = "acf_squared"
        case leverage
    }
}

/// The scores of Wiese, Knobloch, Korn & Kretschmer (2020), "Quant GANs: deep generation of
/// financial time series", Quantitative Finance 20(9), §6.2 (ACF and leverage scores).
public enum QuantGANs {
    /// The default largest lag K.
    public static let defaultMaxLag = 20

    /// ACF of r, |r|, r² and the leverage curve of one series at lags 1…K.
    ///
    /// ```
    /// acfReturns[k−1] = ρ_k(r),  acfAbsolute[k−1] = ρ_k(|r|),  acfSquared[k−1] = ρ_k(r²),
    /// leverage[k−1]   = corr(r_t, r²_{t+k}),                    k = 1 … K
    /// ```
    /// - Parameters:
    ///   - series: the returns (at least K + 2 values; r, |r| and r² not constant).
    ///   - maxLag: K ≥ 1.
    /// - Returns: the four curves.
    /// - Throws: `StatsError` from `Autocorrelation.acf` / `LeverageEffect.curve`.
    public static func curves(of series: [Double], maxLag: Int = defaultMaxLag) throws -> DependenceCurves {
        guard maxLag >= 1 else { throw StatsError.invalidParameter("maxLag must be at least 1, got \(maxLag)") }
        try Check.finite(series, "series", atLeast: maxLag + 2, for: "dependence curves up to lag \(maxLag)")
        return try uncheckedCurves(series, maxLag)
    }

    /// The curves averaged over paths (each path's curves computed on that path alone).
    ///
    /// ```
    /// C̄_k = (1/P) Σ_p C_k(path_p)       for each of the four curves, k = 1 … K
    /// ```
    /// Paths are processed in parallel; the sum runs in path order, so the result does not
    /// depend on the thread count.
    /// - Parameters:
    ///   - paths: the synthetic paths (each at least K + 2 values).
    ///   - maxLag: K ≥ 1.
    /// - Returns: the average curves.
    /// - Throws: `StatsError.emptyInput`, `.tooShort` / `.nonFinite` naming the path, or the
    ///   error of a constant path.
    public static func averageCurves(of paths: [[Double]], maxLag: Int = defaultMaxLag) throws -> DependenceCurves {
        guard maxLag >= 1 else { throw StatsError.invalidParameter("maxLag must be at least 1, got \(maxLag)") }
        try Check.paths(paths, "synthetic", atLeast: maxLag + 2, for: "dependence curves up to lag \(maxLag)")
        return try uncheckedAverage(paths, maxLag)
    }

    /// The real curves averaged over non-overlapping chunks of `chunkLength` days, so that
    /// the real curves carry the same short-sample bias as curves of synthetic paths of that
    /// length ("fair" comparison).
    ///
    /// ```
    /// chunk_j = real[j·L ..< (j+1)·L],  j = 0 … ⌊n / L⌋ − 1;   C̄ = mean_j C(chunk_j)
    /// ```
    /// - Parameters:
    ///   - real: the real returns.
    ///   - chunkLength: L ≥ K + 2 (normally the synthetic path length).
    ///   - maxLag: K ≥ 1.
    /// - Returns: the chunk-averaged curves.
    /// - Throws: `StatsError.tooShort` if `real` is shorter than one chunk or `L < K + 2`.
    public static func chunkedCurves(of real: [Double], chunkLength: Int,
                                     maxLag: Int = defaultMaxLag) throws -> DependenceCurves {
        guard maxLag >= 1 else { throw StatsError.invalidParameter("maxLag must be at least 1, got \(maxLag)") }
        guard chunkLength >= maxLag + 2 else {
            throw StatsError.tooShort("chunk length \(chunkLength) is below maxLag + 2 = \(maxLag + 2)")
        }
        try Check.finite(real, "real", atLeast: chunkLength, for: "one chunk of \(chunkLength) days")
        let chunks = (0..<(real.count / chunkLength)).map {
            Array(real[$0 * chunkLength ..< ($0 + 1) * chunkLength])
        }
        return try uncheckedAverage(chunks, maxLag)
    }

    /// The Quant GANs scores: L2 errors between the real curves and the synthetic curves
    /// averaged over paths.
    ///
    /// ```
    /// score_f = ‖ C_f(real) − (1/P) Σ_p C_f(path_p) ‖₂ = √( Σ_{k=1}^{K} (C_f,k − C̄_f,k)² )
    /// f ∈ { ACF of r, ACF of |r|, ACF of r², leverage }
    /// ```
    /// (Wiese et al. 2020, §6.2: "ACF score" and "leverage effect score"; the paper's lags
    /// run to S, here K, default 20.) With `fair: true` the real curves are
    /// `chunkedCurves(of: real, chunkLength: L)` with L the shortest synthetic path length.
    ///
    /// - Parameters:
    ///   - real: the real returns, one series.
    ///   - synthetic: the synthetic paths.
    ///   - maxLag: K ≥ 1 (default 20).
    ///   - fair: compare with chunk-averaged real curves.
    /// - Returns: the four L2 scores.
    /// - Throws: `StatsError` for empty, non-finite, constant or too-short input.
    public static func scores(real: [Double], synthetic: [[Double]], maxLag: Int = defaultMaxLag,
                              fair: Bool = false) throws -> QuantGANsScores {
        let syn = try averageCurves(of: synthetic, maxLag: maxLag)
        let ref: DependenceCurves
        if fair {
            let length = synthetic.map(\.count).min()!
            ref = try chunkedCurves(of: real, chunkLength: length, maxLag: maxLag)
        } else {
            ref = try curves(of: real, maxLag: maxLag)
        }
        return scores(real: ref, synthetic: syn)
    }

    /// The L2 scores between two sets of curves of equal length (no checks).
    static func scores(real: DependenceCurves, synthetic: DependenceCurves) -> QuantGANsScores {
        func l2(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        return QuantGANsScores(maxLag: real.acfReturns.count,
                               acfReturns: l2(real.acfReturns, synthetic.acfReturns),
                               acfAbsolute: l2(real.acfAbsolute, synthetic.acfAbsolute),
                               acfSquared: l2(real.acfSquared, synthetic.acfSquared),
                               leverage: l2(real.leverage, synthetic.leverage))
    }

    static func uncheckedCurves(_ x: [Double], _ k: Int) throws -> DependenceCurves {
        DependenceCurves(acfReturns: Array(try Autocorrelation.acf(x, maxLag: k).dropFirst()),
                         acfAbsolute: Array(try Autocorrelation.acf(x.map { abs($0) }, maxLag: k).dropFirst()),
                         acfSquared: Array(try Autocorrelation.acf(x.map { $0 * $0 }, maxLag: k).dropFirst()),
                         leverage: try LeverageEffect.curve(x, maxLag: k))
    }

    /// Curves of each path in parallel, then the mean in path order.
    static func uncheckedAverage(_ paths: [[Double]], _ k: Int) throws -> DependenceCurves {
        try meanCurves(try uncheckedPathCurves(paths, k))
    }

    /// Each path's curves (`curves(of:maxLag:)`), in path order (`averageCurves` averages them).
    /// - Throws: as `averageCurves(of:maxLag:)`.
    public static func pathCurves(of paths: [[Double]], maxLag: Int = defaultMaxLag) throws -> [DependenceCurves] {
        guard maxLag >= 1 else { throw StatsError.invalidParameter("maxLag must be at least 1, got \(maxLag)") }
        try Check.paths(paths, "synthetic", atLeast: maxLag + 2, for: "dependence curves up to lag \(maxLag)")
        return try uncheckedPathCurves(paths, maxLag)
    }

    /// The mean of curves of equal length, summed in order (`averageCurves` of the paths whose
    /// `pathCurves` these are).
    /// - Throws: `StatsError.invalidParameter` for no curves, or curves of different lengths.
    public static func meanCurves(_ curves: [DependenceCurves]) throws -> DependenceCurves {
        guard let k = curves.first?.acfReturns.count else {
            throw StatsError.invalidParameter("meanCurves needs at least one set of curves, got none")
        }
        if let bad = curves.firstIndex(where: { c in
            [c.acfReturns, c.acfAbsolute, c.acfSquared, c.leverage].contains { $0.count != k } }) {
            throw StatsError.invalidParameter("meanCurves: curves \(bad) do not all have the first one's \(k) lags")
        }
        var sum = DependenceCurves(acfReturns: .init(repeating: 0, count: k), acfAbsolute: .init(repeating: 0, count: k),
                                   acfSquared: .init(repeating: 0, count: k), leverage: .init(repeating: 0, count: k))
        for c in curves {
            for i in 0..<k {
                sum.acfReturns[i] += c.acfReturns[i]; sum.acfAbsolute[i] += c.acfAbsolute[i]
                sum.acfSquared[i] += c.acfSquared[i]; sum.leverage[i] += c.leverage[i]
            }
        }
        let count = Double(curves.count)
        return DependenceCurves(acfReturns: sum.acfReturns.map { $0 / count }, acfAbsolute: sum.acfAbsolute.map { $0 / count },
                                acfSquared: sum.acfSquared.map { $0 / count }, leverage: sum.leverage.map { $0 / count })
    }

    /// Curves of each path in parallel (at most 8 workers), in path order.
    static func uncheckedPathCurves(_ paths: [[Double]], _ k: Int) throws -> [DependenceCurves] {
        let n = paths.count
        var each = [Result<DependenceCurves, Error>?](repeating: nil, count: n)
        let chunks = min(n, 8)
        each.withUnsafeMutableBufferPointer { buf in
            let out = UncheckedSendable(buf)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for p in (c * n / chunks)..<((c + 1) * n / chunks) {
                    out.value[p] = Result { try uncheckedCurves(paths[p], k) }
                }
            }
        }
        return try each.enumerated().map { p, r in
            do { return try r!.get() } catch let e as StatsError {
                throw StatsError.invalidParameter("path \(p): \(e)")
            }
        }
    }
}
