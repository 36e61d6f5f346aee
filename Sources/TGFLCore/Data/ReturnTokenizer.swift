import Foundation

/// Turns daily log returns into tokens `0 ..< V` and back: V uniform bins over a clipped,
/// standardized range, fitted on training returns and stored in the checkpoint.
///
/// ```
/// z      = (r − m) / s                         m, s: mean and std (ddof = 1) of the training returns
/// edge_i = m + s · (−c + 2c · i / V),  i = 0 … V     (c = clipSigma; bin k = [edge_k, edge_{k+1}))
/// encode(r) = clamp(⌊(z + c) · V / 2c⌋, 0, V − 1)    values beyond ±c clip to the extreme bins
/// decode(k) = (edge_k + edge_{k+1}) / 2               the bin centre
/// sample(k) = edge_k + U · (edge_{k+1} − edge_k),  U ~ Uniform[0, 1)
/// ```
/// Inside the range, `|decode(encode(r)) − r| ≤ binWidth / 2` with `binWidth = 2cs / V`.
///
/// **Why uniform bins, not quantile bins.** Quantile bins spend resolution where the data are
/// dense and make the tail bins as wide as the tail itself: with V = 512 on the S&P 500 the
/// last bin would span everything from about −4σ to the crash, so a −7.6σ day would decode to
/// a mid-tail value and sampling inside it would be arbitrary. Uniform bins keep a known,
/// constant resolution everywhere, so crash-sized moves stay representable to within one bin
/// (docs/DESIGN.md: "It must keep crash-sized moves representable"), and the token order is linear
/// in the return. The cost — rarely used tail tokens — is small at V = 512. The default
/// range ±12σ contains every day of the bundled data (worst ≈ −7.4σ, best ≈ +8.6σ of the
/// 1999–2014 training std) with room for larger crashes; at V = 512 a bin is 0.047σ
/// (≈ 0.06% for the S&P 500).
///
/// Reference: the uniform scaling-and-quantization tokenizer of Chronos (Ansari et al., 2024,
/// "Chronos: Learning the Language of Time Series"), here with mean/std standardization.
public struct ReturnTokenizer: Equatable, Sendable {
    /// `kind` attribute of the checkpoint section.
    public static let kind = "uniform_standardized"
    /// `version` attribute written by this code.
    public static let version = 1
    /// Default half-width of the range in training standard deviations.
    public static let defaultClipSigma = 12.0

    /// V: number of tokens, ≥ 2.
    public let vocabSize: Int
    /// m: mean of the training returns.
    public let mean: Double
    /// s: standard deviation of the training returns, > 0.
    public let std: Double
    /// c: the range is `m ± c·s`, c > 0.
    public let clipSigma: Double
    /// The V + 1 bin edges in return units, increasing; bin k is `[binEdges[k], binEdges[k+1])`.
    public let binEdges: [Double]

