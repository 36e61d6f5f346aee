import TGFLBase

/// Flower's client-sampling parameters, common to every strategy.
///
/// ```
/// sample_size = max( floor(available · fraction_train), min_train_nodes )
/// the round needs available ≥ max(min_available_nodes, sample_size)
/// ```
/// (Flower 1.42 `FedAvg.configure_train` and `sample_nodes`; evaluation uses the
/// `_evaluate` counterparts.) Flower waits for more nodes; the simulation, whose nodes
/// are all known, throws instead.
public struct SamplingConfig: Sendable, Equatable, Codable {
    /// Fraction of available clients sampled for training, in (0, 1] (Flower `fraction_train`, default 1.0).
    public var fractionTrain: Double = 1.0
    /// Fraction of clients sampled for evaluation, in [0, 1]; 0 skips federated evaluation
    /// (Flower `fraction_evaluate`, default 1.0).
    public var fractionEvaluate: Double = 1.0
    /// Minimum number of clients sampled for training (Flower `min_train_nodes`, default 2).
    public var minTrainNodes: Int = 2
    /// Minimum number of clients sampled for evaluation (Flower `min_evaluate_nodes`, default 2).
    public var minEvaluateNodes: Int = 2
    /// Minimum number of clients that must exist (Flower `min_available_nodes`, default 2).
    public var minAvailableNodes: Int = 2

    /// Creates it from the values its properties document.
    public init(fractionTrain: Double = 1.0, fractionEvaluate: Double = 1.0, minTrainNodes: Int = 2,
                minEvaluateNodes: Int = 2, minAvailableNodes: Int = 2) {
        self.fractionTrain = fractionTrain
        self.fractionEvaluate = fractionEvaluate
        self.minTrainNodes = minTrainNodes
        self.minEvaluateNodes = minEvaluateNodes
        self.minAvailableNodes = minAvailableNodes
    }

    /// Checks the ranges.
    /// - Throws: `TGFLError.outOfRange` naming the parameter and its bound.
    public func validate() throws {
        guard fractionTrain > 0, fractionTrain <= 1 else {
            throw TGFLError.outOfRange("fraction_train = \(fractionTrain) must be in (0, 1]")
        }
        guard fractionEvaluate >= 0, fractionEvaluate <= 1 else {
            throw TGFLError.outOfRange("fraction_evaluate = \(fractionEvaluate) must be in [0, 1]")
        }
        guard minTrainNodes >= 1 else { throw TGFLError.outOfRange("min_train_nodes = \(minTrainNodes) must be ≥ 1") }
        guard minEvaluateNodes >= 0 else { throw TGFLError.outOfRange("min_evaluate_nodes = \(minEvaluateNodes) must be ≥ 0") }
        guard minAvailableNodes >= 0 else { throw TGFLError.outOfRange("min_available_nodes = \(minAvailableNodes) must be ≥ 0") }
    }

    /// Number of clients sampled for training out of `available`.
    /// - Throws: `TGFLError.invalidArgument` when fewer than `max(min_available_nodes, sample_size)` exist.
    public func trainSampleSize(available: Int) throws -> Int {
        try validate()
        let size = max(Int((Double(available) * fractionTrain).rounded(.down)), minTrainNodes)
        let needed = max(minAvailableNodes, size)
        guard available >= needed else {
            throw TGFLError.invalidArgument(
                "too few clients: \(available) available, but min_train_nodes = \(minTrainNodes), "
                + "min_available_nodes = \(minAvailableNodes) and fraction_train = \(fractionTrain) need \(needed); "
                + "add clients or lower these settings")
        }
        return size
    }

    /// Number of clients sampled for evaluation (0 when `fraction_evaluate` is 0), capped at `available`.
    public func evaluateSampleSize(available: Int) -> Int {
        if fractionEvaluate == 0 { return 0 }
        let size = max(Int((Double(available) * fractionEvaluate).rounded(.down)), minEvaluateNodes)
        return min(size, available)
    }
}

