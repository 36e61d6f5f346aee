import ArgumentParser
import Foundation
import TGFLCore

/// `tgfl generate`: scenarios from a trained model.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate return scenarios for a regime or a regime path; one path per CSV row.",
        discussion: """
            The CSV has a header (r_1,…,r_H) and one path of daily log returns per row; with \
            --prices START it holds price paths p_0,…,p_H starting at START instead.

            Examples:
              tgfl generate --model model.h5 --regime crisis --paths 1000 --out crisis.csv
              tgfl generate --model model.h5 --regime-path calm:100,crisis:150 --out stress.csv
              tgfl generate --model model.h5 --regime 2 --prompt-days 64 --prices 2500 --out p.csv
            """)

    @Option(help: ArgumentHelp("Trained checkpoint (.h5).", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Regime of every day: a name (calm, normal, volatile, crisis) or an index "
                               + "(default: normal for a v1 model; none: unconditional, the default of a v2 model).",
                               valueName: "name|index|none"))
    var regime: String?

    @Option(name: .customLong("regime-path"), help: ArgumentHelp(
        "One regime per day, comma-separated; NAME:N repeats a regime N days (e.g. calm:100,crisis:150).",
        valueName: "list"))
    var regimePath: String?

    @Option(parsing: .unconditional, help: "Number of paths.")
    var paths: Int = 1000

    @Option(parsing: .unconditional, help: "Days per path (default 250, or the regime path's length).")
    var horizon: Int?

    @Option(parsing: .unconditional, help: "Sampling temperature (1 = the model's distribution).")
    var temperature: Double = 1

    @Option(parsing: .unconditional, help: "Seed of the sampling.")
    var seed: UInt64 = 42

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(name: .customLong("prompt-days"), parsing: .unconditional, help: ArgumentHelp(
        "Start every path after the last K real days of --data (default: no prompt).", valueName: "K"))
    var promptDays: Int?

    @Option(name: .customLong("z-recalibration"), help: ArgumentHelp(
        "With --prompt-days (v2 model): recalibrate the generated z on the prompt's last n standardized residuals with weight λ ('n,λ', e.g. '500,0.5'), or 'off'.",
        valueName: "n,λ|off"))
    var zRecalibration = "off"

    @Option(name: .customLong("prompt-filter"), help: ArgumentHelp(
        "With --prompt-days (v2, unconditional): the volatility filter carried into the generated days, 'gjr' (the model's) or 'beta-t' (a Beta-t-EGARCH fitted on --data: a crash in the prompt moves it less and decays faster; at most half the context in days).",
        valueName: "gjr|beta-t"))
    var promptFilter = "gjr"

    @OptionGroup var source: DataOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Write price paths starting at this price instead of log returns.",
                               valueName: "start"))
    var prices: Double?

    @Option(help: ArgumentHelp("CSV file to write.", valueName: "file"))
    var out: String

    func validate() throws {
        if regime != nil && regimePath != nil {
            throw ValidationError("give either --regime or --regime-path, not both")
        }
        try Limits.check(paths, "--paths", 1, Limits.count)
        if let horizon { try Limits.check(horizon, "--horizon", 1, Limits.count) }
        if regimePath == nil { try Limits.checkGenerated(paths: paths, horizon: horizon ?? 250) }
        guard temperature > 0, temperature.isFinite else {
            throw ValidationError("--temperature must be positive, got \(temperature)")
        }
        if let promptDays { try Limits.check(promptDays, "--prompt-days", 1, Limits.count) }
        if try parseZRecalibration(zRecalibration) != nil && promptDays == nil {
            throw ValidationError("--z-recalibration recalibrates on the prompt's residuals: give --prompt-days K")
        }
        do {
            if try PromptFilter(parsing: promptFilter) == .betaT && promptDays == nil {
                throw ValidationError("--prompt-filter beta-t filters the prompt: give --prompt-days K")
            }
        } catch let e as ValidationError { throw e } catch { throw ValidationError("--prompt-filter: \(error)") }
        if let prices, !(prices > 0 && prices.isFinite) {
            throw ValidationError("--prices must be a positive start price, got \(prices)")
        }
        if let threads { try Limits.check(threads, "--threads", 1, Limits.threads) }
    }

    func run() throws {
        setUpLogging()
        try requireReadableFile(model, what: "checkpoint")
        try requireOutputDirectory(for: out)
        let scenarioModel = try ScenarioModel.load(from: model)
        guard scenarioModel.isFitted else {
            throw CommandFailure("checkpoint '\(model)' has no tokenizer/regime model: train it first (tgfl train)")
        }
        let condition: RegimeCondition
        var path: [Int]?
        if let regimePath {
            let p = try parseRegimePath(regimePath, maxDays: Limits.generatedValues / paths,
                                        resolve: scenarioModel.regimeIndex)
            path = p
            condition = .path(p)
        } else if let regime {
            condition = regime.lowercased() == "none" || regime.lowercased() == "unconditional"
                ? .unconditional : .fixed(try scenarioModel.regimeIndex(regime))
        } else {
            // v2 models move between regimes by themselves; v1 models need a regime.
            condition = scenarioModel.config.modelVersion >= 2 ? .unconditional : .fixed(1)
        }
        let days = try resolveHorizon(explicit: horizon, path: path)
        var prompt: [Double]?
        if let promptDays {
            let series = try source.load()
            if try PromptFilter(parsing: promptFilter) == .betaT {
                guard series.values.count >= promptDays else {
                    throw CommandFailure("--prompt-days \(promptDays) exceeds the \(series.values.count) returns of "
                                         + source.sourceName)
                }
                let set = try generateWithPromptFilter(
                    model: scenarioModel, history: series.values, promptDays: promptDays, paths: paths, horizon: days,
                    condition: condition, temperature: temperature, seed: seed, threads: threads,
                    zRecalibration: try parseZRecalibration(zRecalibration))
                try set.writeCSV(to: AtomicSave.resolveTarget(out), prices: prices)
                print("wrote \(set.pathCount) paths × \(set.horizon) days to \(out) (Beta-t prompt filter)")
                return
            }
            guard series.values.count >= promptDays else {
                throw CommandFailure("--prompt-days \(promptDays) exceeds the \(series.values.count) returns of "
                                     + source.sourceName)
            }
            prompt = Array(series.values.suffix(promptDays))
            logInfo("prompt: the last \(promptDays) days of \(source.sourceName)\(dateSpan(series))")
        }
        let options = GenerationOptions(paths: paths, horizon: days, regime: condition, prompt: prompt,
                                        temperature: temperature, seed: seed, threads: threads,
                                        zRecalibration: try parseZRecalibration(zRecalibration))
        let what = try describeCondition(condition, scenarioModel)
        logInfo("generating \(paths) paths × \(days) days, \(what)")
        let set = try generateWithProgress(model: scenarioModel, options: options, label: "generate")
        // Through a symlink to its target (writeCSV's atomic rename would replace the link).
        try set.writeCSV(to: AtomicSave.resolveTarget(out), prices: prices)
        print("wrote \(set.pathCount) paths × \(set.horizon) days to \(out)")
    }
}

