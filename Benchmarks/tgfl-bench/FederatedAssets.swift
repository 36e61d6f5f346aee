import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated
import TGFLStats

/// `tgfl-bench federated-evidence --parts assets`: model v2 in a federation whose institutions
/// hold **different assets** (issue 12, "Federated"; session 9).
///
/// Protocol (fixed before the runs; BENCHMARKS.md "Federated across assets, model v2"):
/// ```
/// institutions  = the bundled series (all 18 columns, or --asset-list), one asset each
/// institution i = its series' first 80 % (own_i): first 80 % of that trains, last 20 % validates
///                 (model selection only); its last 20 % (test_i) is used only for the scores
/// federated     = FederatedTrainer, model v2 (ModelConfig.small.v2()), natural partition over
///                 own_1 … own_n, FedAvg, no DP, R rounds × S steps × batch B, best round kept
/// centralized   = Trainer on own_1 … own_n pooled (the same training and validation days,
///                 the federated run's data models), R·S steps × batch n·B, best evaluation kept
/// local-only    = Trainer on own_i alone (its own data models), R·S steps × batch B
///                 = what institution i computes inside the federation, best evaluation kept
/// generation for institution i, every arm alike (ScenarioModel.adaptingVolatility):
///                 the arm's network and tokenizer + institution i's own GJR filter, levels and
///                 regimes (fitted on the training part of own_i) + its own unconditional level
///                 (calibrated to the mean and variance of own_i); nothing leaves institution i
/// scores on test_i: NLL of all of test_i; P unconditional paths of H_i = min(|test_i|, H) days,
///                 prompted with the last T days of own_i, against the first H_i days of test_i:
///                 KS D, |Δkurt|, ACF|r| and leverage errors (per path, averaged), relative VaR99
///                 and ES99 errors |VaR_gen / VaR_real − 1| (assets differ in scale)
/// summary       = per score, the mean over institutions (and seeds); ratio = fed / cen ≤ 1.10;
///                 "better than the median local-only model" = the median over institutions of
///                 (local_i − fed_i) > 0 (the median institution gains by federating)
/// ```
/// With `--pooled-dynamics` (session 19, fixed before its runs): the federated and centralized
/// arms adapt with `dynamics: .received` — their model's filter α, γ, β, ν and generation
/// recursion (one GJR-t fit on every institution's summaries, one recursion matched to the
/// owners' dependence: what the federation already shares) are kept, and institution i fits
/// only the level (μ, ω by targeting, level edges, regimes, bounds, calibration) on its own days;
/// the local-only arm keeps `.own` (it has no federation, so no pooled dynamics). Everything else
/// (training, seeds, scores) is the same, so training is identical bit for bit to a run without it.
///
/// With `--own-encoding` (session 20, fixed before its runs): the federated and centralized arms
/// train on windows that each institution encodes with its OWN filter, levels and regimes (fitted
/// on the training part of own_i) and one shared z tokenizer, as generation uses them:
/// ```
/// federated   = FederatedTrainer with clientEncoding = .ownFilter (the tokenizer from the clients'
///               moments of their own z; output prior from the summed own-encoded token counts;
///               the global model keeps the pooled filter with that tokenizer)
/// centralized = Trainer.pretrain on own_1 … own_n (CorpusEncoding: the same own filters, the
///               tokenizer fitted on the pooled own z, the same training and validation days,
///               output prior from the same counts), R·S steps × batch n·B, best evaluation kept
/// ```
/// Local-only, generation (adaptingVolatility with .own dynamics), seeds and scores are unchanged,
/// so its local-only rows equal a run without the switch bit for bit.
///
/// With `--rematch-dependence` (session 21, fixed before its runs): in every arm (local-only too:
/// it also trains a network), institution i's adapted copy chooses its generation recursion again
/// on its OWN pilot paths before the calibration (`adaptingVolatility(rematch:)`,
/// `ScenarioModel.rematchDependence`):
/// ```
/// candidates = the adapted copy's recursion (power kept) with (α, γ) × k, k ∈ {0.75, 1, 1.25, 1.5},
///              and nominal persistence 1 − f·(1 − p), f ∈ {0.5, 1, 2}: 12, the current one first
/// pilots     = --rematch-paths (128) unconditional paths × 250 days, no prompt, seed 0 for every
///              candidate (common random numbers), ω started at the calibration's target
/// criterion  = fair ACF|r| L2 (lags 1–50) + fair leverage L2 (lags 1–20) against the 250-day
///              chunks of institution i's training part (as matchDependence); the smallest kept
/// ```
/// then the same calibration, generation and scores. Since session 22 (dep22) the rematch's
/// defaults add the noise margin z = 2 (the best candidate replaces the current one only when its
/// gain exceeds 2 paired jackknife SEs over the pilots) and the tail guard (candidates whose
/// pilots' tail index is further from the training chunks' than the current one's, beyond the
/// margin, are refused). Training is unchanged (the same networks
/// bit for bit as a run without the switch).
///
/// The filters are not shared: `FederatedTrainer` fits one filter on all clients' summaries
/// (the network is trained on the z it gives), and the training runs do not calibrate (each
/// institution calibrates its adapted copy instead).
extension FederatedEvidence {
    /// One institution: its own days, its test span and the facts of the part that is scored.
    struct AssetInstitution {
        let own: ReturnSeries
        let test: [Double]
        let scored: HeldOutFacts
        let horizon: Int
    }

