import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated
import TGFLReport

/// `tgfl federate`: federated training of one model across simulated institutions.
struct FederateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federate",
        abstract: "Train one model federated across simulated institutions (FedAvg, FedAdam, Krum, …; DP, secure aggregation).",
        discussion: """
            The series of every --data file (default: the bundled S&P 500) are cut into training \
            windows, which --partition spreads over --clients institutions; each round the sampled \
            clients train locally for --local-steps steps and the --strategy aggregates their \
            updates. The checkpoint's /training group records the federation (strategy, rounds, \
            clients, privacy ε/δ).

            Partitions: \(PartitionScheme.cliNames.joined(separator: ", ")).
            Strategies: \(StrategyKind.allCases.map { $0.rawValue }.joined(separator: ", ")).
            Strategy hyperparameters use Flower's names, e.g. --strategy fedadam --strategy-param eta=0.01.

            Example:
              tgfl federate --clients 8 --partition time --strategy fedadam --rounds 30 --out fed.h5
              tgfl federate --data a.csv --data b.csv --clients 2 --partition natural --dp-noise 0.5 --clip 1 --out dp.h5

            From a public pretrained base, DP on the level priors only (README "Privacy"):
              tgfl pretrain --config demo --exclude sp500,nyse --out base.h5
              tgfl federate --config demo --partition time --init base.h5 --trainable priors --dp-noise 1 --clip 0.1 --data-models-from djia_1999_2018.csv --out dp.h5
            """)

    @Option(name: .long, help: ArgumentHelp("A prices CSV (repeat for several series; default: the bundled S&P 500).",
                                            valueName: "file"))
    var data: [String] = []

    @Option(name: .customLong("date-column"), help: ArgumentHelp("Date column ('none' for no dates).", valueName: "name"))
    var dateColumn: String = "date"

    @Option(help: ArgumentHelp("Price column.", valueName: "name"))
    var column: String?

    @Option(name: .customLong("returns-column"), help: ArgumentHelp("Log-return column (instead of --column).",
                                                                    valueName: "name"))
    var returnsColumn: String?

    @Option(help: ArgumentHelp("Model configuration: small, large, demo or tiny.", valueName: "name"))
    var config: ModelPreset = .small

    @OptionGroup var version: ModelVersionOption

    @Option(name: .customLong("clients"), parsing: .unconditional, help: "Number of institutions (clients).")
    var clientCount: Int = 8

    @Option(help: ArgumentHelp("How windows are split: KIND[:param] (iid, dirichlet:0.5, pathological:2, time, natural, linear, square, exponential).",
                               valueName: "kind"))
    var partition: String = "iid"

    @OptionGroup var federation: FederationRoundOptions<ClientFlagWording>

    @OptionGroup var training: TrainingRunOptions

    @Option(name: .customLong("data-models-from"), help: ArgumentHelp(
        "Fit the data models (volatility filter, tokenizer, levels, regimes, output prior) on this PUBLIC series "
        + "instead of the clients' summaries, so that nothing but the (noised) rounds leaves the clients and "
        + "ε covers the whole release: a CSV read with the --date-column/--column/--returns-column options, "
        + "or bundled:NAME[:COLUMN] (e.g. bundled:djia).", valueName: "source"))
    var dataModelsFrom: String?

    @Flag(name: .customLong("dp-summaries"), help: ArgumentHelp(
        "Fit the data models from the clients' summaries released through a Gaussian mechanism (each client's "
        + "GJR-GARCH-t fit bounded in a public box, noise multiplier --dp-summaries-noise, default --dp-noise), "
        + "composed into ε, so that ε covers the whole release without public data. Needs --dp-noise and "
        + "--partition time or natural."))
    var dpSummaries = false

    @Option(name: .customLong("dp-summaries-noise"), parsing: .unconditional, help: ArgumentHelp(
        "Noise multiplier z_s of --dp-summaries (default: the --dp-noise value).", valueName: "z"))
    var dpSummariesNoise: Double?

    @Option(name: .customLong("dp-volatility-noise"), parsing: .unconditional, help: ArgumentHelp(
        "With --dp-noise and --data-models-from: calibrate the volatility level of generation to the public "
        + "series' variance times the clients' own log-σ ratio to it (each client's, on the same dates, bounded to "
        + "±h, --dp-volatility-bound, default 0.25), released with Gaussian noise multiplier z and composed into ε. Needs dated data and --partition "
        + "time or natural.", valueName: "z"))
    var dpVolatilityNoise: Double?

    @Option(name: .customLong("dp-volatility-bound"), parsing: .unconditional, help: ArgumentHelp(
        "With --dp-volatility-noise: the box h of each client's log-σ ratio and of the released level (default "
        + "0.25). ε depends on z only; the noise on the level is z·h/clients, and a client beyond ±h is clamped. "
        + "Choose h from PUBLIC data only (Benchmarks/privacy_level_bound.py; the recommended setting uses 0.175).",
        valueName: "h"))
    var dpVolatilityBound: Double?

    @Option(name: .customLong("init"), help: ArgumentHelp(
        "Start from this pretrained model v2 (e.g. `tgfl pretrain --exclude sp500,nyse`, public series only) instead "
        + "of a fresh one: its network, tokenizer and level priors are kept, its volatility filter, levels and "
        + "regimes refitted on --data-models-from (or, without it, on the members' training spans, in the clear). "
        + "--config is then the base's.", valueName: "base.h5"))
    var initFrom: String?

    @Option(name: .customLong("trainable"), help: ArgumentHelp(
        "The tensors the federation trains, clips, noises and aggregates; the rest keep the initial model's values "
        + "(use with --init): all, head (ln_f + output head + level priors), priors, last-block, or a comma-separated "
        + "list of tensor names. With DP the noise covers only these coordinates.", valueName: "subset"))
    var trainable: String = "all"

    @Option(name: .customLong("client-encoding"), help: ArgumentHelp(
        "Model v2, --partition natural: how each client encodes its training windows. pooled_filter (default): with the "
        + "one filter fitted on all clients' summaries; own_filter: with its own GJR filter, levels and regimes (fitted "
        + "on its own training days, not released) and one tokenizer from the clients' moments of their own z, as "
        + "pretraining does and as each institution generates (README \"Federations of different assets\"). Not with "
        + "--data-models-from or --dp-summaries.", valueName: "pooled_filter|own_filter"))
    var clientEncoding = "pooled_filter"

    @OptionGroup var selection: ModelSelectionOptions
    @OptionGroup var priceGuard: PriceGuardOptions

    @Option(help: ArgumentHelp("Checkpoint to write (.h5).", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp(
        "Also write the HTML report: federation charts (loss per round and client, ε, dropped and rejected "
        + "clients), training curves, and --report-paths scenarios per regime against the first data series.",
        valueName: "file"))
    var html: String?

    @Option(name: .customLong("report-paths"), parsing: .unconditional, help: "Paths per regime in the --html report.")
    var reportPaths: Int = 200

    /// `--client-encoding`: a known name; own_filter with model v2, the natural partition, and neither public
    /// data models nor noised summaries (`FederatedTrainingOptions.clientEncoding`).
    func validateClientEncoding() throws {
        let encoding: ClientEncoding
        do { encoding = try ClientEncoding(parsing: clientEncoding) } catch TGFLError.invalidArgument(let m) {
            throw ValidationError("--client-encoding: " + m)
        }
        guard encoding == .ownFilter else { return }
        func refuse(_ m: String) -> ValidationError { ValidationError("--client-encoding own_filter " + m) }
        guard version.modelVersion >= 2 else { throw refuse("needs --model-version 2 (volatility-standardised tokens)") }
        guard partition.lowercased() == "natural" else {
            throw refuse("needs --partition natural (one series per client, each with its own filter), got \(partition)")
        }
        guard dataModelsFrom == nil else { throw refuse("and --data-models-from exclude each other; drop one") }
        guard !dpSummaries, dpSummariesNoise == nil else {
            throw refuse("and --dp-summaries exclude each other (noised summaries fit one filter for all); drop one")
        }
    }

    func validate() throws {
        if column != nil && returnsColumn != nil {
            throw ValidationError("give either --column (prices) or --returns-column (log returns), not both")
        }
        try Limits.check(clientCount, "--clients", 1, Limits.clients)
        try Limits.check(reportPaths, "--report-paths", 1, Limits.count)
        try federation.check(clientCount: clientCount)
        try validateSummaryOptions()
        try validateClientEncoding()
        try validateVolatilityLevelOptions()
        if rematchDependence, federation.dpNoise != nil {
            throw ValidationError("--rematch-dependence needs a run without --dp-noise: it compares pilots with the "
                + "clients' 250-day chunk curves, which ε does not cover")
        }
        if publicZMarginal != nil, dataModelsFrom == nil {
            throw ValidationError("--\(publicZMarginal! ? "" : "no-")public-z-marginal applies only with --data-models-from "
                + "PUBLIC: the z marginal it maps onto is the public series'")
        }
        if publicMeanTerm != nil, dataModelsFrom == nil {
            throw ValidationError("--\(publicMeanTerm! ? "" : "no-")public-mean-term applies only with --data-models-from "
                + "PUBLIC: the MA(1) mean term is fitted on public data only")
        }
    }

    @Flag(name: .customLong("volatility-calibration"), inversion: .prefixedNo, help: ArgumentHelp(
        "Model v2: after the run, calibrate the volatility level of unconditional generation to the variance and "
        + "mean of the data (each series releases its count, sum and sum of squares); with --dp-noise to those of "
        + "--data-models-from (public; skipped without it)."))
    var volatilityCalibration = true

    @Flag(name: .customLong("rematch-dependence"), help: ArgumentHelp(
        "Model v2 without --dp-noise (off by default): after the run, before the calibration, choose the volatility "
        + "recursion of unconditional generation again on 12 × 128 pilot paths of the global model itself, against "
        + "the clients' 250-day chunks (with the noise margin and the tail guard); BENCHMARKS.md \"The rematch with a noise "
        + "margin and a tail term (session 22, dep22)\"."))
    var rematchDependence = false

    @Flag(name: .customLong("public-mean-term"), inversion: .prefixedNo, help: ArgumentHelp(
        "Model v2 with --data-models-from (default on): fit an MA(1) mean term on the PUBLIC series (exact Gaussian "
        + "likelihood) and apply it to generated returns, the lag-1 mean reversion DP networks do not learn; public "
        + "data only, so ε is unchanged. --no-public-mean-term: returns as the network draws them."))
    var publicMeanTerm: Bool?

    @Flag(name: .customLong("public-z-marginal"), inversion: .prefixedNo, help: ArgumentHelp(
        "Model v2 with --data-models-from (default on): map the pooled z of unconditional generation monotonically "
        + "onto the PUBLIC series' z marginal (pilot paths of the trained model against the public residuals), then "
        + "recalibrate the volatility level; public data only, so ε is unchanged. --no-public-z-marginal: z as drawn."))
    var publicZMarginal: Bool?

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        if let html { try requireOutputDirectory(for: html) }
        let f = federation
        let kind = try parseStrategyKind(f.strategy)
        let scheme = try parsePartition(partition)
        let hyper = try parseKeyValues(f.strategyParam, option: "--strategy-param")
        _ = try kind.makeStrategy(hyperparameters: hyper)   // unknown names fail before any work
        let paths: [String?] = data.isEmpty ? [nil] : data.map { $0 }
        var series: [ReturnSeries] = []
        var named: [ReturnSeries] = []
        for path in paths {
            let s = try DataOptions.load(path: path, dateColumn: dateColumn, column: column, returnsColumn: returnsColumn)
            try priceGuard.check(s, source: path ?? "bundled S&P 500")
            logInfo("data: \(path ?? "bundled S&P 500"): \(s.values.count) daily log returns\(dateSpan(s))")
            series.append(ReturnSeries(name: "series_\(series.count)", dates: s.dates, values: s.values))
            named.append(ReturnSeries(name: path ?? "bundled S&P 500", values: s.values))
        }
        let t = training
        if rematchDependence {
            try DependenceRematchOptions.requireChunk(seriesLengths: series.map(\.values.count),
                                                      trainFraction: 1 - t.valFraction, option: "--rematch-dependence")
        }
        let trainableTensors: TrainableTensors
        do { trainableTensors = try TrainableTensors(parsing: trainable) } catch TGFLError.invalidArgument(let m) {
            throw CommandFailure("--trainable: " + m)
        }
        let publicData = try dataModelsFrom.map { [try loadPublicSeries($0)] }
        let model: ScenarioModel
        var initialModel: InitialModelRecord?
        if let initFrom {
            model = try ScenarioModel.load(from: initFrom)
            if model.config != config.config(version: version.modelVersion) {
                logInfo("--init: the model's configuration is the base's (\(describe(model.config))), not --config")
            }
            initialModel = try FederatedTrainer.prepareInitialModel(model, source: initFrom, publicData: publicData,
                                                                    members: named, validationFraction: t.valFraction)
            logInfo("initial model: \(initFrom)" + (initialModel?.pretrainedOn.map { ", pretrained on " + $0.joined(separator: ", ") } ?? ""))
        } else {
            model = try ScenarioModel(config: config.config(version: version.modelVersion), seed: t.seed)
        }
        if !trainableTensors.isAll {
            let r = try TrainableRecord(trainableTensors, config: model.config)
            logInfo("trainable: \(r.subset) (\(r.tensors.joined(separator: ", ")): \(r.parameters) of \(r.totalParameters) "
                    + "parameters; the rest stay at the initial values)")
            if initFrom == nil {
                logWarning("--trainable \(trainable) without --init trains part of a randomly initialised network; "
                           + "start from a pretrained base (--init base.h5) so that the frozen part is useful")
            }
        }
        logInfo("model: \(config.rawValue) (\(describe(model.config))), \(model.transformer.parameterCount) parameters")
        var options = try f.federatedTrainingOptions(clientCount: clientCount, training: t, partition: scheme,
                                                     strategy: kind, strategyParameters: hyper)
        options.outputPrior = selection.outputPrior
        options.restoreBestRound = selection.keepBestFederated
        options.allowPrices = priceGuard.allowPrices
        options.calibrateVolatility = volatilityCalibration
        if rematchDependence { options.rematchDependence = DependenceRematchOptions() }
        options.publicData = publicData
        options.publicMeanTerm = publicMeanTerm ?? true
        options.publicZMarginal = publicZMarginal ?? true
        options.trainable = trainableTensors
        options.clientEncoding = try ClientEncoding(parsing: clientEncoding)
        options.initialModel = initialModel
        if dpSummaries || dpSummariesNoise != nil { options.summaryNoiseMultiplier = dpSummariesNoise ?? f.dpNoise }
        options.volatilityLevelNoiseMultiplier = dpVolatilityNoise
        options.volatilityLevelBound = dpVolatilityBound ?? NoisedVolatilityLevel.sensitivity
        if f.dpNoise != nil, dataModelsFrom == nil, options.summaryNoiseMultiplier == nil {
            logWarning("DP: the data models are fitted from the clients' summaries, shared in the clear; ε covers "
                       + "the rounds only — give --data-models-from PUBLIC (e.g. bundled:djia) or --dp-summaries to cover everything")
        }
        if let dp = options.privacy, initFrom == nil {
            let d = Double(model.transformer.parameterCount), m = Double(dp.numSampledClients), r = Double(f.rounds)
            logInfo(String(format: "DP: the noise covers all %ld network parameters (norm z·S·√(d·R)/m = %.2f over the "
                + "rounds, against a clipped signal of at most R·S = %.2f); --init BASE --trainable priors noises fewer "
                + "(README \"Privacy\")", model.transformer.parameterCount,
                dp.noiseMultiplier * dp.clippingNorm * (d * r).squareRoot() / m, r * dp.clippingNorm))
        }
        if f.dpNoise != nil, options.restoreBestRound {
            logWarning("DP: --keep-best picks a round by the clients' validation losses, which the accounting does not "
                       + "cover; ε holds for the last round's model — drop --keep-best to keep ε exact")
        }
        logInfo("federation: \(clientCount) clients, partition \(scheme.cliName), \(kind.rawValue), \(f.rounds) rounds × "
                + "\(f.localSteps) local steps" + f.privacyDescription)
        let report = try federateWithProgress(model: model, series: series, options: options, saveOnInterrupt: out)
        try model.save(to: out)
        var line = "federated \(report.rounds.count) rounds"
        if let v = report.rounds.last?.validationLoss { line += ", validation loss \(ProgressFormat.metric(v))" }
        if let e = report.epsilon {
            line += String(format: ", privacy ε = %.3f at δ = %g (client-level; min of RDP and PLD)", e, report.delta)
        }
        if selection.keepBestFederated, let best = report.rounds.filter({ $0.validationLoss?.isFinite == true })
            .min(by: { $0.validationLoss! < $1.validationLoss! }) {
            line += "; kept round \(best.round) (validation loss \(ProgressFormat.metric(best.validationLoss!)))"
        }
        print(line)
        if let m = report.record.meanTerm { print("mean term: " + m) }
        if let r = report.dependenceRematch { print("dependence rematch: " + r.summary) }
        if let c = report.volatilityCalibration {
            // Under DP the target is the public series' (FederatedTrainer), times the released level.
            let target = options.privacy == nil || options.publicData == nil ? "the data"
                : options.volatilityLevelNoiseMultiplier == nil ? "the public data"
                : "the public data × the clients' noised level (privacy.volatility_level)"
            printCalibration(c, model: model, target: target)
        }
        print("saved \(out)")
        if let html, let first = series.first?.values {
            let horizon = min(250, first.count - 1)
            let sets = try reportScenarioSets(model: model, real: first, paths: reportPaths, horizon: horizon, seed: t.seed,
                                              threads: t.threads)
            try writeScenarioReport(to: html, input: ScenarioReportInput(
                title: "TGFL federation report", realName: paths[0] ?? "bundled S&P 500", real: first, scenarios: sets,
                trainingHistory: model.history, federationRecord: model.records[FederationRecord.recordName],
                runFacts: [("model", describe(model.config)), ("checkpoint", out),
                           ("federation", "\(clientCount) clients, \(kind.rawValue), \(f.rounds) rounds")], seed: t.seed))
            print("wrote \(html)")
        }
    }
}

