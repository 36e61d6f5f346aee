import ArgumentParser
import Foundation
import TGFLCore
import TGFLReport
import TGFLStats

/// `tgfl backtest`: walk-forward VaR / ES backtests of TGFL's conditional scenarios and the
/// classical baselines (issue 16).
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Walk-forward VaR/ES backtest of conditional scenarios against HS, FHS and GARCH-t.",
        discussion: """
            For each day t of the evaluation span (the last --eval-fraction of the series), TGFL is \
            prompted with the real returns before t and generates --paths paths of h days; VaR and ES \
            at each level come from them. The baselines (HS 250/500, FHS-GARCH, FHS-GJR, GARCH-t) \
            forecast the same days from the same history. Horizon h is evaluated on every h-th day \
            (non-overlapping outcomes). Prints per model, horizon and level: exceptions, Kupiec p, \
            Christoffersen conditional-coverage p, the traffic-light zone, the Acerbi–Székely ES \
            test p, the mean VaR, and Berkowitz's LR of the whole distribution.

            Without --model, a model is trained on the days before the span only (config small v2, \
            --steps steps, the recipe of 'tgfl-bench realism'). A --model checkpoint must have been \
            trained on data before the span: nothing here can check that.

            Example:
              tgfl backtest --bundled djia --max-days 500 --json djia.json --exceptions djia_exceptions.csv
              tgfl backtest --bundled djia --max-days 500 --html djia.html
            """)

    @OptionGroup var source: DataOptions
    @Option(help: ArgumentHelp("A trained checkpoint (default: train one on the days before the span).",
                               valueName: "file"))
    var model: String?
    @Option(name: .customLong("eval-fraction"), help: "Fraction of the series at its end that is backtested.")
    var evalFraction = 0.2
    @Option(name: .customLong("max-days"), help: ArgumentHelp("Backtest at most this many days (the span's first ones).",
                                                              valueName: "n"))
    var maxDays: Int?
    @Option(help: "TGFL paths per forecast day (and the baselines' simulations for h > 1).")
    var paths = 1000
    @Option(help: ArgumentHelp("Comma-separated tail probabilities.", valueName: "list"))
    var levels = "0.01,0.025"
    @Option(help: ArgumentHelp("Comma-separated horizons in days.", valueName: "list"))
    var horizons = "1,10"
    @Option(name: .customLong("prompt-days"), help: "Real days in each prompt (the volatility filter's span).")
    var promptDays = 1000
    @Option(help: "Training steps when no --model is given.")
    var steps = 300
    @Flag(name: .customLong("no-volatility-refit"),
          help: "Keep TGFL's trained volatility filter (default: refit it on the prompt every --refit-every days, as the baselines).")
    var noVolatilityRefit = false
    @Option(name: .customLong("refit-every"),
            help: ArgumentHelp("Forecasts between refits of the baselines' GARCH fits and of TGFL's volatility filter (on the last --prompt-days returns; the network is not retrained).",
                               valueName: "K"))
    var refitEvery = 20
    @Flag(name: .customLong("compare-trained-filter"),
          help: "Also backtest TGFL with its trained volatility filter on every day (model TGFL-trained-filter), to see the refit's effect in one run.")
    var compareTrainedFilter = false
    @Option(name: .customLong("z-recalibration"),
            help: ArgumentHelp("Recalibrate TGFL's generated z on each prompt's last n standardized residuals with weight λ ('n,λ'; 'n,λ,weibull' places the residuals' quantiles at k/(n+1), 'n,λ,linear' (or 'n,λ') at NumPy's default positions), or 'off' for the network's z as generated.",
                               valueName: "n,λ[,position]|off"))
    var zRecalibration = "250,0.75,weibull"
    @Flag(name: .customLong("compare-uncalibrated"),
          help: "With --z-recalibration, also backtest TGFL without it (model TGFL-uncalibrated), to see its effect in one run.")
    var compareUncalibrated = false
    @Option(name: .customLong("compare-z-recalibrations"),
            help: ArgumentHelp("Also backtest TGFL with each of these z recalibrations ('n,λ;n,λ,weibull', models TGFL-z<n>-<λ>[-weibull]), on the same trained network.",
                               valueName: "list"))
    var compareZRecalibrations: String?
    @Option(name: .customLong("prompt-filter"),
            help: ArgumentHelp("The volatility filter of TGFL's prompted path: 'gjr' (the model's, default) or 'beta-t' (Harvey's score-driven Beta-t-EGARCH fitted on the days before the span; a crash moves it less and decays faster).",
                               valueName: "gjr|beta-t"))
    var promptFilter = "gjr"
    @Flag(name: .customLong("compare-prompt-filter"),
          help: "Also backtest TGFL with the other prompt filter (model TGFL-beta-t, or TGFL-gjr), on the same trained network.")
    var comparePromptFilter = false
    @Option(name: .customLong("es-simulations"),
            help: ArgumentHelp("Simulations of the Acerbi–Székely ES test's p-value (≥ 1,000; more makes p near 0.05 less noisy).",
                               valueName: "n"))
    var esSimulations = 2000
    @Flag(name: .customLong("no-baselines"), help: "Backtest TGFL only.")
    var noBaselines = false
    @Flag(name: .customLong("baselines-only"), help: "Backtest the baselines only (no TGFL model).")
    var baselinesOnly = false
    @Option(parsing: .unconditional, help: "Seed of training, generation, simulations and the ES test.")
    var seed: UInt64 = 42
    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?
    @Option(help: ArgumentHelp("Write the full results as JSON.", valueName: "file"))
    var json: String?
    @Option(help: ArgumentHelp("Write the exception series as CSV (day, date, model, horizon, level, return, VaR, ES, exception).",
                               valueName: "file"))
    var exceptions: String?
    @Option(help: ArgumentHelp("Write the HTML report: VaR against the realised returns with the exceptions, the tests' table with the traffic light, PIT histograms.",
                               valueName: "file"))
    var html: String?

    func validate() throws {
        guard evalFraction > 0, evalFraction < 1 else {
            throw ValidationError("--eval-fraction must lie in (0, 1), got \(evalFraction)")
        }
        guard paths >= 100 else { throw ValidationError("--paths must be at least 100 for a 1 % tail, got \(paths)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if noBaselines && baselinesOnly { throw ValidationError("give --no-baselines or --baselines-only, not both") }
        guard refitEvery >= 1 else { throw ValidationError("--refit-every must be at least 1 forecast, got \(refitEvery)") }
        guard esSimulations >= 1000 else {
            throw ValidationError("--es-simulations must be at least 1,000 for a p-value near 0.05, got \(esSimulations)")
        }
        do { _ = try PromptFilter(parsing: promptFilter) } catch { throw ValidationError("--prompt-filter: \(error)") }
        if comparePromptFilter && baselinesOnly {
            throw ValidationError("--compare-prompt-filter compares TGFL's prompt filters: drop --baselines-only")
        }
        let recalibration = try parsedZRecalibration()
        if compareUncalibrated && (recalibration == nil || baselinesOnly) {
            throw ValidationError("--compare-uncalibrated compares with the z recalibration: give --z-recalibration n,λ and drop --baselines-only")
        }
        if compareTrainedFilter && (noVolatilityRefit || baselinesOnly) {
            throw ValidationError("--compare-trained-filter compares with the refitted filter: drop --no-volatility-refit and --baselines-only")
        }
        let longest = try parsedOptions().horizons.max()!
        if let maxDays, maxDays < 3 * longest {
            throw ValidationError("--max-days must give every horizon at least 3 forecasts: at least \(3 * longest), got \(maxDays)")
        }
    }

    /// The library options from the command line.
    func parsedOptions() throws -> WalkForwardOptions {
        func list<T>(_ text: String, _ name: String, _ parse: (String) -> T?) throws -> [T] {
            let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let values = items.compactMap(parse)
            guard !items.isEmpty, values.count == items.count else {
                throw ValidationError("--\(name) must be a comma-separated list of numbers, got '\(text)'")
            }
            return values
        }
        let a = try list(levels, "levels") { Double($0) }
        guard a.allSatisfy({ $0 > 0 && $0 < 0.5 }) else {
            throw ValidationError("--levels are tail probabilities in (0, 0.5) such as 0.01 (the 99 % VaR), got '\(levels)'")
        }
        let h = try list(horizons, "horizons") { Int($0) }
        guard h.allSatisfy({ $0 >= 1 && $0 <= 64 }) else {
            throw ValidationError("--horizons must lie in 1...64 days (half the context), got '\(horizons)'")
        }
        var options = WalkForwardOptions(levels: a, horizons: h, paths: paths, promptDays: promptDays,
                                         baselines: noBaselines ? [] : WalkForwardOptions.standardBaselines,
                                         refitEvery: refitEvery, seed: seed, threads: threads,
                                         refitTGFLVolatility: !noVolatilityRefit)
        options.compareTrainedFilter = compareTrainedFilter
        options.esSimulations = esSimulations
        options.promptFilter = try PromptFilter(parsing: promptFilter)
        options.comparePromptFilter = comparePromptFilter
        options.zRecalibration = try parsedZRecalibration()
        options.compareUncalibrated = compareUncalibrated
        options.compareZRecalibrations = try compareZRecalibrations.map { list in
            try list.split(separator: ";").map { text in
                guard let z = try parseZRecalibration(String(text)) else {
                    throw ValidationError("--compare-z-recalibrations lists settings 'n,λ[,position]' separated by ';', got 'off'")
                }
                return z
            }
        } ?? []
        return options
    }

    /// `--z-recalibration`: nil for "off".
    func parsedZRecalibration() throws -> ZRecalibration? { try parseZRecalibration(zRecalibration) }

    func run() throws {
        setUpLogging()
        for path in [json, exceptions, html].compactMap({ $0 }) { try requireOutputDirectory(for: path) }
        let series = try source.load()
        let options = try parsedOptions()
        let span = try Self.span(count: series.values.count, evalFraction: evalFraction, maxDays: maxDays)
        _ = try WalkForwardBacktest.plannedDays(returns: series.values, span: span, options: options)
        logInfo("\(source.sourceName): \(series.values.count) days\(dateSpan(series)); backtest days \(span.lowerBound)..<\(span.upperBound)"
                + (series.dates.map { " (\($0[span.lowerBound]) … \($0[span.upperBound - 1]))" } ?? ""))
        let scenarioModel = baselinesOnly ? nil : try loadOrTrain(series: series, before: span.lowerBound)
        let result = try Self.runWithProgress(model: scenarioModel, series: series, span: span, options: options)
        print(BacktestTable.text(result))
        if let bounds = result.tgflVolatilityBounds { print(BacktestTable.volatilityBoundsText(bounds)) }
        if let json { try writeText(try result.jsonString(), to: json); logInfo("wrote \(json)") }
        if let exceptions {
            try writeText(BacktestTable.exceptionsCSV(result, dates: series.dates), to: exceptions)
            logInfo("wrote \(exceptions)")
        }
        if let html {
            try writeReportPage(to: html) {
                BacktestReport.document(try BacktestReportData(result, dates: series.dates?.map { "\($0)" }),
                                        facts: reportFacts(series: series, options: options))
            }
            print("wrote \(html)")
        }
    }

    /// The facts under the title of the HTML report.
    func reportFacts(series: ReturnSeries, options: WalkForwardOptions) -> [(String, String)] {
        let trained = "trained on the days before the span (small v2, \(steps) steps, seed \(seed))"
        return [("data", "\(source.sourceName), \(series.values.count) days\(dateSpan(series))"),
                ("TGFL model", baselinesOnly ? "none (baselines only)" : model ?? trained),
                ("paths per day", String(options.paths)),
                ("levels", options.levels.map { String($0) }.joined(separator: ", ")),
                ("volatility refit", options.refitTGFLVolatility ? "every \(options.refitEvery) days" : "no"),
                ("z recalibration", options.zRecalibration.map { "last \($0.window) residuals, λ = \($0.weight)" } ?? "off"),
                ("seed", String(seed))]
    }

    /// The evaluation span: the last `evalFraction` of the days, its first `maxDays`.
    static func span(count: Int, evalFraction: Double, maxDays: Int?) throws -> Range<Int> {
        let start = Int((Double(count) * (1 - evalFraction)).rounded(.down))
        let end = maxDays.map { min(count, start + $0) } ?? count
        guard end - start >= 3 else {
            throw CommandFailure("the evaluation span has \(end - start) days; use a longer series or a larger --eval-fraction")
        }
        return start..<end
    }

    /// The checkpoint given, or a model trained on `series[..<before]`.
    func loadOrTrain(series: ReturnSeries, before start: Int) throws -> ScenarioModel {
        if let model {
            logInfo("model: \(model) (it must have been trained on data before the backtest span)")
            return try ScenarioModel.load(from: model)
        }
        let m = try ScenarioModel(config: ModelConfig.small.v2(), seed: seed)
        var o = TrainingOptions(steps: steps, batchSize: 32, learningRate: 1e-3, minLearningRate: 1e-4,
                                validationFraction: 0.2, seed: seed)
        o.outputPrior = true
        o.restoreBest = true
        o.threads = threads
        logInfo("training on the \(start) days before the span (\(steps) steps)")
        _ = try trainWithProgress(model: m, series: [Array(series.values[..<start])], options: o, saveOnInterrupt: nil)
        return m
    }

    /// Runs the backtest with a progress bar (per mille of the work) and Ctrl-C to stop.
    static func runWithProgress(model: ScenarioModel?, series: ReturnSeries, span: Range<Int>,
                                options: WalkForwardOptions) throws -> WalkForwardBacktest {
        let bar = ProgressReporter(label: "backtest", unit: "‰", total: 1000)
        Interrupt.install()
        defer { bar.finish() }
        let started = Date()
        do {
            return try WalkForwardBacktest.run(model: model, series: series.name, returns: series.values, span: span,
                                               options: options) { p in
                let elapsed = Date().timeIntervalSince(started)
                let eta = p.fraction > 0.01 ? elapsed * (1 - p.fraction) / p.fraction : nil
                bar.update(completed: Int(p.fraction * 1000), eta: eta, metrics: [("stage", p.stage)])
                return !Interrupt.requested
            }
        } catch TGFLError.cancelled {
            throw CommandFailure("interrupted")
        }
    }
}
