import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated
import TGFLStats

/// `tgfl-bench federated`: simulation overhead (zero local steps) and the speed of a full
/// federated run of the small transformer on the bundled S&P 500.
struct FederatedBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federated",
        abstract: "Federated simulation overhead (ms/client/round) and 8-client × 30-round speed.")

    @Option(help: "Clients.") var clients = 8
    @Option(help: "Rounds.") var rounds = 30
    @Option(help: "Local AdamW steps per round in the speed run.") var localSteps = 4
    @Option(help: "Local batch size.") var batch = 8
    @Option(help: "Window length T (≤ context 128).") var sequenceLength = 64
    @Option(help: "Worker threads across clients.") var threads = 2
    @Option(help: "Rounds of the overhead run.") var overheadRounds = 50

    func run() throws {
        let series = [try MarketData.sp500().logReturns().values]
        print("tgfl-bench federated  (clients \(clients), rounds \(rounds), S = \(localSteps), B = \(batch), "
              + "T = \(sequenceLength), threads \(threads), config small)")

        // Overhead: zero local steps, no local validation, one evaluated client; threads = 1 so
        // that wall time − client model time is the engine's own time.
        var o = FederatedEvidence.baseOptions(clients: clients, rounds: overheadRounds, localSteps: 0, batch: batch,
                                              sequenceLength: sequenceLength, threads: 1)
        o.sampling.fractionEvaluate = 1.0 / Double(clients)
        o.sampling.minEvaluateNodes = 1
        o.reportLocalValidation = false
        let model = try ScenarioModel(config: .small, seed: 1)
        let trainer = try FederatedTrainer(model: model, options: o)
        let fed = try trainer.makeClients(series: series)
        let timed = fed.clients.map { TimedClient(inner: $0) }
        let sim = try FederatedSimulation(
            clients: timed, strategy: FedAvg(sampling: o.sampling), initialParameters: model.parameters(),
            config: SimulationConfig(rounds: overheadRounds, seed: 1, localSteps: 0, learningRate: 1e-3, threads: 1))
        let t0 = BenchmarkSupport.now(), c0 = Self.cpuSeconds()
        _ = try sim.run()
        let wall = BenchmarkSupport.now() - t0, cpu = Self.cpuSeconds() - c0
        let evalSeconds = timed.reduce(0.0) { $0 + $1.clock.evaluateSeconds }
        let fitSeconds = timed.reduce(0.0) { $0 + $1.clock.fitSeconds }
        let perClientRound = (wall - evalSeconds) / Double(clients * overheadRounds)
        // Under load the wall clock includes time other processes ran; scale by CPU share.
        let share = min(1, cpu / wall)
        print(String(format: "  overhead     %.3f ms/client/round wall, %.3f ms CPU-equivalent (×%.2f CPU share)  "
                     + "(engine + weight copies + the client's 0-step fit; S = 0, %d rounds, 1 thread; "
                     + "evaluation %.2f s excluded; 0-step fit alone %.3f ms/client/round)",
                     perClientRound * 1e3, perClientRound * share * 1e3, share, overheadRounds, evalSeconds,
                     fitSeconds / Double(clients * overheadRounds) * 1e3))

        // Speed: the full run.
        o = FederatedEvidence.baseOptions(clients: clients, rounds: rounds, localSteps: localSteps, batch: batch,
                                          sequenceLength: sequenceLength, threads: threads)
        o.reportLocalValidation = false
        o.sampling.fractionEvaluate = 0.25
        let speedModel = try ScenarioModel(config: .small, seed: 1)
        let t1 = BenchmarkSupport.now(), c1 = Self.cpuSeconds()
        let report = try FederatedTrainer(model: speedModel, options: o).fit(series: series)
        let seconds = BenchmarkSupport.now() - t1, cpuSeconds = Self.cpuSeconds() - c1
        let losses = report.rounds.compactMap(\.validationLoss)
        print(String(format: "  speed        %.1f s wall for %d clients × %d rounds (%.2f s/round); CPU %.1f s "
                     + "(= %.1f s on %d idle cores); val loss (2 evaluated clients) %.4f -> %.4f",
                     seconds, clients, rounds, seconds / Double(rounds), cpuSeconds, cpuSeconds / Double(threads),
                     threads, losses.first ?? .nan, losses.last ?? .nan))
        print(String(format: "  peak RSS     %.1f MB", BenchmarkSupport.peakRSSMegabytes()))
        print("  load avg     \(BenchmarkSupport.loadAverage())")
    }
}