extension FederateCommand {
    /// `--dp-summaries`/`--dp-summaries-noise` need DP, no public data models and a partition
    /// whose clients hold whole days.
    func validateSummaryOptions() throws {
        guard dpSummaries || dpSummariesNoise != nil else { return }
        if let z = dpSummariesNoise, !(z > 0 && z.isFinite) {
            throw ValidationError("--dp-summaries-noise must be positive, got \(z)")
        }
        guard let z = federation.dpNoise, z > 0 else {
            throw ValidationError("--dp-summaries needs --dp-noise > 0: the summaries' release is accounted with the rounds")
        }
        if dataModelsFrom != nil {
            throw ValidationError("--dp-summaries and --data-models-from exclude each other: with public data no summary "
                + "is released; drop one")
        }
        try requireDayPartition("--dp-summaries")
    }

    /// `option` needs `--partition time` or `natural` (a client holds whole days of a series).
    func requireDayPartition(_ option: String) throws {
        let kind = partition.split(separator: ":").first.map(String.init)?.lowercased() ?? ""
        guard ["time", "natural"].contains(kind) else {
            throw ValidationError("\(option) needs --partition time or natural (a client holds whole days), got "
                + "'\(partition)'")
        }
    }

    /// `--dp-volatility-noise` needs DP, public data models, the calibration and a partition whose
    /// clients hold whole days.
    func validateVolatilityLevelOptions() throws {
        if let h = dpVolatilityBound {
            guard h > 0, h.isFinite else { throw ValidationError("--dp-volatility-bound must be positive and finite, got \(h)") }
            guard dpVolatilityNoise != nil else {
                throw ValidationError("--dp-volatility-bound is the box of the noised volatility level: it needs "
                    + "--dp-volatility-noise")
            }
        }
        guard let z = dpVolatilityNoise else { return }
        guard z > 0, z.isFinite else { throw ValidationError("--dp-volatility-noise must be positive, got \(z)") }
        guard let dp = federation.dpNoise, dp > 0 else {
            throw ValidationError("--dp-volatility-noise needs --dp-noise > 0: the level's release is accounted with the rounds")
        }
        guard dataModelsFrom != nil else {
            throw ValidationError("--dp-volatility-noise releases the clients' volatility relative to the public series: "
                + "give --data-models-from PUBLIC (e.g. bundled:djia)")
        }
        guard volatilityCalibration else {
            throw ValidationError("--dp-volatility-noise is used only by the volatility calibration: drop "
                + "--no-volatility-calibration or --dp-volatility-noise")
        }
        try requireDayPartition("--dp-volatility-noise")
    }

