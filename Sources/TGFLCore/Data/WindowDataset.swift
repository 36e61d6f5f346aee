import Foundation

/// Where a training window comes from, so partitioners can split windows by series, time or
/// regime without looking at the tokens.
public struct WindowMetadata: Hashable, Sendable {
    /// Index of the series (asset, client file) the window is cut from.
    public let seriesIndex: Int
    /// Day index (in that series' returns) of the window's first token.
    public let startDay: Int
    /// The window's regime: the most frequent of its T regime labels; ties go to the more
    /// volatile (higher) regime, so a window half in crisis counts as crisis.
    public let regime: Int32

    public init(seriesIndex: Int, startDay: Int, regime: Int32) {
        self.seriesIndex = seriesIndex; self.startDay = startDay; self.regime = regime
    }
}

/// Fixed-length training windows cut from tokenized return series, with their regime labels.
///
/// A window of context length T starting at day `s` of series `j` holds
/// ```
/// tokens[0 … T]      = tok_j[s … s+T]          (T + 1 tokens: inputs tokens[0..<T], targets tokens[1...T])
/// regimes[0 ..< T]   = reg_j[s+1 … s+T]        regimes[t] is the label of the day of tokens[t+1]
/// ```
/// so the regime at position t is the regime of the day being **predicted** (the target):
/// generation conditions each new day on the regime asked for that day.
/// Batches are flat row-major arrays: tokens `B·(T+1)`, regimes `B·T`.
public struct WindowDataset: Sendable {
    /// T: positions per window (the model's context length).
    public let contextLength: Int
    /// One entry per window, in order (series, then start day).
    public let windows: [WindowMetadata]
    /// Tokens per series (all days, shared by every window).
    public let seriesTokens: [[Int32]]
    /// Regime labels per series, one per day.
    public let seriesRegimes: [[Int32]]

    /// Number of windows.
    public var count: Int { windows.count }
    /// Whether there is no window.
    public var isEmpty: Bool { windows.isEmpty }

    /// Windows over the given days of each series.
    ///
    /// - Parameters:
    ///   - tokens: one token array per series.
    ///   - regimes: one label array per series, the same length as its tokens.
    ///   - contextLength: T ≥ 1.
    ///   - stride: distance in days between consecutive window starts, ≥ 1.
    ///   - dayRanges: per series, the days a window may cover (whole windows only; a window
    ///     uses days `s … s+T`); `nil` means all days.
    /// - Throws: `TGFLError.shapeMismatch` for unequal lengths (naming the series),
    ///   `TGFLError.invalidArgument` for T or stride < 1 or a day range outside the series.
    ///   - labels: per series, the regime labels that set each window's `WindowMetadata.regime`
    ///     when they differ from the conditioning ids (model v2 conditions on volatility levels);
    ///     nil uses `regimes`.
    public init(tokens: [[Int32]], regimes: [[Int32]], contextLength: Int, stride: Int = 1,
                dayRanges: [Range<Int>]? = nil, labels: [[Int32]]? = nil) throws {
        guard contextLength >= 1 else {
            throw TGFLError.invalidArgument("contextLength must be ≥ 1, got \(contextLength)")
        }
        guard stride >= 1 else { throw TGFLError.invalidArgument("stride must be ≥ 1, got \(stride)") }
        guard tokens.count == regimes.count else {
            throw TGFLError.shapeMismatch("\(tokens.count) token series but \(regimes.count) regime series")
        }
        if let labels, labels.count != tokens.count {
            throw TGFLError.shapeMismatch("\(labels.count) label series for \(tokens.count) series")
        }
        if let dayRanges, dayRanges.count != tokens.count {
            throw TGFLError.shapeMismatch("\(dayRanges.count) day ranges for \(tokens.count) series")
        }
        var windows: [WindowMetadata] = []
        for j in tokens.indices {
            guard tokens[j].count == regimes[j].count else {
                throw TGFLError.shapeMismatch(
                    "series \(j): \(tokens[j].count) tokens but \(regimes[j].count) regime labels (need one per day)")
            }
            let metadataLabels = labels?[j] ?? regimes[j]
            guard metadataLabels.count == tokens[j].count else {
                throw TGFLError.shapeMismatch(
                    "series \(j): \(tokens[j].count) tokens but \(metadataLabels.count) regime labels (need one per day)")
            }
            let days = dayRanges?[j] ?? 0..<tokens[j].count
            guard days.lowerBound >= 0, days.upperBound <= tokens[j].count else {
                throw TGFLError.invalidArgument(
                    "series \(j): day range \(days) is outside 0..<\(tokens[j].count)")
            }
            var s = days.lowerBound
            while s + contextLength < days.upperBound {
                windows.append(WindowMetadata(
                    seriesIndex: j, startDay: s,
                    regime: Self.dominantRegime(metadataLabels[(s + 1)...(s + contextLength)])))
                s += stride
            }
        }
        self.init(contextLength: contextLength, windows: windows, seriesTokens: tokens,
                  seriesRegimes: regimes)
    }

