// Federated training (include/tgfl.h, section "Federated training").

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLFederated

/// `tgfl_federated_params tgfl_federated_default_params(void)`.
@_cdecl("tgfl_federated_default_params")
public func cFederatedDefaultParams() -> tgfl_federated_params {
    let o = FederatedTrainingOptions()
    var p = tgfl_federated_params()
    p.struct_size = UInt32(MemoryLayout<tgfl_federated_params>.size)
    p.strategy = Int32(TGFL_STRATEGY_FEDAVG.rawValue)
    p.partition = Int32(TGFL_PARTITION_TIME.rawValue)
    p.partition_param = .nan
    p.n_clients = 8
    p.rounds = 30
    p.local_steps = 10
    p.batch_size = 32
    p.seq_len = 0
    p.learning_rate = 1e-3
    p.val_fraction = 0.2
    p.fraction_train = 1.0
    p.min_train_nodes = 2
    p.proximal_mu = .nan
    p.server_learning_rate = .nan
    p.server_momentum = .nan
    p.eta = .nan
    p.eta_l = .nan
    p.beta_1 = .nan
    p.beta_2 = .nan
    p.tau = .nan
    p.trim_beta = .nan
    p.q = .nan
    p.num_malicious_nodes = -1
    p.num_nodes_to_select = -1
    p.dp_noise_multiplier = 0
    p.dp_clip_norm = 1.0
    p.dp_delta = 1e-5
    p.secure_aggregation = false
    p.seed = 42
    p.n_threads = 0
    p.progress = nil
    p.progress_user_data = nil
    p.dp_sampling = 0
    p.output_prior = o.outputPrior
    p.keep_best = o.restoreBestRound
    p.allow_prices = o.allowPrices
    p.weight_decay = o.weightDecay
    p.grad_clip = o.gradientClip
    p.fraction_evaluate = o.sampling.fractionEvaluate
    p.min_evaluate_nodes = 0
    p.min_partition_windows = Int32(clamping: o.minPartitionWindows)
    p.max_validation_windows = Int32(clamping: o.maxValidationWindows)
    p.report_local_validation = o.reportLocalValidation
    p.dropout_probability = o.faults.dropoutProbability
    p.straggler_deadline = o.faults.deadline ?? 0
    p.straggler_base_time = o.faults.baseTime
    p.straggler_spread = o.faults.timeSpread
    p.checkpoint_every = 0
    p.checkpoint_path = nil
    p.resume_from = nil
    p.min_available_nodes = 0
    p.n_byzantine = 0
    p.byzantine_attack = Int32(TGFL_BYZANTINE_SIGN_FLIP.rawValue)
    p.byzantine_param = 1.0
    p.data_models_from = nil
    p.public_returns = nil
    p.public_returns_length = 0
    p.dp_summaries_noise = 0
    p.series_dates = nil
    p.series_dates_lengths = nil
    p.public_dates = nil
    p.public_dates_length = 0
    p.dp_volatility_noise = 0
    p.public_mean_term = o.publicMeanTerm ? 1 : 0
    p.public_z_marginal = o.publicZMarginal ? 1 : 0
    p.dp_volatility_bound = 0
    p.rematch_dependence = o.rematchDependence == nil ? 0 : 1
    return p
}

/// `int32_t tgfl_model_train_federated(tgfl_model *, const double * const * series,
/// const size_t * lengths, size_t n_series, const tgfl_federated_params *, double * out_epsilon)`.
@_cdecl("tgfl_model_train_federated")
public func cModelTrainFederated(_ model: OpaquePointer?, _ series: UnsafePointer<UnsafePointer<Double>?>?,
                                 _ lengths: UnsafePointer<Int>?, _ nSeries: Int,
                                 _ params: UnsafePointer<tgfl_federated_params>?,
                                 _ outEpsilon: UnsafeMutablePointer<Double>?) -> Int32 {
    withModel(model) { box in
        guard let params else { throw BoundaryError.null("params") }
        let p = try tgfl_federated_params.read(params)
        let named = try Check.datedSeries(try Check.returnSeries(series, lengths, nSeries), p)
        let options = try FederatedTrainingOptions(checking: p, model: box.model)
        let trainer = try FederatedTrainer(model: box.model, options: options)
        let sink = ProgressSink(p.progress, p.progress_user_data, box: box)
        let progress: ((RoundProgress) -> Bool)? = sink.map { sink in
            { value in
                sink.report(tgfl_progress(
                    kind: Int32(TGFL_PROGRESS_FEDERATED), step: value.round, total: value.totalRounds, epoch: 0,
                    trainLoss: value.trainLoss, validationLoss: value.validationLoss, tokensPerSecond: 0,
                    elapsedSeconds: value.elapsedSeconds, etaSeconds: value.etaSeconds))
            }
        }
        let resume = try p.resume_from.map { try Check.string($0, "resume_from") }
        if let resume, !FileManager.default.fileExists(atPath: resume) {
            throw TGFLError.io("resume_from checkpoint '\(resume)' does not exist")
        }
        let report = try trainer.fit(series: named, resumeFrom: resume, progress: progress)
        outEpsilon?.pointee = report.epsilon ?? .infinity
    }
}

