import Dispatch
import Foundation
import TGFLBase

/// Runs N clients over R rounds in one process: Flower's round loop, deterministic.
///
/// ```
/// for t in completed+1 ... R:
///   m = max(⌊N·fraction_train⌋, min_train_nodes)
///   S_t  = m clients (seeded, without replacement), or with DP and Poisson sampling each
///          client independently with q = m/N
///   each i ∈ S_t: dropout / deadline (seeded);  w_i = fit(w_t) in parallel
///   reject NaN/inf/wrong-length; DP clip (client or server side); Byzantine attack
///   no DP:  w_{t+1} = strategy(valid updates in client-id order)   (or skip if too few)
///   DP:     w̄ = w_t + (Σ_valid Δ_i + N(0, (z·S)²)) / m  (equal weights, fixed m; never
///           skipped);  w_{t+1} = strategy.step(w̄)   — see `DifferentialPrivacy`
///   evaluate w_{t+1} on ⌊N·fraction_evaluate⌋ clients; record; checkpoint; progress
/// ```
/// Secure aggregation needs at least 2 participants per round: a configuration that can only
/// sample 1 is refused; a round where fewer than 2 updates survive is aggregated and recorded
/// as not masked (`RoundRecord.masked == false`).
/// Clients train concurrently (`DispatchQueue.concurrentPerform`) and every per-client
/// random stream is derived from `(seed, round, client)`; aggregation runs in client-id
/// order, so the result is bit-identical for any thread count.
public final class FederatedSimulation {
    /// The simulated clients, by id.
    public let clients: [any FederatedClient]
    /// The aggregation strategy (with its server state).
    public internal(set) var strategy: any FederatedStrategy
    /// Rounds, seed, local training, faults, privacy.
    public let config: SimulationConfig
    /// The run so far; checkpoint it to resume.
    public internal(set) var state: FederationState
    /// The DP mechanism (its adaptive clipping norm changes per round), or nil without DP.
    var dp: DifferentialPrivacy?
    /// Clients sampled per round: max(⌊N·fraction_train⌋, min_train_nodes).
    let sampleSize: Int

    /// Starts a new run.
    ///
    /// - Parameters:
    ///   - clients: The clients; `clients[i].id` must be `i`.
    ///   - strategy: The aggregation strategy (its sampling settings are used).
    ///   - initialParameters: The initial global weights, finite.
    ///   - config: Rounds, seed, local training, faults, privacy.
    /// - Throws: `TGFLError` for zero clients, bad ids, impossible sampling or strategy
    ///   parameters, too few clients for `min_train_nodes`, secure aggregation with a
    ///   strategy that needs individual updates or with a sample of 1, DP with a strategy that
    ///   is not mean-based or with `numSampledClients` ≠ the sample size, bad DP or fault settings.
    public convenience init(clients: [any FederatedClient], strategy: any FederatedStrategy,
                            initialParameters: [Float], config: SimulationConfig) throws {
        let state = FederationState(strategyName: strategy.name, numClients: clients.count, completedRounds: 0,
                                    globalParameters: initialParameters, strategyState: strategy.exportState(),
                                    clippingNorm: nil, accountant: nil, config: config, history: [])
        try self.init(clients: clients, strategy: strategy, config: config, state: state, fresh: true)
    }

    /// Resumes a run from a checkpointed state.
    ///
    /// - Parameters:
    ///   - clients, strategy: The same clients and a freshly made strategy of the same kind.
    ///   - config: The run's settings; `seed` must equal the state's (rounds may be raised).
    ///   - state: The checkpointed state.
    /// - Throws: `TGFLError.invalidArgument` when the state does not match.
    public convenience init(clients: [any FederatedClient], strategy: any FederatedStrategy,
                            config: SimulationConfig, resumingFrom state: FederationState) throws {
        guard state.formatVersion == 1 else {
            throw TGFLError.invalidArgument("federation state format_version \(state.formatVersion) is not supported (expected 1)")
        }
        guard state.strategyName == strategy.name else {
            throw TGFLError.invalidArgument("the state was written by strategy \(state.strategyName), not \(strategy.name)")
        }
        guard state.config.seed == config.seed, state.numClients == clients.count else {
            throw TGFLError.invalidArgument("the state's seed (\(state.config.seed)) and client count (\(state.numClients)) "
                + "must equal the run's (\(config.seed), \(clients.count))")
        }
        var s = strategy
        try s.restoreState(state.strategyState)
        try self.init(clients: clients, strategy: s, config: config, state: state, fresh: false)
    }

    private init(clients: [any FederatedClient], strategy: any FederatedStrategy, config: SimulationConfig,
                 state: FederationState, fresh: Bool) throws {
        try Self.validate(clients: clients, config: config, state: state)
        sampleSize = try strategy.sampling.trainSampleSize(available: clients.count)
        try strategy.validate(sampleSize: sampleSize)
        try config.faults.validate(numClients: clients.count)
        try Self.validateProtection(strategy: strategy, config: config, sampleSize: sampleSize, clients: clients.count)
        var state = state
        if let p = config.privacy {
            dp = try Self.privacyMechanism(p, config: config, state: &state, clients: clients.count, fresh: fresh)
        }
        self.clients = clients
        self.strategy = strategy
        self.config = config
        self.state = state
    }

