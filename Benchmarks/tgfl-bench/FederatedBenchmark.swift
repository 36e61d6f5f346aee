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

    @OptionGroup var options: FederatedRunOptions
    @Option(help: "Rounds of the overhead run.") var overheadRounds = 50

    func run() throws {
        let clients = options.clients, rounds = options.rounds, localSteps = options.localSteps
        let batch = options.batch, sequenceLength = options.sequenceLength, threads = options.threads
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

/// The knobs of a federated run that `tgfl-bench federated` and `federated-evidence` share.
struct FederatedRunOptions: ParsableArguments {
    @Option(help: "Clients (institutions).") var clients = 8
    @Option(help: "Rounds per federated run.") var rounds = 30
    @Option(help: "Local AdamW steps per client and round.") var localSteps = 4
    @Option(help: "Local batch size.") var batch = 8
    @Option(help: "Window length T (≤ the context, 128).") var sequenceLength = 64
    @Option(help: "Worker threads across clients.") var threads = 2
}
