import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl-bench generate`: scenario generation throughput (KV-cache sampling) of the v1 transformer.
struct GenerateBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sampled tokens/s of ScenarioModel.generate (KV cache) for paths × horizon days.")

    @Option(help: "Model config: small or large.")
    var config = "small"
    @Option(help: "Model version: 1 (regime embedding) or 2 (vol_emb and level_bias).")
    var modelVersion = 1
    @Option(help: "Paths per run.")
    var paths = 1000
    @Option(help: "Days per path.")
    var horizon = 250
    @Option(help: "Timed runs (the median is reported).")
    var runs = 3
    @Option(help: "Worker threads (default: all processors).")
    var threads: Int?

    func run() throws {
        let cfg = try BenchmarkSupport.config(named: config, modelVersion: modelVersion)
        guard paths >= 1, horizon >= 1, runs >= 1 else {
            throw ValidationError("--paths, --horizon and --runs must be at least 1")
        }
        // A random-weight model with data models fitted on a GARCH series (speed does not
        // depend on the weights).
        let model = try ScenarioModel(config: cfg, seed: 1)
        let series = try GARCHGenerator().paths(count: 1, length: 2000, seed: 1)
        try model.fitDataModels(trainingReturns: series, options: nil)
        let threadCount = threads ?? model.transformer.threads
        var times: [Double] = [], cpuTimes: [Double] = []
        var checksum = 0.0
        // One untimed warm-up run on a tenth of the paths.
        _ = try model.generate(GenerationOptions(paths: max(1, paths / 10), horizon: horizon, seed: 0,
                                                 threads: threadCount))
        for run in 0..<runs {
            let start = BenchmarkSupport.now(), cpuStart = BenchmarkSupport.cpuNow()
            let set = try model.generate(GenerationOptions(paths: paths, horizon: horizon, regime: .fixed(1),
                                                           seed: UInt64(run + 1), threads: threadCount))
            times.append(BenchmarkSupport.now() - start)
            cpuTimes.append(BenchmarkSupport.cpuNow() - cpuStart)
            checksum += set.returns.reduce(0) { $0 + $1.reduce(0, +) }
        }
        let median = BenchmarkSupport.median(times)
        let tokens = Double(paths * horizon)
        print("tgfl-bench generate --config \(config) --model-version \(modelVersion) --paths \(paths) --horizon \(horizon) --threads \(threadCount)")
        print("  kernels      OpenBLAS \(BLASRuntime.coreName), TGFLKernels \(KernelRuntime.instructionSet)")
        print("  model        V=\(cfg.vocabSize) T=\(cfg.contextLength) C=\(cfg.dModel) L=\(cfg.nLayers) "
              + "H=\(cfg.nHeads) F=\(cfg.dFF) R=\(cfg.nRegimes)")
        print(String(format: "  run median   %.3f s  (min %.3f, max %.3f, %d runs)", median,
                     times.min() ?? .nan, times.max() ?? .nan, runs))
        print(String(format: "  tokens/s     %.0f", tokens / median))
        print(String(format: "  cpu s/run    %.3f  (median CPU time of all threads)", BenchmarkSupport.median(cpuTimes)))
        print(String(format: "  peak RSS     %.1f MB", BenchmarkSupport.peakRSSMegabytes()))
        print(String(format: "  checksum     %.6f", checksum))
        print("  load avg     \(BenchmarkSupport.loadAverage())")
    }
}
