import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated
import TGFLStats

/// `tgfl-bench federated-evidence`: federated vs centralized vs local-only on the S&P 500's
/// training span split across institutions by time; Byzantine robustness; dropout; DP.
///
/// Quality scores (all "lower is better"; each a distance to the real held-out series except
/// the NLL, which scores the real series itself):
/// ```
/// NLL      = −(1/(n−1)) Σ_t log p(k_t | past)                 on the held-out days
/// KS D     = sup_z |F_gen(z) − F_real(z)|                     generated days pooled over paths
/// kurt     = | mean_p κ(path_p) − κ(real) |                    κ = excess kurtosis, per path
/// acf|r|   = (1/10) Σ_{k=1}^{10} | mean_p ρ_k(|path_p|) − ρ_k(|real|) |
/// leverage = (1/5)  Σ_{k=1}^{5}  | mean_p L_k(path_p) − L_k(real) |,  L_k = corr(r_t, r²_{t+k})
/// VaR99    = | VaR_0.01(pooled gen) − VaR_0.01(real) |         historical, positive = loss
/// ES99     = | ES_0.01(pooled gen)  − ES_0.01(real) |
/// ```
/// Statistics whose estimate depends strongly on the sample length (kurtosis, ACF, leverage)
/// are computed per generated path — each path is as long as the held-out span — and
/// averaged, so generated and real values are estimated from samples of the same length;
/// marginal-distribution scores (KS, VaR, ES) use all generated days pooled.
struct FederatedEvidence: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federated-evidence",
        abstract: "Federated vs centralized vs local-only quality, Byzantine, dropout and DP runs (minutes).")

    @OptionGroup var options: FederatedRunOptions
    var clients: Int { options.clients }
    var rounds: Int { options.rounds }
    var localSteps: Int { options.localSteps }
    var batch: Int { options.batch }
    var sequenceLength: Int { options.sequenceLength }
    var threads: Int { options.threads }
    @Option(help: "Generated paths per model (each as long as the held-out span).") var paths = 128
    @Option(help: "Training seeds of the quality comparison (scores are averaged over them).") var seeds = 3
    @Option(help: "Bootstrap resamples of the generated paths (generation noise of the ratios).") var bootstrap = 100
    @Option(help: "Parts to run: comma list of quality, byzantine, dropout, privacy, assets (assets: not by default).")
    var parts = "quality,byzantine,dropout,privacy"
    @Option(help: "Assets: days of each institution's test span that generated paths are scored against (its first ones).")
    var assetHorizon = 1000
    @Option(help: "Assets: pilot paths (× 250 days) of each institution's volatility calibration.")
    var calibrationPaths = 64
    @Option(help: "Assets: comma list of bundled series names (e.g. sp500.close,fx_usd_1980.dem); empty = all 18.")
    var assetList = ""
    @Option(help: "Local learning rate (federated clients, centralized and local-only training).") var learningRate = 2e-3
    @Option(help: "Federated strategy of the quality run (fedavg, fedadam, ...).") var strategy = "fedavg"
    @Flag(inversion: .prefixedNo, help: ArgumentHelp("Initialize head.bias of every model to its training tokens' "
          + "smoothed log frequencies (TokenPrior): pooled for federated and centralized, own data for local-only."))
    var outputPrior = true
    @Flag(help: ArgumentHelp("Assets: each institution sets the level priors of every arm's model from its own "
          + "training days when it adapts the volatility state (adaptingVolatility's resetOutputPrior), a "
          + "personalisation of the shared network; default: the arm's trained priors."))
    var ownPrior = false
    @Flag(help: ArgumentHelp("Assets: the federated and centralized arms keep their model's volatility dynamics "
          + "(α, γ, β, ν and the matched generation recursion, fitted on every institution's days) and take only "
          + "the level from the institution (adaptingVolatility's dynamics: .received); the local-only arm keeps "
          + "its own (it has no federation). Default: every arm fits the institution's own filter."))
    var pooledDynamics = false
    @Flag(help: ArgumentHelp("Assets: the federated and centralized arms train on windows each institution encodes "
          + "with its own filter, levels and regimes and one shared tokenizer (federated: clientEncoding own_filter; "
          + "centralized: Trainer.pretrain's CorpusEncoding), as every arm generates. Default: one pooled filter."))
    var ownEncoding = false
    @Flag(name: .customLong("rematch-dependence"), help: ArgumentHelp("Assets: every arm's adapted copy (local-only "
          + "too) chooses its generation recursion again on its own pilot paths before the calibration "
          + "(adaptingVolatility's rematch: ScenarioModel.rematchDependence, session 21). Default: off."))
    var rematchDependence = false
    @Option(name: .customLong("rematch-paths"), help: "Assets: with --rematch-dependence, pilot paths (× 250 days) per candidate.")
    var rematchPaths = 128
    @Option(name: .customLong("save-models"), help: ArgumentHelp("Assets: save each seed's federated and centralized "
          + "models (before adaptation) in this folder as fed-seed<k>.h5 and cen-seed<k>.h5.", valueName: "dir"))
    var saveModels: String?
    @Flag(inversion: .prefixedNo, help: ArgumentHelp("Quality: every model keeps the parameters of its best "
          + "validation evaluation (federated: best round; others: best of the evaluations every S steps)."))
    var selectBest = true
    @Option(help: ArgumentHelp("Quality: fraction of each institution's period (its last days) held out for "
            + "validation and model selection; the held-out test span is never used for it."))
    var selectionFraction = 0.2
    @Option(help: "Clients of the Byzantine runs.") var byzantineClients = 10
    @Option(help: "Byzantine clients among them.") var attackers = 2
    @Option(help: "Sign-flip attack scale s (Δ ← −s·Δ).") var flipScale = 4.0

    static func baseOptions(clients: Int, rounds: Int, localSteps: Int, batch: Int, sequenceLength: Int,
                            threads: Int) -> FederatedTrainingOptions {
        var o = FederatedTrainingOptions()
        o.clientCount = clients
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
        base.outputPrior = outputPrior
        base.seed = 1          // every run below starts from the same model and draws as the quality run's seed 1
        print("tgfl-bench federated-evidence  S&P 500 \(sp.count) returns, training span \(trainDays) days split by time "
              + "across \(clients) institutions; held-out \(heldOut.count) days; load avg \(BenchmarkSupport.loadAverage())")
        print("  federated runs: rounds \(rounds), S = \(localSteps), B = \(batch), T = \(sequenceLength), lr \(learningRate), "
              + "threads \(threads), config small")

        var clean: Double?
        if wanted.contains("quality") {
            var q = base
            q.strategy = try StrategyKind(parsing: strategy)
            q.partition = .natural
            q.validationFraction = selectionFraction
            q.restoreBestRound = selectBest
            q.maxValidationWindows = 64
            let n = trainDays / clients
            let institutions = (0..<clients).map { Array(sp[($0 * n)..<(($0 + 1) * n)]) }
            clean = try quality(base: q, institutions: institutions, heldOut: heldOut, trainDays: trainDays)
        }
        if wanted.contains("assets") { try assets() }      // FederatedAssets.swift
        if wanted.contains("byzantine") { try byzantine(base: base, series: series) }
        if wanted.contains("dropout") || wanted.contains("privacy"), clean == nil {
            clean = try Self.federated("FedAvg (clean)", base, series: series).1.rounds.last?.validationLoss
        }
        if wanted.contains("dropout") {
            var o = base
            o.faults.dropoutProbability = 0.3
            let (_, r) = try Self.federated("FedAvg, dropout 30 %", o, series: series)
            let v = r.rounds.last?.validationLoss ?? .nan
            print(String(format: "      completed rounds: %d of %d; rounds skipped: %d; val loss %+.1f %% vs clean %.4f",
                         r.rounds.count, rounds, r.rounds.filter { $0.skippedReason != nil }.count,
                         100 * (v / clean! - 1), clean!))
        }
        if wanted.contains("privacy") {
            for clip in [0.1, 0.5] {
                var o = base
                o.privacy = DPConfig(noiseMultiplier: 1.0, clippingNorm: clip, numSampledClients: clients)
                _ = try Self.federated(String(format: "FedAvg + DP σ=1.0, C=%.1f", clip), o, series: series)
            }
        }
        print("  peak RSS \(String(format: "%.0f", BenchmarkSupport.peakRSSMegabytes())) MB; load avg \(BenchmarkSupport.loadAverage())")
    }

    /// One federated run on a fresh small model (seed = the options' seed).
    static func federated(_ label: String, _ o: FederatedTrainingOptions,
                          series: [[Double]]) throws -> (ScenarioModel, FederatedTrainingReport) {
        let model = try ScenarioModel(config: .small, seed: o.seed)
        let t = BenchmarkSupport.now()
        let report = try FederatedTrainer(model: model, options: o).fit(series: series)
        let final = report.rounds.last?.validationLoss ?? .nan
        let rejected = report.rounds.reduce(0) { $0 + $1.rejected.count }
        let dropped = report.rounds.reduce(0) { $0 + $1.dropped.count }
        let eps = report.epsilon.map { String(format: ", ε = %.2f at δ = %g", $0, report.delta) } ?? ""
        print(String(format: "  %@ val loss %.4f  (%.1f s; dropped %d, rejected %d%@)",
                     label.padding(toLength: 48, withPad: " ", startingAt: 0) as NSString, final,
                     BenchmarkSupport.now() - t, dropped, rejected, eps as NSString))
        return (model, report)
    }

    /// Byzantine clients: exactly `attackers` of `byzantineClients` send sign-flipped updates.
    func byzantine(base: FederatedTrainingOptions, series: [[Double]]) throws {
        var b = base
        b.clientCount = byzantineClients
        let f = attackers
        print(String(format: "  Byzantine: %d institutions (time split), clients 0..<%d = %d of %d = %.0f %% send "
                     + "sign-flipped updates (Δ ← −%.1f·Δ)", byzantineClients, f, f, byzantineClients,
                     100 * Double(f) / Double(byzantineClients), flipScale))
        let clean = try Self.federated("FedAvg, \(byzantineClients) clients, clean", b, series: series)
            .1.rounds.last?.validationLoss ?? .nan
        for (kind, h): (StrategyKind, [String: Double]) in [
            (.fedavg, [:]), (.krum, ["num_malicious_nodes": Double(f)]), (.fedmedian, [:]),
            (.fedtrimmedavg, ["beta": 0.2]),
        ] {
            let setting = h.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            var o = b
            o.strategy = kind
            o.hyperparameters = h
            o.faults.byzantine = Dictionary(uniqueKeysWithValues: (0..<f).map { ($0, ByzantineAttack.signFlip(scale: flipScale)) })
            let (_, r) = try Self.federated("\(kind.rawValue)\(setting.isEmpty ? "" : " (\(setting))") + sign-flip", o,
                                            series: series)
            let v = r.rounds.last?.validationLoss ?? .nan
            print(String(format: "      %@: %+.1f %% vs clean FedAvg %.4f", kind.rawValue as NSString, 100 * (v / clean - 1), clean))
        }
    }

    // MARK: - Quality

    /// Federated vs centralized vs local-only over `seeds` training seeds; prints the table.
    ///
    /// Every model sees the same days: institution i holds `institutions[i]`; its first
    /// `1 − selectionFraction` trains, its last `selectionFraction` validates (model selection).
    /// Federated = the natural partition over the institutions; centralized = `Trainer` on all of
    /// them (the same training and validation days, pooled); local-only = `Trainer` on one.
    /// - Returns: The clean federated run's final validation loss (first seed).
    func quality(base: FederatedTrainingOptions, institutions: [[Double]], heldOut: [Double], trainDays: Int) throws -> Double {
        let steps = rounds * localSteps
        let selection = selectBest ? "keeps its best validation evaluation" : "keeps its last parameters"
        let days = institutions[0].count
        let trainPct = Int(((1 - selectionFraction) * 100).rounded()), valPct = Int((selectionFraction * 100).rounded())
        let windows = steps * clients * batch
        var line = "  quality: \(seeds) training seeds; \(clients) institutions of \(days) days, each: first \(trainPct) % "
        line += "trains, last \(valPct) % validates; per seed, at most: federated (\(base.strategy.rawValue)) \(rounds) "
        line += "rounds × \(localSteps) steps × \(clients) clients × batch \(batch) = \(windows) windows; centralized "
        line += "\(steps) steps × batch \(batch * clients) = same windows, same number of sequential steps; local-only "
        line += "\(steps) steps × batch \(batch) = what each institution computes in the federation; validation every "
        line += "\(localSteps) steps (every round); every model \(selection); output prior \(outputPrior ? "on" : "off")"
        print(line)
        print("  scores: \(paths) generated paths × \(heldOut.count) days per model (held-out regime path, prompt = last "
              + "\(sequenceLength) training days, generation seed 1000 + training seed, the same for every model), "
              + "\(bootstrap) bootstrap resamples of the paths")
        let real = try HeldOutFacts(heldOut)
        print(real.summary)
        var perSeed: [SeedScores] = []
        var clean = Double.nan
        for seed in 1...seeds {
            var o = base
            o.seed = UInt64(seed)
            let (fedModel, report) = try Self.federated("seed \(seed): \(base.strategy.rawValue) (clean)", o,
                                                        series: institutions)
            if let best = bestRound(fedModel) { print("      best validation round \(best) of \(rounds)") }
            if seed == 1 { clean = report.rounds.last?.validationLoss ?? .nan }
            perSeed.append(try scoreSeed(seed: UInt64(seed), fedModel: fedModel, institutions: institutions,
                                         heldOut: heldOut, trainDays: trainDays, real: real))
        }
        printSummary(perSeed)
        return clean
    }

    /// `best_round` of a federated model's record (nil when not selected).
    func bestRound(_ m: ScenarioModel) -> Int? {
        (try? m.federationRecord())??.bestRound
    }

    /// Scores of every model of one seed, with bootstrap replicates for the federated and
    /// centralized models.
    struct SeedScores {
        var federated: [Double], centralized: [Double], locals: [[Double]]
        /// Bootstrap replicates [rep][score]: federated, centralized, and per institution.
        var federatedBoot: [[Double]], centralizedBoot: [[Double]], localsBoot: [[[Double]]]
    }

    /// Central training on `series` with the quality run's budget, selection and prior.
    /// With `models` nil the trainer fits the data models on the series itself (and the prior,
    /// with `outputPrior`); `calibrate` is v2's volatility calibration after training.
    func centralModel(seed: UInt64, series: [[Double]], batchSize: Int, models: DataModels?,
                      config: ModelConfig = .small, calibrate: Bool = true) throws -> (ScenarioModel, TrainingReport) {
        let m = try ScenarioModel(config: config, seed: seed)
        if let models { try m.setDataModels(models) }
        if let models, outputPrior {
            // The same training days the federated clients count (the first 1 − f of each series).
            let spans = series.map { Array($0[..<Int(((1 - selectionFraction) * Double($0.count)).rounded(.down))]) }
            let encoded = try spans.map { try models.encode($0) }
            try m.setOutputPrior(tokens: encoded.map(\.tokens), conditions: encoded.map(\.conditions))
        }
        let report = try Trainer(model: m, options: centralOptions(seed: seed, batchSize: batchSize, calibrate: calibrate))
            .fit(series: series)
        return (m, report)
    }

    /// The centralized arm of `--own-encoding`: a fresh v2 model trained like `centralModel` on
    /// the series each encoded by its own filter with one shared tokenizer (`Trainer.pretrain`,
    /// `CorpusEncoding`); the model keeps the unit-variance reference data models.
    func centralOwnEncodedModel(seed: UInt64, series: [ReturnSeries], batchSize: Int,
                                config: ModelConfig) throws -> (ScenarioModel, TrainingReport) {
        let m = try ScenarioModel(config: config, seed: seed)
        let report = try Trainer(model: m, options: centralOptions(seed: seed, batchSize: batchSize, calibrate: false))
            .pretrain(corpus: series)
        return (m, report)
    }

    /// The training options of the centralized and local-only arms: R·S steps, constant rate,
    /// validation every S steps.
    func centralOptions(seed: UInt64, batchSize: Int, calibrate: Bool) -> TrainingOptions {
        var t = TrainingOptions(steps: rounds * localSteps, batchSize: batchSize, sequenceLength: sequenceLength,
                                learningRate: learningRate, minLearningRate: learningRate, warmupSteps: 0)
        t.validationFraction = selectionFraction
        t.threads = threads
        t.evaluateEvery = localSteps
        t.restoreBest = selectBest
        t.outputPrior = outputPrior
        t.calibrateVolatility = calibrate
        t.seed = seed
        return t
    }

    func scoreSeed(seed: UInt64, fedModel: ScenarioModel, institutions: [[Double]], heldOut: [Double], trainDays: Int,
                   real: HeldOutFacts) throws -> SeedScores {
        let models = fedModel.dataModels!
        let steps = rounds * localSteps
        // Centralized: all institutions' days pooled, R·S steps of batch N·B.
        var t0 = BenchmarkSupport.now()
        let (central, cr) = try centralModel(seed: seed, series: institutions, batchSize: batch * clients,
                                             models: models)
        print(String(format: "  seed %d: centralized %d steps × batch %d (%.1f s), best validation step %@", seed, steps,
                     batch * clients, BenchmarkSupport.now() - t0, cr.bestStep.map { "\($0)" } ?? "—"))
        // Local-only: institution i alone on its own period, R·S steps of batch B.
        var locals: [ScenarioModel] = []
        var bestSteps: [String] = []
        t0 = BenchmarkSupport.now()
        for own in institutions {
            let (m, r) = try centralModel(seed: seed, series: [own], batchSize: batch, models: models)
            locals.append(m)
            bestSteps.append(r.bestStep.map { "\($0)" } ?? "—")
        }
        print(String(format: "  seed %d: local-only %d models × %d steps × batch %d (%.1f s), best validation steps %@",
                     seed, clients, steps, batch, BenchmarkSupport.now() - t0, bestSteps.joined(separator: " ")))

        let full = institutions.reduce([], +) + heldOut
        let labels = try fedModel.regimeLabels(of: full)
        let heldLabels = Array(labels[trainDays...]).map(Int.init)
        let prompt = Array(full[(trainDays - sequenceLength)..<trainDays])
        t0 = BenchmarkSupport.now()
        func facts(_ m: ScenarioModel) throws -> (GeneratedFacts, Double) {
            let nll = -(try m.logLikelihood(returns: heldOut))
            let set = try m.generate(GenerationOptions(paths: paths, horizon: heldOut.count, regime: .path(heldLabels),
                                                       prompt: prompt, seed: 1000 + seed, threads: threads))
            return (try GeneratedFacts(set.returns), nll)
        }
        let all = [fedModel, central] + locals
        var scores: [[Double]] = []
        var boots: [[[Double]]] = []
        var kurtoses: [Double] = []
        for (k, m) in all.enumerated() {
            let (g, nll) = try facts(m)
            scores.append(try g.scores(real: real, nll: nll))
            kurtoses.append(g.kurtosis.reduce(0, +) / Double(g.kurtosis.count))
            var rng = SeededRNG(seed: 0xB007 &+ seed, stream: UInt64(k))
            var reps: [[Double]] = []
            for _ in 0..<bootstrap {
                let idx = (0..<paths).map { _ in rng.int(below: paths) }
                reps.append(try g.scores(real: real, nll: nll, paths: idx))
            }
            boots.append(reps)
        }
        print(String(format: "  seed %d: scored %d models (%.1f s)", seed, all.count, BenchmarkSupport.now() - t0))
        print("    model           " + Score.allCases.map { $0.short.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined()
              + "mean κ (real \(String(format: "%.2f", real.kurtosis)))")
        let names = ["federated", "centralized"] + (0..<clients).map { "local-only #\($0)" }
        for (name, (s, kappa)) in zip(names, zip(scores, kurtoses)) {
            print("    " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                  + s.map { String(format: "%-11.4f", $0) }.joined() + String(format: "%.2f", kappa))
        }
        return SeedScores(federated: scores[0], centralized: scores[1], locals: Array(scores[2...]),
                          federatedBoot: boots[0], centralizedBoot: boots[1], localsBoot: Array(boots[2...]))
    }

    func printSummary(_ perSeed: [SeedScores]) {
        let k = Double(perSeed.count)
        print("  summary over \(perSeed.count) seeds (lower is better). fed, cen = seed means of the federated and "
              + "centralized scores; ratio = fed / cen (criterion ≤ 1.10); gen SE = bootstrap standard error of the "
              + "ratio from the finite number of generated paths; seeds = min–max of the per-seed ratios and seed SE = "
              + "their standard deviation / √seeds (training noise + generation noise); local median = "
              + "median over the \(clients) institutions' local-only models, averaged over seeds; margin = (local median "
              + "− fed) / its bootstrap SE (criterion > 0)")
        print("    score      fed        cen        ratio  gen SE  seeds        seed SE  ≤1.10  local median  margin   fed<median  verdict")
        func sd(_ x: [Double]) -> Double {
            let m = x.reduce(0, +) / Double(x.count)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(x.count - 1, 1))).squareRoot()
        }
        var metAll = true
        var missed: [String] = []
        for score in Score.allCases {
            let i = score.rawValue
            let fed = perSeed.reduce(0) { $0 + $1.federated[i] } / k
            let cen = perSeed.reduce(0) { $0 + $1.centralized[i] } / k
            let ratio = fed / cen
            let seedRatios = perSeed.map { $0.federated[i] / $0.centralized[i] }
            let localMedian = perSeed.reduce(0) { $0 + BenchmarkSupport.median($1.locals.map { $0[i] }) } / k
            var bootRatios: [Double] = [], bootMargins: [Double] = []
            for b in 0..<bootstrap {
                let f = perSeed.reduce(0) { $0 + $1.federatedBoot[b][i] } / k
                let c = perSeed.reduce(0) { $0 + $1.centralizedBoot[b][i] } / k
                let m = perSeed.reduce(0) { $0 + BenchmarkSupport.median($1.localsBoot.map { $0[b][i] }) } / k
                bootRatios.append(f / c)
                bootMargins.append(m - f)
            }
            let seRatio = sd(bootRatios), seMargin = sd(bootMargins)
            let within = ratio <= 1.10, better = fed < localMedian
            metAll = metAll && within && better
            if !(within && better) { missed.append(score.short) }
            let margin = score == .nll ? "exact" : String(format: "%+.1f", (localMedian - fed) / max(seMargin, 1e-300))
            let seedSE = perSeed.count > 1 ? String(format: "%5.3f", sd(seedRatios) / k.squareRoot()) : "—    "
            print(String(format: "    %@ %-9.4f  %-9.4f  %5.3f  %@   %5.3f–%5.3f  %@    %@    %-12.4f  %@  %@         %@",
                         score.short.padding(toLength: 10, withPad: " ", startingAt: 0) as NSString, fed, cen, ratio,
                         (score == .nll ? "—    " : String(format: "%5.3f", seRatio)) as NSString,
                         seedRatios.min()!, seedRatios.max()!, seedSE as NSString,
                         (within ? "yes" : "NO ") as NSString, localMedian,
                         margin.padding(toLength: 7, withPad: " ", startingAt: 0) as NSString,
                         (better ? "yes" : "NO ") as NSString, (within && better ? "met" : "NOT MET") as NSString))
        }
        print("  criterion (every score within 10 % of centralized and better than the median local-only model): "
              + (metAll ? "MET" : "NOT MET (\(missed.joined(separator: ", ")))"))
    }
}