    /// Checks the clients' ids, the run's settings and the initial weights.
    private static func validate(clients: [any FederatedClient], config: SimulationConfig,
                                 state: FederationState) throws {
        guard !clients.isEmpty else { throw TGFLError.invalidArgument("a federation needs at least one client, got 0") }
        for (i, c) in clients.enumerated() where c.id != i {
            throw TGFLError.invalidArgument("client at index \(i) has id \(c.id); ids must be 0..<\(clients.count) in order")
        }
        guard config.rounds >= 1 else { throw TGFLError.outOfRange("rounds = \(config.rounds) must be ≥ 1") }
        guard config.localSteps >= 0 else { throw TGFLError.outOfRange("localSteps = \(config.localSteps) must be ≥ 0") }
        guard config.learningRate >= 0, config.learningRate.isFinite else {
            throw TGFLError.outOfRange("learningRate = \(config.learningRate) must be finite and ≥ 0")
        }
        guard config.threads >= 0 else { throw TGFLError.outOfRange("threads = \(config.threads) must be ≥ 0 (0 = all cores)") }
        guard config.checkpointEvery >= 0 else { throw TGFLError.outOfRange("checkpointEvery = \(config.checkpointEvery) must be ≥ 0") }
        guard !state.globalParameters.isEmpty else { throw TGFLError.invalidArgument("the initial parameter vector is empty") }
        if let k = FiniteScan.firstNonFinite(state.globalParameters) {
            throw TGFLError.invalidArgument("initial parameter \(k) is \(state.globalParameters[k]); it must be finite")
        }
        try config.trainable?.check(dimension: state.globalParameters.count)
    }

    /// Secure aggregation and DP need a mean-based strategy; secure aggregation needs 2
    /// participants; DP's fixed denominator is the sample size.
    private static func validateProtection(strategy: any FederatedStrategy, config: SimulationConfig,
                                           sampleSize: Int, clients: Int) throws {
        if config.secureAggregation, !(strategy is any MeanBasedStrategy) {
            throw TGFLError.invalidArgument("secure aggregation shows the server only the sum of updates; \(strategy.name) "
                + "needs individual updates — use FedAvg, FedAvgM, FedProx, FedAdagrad, FedAdam or FedYogi")
        }
        if config.secureAggregation, sampleSize < 2 {
            throw TGFLError.invalidArgument("secure aggregation needs at least 2 participants per round, but the sample "
                + "size is \(sampleSize) (of \(clients) clients); with 1 the server sees that client's update "
                + "in the clear — add clients, raise fraction_train/min_train_nodes, or drop secure aggregation")
        }
        if config.privacy != nil, !(strategy is any MeanBasedStrategy) {
            throw TGFLError.invalidArgument(FederatedSimulation.noDPMessage(strategy.name))
        }
        if let p = config.privacy, p.numSampledClients != sampleSize {
            throw TGFLError.invalidArgument("DP num_sampled_clients = \(p.numSampledClients) must equal the round's "
                + "sample size \(sampleSize) (max(⌊N·fraction_train⌋, min_train_nodes)); it is the fixed denominator")
        }
    }

    /// The DP mechanism of a fresh run (recorded in the state), or of a resumed run (checked
    /// against the state's record, so that ε keeps composing the same mechanism).
    private static func privacyMechanism(_ p: DPConfig, config: SimulationConfig, state: inout FederationState,
                                         clients: Int, fresh: Bool) throws -> DifferentialPrivacy {
        guard config.privacyDelta > 0, config.privacyDelta < 1 else {
            throw TGFLError.outOfRange("privacyDelta = \(config.privacyDelta) must be in (0, 1)")
        }
        var mech = try DifferentialPrivacy(p)
        let record = DPMechanismRecord(mechanism: mech, numClients: clients)
        if fresh {
            state.clippingNorm = mech.clippingNorm
            state.accountant = try RDPAccountant()
            state.privacyMechanism = record
            state.privacyRounds = 0
            return mech
        }
        guard let c = state.clippingNorm, state.accountant != nil else {
            throw TGFLError.invalidArgument("the state has no DP clipping norm/accountant but the run uses DP")
        }
        guard let old = state.privacyMechanism else {
            throw TGFLError.invalidArgument("the state was written by a version whose DP mechanism did not match "
                + "its accounting (no recorded mechanism); its ε cannot be continued — start a fresh run")
        }
        guard old == record else {
            throw TGFLError.invalidArgument("the state's DP mechanism (\(old.sampling.rawValue), q = \(old.samplingRate), "
                + "z = \(old.noiseMultiplier)) differs from the run's (\(record.sampling.rawValue), "
                + "q = \(record.samplingRate), z = \(record.noiseMultiplier)); resume with the same DP settings")
        }
        mech.restore(clippingNorm: c)
        return mech
    }

    /// Runs the remaining rounds.
    ///
    /// - Parameters:
    ///   - progress: Called after each round with its record; return `false` to stop.
    ///   - checkpoint: Called with the state every `checkpointEvery` rounds.
    /// - Returns: The final state.
    /// - Throws: `TGFLError.cancelled` when `progress` returns false (`state` then holds the
    ///   completed rounds); errors from `checkpoint`; `TGFLError` from secure aggregation.
    @discardableResult
    public func run(progress: ((RoundRecord) -> Bool)? = nil,
                    checkpoint: ((FederationState) throws -> Void)? = nil) throws -> FederationState {
        while state.completedRounds < config.rounds {
            let record = try runRound(state.completedRounds + 1)
            if config.checkpointEvery > 0, state.completedRounds % config.checkpointEvery == 0 {
                try checkpoint?(state)
            }
            if let progress, !progress(record) { throw TGFLError.cancelled }
        }
        return state
    }
}

extension FederatedSimulation {
    /// The error for DP with a strategy whose sensitivity is not proven.
    public static func noDPMessage(_ name: String) -> String {
        "differential privacy: the (ε, δ) guarantee is proven only for mean-based aggregation (FedAvg, FedProx, "
            + "FedAvgM, FedAdagrad, FedAdam, FedYogi: noise on the clipped mean, the server optimizer is "
            + "post-processing); \(name) uses individual updates and has no proven sensitivity — drop DP or use one of these"
    }
}
