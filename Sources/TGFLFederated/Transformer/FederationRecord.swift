import Foundation
import TGFLCore

/// How a model was trained by federated learning: the strategy, the federation's shape, the
/// privacy guarantee and each round. Stored with the model as the checkpoint record
/// `federation` (`/training` attribute, JSON by `TGFLJSON`), read back by
/// `ScenarioModel.federationRecord`.
///
/// Format `tgfl.federation` version 2 (version 1, before the record was typed, wrote `null` for
/// a missing number; version 2 leaves the key out). Readers of version 1 files get the same
/// fields, since both decode into this type.
public struct FederationRecord: Codable, Equatable, Sendable {
    /// The checkpoint record name.
    public static let recordName = "federation"
    /// The value of `format`.
    public static let formatName = "tgfl.federation"
    /// The `version` this library writes.
    public static let currentVersion = 2

    public struct Strategy: Codable, Equatable, Sendable {
        /// The CLI name (`fedavg`, `krum`, …).
        public var kind: String
        /// The strategy's own name (`FedAvg`, `Krum`, …).
        public var name: String
        /// Flower-named hyperparameters given (missing ones took Flower's defaults).
        public var hyperparameters: [String: Double]
    }

    public struct Sampling: Codable, Equatable, Sendable {
        public var fractionTrain, fractionEvaluate: Double
        public var minTrainNodes, minEvaluateNodes, minAvailableNodes: Int
        enum CodingKeys: String, CodingKey {
            case fractionTrain = "fraction_train", fractionEvaluate = "fraction_evaluate"
            case minTrainNodes = "min_train_nodes", minEvaluateNodes = "min_evaluate_nodes"
            case minAvailableNodes = "min_available_nodes"
        }
    }

    /// The DP mechanism that ran, as the accountant composed it.
    public struct Mechanism: Codable, Equatable, Sendable {
        public var neighbouringRelation: String
        public var sampling: String
        public var samplingRate: Double
        public var denominator: String
        public var weights: String
        public var accountingNoiseMultiplier: Double
        public var updateNoiseMultiplier: Double
        public var unit: String
        public var noiseBeforeServerStep: Bool
        public var roundsComposed: Int
        enum CodingKeys: String, CodingKey {
            case neighbouringRelation = "neighbouring_relation", sampling, samplingRate = "sampling_rate"
            case denominator, weights, accountingNoiseMultiplier = "accounting_noise_multiplier"
            case updateNoiseMultiplier = "update_noise_multiplier", unit
            case noiseBeforeServerStep = "noise_before_server_step", roundsComposed = "rounds_composed"
        }
    }

    public struct Privacy: Codable, Equatable, Sendable {
        public var enabled: Bool
        public var delta: Double
        /// ε at `delta` (the smaller of the RDP and PLD bounds).
        public var epsilon: Double?
        public var noiseMultiplier: Double?
        public var clippingNorm: Double?
        public var clippingSide: String?
        public var adaptiveClipping: Bool?
        public var mechanism: Mechanism?
        public var epsilonRdp: Double?
        public var epsilonPld: Double?
        /// What ε covers: the rounds and the data models (fitted on public data), or the rounds
        /// only (the data-model summaries were shared in the clear). Absent without DP and in
        /// records written before it was stated.
        public var epsilonCovers: String? = nil
        /// The noised data-model summaries' Gaussian release (`NoisedSummaries`), composed into
        /// ε; absent when the summaries were not noised.
        public var summaries: SummaryRelease? = nil
        /// The Gaussian release of the clients' volatility level relative to the public series
        /// (`NoisedVolatilityLevel`; `sensitivity` is h), composed into ε; absent without it
        /// (and in records written before it existed).
        public var volatilityLevel: SummaryRelease? = nil
        enum CodingKeys: String, CodingKey {
            case enabled, delta, epsilon, noiseMultiplier = "noise_multiplier", clippingNorm = "clipping_norm"
            case clippingSide = "clipping_side", adaptiveClipping = "adaptive_clipping", mechanism
            case epsilonRdp = "epsilon_rdp", epsilonPld = "epsilon_pld", epsilonCovers = "epsilon_covers"
            case summaries, volatilityLevel = "volatility_level"
        }
    }

