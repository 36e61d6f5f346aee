import TGFLBase

/// Secure aggregation by pairwise additive masks (Bonawitz et al. 2017, "Practical Secure
/// Aggregation for Privacy-Preserving Machine Learning", CCS), simulated.
///
/// ```
/// encode(x) = round(x · 2^fractionBits) as a two's-complement UInt64           (fixed point)
/// y_i = encode(n_i · w_i) + Σ_{j>i} m_ij − Σ_{j<i} m_ji      (mod 2^64)
/// Σ_i y_i = Σ_i encode(n_i · w_i)                            (the masks cancel exactly)
/// mean = decode(Σ_i y_i) / Σ_i n_i
/// ```
/// Each pair (i, j), i < j, shares a key derived from the run seed, the round and the pair;
/// the mask `m_ij` is a stream of `SeededRNG(seed: key)` words. Doing the mask arithmetic
/// on fixed-point integers modulo 2^64 (as the protocol does in a finite group) makes the
/// cancellation exact: the only error left is the rounding of each encoded value,
/// ≤ 2^−(fractionBits+1) per client and element, 2^−33 by default — far below Float32 resolution
/// of the weights. (Adding Float masks instead would lose the low bits of w under masks of
/// much larger magnitude.) Masked vectors are 8 bytes per parameter. The example counts
/// n_i travel in the clear, as Flower's SecAgg+ also reveals them.
///
/// Dropouts: if client j was masked into the round but its vector never arrives, the
/// survivors' masks shared with j do not cancel. With `recoverDropouts` the survivors
/// reveal their pair masks with j (in the real protocol the server rebuilds j's pairwise
/// seeds from Shamir shares held by the survivors) and the server removes them; otherwise
/// `unmask` throws and names the dropped clients.
///
/// Masking protects an update only among at least 2 survivors: the "sum" of one vector is that
/// vector. `FederatedSimulation` refuses settings that can only sample 1 client and records a
/// round with fewer than 2 survivors as not masked (`RoundRecord.masked`). Under DP every
/// vector is encoded with weight 1 (equal weights) and the server uses `unmaskSum`.
public struct SecureAggregator: Sendable {
    /// Fixed-point fraction bits (default 32): resolution 2^−32, range |Σ n_i w_i| < 2^31.
    public let fractionBits: Int
    /// Seed of the pairwise masks.
    public let seed: UInt64
    /// The round the masks belong to (masks differ per round).
    public let round: Int
    /// The clients that agreed keys this round (the sampled ones), ascending.
    public let participants: [Int]

    /// Creates it from the values its properties document.
    public init(seed: UInt64, round: Int, participants: [Int], fractionBits: Int = 32) {
        self.seed = seed
        self.round = round
        self.participants = participants.sorted()
        self.fractionBits = fractionBits
    }

    private var scale: Double { Double(sign: .plus, exponent: fractionBits, significand: 1) }

    /// The pair key of clients a and b (order-free).
    func pairKey(_ a: Int, _ b: Int) -> UInt64 {
        let lo = UInt64(min(a, b)), hi = UInt64(max(a, b))
        var r = SeededRNG(seed: seed, purpose: .secureAggregation, stream: (UInt64(round) << 40) ^ (lo << 20) ^ hi)
        return r.next()
    }

    /// Adds (`sign` = +1) or subtracts the mask of pair (a, b) into `acc`.
    func applyMask(_ acc: inout [UInt64], pair a: Int, _ b: Int, add: Bool) {
        var r = SeededRNG(seed: pairKey(a, b))
        if add { for k in acc.indices { acc[k] &+= r.next() } }
        else { for k in acc.indices { acc[k] &-= r.next() } }
    }

