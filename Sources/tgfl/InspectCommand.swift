import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated

/// `tgfl inspect`: what a checkpoint holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a checkpoint's config, parameter count, tokenizer, regimes, training and federation records.")

    @Argument(help: ArgumentHelp("Checkpoint (.h5).", valueName: "model.h5"))
    var model: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        setUpLogging()
        try requireReadableFile(model, what: "checkpoint")
        let checkpoint = try Checkpoint.load(from: model)
        if checkpoint.joint != nil { return try inspectJoint(checkpoint) }
        let scenarioModel = try ScenarioModel.load(from: model)
        let info = CheckpointSummary(path: model, libraryVersion: checkpoint.libraryVersion, model: scenarioModel)
        print(json ? try jsonText(info.dictionary) : info.text, terminator: json ? "" : "\n")
    }
}

extension InspectCommand {
    /// A joint model (issue 17): the network's summary and the assets of its `/joint` section.
    func inspectJoint(_ checkpoint: Checkpoint) throws {
        let joint = try JointScenarioModel.load(from: model)
        let models = joint.dataModels!
        let info = CheckpointSummary(path: model, libraryVersion: checkpoint.libraryVersion, model: joint.network)
        if json {
            var d = info.dictionary
            var section: [String: Any] = ["assets": models.assets, "levels_per_asset": models.levelsPerAsset,
                                          "regimes": models.regimeNames, "format_version": checkpoint.writtenFormatVersion,
                                          "whitening": models.whitening.rawValue]
            if let copula = models.copula {
                // ν = ∞ (a Gaussian copula) is null, as in tgfl_joint_info: JSON has no infinity.
                let nu: Any = copula.degreesOfFreedom.map { $0 as Any } ?? NSNull()
                section["copula"] = ["degrees_of_freedom": nu, "correlation": copula.correlation] as [String: Any]
            }
            d["joint"] = section
            print(try jsonText(d), terminator: "")
        } else {
            print(info.text)
            print("joint model: \(models.count) assets (\(models.assets.joined(separator: ", "))), "
                  + "\(models.levelsPerAsset) volatility levels each; the tokenizer, each asset's filter and regimes and "
                  + "the per-regime whitening are in /joint (tgfl generate-joint, tgfl stress)")
            if let copula = models.copula {
                print("copula of the day's shocks: " + (copula.degreesOfFreedom.map { "Student t, ν = \($0)" } ?? "Gaussian")
                      + " (generate with --no-copula to draw the assets independently given the past)")
            } else {
                print("copula: none (a model saved before session 8: the day's draws are independent given the past)")
            }
        }
    }
}

/// The facts `inspect` shows, as text or as a JSON dictionary.
struct CheckpointSummary {
    let path: String
    let libraryVersion: String
    let model: ScenarioModel

    var dictionary: [String: Any] {
        let c = model.config
        var d: [String: Any] = [
            "path": path, "library_version": libraryVersion,
            "model_config": (try? JSONSerialization.jsonObject(with: Data(c.jsonString().utf8))) ?? [:],
            "parameter_count": model.transformer.parameterCount,
            "optimizer_step": model.optimizerState.map { $0.step as Any } ?? NSNull(),
        ]
        if let t = model.tokenizer {
            d["tokenizer"] = ["kind": ReturnTokenizer.kind, "bins": t.vocabSize, "mean": t.mean, "std": t.std,
                              "clip_sigma": t.clipSigma, "range": [t.range.lowerBound, t.range.upperBound],
                              "bin_width": t.binWidth]
        } else { d["tokenizer"] = NSNull() }
        if let r = model.regimeModel {
            d["regimes"] = ["kind": r.basis.rawValue, "names": r.names, "window": r.window,
                            "quantile_levels": r.quantileLevels, "thresholds": r.thresholds]
        } else { d["regimes"] = NSNull() }
        if let v = model.volatilityModel {
            let g = v.garch
            d["volatility"] = ["kind": VolatilityModel.kind, "variance": g.specification.variance.rawValue,
                               "innovations": g.specification.innovations.rawValue, "mu": g.mu, "omega": g.omega,
                               "alpha": g.alpha, "gamma": g.gamma, "beta": g.beta, "persistence": g.persistence,
                               "levels": v.levels, "sigma_floor": v.sigmaFloor, "sigma_cap": v.sigmaCap,
                               "regime_variances": v.regimeVariances]
        }
        let h = model.history
        var history: [String: Any] = ["records": h.records.count, "summary": h.summary]
        if let last = h.records.last {
            history["last_step"] = last.step
            history["last_train_loss"] = last.trainLoss
            history["last_learning_rate"] = last.learningRate
            if let v = last.valLoss { history["last_validation_loss"] = v }
        }
        if let best = h.records.compactMap(\.valLoss).min() { history["best_validation_loss"] = best }
        d["training"] = history
        if let f = model.records[FederationRecord.recordName] {
            d["federation"] = (try? JSONSerialization.jsonObject(with: Data(f.utf8))) ?? f
        } else { d["federation"] = NSNull() }
        if let p = model.records[PretrainingRecord.recordName] {
            d["pretraining"] = (try? JSONSerialization.jsonObject(with: Data(p.utf8))) ?? p
        } else { d["pretraining"] = NSNull() }
        return d
    }

