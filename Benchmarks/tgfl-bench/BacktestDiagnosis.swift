import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl-bench backtest-diagnosis`: the data behind issue 16's "TGFL's one-day VaR is too low".
///
/// Trains the model of `tgfl backtest` (same recipe and seed, on the days before the span) or
/// loads it, generates the one-day scenarios of every span day with `generateConditional`, and
/// writes what `Benchmarks/backtest_diagnosis.py` compares with `arch`:
/// ```
/// <out>/model.h5           the trained model (reused with --model)
/// <out>/model.json         span, training days, the volatility filter (μ, ω, α, γ, β, ν, bounds), tokenizer
/// <out>/returns.csv        t,r                      the whole series
/// <out>/days.csv           day,r,sigma,level,q01,q025      σ_t the paths start from, its level, the
///                                                   1 % and 2.5 % quantiles of the generated z = (r − μ)/σ_t
/// <out>/z.f64              the generated z of every path and day (float64, little-endian, day-major)
/// ```
struct BacktestDiagnosis: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest-diagnosis",
        abstract: "Dump TGFL's conditional volatility state and one-day z draws of a backtest span (issue 16).")

    @Option(help: "Bundled series (djia, eu_stocks, ...).") var bundled = "eu_stocks"
    @Option(help: "Column of the bundled file (default: its first).") var column: String?
    @Option(name: .customLong("eval-fraction"), help: "Fraction of the series at its end that is backtested.")
    var evalFraction = 0.2
    @Option(name: .customLong("max-days"), help: "Backtest at most this many days.") var maxDays = 500
    @Option(help: "Paths per forecast day.") var paths = 1000
    @Option(name: .customLong("prompt-days"), help: "Real days in each prompt.") var promptDays = 1000
    @Option(help: "Training steps (as tgfl backtest).") var steps = 300
    @Option(parsing: .unconditional, help: "Seed (as tgfl backtest).") var seed: UInt64 = 42
    @Option(help: "Softmax temperature.") var temperature = 1.0
    @Option(help: "Worker threads.") var threads: Int?
    @Option(help: "A checkpoint to reuse instead of training.") var model: String?
    @Option(help: "Output directory.") var out = ".build/backtest-diagnosis"

    func run() throws {
        guard let file = BundledSeries(name: bundled) else {
            throw ValidationError("--bundled '\(bundled)' is not one of \(BundledSeries.namesList)")
        }
        let series = try MarketData.bundled(file, minimumReturns: 2).logReturns(column ?? file.columns[0])
        let r = series.values
        let start = Int((Double(r.count) * (1 - evalFraction)).rounded(.down))
        let end = min(r.count, start + maxDays)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let m: ScenarioModel
        if let model {
            m = try ScenarioModel.load(from: model)
        } else {
            // The recipe of `tgfl backtest` (BacktestCommand.loadOrTrain).
            m = try ScenarioModel(config: ModelConfig.small.v2(), seed: seed)
            var o = TrainingOptions(steps: steps, batchSize: 32, learningRate: 1e-3, minLearningRate: 1e-4,
                                    validationFraction: 0.2, seed: seed)
            o.outputPrior = true
            o.restoreBest = true
            o.threads = threads
            let t0 = BenchmarkSupport.now()
            _ = try Trainer(model: m, options: o).fit(series: [Array(r[..<start])]) { p in
                if p.step % 50 == 0 {
                    FileHandle.standardError.write(Data(String(format: "train step %d  %.0f s\n", p.step,
                                                               BenchmarkSupport.now() - t0).utf8))
                }
                return true
            }
            try m.save(to: out + "/model.h5")
        }
        guard let vol = m.volatilityModel, let tok = m.tokenizer else {
            throw ValidationError("the model is not a trained v2 model")
        }
        let g = vol.garch
        let meta: [String: Any] = [
            "series": series.name, "count": r.count, "span_start": start, "span_end": end, "steps": steps,
            "seed": seed, "paths": paths, "prompt_days": promptDays, "temperature": temperature,
            "mu": g.mu, "omega": g.omega, "alpha": g.alpha, "gamma": g.gamma, "beta": g.beta, "nu": g.nu ?? Double.nan,
            "sigma_floor": vol.sigmaFloor, "sigma_cap": vol.sigmaCap, "level_edges": vol.levelEdges,
            "tokenizer_mean": tok.mean, "tokenizer_std": tok.std, "clip_sigma": tok.clipSigma,
            "vocab_size": tok.vocabSize, "context_length": m.config.contextLength,
        ]
        try JSONSerialization.data(withJSONObject: meta, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: out + "/model.json"))
        try (["t,r"] + r.enumerated().map { "\($0),\($1)" }).joined(separator: "\n")
            .write(toFile: out + "/returns.csv", atomically: true, encoding: .utf8)

        let days = Array(start..<end)
        let options = ConditionalGenerationOptions(paths: paths, horizon: 1, promptDays: promptDays,
                                                   temperature: temperature, seed: seed, threads: threads)
        let t0 = BenchmarkSupport.now()
        let s = try m.generateConditional(history: r, days: days, options: options)
        FileHandle.standardError.write(Data(String(format: "generation %.0f s\n", BenchmarkSupport.now() - t0).utf8))
        var lines = ["day,r,sigma,level,q01,q025"]
        var z = [Double]()
        z.reserveCapacity(days.count * paths)
        for (k, t) in days.enumerated() {
            let sigma = s.startVolatilities![k]
            let dayZ = s.returns[k].map { ($0 - g.mu) / sigma }
            z += dayZ
            let sorted = dayZ.sorted()
            func q(_ a: Double) -> Double { sorted[min(sorted.count - 1, Int(a * Double(sorted.count)))] }
            lines.append("\(t),\(r[t]),\(sigma),\(vol.level(ofVariance: sigma * sigma)),\(q(0.01)),\(q(0.025))")
        }
        try lines.joined(separator: "\n").write(toFile: out + "/days.csv", atomically: true, encoding: .utf8)
        try z.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: out + "/z.f64"))
        print("wrote \(out)/{model.h5, model.json, returns.csv, days.csv, z.f64}  (load avg \(BenchmarkSupport.loadAverage()))")
    }
}
