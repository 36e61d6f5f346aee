import TGFLRandom
import TGFLBase
import Foundation

/// How each window is scaled before the nearest-neighbour search of the memorization score.
public enum MemorizationWindowScaling: String, Sendable, Codable, Equatable, CaseIterable {
    /// Windows as they are (log-return units). A held-out span that is more (or less) volatile
    /// than the training span then moves the score by itself: its windows sit farther from
    /// (closer to) the training windows than any generator's windows, whether or not the
    /// generator copies. Kept for comparison with records written before the scaled default.
    case none
    /// Each window divided by its root mean square, `x / sqrt(mean(x²))` (a window of zeros stays
    /// zero). The score then compares the shapes of windows, not their volatility level: a copied
    /// training window still has distance 0, at any scale, while fresh draws of the same process
    /// sit as far as held-out real windows however volatile the held-out span is (the default).
    case rootMeanSquare = "rms"

    /// `x` scaled as this case says.
    func apply(_ x: [Double]) -> [Double] {
        switch self {
        case .none: return x
        case .rootMeanSquare:
            let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
            guard ms > 0 else { return x }
            let rms = ms.squareRoot()
            return x.map { $0 / rms }
        }
    }
}

/// Options of the memorization score.
public struct MemorizationOptions: Sendable, Codable, Equatable {
    /// At most this many generated and this many held-out windows are scored; more are
    /// replaced by a seeded subsample (default 1,000 each).
    public var maxQueries: Int
    /// At most this many training windows are searched (default 20,000; seeded subsample).
    public var maxReferences: Int
    /// Seed of the subsamples (streams 10, 11, 12 for generated, held-out, training).
    public var seed: UInt64
    /// The held-out quantile that defines "suspiciously close" (default 0.05).
    public var closeQuantile: Double
    /// Memorizing if the fraction of generated windows closer than that quantile exceeds
    /// this (default 0.25; about `closeQuantile` is expected without memorization) …
    public var fractionThreshold: Double
    /// … or if median(generated NN distance) / median(held-out NN distance) is below this
    /// (default 0.5; about 1 is expected without memorization).
    public var ratioThreshold: Double
    /// How windows are scaled before the search (default `.rootMeanSquare`: scale-free, so that
    /// a held-out span with another volatility level does not decide the verdict).
    public var windowScaling: MemorizationWindowScaling

    /// Creates memorization options; the defaults are documented on the properties.
    public init(maxQueries: Int = 1000, maxReferences: Int = 20_000, seed: UInt64 = 0,
                closeQuantile: Double = 0.05, fractionThreshold: Double = 0.25,
                ratioThreshold: Double = 0.5, windowScaling: MemorizationWindowScaling = .rootMeanSquare) {
        self.maxQueries = maxQueries; self.maxReferences = maxReferences; self.seed = seed
        self.closeQuantile = closeQuantile; self.fractionThreshold = fractionThreshold
        self.ratioThreshold = ratioThreshold; self.windowScaling = windowScaling
    }

    /// Decodes options; records written before `window_scaling` existed were computed on raw
    /// windows and decode as `.none`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(maxQueries: try c.decode(Int.self, forKey: .maxQueries),
                  maxReferences: try c.decode(Int.self, forKey: .maxReferences),
                  seed: try c.decode(UInt64.self, forKey: .seed),
                  closeQuantile: try c.decode(Double.self, forKey: .closeQuantile),
                  fractionThreshold: try c.decode(Double.self, forKey: .fractionThreshold),
                  ratioThreshold: try c.decode(Double.self, forKey: .ratioThreshold),
                  windowScaling: try c.decodeIfPresent(MemorizationWindowScaling.self, forKey: .windowScaling) ?? .none)
    }

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case maxQueries = "max_queries"
        case maxReferences = "max_references"
        case seed
        case closeQuantile = "close_quantile"
        case fractionThreshold = "fraction_threshold"
        case ratioThreshold = "ratio_threshold"
        case windowScaling = "window_scaling"
    }
}

/// Whether generated windows sit closer to the training windows than fresh real data does.
public struct MemorizationScore: Sendable, Codable, Equatable {
    /// Window length `w`.
    public var windowLength: Int
    /// Windows actually used (after subsampling).
    public var generatedCount: Int
    /// Held-out windows used.
    public var heldOutCount: Int
    /// Training windows searched.
    public var trainingCount: Int
    /// Medians of the nearest-training-window distances.
    public var medianGeneratedDistance: Double
    /// Median nearest-training-window distance of the held-out windows.
    public var medianHeldOutDistance: Double
    /// `medianGeneratedDistance / medianHeldOutDistance` (∞ if the held-out median is 0 and
    /// the generated one is not; 1 if both are 0).
    public var medianRatio: Double
    /// The `closeQuantile` quantile of the held-out distances.
    public var heldOutCloseDistance: Double
    /// Fraction of generated windows with distance strictly below `heldOutCloseDistance`.
    public var fractionCloser: Double
    /// `fractionCloser > fractionThreshold || medianRatio < ratioThreshold`.
    public var isMemorizing: Bool

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case windowLength = "window_length"
        case generatedCount = "generated_count"
        case heldOutCount = "held_out_count"
        case trainingCount = "training_count"
        case medianGeneratedDistance = "median_generated_distance"
        case medianHeldOutDistance = "median_held_out_distance"
        case medianRatio = "median_ratio"
        case heldOutCloseDistance = "held_out_close_distance"
        case fractionCloser = "fraction_closer"
        case isMemorizing = "is_memorizing"
    }
}

