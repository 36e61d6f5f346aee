import TGFLBase

/// Settings of a simulated federation (everything except the clients and the strategy).
public struct SimulationConfig: Sendable, Equatable, Codable {
    /// Total number of server rounds R ≥ 1.
    public var rounds: Int
    /// Run seed: sampling, faults, client seeds, DP noise and masks all derive from it.
    public var seed: UInt64
    /// Local steps per round, sent in `FitConfig.localSteps`.
    public var localSteps: Int
    /// Local learning rate, sent in `FitConfig.learningRate`.
    public var learningRate: Double
    /// Worker threads for client training; 0 = all active cores. Results do not depend on it.
    public var threads: Int
    /// Dropouts, stragglers, Byzantine clients.
    public var faults: FaultConfig
    /// Client-level DP-FedAvg, or `nil`.
    public var privacy: DPConfig?
    /// The δ at which the accountant reports ε (when `privacy` is set).
    public var privacyDelta: Double
    /// Aggregate through pairwise-masked secure aggregation (mean-based strategies only).
    public var secureAggregation: Bool
    /// With secure aggregation: recover from clients that drop after masking (else the round fails).
    public var recoverDropouts: Bool
    /// Call the checkpoint closure every k completed rounds (0 = never).
    public var checkpointEvery: Int
    /// Train, clip, noise and aggregate only these coordinates; the rest stay at the initial
    /// global values (`ParameterSubset`). nil: every coordinate.
    public var trainable: ParameterSubset? = nil

    /// Creates it from the values its properties document.
    public init(rounds: Int, seed: UInt64, localSteps: Int = 1, learningRate: Double = 0.1, threads: Int = 0,
                faults: FaultConfig = FaultConfig(), privacy: DPConfig? = nil, privacyDelta: Double = 1e-5,
                secureAggregation: Bool = false, recoverDropouts: Bool = true, checkpointEvery: Int = 0) {
        self.rounds = rounds
        self.seed = seed
        self.localSteps = localSteps
        self.learningRate = learningRate
        self.threads = threads
        self.faults = faults
        self.privacy = privacy
        self.privacyDelta = privacyDelta
        self.secureAggregation = secureAggregation
        self.recoverDropouts = recoverDropouts
        self.checkpointEvery = checkpointEvery
    }
}

/// One client's part in one round.
public struct ClientRoundRecord: Sendable, Equatable, Codable {
    /// The client.
    public var clientID: Int
    /// Its example count (the aggregation weight).
    public var numExamples: Int
    /// The client's own metrics (`train_loss`, `val_loss`, …).
    public var metrics: [String: Double]
    /// Simulated duration in seconds (see `FaultConfig`).
    public var simulatedTime: Double
    /// Whether the update was clipped by DP.
    public var clipped: Bool
}

/// An update the server did not use, and why.
public struct Rejection: Sendable, Equatable, Codable {
    /// The client.
    public var clientID: Int
    /// Why it was rejected.
    public var reason: String
}

