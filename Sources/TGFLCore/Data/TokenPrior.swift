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
        let V = counts.count
        guard V >= 2 else { throw TGFLError.invalidArgument("token counts: need V ≥ 2 tokens, got \(V)") }
        if let k = counts.firstIndex(where: { $0 < 0 }) {
            throw TGFLError.invalidArgument("token counts: count [\(k)] = \(counts[k]) is negative")
        }
        let n = counts.reduce(0, +)
        guard n > 0 else { throw TGFLError.invalidArgument("token counts: all \(V) counts are zero; no training tokens") }
        let h = bandwidth(counts: counts, total: n)
        // Kernel weights φ(d / h) for |d| ≤ 6h (beyond, below 1.5e-8 of the peak).
        let reach = min(V - 1, Int((6 * h).rounded(.up)))
        let kernel = (0...reach).map { d -> Double in let u = Double(d) / h; return exp(-0.5 * u * u) }
        var smoothed = [Double](repeating: 0, count: V)
        for j in 0..<V where counts[j] > 0 {
            let lo = max(0, j - reach), hi = min(V - 1, j + reach)
            var mass = 0.0
            for k in lo...hi { mass += kernel[abs(k - j)] }
            let share = Double(counts[j]) / mass
            for k in lo...hi { smoothed[k] += share * kernel[abs(k - j)] }
        }
        let floor = 1 / Double(V), total = Double(n) + 1
        return smoothed.map { log(($0 + floor) / total) }
    }

    /// Silverman's rule of thumb on the token indices, in bins, at least one bin.
    static func bandwidth(counts: [Int], total n: Int) -> Double {
        var mean = 0.0
        for (k, c) in counts.enumerated() { mean += Double(k) * Double(c) }
        mean /= Double(n)
        var m2 = 0.0
        for (k, c) in counts.enumerated() { m2 += Double(c) * (Double(k) - mean) * (Double(k) - mean) }
        let sd = n > 1 ? (m2 / Double(n - 1)).squareRoot() : 0
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