/// The memorization score: does a generator copy its training data?
public enum Memorization {
    /// Windows of `length` consecutive values starting every `stride` values.
    ///
    /// ```
    /// window_j = series[j·s ..< j·s + w],  j = 0 … ⌊(n − w) / s⌋
    /// ```
    /// - Parameters:
    ///   - series: the values.
    ///   - length: window length `w ≥ 1`.
    ///   - stride: step `s ≥ 1` (`s = w` gives non-overlapping windows).
    /// - Returns: the windows, in order.
    /// - Throws: `StatsError.invalidParameter` for `w < 1` or `s < 1`; `.emptyInput`,
    ///   `.nonFinite`; `.tooShort` if the series is shorter than `w`.
    public static func windows(of series: [Double], length: Int, stride: Int) throws -> [[Double]] {
        guard length >= 1, stride >= 1 else {
            throw StatsError.invalidParameter("window length and stride must be at least 1, got \(length) and \(stride)")
        }
        try Check.finite(series, "series", atLeast: length, for: "a window of length \(length)")
        return Swift.stride(from: 0, through: series.count - length, by: stride).map {
            Array(series[$0 ..< $0 + length])
        }
    }

    /// Scores generated windows against the training windows, with held-out real windows as
    /// the baseline.
    ///
    /// ```
    /// s(x)  = x / sqrt(mean(x²))   (windowScaling .rootMeanSquare, the default; s(x) = x for .none)
    /// d(g)  = min_{t ∈ training} ‖s(g) − s(t)‖₂    (nearest-neighbour Euclidean distance)
    /// D_gen = { d(g) : g ∈ generated },  D_ho = { d(h) : h ∈ heldOut }
    /// medianRatio    = median(D_gen) / median(D_ho)
    /// q              = quantile(D_ho, closeQuantile)            (numpy 'linear')
    /// fractionCloser = #{ d ∈ D_gen : d < q } / |D_gen|
    /// isMemorizing   = fractionCloser > fractionThreshold  or  medianRatio < ratioThreshold
    /// ```
    /// A generator that reproduces training windows has distances near 0 (ratio ≈ 0,
    /// fraction ≈ 1); one that draws fresh samples from the data's distribution behaves like
    /// held-out data (ratio ≈ 1, fraction ≈ `closeQuantile`). This is the distance-to-closest-
    /// record test of synthetic-data privacy audits (e.g. Meehan, Chaudhuri & Dasgupta 2020,
    /// "A non-parametric test to detect data-copying in generative models", AISTATS, which
    /// also compares generated-to-training distances with held-out-to-training distances).
    /// Held-out windows must not overlap training windows, or the baseline shrinks. Scaling each
    /// window by its root mean square (the default) makes the test about copied shapes: on raw
    /// windows, a held-out span 1.5× as volatile as the training span made GARCH-t simulations
    /// and an i.i.d. bootstrap "memorize" (median ratio 0.62 on the DAX) although neither can copy
    /// a window (BENCHMARKS.md, "Memorization target").
    ///
    /// The nearest neighbour is exact: training windows are sorted by norm and searched
    /// outward from the query's norm, stopping once `|‖t‖ − ‖g‖| ≥ best` (triangle
    /// inequality), with early abandoning of partial sums. Queries run in parallel; each
    /// result depends only on its query, so the output is deterministic. More than
    /// `maxQueries` / `maxReferences` windows are replaced by seeded subsamples.
    ///
    /// - Parameters:
    ///   - generated: generated windows (all of one length `w`).
    ///   - training: the training windows (length `w`).
    ///   - heldOut: real windows not used in training (length `w`, at least 1).
    ///   - options: subsampling, seed and thresholds.
    /// - Returns: the score.
    /// - Throws: `StatsError.emptyInput` for an empty set, `.lengthMismatch` naming the first
    ///   window of another length, `.nonFinite` naming set, window and index,
    ///   `.invalidParameter` for `closeQuantile` outside (0, 1) or caps below 1.
    public static func score(generated: [[Double]], training: [[Double]], heldOut: [[Double]],
                             options: MemorizationOptions = MemorizationOptions()) throws -> MemorizationScore {
        try Check.probability(options.closeQuantile, "closeQuantile")
        let d = try nearestDistances(generated: generated, training: training, heldOut: heldOut, options: options)
        return try score(d, options: options)
    }