/// The most clients a C caller may ask for (per-client state grows with it).
let maxClients: Int32 = 65_536

extension FederatedTrainingOptions {
    /// The Swift options for C params, every field checked.
    init(checking p: tgfl_federated_params, model: ScenarioModel) throws {
        self.init()
        let strategies = StrategyKind.allCases
        let strategyIndex = Int(try Check.inRange(p.strategy, 0...Int32(strategies.count - 1),
                                                  "strategy (tgfl_strategy)"))
        strategy = strategies[strategyIndex]
        partition = try Self.partition(p.partition, p.partition_param)
        clientCount = Int(try Check.inRange(p.n_clients, 1...maxClients, "n_clients"))
        rounds = Int(try Check.inRange(p.rounds, 1...Int32.max, "rounds"))
        localSteps = Int(try Check.inRange(p.local_steps, 0...Int32.max, "local_steps"))
        batchSize = Int(try Check.inRange(p.batch_size, 1...maxBatchSize, "batch_size"))
        let seq = try Check.inRange(Int(p.seq_len), 0...model.config.contextLength, "seq_len (0 = context_length)")
        sequenceLength = seq == 0 ? nil : seq
        learningRate = try Check.finite(p.learning_rate, "learning_rate")
        validationFraction = try Check.finite(p.val_fraction, "val_fraction")
        guard validationFraction >= 0, validationFraction < 1 else {
            throw BoundaryError.outOfRange("val_fraction must be in [0, 1), got \(validationFraction)")
        }
        let fraction = try Check.finite(p.fraction_train, "fraction_train")
        guard fraction > 0, fraction <= 1 else {
            throw BoundaryError.outOfRange("fraction_train must be in (0, 1], got \(fraction)")
        }
        let minTrain = Int(try Check.inRange(p.min_train_nodes, 1...maxClients, "min_train_nodes"))
        let fractionEvaluate = try Check.finite(p.fraction_evaluate, "fraction_evaluate")
        guard fractionEvaluate > 0, fractionEvaluate <= 1 else {
            throw BoundaryError.outOfRange("fraction_evaluate must be in (0, 1], got \(fractionEvaluate)")
        }
        let minEvaluate = Int(try Check.inRange(p.min_evaluate_nodes, 0...maxClients,
                                                "min_evaluate_nodes (0 = min(2, n_clients))"))
        let minAvailable = Int(try Check.inRange(p.min_available_nodes, 0...maxClients,
                                                 "min_available_nodes (0 = min_train_nodes)"))
        sampling = SamplingConfig(fractionTrain: fraction, fractionEvaluate: fractionEvaluate, minTrainNodes: minTrain,
                                  minEvaluateNodes: minEvaluate == 0 ? min(2, clientCount) : minEvaluate,
                                  minAvailableNodes: minAvailable == 0 ? minTrain : minAvailable)
        try readABI3Fields(p)
        hyperparameters = try Self.hyperparameters(p, for: strategy)
        privacy = try Self.privacy(p, sampleSize: max(Int((Double(clientCount) * fraction).rounded(.down)), minTrain))
        let delta = try Check.finite(p.dp_delta, "dp_delta")
        guard delta > 0, delta < 1 else { throw BoundaryError.outOfRange("dp_delta must be in (0, 1), got \(delta)") }
        privacyDelta = delta
        try readDataModelSource(p)
        try readVolatilityLevelNoise(p)
        rematchDependence = try TrainingOptions.rematch(p.rematch_dependence, modelVersion: model.config.modelVersion)
        if rematchDependence != nil, privacy != nil {
            throw BoundaryError.invalid("rematch_dependence needs a run without DP (dp_noise_multiplier 0): it compares "
                + "pilots with the clients' 250-day chunk curves, which no DP guarantee covers; got dp_noise_multiplier "
                + "\(p.dp_noise_multiplier)")
        }
        secureAggregation = p.secure_aggregation
        seed = p.seed
        threads = try Check.threads(p.n_threads, max: maxThreads)
    }