    /// The Gaussian release of the clients' data-model summaries (`NoisedSummaries`).
    public struct SummaryRelease: Codable, Equatable, Sendable {
        /// z_s: noise std on the sum over the sensitivity.
        public var noiseMultiplier: Double
        /// The multiplier the accountant composes: z_s (add/remove) or z_s/2 (replace-one).
        public var accountingNoiseMultiplier: Double
        /// C: the L2 bound of one client's summary vector.
        public var sensitivity: Double
        /// N: the clients whose vectors are summed (the fixed denominator).
        public var owners: Int
        /// Sampling rate of the release: 1 (every client once).
        public var samplingRate: Double
        enum CodingKeys: String, CodingKey {
            case noiseMultiplier = "noise_multiplier", accountingNoiseMultiplier = "accounting_noise_multiplier"
            case sensitivity, owners, samplingRate = "sampling_rate"
        }
    }

    public struct Faults: Codable, Equatable, Sendable {
        public var dropoutProbability: Double
        public var deadline: Double?
        public var byzantineClients: [Int]
        enum CodingKeys: String, CodingKey {
            case dropoutProbability = "dropout_probability", deadline, byzantineClients = "byzantine_clients"
        }
    }

    /// One round, in short (the full `RoundRecord` lives in the run's state).
    public struct Round: Codable, Equatable, Sendable {
        public var round: Int
        public var validationLoss: Double?
        public var trainLoss: Double?
        public var participants: Int
        public var dropped: Int
        public var late: Int
        /// The rejected clients' ids.
        public var rejected: [Int]
        public var bytesUp: Int
        public var bytesDown: Int
        public var wallTime: Double?
        public var epsilon: Double?
        /// Why the round kept the old model, if it did.
        public var skipped: String?
        /// Secure aggregation: whether the round's sum was masked.
        public var masked: Bool?
        /// Each participant's mean local training loss (the report's per-client chart); absent
        /// in version 1 records.
        public var clientLosses: [ClientLoss]?
        enum CodingKeys: String, CodingKey {
            case round, validationLoss = "validation_loss", trainLoss = "train_loss", participants, dropped, late
            case rejected, bytesUp = "bytes_up", bytesDown = "bytes_down", wallTime = "wall_time", epsilon
            case skipped, masked, clientLosses = "client_losses"
        }
    }

    /// One participant's mean local training loss in a round.
    public struct ClientLoss: Codable, Equatable, Sendable {
        public var client: Int
        public var trainLoss: Double?
        enum CodingKeys: String, CodingKey { case client, trainLoss = "train_loss" }
    }

    public var format = FederationRecord.formatName
    public var version = FederationRecord.currentVersion
    public var strategy: Strategy
    public var rounds: Int
    public var completedRounds: Int
    public var cancelled: Bool
    /// Number of clients N.
    public var clientCount: Int
    /// The number of clients.
    @available(*, deprecated, renamed: "clientCount")
    public var clients: Int {
        get { clientCount }
        set { clientCount = newValue }
    }
    public var partition: String
    public var minPartitionWindows: Int
    public var localSteps: Int
    public var batchSize: Int
    public var sequenceLength: Int
    public var learningRate: Double
    public var weightDecay: Double
    public var gradientClip: Double
    public var validationFraction: Double
    /// The run's seed, as text (a UInt64 does not survive every JSON reader).
    public var seed: String
    public var trainWindows: Int
    public var validationWindows: Int
    public var clientTrainWindows: [Int]
    public var sampling: Sampling
    public var privacy: Privacy
    public var epsilon: Double?
    public var delta: Double
    public var secureAggregation: Bool
    public var faults: Faults
    /// How the data models were fitted.
    public var dataModels: String
    public var outputPrior: Bool
    public var restoreBestRound: Bool
    /// The round whose weights the model holds when `restoreBestRound` picked one.
    public var bestRound: Int?
    public var history: [Round]
    /// The model the federation started from (`tgfl federate --init`); absent for a fresh model.
    public var initialModel: InitialModelRecord? = nil
    /// The tensors trained (`tgfl federate --trainable`); absent when every tensor was.
    public var trainable: TrainableRecord? = nil
    /// The MA(1) mean term of generation fitted on the public data (`FederatedTrainingOptions
    /// .publicMeanTerm`): θ, its source, and that ε does not change; absent without one.
    public var meanTerm: String? = nil
    /// How the clients encoded their windows (`FederatedTrainingOptions.clientEncoding`):
    /// `own_filter`, and what that means; absent with the default pooled filter.
    public var clientEncoding: String? = nil