/// `regime crisis (3)` or `regime path of 250 days (calm 100, crisis 150)`.
func describeCondition(_ c: RegimeCondition, _ model: ScenarioModel) throws -> String {
    switch c {
    case .fixed(let i): return "regime \(try model.regimeName(i)) (\(i))"
    case .unconditional: return "unconditional (the model's own volatility and regime dynamics)"
    case .path(let p):
        var runs: [(Int, Int)] = []
        for r in p { if let last = runs.last, last.0 == r { runs[runs.count - 1].1 += 1 } else { runs.append((r, 1)) } }
        let shown = try runs.prefix(6).map { "\(try model.regimeName($0.0)) \($0.1)" }.joined(separator: ", ")
        return "regime path of \(p.count) days (\(shown)\(runs.count > 6 ? ", …" : ""))"
    }
}

/// Generates with a progress bar (paths) on stderr; Ctrl-C cancels.
func generateWithProgress(model: ScenarioModel, options: GenerationOptions, label: String) throws -> ScenarioSet {
    let bar = ProgressReporter(label: label, unit: "paths", total: options.paths)
    Interrupt.install()
    do {
        let set = try model.generate(options) { p in
            bar.update(completed: p.pathsCompleted, eta: p.etaSeconds,
                       metrics: [("tok/s", ProgressFormat.rate(p.tokensPerSecond))])
            return !Interrupt.requested
        }
        bar.finish()
        return set
    } catch TGFLError.cancelled {
        bar.finish()
        throw CommandFailure("interrupted: no scenarios written")
    } catch {
        bar.finish()
        throw error
    }
}