    /// Creates a tokenizer from known statistics (e.g. read from a checkpoint).
    ///
    /// - Parameters:
    ///   - vocabSize: V ≥ 2.
    ///   - mean: m, finite.
    ///   - std: s > 0, finite.
    ///   - clipSigma: c > 0.
    /// - Throws: `TGFLError.invalidArgument` naming the bad argument.
    public init(vocabSize: Int, mean: Double, std: Double, clipSigma: Double = ReturnTokenizer.defaultClipSigma) throws {
        guard vocabSize >= 2 else {
            throw TGFLError.invalidArgument("vocabSize must be ≥ 2 (one token per bin), got \(vocabSize)")
        }
        guard vocabSize <= Int(Int32.max) else {
            throw TGFLError.invalidArgument("vocabSize \(vocabSize) does not fit an Int32 token")
        }
        guard mean.isFinite else { throw TGFLError.invalidArgument("mean = \(mean) must be finite") }
        guard std.isFinite, std > 0 else {
            throw TGFLError.invalidArgument("std = \(std) must be finite and > 0 (constant training returns?)")
        }
        guard clipSigma.isFinite, clipSigma > 0 else {
            throw TGFLError.invalidArgument("clipSigma = \(clipSigma) must be finite and > 0")
        }
        let edges = (0...vocabSize).map { i in
            mean + std * (-clipSigma + 2 * clipSigma * Double(i) / Double(vocabSize))
        }
        guard edges.allSatisfy(\.isFinite), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw TGFLError.invalidArgument(
                "bins of width \(2 * clipSigma * std / Double(vocabSize)) are too narrow to represent "
                + "around mean \(mean): lower vocabSize or widen clipSigma")
        }
        self.vocabSize = vocabSize; self.mean = mean; self.std = std
        self.clipSigma = clipSigma; self.binEdges = edges
    }

    /// Fits m and s on training returns (pooled over series).
    ///
    /// ```
    /// m = (1/n) Σ r_i,   s = sqrt( Σ (r_i − m)² / (n − 1) )
    /// ```
    /// - Parameters:
    ///   - trainingReturns: log returns of the training span only (≥ 2 in total).
    ///   - vocabSize: V ≥ 2.
    ///   - clipSigma: c > 0.
    /// - Returns: the fitted tokenizer.
    /// - Throws: `TGFLError.invalidArgument` for fewer than 2 returns, a NaN or infinite
    ///   return (naming series and index), zero variance, or bad V or c.
    public static func fit(trainingReturns: [[Double]], vocabSize: Int,
                           clipSigma: Double = defaultClipSigma) throws -> ReturnTokenizer {
        var n = 0, sum = 0.0
        for (s, series) in trainingReturns.enumerated() {
            try RegimeModel.checkFinite(series, what: "training series \(s)")
            n += series.count
            sum += series.reduce(0, +)
        }
        guard n >= 2 else {
            throw TGFLError.invalidArgument(
                "the tokenizer needs at least 2 training returns to estimate a std, got \(n)")
        }
        let m = sum / Double(n)
        var ss = 0.0
        for series in trainingReturns { for r in series { ss += (r - m) * (r - m) } }
        let s = (ss / Double(n - 1)).squareRoot()
        // Rounding leaves a tiny std for constant data; treat anything at that level as zero.
        guard s > 1e-12 * abs(m) else {
            throw TGFLError.invalidArgument(
                "the training returns are constant (std \(s)); the tokenizer needs varying returns")
        }
        return try ReturnTokenizer(vocabSize: vocabSize, mean: m, std: s, clipSigma: clipSigma)
    }

    /// Single-series form of `fit(trainingReturns:vocabSize:clipSigma:)`.
    public static func fit(trainingReturns: [Double], vocabSize: Int,
                           clipSigma: Double = defaultClipSigma) throws -> ReturnTokenizer {
        try fit(trainingReturns: [trainingReturns], vocabSize: vocabSize, clipSigma: clipSigma)
    }

    /// Width of every bin in return units, `2cs / V`.
    public var binWidth: Double { 2 * clipSigma * std / Double(vocabSize) }

    /// Returns represented without clipping, `[m − cs, m + cs]`.
    public var range: ClosedRange<Double> { binEdges[0]...binEdges[vocabSize] }

    // MARK: - Encoding

    /// The token of one return (see the type's formula); values beyond the range clip.
    /// - Throws: `TGFLError.invalidArgument` for NaN (±∞ clip to the extreme bins).
    public func encode(_ r: Double) throws -> Int32 {
        guard !r.isNaN else { throw TGFLError.invalidArgument("cannot tokenize NaN") }
        return Int32(bin(of: r))
    }

    /// Tokens of a return series.
    /// - Parameter returns: log returns.
    /// - Returns: one token in `0 ..< V` per return.
    /// - Throws: `TGFLError.invalidArgument` naming the index of the first NaN.
    public func encode(_ returns: [Double]) throws -> [Int32] {
        if let i = returns.firstIndex(where: \.isNaN) {
            throw TGFLError.invalidArgument("cannot tokenize returns[\(i)] = NaN; clean the data first")
        }
        return returns.map { Int32(bin(of: $0)) }
    }

    /// Bin index of a non-NaN value, consistent with `binEdges` to the last bit.
    func bin(of r: Double) -> Int {
        if r < binEdges[1] { return 0 }
        if r >= binEdges[vocabSize - 1] { return vocabSize - 1 }
        let z = (r - binEdges[0]) / (binEdges[vocabSize] - binEdges[0]) * Double(vocabSize)
        var k = min(max(Int(z.rounded(.down)), 1), vocabSize - 2)
        while k > 0 && r < binEdges[k] { k -= 1 }
        while k < vocabSize - 1 && r >= binEdges[k + 1] { k += 1 }
        return k
    }

    // MARK: - Decoding

    /// The lower and upper edge of a token's bin.
    /// - Throws: `TGFLError.outOfRange` unless `0 ≤ token < V`.
    public func bounds(of token: Int32) throws -> (lower: Double, upper: Double) {
        guard token >= 0, Int(token) < vocabSize else {
            throw TGFLError.outOfRange("token \(token) is outside 0..<\(vocabSize) (vocab_size)")
        }
        return (binEdges[Int(token)], binEdges[Int(token) + 1])
    }

    /// The bin centre of one token.
    /// - Throws: `TGFLError.outOfRange` unless `0 ≤ token < V`.
    public func decode(_ token: Int32) throws -> Double {
        let (lo, hi) = try bounds(of: token)
        return 0.5 * (lo + hi)
    }

    /// Bin centres of a token sequence.
    /// - Throws: `TGFLError.outOfRange` naming the index of the first invalid token.
    public func decode(_ tokens: [Int32]) throws -> [Double] {
        if let i = tokens.firstIndex(where: { $0 < 0 || Int($0) >= vocabSize }) {
            throw TGFLError.outOfRange("tokens[\(i)] = \(tokens[i]) is outside 0..<\(vocabSize) (vocab_size)")
        }
        return tokens.map { 0.5 * (binEdges[Int($0)] + binEdges[Int($0) + 1]) }
    }

    /// A return drawn uniformly inside a token's bin, `edge_k + U (edge_{k+1} − edge_k)`;
    /// always in `[edge_k, edge_{k+1})`. Clipped extreme bins sample inside the bin, never beyond.
    /// - Parameters:
    ///   - token: `0 ≤ token < V`.
    ///   - rng: the generator (one uniform draw).
    /// - Throws: `TGFLError.outOfRange` for an invalid token.
    public func sample(_ token: Int32, using rng: inout SeededRNG) throws -> Double {
        let (lo, hi) = try bounds(of: token)
        return min(lo + rng.uniform() * (hi - lo), hi.nextDown)
    }

    // MARK: - Checkpoint

    /// The `/tokenizer` checkpoint section.
    ///
    /// Attributes: `kind = "uniform_standardized"`, `version = 1`, `vocab_size` (int),
    /// `mean`, `std`, `clip_sigma` (float64). Dataset: `bin_edges` [V+1], so readers without
    /// TGFL can decode tokens (`(edges[k] + edges[k+1]) / 2`).
    public var checkpointSection: CheckpointSection {
        CheckpointSection(
            attributes: ["kind": .string(Self.kind), "version": .int(Self.version),
                         "vocab_size": .int(vocabSize), "mean": .double(mean), "std": .double(std),
                         "clip_sigma": .double(clipSigma)],
            datasets: ["bin_edges": binEdges])
    }

    /// Reads a `/tokenizer` checkpoint section; the stored `bin_edges` must match the ones
    /// implied by the attributes.
    /// - Throws: `TGFLError.invalidArgument` naming the missing or invalid key.
    public init(checkpointSection section: CheckpointSection) throws {
        let r = CheckpointSectionReader(section: section, name: "/tokenizer")
        try r.checkKind(Self.kind, supportedVersions: 1...Self.version)
        let v = try r.int("vocab_size")
        guard v >= 2 else { throw r.fail("attribute 'vocab_size' = \(v) must be ≥ 2") }
        do {
            try self.init(vocabSize: v, mean: r.double("mean"), std: r.double("std"),
                          clipSigma: r.double("clip_sigma"))
        } catch TGFLError.invalidArgument(let m) where !m.hasPrefix("checkpoint section") {
            throw r.fail(m)
        }
        let stored = try r.dataset("bin_edges", count: v + 1)
        for (i, (a, b)) in zip(stored, binEdges).enumerated() where abs(a - b) > 1e-12 * max(1, abs(b)) {
            throw r.fail("dataset 'bin_edges'[\(i)] = \(a) disagrees with mean/std/clip_sigma (\(b))")
        }
    }
}
