import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated
import TGFLStats

/// `tgfl-bench joint`: issue 17's benchmark, TGFL side. Trains a joint model on the first 80 %
/// of a multi-column bundled file and writes what `Benchmarks/joint_baselines.py` scores
/// against the real data and the baselines (CCC-GARCH, bootstrap of whole days, independent
/// assets):
///
/// ```
/// <out>/real.csv                day,label,<assets>      every day, market regime from the model's filters
/// <out>/tgfl_unconditional.csv  path,day,regime,<assets>
/// <out>/tgfl_regime_<g>.csv     path,day,regime,<assets> one-day scenarios under regime g
/// <out>/tgfl_long.csv           path,day,regime,<assets> the 200 × 250 unconditional days the single-asset targets score
/// <out>/model.json              assets, split day, each asset's GJR-GARCH and regime thresholds
/// ```
/// With `--clients N` the model is trained federated instead (`JointFederation`, FedAvg): the
/// training days are cut into N consecutive periods, one per institution (as
/// `tgfl federate-joint` does), and the round with the lowest loss on the held-out 20 % is kept
/// (as central training keeps its best step).
struct JointBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "joint", abstract: "Issue 17: train a joint model and write its scenarios for joint_baselines.py.")

    @Option(help: "Bundled multi-column series: eu_stocks, crsp_daily or fx_usd_1980.")
    var bundled: String = "eu_stocks"

    @Option(help: "Optimizer steps.") var steps: Int = 800
    @Option(help: "Unconditional paths.") var paths: Int = 1000
    @Option(help: "Days per unconditional path.") var horizon: Int = 20
    @Option(name: .customLong("regime-paths"), help: "One-day scenarios per regime.") var regimePaths: Int = 20000
    @Option(help: "Seed.") var seed: UInt64 = 42
    @Option(help: "Volatility levels per asset.") var levels: Int = 8
    @Option(help: "Peak learning rate.") var learningRate: Double = 1e-3
    @Option(help: "Steps between validation evaluations (the best one is kept).") var evaluateEvery: Int = 20
    @Option(help: "Base architecture: demo (V=256 T=64 C=64 L=2) or tiny (V=128 T=32 C=32 L=1).") var size: String = "demo"
    @Option(help: "Institutions of a federated run (0: central training).") var clients: Int = 0
    @Option(help: "Federated rounds.") var rounds: Int = 20
    @Option(name: .customLong("local-steps"), help: "Local steps per institution and round.") var localSteps: Int = 10
    @Flag(name: .customLong("start-at-regime-mean"), help: ArgumentHelp(
        "The one-day regime scenarios start every path at each asset's mean variance of the regime's band (the "
        + "start before 2026-12-05 session 7) instead of inside the band: for the before/after comparison."))
    var startAtRegimeMean = false
    @Flag(name: .customLong("no-copula"), help: ArgumentHelp(
        "Generate with independent uniforms instead of the model's t copula (the comparison of session 8)."))
    var noCopula = false
    @Flag(name: .customLong("regime-starts"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit market-regime starts (JointRegimeStarts, session 19; default on); with --from-model, fitted on the "
        + "first 80 % under the stored filters when the model has none. --no-regime-starts: none."))
    var regimeStarts = JointDataSettings().regimeStarts
    @Flag(name: .customLong("band-map"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit the z band map (JointBandMap, sessions 20–21; default on); with --from-model, fitted on the first 80 % under "
        + "the stored filters when the model has none, calibrated, and the variance calibration run again. --no-band-map: none."))
    var bandMap = JointDataSettings().bandMap
    @Flag(name: .customLong("regime-z-tail"), inversion: .prefixedNo, help: ArgumentHelp(
        "Fit a regime z tail map (JointRegimeTailMap, session 20; default off); with --from-model, fitted on the first "
        + "80 % under the stored filters when the model has none, and calibrated."))
    var regimeTailMap = JointDataSettings().regimeTailMap
    @Option(name: .customLong("from-model"), help: ArgumentHelp(
        "Skip training: load this joint checkpoint (written by the same command without the z tail map or the variance "
        + "calibration), fit what it lacks of them on its training days and calibrate (training does not depend on either, "
        + "so this equals a run that trains; session 15's and 16's after rows from the before rows' networks)."))
    var fromModel: String?
    @Option(help: ArgumentHelp("Whitening rule of a trained model: two-factor (default, session 18), return-correlation (session 17) or covariance (sessions 13–16).",
                               valueName: "rule")) var whitening: String = "two-factor"
    @Option(name: .customLong("copula-fit"), help: ArgumentHelp(
        "How the copula's ν is fitted: likelihood (default, sessions 8–22) or lower-tail (session 23: ν matched to the "
        + "training u's lower-tail coefficient at 5 %); with --from-model, lower-tail refits the loaded model's copula on "
        + "the first 80 % before anything is calibrated.", valueName: "rule")) var copulaFit: String = "likelihood"
    @Option(name: .customLong("start-dependence"), help: ArgumentHelp(
        "How the assets' day-0 volatilities depend on each other: comonotone (default: one uniform for every asset), "
        + "fitted (session 24: a Gaussian copula with the training days' rank correlation of σ) or independent; with --from-model, "
        + "fitted on the first 80 % under the stored filters before anything is calibrated.", valueName: "rule"))
    var startDependence: String = JointDataSettings().startDependence.rawValue
    @Option(name: .customLong("copula-nu"), help: ArgumentHelp(
        "With --from-model: set the loaded model's copula ν (R kept) and calibrate the z tail map, the band map and the "
        + "variance calibration again, as training does after its loop (session 25: a ν chosen on pilot paths, "
        + "Benchmarks/joint_copula_nu_pilot.py, with the calibrations refitted).", valueName: "ν")) var copulaNu: Double?
    @Option(help: "Output directory.") var out: String

    func run() throws {
        guard let series = BundledSeries(name: bundled) else { throw ValidationError("unknown --bundled \(bundled)") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let all = try MarketData.bundled(series).allLogReturns()
        let names = all.map { String($0.name.split(separator: ".").last!) }, columns = all.map(\.values)
        let base = size == "tiny"
            ? ModelConfig(vocabSize: 128, contextLength: 32, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64, nRegimes: 4)
            : ModelConfig(vocabSize: 256, contextLength: 64, dModel: 64, nLayers: 2, nHeads: 4, dFF: 256, nRegimes: 4)
        var model = try JointScenarioModel(config: JointScenarioModel.config(base: base, assets: names.count, levels: levels),
                                           assets: names.count, seed: seed)
        let started = Date()
        var data = JointDataSettings()
        do { data.whitening = try JointDataModels.Whitening(fittableName: whitening, what: "--whitening") } catch TGFLError.invalidArgument(let message) {
            throw ValidationError(message)
        }
        data.regimeStarts = regimeStarts
        data.bandMap = bandMap
        data.regimeTailMap = regimeTailMap
        guard let copulaRule = JointDataModels.CopulaFit(rawValue: copulaFit) else {
            throw ValidationError("--copula-fit must be likelihood or lower-tail, got \(copulaFit)")
        }
        data.copulaFit = copulaRule
        guard let startRule = JointStartDependence.Rule(rawValue: startDependence) else {
            throw ValidationError("--start-dependence must be comonotone, fitted or independent, got \(startDependence)")
        }
        data.startDependence = startRule
        if copulaNu != nil, fromModel == nil { throw ValidationError("--copula-nu needs --from-model") }
        if let fromModel {
            let loaded = try JointScenarioModel.load(from: fromModel)
            if copulaRule == .lowerTail, let models = loaded.dataModels {
                let split = Int(0.8 * Double(columns[0].count))
                let u = try models.whitenedU(columns.map { Array($0.prefix(split)) })
                try loaded.setDataModels(try models.replacingCopula(
                    try JointDataModels.fitCopula(u: u, tokenizer: models.tokenizer, rule: .lowerTail)))
            }
            if startRule != .comonotone, let models = loaded.dataModels, models.startDependence == nil {
                let split = Int(0.8 * Double(columns[0].count))
                try loaded.setDataModels(try models.replacingStartDependence(
                    try JointStartDependence.fit(rule: startRule, trainingSpans: [columns.map { Array($0.prefix(split)) }],
                                                 models: models)))
            }
            if let copulaNu {
                guard let models = loaded.dataModels, let copula = models.copula else {
                    throw ValidationError("--copula-nu: \(fromModel) has no t copula")
                }
                try loaded.setDataModels(try models.replacingCopula(try StudentTCopula(
                    correlation: copula.correlation, dimension: copula.dimension, degreesOfFreedom: copulaNu)))
                try loaded.calibrateTails()
                try loaded.calibrateBands()
                _ = try loaded.calibrateVariance()
            }
            model = try Self.withTailMap(loaded, columns: columns, bandMap: bandMap)
            if regimeStarts, let models = model.dataModels, models.regimeStarts == nil {
                let split = Int(0.8 * Double(columns[0].count))
                try model.setDataModels(try models.replacingRegimeStarts(
                    try JointRegimeStarts.fit(trainingSpans: [columns.map { Array($0.prefix(split)) }], models: models)))
            }
            if regimeTailMap, let models = model.dataModels, models.regimeTailMap == nil {
                let split = Int(0.8 * Double(columns[0].count))
                try model.setDataModels(try models.replacingRegimeTailMap(
                    try JointRegimeTailMap.fit(trainingSpans: [columns.map { Array($0.prefix(split)) }], models: models)))
                try model.calibrateRegimeTails()
            }
            print("\(bundled): \(names.joined(separator: ",")), \(columns[0].count) days; loaded \(fromModel) (not trained)")
        } else if clients > 0 {
            let split = Int(0.8 * Double(columns[0].count))
            let institutions = (0..<clients).map { c in columns.map { Array($0[(c * split / clients)..<((c + 1) * split / clients)]) } }
            var options = JointFederationOptions(rounds: rounds, localSteps: localSteps, batchSize: 32,
                                                 learningRate: learningRate, seed: seed)
            options.heldOut = JointHeldOutDays(columns: columns, fromDay: split)
            options.restoreBestRound = true
            options.data = data
            let report = try JointFederation.federate(model: model, institutions: institutions, names: names,
                                                      options: options) { p in
                FileHandle.standardError.write(Data("round \(p.record.round)/\(rounds) train \(p.trainLoss) held-out \(p.heldOutLoss ?? .nan)\n".utf8))
                return true
            }
            print("\(bundled): \(names.joined(separator: ",")), \(columns[0].count) days; federated \(clients) institutions × "
                  + "\(rounds) rounds × \(localSteps) local steps in " + String(format: "%.0f s", Date().timeIntervalSince(started))
                  + ", kept round \(report.bestRound ?? rounds) (held-out loss "
                  + "\(report.bestRound.flatMap { report.heldOutLosses[$0 - 1] } ?? .nan))")
        } else {
            var options = TrainingOptions(steps: steps, batchSize: 32, learningRate: learningRate, minLearningRate: learningRate / 10,
                                          validationFraction: 0.2, evaluateEvery: evaluateEvery, seed: seed)
            options.restoreBest = true
            let report = try model.fit(columns: columns, names: names, options: options, data: data) { p in
                if p.step % 100 == 0 { FileHandle.standardError.write(Data("step \(p.step)/\(p.totalSteps) loss \(p.trainLoss)\n".utf8)) }
                return true
            }
            print("\(bundled): \(names.joined(separator: ",")), \(columns[0].count) days; trained \(report.stepsRun) steps in "
                  + String(format: "%.0f s", Date().timeIntervalSince(started))
                  + ", train loss \(report.finalTrainLoss), best validation loss \(report.bestValidationLoss ?? .nan) at step \(report.bestStep ?? 0)")
        }
        try model.save(to: out + "/model.h5")
        if noCopula { try model.setDataModels(try model.dataModels!.replacingCopula(nil)) }
        let models = model.dataModels!
        if let c = models.copula {
            let K = c.dimension
            let off = (0..<K).flatMap { i in (0..<K).filter { $0 != i }.map { c.correlation[i * K + $0] } }
            print("copula: ν = \(c.degreesOfFreedom.map { "\($0)" } ?? "∞ (Gaussian)"), R off-diagonal "
                  + String(format: "%.3f … %.3f", off.min() ?? 0, off.max() ?? 0)
                  + String(format: ", λ_L at ρ = 0: %.3f", StudentTCopula.tailDependence(rho: 0, degreesOfFreedom: c.degreesOfFreedom)))
        } else {
            print("copula: none (independent uniforms)")
        }
        if let dependence = models.startDependence {
            let K = dependence.count
            let off = dependence.correlations.map { c in
                String(format: "%.3f", (0..<K).flatMap { i in (0..<K).filter { $0 != i }.map { c[i * K + $0] } }.reduce(0, +)
                    / Double(max(K * (K - 1), 1)))
            }
            print("start dependence: mean off-diagonal rank correlation of σ per market regime \(off.dropLast().joined(separator: " / ")), "
                  + "all days \(off.last!)")
        } else {
            print("start dependence: comonotone (one uniform for every asset)")
        }
        let encoded = try models.encode(columns)
        var real = ["day,label," + names.joined(separator: ",")]
        for t in 0..<columns[0].count {
            real.append("\(t),\(encoded.regimes[t])," + columns.map { "\($0[t])" }.joined(separator: ","))
        }
        try (real.joined(separator: "\n") + "\n").write(toFile: out + "/real.csv", atomically: true, encoding: .utf8)
        let unconditional = try model.generate(JointGenerationOptions(paths: paths, horizon: horizon, seed: seed &+ 1))
        try write(unconditional, to: out + "/tgfl_unconditional.csv")
        for g in 0..<models.regimeNames.count {
            if startAtRegimeMean { try model.setDataModels(try Self.startingAtMean(models, regime: g)) }
            let set = try model.generate(JointGenerationOptions(paths: regimePaths, horizon: 1, regime: .fixed(g), seed: seed &+ 2))
            try write(set, to: out + "/tgfl_regime_\(g).csv")
        }
        try model.setDataModels(models)
        let split = Int(0.8 * Double(columns[0].count))
        // Issue 12's single-asset realism targets for each asset of the joint scenarios (200 × 250
        // days, unconditional), scored as a one-asset v2 model with that asset's filter and bands
        // would be; no GARCH baselines here, so the ACF and leverage targets stay unchecked.
        let long = try model.generate(JointGenerationOptions(paths: 200, horizon: 250, seed: seed &+ 3))
        try write(long, to: out + "/tgfl_long.csv")
        if let map = models.zTail, let sources = map.sources {
            for k in 0..<names.count {
                let f = { (v: [Double]) in v.map { String(format: "%+.3f", $0) }.joined(separator: " ") }
                print("z tail map, \(names[k]): training z at 0.5/1/2.5/97.5/99/99.5 % \(f(map.targets[k])); "
                      + "pilots at 0.5/1/2.5/5/95/97.5/99/99.5 % \(f(sources[k]))")
            }
        } else {
            print("z tail map: none")
        }
        if let map = models.regimeTailMap, let sources = map.sources {
            for g in 0..<map.regimes {
                for k in 0..<names.count {
                    let f = { (v: [Double]) in v.map { String(format: "%+.3f", $0) }.joined(separator: " ") }
                    print("regime z tail map, \(models.regimeNames[g]), \(names[k]): training z at 1/2.5/5/10/25/50/75/90/95/97.5/99 % "
                          + "\(f(map.targets[g][k])); pilots \(f(sources[g][k]))")
                }
            }
        } else {
            print("regime z tail map: none")
        }
        if let c = models.varianceCalibration, let scales = c.scales {
            for k in 0..<names.count {
                let r = long.asset(k).flatMap { $0 }, m = r.reduce(0, +) / Double(r.count)
                let v = r.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(r.count)
                print("variance calibration, \(names[k]): ω scale " + String(format: "%.4f", scales[k])
                      + String(format: "; training variance %.4g, 200 × 250 generated %.4g (ratio %.3f)", c.targets[k], v, v / c.targets[k]))
            }
        } else {
            print("variance calibration: none")
        }
        printZeroReturns(long, real: columns, split: split)
        for k in 0..<names.count {
            let single = try ScenarioModel(config: base.v2(levels: levels), seed: 0)
            try single.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes[k],
                                                volatility: models.volatility[k]))
            let card = try single.realismScorecard(real: columns[k], trainingDays: split, scenarios: long.asset(k),
                                                   references: RealismReferences(), seed: seed)
            print("\(names[k]): \(card.passedCount)/\(card.checkedCount) single-asset realism targets; missed: "
                  + card.targets.filter { $0.passed == false }.map(\.key).joined(separator: ", ")
                  + String(format: "; 1 %% VaR %.4f vs real %.4f, ES %.4f vs real %.4f; fair KS p %.3g", card.metrics.syntheticVaR,
                           card.metrics.realVaR, card.metrics.syntheticES, card.metrics.realES, card.metrics.ksFairPValue))
        }
        let info: [String: Any] = [
            "bundled": bundled, "assets": names, "days": columns[0].count, "split_day": split,
            "regime_names": models.regimeNames, "steps": steps, "seed": seed,
            "garch": models.volatility.map { v in
                ["mu": v.garch.mu, "omega": v.garch.omega, "alpha": v.garch.alpha, "gamma": v.garch.gamma,
                 "beta": v.garch.beta, "nu": v.garch.nu ?? 0, "sigma_floor": v.sigmaFloor, "sigma_cap": v.sigmaCap]
            },
            "regime_thresholds": models.regimes.map(\.thresholds),
            "copula_nu": models.copula.map { $0.degreesOfFreedom ?? 0 } ?? -1,
            "copula_correlation": models.copula?.correlation ?? [],
            "whitening": models.whitening.rawValue,
            "start_dependence": models.startDependence?.correlations ?? [],
        ]
        let json = try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: out + "/model.json"))
        print("wrote \(out)/{real.csv, tgfl_unconditional.csv, tgfl_regime_*.csv, model.json, model.h5}")
    }

    /// A loaded model with the z tail map fitted as `JointDataModels.fit` fits it (the training
    /// z of the first 80 % under the stored filters) and calibrated (`calibrateTails()`); as it
    /// is when the map is off (`TGFL_JOINT_Z_TAIL=0`) or already there.
    /// Then, the same way, the variance calibration's targets (the first 80 %'s variances) when
    /// the model has none and it is on (`TGFL_JOINT_VARIANCE` not 0), calibrated (`calibrateVariance()`).
    /// Then, with `bandMap`, the z band map (`JointBandMap.fit` on the same training z and each asset's
    /// bands) when the model has none, calibrated (`calibrateBands()`), and the variance calibration again.
    static func withTailMap(_ model: JointScenarioModel, columns: [[Double]], bandMap: Bool = false) throws -> JointScenarioModel {
        guard let models = model.dataModels else { return model }
        let split = Int(0.8 * Double(columns[0].count))
        let sigmas = zip(models.volatility, columns).map { v, c in v.variances(Array(c.prefix(split))).map { $0.squareRoot() } }
        let z = (0..<columns.count).map { k in
            zip(columns[k].prefix(split), sigmas[k]).map { ($0 - models.volatility[k].garch.mu) / $1 }
        }
        if models.zTail == nil, JointTailMap.enabledByDefault {
            try model.setDataModels(try models.replacingZTail(try JointTailMap.fit(z: z)))
            try model.calibrateTails()
        }
        var recalibrate = false
        if bandMap, let fitted = model.dataModels, fitted.bandMap == nil {
            let bands = (0..<columns.count).map { k in sigmas[k].map { Int(fitted.regimes[k].label(volatility: $0)) } }
            try model.setDataModels(try fitted.replacingBandMap(try JointBandMap.fit(z: z, bands: bands, count: fitted.regimeNames.count)))
            try model.calibrateBands()
            recalibrate = true
        }
        if let fitted = model.dataModels, fitted.varianceCalibration == nil, JointVarianceCalibration.enabledByDefault {
            try model.setDataModels(try fitted.replacingVarianceCalibration(
                try JointVarianceCalibration.fit(spans: [columns.map { Array($0.prefix(split)) }], assets: fitted.assets)))
            recalibrate = true
        }
        if recalibrate { try model.calibrateVariance() }
        return model
    }

    /// `models` whose training distribution of σ is the point `regimeVariances[g]` for every
    /// asset, so that a run under regime g starts where generation started before session 7.
    static func startingAtMean(_ models: JointDataModels, regime g: Int) throws -> JointDataModels {
        let volatility = try models.volatility.map { v in
            try VolatilityModel(garch: v.garch, levelEdges: v.levelEdges, regimeVariances: v.regimeVariances,
                                initialLogSigmaQuantiles: [Double](repeating: 0.5 * log(v.targetVariance(regime: g)), count: 2),
                                sigmaFloor: v.sigmaFloor, sigmaCap: v.sigmaCap)
        }
        return try JointDataModels(assets: models.assets, tokenizer: models.tokenizer, volatility: volatility,
                                   regimes: models.regimes, cholesky: models.cholesky, encodingCholesky: models.encodingCholesky,
                                   whitening: models.whitening,
                                   copula: models.copula, zeroReturns: models.zeroReturns, zTail: models.zTail)
    }

    /// Exact-zero returns, real (training days / all days) against the 200 × 250 unconditional
    /// days: each asset's share of zeros, and the share of days with m = 0 … K assets at zero.
    private func printZeroReturns(_ set: JointScenarioSet, real columns: [[Double]], split: Int) {
        let K = columns.count
        func profile(_ days: [[Double]]) -> (perAsset: [Double], byCount: [Double]) {
            var perAsset = [Double](repeating: 0, count: K), byCount = [Double](repeating: 0, count: K + 1)
            for day in days {
                for k in 0..<K where day[k] == 0 { perAsset[k] += 1 }
                byCount[day.filter { $0 == 0 }.count] += 1
            }
            let n = Double(max(days.count, 1))
            return (perAsset.map { 100 * $0 / n }, byCount.map { 100 * $0 / n })
        }
        let realDays = (0..<columns[0].count).map { t in columns.map { $0[t] } }
        func text(_ v: [Double]) -> String { v.map { String(format: "%.2f", $0) }.joined(separator: " / ") }
        for (name, days) in [("real, training days", Array(realDays.prefix(split))), ("real, all days", realDays),
                             ("generated", set.returns.flatMap { $0 })] {
            let p = profile(days)
            print("zero returns, \(name): % of days per asset \(text(p.perAsset)); % of days with 0…\(K) zeros \(text(p.byCount))")
        }
    }

    private func write(_ set: JointScenarioSet, to path: String) throws {
        var lines = ["path,day,regime," + set.assets.joined(separator: ",")]
        lines.reserveCapacity(set.pathCount * set.horizon + 1)
        for p in 0..<set.pathCount {
            for d in 0..<set.horizon {
                lines.append("\(p),\(d),\(set.regimes[p][d])," + set.returns[p][d].map { "\($0)" }.joined(separator: ","))
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
