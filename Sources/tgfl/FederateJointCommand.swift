import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated

/// `tgfl federate-joint`: federated training of a joint model of K assets, where the
/// institutions hold **the same assets over different periods** (issue 17).
///
/// ```
/// days 0 ..< n of the K columns  →  held out: the last --val-fraction (no institution trains on them)
/// training days 0 ..< split       →  --clients consecutive periods of (nearly) equal length,
///                                    one per institution (as the single-series --partition time)
/// JointFederation.federate: data models from the institutions' sums, then the rounds through the
///                           federated engine (strategy, sampling, DP-FedAvg, secure aggregation);
///                           after each round the coordinator scores the global model on the
///                           held-out days, and --keep-best keeps the best round's weights
/// ```
/// Overlapping subsets of assets are not supported: the network reads a whole day of every
/// asset, so an institution without asset k could not produce its tokens.
struct FederateJointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federate-joint",
        abstract: "Train a joint model of several assets federated across institutions that hold the same assets over different periods.",
        discussion: """
            The days of the asset columns (the last --val-fraction held out) are cut into --clients \
            consecutive periods, one per institution: every institution holds every asset on its own \
            days. The data models (each asset's GJR-GARCH filter, σ bands, per-regime whitening, \
            tokenizer, output prior) are fitted from the institutions' sums; the rounds run through \
            the federated engine as `tgfl federate`'s do. After each round the global model is \
            scored on the held-out days (the coordinator's validation set); --keep-best (default) \
            keeps the best round. The checkpoint is a joint checkpoint \
            (read by generate-joint and stress) whose federation record names the strategy, rounds, \
            institutions and ε.

            Overlapping subsets of assets are not supported: the network reads a whole day of every \
            asset, so an institution without an asset could not produce its tokens.

            Strategies: fedavg, fedavgm, fedadagrad, fedadam, fedyogi, krum, multikrum, bulyan, \
            trimmedmean, median (no FedProx: the joint network has no proximal term).

            Example:
              tgfl federate-joint --bundled eu_stocks --clients 4 --rounds 20 --out eu_fed.h5
              tgfl federate-joint --data prices.csv --columns dax,ftse --clients 2 --dp-noise 0.5 --clip 1 --out pair.h5
              tgfl stress --model eu_fed.h5 --weights dax=0.5,ftse=0.5 --regime crisis
            """)

    @OptionGroup var source: JointDataOptions

    @Option(help: ArgumentHelp("Model configuration: small, large, demo or tiny.", valueName: "name"))
    var config: ModelPreset = .demo

    @Option(name: .customLong("levels"), parsing: .unconditional, help: "Volatility levels per asset (S).")
    var levels: Int = 8

    @Option(name: .customLong("clients"), parsing: .unconditional,
            help: "Number of institutions; each holds one consecutive period of the training days.")
    var clientCount: Int = 4

    @OptionGroup var federation: FederationRoundOptions<InstitutionFlagWording>

    @OptionGroup var training: TrainingRunOptions

    @OptionGroup var parts: JointFitFlags

    @Flag(name: .customLong("keep-best"), inversion: .prefixedNo, help: ArgumentHelp(
        "Keep the weights of the round with the lowest loss on the held-out days (needs --val-fraction > 0)."))
    var keepBest = true

    @Option(help: ArgumentHelp("Checkpoint to write (.h5).", valueName: "file"))
    var out: String

    func validate() throws {
        try Limits.check(clientCount, "--clients", 1, Limits.clients)
        try Limits.check(levels, "--levels", 2, 64)
        try federation.check(clientCount: clientCount)
    }

    func run() throws {
        setUpLogging()
        try requireOutputDirectory(for: out)
        let kind = try parseStrategyKind(federation.strategy)
        if kind == .fedprox {
            throw CommandFailure("--strategy fedprox: the joint network has no FedProx term; use fedavg, fedavgm, "
                                 + "fedadagrad, fedadam, fedyogi or a robust rule (krum, trimmedmean, median, …)")
        }
        let (names, columns) = try source.load()
        let days = columns[0].count
        let modelConfig = JointScenarioModel.config(base: config.config, assets: names.count, levels: levels)
        let periods = try Self.periods(days: days, valFraction: training.valFraction, clients: clientCount,
                                       assets: names.count, contextLength: modelConfig.contextLength)
        let institutions = periods.map { span in columns.map { Array($0[span]) } }
        logInfo("data: \(names.count) assets (\(names.joined(separator: ", "))), \(days) days; institutions' periods "
                + periods.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ", ")
                + (periods.last!.upperBound < days ? "; days \(periods.last!.upperBound)..<\(days) held out" : ""))
        let model = try JointScenarioModel(config: modelConfig, assets: names.count, seed: training.seed)
        logInfo("model: \(config.rawValue) (\(describe(model.config))), \(model.network.transformer.parameterCount) parameters")
        var (strategy, options) = try jointOptions(kind: kind)
        let split = periods.last!.upperBound
        if split < days {
            options.heldOut = JointHeldOutDays(columns: columns, fromDay: split)
            options.restoreBestRound = keepBest
        }
        if options.privacy != nil {
            logWarning("DP: the data models are fitted from the institutions' summaries, shared in the clear; ε covers "
                       + "the rounds only")
        }
        logInfo("federation: \(clientCount) institutions, \(kind.rawValue), \(federation.rounds) rounds × "
                + "\(federation.localSteps) local steps" + federation.privacyDescription)
        let bar = ProgressReporter(label: "federate", unit: "rounds", total: federation.rounds)
        var lastRound = 0
        let report = try runInterruptibly(bar: bar, saveOnInterrupt: out, save: { try model.save(to: $0) }, interrupted: {
            "interrupted after round \(lastRound)" + ($0.map { "; saved the model so far to \($0)" } ?? "")
        }) {
            try JointFederation.federate(model: model, institutions: institutions, names: names, strategy: strategy,
                                         options: options) { p in
                lastRound = p.record.round
                bar.message(Self.roundLine(p, rounds: federation.rounds, elapsed: bar.elapsed))
                bar.update(completed: p.record.round, metrics: p.heldOutLoss.map { [("val", ProgressFormat.metric($0))] } ?? [])
                return !Interrupt.requested
            }
        }
        try model.save(to: out)
        var line = "federated \(report.rounds.count) rounds over \(clientCount) institutions"
        if let loss = report.losses.last { line += ", last mean local loss \(ProgressFormat.metric(loss))" }
        if let round = report.bestRound, let loss = report.heldOutLosses[round - 1] {
            line += "; kept round \(round) (held-out loss \(ProgressFormat.metric(loss)))"
        }
        let rejected = report.rounds.reduce(0) { $0 + $1.rejected.count }
        if rejected > 0 { line += ", \(rejected) updates rejected" }
        if let e = report.epsilon {
            line += String(format: ", privacy ε = %.3f at δ = %g (client-level, the rounds only)", e, report.record.delta)
        }
        print(line)
        print("saved \(out)")
    }

    /// One line per round: `round 3/20  institutions 4 (dropped 0, rejected 1)  train 3.912  val 3.950  ε 1.23  0:12`.
    static func roundLine(_ p: JointRoundProgress, rounds: Int, elapsed: Double) -> String {
        let r = p.record
        var parts = ["round \(r.round)/\(rounds)", "institutions \(r.participants.count)"]
        if !r.dropped.isEmpty || !r.rejected.isEmpty { parts[1] += " (dropped \(r.dropped.count), rejected \(r.rejected.count))" }
        parts.append("train \(ProgressFormat.metric(p.trainLoss))")
        if let v = p.heldOutLoss { parts.append("val \(ProgressFormat.metric(v))") }
        if let e = r.epsilon { parts.append(String(format: "ε %.3f", e)) }
        parts.append(ProgressFormat.duration(elapsed))
        return parts.joined(separator: "  ")
    }

    /// The strategy and `JointFederationOptions` of the command's flags (sampling and DP as
    /// `tgfl federate` builds them).
    func jointOptions(kind: StrategyKind) throws -> (FederatedStrategy, JointFederationOptions) {
        let hyper = try parseKeyValues(federation.strategyParam, option: "--strategy-param")
        let f = federation, t = training
        let single = try f.federatedTrainingOptions(clientCount: clientCount, training: t, partition: .timePeriods,
                                                    strategy: kind, strategyParameters: hyper)
        let strategy = try kind.makeStrategy(hyperparameters: hyper, sampling: single.sampling, clientLearningRate: t.lr)
        var options = JointFederationOptions(rounds: f.rounds, localSteps: f.localSteps, batchSize: t.batchSize,
                                             learningRate: t.lr, seed: t.seed, threads: t.threads, privacy: single.privacy,
                                             privacyDelta: f.delta, secureAggregation: f.secureAgg)
        options.data = try parts.settings()
        return (strategy, options)
    }

    /// The institutions' periods: the first `⌊(1 − valFraction)·days⌋` days cut into `clients`
    /// consecutive spans whose lengths differ by at most one day.
    /// - Throws: `CommandFailure` when a span is too short for one training window (naming the
    ///   days it has and needs, and how to fix it).
    static func periods(days: Int, valFraction: Double, clients: Int, assets: Int, contextLength: Int) throws -> [Range<Int>] {
        let split = min(days, Int(((1 - valFraction) * Double(days)).rounded(.down)))
        let need = (contextLength + 1 + assets - 1) / assets
        let shortest = split / clients
        guard shortest >= need else {
            throw CommandFailure("--clients \(clients) gives each institution \(shortest) of the \(split) training "
                + "days, but one training window of \(contextLength + 1) tokens needs \(need) days of \(assets) assets; "
                + "use fewer --clients, more days, a smaller --val-fraction or a smaller --config")
        }
        return (0..<clients).map { c in (c * split / clients)..<((c + 1) * split / clients) }
    }
}
