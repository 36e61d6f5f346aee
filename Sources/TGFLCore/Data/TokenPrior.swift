import Foundation

/// The smoothed marginal distribution of the training tokens, used to initialize
/// `head.bias` so that an untrained model already predicts the data's token frequencies.
///
/// ```
/// c_j      = count of token j in the training span                 n = Σ c_j
/// h        = 0.9 · min(sd, IQR / 1.34) · n^(−1/5)                   Silverman's rule, in bins (≥ 1)
/// w_jk     = φ((k − j) / h) / Σ_k' φ((k' − j) / h)                  each count spread over the bins
/// p_k      = (Σ_j c_j w_jk + 1/V) / (n + 1)                        plus one observation spread evenly
/// bias_k   = log p_k                                               softmax(bias) = p exactly
/// ```
///
/// **Why.** The tokenizer's uniform bins span ±12σ so that crashes stay representable
/// (`ReturnTokenizer`), which leaves most of the V tokens with no training data at all. A
/// GPT-2 initialization gives every token the same logit, so the untrained model puts about
/// two thirds of its mass beyond ±4σ, and Adam moves each parameter by about one learning rate
/// per step: after a few hundred steps the rare tail tokens are still far too likely and
/// generated paths have excess kurtosis near 35 against the real 4 (BENCHMARKS.md, issue 5).
/// Initializing the output bias to the log prior is the standard remedy for imbalanced
/// classes (Lin et al. 2017, "Focal Loss for Dense Object Detection", §4.1; Karpathy, "A
/// Recipe for Training Neural Networks", 2019: "initialize the final layer bias"). The
/// Gaussian smoothing keeps the shape of the data's tails without copying single days,
/// and the floor of one observation spread over all tokens keeps every token, so every
/// crash size, possible.
public enum TokenPrior {
    /// Counts of each token `0 ..< V` in the given sequences.
    /// - Throws: `TGFLError.outOfRange` naming the first token outside `0 ..< V`.
    public static func counts(_ sequences: [[Int32]], vocabSize V: Int) throws -> [Int] {
        var c = [Int](repeating: 0, count: V)
        for (s, tokens) in sequences.enumerated() {
            for (i, t) in tokens.enumerated() {
                guard t >= 0, Int(t) < V else {
                    throw TGFLError.outOfRange("token [\(s)][\(i)] = \(t) is outside 0 ..< \(V)")
                }
                c[Int(t)] += 1
            }
        }
        return c
    }

    /// The smoothed log probabilities `log p_k` of the type's formula.
    /// - Parameter counts: V ≥ 2 token counts, each ≥ 0 (at least one positive).
    /// - Returns: V finite log probabilities whose exponentials sum to 1.
    /// - Throws: `TGFLError.invalidArgument` for fewer than 2 tokens, a negative count, or no
    ///   counts at all.
    public static func logProbabilities(counts: [Int]) throws -> [Double] {
        try logProbabilities(counts: counts, floorWeight: 1)
    }

    /// `logProbabilities(counts:)` with the evenly spread floor weighing `floorWeight`
    /// observations instead of one: `p_k = (Σ_j c_j w_jk + f/V) / (n + f)`. Model v2 fits one
    /// prior per volatility level and gives level ℓ the weight `f = n_ℓ / n`, so that the floor
    /// over all levels together is one observation, as in v1.
    /// - Throws: as `logProbabilities(counts:)`; `.invalidArgument` for a floor weight that is
    ///   not positive and finite.
    public static func logProbabilities(counts: [Int], floorWeight f: Double) throws -> [Double] {
        try logProbabilities(counts: counts, floorWeight: f, preserveVariance: false)
    }