    /// The score of distances already computed by `nearestDistances` (same options).
    /// - Throws: `StatsError.invalidParameter` for `closeQuantile` outside (0, 1);
    ///   `.emptyInput` when either set of distances is empty.
    public static func score(_ d: Distances, options: MemorizationOptions = MemorizationOptions()) throws
        -> MemorizationScore {
        try Check.probability(options.closeQuantile, "closeQuantile")
        guard !d.generated.isEmpty, !d.heldOut.isEmpty else { throw StatsError.emptyInput("memorization distances") }
        let (dGen, dHo) = (d.generated, d.heldOut)
        let medGen = numpyMedian(dGen), medHo = numpyMedian(dHo)
        let ratio: Double = medHo > 0 ? medGen / medHo : (medGen > 0 ? .infinity : 1)
        let q = Descriptive.quantile(sorted: dHo.sorted(), options.closeQuantile)
        let closer = Double(dGen.filter { $0 < q }.count) / Double(dGen.count)
        return MemorizationScore(
            windowLength: d.windowLength, generatedCount: dGen.count, heldOutCount: dHo.count,
            trainingCount: d.trainingCount,
            medianGeneratedDistance: medGen, medianHeldOutDistance: medHo, medianRatio: ratio,
            heldOutCloseDistance: q, fractionCloser: closer,
            isMemorizing: closer > options.fractionThreshold || ratio < options.ratioThreshold)
    }

    static func checkWindows(_ set: [[Double]], _ name: String, length w: Int) throws {
        guard !set.isEmpty else { throw StatsError.emptyInput("\(name) (no windows)") }
        for (i, x) in set.enumerated() {
            guard x.count == w else {
                throw StatsError.lengthMismatch("\(name)[\(i)] has length \(x.count); every window must have length \(w) (the length of training[0])")
            }
            try Check.finite(x, "\(name)[\(i)]")
        }
    }

    static func subsample(_ set: [[Double]], cap: Int, seed: UInt64, stream: UInt64) -> [[Double]] {
        guard set.count > cap else { return set }
        var rng = SeededRNG(seed: seed, stream: stream)
        return rng.subsampleIndices(count: cap, from: set.count).map { set[$0] }
    }

    private static func numpyMedian(_ x: [Double]) -> Double {
        Descriptive.quantile(sorted: x.sorted(), 0.5)
    }
}

/// Exact Euclidean nearest-neighbour search over a fixed set of vectors, pruned by norm.
struct NearestNeighbourIndex {
    let dimension: Int
    /// Reference vectors, row-major, sorted by norm.
    private let data: [Double]
    private let norms: [Double]

    init(_ refs: [[Double]], dimension: Int) {
        self.dimension = dimension
        let withNorms = refs.map { r in (r, (r.reduce(0) { $0 + $1 * $1 }).squareRoot()) }
        let sorted = withNorms.sorted { $0.1 < $1.1 }
        data = sorted.flatMap { $0.0 }
        norms = sorted.map { $0.1 }
    }

    /// Distance from each query to its nearest reference, computed in parallel.
    func distances(_ queries: [[Double]]) -> [Double] {
        var out = [Double](repeating: 0, count: queries.count)
        let chunks = min(queries.count, 8)
        out.withUnsafeMutableBufferPointer { res in
            let res = UncheckedSendable(res)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * queries.count / chunks, hi = (c + 1) * queries.count / chunks
                for q in lo..<hi { res.value[q] = nearest(queries[q]) }
            }
        }
        return out
    }

    /// Distance from `q` to its nearest reference.
    func nearest(_ q: [Double]) -> Double {
        let nq = (q.reduce(0) { $0 + $1 * $1 }).squareRoot()
        // First reference with norm ≥ nq.
        var lo = 0, hi = norms.count
        while lo < hi { let mid = (lo + hi) / 2; if norms[mid] < nq { lo = mid + 1 } else { hi = mid } }
        var best2 = Double.infinity
        var up = lo, down = lo - 1
        let d = dimension
        data.withUnsafeBufferPointer { x in
            q.withUnsafeBufferPointer { qp in
                func visit(_ k: Int) {
                    var s = 0.0
                    let base = k * d
                    for i in 0..<d {
                        let t = x[base + i] - qp[i]
                        s += t * t
                        if s >= best2 { return }
                    }
                    best2 = s
                }
                while up < norms.count || down >= 0 {
                    let best = best2.squareRoot()
                    var progressed = false
                    if up < norms.count {
                        if norms[up] - nq < best { visit(up); up += 1; progressed = true } else { up = norms.count }
                    }
                    if down >= 0 {
                        if nq - norms[down] < best { visit(down); down -= 1; progressed = true } else { down = -1 }
                    }
                    if !progressed { break }
                }
            }
        }
        return best2.squareRoot()
    }
}
