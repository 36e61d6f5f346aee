import Dispatch
import Foundation
import TGFLCore

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
    public private(set) var strategy: any FederatedStrategy
    /// Rounds, seed, local training, faults, privacy.
    public let config: SimulationConfig
    /// The run so far; checkpoint it to resume.
    public private(set) var state: FederationState
    private var dp: DifferentialPrivacy?
    private let sampleSize: Int

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
        sampleSize = try strategy.sampling.trainSampleSize(available: clients.count)
        try strategy.validate(sampleSize: sampleSize)
        try config.faults.validate(numClients: clients.count)
        if config.secureAggregation, !(strategy is any MeanBasedStrategy) {
            throw TGFLError.invalidArgument("secure aggregation shows the server only the sum of updates; \(strategy.name) "
                + "needs individual updates — use FedAvg, FedAvgM, FedProx, FedAdagrad, FedAdam or FedYogi")
        }
        if config.secureAggregation, sampleSize < 2 {
            throw TGFLError.invalidArgument("secure aggregation needs at least 2 participants per round, but the sample "
                + "size is \(sampleSize) (of \(clients.count) clients); with 1 the server sees that client's update "
                + "in the clear — add clients, raise fraction_train/min_train_nodes, or drop secure aggregation")
        }
        if config.privacy != nil, !(strategy is any MeanBasedStrategy) {
            throw TGFLError.invalidArgument(FederatedSimulation.noDPMessage(strategy.name))
        }
        if let p = config.privacy, p.numSampledClients != sampleSize {
            throw TGFLError.invalidArgument("DP num_sampled_clients = \(p.numSampledClients) must equal the round's "
                + "sample size \(sampleSize) (max(⌊N·fraction_train⌋, min_train_nodes)); it is the fixed denominator")
        }
        var state = state
        if let p = config.privacy {
            guard config.privacyDelta > 0, config.privacyDelta < 1 else {
                throw TGFLError.outOfRange("privacyDelta = \(config.privacyDelta) must be in (0, 1)")
            }
            var mech = try DifferentialPrivacy(p)
            let record = DPMechanismRecord(mechanism: mech, numClients: clients.count)
            if fresh {
                state.clippingNorm = mech.clippingNorm
                state.accountant = try RDPAccountant()
                state.privacyMechanism = record
                state.privacyRounds = 0
            } else {
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
            }
            dp = mech
        }
        self.clients = clients
        self.strategy = strategy
        self.config = config
        self.state = state
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

    // MARK: - One round

    private struct Outcome: @unchecked Sendable {
        var update: ClientUpdate?
        var masked: [UInt64]?
        var rejection: String?
        var clipped = false
        var arrived = false
    }

    /// Results written from concurrent workers, one distinct index each, into raw storage
    /// (no shared Array copy-on-write check while threads write).
    private final class Slots<T>: @unchecked Sendable {
        let base: UnsafeMutablePointer<T>
        let count: Int
        init(_ items: [T]) {
            count = items.count
            base = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            base.initialize(from: items, count: count)
        }
        deinit { base.deinitialize(count: count); base.deallocate() }
        subscript(i: Int) -> T {
            get { base[i] }
            set { base[i] = newValue }
        }
        var items: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }
    }

    private func deriveSeed(_ round: Int, _ client: Int, _ purpose: UInt64) -> UInt64 {
        var r = SeededRNG(seed: config.seed ^ purpose, stream: UInt64(round) << 32 | UInt64(client & 0xFFFF_FFFF))
        return r.next()
    }

    private func parallel(_ n: Int, _ body: @Sendable @escaping (Int) -> Void) {
        let threads = max(1, min(config.threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : config.threads, n))
        if threads == 1 { for i in 0..<n { body(i) }; return }
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            for i in stride(from: w, to: n, by: threads) { body(i) }
        }
    }

    private func runRound(_ round: Int) throws -> RoundRecord {
        let start = DispatchTime.now().uptimeNanoseconds
        let n = clients.count
        let global = state.globalParameters
        let p = global.count

        // Sample without replacement (partial Fisher–Yates), then id order; or Poisson under DP.
        var rng = SeededRNG(seed: deriveSeed(round, 0, 0x53414D50))
        let sampled: [Int]
        if let p = config.privacy, p.sampling == .poisson {
            let q = Double(sampleSize) / Double(n)
            sampled = (0..<n).filter { _ in rng.uniform() < q }
        } else {
            var pool = Array(0..<n)
            for i in 0..<sampleSize { pool.swapAt(i, i + rng.int(below: n - i)) }
            sampled = pool[0..<sampleSize].sorted()
        }

        var dropped: [Int] = [], late: [Int] = [], working: [Int] = []
        var times = [Int: Double]()
        for c in sampled {
            switch config.faults.fate(seed: config.seed, round: round, client: c) {
            case .dropped: dropped.append(c)
            case .late(let t): late.append(c); times[c] = t
            case .ok(let t): working.append(c); times[c] = t
            }
        }

        let workingClients = working
        let fitConfigBase = FitConfig(round: round, localSteps: config.localSteps, learningRate: config.learningRate,
                                      proximalMu: strategy.proximalMu, seed: 0)
        let clipNorm = dp?.clippingNorm
        let clipSide = config.privacy?.side
        let secure = config.secureAggregation ? SecureAggregator(seed: config.seed, round: round, participants: sampled) : nil
        let equalWeights = dp != nil
        let byz = config.faults.byzantine
        let clients = self.clients
        let slots = Slots([Outcome](repeating: Outcome(), count: working.count))
        let seedFor = working.map { deriveSeed(round, $0, 0x46495421) }
        let attackSeeds = working.map { deriveSeed(round, $0, 0x42595A41) }

        parallel(workingClients.count) { j in
            let c = workingClients[j]
            var out = Outcome()
            var fc = fitConfigBase
            fc.seed = seedFor[j]
            do {
                var u = try clients[c].fit(global: global, config: fc)
                u.clientID = c
                out.arrived = true
                if u.parameters.count != p {
                    out.rejection = "wrong length: \(u.parameters.count) parameters, expected \(p)"
                } else if let k = FiniteScan.firstNonFinite(u.parameters) {
                    out.rejection = "non-finite value \(u.parameters[k]) at element \(k)"
                } else if u.numExamples <= 0 {
                    out.rejection = "num_examples = \(u.numExamples) must be positive"
                } else {
                    if let s = clipNorm, clipSide == .client {
                        out.clipped = DifferentialPrivacy.clip(&u.parameters, global: global, norm: s)
                    }
                    if let attack = byz[c] {
                        var r = SeededRNG(seed: attackSeeds[j])
                        attack.apply(to: &u.parameters, global: global, rng: &r)
                        if let k = FiniteScan.firstNonFinite(u.parameters) {
                            out.rejection = "non-finite value \(u.parameters[k]) at element \(k)"
                        }
                    }
                    if out.rejection == nil, let s = clipNorm, clipSide == .server {
                        out.clipped = DifferentialPrivacy.clip(&u.parameters, global: global, norm: s)
                    }
                    if out.rejection == nil, let sa = secure {
                        do {
                            out.masked = try sa.mask(clientID: c, parameters: u.parameters,
                                                     weight: equalWeights ? 1 : u.numExamples)
                        }
                        catch { out.rejection = "\(error)" }
                    }
                    if out.rejection == nil { out.update = u }
                }
            } catch {
                out.rejection = "fit failed: \(error)"
            }
            slots[j] = out
        }

        // Sequential, client-id order.
        var accepted: [ClientUpdate] = [], rejected: [Rejection] = [], records: [ClientRoundRecord] = []
        var masked = [Int: [UInt64]](), weights = [Int: Int]()
        var arrivedCount = 0, clippedCount = 0
        for (j, c) in working.enumerated() {
            let o = slots[j]
            if o.arrived { arrivedCount += 1 }
            if let r = o.rejection { rejected.append(Rejection(clientID: c, reason: r)); continue }
            guard let u = o.update else { continue }
            accepted.append(u)
            if o.clipped { clippedCount += 1 }
            if let m = o.masked { masked[c] = m; weights[c] = u.numExamples }
            records.append(ClientRoundRecord(clientID: c, numExamples: u.numExamples, metrics: u.metrics,
                                             simulatedTime: times[c] ?? 0, clipped: o.clipped))
        }

        var skipped: String?
        var newGlobal = global
        let usedClipNorm = dp?.clippingNorm
        if var mech = dp {
            // DP-FedAvg: equal weights, fixed denominator m, noise before the server step; the
            // round is released even with no valid update (skipping would depend on the data).
            var sum = [Double](repeating: 0, count: p)
            if let sa = secure {
                if !masked.isEmpty {
                    let (s, _) = try sa.unmaskSum(masked, recoverDropouts: config.recoverDropouts)
                    let k = Double(masked.count)
                    for j in 0..<p { sum[j] = s[j] - k * Double(global[j]) }
                }
            } else {
                for u in accepted { for j in 0..<p { sum[j] += Double(u.parameters[j]) - Double(global[j]) } }
            }
            let m = Double(mech.config.numSampledClients)
            var mean = (0..<p).map { Float(Double(global[$0]) + sum[$0] / m) }
            var noiseRNG = SeededRNG(seed: deriveSeed(round, 0, 0x4E4F4953))
            mech.addNoise(&mean, rng: &noiseRNG)
            mech.updateClippingNorm(clippedCount: clippedCount, total: accepted.count, rng: &noiseRNG)
            try state.accountant?.compose(noiseMultiplier: mech.accountingNoiseMultiplier,
                                          samplingRate: Double(sampleSize) / Double(n), method: mech.config.sampling)
            state.privacyRounds = (state.privacyRounds ?? 0) + 1
            dp = mech
            state.clippingNorm = mech.clippingNorm
            guard var ms = strategy as? any MeanBasedStrategy else { throw TGFLError.invalidArgument("unreachable") }
            let candidate = try ms.step(round: round, global: global, mean: mean)
            strategy = ms
            if accepted.isEmpty { skipped = "no valid update arrived; the noised mean was still released" }
            if let k = FiniteScan.firstNonFinite(candidate) {
                skipped = "the aggregate has a non-finite value at element \(k); global model kept"
            } else {
                newGlobal = candidate
            }
        } else if accepted.isEmpty {
            skipped = "no valid update arrived"
        } else if accepted.count < strategy.minimumReplies {
            skipped = "\(strategy.name) needs at least \(strategy.minimumReplies) valid updates, got \(accepted.count)"
        } else {
            var candidate: [Float]
            if let sa = secure {
                let (mean, _) = try sa.unmask(masked, weights: weights, recoverDropouts: config.recoverDropouts)
                guard var ms = strategy as? any MeanBasedStrategy else { throw TGFLError.invalidArgument("unreachable") }
                candidate = try ms.step(round: round, global: global, mean: mean)
                strategy = ms
            } else {
                candidate = try strategy.aggregate(round: round, global: global, updates: accepted)
            }
            if let k = FiniteScan.firstNonFinite(candidate) {
                skipped = "the aggregate has a non-finite value at element \(k); global model kept"
            } else {
                newGlobal = candidate
            }
        }

        // Federated evaluation of the new global model.
        let evalSize = strategy.sampling.evaluateSampleSize(available: n)
        var erng = SeededRNG(seed: deriveSeed(round, 0, 0x4556414C))
        var epool = Array(0..<n)
        for i in 0..<evalSize { epool.swapAt(i, i + erng.int(below: n - i)) }
        let evaluated = epool[0..<evalSize].sorted()
        let evalSlots = Slots([(Double, Int)?](repeating: nil, count: evaluated.count))
        let evalGlobal = newGlobal
        parallel(evaluated.count) { j in
            if let r = try? clients[evaluated[j]].evaluate(global: evalGlobal), r.loss.isFinite, r.numExamples > 0 {
                evalSlots[j] = (r.loss, r.numExamples)
            }
        }
        var lossSum = 0.0, exSum = 0
        for r in evalSlots.items { if let (l, e) = r { lossSum += l * Double(e); exSum += e } }

        // Training metrics: example-weighted mean of keys every participant reported.
        var trainMetrics = [String: Double]()
        if let first = accepted.first {
            let total = accepted.reduce(0.0) { $0 + Double($1.numExamples) }
            for key in first.metrics.keys where accepted.allSatisfy({ $0.metrics[key] != nil }) {
                trainMetrics[key] = accepted.reduce(0.0) { $0 + Double($1.numExamples) * $1.metrics[key]! } / total
            }
        }

        var eps: Double?
        let h = round == config.rounds ? PLDAccountant.defaultDiscretization : 1e-3
        if let e = try state.privacyEstimate(delta: config.privacyDelta, discretization: h)?.epsilon, e.isFinite { eps = e }
        let upBytes = (secure != nil ? 8 : 4) * p * arrivedCount
        let record = RoundRecord(
            round: round, sampled: sampled, participants: accepted.map(\.clientID), dropped: dropped, late: late,
            rejected: rejected, clients: records, trainMetrics: trainMetrics, evaluated: evaluated,
            validationLoss: exSum > 0 ? lossSum / Double(exSum) : nil, skippedReason: skipped,
            clippingNorm: usedClipNorm, epsilon: eps, bytesUp: upBytes, bytesDown: 4 * p * sampled.count,
            wallTime: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9,
            masked: secure == nil ? nil : masked.count >= 2)

        state.globalParameters = newGlobal
        state.strategyState = strategy.exportState()
        state.completedRounds = round
        state.history.append(record)
        return record
    }
}

extension FederatedSimulation {
    /// The error for DP with a strategy whose sensitivity is not proven.
    static func noDPMessage(_ name: String) -> String {
        "differential privacy: the (ε, δ) guarantee is proven only for mean-based aggregation (FedAvg, FedProx, "
            + "FedAvgM, FedAdagrad, FedAdam, FedYogi: noise on the clipped mean, the server optimizer is "
            + "post-processing); \(name) uses individual updates and has no proven sensitivity — drop DP or use one of these"
    }
}
