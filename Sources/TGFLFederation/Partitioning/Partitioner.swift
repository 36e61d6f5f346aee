import Foundation
import TGFLBase

/// Metadata of one training window: which series it comes from, the day it starts and its
/// regime label (the regime of the window, e.g. at its last day).
public struct WindowInfo: Sendable, Equatable, Codable {
    /// Index of the series (institution, market) the window is cut from.
    public var series: Int
    /// Start day of the window (an index on a common calendar).
    public var start: Int
    /// Regime label of the window, `0..<R`.
    public var regime: Int
    /// Creates it from the values its properties document.
    public init(series: Int, start: Int, regime: Int) {
        self.series = series
        self.start = start
        self.regime = regime
    }
}

/// How client sizes grow with the client index in a size-skewed split
/// (flwr-datasets `LinearPartitioner`, `SquarePartitioner`, `ExponentialPartitioner`).
public enum SizeSkew: String, Sendable, Codable {
    /// size_i ∝ i + 1
    case linear
    /// size_i ∝ (i + 1)²
    case square
    /// size_i ∝ e^(i + 1)
    case exponential
}

/// A way of splitting windows across clients.
public enum PartitionScheme: Sendable, Equatable, Codable {
    /// Shuffled, equal sizes (±1).
    case iid
    /// For each regime, client shares ~ Dirichlet(α·1); small α makes clients see few regimes.
    case dirichlet(alpha: Double)
    /// Each client holds `regimesPerClient` regimes (the first is `client mod R`, the rest
    /// drawn at random); each regime's windows are split evenly among its holders.
    case pathological(regimesPerClient: Int)
    /// Contiguous, ordered blocks of calendar time: client 0 gets the earliest period.
    case timePeriods
    /// One series per client (client i gets series number i in sorted order).
    case natural
    /// Shuffled, with sizes growing by the given law.
    case sizeSkew(SizeSkew)
}

/// Splits window indices across clients, reproducibly.
///
/// Follows flwr-datasets' partitioners (IID, Dirichlet, Pathological, Natural id, Linear/
/// Square/Exponential) plus a time-period split for time series. Every partition is sorted
/// ascending; partitions are disjoint; all schemes except `pathological` (where a regime
/// no client holds is left out) cover every window.
public struct Partitioner: Sendable {
    /// Clients to split the windows across.
    public var numClients: Int
    /// How the windows are split.
    public var scheme: PartitionScheme
    /// Seed of the random splits (IID shuffle, Dirichlet draws).
    public var seed: UInt64
    /// Smallest allowed partition (windows per client), ≥ 1 by default.
    public var minPartitionSize: Int
    /// Dirichlet only: how many times to redraw the proportions when a client falls under
    /// `minPartitionSize` before giving up (flwr-datasets' `max_num_attempts`).
    public var maxAttempts: Int

    /// Creates it from the values its properties document.
    public init(numClients: Int, scheme: PartitionScheme, seed: UInt64, minPartitionSize: Int = 1, maxAttempts: Int = 10) {
        self.numClients = numClients
        self.scheme = scheme
        self.seed = seed
        self.minPartitionSize = minPartitionSize
        self.maxAttempts = maxAttempts
    }

