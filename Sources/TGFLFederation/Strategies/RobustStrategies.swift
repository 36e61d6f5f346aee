import Foundation
import TGFLBase

/// Coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning:
/// Towards Optimal Statistical Rates", arXiv:1803.01498); Flower `FedMedian`.
///
/// ```
/// w_{t+1}[k] = median_i w_i[k]        (mean of the two middle values for even n, as np.median)
/// ```
public struct FedMedian: FederatedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "FedMedian" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(sampling: SamplingConfig = SamplingConfig()) { self.sampling = sampling }
    /// The next global parameters from this round's client updates (see the type's formula).
    public mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float] {
        guard !updates.isEmpty else { throw TGFLError.invalidArgument("FedMedian needs at least one update") }
        return Aggregation.median(updates.map(\.parameters))
    }
}

/// Coordinate-wise trimmed mean (Yin et al. 2018, arXiv:1803.01498); Flower `FedTrimmedAvg`.
///
/// ```
/// cut = floor(β · n);   w_{t+1}[k] = mean of sorted_i w_i[k] over ranks cut ..< n − cut
/// ```
/// (Flower's `trim_mean`, after `scipy.stats.trim_mean`; unweighted.)
public struct FedTrimmedAvg: FederatedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "FedTrimmedAvg" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Fraction cut from each tail, in [0, 0.5) (Flower `beta`, default 0.2).
    public var beta: Double
    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(beta: Double = 0.2, sampling: SamplingConfig = SamplingConfig()) {
        self.beta = beta
        self.sampling = sampling
    }
    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        guard beta >= 0, beta < 0.5 else { throw TGFLError.outOfRange("FedTrimmedAvg beta = \(beta) must be in [0, 0.5)") }
    }
    /// The next global parameters from this round's client updates (see the type's formula).
    public mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float] {
        guard beta >= 0, beta < 0.5 else { throw TGFLError.outOfRange("FedTrimmedAvg beta = \(beta) must be in [0, 0.5)") }
        let n = updates.count
        guard n > 0 else { throw TGFLError.invalidArgument("FedTrimmedAvg needs at least one update") }
        let cut = Int((beta * Double(n)).rounded(.down))
        let d = global.count
        var out = [Float](repeating: 0, count: d)
        var col = [Float](repeating: 0, count: n)
        for k in 0..<d {
            for i in 0..<n { col[i] = updates[i].parameters[k] }
            col.sort()
            var s = 0.0
            for i in cut..<(n - cut) { s += Double(col[i]) }
            out[k] = Float(s / Double(n - 2 * cut))
        }
        return out
    }
}

/// Multi-Krum (Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant
/// Gradient Descent", arXiv:1703.02757); Flower `MultiKrum` (and `Krum` with one node).
///
/// ```
/// score(i) = Σ_{j ∈ N_i} ‖w_i − w_j‖²,   N_i = the max(1, n − f − 2) nearest other clients
/// select the num_nodes_to_select lowest scores; w_{t+1} = example-weighted mean of the selected
/// ```
/// Distances use the whole flattened model, as Flower's `compute_distances`. Krum's
/// guarantee needs `n > 2f + 2`; `validate(sampleSize:)` enforces it.
public struct MultiKrum: FederatedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { numNodesToSelect == 1 ? "Krum" : "MultiKrum" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Assumed number of Byzantine clients f ≥ 0 (Flower `num_malicious_nodes`, default 0).
    public var numMaliciousNodes: Int
    /// Number m ≥ 1 of clients averaged after selection (Flower `num_nodes_to_select`, default 1).
    public var numNodesToSelect: Int

    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(numMaliciousNodes: Int = 0, numNodesToSelect: Int = 1, sampling: SamplingConfig = SamplingConfig()) {
        self.numMaliciousNodes = numMaliciousNodes
        self.numNodesToSelect = numNodesToSelect
        self.sampling = sampling
    }

    /// Krum: Multi-Krum selecting one client (Flower `Krum`).
    public static func krum(numMaliciousNodes: Int = 0, sampling: SamplingConfig = SamplingConfig()) -> MultiKrum {
        MultiKrum(numMaliciousNodes: numMaliciousNodes, numNodesToSelect: 1, sampling: sampling)
    }