    private init(contextLength: Int, windows: [WindowMetadata], seriesTokens: [[Int32]],
                 seriesRegimes: [[Int32]]) {
        self.contextLength = contextLength; self.windows = windows
        self.seriesTokens = seriesTokens; self.seriesRegimes = seriesRegimes
    }

    /// Most frequent label; ties go to the higher label.
    static func dominantRegime(_ labels: ArraySlice<Int32>) -> Int32 {
        var counts: [Int32: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key < b.key }?.key ?? 0
    }

    /// The windows at `indices` (e.g. one client's share), sharing the same series storage.
    /// - Throws: `TGFLError.outOfRange` naming the first index outside `0 ..< count`.
    public func subset(_ indices: [Int]) throws -> WindowDataset {
        if let bad = indices.first(where: { !windows.indices.contains($0) }) {
            throw TGFLError.outOfRange("window index \(bad) is outside 0..<\(count)")
        }
        return WindowDataset(contextLength: contextLength, windows: indices.map { windows[$0] },
                             seriesTokens: seriesTokens, seriesRegimes: seriesRegimes)
    }

    /// One window's tokens (T + 1) and regimes (T).
    /// - Throws: `TGFLError.outOfRange` for an index outside `0 ..< count`.
    public func window(_ index: Int) throws -> (tokens: [Int32], regimes: [Int32]) {
        guard windows.indices.contains(index) else {
            throw TGFLError.outOfRange("window index \(index) is outside 0..<\(count)")
        }
        let w = windows[index], T = contextLength
        return (Array(seriesTokens[w.seriesIndex][w.startDay...(w.startDay + T)]),
                Array(seriesRegimes[w.seriesIndex][(w.startDay + 1)...(w.startDay + T)]))
    }

    /// The windows at `indices`, stacked row-major.
    /// - Returns: tokens `indices.count · (T+1)`, regimes `indices.count · T`.
    /// - Throws: `TGFLError.outOfRange` naming the first bad index.
    public func batch(indices: [Int]) throws -> (tokens: [Int32], regimes: [Int32]) {
        let T = contextLength
        var tokens = [Int32](), regimes = [Int32]()
        tokens.reserveCapacity(indices.count * (T + 1)); regimes.reserveCapacity(indices.count * T)
        for i in indices {
            guard windows.indices.contains(i) else {
                throw TGFLError.outOfRange("window index \(i) is outside 0..<\(count)")
            }
            let w = windows[i]
            tokens += seriesTokens[w.seriesIndex][w.startDay...(w.startDay + T)]
            regimes += seriesRegimes[w.seriesIndex][(w.startDay + 1)...(w.startDay + T)]
        }
        return (tokens, regimes)
    }