/// The scores of `FederatedEvidence` (see its formulas), in table order.
enum Score: Int, CaseIterable {
    case nll, ks, kurtosis, acfAbs, leverage, var99, es99
    var short: String {
        ["NLL", "KS D", "|Δkurt|", "|ΔACF|r||", "|Δlev|", "|ΔVaR99|", "|ΔES99|"][rawValue]
    }
}

/// The real held-out series' statistics that the scores compare with.
struct HeldOutFacts {
    let sorted: [Double]
    let kurtosis: Double
    let acfAbs: [Double]      // lags 1…10
    let leverage: [Double]    // lags 1…5
    let var99: Double, es99: Double

    init(_ x: [Double]) throws {
        sorted = x.sorted()
        kurtosis = try Descriptive.excessKurtosis(x)
        acfAbs = Array(try Autocorrelation.acf(x.map(abs), maxLag: 10).dropFirst())
        leverage = try LeverageEffect.curve(x, maxLag: 5)
        let risk = try RiskMeasures.historical(x, level: 0.01)
        var99 = risk.valueAtRisk; es99 = risk.expectedShortfall
    }

    var summary: String {
        String(format: "  real held-out: excess kurtosis %.2f, ACF|r| lags 1–10 mean %.3f, leverage lags 1–5 mean %.3f, "
               + "VaR99 %.4f, ES99 %.4f", kurtosis, acfAbs.reduce(0, +) / 10, leverage.reduce(0, +) / 5, var99, es99)
    }
}