    enum CodingKeys: String, CodingKey {
        case format, version, strategy, rounds, completedRounds = "completed_rounds", cancelled, clientCount = "clients", partition
        case minPartitionWindows = "min_partition_windows", localSteps = "local_steps", batchSize = "batch_size"
        case sequenceLength = "sequence_length", learningRate = "learning_rate", weightDecay = "weight_decay"
        case gradientClip = "gradient_clip", validationFraction = "validation_fraction", seed
        case trainWindows = "train_windows", validationWindows = "validation_windows"
        case clientTrainWindows = "client_train_windows", sampling, privacy, epsilon, delta
        case secureAggregation = "secure_aggregation", faults, dataModels = "data_models"
        case outputPrior = "output_prior", restoreBestRound = "restore_best_round", bestRound = "best_round", history
        case initialModel = "initial_model", trainable, meanTerm = "mean_term", clientEncoding = "client_encoding"
    }

    /// The record of a run from its state and settings.
    init(state: FederationState, options o: FederatedTrainingOptions, federation f: FederatedTrainer.Federation,
         cancelled: Bool, bestRound: Int?) {
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        strategy = Strategy(kind: o.strategy.rawValue, name: state.strategyName, hyperparameters: o.hyperparameters)
        rounds = o.rounds; completedRounds = state.completedRounds; self.cancelled = cancelled
        clientCount = o.clientCount; partition = o.partition.cliName; minPartitionWindows = o.minPartitionWindows
        localSteps = o.localSteps; batchSize = o.batchSize; sequenceLength = f.sequenceLength
        learningRate = o.learningRate; weightDecay = o.weightDecay; gradientClip = o.gradientClip
        validationFraction = o.validationFraction; seed = String(o.seed)
        trainWindows = f.trainWindows; validationWindows = f.validationWindows
        clientTrainWindows = f.clients.map(\.numExamples)
        let s = o.sampling
        sampling = Sampling(fractionTrain: s.fractionTrain, fractionEvaluate: s.fractionEvaluate,
                            minTrainNodes: s.minTrainNodes, minEvaluateNodes: s.minEvaluateNodes,
                            minAvailableNodes: s.minAvailableNodes)
        // One Gaussian release at q = 1 over the N clients: multiplier z (add/remove) or z/2 (replace-one).
        func gaussian(_ z: Double, sensitivity: Double) -> SummaryRelease {
            SummaryRelease(noiseMultiplier: z, accountingNoiseMultiplier: o.privacy?.sampling == .withoutReplacement ? z / 2 : z,
                           sensitivity: sensitivity, owners: o.clientCount, samplingRate: 1)
        }
        let release = o.publicData == nil ? o.summaryNoiseMultiplier.map { gaussian($0, sensitivity: NoisedSummaries.sensitivity) } : nil
        let level = o.publicData != nil && o.calibrateVolatility ? o.volatilityLevelNoiseMultiplier.map {
            gaussian($0, sensitivity: o.volatilityLevelBound)
        } : nil
        privacy = Self.privacy(o.privacy, delta: o.privacyDelta, state: state, publicDataModels: o.publicData != nil,
                               summaries: release, volatilityLevel: level)
        epsilon = privacy.epsilon; delta = o.privacyDelta
        secureAggregation = o.secureAggregation
        faults = Self.faults(o.faults)
        dataModels = FederatedTrainer.dataModelsDescription(o)
        if o.clientEncoding == .ownFilter {
            clientEncoding = "own_filter: each client encoded its windows with its own GJR filter, levels and regimes "
                + "(fitted on its own training span, not shared) and the shared tokenizer (fitted from the clients' "
                + "moments of their own z, shared in the clear); the model keeps the pooled filter with that tokenizer"
        }
        outputPrior = o.outputPrior; restoreBestRound = o.restoreBestRound; self.bestRound = bestRound
        history = Self.history(state.history)
    }

    /// The privacy part of a record: the DP settings, the mechanism, ε (RDP, PLD, the smaller)
    /// and what ε covers.
    static func privacy(_ dp: DPConfig?, delta: Double, state: FederationState, publicDataModels: Bool,
                        summaries: SummaryRelease? = nil, volatilityLevel: SummaryRelease? = nil) -> Privacy {
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        let mechanism = state.privacyMechanism
        let estimate = try? mechanism.map {
            try PrivacyAccountant.estimate($0, rounds: state.privacyRounds ?? 0, delta: delta,
                                           additionalGaussians: [summaries, volatilityLevel].compactMap { $0?.accountingNoiseMultiplier })
        }
        let covers = publicDataModels && volatilityLevel != nil
            ? "the rounds, the data models (fitted on public data; no client summary shared) and the volatility "
                + "level of generation (the clients' log-σ ratio to the public series, released through the Gaussian "
                + "mechanism of privacy.volatility_level, composed with the rounds)"
            : publicDataModels
            ? "the rounds and the data models (fitted on public data; no client summary shared)"
            : summaries != nil
            ? "the rounds and the data models (fitted on the clients' summaries released through the Gaussian "
                + "mechanism of privacy.summaries, composed with the rounds)"
            : "the rounds only: the data-model summaries were shared in the clear (fit them on public data, or "
                + "noise them, for a guarantee of the whole release)"
        var privacy = Privacy(enabled: dp != nil, delta: delta, epsilon: finite(estimate?.epsilon),
                       noiseMultiplier: dp?.noiseMultiplier, clippingNorm: dp?.clippingNorm,
                       clippingSide: dp?.side.rawValue, adaptiveClipping: dp.map { $0.adaptive != nil },
                       mechanism: mechanism.map { Self.mechanism($0, rounds: state.privacyRounds ?? 0) },
                       epsilonRdp: mechanism == nil ? nil : finite(estimate?.rdp),
                       epsilonPld: mechanism == nil ? nil : finite(estimate?.pld),
                       epsilonCovers: dp == nil ? nil : covers)
        privacy.summaries = dp == nil ? nil : summaries
        privacy.volatilityLevel = dp == nil ? nil : volatilityLevel
        return privacy
    }