    /// A random training batch: `size` windows drawn uniformly **with replacement**
    /// (`rng.int(below: count)` each), so the same seed gives the same batch.
    /// - Parameters:
    ///   - size: B ≥ 1.
    ///   - rng: the generator; advanced by B draws.
    /// - Returns: tokens `B·(T+1)`, regimes `B·T`, row-major.
    /// - Throws: `TGFLError.invalidArgument` for B < 1 or an empty dataset.
    public func batch(size: Int, using rng: inout SeededRNG) throws -> (tokens: [Int32], regimes: [Int32]) {
        guard size >= 1 else { throw TGFLError.invalidArgument("batch size must be ≥ 1, got \(size)") }
        guard !isEmpty else {
            throw TGFLError.invalidArgument(
                "no windows to sample from: the series is shorter than context_length + 1 days "
                + "(or the split left this part empty)")
        }
        var indices = [Int]()
        indices.reserveCapacity(size)
        for _ in 0..<size { indices.append(rng.int(below: count)) }
        return try batch(indices: indices)
    }

    /// Every window once, in order, in batches of `size` (validation, evaluation).
    /// - Parameters:
    ///   - size: B ≥ 1.
    ///   - dropLast: drop a final batch with fewer than B windows (else it is returned short).
    /// - Returns: the batches; `count` is the number of windows in each.
    /// - Throws: `TGFLError.invalidArgument` for B < 1.
    public func sequentialBatches(size: Int, dropLast: Bool = false) throws
        -> [(tokens: [Int32], regimes: [Int32], count: Int)] {
        guard size >= 1 else { throw TGFLError.invalidArgument("batch size must be ≥ 1, got \(size)") }
        var out: [(tokens: [Int32], regimes: [Int32], count: Int)] = []
        var start = 0
        while start < count {
            let end = min(start + size, count)
            if dropLast && end - start < size { break }
            let b = try batch(indices: Array(start..<end))
            out.append((b.tokens, b.regimes, end - start))
            start = end
        }
        return out
    }
}

/// A time-ordered train/validation split of windows; no window crosses the split.
public struct WindowSplit: Sendable {
    /// Windows entirely before each series' split day.
    public let train: WindowDataset
    /// Windows entirely at or after each series' split day.
    public let validation: WindowDataset
    /// Per series, the first validation day `k = ⌊trainFraction · n⌋`.
    public let splitDays: [Int]

    /// Splits each series at `k = ⌊trainFraction · n⌋`: training windows use days `0 ..< k`,
    /// validation windows days `k ..< n`; windows are whole, so the days around the split
    /// that no whole window fits are not used by either side.
    ///
    /// - Parameters:
    ///   - tokens: one token array per series.
    ///   - regimes: one label array per series.
    ///   - contextLength: T ≥ 1.
    ///   - trainFraction: in (0, 1]; 1 leaves validation empty.
    ///   - stride: days between window starts, ≥ 1.
    /// - Throws: `TGFLError.invalidArgument` for a fraction outside (0, 1] or if no training
    ///   window fits (the message gives the days needed); shape errors as `WindowDataset`.
    public init(tokens: [[Int32]], regimes: [[Int32]], contextLength: Int, trainFraction: Double = 0.8,
                stride: Int = 1, labels: [[Int32]]? = nil) throws {
        guard trainFraction > 0, trainFraction <= 1 else {
            throw TGFLError.invalidArgument("trainFraction must be in (0, 1], got \(trainFraction)")
        }
        let k = tokens.map { splitDay(count: $0.count, trainFraction: trainFraction) }
        train = try WindowDataset(tokens: tokens, regimes: regimes, contextLength: contextLength,
                                  stride: stride, dayRanges: k.map { 0..<$0 }, labels: labels)
        validation = try WindowDataset(tokens: tokens, regimes: regimes, contextLength: contextLength,
                                       stride: stride, dayRanges: zip(k, tokens).map { $0..<$1.count },
                                       labels: labels)
        splitDays = k
        guard !train.isEmpty else {
            let need = Int((Double(contextLength + 1) / trainFraction).rounded(.up))
            throw TGFLError.invalidArgument(
                "no training window fits: one needs context_length + 1 = \(contextLength + 1) training "
                + "days, so a series needs about \(need) days at trainFraction \(trainFraction); "
                + "longest has \(tokens.map(\.count).max() ?? 0)")
        }
    }
}

/// `⌊trainFraction · n⌋`, the first validation day of a series of n days.
func splitDay(count n: Int, trainFraction: Double) -> Int {
    min(n, Int((trainFraction * Double(n)).rounded(.down)))
}