/// Per-path statistics of generated paths, computed once; scores over any multiset of paths.
struct GeneratedFacts {
    let paths: [[Double]]
    let kurtosis: [Double]
    let acfAbs: [[Double]]
    let leverage: [[Double]]

    init(_ paths: [[Double]]) throws {
        self.paths = paths
        kurtosis = try paths.map { try Descriptive.excessKurtosis($0) }
        acfAbs = try paths.map { Array(try Autocorrelation.acf($0.map(abs), maxLag: 10).dropFirst()) }
        leverage = try paths.map { try LeverageEffect.curve($0, maxLag: 5) }
    }

    /// The scores in `Score` order over the paths at `indices` (all paths when nil).
    func scores(real: HeldOutFacts, nll: Double, paths indices: [Int]? = nil) throws -> [Double] {
        let idx = indices ?? Array(paths.indices)
        let k = Double(idx.count)
        var pooled: [Double] = []
        pooled.reserveCapacity(idx.count * (paths.first?.count ?? 0))
        for i in idx { pooled += paths[i] }
        pooled.sort()
        let ks = KolmogorovSmirnov.twoSampleStatistic(sortedX: pooled, sortedY: real.sorted)
        let kurt = abs(idx.reduce(0) { $0 + kurtosis[$1] } / k - real.kurtosis)
        func curveError(_ curves: [[Double]], _ target: [Double]) -> Double {
            var e = 0.0
            for lag in target.indices {
                e += abs(idx.reduce(0) { $0 + curves[$1][lag] } / k - target[lag])
            }
            return e / Double(target.count)
        }
        let risk = try RiskMeasures.historical(pooled, level: 0.01)
        return [nll, ks, kurt, curveError(acfAbs, real.acfAbs), curveError(leverage, real.leverage),
                abs(risk.valueAtRisk - real.var99), abs(risk.expectedShortfall - real.es99)]
    }
}
