import Foundation

/// Exact-zero returns of a joint model (issue 17, session 14): each asset's point mass at r = 0
/// (stale or holiday-filled prices), with the zeros of one day drawn jointly, in stream order.
///
/// ```
/// c_kt = #{j < k : r_jt = 0}                         zeros among the assets before k on day t
/// b_kt = token of z_kt = (r_kt − μ_k)/σ_kt           (asset k's filter, the shared tokenizer)
/// shares[k][b]      = #{t : c_kt = 0, b_kt = b, r_kt = 0} / #{t : c_kt = 0, b_kt = b}
/// afterZeros[k][c]  = #{t : c_kt = c, r_kt = 0} / #{t : c_kt = c}      c = 1 … k (0 elsewhere)
/// ```
/// fitted on the training days only (`fit`; the counts of `VolatilityModel.zeroCounts`, the
/// single-asset model's q_b, restricted to the days with c_kt = 0). Generation of asset k on a
/// day (`JointScenarioModel.generate`), with u_k drawn as token + position in the token's bin:
/// ```
/// c > 0:  position < afterZeros[k][c]  →  r_k = 0;  else position ← (position − p)/(1 − p)
/// c = 0:  z_k = Σ_{j ≤ k} L_kj u_j, in z-bin b at fraction w of the bin;
///         w < shares[k][b]             →  r_k = 0;  else z_k ← edge_b + (w − q)/(1 − q) · width
/// r_k = 0:  z_k = −μ_k/σ_k (the recursion's residual is −μ_k); u_k = (z_k − Σ_{j<k} L_kj u_j)/L_kk,
///           and the next input is the token of that u_k (as the training days were encoded)
/// ```
/// **Why two rules.** A zero on a day with no earlier zero is a stale price: it replaces a small
/// move, so it lives in the z-bins around −μ/σ, as for one asset (`VolatilityModel.zeroShares`).
/// The network's token is of the whitened u_k, whose zero point moves with the earlier assets'
/// u, so the share is looked up on z_k's bin and the fraction w of z_k inside it serves as the
/// uniform (z_k is affine in the drawn position, and the bins are narrow: w is uniform up to the
/// change of the network's density across one bin). A zero after earlier zeros of the same day
/// is mostly a shared holiday (eu_stocks: 20 of its 1,487 training days have all four indices
/// at zero and 16 have three, against 0.003 all-zero days if they were independent; fx_usd_1980:
/// 13 days with all five): it happens whatever the network drew, so its probability depends on
/// c only, and the position (exactly uniform given the token) decides. Counting earlier zeros
/// rather than naming them keeps K·K numbers and still separates a holiday (eu_stocks: FTSE is
/// zero on 65 % of the days when the three before it are, 1.5 % when one is).
///
/// **No extra draw.** Both rules reuse a uniform generation already draws, so a model without
/// zero returns (nil, or every share 0) generates exactly the bits it generated before.
public struct JointZeroReturns: Equatable, Sendable {
    /// `shares[k][b]`: asset k's share of exact zeros among the training days with no earlier zero
    /// that day and z in token b (V per asset).
    public let shares: [[Double]]
    /// `afterZeros[k][c]`: asset k's share of exact zeros among the training days with exactly c
    /// zeros among the assets before it (K per asset; c = 0 and c > k unused, 0).
    public let afterZeros: [[Double]]