    /// Client-level DP from the C params, or nil when `dp_noise_multiplier` is 0; `sampleSize`
    /// is the round's sample, DP's fixed denominator.
    private static func privacy(_ p: tgfl_federated_params, sampleSize: Int) throws -> DPConfig? {
        guard p.dp_noise_multiplier != 0 else { return nil }
        let sigma = try Check.finite(p.dp_noise_multiplier, "dp_noise_multiplier")
        guard sigma > 0 else {
            throw BoundaryError.outOfRange("dp_noise_multiplier must be >= 0 (0 = off), got \(sigma)")
        }
        let clip = try Check.finite(p.dp_clip_norm, "dp_clip_norm")
        guard clip > 0 else { throw BoundaryError.outOfRange("dp_clip_norm must be > 0, got \(clip)") }
        let method: SamplingMethod
        switch p.dp_sampling {
        case 0: method = .poisson
        case 1: method = .withoutReplacement
        default:
            throw BoundaryError.outOfRange("dp_sampling = \(p.dp_sampling) must be TGFL_DP_SAMPLING_POISSON (0) "
                + "or TGFL_DP_SAMPLING_FIXED (1)")
        }
        return DPConfig(noiseMultiplier: sigma, clippingNorm: clip, numSampledClients: sampleSize, sampling: method)
    }

    /// The fields added in ABI 3 (model selection, local optimiser, sampling and faults, checkpoints).
    private mutating func readABI3Fields(_ p: tgfl_federated_params) throws {
        outputPrior = p.output_prior
        restoreBestRound = p.keep_best
        allowPrices = p.allow_prices
        weightDecay = try Check.finite(p.weight_decay, "weight_decay")
        gradientClip = try Check.finite(p.grad_clip, "grad_clip")
        minPartitionWindows = Int(try Check.inRange(p.min_partition_windows, 1...Int32.max, "min_partition_windows"))
        maxValidationWindows = Int(try Check.inRange(p.max_validation_windows, 1...Int32.max, "max_validation_windows"))
        reportLocalValidation = p.report_local_validation
        let dropout = try Check.finite(p.dropout_probability, "dropout_probability")
        guard dropout >= 0, dropout < 1 else {
            throw BoundaryError.outOfRange("dropout_probability must be in [0, 1), got \(dropout)")
        }
        let deadline = try Check.finite(p.straggler_deadline, "straggler_deadline")
        guard deadline >= 0 else {
            throw BoundaryError.outOfRange("straggler_deadline must be >= 0 (0 = no stragglers), got \(deadline)")
        }
        let baseTime = try Check.finite(p.straggler_base_time, "straggler_base_time")
        let spread = try Check.finite(p.straggler_spread, "straggler_spread")
        guard baseTime > 0, spread >= 0 else {
            throw BoundaryError.outOfRange("straggler_base_time must be > 0 and straggler_spread >= 0, "
                + "got \(baseTime) and \(spread)")
        }
        faults = FaultConfig(dropoutProbability: dropout, deadline: deadline > 0 ? deadline : nil,
                             baseTime: baseTime, timeSpread: spread, byzantine: try Self.byzantine(p, clients: clientCount))
        let every = Int(try Check.inRange(p.checkpoint_every, 0...Int32.max, "checkpoint_every (0 = never)"))
        if every > 0 {
            checkpointEvery = every
            checkpointPath = try Check.string(p.checkpoint_path, "checkpoint_path (needed with checkpoint_every > 0)")
        }
    }