    /// The fewest client replies the aggregation needs.
    public var minimumReplies: Int { max(2 * numMaliciousNodes + 3, numNodesToSelect) }

    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        guard numMaliciousNodes >= 0 else { throw TGFLError.outOfRange("num_malicious_nodes = \(numMaliciousNodes) must be ≥ 0") }
        guard numNodesToSelect >= 1 else { throw TGFLError.outOfRange("num_nodes_to_select = \(numNodesToSelect) must be ≥ 1") }
        guard sampleSize > 2 * numMaliciousNodes + 2 else {
            throw TGFLError.outOfRange("\(name) with num_malicious_nodes = \(numMaliciousNodes) needs more than "
                + "2·f + 2 = \(2 * numMaliciousNodes + 2) clients per round, but only \(sampleSize) are sampled; "
                + "lower num_malicious_nodes or sample more clients")
        }
        guard numNodesToSelect <= sampleSize else {
            throw TGFLError.outOfRange("num_nodes_to_select = \(numNodesToSelect) exceeds the \(sampleSize) clients sampled per round")
        }
    }

    /// Indices (into `vectors`) of the `count` lowest Krum scores, best first.
    static func select(_ vectors: [[Float]], numMalicious f: Int, count: Int) -> [Int] {
        let n = vectors.count
        var dist = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) {
                let s = Aggregation.squaredDistance(vectors[i], vectors[j])
                dist[i][j] = s; dist[j][i] = s
            }
        }
        let closest = max(1, n - f - 2)
        var scores = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var others = [Double]()
            others.reserveCapacity(n - 1)
            for j in 0..<n where j != i { others.append(dist[i][j]) }
            others.sort()
            scores[i] = others.prefix(closest).reduce(0, +)
        }
        let order = (0..<n).sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }
        return Array(order.prefix(count))
    }

    /// The next global parameters from this round's client updates (see the type's formula).
    public mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float] {
        guard !updates.isEmpty else { throw TGFLError.invalidArgument("\(name) needs at least one update") }
        let chosen = MultiKrum.select(updates.map(\.parameters), numMalicious: numMaliciousNodes,
                                      count: min(numNodesToSelect, updates.count)).sorted()
        return try Aggregation.weightedMean(chosen.map { updates[$0] })
    }
}

/// Bulyan (El Mhamdi et al. 2018, "The Hidden Vulnerability of Distributed Learning in
/// Byzantium", arXiv:1802.07927); Flower `Bulyan` with its default Multi-Krum selection.
///
/// ```
/// θ = n − 2f;  S = the θ clients with the lowest Krum scores (one Multi-Krum pass, as Flower)
/// β = θ − 2f;  med[k] = median_{i∈S} w_i[k]
/// w_{t+1}[k] = mean of the β values w_i[k], i ∈ S, closest to med[k]
/// ```
/// Needs `n ≥ 4f + 3`; with fewer valid replies the round is skipped, as in Flower.
public struct Bulyan: FederatedStrategy {
    /// Flower's name of the strategy (as in the federation record).
    public var name: String { "Bulyan" }
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Assumed number of Byzantine clients f ≥ 0 (Flower `num_malicious_nodes`, default 0).
    public var numMaliciousNodes: Int
    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(numMaliciousNodes: Int = 0, sampling: SamplingConfig = SamplingConfig()) {
        self.numMaliciousNodes = numMaliciousNodes
        self.sampling = sampling
    }
    /// The fewest client replies the aggregation needs.
    public var minimumReplies: Int { 4 * numMaliciousNodes + 3 }

    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        guard numMaliciousNodes >= 0 else { throw TGFLError.outOfRange("num_malicious_nodes = \(numMaliciousNodes) must be ≥ 0") }
        guard sampleSize >= 4 * numMaliciousNodes + 3 else {
            throw TGFLError.outOfRange("Bulyan with num_malicious_nodes = \(numMaliciousNodes) needs at least "
                + "4·f + 3 = \(4 * numMaliciousNodes + 3) clients per round, but only \(sampleSize) are sampled; "
                + "lower num_malicious_nodes or sample more clients")
        }
    }

    /// The next global parameters from this round's client updates (see the type's formula).
    public mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float] {
        let n = updates.count, f = numMaliciousNodes
        guard n >= 4 * f + 3 else {
            throw TGFLError.outOfRange("Bulyan needs at least 4·f + 3 = \(4 * f + 3) updates, got \(n)")
        }
        let theta = n - 2 * f, beta = theta - 2 * f
        let chosen = MultiKrum.select(updates.map(\.parameters), numMalicious: f, count: theta)
        let selected = chosen.map { updates[$0].parameters }
        let med = Aggregation.median(selected)
        let d = global.count
        var out = [Float](repeating: 0, count: d)
        var col = [(dist: Float, value: Float)](repeating: (0, 0), count: theta)
        for k in 0..<d {
            for i in 0..<theta { col[i] = (abs(selected[i][k] - med[k]), selected[i][k]) }
            col.sort { $0.dist != $1.dist ? $0.dist < $1.dist : $0.value < $1.value }
            var s = 0.0
            for i in 0..<beta { s += Double(col[i].value) }
            out[k] = Float(s / Double(beta))
        }
        return out
    }
}