    /// The public series of `--data-models-from`: `bundled:NAME[:COLUMN]` or a CSV read with the
    /// command's column options.
    /// - Throws: `CommandFailure` / `TGFLError.data` naming the source.
    func loadPublicSeries(_ source: String) throws -> ReturnSeries {
        if source.hasPrefix("bundled:") {
            do {
                return try PublicDataModels.bundledSeries(source, what: "--data-models-from")
            } catch TGFLError.invalidArgument(let message) {
                throw CommandFailure(message.replacingOccurrences(of: "or pass the public returns themselves",
                                                                  with: "or a CSV path"))
            }
        }
        let s = try DataOptions.load(path: source, dateColumn: dateColumn, column: column, returnsColumn: returnsColumn)
        return ReturnSeries(name: source, dates: s.dates, values: s.values)
    }
}

/// A strategy by CLI name; the error lists the valid names.
func parseStrategyKind(_ name: String) throws -> StrategyKind {
    try StrategyKind(parsing: name)
}

/// A partition `KIND[:param]`; the error lists the valid forms.
func parsePartition(_ text: String) throws -> PartitionScheme {
    try PartitionScheme(parsing: text)
}

/// Builds `FederatedTrainingOptions` from command-line values.
/// - Parameters:
///   - privacy: `(noise multiplier σ, clipping norm S)` or nil for no DP.
///   - dpSampling: DP client sampling (Poisson by default; see `DifferentialPrivacy`).
func federatedOptions(clientCount: Int, rounds: Int, localSteps: Int, batchSize: Int, learningRate: Double,
                      validationFraction: Double, partition: PartitionScheme, strategy: StrategyKind, strategyParameters: [String: Double],
                      fraction: Double, privacy: (Double, Double)?, delta: Double, secureAggregation: Bool,
                      seed: UInt64, threads: Int?, dpSampling: SamplingMethod = .poisson) throws -> FederatedTrainingOptions {
    var o = FederatedTrainingOptions()
    o.clientCount = clientCount; o.rounds = rounds; o.localSteps = localSteps; o.batchSize = batchSize
    o.learningRate = learningRate; o.validationFraction = validationFraction; o.partition = partition; o.strategy = strategy
    o.hyperparameters = strategyParameters
    let minimum = min(2, clientCount)
    o.sampling = SamplingConfig(fractionTrain: fraction, fractionEvaluate: fraction, minTrainNodes: minimum,
                                minEvaluateNodes: minimum, minAvailableNodes: minimum)
    if let (sigma, clip) = privacy {
        let sampled = try o.sampling.trainSampleSize(available: clientCount)
        o.privacy = DPConfig(noiseMultiplier: sigma, clippingNorm: clip, numSampledClients: sampled, sampling: dpSampling)
    }
    o.privacyDelta = delta; o.secureAggregation = secureAggregation; o.seed = seed; o.threads = threads
    return o
}