    /// The masked vector client `clientID` sends.
    ///
    /// - Parameters:
    ///   - clientID: One of `participants`.
    ///   - parameters: The client's weights w_i.
    ///   - weight: Its example count n_i (the vector encodes n_i · w_i).
    /// - Returns: The masked fixed-point vector.
    /// - Throws: `TGFLError.invalidArgument` when the client is not a participant or a value is
    ///   not finite or too large to encode (naming the element).
    public func mask(clientID: Int, parameters: [Float], weight: Int) throws -> [UInt64] {
        guard participants.contains(clientID) else {
            throw TGFLError.invalidArgument("secure aggregation: client \(clientID) is not a participant of round \(round)")
        }
        let s = scale, limit = Double(sign: .plus, exponent: 62, significand: 1)
        var out = [UInt64](repeating: 0, count: parameters.count)
        for k in parameters.indices {
            let v = (Double(weight) * Double(parameters[k]) * s).rounded()
            guard v.isFinite, abs(v) < limit else {
                throw TGFLError.invalidArgument("secure aggregation: client \(clientID), element \(k): value "
                    + "\(parameters[k]) × weight \(weight) is not finite or too large for \(fractionBits) fraction bits")
            }
            out[k] = UInt64(bitPattern: Int64(v))
        }
        for j in participants where j != clientID {
            applyMask(&out, pair: clientID, j, add: clientID < j)
        }
        return out
    }

    /// Sums the masked vectors that arrived and returns the example-weighted mean.
    ///
    /// - Parameters:
    ///   - masked: Client id → masked vector, for the clients whose vector arrived.
    ///   - weights: Client id → n_i for the same clients.
    ///   - recoverDropouts: Remove the masks shared with participants whose vector is missing.
    /// - Returns: The weighted mean and the participants that dropped after masking.
    /// - Throws: `TGFLError.invalidArgument` when nothing arrived, lengths differ, or clients
    ///   dropped and `recoverDropouts` is false (the error names them).
    public func unmask(_ masked: [Int: [UInt64]], weights: [Int: Int], recoverDropouts: Bool) throws
        -> (mean: [Float], dropped: [Int]) {
        let (sum, dropped) = try unmaskSum(masked, recoverDropouts: recoverDropouts)
        let total = masked.keys.reduce(0.0) { $0 + Double(weights[$1] ?? 0) }
        guard total > 0 else { throw TGFLError.invalidArgument("secure aggregation: the arrived clients' weights sum to 0") }
        return (sum.map { Float($0 / total) }, dropped)
    }

    /// Sums the masked vectors that arrived: Σ_i n_i·w_i, decoded (no division).
    ///
    /// - Parameters:
    ///   - masked: Client id → masked vector, for the clients whose vector arrived.
    ///   - recoverDropouts: Remove the masks shared with participants whose vector is missing.
    /// - Returns: The decoded sum and the participants that dropped after masking.
    /// - Throws: `TGFLError.invalidArgument` when nothing arrived, lengths differ, or clients
    ///   dropped and `recoverDropouts` is false (the error names them).
    public func unmaskSum(_ masked: [Int: [UInt64]], recoverDropouts: Bool) throws -> (sum: [Double], dropped: [Int]) {
        let arrived = masked.keys.sorted()
        guard let first = arrived.first else {
            throw TGFLError.invalidArgument("secure aggregation: no masked update arrived in round \(round)")
        }
        let d = masked[first]!.count
        var acc = [UInt64](repeating: 0, count: d)
        for c in arrived {
            let v = masked[c]!
            guard v.count == d else {
                throw TGFLError.shapeMismatch("secure aggregation: client \(c) sent \(v.count) values, expected \(d)")
            }
            for k in 0..<d { acc[k] &+= v[k] }
        }
        let dropped = participants.filter { masked[$0] == nil }
        if !dropped.isEmpty {
            guard recoverDropouts else {
                throw TGFLError.invalidArgument("secure aggregation: clients \(dropped) dropped after masking in round "
                    + "\(round); their pairwise masks do not cancel — enable dropout recovery")
            }
            // Survivor i holds +m_ij (i < j) or −m_ji (i > j) for dropped j: take it back out.
            for j in dropped { for i in arrived { applyMask(&acc, pair: i, j, add: !(i < j)) } }
        }
        let s = scale
        return (acc.map { Double(Int64(bitPattern: $0)) / s }, dropped)
    }
}