    var text: String {
        let c = model.config
        var lines = ["checkpoint   \(path) (written by TGFL \(libraryVersion))",
                     "config       \(describe(c))",
                     "parameters   \(model.transformer.parameterCount)"]
        if let step = model.optimizerState?.step { lines.append("optimizer    AdamW state at step \(step)") }
        if let t = model.tokenizer {
            lines.append("tokenizer    \(ReturnTokenizer.kind)\(model.volatilityModel == nil ? "" : " (of z = (r − μ)/σ)"), \(t.vocabSize) bins over "
                         + String(format: "[%.4f, %.4f] (±%.0fσ, σ = %.5f, mean %.6f, bin width %.5f)",
                                  t.range.lowerBound, t.range.upperBound, t.clipSigma, t.std, t.mean, t.binWidth))
        } else {
            lines.append("tokenizer    none (untrained model)")
        }
        if let v = model.volatilityModel {
            let g = v.garch
            lines.append(String(format: "volatility   GJR-GARCH(1,1) filter: μ %.3g ω %.3g α %.4f γ %.4f β %.4f (persistence %.4f); "
                                + "%d levels; σ in [%.5f, %.5f]", g.mu, g.omega, g.alpha, g.gamma, g.beta,
                                g.persistence, v.levels, v.sigmaFloor, v.sigmaCap))
        }
        if let r = model.regimeModel {
            lines.append("regimes      \(r.basis.rawValue), "
                         + (r.basis == .trailingRealized ? "\(r.window)-day trailing volatility"
                                                         : "bands of the filtered volatility σ_t"))
            for (i, name) in r.names.enumerated() {
                let lo = i == 0 ? 0 : r.thresholds[i - 1]
                let range = i < r.thresholds.count
                    ? String(format: "%.5f ≤ vol < %.5f", lo, r.thresholds[i]) : String(format: "vol ≥ %.5f", lo)
                let annual = String(format: "%.1f%%", lo * 252.0.squareRoot() * 100)
                lines.append("  \(i) \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(range)  "
                             + "(from \(annual) annualized)")
            }
        } else {
            lines.append("regimes      none (untrained model)")
        }
        let h = model.history
        if let last = h.records.last {
            var line = "training     \(h.records.count) records, last step \(last.step), train loss "
                + ProgressFormat.metric(last.trainLoss)
            if let best = h.records.compactMap(\.valLoss).min() { line += ", best validation loss \(ProgressFormat.metric(best))" }
            lines.append(line)
        } else {
            lines.append("training     no records")
        }
        for (k, v) in h.summary.sorted(by: { $0.key < $1.key }) { lines.append("  \(k): \(v)") }
        if let p = try? model.pretrainingRecord() {
            lines.append("pretraining  \(p.steps) steps (kept step \(p.bestStep.map(String.init) ?? "last")) on "
                         + "\(p.series.count) series, \(p.days) days: " + p.series.joined(separator: ", "))
            if !p.fineTunedOn.isEmpty { lines.append("  fine-tuned on: " + p.fineTunedOn.joined(separator: ", ")) }
        }
        if let f = model.records[FederationRecord.recordName] {
            lines.append("federation")
            if let obj = try? JSONSerialization.jsonObject(with: Data(f.utf8)) as? [String: Any] {
                for (k, v) in obj.sorted(by: { $0.key < $1.key }) {
                    let value: String
                    if let data = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
                        value = String(decoding: data, as: UTF8.self)
                    } else { value = "\(v)" }
                    lines.append("  \(k): \(value.count > 200 ? String(value.prefix(200)) + "…" : value)")
                }
            } else { lines.append("  \(f)") }
        } else {
            lines.append("federation   none (central training)")
        }
        return lines.joined(separator: "\n")
    }
}