    /// - Throws: `TGFLError.invalidArgument` naming the bad value: a share outside [0, 1] or not
    ///   finite, or a table that is not K×V and K×K.
    public init(shares: [[Double]], afterZeros: [[Double]], vocabSize: Int) throws {
        let K = shares.count
        guard K >= 1, shares.allSatisfy({ $0.count == vocabSize }), afterZeros.count == K,
              afterZeros.allSatisfy({ $0.count == K }) else {
            throw TGFLError.invalidArgument(
                "the zero-return shares must be \(K)×\(vocabSize) (assets × tokens) and the shares after earlier zeros "
                + "\(K)×\(K), got \(shares.map(\.count)) and \(afterZeros.map(\.count))")
        }
        for (name, table) in [("zero_returns.shares", shares), ("zero_returns.after_zeros", afterZeros)] {
            for (k, row) in table.enumerated() {
                if let b = row.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= 1) }) {
                    throw TGFLError.invalidArgument("\(name)[\(k)][\(b)] = \(row[b]) must be a share in [0, 1]")
                }
            }
        }
        self.shares = shares; self.afterZeros = afterZeros
    }

    /// Fits the shares on the training spans (see the type); nil when no training day has an
    /// exact zero. Every count is a sum over days, so a federation sums its institutions' counts.
    /// - Parameters:
    ///   - trainingSpans: per span, one training-return column per asset (equal lengths within a span).
    ///   - volatility: each asset's fitted filter (its z and μ).
    ///   - tokenizer: the joint model's tokenizer (its bins are the z-bins of the shares).
    public static func fit(trainingSpans: [[[Double]]], volatility: [VolatilityModel],
                           tokenizer: ReturnTokenizer) throws -> JointZeroReturns? {
        let K = volatility.count
        guard trainingSpans.contains(where: { span in span.contains { $0.contains(0) } }) else { return nil }
        // c_kt per span, day and asset.
        let earlier: [[[Int]]] = trainingSpans.map { span in
            (0..<span[0].count).map { t in
                var c = 0
                return (0..<K).map { k in
                    defer { if span[k][t] == 0 { c += 1 } }
                    return c
                }
            }
        }
        var shares: [[Double]] = [], afterZeros: [[Double]] = []
        for k in 0..<K {
            let (zeros, days) = try volatility[k].zeroCounts(trainingSpans: trainingSpans.map { $0[k] },
                                                              tokenizer: tokenizer) { s, t in earlier[s][t][k] == 0 }
            shares.append(VolatilityModel.shares(zeros: zeros, days: days))
            var zerosAfter = [Int](repeating: 0, count: K), daysAfter = zerosAfter
            for (s, span) in trainingSpans.enumerated() {
                for t in span[k].indices where earlier[s][t][k] > 0 {
                    daysAfter[earlier[s][t][k]] += 1
                    if span[k][t] == 0 { zerosAfter[earlier[s][t][k]] += 1 }
                }
            }
            afterZeros.append(VolatilityModel.shares(zeros: zerosAfter, days: daysAfter))
        }
        return try JointZeroReturns(shares: shares, afterZeros: afterZeros, vocabSize: tokenizer.vocabSize)
    }

    // MARK: - Checkpoint

    /// Writes `zero_returns.shares` [K·V] and `zero_returns.after_zeros` [K·K] (row-major, asset
    /// by asset) into a `/joint` section.
    func write(to section: inout CheckpointSection) {
        section.datasets["zero_returns.shares"] = shares.flatMap { $0 }
        section.datasets["zero_returns.after_zeros"] = afterZeros.flatMap { $0 }
    }

    /// The optional zero returns of a `/joint` section: nil when neither dataset is there (models
    /// before session 14).
    static func read(_ r: CheckpointSectionReader, assets K: Int, vocabSize V: Int) throws -> JointZeroReturns? {
        let keys = ["zero_returns.shares", "zero_returns.after_zeros"]
        guard keys.contains(where: { r.section.datasets[$0] != nil }) else { return nil }
        let shares = try r.dataset(keys[0], count: K * V), after = try r.dataset(keys[1], count: K * K)
        do {
            return try JointZeroReturns(shares: (0..<K).map { Array(shares[($0 * V)..<(($0 + 1) * V)]) },
                                        afterZeros: (0..<K).map { Array(after[($0 * K)..<(($0 + 1) * K)]) },
                                        vocabSize: V)
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}