    /// Scores of every model of one seed, per institution ([institution][score]), with bootstrap
    /// replicates ([institution][replicate][score]).
    struct AssetSeedScores {
        var federated: [[Double]] = [], centralized: [[Double]] = [], locals: [[Double]] = []
        var federatedBoot: [[[Double]]] = [], centralizedBoot: [[[Double]]] = [], localsBoot: [[[Double]]] = []
    }

    func assets() throws {
        var all = try MarketData.bundledReturnSeries()
        let chosen = assetList.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        if !chosen.isEmpty {
            let unknown = chosen.filter { name in !all.contains { $0.name == name } }
            guard unknown.isEmpty else {
                throw ValidationError("--asset-list: unknown series \(unknown.joined(separator: ", ")); the bundled "
                                             + "ones are \(all.map(\.name).joined(separator: ", "))")
            }
            all = all.filter { chosen.contains($0.name) }
        }
        let institutions = try all.map { s -> AssetInstitution in
            let cut = Int(0.8 * Double(s.values.count))
            let test = Array(s.values[cut...])
            let h = min(test.count, assetHorizon)
            return AssetInstitution(own: ReturnSeries(name: s.name, values: Array(s.values[..<cut])), test: test,
                                    scored: try HeldOutFacts(Array(test.prefix(h))), horizon: h)
        }
        let n = institutions.count, steps = rounds * localSteps
        print("tgfl-bench federated-evidence --parts assets  \(n) institutions, one bundled asset each; model v2 "
              + "(small); load avg \(BenchmarkSupport.loadAverage())")
        for inst in institutions {
            print(String(format: "  %@ own %5d days (train %d, validate %d), test %5d days (scored paths: first %d)",
                         inst.own.name.padding(toLength: 22, withPad: " ", startingAt: 0) as NSString,
                         inst.own.values.count, Int((1 - selectionFraction) * Double(inst.own.values.count)),
                         inst.own.values.count - Int((1 - selectionFraction) * Double(inst.own.values.count)),
                         inst.test.count, inst.horizon))
        }
        var line = "  per seed, at most: federated (\(strategy), natural partition) \(rounds) rounds × \(localSteps) steps × "
        line += "\(n) clients × batch \(batch) = \(steps * n * batch) windows of T = \(sequenceLength); centralized "
        line += "\(steps) steps × batch \(n * batch); local-only \(n) × \(steps) steps × batch \(batch); lr \(learningRate); "
        line += "validation every \(localSteps) steps; best kept: \(selectBest); output prior \(outputPrior ? "on" : "off")"
        print(line)
        print("  scores: \(paths) unconditional paths per model and institution (prompt = its last \(sequenceLength) own "
              + "days, generation seed 1000 + training seed), after adaptingVolatility (own filter; calibration "
              + "\(calibrationPaths) × 250 pilot days, seed 0\(ownPrior ? "; level priors from its own training days" : "")"
              + "\(pooledDynamics ? "; fed and cen keep their pooled dynamics, own level only (dynamics .received)" : "")"
              + "\(ownEncoding ? "; fed and cen TRAINED on own-filter encodings (clientEncoding own_filter, pretrain)" : "")"
              + (rematchDependence ? "; every arm's recursion rematched on its own \(rematchPaths) × 250 pilot days "
                    + "(12 candidates, seed 0)" : "") + "); "
              + "\(bootstrap) bootstrap resamples of the paths")
        var perSeed: [AssetSeedScores] = []
        let clock = AssetProgress(total: Double(seeds * 8 * n))
        for seed in 1...seeds {
            perSeed.append(try assetSeed(UInt64(seed), institutions: institutions, clock: clock))
        }
        printAssetSummary(perSeed, names: institutions.map(\.own.name))
    }