/// What happened in one round.
///
/// Bytes count 4 bytes per Float32 parameter per transfer: `bytesDown = 4·P·(sampled)`
/// (every sampled client receives the model), `bytesUp = 4·P·(replies that arrived)`
/// (accepted or rejected for their content; dropped and late clients send nothing that
/// counts). With secure aggregation an upload is 8 bytes per parameter (64-bit masked words).
public struct RoundRecord: Sendable, Equatable, Codable {
    /// The round (1-based).
    public var round: Int
    /// Clients sampled for training, ascending.
    public var sampled: [Int]
    /// Clients whose updates were aggregated, ascending.
    public var participants: [Int]
    /// Sampled clients that dropped out.
    public var dropped: [Int]
    /// Sampled clients that missed the deadline.
    public var late: [Int]
    /// Updates refused (NaN/inf, wrong length, fit error) with the reason.
    public var rejected: [Rejection]
    /// Per-client records for the participants, in id order (stored under the key `clients`).
    public var clientRecords: [ClientRoundRecord]
    /// Example-weighted mean of each training metric reported by every participant.
    public var trainMetrics: [String: Double]
    /// Clients sampled for evaluation.
    public var evaluated: [Int]
    /// Example-weighted validation loss of the new global model over `evaluated`; nil if none.
    public var validationLoss: Double?
    /// Why the global model was left unchanged this round, if it was.
    public var skippedReason: String?
    /// DP clipping norm used this round, and ε so far at `privacyDelta` (nil if infinite or no
    /// DP): the smaller of the RDP and PLD accountants' (`PrivacyAccountant`). Rounds before the
    /// last use the PLD grid h = 10⁻³ (a slightly looser upper bound, 10× cheaper); the last
    /// round uses h = 10⁻⁴, as dp_accounting.
    public var clippingNorm: Double?
    /// ε so far at `privacyDelta` (nil if infinite or without DP; see `clippingNorm`).
    public var epsilon: Double?
    /// Bytes the clients sent this round (the formula in the type's documentation).
    public var bytesUp: Int
    /// Bytes the server sent this round (the formula in the type's documentation).
    public var bytesDown: Int
    /// Wall-clock seconds for the round (informational; not part of reproducibility).
    public var wallTime: Double
    /// With secure aggregation: whether the aggregate was masked. `false` when fewer than 2
    /// updates survived (a "sum" of one update is that update: the server saw it in the clear,
    /// or saw only noise when none survived); nil without secure aggregation.
    public var masked: Bool? = nil

    /// The per-client records of the participants.
    @available(*, deprecated, renamed: "clientRecords")
    public var clients: [ClientRoundRecord] {
        get { clientRecords }
        set { clientRecords = newValue }
    }

    enum CodingKeys: String, CodingKey {
        case round, sampled, participants, dropped, late, rejected, clientRecords = "clients", trainMetrics, evaluated
        case validationLoss, skippedReason, clippingNorm, epsilon, bytesUp, bytesDown, wallTime, masked
    }
}

/// Everything needed to resume a run bit-identically.
///
/// Store it (e.g. as a JSON string in the checkpoint's `/training` group). The random
/// streams need no state: each round's sampling, faults, client seeds, DP noise and masks
/// are derived from `(seed, round, client)`, so resuming at round r+1 draws what an
/// uninterrupted run would.
public struct FederationState: Sendable, Equatable, Codable {
    /// Version of this state's format.
    public var formatVersion: Int = 1
    /// The strategy that produced it.
    public var strategyName: String
    /// Clients of the run.
    public var numClients: Int
    /// Rounds completed so far.
    public var completedRounds: Int
    /// The global parameters after the last completed round.
    public var globalParameters: [Float]
    /// The strategy's server state (momentum, moments).
    public var strategyState: StrategyState
    /// Adaptive DP clipping norm for the next round (nil without DP).
    public var clippingNorm: Double?
    /// RDP accountant so far (nil without DP).
    public var accountant: RDPAccountant?
    /// The DP mechanism that ran (relation, sampling, denominator, weights, multipliers); nil
    /// without DP, or in a state written before the mechanism was recorded.
    public var privacyMechanism: DPMechanismRecord? = nil
    /// Rounds composed into the privacy accounting (every completed DP round).
    public var privacyRounds: Int? = nil

    /// ε at δ so far from both accountants, or nil without DP.
    /// - Parameter discretization: PLD grid h (10⁻⁴ matches dp_accounting; coarser is a looser bound).
    /// - Throws: `TGFLError.outOfRange` for δ outside (0, 1).
    public func privacyEstimate(delta: Double, discretization: Double = PLDAccountant.defaultDiscretization) throws
        -> PrivacyEstimate? {
        guard let m = privacyMechanism else { return nil }
        return try PrivacyAccountant.estimate(m, rounds: privacyRounds ?? 0, delta: delta, discretization: discretization)
    }
    /// The run's settings.
    public var config: SimulationConfig
    /// The records of the completed rounds.
    public var history: [RoundRecord]
}
