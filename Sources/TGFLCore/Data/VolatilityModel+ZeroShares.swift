import Foundation

/// Exact-zero returns (stale or holiday-filled prices) as a point mass of generation (issue 12,
/// session 13).
///
/// ```
/// training days t of every span:  b_t = token of z_t = (r_t − μ)/σ_t   (the fitted filter, as
///                                 DataModels.encode tokenizes them)
/// q_b = #{t : b_t = b, r_t = 0} / #{t : b_t = b}        (0 for a bin without training days)
/// generation, bin b sampled with the within-bin uniform U:
///   U < q_b  →  r = 0 exactly; its z = (0 − μ)/σ_d feeds the recursion (residual −μ) and the
///               next input is the token of that z (as training saw those days)
///   else     →  x = edge_b + ((U − q_b)/(1 − q_b)) · (edge_{b+1} − edge_b)   (uniform in the bin)
/// ```
/// No extra random draw: the same uniform decides and places the value, so a model without the
/// shares (q_b = 0 everywhere) draws exactly the bits it drew before. Zero days have
/// z = −μ/σ_t, so they fall in the one to three bins just below (μ > 0) the centre; q_b = 0 in every
/// other bin. Why: the bundled data hold 0.2–8 % exact-zero days (Siemens 8.1 %, GE 6.1 %, S&P 500
/// ≤ 0.2 %); a continuous generator leaves that jump of the real CDF unmatched and the fair KS
/// target fails for a reason no dynamics fix (BENCHMARKS.md "All 18 series on this session's
/// arithmetic (session 13)").
extension VolatilityModel {
    /// The default of `DataPipelineConfig.zeroReturns`: true unless `TGFL_NO_ZERO_RETURNS=1`.
    public static let defaultZeroReturns = ProcessInfo.processInfo.environment["TGFL_NO_ZERO_RETURNS"] != "1"

    /// q_b of the training spans (see above), one per token of `tokenizer`; nil when no training
    /// day is an exact zero.
    /// - Parameters:
    ///   - trainingSpans: the training days of each series (finite), each filtered from its own start.
    ///   - tokenizer: the z tokenizer of the model.
    public func zeroShares(trainingSpans: [[Double]], tokenizer: ReturnTokenizer) throws -> [Double]? {
        let (zeros, days) = try zeroCounts(trainingSpans: trainingSpans, tokenizer: tokenizer)
        guard zeros.contains(where: { $0 > 0 }) else { return nil }
        return Self.shares(zeros: zeros, days: days)
    }

    /// The counts behind `zeroShares`: per token b of z, the training days and the exact-zero
    /// days among them, over the days `counted(span, day)` accepts (all by default; the joint
    /// model counts only the days on which no earlier asset was zero, `JointZeroReturns`).
    /// Counts are sums over days, so a federation can add them up per institution.
    func zeroCounts(trainingSpans: [[Double]], tokenizer: ReturnTokenizer,
                    counted: (_ span: Int, _ day: Int) -> Bool = { _, _ in true }) throws -> (zeros: [Int], days: [Int]) {
        var zeros = [Int](repeating: 0, count: tokenizer.vocabSize), days = zeros
        for (s, span) in trainingSpans.enumerated() {
            for (t, (r, v)) in zip(span, variances(span)).enumerated() where counted(s, t) {
                let b = Int(try tokenizer.encode((r - garch.mu) / v.squareRoot()))
                days[b] += 1
                if r == 0 { zeros[b] += 1 }
            }
        }
        return (zeros, days)
    }

    /// zeros / days per cell (0 for a cell without days).
    static func shares(zeros: [Int], days: [Int]) -> [Double] {
        zip(zeros, days).map { $1 > 0 ? Double($0) / Double($1) : 0 }
    }

    /// Checks a stored `generation_zero_shares` dataset: finite values in [0, 1], one per token.
    static func checkZeroShares(_ q: [Double], vocabSize: Int?) throws {
        if let vocabSize, q.count != vocabSize {
            throw TGFLError.invalidArgument(
                "generation_zero_shares has \(q.count) values but the tokenizer has \(vocabSize) tokens (one share per token)")
        }
        if let i = q.firstIndex(where: { !($0.isFinite && $0 >= 0 && $0 <= 1) }) {
            throw TGFLError.invalidArgument("generation_zero_shares[\(i)] = \(q[i]) must be a share in [0, 1]")
        }
    }
}

/// What one day's within-bin uniform gives when bin k may hold a point mass at r = 0
/// (`VolatilityModel.zeroShares`).
struct ZeroDraw {
    /// True: the day's return is exactly 0.
    let isZero: Bool
    /// Otherwise the value inside the bin, `edges[k] + u' · (edges[k+1] − edges[k])`.
    let x: Double

    /// `q`: the bin's share of zeros (0: the value exactly as without shares).
    @inline(__always)
    init(u: Double, share q: Double, lo: Double, hi: Double) {
        var u = u
        if q > 0 {
            isZero = u < q
            u = isZero ? 0 : (u - q) / (1 - q)
        } else {
            isZero = false
        }
        x = min(lo + u * (hi - lo), hi.nextDown)
    }
}