    /// Splits `windows` into `numClients` lists of window indices.
    ///
    /// - Parameter windows: Metadata of every window; indices into this array are returned.
    /// - Returns: One sorted index list per client.
    /// - Throws: `TGFLError.outOfRange`/`.invalidArgument` for bad settings (naming them), and
    ///   `TGFLError.invalidArgument` naming the client whose partition is under `minPartitionSize`.
    public func partition(_ windows: [WindowInfo]) throws -> [[Int]] {
        guard numClients >= 1 else { throw TGFLError.outOfRange("numClients = \(numClients) must be ≥ 1") }
        guard minPartitionSize >= 0 else { throw TGFLError.outOfRange("minPartitionSize = \(minPartitionSize) must be ≥ 0") }
        guard !windows.isEmpty else { throw TGFLError.invalidArgument("no windows to partition") }
        for (i, w) in windows.enumerated() where w.regime < 0 || w.series < 0 {
            throw TGFLError.outOfRange("window \(i): series \(w.series) and regime \(w.regime) must be ≥ 0")
        }
        var rng = SeededRNG(seed: seed, stream: RandomPurpose.partition.rawValue)
        var parts: [[Int]]
        switch scheme {
        case .iid:
            parts = Partitioner.splitBySizes(rng.permutation(windows.count), sizes: Partitioner.equalSizes(windows.count, numClients))
        case .sizeSkew(let law):
            let weights = (0..<numClients).map { i -> Double in
                switch law {
                case .linear: Double(i + 1)
                case .square: Double((i + 1) * (i + 1))
                // e^(i+1) scaled by e^-numClients (same proportions): e^(i+1) itself overflows
                // to ∞ from 709 clients on, and ∞/∞ would make the sizes NaN.
                case .exponential: exp(Double(i + 1 - numClients))
                }
            }
            parts = Partitioner.splitBySizes(rng.permutation(windows.count), sizes: Partitioner.proportionalSizes(windows.count, weights))
        case .dirichlet(let alpha):
            guard alpha > 0, alpha.isFinite else { throw TGFLError.outOfRange("Dirichlet alpha = \(alpha) must be positive and finite") }
            guard maxAttempts >= 1 else { throw TGFLError.outOfRange("maxAttempts = \(maxAttempts) must be ≥ 1") }
            parts = []
            for attempt in 1...maxAttempts {
                parts = dirichletSplit(windows, alpha: alpha, rng: &rng)
                if parts.allSatisfy({ $0.count >= minPartitionSize }) || attempt == maxAttempts { break }
            }
        case .pathological(let k):
            parts = try pathologicalSplit(windows, regimesPerClient: k, rng: &rng)
        case .timePeriods:
            parts = try timeSplit(windows)
        case .natural:
            let series = Array(Set(windows.map(\.series))).sorted()
            guard series.count == numClients else {
                throw TGFLError.invalidArgument("natural partition: \(series.count) series but numClients = \(numClients); "
                    + "use one client per series")
            }
            let slot = Dictionary(uniqueKeysWithValues: series.enumerated().map { ($1, $0) })
            parts = Array(repeating: [], count: numClients)
            for (i, w) in windows.enumerated() { parts[slot[w.series]!].append(i) }
        }
        parts = parts.map { $0.sorted() }
        if let bad = parts.indices.first(where: { parts[$0].count < minPartitionSize }) {
            throw TGFLError.invalidArgument("partition \(scheme.cliName): client \(bad) gets \(parts[bad].count) windows, "
                + "fewer than minPartitionSize = \(minPartitionSize); use fewer clients, more data, "
                + "a smaller minimum\(isDirichlet ? " or a larger alpha" : "")")
        }
        return parts
    }

    private var isDirichlet: Bool { if case .dirichlet = scheme { return true } else { return false } }

    static func equalSizes(_ n: Int, _ k: Int) -> [Int] {
        (0..<k).map { n / k + ($0 < n % k ? 1 : 0) }
    }