/// Serializable strategy state (server momentum, Adam moments, …) for checkpoints.
///
/// Vectors are stored as Float32 (as Flower's NumPy state is for float32 models).
public struct StrategyState: Sendable, Equatable, Codable {
    /// Named vectors (e.g. "momentum", "m", "v").
    public var vectors: [String: [Float]]
    /// Named scalars.
    public var scalars: [String: Double]
    /// Creates it from the values its properties document.
    public init(vectors: [String: [Float]] = [:], scalars: [String: Double] = [:]) {
        self.vectors = vectors
        self.scalars = scalars
    }
}

/// An aggregation strategy: turns the round's client updates into the next global weights.
///
/// Implementers supply the per-round rule `aggregate`; everything else has a default.
/// Strategies work on flat parameter vectors and know nothing of layers. Where Flower
/// computes a rule per layer it is either element-wise (median, trimmed mean, Bulyan) or
/// uses the whole-model norm (Krum distances, q-FedAvg, DP clipping), so the flat result
/// is the same as Flower's.
public protocol FederatedStrategy: Sendable {
    /// Flower's class name, e.g. `"FedAvg"`.
    var name: String { get }
    /// Client sampling (`fraction_train`, `min_train_nodes`, …).
    var sampling: SamplingConfig { get set }
    /// FedProx μ sent to clients in the fit config (0 unless FedProx).
    var proximalMu: Double { get }
    /// Fewest valid replies the rule can aggregate; with fewer the engine skips the round
    /// (Flower's Bulyan does the same) and records why.
    var minimumReplies: Int { get }
    /// Checks the hyperparameters against a round of `sampleSize` replies.
    /// - Throws: `TGFLError.outOfRange` naming the parameter and the bound.
    func validate(sampleSize: Int) throws
    /// The round's aggregation rule.
    ///
    /// - Parameters:
    ///   - round: 1-based server round.
    ///   - global: The global weights sent to the clients this round.
    ///   - updates: Valid updates in client-id order, each with `global.count` finite parameters.
    /// - Returns: The new global weights.
    /// - Throws: `TGFLError` on inconsistent input.
    mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float]
    /// The state to checkpoint.
    func exportState() -> StrategyState
    /// Restores a checkpointed state.
    /// - Throws: `TGFLError.invalidArgument` when the state does not fit this strategy.
    mutating func restoreState(_ state: StrategyState) throws
}

/// Defaults shared by every strategy.
public extension FederatedStrategy {
    var proximalMu: Double { 0 }
    var minimumReplies: Int { 1 }
    func validate(sampleSize: Int) throws { try sampling.validate() }
    func exportState() -> StrategyState { StrategyState() }
    mutating func restoreState(_ state: StrategyState) throws {}
}

/// A strategy whose rule only needs the example-weighted mean of the client weights
/// (FedAvg, FedAvgM, FedProx, FedAdagrad, FedAdam, FedYogi).
///
/// Only such strategies work with secure aggregation, where the server sees nothing but
/// the masked sum. Implementers supply `step`; `aggregate` forms the mean:
/// ```
/// mean = Σ_i (n_i / Σ_j n_j) · w_i
/// ```
public protocol MeanBasedStrategy: FederatedStrategy {
    /// The server update from the weighted mean of the client weights.
    ///
    /// - Parameters:
    ///   - round: 1-based server round.
    ///   - global: The weights sent to the clients.
    ///   - mean: The example-weighted mean of their new weights.
    /// - Returns: The new global weights.
    mutating func step(round: Int, global: [Float], mean: [Float]) throws -> [Float]
}

/// Aggregation of mean-based strategies: the example-weighted mean, then `step`.
public extension MeanBasedStrategy {
    mutating func aggregate(round: Int, global: [Float], updates: [ClientUpdate]) throws -> [Float] {
        try step(round: round, global: global, mean: Aggregation.weightedMean(updates))
    }
}

