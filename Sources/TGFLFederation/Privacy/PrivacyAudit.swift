import Foundation
import TGFLBase

/// Statistics of an empirical privacy audit of a trained scenario model (`tgfl audit`).
///
/// ```
/// membership inference (loss attack; LiRA-style with a reference model, Carlini et al. 2022,
///   "Membership Inference Attacks From First Principles", arXiv:2112.03570):
///   score(x) = LL_model(x) − LL_reference(x)       (LL = mean log-likelihood per day of window x)
///   members = training windows, non-members = held-out windows of the same series
///   AUC = P(score(member) > score(non-member)) + ½ P(=)     (Mann–Whitney; sklearn roc_auc_score)
///   TPR@FPR≤α = max{TPR_k : FPR_k ≤ α} over the ROC points (thresholds = distinct scores)
/// copying: longest run of consecutive tokens of a generated path found contiguously in the
///   training tokens, against the same statistic for held-out tokens of equal length
/// distance to closest record (SynthEval's DCR; Lautrup et al. 2024):
///   DCR_S(y) = min_{x ∈ S} ‖y − x‖₂ for synthetic windows y;
///   ratio = median DCR_train / median DCR_holdout   (≈ 1: no closer to training than to unseen data)
/// ```
/// AUC ≈ 0.5 and TPR@1 %FPR ≈ 0.01 mean the attack cannot tell members from non-members.
public enum PrivacyAudit {
    /// ROC AUC with the members as positives (ties count ½), as `sklearn.metrics.roc_auc_score`.
    /// - Throws: `TGFLError.invalidArgument` when a set is empty or a score is NaN.
    public static func rocAUC(members: [Double], nonMembers: [Double]) throws -> Double {
        try check(members, nonMembers)
        // Average ranks over the pooled scores.
        let pooled = (members.map { ($0, true) } + nonMembers.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var rankSumMembers = 0.0
        var i = 0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count, pooled[j + 1].0 == pooled[i].0 { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where pooled[k].1 { rankSumMembers += rank }
            i = j + 1
        }
        let m = Double(members.count), n = Double(nonMembers.count)
        return (rankSumMembers - m * (m + 1) / 2) / (m * n)
    }

    /// ROC points for thresholds at every distinct score, descending (sklearn `roc_curve` with
    /// `drop_intermediate=False`, without its leading (0, 0) point).
    /// - Throws: `TGFLError.invalidArgument` when a set is empty or a score is NaN.
    public static func rocCurve(members: [Double], nonMembers: [Double]) throws -> (fpr: [Double], tpr: [Double]) {
        try check(members, nonMembers)
        let pooled = (members.map { ($0, true) } + nonMembers.map { ($0, false) }).sorted { $0.0 > $1.0 }
        var tp = 0.0, fp = 0.0
        var fpr: [Double] = [], tpr: [Double] = []
        var i = 0
        while i < pooled.count {
            var j = i
            while j < pooled.count, pooled[j].0 == pooled[i].0 {
                if pooled[j].1 { tp += 1 } else { fp += 1 }
                j += 1
            }
            fpr.append(fp / Double(nonMembers.count)); tpr.append(tp / Double(members.count))
            i = j
        }
        return (fpr, tpr)
    }

    /// The largest TPR among ROC points with FPR ≤ `fpr` (0 when none).
    /// - Throws: `TGFLError.invalidArgument` for empty sets, NaN scores, or `fpr` outside [0, 1].
    public static func tprAtFPR(members: [Double], nonMembers: [Double], fpr target: Double = 0.01) throws -> Double {
        guard target >= 0, target <= 1 else { throw TGFLError.invalidArgument("fpr = \(target) must be in [0, 1]") }
        let (fpr, tpr) = try rocCurve(members: members, nonMembers: nonMembers)
        var best = 0.0
        for (f, t) in zip(fpr, tpr) where f <= target { best = max(best, t) }
        return best
    }

    /// Length of the longest run of consecutive elements of `sequence` that occurs contiguously
    /// in one of `corpus` (longest common substring, O(|sequence|·|corpus|)).
    public static func longestCommonRun(_ sequence: [Int32], in corpus: [[Int32]]) -> Int {
        var best = 0
        let n = sequence.count
        guard n > 0 else { return 0 }
        var prev = [Int](repeating: 0, count: n + 1), cur = prev
        for text in corpus {
            for i in prev.indices { prev[i] = 0 }
            for c in text {
                cur[0] = 0
                for j in 1...n {
                    cur[j] = sequence[j - 1] == c ? prev[j - 1] + 1 : 0
                    if cur[j] > best { best = cur[j] }
                }
                swap(&prev, &cur)
            }
        }
        return best
    }

    /// For each synthetic vector, the Euclidean distance to the closest vector of `records`.
    /// - Throws: `TGFLError.invalidArgument` when `records` is empty or lengths differ.
    public static func distancesToClosestRecord(_ synthetic: [[Double]], records: [[Double]]) throws -> [Double] {
        guard let d = records.first?.count, !records.isEmpty else {
            throw TGFLError.invalidArgument("distance to closest record: no reference records")
        }
        for (i, r) in records.enumerated() where r.count != d {
            throw TGFLError.invalidArgument("distance to closest record: record \(i) has \(r.count) values, expected \(d)")
        }
        return try synthetic.enumerated().map { (i, y) in
            guard y.count == d else {
                throw TGFLError.invalidArgument("distance to closest record: synthetic \(i) has \(y.count) values, expected \(d)")
            }
            var best = Double.infinity
            for x in records {
                var s = 0.0
                for k in 0..<d { let t = y[k] - x[k]; s += t * t; if s >= best { break } }
                best = min(best, s)
            }
            return best.squareRoot()
        }
    }

    /// The median (mean of the middle two for an even count).
    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// median DCR to `train` / median DCR to `holdout` (use sets of equal size).
    /// - Throws: As `distancesToClosestRecord`.
    public static func dcrRatio(synthetic: [[Double]], train: [[Double]], holdout: [[Double]]) throws -> Double {
        median(try distancesToClosestRecord(synthetic, records: train))
            / median(try distancesToClosestRecord(synthetic, records: holdout))
    }

    private static func check(_ a: [Double], _ b: [Double]) throws {
        guard !a.isEmpty, !b.isEmpty else {
            throw TGFLError.invalidArgument("membership scores: need at least one member and one non-member, got \(a.count) and \(b.count)")
        }
        if let i = (a + b).firstIndex(where: { $0.isNaN }) {
            throw TGFLError.invalidArgument("membership scores: score \(i) is NaN")
        }
    }
}