extension FederatedBenchmark {
    /// CPU seconds used by this process (all threads).
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// Measures the time a client spends in `fit` and `evaluate`.
final class ClientClock: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var fitSeconds = 0.0
    private(set) var evaluateSeconds = 0.0
    func add(fit: Double = 0, evaluate: Double = 0) {
        lock.lock(); fitSeconds += fit; evaluateSeconds += evaluate; lock.unlock()
    }
}

struct TimedClient: FederatedClient {
    let inner: TransformerClient
    let clock = ClientClock()
    var id: Int { inner.id }
    var numExamples: Int { inner.numExamples }
    func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
        let t = BenchmarkSupport.now()
        defer { clock.add(fit: BenchmarkSupport.now() - t) }
        return try inner.fit(global: global, config: config)
    }
    func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) {
        let t = BenchmarkSupport.now()
        defer { clock.add(evaluate: BenchmarkSupport.now() - t) }
        return try inner.evaluate(global: global)
    }
}

/// `tgfl-bench federated-evidence`: federated vs centralized vs local-only on the S&P 500's
/// training span split across institutions by time; Byzantine robustness; dropout; DP.
struct FederatedEvidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federated-evidence",
        abstract: "Federated vs centralized vs local-only quality, Byzantine, dropout and DP runs (minutes).")

    @Option(help: "Institutions (clients).") var clients = 8
    @Option(help: "Rounds per federated run.") var rounds = 20
    @Option(help: "Local steps per round.") var localSteps = 4
    @Option(help: "Local batch size.") var batch = 8
    @Option(help: "Window length T.") var sequenceLength = 64
    @Option(help: "Worker threads.") var threads = 2
    @Option(help: "Generated paths per model for the stylized facts.") var paths = 8
    @Option(help: "Parts to run: comma list of quality, byzantine, dropout, privacy.")
    var parts = "quality,byzantine,dropout,privacy"
    @Option(help: "Local learning rate.") var learningRate = 2e-3
    @Option(help: "Sign-flip attack scale s (Δ ← −s·Δ).") var flipScale = 4.0

    static func baseOptions(clients: Int, rounds: Int, localSteps: Int, batch: Int, sequenceLength: Int,
                            threads: Int) -> FederatedTrainingOptions {
        var o = FederatedTrainingOptions()
        o.clients = clients
        o.rounds = rounds
        o.localSteps = localSteps
        o.batchSize = batch
        o.sequenceLength = sequenceLength
        o.learningRate = 2e-3
        o.partition = .timePeriods
        o.threads = threads
        o.maxValidationWindows = 16
        o.sampling.fractionEvaluate = 1.0
        return o
    }

    func run() throws {
        let sp = try MarketData.sp500().logReturns().values
        let series = [sp]
        let trainDays = Int(0.8 * Double(sp.count))
        let heldOut = Array(sp[trainDays...])
        let wanted = Set(parts.split(separator: ",").map(String.init))
        var base = Self.baseOptions(clients: clients, rounds: rounds, localSteps: localSteps, batch: batch,
                                    sequenceLength: sequenceLength, threads: threads)
        base.learningRate = learningRate
        print("tgfl-bench federated-evidence  S&P 500 \(sp.count) returns, training span \(trainDays) days split by time "
              + "across \(clients) institutions; held-out \(heldOut.count) days")
        print("  federated runs: rounds \(rounds), S = \(localSteps), B = \(batch), T = \(sequenceLength), lr \(learningRate), "
              + "threads \(threads), config small")

        func federated(_ label: String, _ o: FederatedTrainingOptions) throws -> (ScenarioModel, FederatedTrainingReport) {
            let model = try ScenarioModel(config: .small, seed: 1)
            let t = BenchmarkSupport.now()
            let report = try FederatedTrainer(model: model, options: o).fit(series: series)
            let final = report.rounds.last?.validationLoss ?? .nan
            let rejected = report.rounds.reduce(0) { $0 + $1.rejected.count }
            let dropped = report.rounds.reduce(0) { $0 + $1.dropped.count }
            let eps = report.epsilon.map { String(format: ", ε = %.2f at δ = %g", $0, report.delta) } ?? ""
            print(String(format: "  %@ val loss %.4f  (%.1f s; dropped %d, rejected %d%@)",
                         label.padding(toLength: 34, withPad: " ", startingAt: 0) as NSString, final,
                         BenchmarkSupport.now() - t, dropped, rejected, eps as NSString))
            return (model, report)
        }

        var clean: Double = .nan
        if wanted.contains("quality") || wanted.contains("byzantine") {
            let (fedModel, report) = try federated("FedAvg (clean)", base)
            clean = report.rounds.last?.validationLoss ?? .nan
            if wanted.contains("quality") { try quality(fedModel: fedModel, series: series, heldOut: heldOut, trainDays: trainDays) }
        }
        if wanted.contains("byzantine") {
            let attackers = max(1, Int((0.2 * Double(clients)).rounded()))
            print("  Byzantine: clients 0..<\(attackers) (\(attackers) of \(clients)) send sign-flipped updates (−\(flipScale)·Δ)")
            for (kind, h): (StrategyKind, [String: Double]) in [
                (.fedavg, [:]), (.krum, ["num_malicious_nodes": Double(attackers)]), (.fedmedian, [:]),
                (.fedtrimmedavg, ["beta": 0.3]),
            ] {
                var o = base
                o.strategy = kind
                o.hyperparameters = h
                o.faults.byzantine = Dictionary(uniqueKeysWithValues: (0..<attackers).map { ($0, ByzantineAttack.signFlip(scale: flipScale)) })
                let (_, r) = try federated("\(kind.rawValue) + sign-flip", o)
                let v = r.rounds.last?.validationLoss ?? .nan
                print(String(format: "      %@: %.1f %% vs clean FedAvg %.4f", kind.rawValue as NSString, 100 * (v / clean - 1), clean))
            }
        }
        if wanted.contains("dropout") {
            var o = base
            o.faults.dropoutProbability = 0.3
            let (_, r) = try federated("FedAvg, dropout 30 %", o)
            print("      completed rounds: \(r.rounds.count) of \(rounds); rounds skipped: \(r.rounds.filter { $0.skippedReason != nil }.count)")
        }
        if wanted.contains("privacy") {
            for clip in [0.1, 0.5] {
                var o = base
                o.privacy = DPConfig(noiseMultiplier: 1.0, clippingNorm: clip, numSampledClients: clients)
                _ = try federated(String(format: "FedAvg + DP σ=1.0, C=%.1f", clip), o)
            }
        }
    }

    /// Federated vs centralized vs local-only: held-out NLL and stylized facts of generated paths.
    func quality(fedModel: ScenarioModel, series: [[Double]], heldOut: [Double], trainDays: Int) throws {
        let tokenizer = fedModel.tokenizer!, regimes = fedModel.regimeModel!
        let steps = rounds * localSteps
        // Centralized: pooled data, the same total examples as the federation (R·S steps of N·B).
        let central = try ScenarioModel(config: .small, seed: 1)
        try central.setDataModels(tokenizer: tokenizer, regimeModel: regimes)
        var t = TrainingOptions(steps: steps, batchSize: batch * clients, sequenceLength: sequenceLength,
                                learningRate: learningRate, minLearningRate: learningRate, warmupSteps: 0)
        t.threads = threads
        t.evaluateEvery = steps
        var t0 = BenchmarkSupport.now()
        _ = try Trainer(model: central, options: t).fit(series: series)
        print(String(format: "  centralized: %d steps × batch %d (%.1f s)", steps, batch * clients, BenchmarkSupport.now() - t0))
        // Local-only: institution i trains alone on its own period (R·S steps of B).
        let n = trainDays / clients
        var locals: [ScenarioModel] = []
        t0 = BenchmarkSupport.now()
        for i in 0..<clients {
            let own = Array(series[0][(i * n)..<((i + 1) * n)])
            let m = try ScenarioModel(config: .small, seed: 1)
            try m.setDataModels(tokenizer: tokenizer, regimeModel: regimes)
            var lt = TrainingOptions(steps: steps, batchSize: batch, sequenceLength: sequenceLength,
                                     learningRate: learningRate, minLearningRate: learningRate, warmupSteps: 0)
            lt.validationFraction = 0.1
            lt.threads = threads
            lt.evaluateEvery = steps
            _ = try Trainer(model: m, options: lt).fit(series: [own])
            locals.append(m)
        }
        print(String(format: "  local-only: %d models, %d steps × batch %d each (%.1f s)", clients, steps, batch,
                     BenchmarkSupport.now() - t0))

        let labels = try regimes.label(Array(series[0]))
        let heldLabels = Array(labels[trainDays...]).map(Int.init)
        let prompt = Array(series[0][(trainDays - sequenceLength)..<trainDays])
        let realStats = try Facts(heldOut)
        print("  held-out scores (NLL = mean nats per day on the held-out span; facts of \(paths) generated paths "
              + "of \(heldOut.count) days, regime path = the held-out labels, prompt = last \(sequenceLength) training days)")
        print("  model            NLL     KS D    kurt   acf|r|1-10  acf r1   lev1-5    VaR99   ES99")
        print(realStats.row("real held-out", nll: nil))
        func score(_ label: String, _ m: ScenarioModel) throws -> Facts {
            let nll = -(try m.logLikelihood(returns: heldOut))
            let set = try m.generate(GenerationOptions(paths: paths, horizon: heldOut.count, regime: .path(heldLabels),
                                                       prompt: prompt, seed: 11, threads: threads))
            let f = try Facts(set.returns.flatMap { $0 }, perPath: set.returns, reference: heldOut)
            print(f.row(label, nll: nll))
            return f
        }
        _ = try score("federated", fedModel)
        _ = try score("centralized", central)
        var localNLL: [Double] = []
        for (i, m) in locals.enumerated() {
            localNLL.append(-(try m.logLikelihood(returns: heldOut)))
            if i == 0 || i == clients - 1 { _ = try score("local-only #\(i)", m) }
        }
        print(String(format: "  local-only NLL over %d institutions: mean %.4f, best %.4f, worst %.4f", clients,
                     localNLL.reduce(0, +) / Double(clients), localNLL.min()!, localNLL.max()!))
    }
}

