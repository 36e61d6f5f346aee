import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl-bench conditional`: the generation cost of a walk-forward backtest (issues 16 and 18):
/// `days × paths × horizon` conditional scenarios with shared prompts, and the same days through
/// `generate` (the prompt encoded in every slot) for comparison.
struct ConditionalBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conditional",
        abstract: "Seconds of generateConditional for days × paths × horizon (shared prompts) vs generate per day.")

    @Option(help: "Forecast days.")
    var days = 1000
    @Option(help: "Paths per day.")
    var paths = 1000
    @Option(help: "Days per path.")
    var horizon = 10
    @Option(name: .customLong("per-day-days"), help: "Days timed through generate, one call per day (0: skip).")
    var perDayDays = 20
    @Option(help: "Worker threads (default: all processors).")
    var threads: Int?

    func run() throws {
        guard days >= 1, paths >= 1, horizon >= 1 else { throw ValidationError("--days, --paths, --horizon must be ≥ 1") }
        // A random-weight small v2 model with data models fitted on a GARCH series (speed does
        // not depend on the weights); the history is another GARCH path.
        let model = try ScenarioModel(config: ModelConfig.small.v2(), seed: 1)
        try model.fitDataModels(trainingReturns: try GARCHGenerator().paths(count: 1, length: 2000, seed: 1), options: nil)
        let history = try GARCHGenerator().paths(count: 1, length: 1000 + days, seed: 2)[0]
        let threadCount = threads ?? model.transformer.threads
        let options = ConditionalGenerationOptions(paths: paths, horizon: horizon, promptDays: 1000, seed: 3,
                                                   threads: threadCount)
        let start = BenchmarkSupport.now(), cpuStart = BenchmarkSupport.cpuNow()
        let shared = try model.generateConditional(history: history, days: Array(1000..<(1000 + days)), options: options)
        let seconds = BenchmarkSupport.now() - start, cpuSeconds = BenchmarkSupport.cpuNow() - cpuStart
        let tokens = Double(days * paths * horizon)
        print("tgfl-bench conditional --days \(days) --paths \(paths) --horizon \(horizon) --threads \(threadCount)")
        print(String(format: "  shared prompts   %.1f s  (%.0f tokens/s, %.1f ms per day)", seconds, tokens / seconds,
                     1000 * seconds / Double(days)))
        print(String(format: "  cpu per day      %.1f ms  (CPU time of all threads)", 1000 * cpuSeconds / Double(days)))
        if perDayDays > 0 {
            let n = min(perDayDays, days)
            let t0 = BenchmarkSupport.now()
            for t in 1000..<(1000 + n) {
                _ = try model.generate(GenerationOptions(paths: paths, horizon: horizon, regime: .unconditional,
                                                         prompt: Array(history[(t - 1000)..<t]), seed: 3, threads: threadCount))
            }
            let perDay = (BenchmarkSupport.now() - t0) / Double(n)
            print(String(format: "  generate per day %.1f ms per day (%d days; prompt encoded in every slot, context slides)",
                         1000 * perDay, n))
        }
        print(String(format: "  checksum         %.6f", shared.returns.reduce(0) { $0 + $1.reduce(0, +) }))
        print(String(format: "  peak RSS         %.1f MB", BenchmarkSupport.peakRSSMegabytes()))
        print("  load avg         \(BenchmarkSupport.loadAverage())")
    }
}