    /// Largest-remainder apportionment of n items by weights.
    /// Weights must be finite and ≥ 0 with a positive finite sum (otherwise all go to the last).
    static func proportionalSizes(_ n: Int, _ weights: [Double]) -> [Int] {
        let total = weights.reduce(0, +)
        guard total.isFinite, total > 0, weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            return weights.indices.map { $0 == weights.count - 1 ? n : 0 }
        }
        let exact = weights.map { min(Double(n), max(0, Double(n) * $0 / total)) }
        var sizes = exact.map { Int($0.rounded(.down)) }
        let left = n - sizes.reduce(0, +)
        let order = exact.indices.sorted { (exact[$0] - Double(sizes[$0])) > (exact[$1] - Double(sizes[$1])) || ((exact[$0] - Double(sizes[$0])) == (exact[$1] - Double(sizes[$1])) && $0 < $1) }
        for i in order.prefix(left) { sizes[i] += 1 }
        return sizes
    }

    static func splitBySizes(_ items: [Int], sizes: [Int]) -> [[Int]] {
        var out: [[Int]] = []
        var at = 0
        for s in sizes { out.append(Array(items[at..<(at + s)])); at += s }
        return out
    }

    private func dirichletSplit(_ windows: [WindowInfo], alpha: Double, rng: inout SeededRNG) -> [[Int]] {
        let regimes = Array(Set(windows.map(\.regime))).sorted()
        var parts = [[Int]](repeating: [], count: numClients)
        for r in regimes {
            var idx = windows.indices.filter { windows[$0].regime == r }
            rng.shuffle(&idx)
            let p = rng.dirichlet([Double](repeating: alpha, count: numClients))
            let sizes = Partitioner.proportionalSizes(idx.count, p)
            for (c, chunk) in Partitioner.splitBySizes(idx, sizes: sizes).enumerated() { parts[c] += chunk }
        }
        return parts
    }

    private func pathologicalSplit(_ windows: [WindowInfo], regimesPerClient k: Int, rng: inout SeededRNG) throws -> [[Int]] {
        let regimes = Array(Set(windows.map(\.regime))).sorted()
        guard k >= 1, k <= regimes.count else {
            throw TGFLError.outOfRange("pathological regimesPerClient = \(k) must be in 1...\(regimes.count) (the number of regimes present)")
        }
        var holders = [Int: [Int]]()
        for c in 0..<numClients {
            var mine = [regimes[c % regimes.count]]
            var rest = regimes.filter { $0 != mine[0] }
            rng.shuffle(&rest)
            mine += rest.prefix(k - 1)
            for r in mine { holders[r, default: []].append(c) }
        }
        var parts = [[Int]](repeating: [], count: numClients)
        for r in regimes {
            guard let hs = holders[r] else { continue }
            var idx = windows.indices.filter { windows[$0].regime == r }
            rng.shuffle(&idx)
            for (j, chunk) in Partitioner.splitBySizes(idx, sizes: Partitioner.equalSizes(idx.count, hs.count)).enumerated() {
                parts[hs[j]] += chunk
            }
        }
        return parts
    }

    /// Contiguous blocks of start days: cuts fall between distinct days, near equal counts.
    private func timeSplit(_ windows: [WindowInfo]) throws -> [[Int]] {
        let days = Array(Set(windows.map(\.start))).sorted()
        guard days.count >= numClients else {
            throw TGFLError.invalidArgument("time-period partition: the windows start on only \(days.count) distinct days, "
                + "too few to give each of \(numClients) clients a window; use fewer clients or longer series")
        }
        var countPerDay = [Int: Int]()
        for w in windows { countPerDay[w.start, default: 0] += 1 }
        // Assign each day to a client by the cumulative count at its middle, keeping every
        // client non-empty (at least one day each).
        let n = Double(windows.count)
        var dayClient = [Int: Int]()
        var cum = 0.0
        var client = 0
        for (di, day) in days.enumerated() {
            let c = Double(countPerDay[day]!)
            let mid = (cum + c / 2) / n
            var target = min(Int(mid * Double(numClients)), numClients - 1)
            let daysLeft = days.count - di
            target = max(target, numClients - daysLeft)          // leave a day for each later client
            target = min(target, client + 1)                     // no client skipped
            if di == 0 { target = 0 }
            client = max(client, target)
            dayClient[day] = client
            cum += c
        }
        var parts = [[Int]](repeating: [], count: numClients)
        for (i, w) in windows.enumerated() { parts[dayClient[w.start]!].append(i) }
        return parts
    }
}