/// Shared aggregation arithmetic (Flower `aggregate_arrayrecords` and friends).
public enum Aggregation {
    /// Example-weighted mean of the client weights, accumulated in Double.
    ///
    /// ```
    /// mean = Σ_i (n_i / Σ_j n_j) · w_i
    /// ```
    /// - Parameter updates: At least one update, all of the same length, positive total weight.
    /// - Returns: The mean, Float32.
    /// - Throws: `TGFLError.invalidArgument` when empty or the total weight is not positive;
    ///   `TGFLError.shapeMismatch` when lengths differ.
    public static func weightedMean(_ updates: [ClientUpdate]) throws -> [Float] {
        guard let first = updates.first else {
            throw TGFLError.invalidArgument("aggregation needs at least one client update")
        }
        let total = updates.reduce(0.0) { $0 + Double($1.numExamples) }
        guard total > 0 else {
            throw TGFLError.invalidArgument("aggregation: the clients' num_examples sum to \(total); it must be positive")
        }
        let d = first.parameters.count
        for u in updates where u.parameters.count != d {
            throw TGFLError.shapeMismatch("client \(u.clientID) sent \(u.parameters.count) parameters, expected \(d)")
        }
        let factors = updates.map { Double($0.numExamples) / total }
        // Blocked over parameters so the Double accumulator stays in L1; for every element the
        // sum still runs over the updates in order, so the bits equal the plain loop's.
        let block = 2048
        var acc = [Double](repeating: 0, count: min(block, d))
        return [Float](unsafeUninitializedCapacity: d) { out, initialized in
            acc.withUnsafeMutableBufferPointer { a in
                var start = 0
                while start < d {
                    let len = min(block, d - start)
                    for k in 0..<len { a[k] = 0 }
                    for (u, f) in zip(updates, factors) {
                        u.parameters.withUnsafeBufferPointer { p in
                            let src = p.baseAddress! + start
                            for k in 0..<len { a[k] += f * Double(src[k]) }
                        }
                    }
                    for k in 0..<len { out[start + k] = Float(a[k]) }
                    start += len
                }
            }
            initialized = d
        }
    }

    /// Unweighted mean of `vectors` (rows), accumulated in Double.
    static func mean(_ vectors: [[Float]]) -> [Float] {
        let d = vectors.first?.count ?? 0
        var acc = [Double](repeating: 0, count: d)
        for v in vectors { for k in 0..<d { acc[k] += Double(v[k]) } }
        let n = Double(vectors.count)
        return acc.map { Float($0 / n) }
    }

    /// Element-wise median (mean of the two middle values for an even count, as `np.median`).
    static func median(_ vectors: [[Float]]) -> [Float] {
        let n = vectors.count, d = vectors.first?.count ?? 0
        var out = [Float](repeating: 0, count: d)
        var col = [Float](repeating: 0, count: n)
        for k in 0..<d {
            for i in 0..<n { col[i] = vectors[i][k] }
            col.sort()
            out[k] = n % 2 == 1 ? col[n / 2] : Float((Double(col[n / 2 - 1]) + Double(col[n / 2])) / 2)
        }
        return out
    }

    /// Squared Euclidean distance, in Double.
    static func squaredDistance(_ a: [Float], _ b: [Float]) -> Double {
        var s = 0.0
        for k in a.indices { let d = Double(a[k]) - Double(b[k]); s += d * d }
        return s
    }
}

func checkPositive(_ value: Double, _ name: String) throws {
    guard value > 0, value.isFinite else { throw TGFLError.outOfRange("\(name) = \(value) must be positive and finite") }
}

func checkUnitInterval(_ value: Double, _ name: String, closedAbove: Bool = false) throws {
    let ok = closedAbove ? (value >= 0 && value <= 1) : (value >= 0 && value < 1)
    guard ok else { throw TGFLError.outOfRange("\(name) = \(value) must be in [0, 1\(closedAbove ? "]" : ")")") }
}