/// Stylized-fact scores of a return sample (TGFLStats).
struct Facts {
    var ks: Double?, kurtosis: Double, acfAbs: Double, acf1: Double, leverage: Double, var99: Double, es99: Double

    /// - Parameters: all returns; optionally the per-path arrays (dependence is averaged over
    ///   paths) and the real sample for the two-sample KS statistic.
    init(_ x: [Double], perPath: [[Double]]? = nil, reference: [Double]? = nil) throws {
        let paths = perPath ?? [x]
        kurtosis = try Descriptive.excessKurtosis(x)
        var a = 0.0, r1 = 0.0, lev = 0.0
        for p in paths {
            let acfAbs = try Autocorrelation.acf(p.map(abs), maxLag: 10)
            a += acfAbs.suffix(10).reduce(0, +) / 10
            r1 += try Autocorrelation.acf(p, maxLag: 1).last!
            let curve = try LeverageEffect.curve(p, maxLag: 5)
            lev += curve.suffix(5).reduce(0, +) / 5
        }
        let k = Double(paths.count)
        acfAbs = a / k; acf1 = r1 / k; leverage = lev / k
        let risk = try RiskMeasures.historical(x, level: 0.01)
        var99 = risk.valueAtRisk; es99 = risk.expectedShortfall
        ks = try reference.map { try KolmogorovSmirnov.twoSample(x, $0).statistic }
    }

    func row(_ label: String, nll: Double?) -> String {
        String(format: "  %@ %6@  %6@  %6.2f  %8.3f   %7.3f  %8.3f  %6.4f  %6.4f",
               label.padding(toLength: 15, withPad: " ", startingAt: 0) as NSString,
               (nll.map { String(format: "%.3f", $0) } ?? "—") as NSString,
               (ks.map { String(format: "%.3f", $0) } ?? "—") as NSString, kurtosis, acfAbs, acf1, leverage, var99, es99)
    }
}