    /// `logProbabilities(counts:floorWeight:)`, optionally with a variance-preserving kernel
    /// (Jones 1991, "On correcting for variance inflation in kernel density estimation"):
    /// ```
    /// m, s = mean and sd of the token indices,  c = 1 / sqrt(1 + h²/s²)
    /// count j spread as φ((k − μ_j) / (c·h)),   μ_j = m + c·(j − m)
    /// ```
    /// so the smoothed distribution keeps the mean and (up to the binning) the variance of the
    /// counts. Model v2 needs this: its tokens are volatility-scaled returns z, and a GJR
    /// recursion near a unit root turns any excess E[z²] into much larger volatility (a plain
    /// Silverman kernel raised E[z²] by 6 % and the generated std of the S&P 500 by 25 %).
    public static func logProbabilities(counts: [Int], floorWeight f: Double,
                                        preserveVariance: Bool) throws -> [Double] {
        guard f > 0, f.isFinite else {
            throw TGFLError.invalidArgument("token prior: floor weight \(f) must be positive and finite")
        }
        let V = counts.count
        guard V >= 2 else { throw TGFLError.invalidArgument("token counts: need V ≥ 2 tokens, got \(V)") }
        if let k = counts.firstIndex(where: { $0 < 0 }) {
            throw TGFLError.invalidArgument("token counts: count [\(k)] = \(counts[k]) is negative")
        }
        let n = counts.reduce(0, +)
        guard n > 0 else { throw TGFLError.invalidArgument("token counts: all \(V) counts are zero; no training tokens") }
        let h = bandwidth(counts: counts, total: n)
        var smoothed = [Double](repeating: 0, count: V)
        if preserveVariance {
            let (m, sd) = moments(counts: counts, total: n)
            let c = sd > 0 ? 1 / (1 + h * h / (sd * sd)).squareRoot() : 1
            let width = c * h, reach = 6 * width
            for j in 0..<V where counts[j] > 0 {
                let centre = m + c * (Double(j) - m)
                let lo = max(0, Int((centre - reach).rounded(.down))), hi = min(V - 1, Int((centre + reach).rounded(.up)))
                var weights = [Double](repeating: 0, count: hi - lo + 1), mass = 0.0
                for k in lo...hi {
                    let u = (Double(k) - centre) / width
                    weights[k - lo] = exp(-0.5 * u * u)
                    mass += weights[k - lo]
                }
                let share = Double(counts[j]) / mass
                for k in lo...hi { smoothed[k] += share * weights[k - lo] }
            }
        } else {
            // Kernel weights φ(d / h) for |d| ≤ 6h (beyond, below 1.5e-8 of the peak).
            let reach = min(V - 1, Int((6 * h).rounded(.up)))
            let kernel = (0...reach).map { d -> Double in let u = Double(d) / h; return exp(-0.5 * u * u) }
            for j in 0..<V where counts[j] > 0 {
                let lo = max(0, j - reach), hi = min(V - 1, j + reach)
                var mass = 0.0
                for k in lo...hi { mass += kernel[abs(k - j)] }
                let share = Double(counts[j]) / mass
                for k in lo...hi { smoothed[k] += share * kernel[abs(k - j)] }
            }
        }
        let floor = f / Double(V), total = Double(n) + f
        return smoothed.map { log(($0 + floor) / total) }
    }

    /// Counts of each token per conditioning level: `counts[ℓ][k]` = days whose condition is ℓ
    /// and whose token is k (model v2: the level of σ_t and the token of z_t on the same day t).
    /// - Throws: `TGFLError.shapeMismatch` for sequences of unequal lengths;
    ///   `.outOfRange` naming the first token or level outside its range.
    public static func levelCounts(tokens: [[Int32]], levels: [[Int32]], vocabSize V: Int,
                                   levelCount S: Int) throws -> [[Int]] {
        guard tokens.count == levels.count else {
            throw TGFLError.shapeMismatch("\(tokens.count) token sequences but \(levels.count) level sequences")
        }
        var c = [[Int]](repeating: [Int](repeating: 0, count: V), count: S)
        for (s, (t, l)) in zip(tokens, levels).enumerated() {
            guard t.count == l.count else {
                throw TGFLError.shapeMismatch("sequence \(s): \(t.count) tokens but \(l.count) levels")
            }
            for i in t.indices {
                guard t[i] >= 0, Int(t[i]) < V else {
                    throw TGFLError.outOfRange("token [\(s)][\(i)] = \(t[i]) is outside 0 ..< \(V)")
                }
                guard l[i] >= 0, Int(l[i]) < S else {
                    throw TGFLError.outOfRange("level [\(s)][\(i)] = \(l[i]) is outside 0 ..< \(S)")
                }
                c[Int(l[i])][Int(t[i])] += 1
            }
        }
        return c
    }

    /// Mean and standard deviation (ddof 1) of the token indices.
    static func moments(counts: [Int], total n: Int) -> (mean: Double, sd: Double) {
        var mean = 0.0
        for (k, c) in counts.enumerated() { mean += Double(k) * Double(c) }
        mean /= Double(n)
        var m2 = 0.0
        for (k, c) in counts.enumerated() { m2 += Double(c) * (Double(k) - mean) * (Double(k) - mean) }
        return (mean, n > 1 ? (m2 / Double(n - 1)).squareRoot() : 0)
    }

    /// Silverman's rule of thumb on the token indices, in bins, at least one bin.
    static func bandwidth(counts: [Int], total n: Int) -> Double {
        let sd = moments(counts: counts, total: n).sd
        let iqr = quantile(counts, n, 0.75) - quantile(counts, n, 0.25)
        let spread = iqr > 0 ? min(sd, iqr / 1.34) : sd
        return max(1, 0.9 * spread * pow(Double(n), -0.2))
    }

    /// The q-quantile of the token indices (NumPy's linear rule on the sorted indices).
    private static func quantile(_ counts: [Int], _ n: Int, _ q: Double) -> Double {
        let h = q * Double(n - 1)
        let j = Int(h.rounded(.down))
        func orderStatistic(_ r: Int) -> Double {
            var cum = 0
            for (k, c) in counts.enumerated() {
                cum += c
                if r < cum { return Double(k) }
            }
            return Double(counts.count - 1)
        }
        let a = orderStatistic(j), b = orderStatistic(min(j + 1, n - 1))
        return a + (h - Double(j)) * (b - a)
    }
}