/// Runs federated training with per-round lines and a rounds bar on stderr. Ctrl-C stops after
/// the current round; with `saveOnInterrupt` the model so far is saved there.
func federateWithProgress(model: ScenarioModel, series: [ReturnSeries], options: FederatedTrainingOptions,
                          saveOnInterrupt: String? = nil) throws -> FederatedTrainingReport {
    let trainer = try FederatedTrainer(model: model, options: options)
    let bar = ProgressReporter(label: "federate", unit: "rounds", total: options.rounds)
    var lastRound = 0
    return try runInterruptibly(bar: bar, saveOnInterrupt: saveOnInterrupt, save: { try model.save(to: $0) }, interrupted: {
        "interrupted after round \(lastRound)" + ($0.map { "; saved the model so far to \($0)" } ?? "")
    }) {
        try trainer.fit(series: series) { p in
            lastRound = p.round
            bar.message(roundLine(p))
            var metrics: [(String, String)] = []
            if let v = p.validationLoss { metrics.append(("val", ProgressFormat.metric(v))) }
            bar.update(completed: p.round, eta: p.etaSeconds, metrics: metrics)
            return !Interrupt.requested
        }
    }
}

/// One line per round: `round 3/30  clients 8 (dropped 0)  train 3.912  val 3.950  ε 1.23  0:12`.
func roundLine(_ p: RoundProgress) -> String {
    var parts = ["round \(p.round)/\(p.totalRounds)", "clients \(p.participants)"]
    if p.dropped > 0 || p.rejected > 0 { parts[1] += " (dropped \(p.dropped), rejected \(p.rejected))" }
    if let t = p.trainLoss { parts.append("train \(ProgressFormat.metric(t))") }
    if let v = p.validationLoss { parts.append("val \(ProgressFormat.metric(v))") }
    if let e = p.epsilon { parts.append(String(format: "ε %.3f", e)) }
    parts.append(ProgressFormat.duration(p.elapsedSeconds))
    return parts.joined(separator: "  ")
}
