import ArgumentParser
import Foundation
import TGFLCore
import TGFLFederated

/// `tgfl audit`: an empirical privacy audit of a trained model against its training series.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Privacy audit: membership inference (AUC, TPR at 1 % FPR), copied token runs, distance to closest record.",
        discussion: """
            The series is split as training did: the first (1 − val-fraction) of the days are the \
            training span (members), the rest the held-out span (non-members). Each is cut into \
            non-overlapping windows of --window days; a window's score is its mean log-likelihood \
            under the model minus that under --reference (LiRA-style likelihood ratio) or, without \
            one, under the training span's token marginal (which absorbs the volatility difference \
            between the periods; the uncalibrated loss attack is printed too). \
            The reference must not have been trained on either span (e.g. a model of another \
            market): one trained on the held-out span scores non-members higher and inflates the AUC. \
            AUC ≈ 0.5 and TPR ≈ 0.01 at 1 % FPR: the attack cannot tell members from non-members.

            Generated paths are also compared with the data: the longest run of tokens copied \
            from an equal-length training segment vs from the held-out span, and the median \
            distance to the closest training window over that to the closest held-out window \
            (DCR ratio ≈ 1: no closer to training than to unseen data). With --non-member-data the \
            non-members come from another series the model never saw (same period or process), which \
            removes the time shift that confounds a held-out-period test.

            Example:
              tgfl audit --model fed.h5 --data prices.csv --column close --json audit.json
            """)

    @Option(help: ArgumentHelp("Trained checkpoint (.h5) to audit.", valueName: "file"))
    var model: String

    @Option(help: ArgumentHelp("Reference checkpoint trained on neither span (optional).", valueName: "file"))
    var reference: String?

    @OptionGroup var source: DataOptions

    @Option(name: .customLong("val-fraction"), help: "The held-out fraction training used (the last days).")
    var valFraction: Double = 0.2

    @Option(name: .customLong("non-member-data"), help: ArgumentHelp(
        "CSV of a series the model never saw, from the same period or process (read with the same column "
        + "options), used as the non-members instead of the held-out span: no time shift between the sets.",
        valueName: "file"))
    var nonMemberData: String?

    @Option(help: ArgumentHelp("Days per membership window (default: the model's context length).", valueName: "days"))
    var window: Int?

    @Option(help: "Generated paths for the copying and distance statistics.")
    var paths: Int = 200

    @Option(name: .customLong("dcr-days"), help: "Days per record for the distance to closest record.")
    var dcrDays: Int = 20

    @Option(help: "Seed of the generation.")
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Also write the results as JSON.", valueName: "file"))
    var json: String?

    func validate() throws {
        guard valFraction > 0, valFraction < 1 else { throw ValidationError("--val-fraction must be in (0, 1), got \(valFraction)") }
        if let window, !(2...100_000).contains(window) { throw ValidationError("--window must be in 2...100000, got \(window)") }
        guard (1...100_000).contains(paths) else { throw ValidationError("--paths must be in 1...100000, got \(paths)") }
        guard (1...10_000).contains(dcrDays) else { throw ValidationError("--dcr-days must be in 1...10000, got \(dcrDays)") }
    }

    func run() throws {
        setUpLogging()
        if let json { try requireOutputDirectory(for: json) }
        let target = try ScenarioModel.load(from: model)
        let ref = try reference.map { try ScenarioModel.load(from: $0) }
        let (train, holdout) = try spans()
        let w = window ?? target.config.contextLength
        let membership = try membershipInference(target: target, reference: ref, train: train, holdout: holdout, window: w)
        let copying = try copyingAndDistance(target: target, train: train, holdout: holdout, window: w)
        printResults(membership, copying, window: w, calibratedByReference: ref != nil)
        if let json { try writeJSON(membership, copying, window: w, calibratedByReference: ref != nil, to: json) }
    }

    /// The training span (members) and the non-members: the held-out span, or --non-member-data.
    private func spans() throws -> (train: [Double], holdout: [Double]) {
        let returns = try source.load().values
        let split = Int((Double(returns.count) * (1 - valFraction)).rounded(.down))
        let train = Array(returns[..<split])
        if let nonMemberData {
            let other = try DataOptions.load(path: nonMemberData, dateColumn: source.dateColumn, column: source.column,
                                             returnsColumn: source.returnsColumn).values
            return (train, other)
        }
        return (train, Array(returns[split...]))
    }

    /// Non-overlapping windows of `len` returns.
    private func windows(_ r: [Double], _ len: Int) -> [[Double]] {
        stride(from: 0, to: r.count - len + 1, by: len).map { Array(r[$0..<($0 + len)]) }
    }

    /// The membership attack's result.
    private struct Membership {
        var members = 0, nonMembers = 0
        var rawAUC = 0.0, auc = 0.0, tpr = 0.0
    }

    /// Scores windows of w + 1 returns (w predicted days) of both spans: the model's mean
    /// log-likelihood, calibrated by the reference's or, without one, by the training span's
    /// token marginal (add-one smoothed), which absorbs the difference in volatility level
    /// between the two periods.
    private func membershipInference(target: ScenarioModel, reference ref: ScenarioModel?, train: [Double],
                                     holdout: [Double], window w: Int) throws -> Membership {
        let members = windows(train, w + 1), nonMembers = windows(holdout, w + 1)
        guard members.count >= 2, nonMembers.count >= 2 else {
            throw CommandFailure("audit: \(source.sourceName) gives \(members.count) training and \(nonMembers.count) held-out "
                + "windows of \(w + 1) days; need at least 2 of each — use more data, a larger --val-fraction or a smaller --window")
        }
        let (vocabSize, tokens) = try encoder(of: target)
        var counts = [Double](repeating: 1, count: vocabSize)
        for t in try tokens(train) { counts[Int(t)] += 1 }
        let total = counts.reduce(0, +)
        let logMarginal = counts.map { Foundation.log($0 / total) }
        func marginalLL(_ x: [Double]) throws -> Double {
            let t = try tokens(x)
            return t[1...].reduce(0.0) { $0 + logMarginal[Int($1)] } / Double(t.count - 1)
        }
        func scores(_ xs: [[Double]]) throws -> (raw: [Double], calibrated: [Double]) {
            var raw: [Double] = [], cal: [Double] = []
            for x in xs {
                let own = try target.logLikelihood(returns: x)
                raw.append(own)
                cal.append(own - (try ref?.logLikelihood(returns: x) ?? marginalLL(x)))
            }
            return (raw, cal)
        }
        let m = try scores(members), nm = try scores(nonMembers)
        return Membership(members: members.count, nonMembers: nonMembers.count,
                          rawAUC: try PrivacyAudit.rocAUC(members: m.raw, nonMembers: nm.raw),
                          auc: try PrivacyAudit.rocAUC(members: m.calibrated, nonMembers: nm.calibrated),
                          tpr: try PrivacyAudit.tprAtFPR(members: m.calibrated, nonMembers: nm.calibrated, fpr: 0.01))
    }

    /// Tokens as the model sees them (v2: volatility-scaled returns through its filter).
    private func encoder(of target: ScenarioModel) throws -> (vocabSize: Int, tokens: ([Double]) throws -> [Int32]) {
        guard let tokenizer = target.tokenizer, let dataModels = target.dataModels else {
            throw CommandFailure("audit: \(model) has no tokenizer; train it first")
        }
        return (tokenizer.vocabSize, { try dataModels.encode($0).tokens })
    }

    /// Copying and distances of generated paths against an equal-length training segment (the
    /// days just before the held-out span) and the held-out days.
    private struct Copying {
        var segmentDays = 0, comparisonDays = 0, horizon = 0
        var runTrain = 0, runHoldout = 0
        var dcr = 0.0
    }

    private func copyingAndDistance(target: ScenarioModel, train: [Double], holdout: [Double],
                                    window w: Int) throws -> Copying {
        let tokens = try encoder(of: target).tokens
        let segment = Array(train.suffix(holdout.count))
        let comparison = Array(holdout.prefix(segment.count))
        var result = Copying(segmentDays: segment.count, comparisonDays: comparison.count, horizon: max(dcrDays, w))
        let set = try target.generate(GenerationOptions(paths: paths, horizon: result.horizon, seed: seed))
        let segmentTokens = try tokens(segment), holdoutTokens = try tokens(comparison)
        for p in set.returns {
            let t = try tokens(p)
            result.runTrain = max(result.runTrain, PrivacyAudit.longestCommonRun(t, in: [segmentTokens]))
            result.runHoldout = max(result.runHoldout, PrivacyAudit.longestCommonRun(t, in: [holdoutTokens]))
        }
        let synthetic = set.returns.flatMap { windows($0, dcrDays) }
        result.dcr = try PrivacyAudit.dcrRatio(synthetic: synthetic, train: windows(segment, dcrDays),
                                               holdout: windows(comparison, dcrDays))
        return result
    }

    private func printResults(_ m: Membership, _ c: Copying, window w: Int, calibratedByReference: Bool) {
        let verdict = m.auc <= 0.55 ? "no detectable memorisation (AUC ≤ 0.55)" : "the model memorises its training windows (AUC > 0.55)"
        let nonMemberName = nonMemberData.map { "windows of \($0)" } ?? "held-out windows"
        print("membership inference: \(m.members) training vs \(m.nonMembers) \(nonMemberName) of \(w + 1) days, "
              + "score = log-likelihood − " + (calibratedByReference ? "\(reference!)'s" : "training token marginal's"))
        print(String(format: "  AUC %.4f   TPR at 1%% FPR %.4f   — %@", m.auc, m.tpr, verdict))
        print(String(format: "  (uncalibrated loss attack: AUC %.4f%@)", m.rawAUC,
                     nonMemberData == nil ? " — confounded by the difference between the periods" : ""))
        print("copying: longest token run of \(paths) generated paths (\(c.horizon) days) found in \(c.segmentDays) "
              + "training days: \(c.runTrain); in \(c.comparisonDays) \(nonMemberData == nil ? "held-out" : "non-member") days: \(c.runHoldout)")
        print(String(format: "distance to closest record (%d-day windows): median DCR train / held-out = %.4f", dcrDays, c.dcr))
    }

    private func writeJSON(_ m: Membership, _ c: Copying, window w: Int, calibratedByReference: Bool,
                           to json: String) throws {
        let obj: [String: Any] = [
            "model": model, "reference": reference ?? NSNull(), "data": source.sourceName, "val_fraction": valFraction,
            "window_days": w + 1, "member_windows": m.members, "non_member_windows": m.nonMembers,
            "auc": m.auc, "tpr_at_1pct_fpr": m.tpr, "auc_uncalibrated": m.rawAUC,
            "calibration": calibratedByReference ? "reference model" : "training token marginal", "paths": paths,
            "horizon": c.horizon, "seed": String(seed),
            "longest_copied_run_train": c.runTrain, "longest_copied_run_holdout": c.runHoldout,
            "comparison_days": c.comparisonDays, "non_member_data": nonMemberData ?? NSNull(), "dcr_days": dcrDays,
            "dcr_ratio": c.dcr,
        ]
        let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted])
        try writeText(String(decoding: data, as: UTF8.self) + "\n", to: json)
        logInfo("wrote \(json)")
    }
}
