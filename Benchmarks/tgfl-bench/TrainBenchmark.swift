import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl-bench train`: training throughput (forward + backward + AdamW) of the v1 transformer.
struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Tokens/s of training steps (forward, backward, AdamW) at batch B, T = context.")

    @Option(help: "Model config: small or large.")
    var config = "small"
    @Option(help: "Model version: 1 (regime embedding) or 2 (vol_emb and level_bias).")
    var modelVersion = 1
    @Option(help: "Timed steps (after warm-up).")
    var steps = 20
    @Option(help: "Untimed warm-up steps.")
    var warmup = 3
    @Option(help: "Worker threads (default: all processors).")
    var threads: Int?
    @Option(help: "Batch size B.")
    var batch = 32
    @Option(help: "Product arithmetic: fp32 or bf16 (bfloat16 operands, fp32 sums).")
    var precision = "fp32"

    func run() throws {
        let cfg = try BenchmarkSupport.config(named: config, modelVersion: modelVersion)
        guard steps >= 1, warmup >= 0, batch >= 1 else {
            throw ValidationError("--steps and --batch must be at least 1, --warmup at least 0")
        }
        guard precision == "fp32" || precision == "bf16" else {
            throw ValidationError("--precision must be fp32 or bf16, got \(precision)")
        }
        let model = try Transformer(config: cfg, seed: 1, threads: threads)
        model.matmulPrecision = precision == "bf16" ? .bfloat16 : .float32
        let B = batch, T = cfg.contextLength
        var rng = SeededRNG(seed: 2)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.int(below: cfg.vocabSize)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.int(below: cfg.vocabSize)) }
        let regimes = (0..<(B * T)).map { _ in Int32(rng.int(below: cfg.conditionCount)) }
        var optimizer = try AdamW(parameterCount: model.parameterCount)

        var times: [Double] = [], cpuTimes: [Double] = []
        var losses: [Float] = []
        for step in 0..<(warmup + steps) {
            let start = BenchmarkSupport.now(), cpuStart = BenchmarkSupport.cpuNow()
            let (loss, _) = try model.trainStep(tokens: tokens, regimes: regimes, targets: targets,
                                                batch: B, length: T, optimizer: &optimizer)
            let elapsed = BenchmarkSupport.now() - start
            if step >= warmup {
                times.append(elapsed)
                cpuTimes.append(BenchmarkSupport.cpuNow() - cpuStart)
            }
            losses.append(loss)
        }
        let median = BenchmarkSupport.median(times)
        print("tgfl-bench train --config \(config) --model-version \(modelVersion) --threads \(model.threads) --batch \(B) --steps \(steps) --precision \(precision)")
        print("  model        V=\(cfg.vocabSize) T=\(T) C=\(cfg.dModel) L=\(cfg.nLayers) H=\(cfg.nHeads) "
              + "F=\(cfg.dFF) R=\(cfg.nRegimes)")
        print("  parameters   \(model.parameterCount)")
        print("  kernels      OpenBLAS \(BLASRuntime.coreName), TGFLKernels \(KernelRuntime.instructionSet), "
              + "products \(model.matmulPrecision == .bfloat16 ? (MatmulPrecision.bfloat16IsNative ? "bf16 (AVX512_BF16)" : "bf16 (emulated)") : KernelRuntime.matrixProducts)")
        print(String(format: "  step median  %.2f ms  (min %.2f, max %.2f)", median * 1e3,
                     (times.min() ?? .nan) * 1e3, (times.max() ?? .nan) * 1e3))
        print(String(format: "  tokens/s     %.0f", Double(B * T) / median))
        print(String(format: "  cpu ms/step  %.2f  (median CPU time of all threads)", BenchmarkSupport.median(cpuTimes) * 1e3))
        print(String(format: "  peak RSS     %.1f MB", BenchmarkSupport.peakRSSMegabytes()))
        print(String(format: "  loss         %.4f -> %.4f", losses.first ?? .nan, losses.last ?? .nan))
        print("  load avg     \(BenchmarkSupport.loadAverage())")
    }
}