    /// Trains the three arms of one seed and scores them on every institution.
    func assetSeed(_ seed: UInt64, institutions: [AssetInstitution], clock: AssetProgress) throws -> AssetSeedScores {
        let n = institutions.count, own = institutions.map(\.own)
        var o = Self.baseOptions(clients: n, rounds: rounds, localSteps: localSteps, batch: batch,
                                 sequenceLength: sequenceLength, threads: threads)
        o.learningRate = learningRate
        o.outputPrior = outputPrior
        o.strategy = try StrategyKind(parsing: strategy)
        o.partition = .natural
        o.validationFraction = selectionFraction
        o.restoreBestRound = selectBest
        o.maxValidationWindows = 64
        o.calibrateVolatility = false
        o.seed = seed
        o.clientEncoding = ownEncoding ? .ownFilter : .pooledFilter
        var t0 = BenchmarkSupport.now()
        let fed = try ScenarioModel(config: ModelConfig.small.v2(), seed: seed)
        let report = try FederatedTrainer(model: fed, options: o).fit(series: own)
        clock.done(Double(2 * n), "seed \(seed): federated \(rounds) rounds, best round "
                   + "\(bestRound(fed).map { "\($0)" } ?? "—") (\(String(format: "%.0f", BenchmarkSupport.now() - t0)) s; "
                   + "final val loss \(String(format: "%.4f", report.rounds.last?.validationLoss ?? .nan)))")
        let pooled = try fed.generate(GenerationOptions(paths: paths, horizon: 250, regime: .unconditional, seed: 1,
                                                        threads: threads)).returns.joined()
        let stds = try own.map { try Descriptive.standardDeviation($0.values, ddof: 1) }
        print(String(format: "      the global model before adaptation: unconditional std %.5f (one filter for all); "
                     + "the institutions' own std %.5f–%.5f", try Descriptive.standardDeviation(Array(pooled), ddof: 1),
                     stds.min()!, stds.max()!))

        t0 = BenchmarkSupport.now()
        let (central, cr) = ownEncoding
            ? try centralOwnEncodedModel(seed: seed, series: own, batchSize: batch * n, config: ModelConfig.small.v2())
            : try centralModel(seed: seed, series: own.map(\.values), batchSize: batch * n,
                               models: fed.dataModels, config: ModelConfig.small.v2(), calibrate: false)
        clock.done(Double(2 * n), "seed \(seed): centralized \(rounds * localSteps) steps × batch \(batch * n), best step "
                   + "\(cr.bestStep.map { "\($0)" } ?? "—") (\(String(format: "%.0f", BenchmarkSupport.now() - t0)) s)")
        if let saveModels {
            try FileManager.default.createDirectory(atPath: saveModels, withIntermediateDirectories: true)
            try fed.save(to: "\(saveModels)/fed-seed\(seed).h5")
            try central.save(to: "\(saveModels)/cen-seed\(seed).h5")
        }
        var locals: [ScenarioModel] = []
        var best: [String] = []
        t0 = BenchmarkSupport.now()
        for inst in institutions {
            let (m, r) = try centralModel(seed: seed, series: [inst.own.values], batchSize: batch, models: nil,
                                          config: ModelConfig.small.v2(), calibrate: false)
            locals.append(m)
            best.append(r.bestStep.map { "\($0)" } ?? "—")
            clock.done(1, nil)
        }
        clock.done(0, "seed \(seed): local-only \(n) models, best steps \(best.joined(separator: " ")) "
                   + "(\(String(format: "%.0f", BenchmarkSupport.now() - t0)) s)")

        var out = AssetSeedScores()
        t0 = BenchmarkSupport.now()
        print("    institution            arm    " + Score.allCases.map { $0.short.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined()
              + "calib")
        for (i, inst) in institutions.enumerated() {
            for (arm, model) in [("fed", fed), ("cen", central), ("loc", locals[i])] {
                let dynamics: AdaptedDynamics = pooledDynamics && arm != "loc" ? .received : .own
                let (s, boot, calib, rematch) = try assetScores(model, inst, seed: seed, dynamics: dynamics,
                                                       stream: UInt64(3 * i + (arm == "fed" ? 0 : arm == "cen" ? 1 : 2)))
                switch arm {
                case "fed": out.federated.append(s); out.federatedBoot.append(boot)
                case "cen": out.centralized.append(s); out.centralizedBoot.append(boot)
                default: out.locals.append(s); out.localsBoot.append(boot)
                }
                print("    " + inst.own.name.padding(toLength: 22, withPad: " ", startingAt: 0) + " " + arm + "    "
                      + s.map { String(format: "%-10.4f", $0) }.joined() + String(format: "%+.3f", calib)
                      + (rematch.map { r in
                          String(format: "  rematch k %.2f f %.2f crit %.4f (current %.4f) best k %.2f f %.2f gain %.4f "
                                 + "SE %.4f tail %.3f/%.3f/%.3f refused %d", r.candidates[r.kept].shockScale,
                                 r.candidates[r.kept].persistenceFactor, r.candidates[r.kept].criterion,
                                 r.candidates[0].criterion, r.candidates[r.best].shockScale,
                                 r.candidates[r.best].persistenceFactor, r.candidates[r.best].gain,
                                 r.candidates[r.best].gainSE, r.candidates[r.kept].tailIndex, r.candidates[0].tailIndex,
                                 r.trainingTailIndex,
                                 r.candidates.dropFirst().filter { $0.criterion.isFinite && !$0.admissible }.count) }
                         ?? ""))
            }
            clock.done(3, "seed \(seed): scored \(inst.own.name)")
        }
        clock.done(0, "seed \(seed): scored \(3 * n) adapted models (\(String(format: "%.0f", BenchmarkSupport.now() - t0)) s)")
        return out
    }

    /// The scores of `model` adapted to `inst` (Score order; VaR and ES relative), bootstrap
    /// replicates, and the calibration's relative variance error.
    func assetScores(_ model: ScenarioModel, _ inst: AssetInstitution, seed: UInt64, dynamics: AdaptedDynamics,
                     stream: UInt64) throws -> ([Double], [[Double]], Double, DependenceRematch?) {
        let calibration = VolatilityCalibrationOptions(paths: calibrationPaths, horizon: 250, iterations: 4,
                                                       tolerance: 0.02, seed: 0, threads: threads)
        let adapted = try model.adaptingVolatility(to: inst.own, trainFraction: 1 - selectionFraction,
                                                   calibration: calibration, resetOutputPrior: ownPrior,
                                                   dynamics: dynamics,
                                                   rematch: rematchDependence
                                                       ? DependenceRematchOptions(paths: rematchPaths, seed: 0, threads: threads)
                                                       : nil)
        let m = adapted.model
        let nll = -(try m.logLikelihood(returns: inst.test))
        let set = try m.generate(GenerationOptions(paths: paths, horizon: inst.horizon, regime: .unconditional,
                                                   prompt: Array(inst.own.values.suffix(sequenceLength)),
                                                   seed: 1000 + seed, threads: threads))
        let g = try GeneratedFacts(set.returns)
        func relative(_ s: [Double]) -> [Double] {
            var r = s
            r[Score.var99.rawValue] /= inst.scored.var99
            r[Score.es99.rawValue] /= inst.scored.es99
            return r
        }
        var rng = SeededRNG(seed: 0xA55E7 &+ seed, stream: stream)
        var reps: [[Double]] = []
        for _ in 0..<bootstrap {
            let idx = (0..<paths).map { _ in rng.int(below: paths) }
            reps.append(relative(try g.scores(real: inst.scored, nll: nll, paths: idx)))
        }
        return (relative(try g.scores(real: inst.scored, nll: nll)), reps, adapted.calibration?.relativeError ?? .nan,
                adapted.rematch)
    }

    func printAssetSummary(_ perSeed: [AssetSeedScores], names: [String]) {
        let k = Double(perSeed.count), n = names.count
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
        func sd(_ x: [Double]) -> Double {
            let m = mean(x)
            return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(max(x.count - 1, 1))).squareRoot()
        }
        print("  summary over \(perSeed.count) seeds and \(n) institutions (lower is better; VaR99 and ES99 relative). "
              + "fed, cen, local = mean over institutions and seeds; ratio = fed / cen (criterion ≤ 1.10); gen SE = "
              + "bootstrap SE of the ratio (generated paths); seeds = min–max of per-seed ratios, seed SE = their sd / "
              + "√seeds; assets ≤1.10 = institutions whose own fed/cen ratio (seed means) is ≤ 1.10; fed<local = "
              + "institutions where fed beats their local-only model; median gain = median over institutions of "
              + "(local − fed), seed means, in bootstrap SEs (criterion > 0)")
        print("    score      fed        cen        ratio  gen SE  seeds        seed SE  ≤1.10  assets≤1.10  local      "
              + "fed<local  median gain  verdict")
        var missed: [String] = []
        var perAsset: [[(Double, Bool)]] = Array(repeating: [], count: n)
        for score in Score.allCases {
            let s = score.rawValue
            func armMean(_ x: [[Double]]) -> Double { mean(x.map { $0[s] }) }
            let fed = mean(perSeed.map { armMean($0.federated) }), cen = mean(perSeed.map { armMean($0.centralized) })
            let loc = mean(perSeed.map { armMean($0.locals) })
            let ratio = fed / cen
            let seedRatios = perSeed.map { armMean($0.federated) / armMean($0.centralized) }
            func assetMean(_ arm: KeyPath<AssetSeedScores, [[Double]]>, _ i: Int) -> Double {
                mean(perSeed.map { $0[keyPath: arm][i][s] })
            }
            let gains = (0..<n).map { assetMean(\.locals, $0) - assetMean(\.federated, $0) }
            let assetRatios = (0..<n).map { assetMean(\.federated, $0) / assetMean(\.centralized, $0) }
            for i in 0..<n { perAsset[i].append((assetRatios[i], gains[i] > 0)) }
            var bootRatios: [Double] = [], bootGains: [Double] = []
            for b in 0..<bootstrap {
                func rep(_ arm: KeyPath<AssetSeedScores, [[[Double]]]>, _ i: Int) -> Double {
                    mean(perSeed.map { $0[keyPath: arm][i][b][s] })
                }
                bootRatios.append(mean((0..<n).map { rep(\.federatedBoot, $0) }) / mean((0..<n).map { rep(\.centralizedBoot, $0) }))
                bootGains.append(BenchmarkSupport.median((0..<n).map { rep(\.localsBoot, $0) - rep(\.federatedBoot, $0) }))
            }
            let medianGain = BenchmarkSupport.median(gains)
            let within = ratio <= 1.10, better = medianGain > 0
            if !(within && better) { missed.append(score.short) }
            // The NLL is not generated: its median gain has no path noise.
            let gain = score == .nll ? "exact  " : String(format: "%+7.1f", medianGain / max(sd(bootGains), 1e-300))
            let seedSE = perSeed.count > 1 ? String(format: "%5.3f", sd(seedRatios) / k.squareRoot()) : "—    "
            print(String(format: "    %@ %-9.4f  %-9.4f  %5.3f  %5.3f   %5.3f–%5.3f  %@    %@    %2d/%-2d        %-9.4f  "
                         + "%2d/%-2d      %@      %@",
                         score.short.padding(toLength: 10, withPad: " ", startingAt: 0) as NSString, fed, cen, ratio,
                         sd(bootRatios), seedRatios.min()!, seedRatios.max()!, seedSE as NSString,
                         (within ? "yes" : "NO ") as NSString, assetRatios.filter { $0 <= 1.10 }.count, n, loc,
                         gains.filter { $0 > 0 }.count, n, gain as NSString,
                         (within && better ? "met" : "NOT MET") as NSString))
        }
        print("  criterion (every score: mean within 10 % of centralized, and the median institution better off than "
              + "with its local-only model): " + (missed.isEmpty ? "MET" : "NOT MET (\(missed.joined(separator: ", ")))"))
        print("  per institution: fed / cen ratio per score (seed means); + = fed beats the local-only model")
        print("    institution            " + Score.allCases.map { $0.short.padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())
        for (name, row) in zip(names, perAsset) {
            print("    " + name.padding(toLength: 22, withPad: " ", startingAt: 0) + " "
                  + row.map { String(format: "%5.3f %@    ", $0.0, $0.1 ? "+" : "-") }.joined())
        }
    }
}

/// Elapsed time and ETA over weighted units of work, printed as one line per finished arm.
final class AssetProgress {
    let total: Double
    let start = BenchmarkSupport.now()
    private var completed = 0.0

    init(total: Double) { self.total = total }

    /// Adds `units` of finished work and prints `message` (if any) with the elapsed time and ETA.
    func done(_ units: Double, _ message: String?) {
        completed += units
        guard let message else { return }
        let elapsed = BenchmarkSupport.now() - start
        let eta = completed > 0 ? elapsed / completed * (total - completed) : .nan
        print(String(format: "  [%3.0f %%, %@ elapsed, ETA %@] ", 100 * completed / total,
                     Self.clock(elapsed) as NSString, Self.clock(eta) as NSString) + message)
        fflush(nil)     // every stream: the lines reach a log file while the run goes on
    }

    static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return String(format: "%d:%02d", t / 60, t % 60)
    }
}