    /// The faults part of a record.
    static func faults(_ f: FaultConfig) -> Faults {
        Faults(dropoutProbability: f.dropoutProbability, deadline: f.deadline.flatMap { $0.isFinite ? $0 : nil },
               byzantineClients: f.byzantine.keys.sorted())
    }

    /// Each round in short.
    static func history(_ rounds: [RoundRecord]) -> [Round] {
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        return rounds.map { r in
            Round(round: r.round, validationLoss: finite(r.validationLoss), trainLoss: finite(r.trainMetrics["train_loss"]),
                  participants: r.participants.count, dropped: r.dropped.count, late: r.late.count,
                  rejected: r.rejected.map(\.clientID), bytesUp: r.bytesUp, bytesDown: r.bytesDown,
                  wallTime: finite(r.wallTime), epsilon: finite(r.epsilon), skipped: r.skippedReason, masked: r.masked,
                  clientLosses: r.clientRecords.map { ClientLoss(client: $0.clientID, trainLoss: finite($0.metrics["train_loss"])) })
        }
    }

    private static func mechanism(_ m: DPMechanismRecord, rounds: Int) -> Mechanism {
        Mechanism(neighbouringRelation: m.neighbouring.rawValue, sampling: m.sampling.rawValue,
                  samplingRate: m.samplingRate, denominator: "fixed: \(m.denominator) expected clients",
                  weights: m.weights, accountingNoiseMultiplier: m.accountingNoiseMultiplier,
                  updateNoiseMultiplier: m.updateNoiseMultiplier, unit: "client (institution): user-level DP",
                  noiseBeforeServerStep: true, roundsComposed: rounds)
    }

    /// The record as JSON (`TGFLJSON`).
    public func jsonString() throws -> String { try TGFLJSON.string(self, what: "federation record") }

    /// Parses a record written by this library (format version 1 or 2).
    /// - Throws: `TGFLError.invalidArgument` naming what is wrong.
    public static func fromJSON(_ json: String) throws -> FederationRecord {
        let record = try TGFLJSON.decode(FederationRecord.self, from: json, what: "federation record")
        guard record.format == formatName, (1...currentVersion).contains(record.version) else {
            throw TGFLError.invalidArgument("the federation record has format '\(record.format)' version "
                + "\(record.version); this library reads '\(formatName)' versions 1...\(currentVersion)")
        }
        return record
    }
}

extension ScenarioModel {
    /// The federation record this model was trained with, or nil for central training.
    /// - Throws: `TGFLError.invalidArgument` when the stored record cannot be read.
    public func federationRecord() throws -> FederationRecord? {
        try records[FederationRecord.recordName].map(FederationRecord.fromJSON)
    }

    /// Stores (or, with nil, removes) the federation record.
    public func setFederationRecord(_ record: FederationRecord?) throws {
        records[FederationRecord.recordName] = try record?.jsonString()
    }
}

extension Checkpoint {
    /// The state of an unfinished federated run (`/federation_state`), for resuming.
    /// - Throws: `TGFLError.checkpoint` when the section exists but cannot be decoded.
    public func federationState(path: String) throws -> FederationState? {
        try extensions[FederationStateCodec.sectionName].map { try FederationStateCodec.decode($0, path: path) }
    }

    /// Stores (or, with nil, removes) the state of an unfinished federated run.
    public mutating func setFederationState(_ state: FederationState?) throws {
        extensions[FederationStateCodec.sectionName] = try state.map(FederationStateCodec.encode)
    }
}