    /// Clients `0 ..< n_byzantine` with the attack of `byzantine_attack` and `byzantine_param`.
    private static func byzantine(_ p: tgfl_federated_params, clients: Int) throws -> [Int: ByzantineAttack] {
        let count = Int(try Check.inRange(p.n_byzantine, 0...Int32(clamping: clients), "n_byzantine (0 ... n_clients)"))
        guard count > 0 else { return [:] }
        let parameter = try Check.finite(p.byzantine_param, "byzantine_param")
        let attack: ByzantineAttack
        switch p.byzantine_attack {
        case Int32(TGFL_BYZANTINE_SIGN_FLIP.rawValue): attack = .signFlip(scale: parameter)
        case Int32(TGFL_BYZANTINE_SCALED.rawValue): attack = .scaled(factor: parameter)
        case Int32(TGFL_BYZANTINE_GAUSSIAN_NOISE.rawValue):
            guard parameter >= 0 else {
                throw BoundaryError.outOfRange("byzantine_param (the noise std) must be >= 0, got \(parameter)")
            }
            attack = .gaussianNoise(std: parameter)
        default:
            throw BoundaryError.outOfRange("byzantine_attack = \(p.byzantine_attack) must be TGFL_BYZANTINE_SIGN_FLIP (0), "
                + "TGFL_BYZANTINE_SCALED (1) or TGFL_BYZANTINE_GAUSSIAN_NOISE (2)")
        }
        return Dictionary(uniqueKeysWithValues: (0..<count).map { ($0, attack) })
    }

    /// The partition scheme of `tgfl_partition` with its parameter (NaN = the default).
    private static func partition(_ kind: Int32, _ parameter: Double) throws -> PartitionScheme {
        switch Int(kind) {
        case Int(TGFL_PARTITION_NATURAL.rawValue): return .natural
        case Int(TGFL_PARTITION_IID.rawValue): return .iid
        case Int(TGFL_PARTITION_DIRICHLET.rawValue):
            let alpha = parameter.isNaN ? 0.5 : parameter
            guard alpha > 0, alpha.isFinite else {
                throw BoundaryError.outOfRange("partition_param (Dirichlet alpha) must be positive and finite, got \(alpha)")
            }
            return .dirichlet(alpha: alpha)
        case Int(TGFL_PARTITION_PATHOLOGICAL.rawValue):
            let k = parameter.isNaN ? 2 : parameter
            guard k >= 1, k <= 1_000_000, k == k.rounded() else {
                throw BoundaryError.outOfRange("partition_param (pathological k) must be a whole number >= 1, got \(k)")
            }
            return .pathological(regimesPerClient: Int(k))
        case Int(TGFL_PARTITION_TIME.rawValue): return .timePeriods
        case Int(TGFL_PARTITION_SIZE_LINEAR.rawValue): return .sizeSkew(.linear)
        case Int(TGFL_PARTITION_SIZE_SQUARE.rawValue): return .sizeSkew(.square)
        case Int(TGFL_PARTITION_SIZE_EXPONENTIAL.rawValue): return .sizeSkew(.exponential)
        default:
            throw BoundaryError.outOfRange(
                "partition must be in 0...\(TGFL_PARTITION_SIZE_EXPONENTIAL.rawValue) (tgfl_partition), got \(kind)")
        }
    }

    /// The hyperparameters the chosen strategy takes, by Flower name; NaN and -1 (the
    /// defaults) are left out, and fields other strategies use are ignored.
    private static func hyperparameters(_ p: tgfl_federated_params,
                                        for strategy: StrategyKind) throws -> [String: Double] {
        let accepted = Set(strategy.hyperparameterNames)
        var values: [String: Double] = [:]
        let reals: [(String, String, Double)] = [
            ("proximal_mu", "proximal_mu", p.proximal_mu),
            ("server_learning_rate", "server_learning_rate", p.server_learning_rate),
            ("server_momentum", "server_momentum", p.server_momentum),
            ("eta", "eta", p.eta), ("eta_l", "eta_l", p.eta_l),
            ("beta_1", "beta_1", p.beta_1), ("beta_2", "beta_2", p.beta_2), ("tau", "tau", p.tau),
            ("beta", "trim_beta", p.trim_beta), ("q", "q", p.q),
        ]
        for (flower, field, value) in reals where accepted.contains(flower) && !value.isNaN {
            guard value.isFinite else { throw BoundaryError.invalid("\(field) must be finite or NaN, got \(value)") }
            values[flower] = value
        }
        let counts: [(String, Int32, Int32)] = [
            ("num_malicious_nodes", p.num_malicious_nodes, 0),
            ("num_nodes_to_select", p.num_nodes_to_select, 1),
        ]
        for (name, value, minimum) in counts where accepted.contains(name) && value != -1 {
            guard value >= minimum else {
                throw BoundaryError.outOfRange("\(name) must be >= \(minimum) (-1 = default), got \(value)")
            }
            values[name] = Double(value)
        }
        return values
    }
}
