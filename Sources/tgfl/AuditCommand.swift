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
        let returns = try source.load().values
        let split = Int((Double(returns.count) * (1 - valFraction)).rounded(.down))
        let train = Array(returns[..<split])
        let holdout: [Double]
        if let nonMemberData {
            holdout = try DataOptions.load(path: nonMemberData, dateColumn: source.dateColumn, column: source.column,
                                           returnsColumn: source.returnsColumn).values
        } else {
            holdout = Array(returns[split...])
        }
        let w = window ?? target.config.contextLength
        func windows(_ r: [Double], _ len: Int) -> [[Double]] {
            stride(from: 0, to: r.count - len + 1, by: len).map { Array(r[$0..<($0 + len)]) }
        }
        // A window of w + 1 returns scores w predicted days.
        let members = windows(train, w + 1), nonMembers = windows(holdout, w + 1)
        guard members.count >= 2, nonMembers.count >= 2 else {
            throw CommandFailure("audit: \(source.sourceName) gives \(members.count) training and \(nonMembers.count) held-out "
                + "windows of \(w + 1) days; need at least 2 of each — use more data, a larger --val-fraction or a smaller --window")
        }
        guard let tokenizer = target.tokenizer, let dataModels = target.dataModels else {
            throw CommandFailure("audit: \(model) has no tokenizer; train it first")
        }
        // Tokens as the model sees them (v2: volatility-scaled returns through the filter).
        func tokens(_ x: [Double]) throws -> [Int32] { try dataModels.encode(x).tokens }
        // Calibration without a reference: the training span's token marginal (add-one smoothed),
        // which absorbs the difference in volatility level between the two periods.
        var counts = [Double](repeating: 1, count: tokenizer.vocabSize)
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
        let rawAUC = try PrivacyAudit.rocAUC(members: m.raw, nonMembers: nm.raw)
        let auc = try PrivacyAudit.rocAUC(members: m.calibrated, nonMembers: nm.calibrated)
        let tpr = try PrivacyAudit.tprAtFPR(members: m.calibrated, nonMembers: nm.calibrated, fpr: 0.01)

        // Copying and distances: equal-length training segment (the days just before the held-out span).
        let segment = Array(train.suffix(holdout.count))
        let comparison = Array(holdout.prefix(segment.count))
        let horizon = max(dcrDays, w)
        let set = try target.generate(GenerationOptions(paths: paths, horizon: horizon, seed: seed))
        let segmentTokens = try tokens(segment), holdoutTokens = try tokens(comparison)
        var runTrain = 0, runHoldout = 0
        for p in set.returns {
            let t = try tokens(p)
            runTrain = max(runTrain, PrivacyAudit.longestCommonRun(t, in: [segmentTokens]))
            runHoldout = max(runHoldout, PrivacyAudit.longestCommonRun(t, in: [holdoutTokens]))
        }
        let synthetic = set.returns.flatMap { windows($0, dcrDays) }
        let dcr = try PrivacyAudit.dcrRatio(synthetic: synthetic, train: windows(segment, dcrDays),
                                            holdout: windows(comparison, dcrDays))

        let verdict = auc <= 0.55 ? "no detectable memorisation (AUC ≤ 0.55)" : "the model memorises its training windows (AUC > 0.55)"
        let nonMemberName = nonMemberData.map { "windows of \($0)" } ?? "held-out windows"
        print("membership inference: \(members.count) training vs \(nonMembers.count) \(nonMemberName) of \(w + 1) days, "
              + "score = log-likelihood − " + (ref == nil ? "training token marginal's" : "\(reference!)'s"))
        print(String(format: "  AUC %.4f   TPR at 1%% FPR %.4f   — %@", auc, tpr, verdict))
        print(String(format: "  (uncalibrated loss attack: AUC %.4f%@)", rawAUC,
                     nonMemberData == nil ? " — confounded by the difference between the periods" : ""))
        print("copying: longest token run of \(paths) generated paths (\(horizon) days) found in \(segment.count) "
              + "training days: \(runTrain); in \(comparison.count) \(nonMemberData == nil ? "held-out" : "non-member") days: \(runHoldout)")
        print(String(format: "distance to closest record (%d-day windows): median DCR train / held-out = %.4f", dcrDays, dcr))
        if let json {
            let obj: [String: Any] = [
                "model": model, "reference": reference ?? NSNull(), "data": source.sourceName, "val_fraction": valFraction,
                "window_days": w + 1, "member_windows": members.count, "non_member_windows": nonMembers.count,
                "auc": auc, "tpr_at_1pct_fpr": tpr, "auc_uncalibrated": rawAUC,
                "calibration": ref == nil ? "training token marginal" : "reference model", "paths": paths, "horizon": horizon, "seed": String(seed),
                "longest_copied_run_train": runTrain, "longest_copied_run_holdout": runHoldout,
                "comparison_days": comparison.count, "non_member_data": nonMemberData ?? NSNull(), "dcr_days": dcrDays, "dcr_ratio": dcr,
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted])
            try writeText(String(decoding: data, as: UTF8.self) + "\n", to: json)
            logInfo("wrote \(json)")
        }
    }
}
