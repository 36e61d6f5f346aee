import Dispatch
import Foundation
import TGFLBase

/// One round of `FederatedSimulation`, as six stages that each do one thing:
///
/// ```
/// sample     → Cohort      which clients train; dropouts and late clients (seeded)
/// fit        → [Outcome]   each working client trains on w_t, in parallel
/// screen     (inside fit)  length, finite values, example count, clipping, attack, masks
/// collect    → Screened    the outcomes in client-id order: accepted, rejected, masks
/// aggregate  → Aggregate   w_{t+1} by the strategy, or by DP-FedAvg (noise, accountant)
/// evaluate   → Evaluation  w_{t+1} on a seeded sample of clients
/// record     → RoundRecord everything above, appended to the state
/// ```
/// Every stage's randomness comes from its own `RandomPurpose` stream of `(seed, round,
/// client)`, and everything after `fit` runs in client-id order, so a round is bit-identical
/// for any thread count.
extension FederatedSimulation {
    /// Runs round `round` and appends its record to `state`.
    func runRound(_ round: Int) throws -> RoundRecord {
        let start = DispatchTime.now().uptimeNanoseconds
        let global = state.globalParameters
        let cohort = sample(round: round)
        let secure = config.secureAggregation
            ? SecureAggregator(seed: config.seed, round: round, participants: cohort.sampled) : nil
        let outcomes = fit(round: round, cohort: cohort, global: global, secure: secure)
        let screened = collect(outcomes, cohort: cohort)
        let usedClipNorm = dp?.clippingNorm
        let aggregate = try self.aggregate(round: round, global: global, screened: screened, secure: secure)
        let evaluation = evaluate(round: round, global: aggregate.global)
        let record = try makeRecord(round: round, cohort: cohort, screened: screened, aggregate: aggregate,
                                    evaluation: evaluation, clippingNorm: usedClipNorm, secure: secure != nil,
                                    seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        state.globalParameters = aggregate.global
        state.strategyState = strategy.exportState()
        state.completedRounds = round
        state.history.append(record)
        return record
    }

    // MARK: - Stage 1: sample

    /// The clients sampled for a round, split by their simulated fate.
    struct Cohort {
        /// Sampled for training, ascending.
        var sampled: [Int] = []
        var dropped: [Int] = []
        var late: [Int] = []
        /// Sampled, not dropped and on time: these train.
        var working: [Int] = []
        /// Simulated training time of each client that did not drop.
        var times: [Int: Double] = [:]
    }

    /// Samples `sampleSize` clients without replacement (or, under DP with Poisson sampling,
    /// each client with probability q = m/N), then draws each one's fault.
    func sample(round: Int) -> Cohort {
        let n = clients.count
        var rng = SeededRNG(seed: deriveSeed(round, 0, .clientSampling))
        var cohort = Cohort()
        if let p = config.privacy, p.sampling == .poisson {
            let q = Double(sampleSize) / Double(n)
            cohort.sampled = (0..<n).filter { _ in rng.uniform() < q }
        } else {
            cohort.sampled = rng.subsampleIndices(count: sampleSize, from: n)
        }
        for c in cohort.sampled {
            switch config.faults.fate(seed: config.seed, round: round, client: c) {
            case .dropped: cohort.dropped.append(c)
            case .late(let t): cohort.late.append(c); cohort.times[c] = t
            case .ok(let t): cohort.working.append(c); cohort.times[c] = t
            }
        }
        return cohort
    }

    // MARK: - Stage 2 and 3: fit, then screen each update

    /// What became of one working client's update.
    struct Outcome: @unchecked Sendable {
        var update: ClientUpdate?
        var masked: [UInt64]?
        var rejection: String?
        var clipped = false
        var arrived = false
    }

    /// The screen's settings for one round (immutable, shared by the workers).
    struct Screen: Sendable {
        let global: [Float]
        let clipNorm: Double?
        let clipSide: ClippingSide?
        let secure: SecureAggregator?
        let equalWeights: Bool
        var trainable: ParameterSubset? = nil
    }

    /// Trains every working client on `global` in parallel and screens each update.
    func fit(round: Int, cohort: Cohort, global: [Float], secure: SecureAggregator?) -> [Outcome] {
        let working = cohort.working
        let base = FitConfig(round: round, localSteps: config.localSteps, learningRate: config.learningRate,
                             proximalMu: strategy.proximalMu, seed: 0)
        let screen = Screen(global: global, clipNorm: dp?.clippingNorm, clipSide: config.privacy?.side,
                            secure: secure, equalWeights: dp != nil, trainable: config.trainable)
        let byzantine = config.faults.byzantine
        let clients = self.clients
        let fitSeeds = working.map { deriveSeed(round, $0, .localFit) }
        let attackSeeds = working.map { deriveSeed(round, $0, .byzantineAttack) }
        return parallelMap(working.count, placeholder: Outcome()) { j in
            let c = working[j]
            var config = base
            config.seed = fitSeeds[j]
            do {
                var u = try clients[c].fit(global: global, config: config)
                u.clientID = c
                return Self.screen(u, attack: byzantine[c], attackSeed: attackSeeds[j], screen)
            } catch {
                return Outcome(rejection: "fit failed: \(error)")
            }
        }
    }

    /// Stage 3 for one update: rejects a wrong length, a non-finite value or a bad example
    /// count; clips (client side before the attack, server side after it); applies a
    /// simulated attack; masks for secure aggregation.
    static func screen(_ update: ClientUpdate, attack: ByzantineAttack?, attackSeed: UInt64,
                       _ s: Screen) -> Outcome {
        var u = update
        var out = Outcome(arrived: true)
        func reject(_ reason: String) -> Outcome { out.rejection = reason; return out }
        if u.parameters.count != s.global.count {
            return reject("wrong length: \(u.parameters.count) parameters, expected \(s.global.count)")
        }
        if let k = FiniteScan.firstNonFinite(u.parameters) { return reject("non-finite value \(u.parameters[k]) at element \(k)") }
        if u.numExamples <= 0 { return reject("num_examples = \(u.numExamples) must be positive") }
        // Only the trainable subset is taken from a client: Δ is zero elsewhere before any clip.
        s.trainable?.resetFrozen(&u.parameters, to: s.global)
        if let norm = s.clipNorm, s.clipSide == .client {
            out.clipped = DifferentialPrivacy.clip(&u.parameters, global: s.global, norm: norm)
        }
        if let attack {
            var r = SeededRNG(seed: attackSeed)
            attack.apply(to: &u.parameters, global: s.global, rng: &r)
            if let k = FiniteScan.firstNonFinite(u.parameters) { return reject("non-finite value \(u.parameters[k]) at element \(k)") }
        }
        if let norm = s.clipNorm, s.clipSide == .server {
            out.clipped = DifferentialPrivacy.clip(&u.parameters, global: s.global, norm: norm)
        }
        if let sa = s.secure {
            do { out.masked = try sa.mask(clientID: u.clientID, parameters: u.parameters, weight: s.equalWeights ? 1 : u.numExamples) }
            catch { return reject("\(error)") }
        }
        out.update = u
        return out
    }

    // MARK: - Collect

    /// The screened updates in client-id order.
    struct Screened {
        var accepted: [ClientUpdate] = []
        var rejected: [Rejection] = []
        var records: [ClientRoundRecord] = []
        /// Secure aggregation: each accepted client's masked update and its weight.
        var masked: [Int: [UInt64]] = [:]
        var weights: [Int: Int] = [:]
        var arrived = 0
        var clipped = 0
    }

    /// Sorts the outcomes into accepted and rejected updates, in client-id order.
    func collect(_ outcomes: [Outcome], cohort: Cohort) -> Screened {
        var s = Screened()
        for (o, c) in zip(outcomes, cohort.working) {
            if o.arrived { s.arrived += 1 }
            if let r = o.rejection { s.rejected.append(Rejection(clientID: c, reason: r)); continue }
            guard let u = o.update else { continue }
            s.accepted.append(u)
            if o.clipped { s.clipped += 1 }
            if let m = o.masked { s.masked[c] = m; s.weights[c] = u.numExamples }
            s.records.append(ClientRoundRecord(clientID: c, numExamples: u.numExamples, metrics: u.metrics,
                                               simulatedTime: cohort.times[c] ?? 0, clipped: o.clipped))
        }
        return s
    }

    // MARK: - Stage 4: aggregate

    /// The new global weights, or the old ones with the reason the round was skipped.
    struct Aggregate {
        var global: [Float]
        var skipped: String?
    }

    /// Aggregates the accepted updates: DP-FedAvg when DP is on, otherwise the strategy (on
    /// the unmasked mean under secure aggregation). A non-finite aggregate keeps the old model.
    func aggregate(round: Int, global: [Float], screened: Screened, secure: SecureAggregator?) throws -> Aggregate {
        if dp != nil { return try aggregatePrivately(round: round, global: global, screened: screened, secure: secure) }
        let accepted = screened.accepted
        if accepted.isEmpty { return Aggregate(global: global, skipped: "no valid update arrived") }
        if accepted.count < strategy.minimumReplies {
            return Aggregate(global: global, skipped: "\(strategy.name) needs at least \(strategy.minimumReplies) "
                             + "valid updates, got \(accepted.count)")
        }
        let candidate: [Float]
        if let sa = secure {
            let (mean, _) = try sa.unmask(screened.masked, weights: screened.weights, recoverDropouts: config.recoverDropouts)
            candidate = try stepMeanBased(round: round, global: global, mean: mean)
        } else {
            candidate = try strategy.aggregate(round: round, global: global, updates: accepted)
        }
        return freezing(Self.keepFinite(candidate, else: global), global: global)
    }

    /// `aggregate` with the frozen coordinates (`SimulationConfig.trainable`) copied from `global`.
    private func freezing(_ a: Aggregate, global: [Float]) -> Aggregate {
        guard let subset = config.trainable else { return a }
        var a = a
        subset.resetFrozen(&a.global, to: global)
        return a
    }

    /// DP-FedAvg: equal weights, the fixed denominator m, Gaussian noise before the server
    /// step, one accountant composition. The round is released even with no valid update
    /// (skipping would depend on the data).
    func aggregatePrivately(round: Int, global: [Float], screened: Screened,
                            secure: SecureAggregator?) throws -> Aggregate {
        guard var mech = dp else { throw TGFLError.invalidArgument("aggregatePrivately needs a DP mechanism") }
        let p = global.count
        var sum = [Double](repeating: 0, count: p)
        if let sa = secure {
            if !screened.masked.isEmpty {
                let (s, _) = try sa.unmaskSum(screened.masked, recoverDropouts: config.recoverDropouts)
                let k = Double(screened.masked.count)
                for j in 0..<p { sum[j] = s[j] - k * Double(global[j]) }
            }
        } else {
            for u in screened.accepted { for j in 0..<p { sum[j] += Double(u.parameters[j]) - Double(global[j]) } }
        }
        let m = Double(mech.config.numSampledClients)
        var mean = (0..<p).map { Float(Double(global[$0]) + sum[$0] / m) }
        var noiseRNG = SeededRNG(seed: deriveSeed(round, 0, .privacyNoise))
        mech.addNoise(&mean, rng: &noiseRNG, over: config.trainable?.ranges ?? [0..<p])
        mech.updateClippingNorm(clippedCount: screened.clipped, total: screened.accepted.count, rng: &noiseRNG)
        try state.accountant?.compose(noiseMultiplier: mech.accountingNoiseMultiplier,
                                      samplingRate: Double(sampleSize) / Double(clients.count),
                                      method: mech.config.sampling)
        state.privacyRounds = (state.privacyRounds ?? 0) + 1
        dp = mech
        state.clippingNorm = mech.clippingNorm
        let candidate = try stepMeanBased(round: round, global: global, mean: mean)
        var result = freezing(Self.keepFinite(candidate, else: global), global: global)
        if screened.accepted.isEmpty, result.skipped == nil {
            result.skipped = "no valid update arrived; the noised mean was still released"
        }
        return result
    }

    /// The server step of a mean-based strategy on an already formed mean.
    private func stepMeanBased(round: Int, global: [Float], mean: [Float]) throws -> [Float] {
        guard var ms = strategy as? any MeanBasedStrategy else {
            throw TGFLError.invalidArgument("\(strategy.name) is not mean-based; it cannot step on a mean")
        }
        let candidate = try ms.step(round: round, global: global, mean: mean)
        strategy = ms
        return candidate
    }

    private static func keepFinite(_ candidate: [Float], else global: [Float]) -> Aggregate {
        if let k = FiniteScan.firstNonFinite(candidate) {
            return Aggregate(global: global, skipped: "the aggregate has a non-finite value at element \(k); global model kept")
        }
        return Aggregate(global: candidate, skipped: nil)
    }

    // MARK: - Stage 5: evaluate

    /// The federated evaluation of the new global model.
    struct Evaluation {
        /// The clients asked to evaluate, ascending.
        var evaluated: [Int]
        /// Example-weighted mean loss over the clients that returned a finite loss, or nil.
        var loss: Double?
    }

    /// Evaluates `global` on a seeded sample of ⌊N·fraction_evaluate⌋ clients, in parallel.
    func evaluate(round: Int, global: [Float]) -> Evaluation {
        let n = clients.count
        var rng = SeededRNG(seed: deriveSeed(round, 0, .evaluationSampling))
        let evaluated = rng.subsampleIndices(count: strategy.sampling.evaluateSampleSize(available: n), from: n)
        let clients = self.clients
        let results = parallelMap(evaluated.count, placeholder: nil) { j -> (Double, Int)? in
            guard let r = try? clients[evaluated[j]].evaluate(global: global), r.loss.isFinite, r.numExamples > 0 else {
                return nil
            }
            return (r.loss, r.numExamples)
        }
        var lossSum = 0.0, examples = 0
        for r in results { if let (l, e) = r { lossSum += l * Double(e); examples += e } }
        return Evaluation(evaluated: evaluated, loss: examples > 0 ? lossSum / Double(examples) : nil)
    }

    // MARK: - Stage 6: record

    /// The round's record: who took part, what was rejected, the losses, ε, the traffic.
    func makeRecord(round: Int, cohort: Cohort, screened: Screened, aggregate: Aggregate, evaluation: Evaluation,
                    clippingNorm: Double?, secure: Bool, seconds: Double) throws -> RoundRecord {
        let p = state.globalParameters.count
        var epsilon: Double?
        let h = round == config.rounds ? PLDAccountant.defaultDiscretization : 1e-3
        if let e = try state.privacyEstimate(delta: config.privacyDelta, discretization: h)?.epsilon, e.isFinite {
            epsilon = e
        }
        return RoundRecord(
            round: round, sampled: cohort.sampled, participants: screened.accepted.map(\.clientID),
            dropped: cohort.dropped, late: cohort.late, rejected: screened.rejected, clientRecords: screened.records,
            trainMetrics: Self.trainMetrics(screened.accepted), evaluated: evaluation.evaluated,
            validationLoss: evaluation.loss, skippedReason: aggregate.skipped, clippingNorm: clippingNorm,
            epsilon: epsilon, bytesUp: (secure ? 8 : 4) * p * screened.arrived, bytesDown: 4 * p * cohort.sampled.count,
            wallTime: seconds, masked: secure ? screened.masked.count >= 2 : nil)
    }

    /// Example-weighted mean of the metrics every participant reported.
    static func trainMetrics(_ accepted: [ClientUpdate]) -> [String: Double] {
        guard let first = accepted.first else { return [:] }
        let total = accepted.reduce(0.0) { $0 + Double($1.numExamples) }
        var metrics = [String: Double]()
        for key in first.metrics.keys where accepted.allSatisfy({ $0.metrics[key] != nil }) {
            metrics[key] = accepted.reduce(0.0) { $0 + Double($1.numExamples) * $1.metrics[key]! } / total
        }
        return metrics
    }

    // MARK: - Support

    /// The seed of `purpose`'s stream for (round, client).
    func deriveSeed(_ round: Int, _ client: Int, _ purpose: RandomPurpose) -> UInt64 {
        var r = SeededRNG(seed: config.seed, purpose: purpose, stream: UInt64(round) << 32 | UInt64(client & 0xFFFF_FFFF))
        return r.next()
    }

    /// `body(i)` for every i in `0..<n`, run by `parallel`, in index order. Each worker writes
    /// only its own indices of one buffer (shared through `UncheckedSendable`, so no
    /// copy-on-write check runs while threads write); `placeholder` fills it beforehand.
    func parallelMap<T>(_ n: Int, placeholder: T, _ body: @Sendable @escaping (Int) -> T) -> [T] {
        var results = [T](repeating: placeholder, count: n)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer.baseAddress)
            parallel(n) { i in out.value![i] = body(i) }
        }
        return results
    }

    /// Runs `body(0..<n)` on up to `config.threads` threads (each index once; order free).
    func parallel(_ n: Int, _ body: @Sendable @escaping (Int) -> Void) {
        let threads = max(1, min(config.threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : config.threads, n))
        if threads == 1 { for i in 0..<n { body(i) }; return }
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            for i in stride(from: w, to: n, by: threads) { body(i) }
        }
    }
}
