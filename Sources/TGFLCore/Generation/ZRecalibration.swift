import Foundation
import TGFLStats

/// Walk-forward recalibration of the generated z on the prompt's own standardized residuals
/// (model v2, prompted generation; issue 16).
///
/// The network's z distribution is that of its training span. When the days being forecast are
/// more volatile than those (the DAX's 1997–98 after 1991–96), the volatility filter follows the
/// new level but the generated tails stay those of the calm years. This correction moves each
/// generated z part of the way to the prompt's recent residuals, at the same probability under
/// the network:
///
/// ```
/// e_1 … e_n   the prompt's last n = min(window, prompt) standardized residuals under the filter
///             in use that day (the refitted one when refitting): e_i = (r_i − μ) / σ_i
/// F(x)        the network's CDF of the first generated day's z after the prompt (its logits at
///             temperature τ, uniform within each bin: the sampler's own distribution)
/// Q_e(u)      the empirical quantile of e at u (linear interpolation between order statistics;
///             `position`: NumPy's default, type 7, or its "weibull", type 6)
/// T(x)        = (1 − λ) · x + λ · Q_e(F(x))          λ = `weight`
/// ```
/// Every generated z of the day (all paths, all days of the horizon) becomes T(z) in the return
/// r = μ + σ · T(z) and in the volatility recursion; the network's next input stays the sampled
/// token, so its conditioning is unchanged. T is nondecreasing and built once per forecast day
/// from data up to that day only (causal). λ = 0 is the network as trained; λ = 1 gives the
/// day's network quantiles the prompt's values (filtered historical simulation at the network's
/// probabilities, with the network still choosing the probabilities path by path and day by day).
/// Sampling is unchanged (same draws), so the bits stay the same for any thread count.
public struct ZRecalibration: Sendable, Equatable, Codable {
    /// n: the prompt's most recent residuals the map uses, ≥ 20 (fewer when the prompt is shorter).
    public var window: Int
    /// λ in [0, 1]: the weight of the prompt's residuals in each quantile.
    public var weight: Double
    /// Where Q_e puts probability u on the n sorted residuals (session 12; default `.linear`).
    public var position: QuantilePosition = .linear

    /// The plotting position of the empirical quantile Q_e.
    public enum QuantilePosition: String, Sendable, Codable, CaseIterable {
        /// h = (n − 1)·u, 0-based, linear between order statistics (Hyndman–Fan type 7, NumPy's
        /// default). The k-th smallest of n residuals gets u = (k − 1)/(n − 1): at n = 250 the 1 %
        /// quantile is order statistic 3.49, which a new draw undercuts with probability 3.49/251 = 1.39 %.
        case linear
        /// h = (n + 1)·u, 1-based, clamped to the sample's ends (type 6, NumPy's "weibull"): the
        /// k-th smallest gets u = k/(n + 1), the probability that a new exchangeable draw falls
        /// below it, so the 1 % quantile of 250 residuals is undercut with probability 1.00 %.
        case weibull
    }

    /// The setting of issue 16's backtest (`WalkForwardOptions` and `tgfl backtest` default): the
    /// last 250 residuals, λ = 0.75 (BENCHMARKS.md, "Recalibrating the generated z on the prompt"),
    /// Weibull positions since session 12 ("The residuals' quantile position").
    public static let standard = ZRecalibration(window: 250, weight: 0.75, position: .weibull)

    /// Creates a setting (checked when generation starts).
    public init(window: Int, weight: Double, position: QuantilePosition = .linear) {
        self.window = window; self.weight = weight; self.position = position
    }

    /// Parses "n,λ" or "n,λ,position" (e.g. "500,0.5", "250,0.75,weibull"), the CLI form.
    /// - Throws: `TGFLError.invalidArgument` naming the text when it is not two numbers (and a
    ///   position) or out of range.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 || parts.count == 3, let n = Int(parts[0]), let w = Double(parts[1]),
              let p = parts.count == 3 ? QuantilePosition(rawValue: parts[2].lowercased()) : .linear else {
            throw TGFLError.invalidArgument(
                "z recalibration '\(text)' must be 'window,weight' or 'window,weight,position' such as '500,0.5' or "
                + "'250,0.75,weibull' (residuals, weight in [0, 1], position linear or weibull)")
        }
        self.init(window: n, weight: w, position: p)
        try check()
    }

    /// The name of a backtest's extra TGFL model with this setting, "TGFL-z<n>-<λ>" (with
    /// "-weibull" for that position).
    public var modelName: String { "TGFL-z\(window)-\(weight)" + (position == .linear ? "" : "-\(position.rawValue)") }

    private enum CodingKeys: String, CodingKey { case window, weight, position }

    /// Decodes a setting; one written before session 12 has no position (linear).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(window: try c.decode(Int.self, forKey: .window), weight: try c.decode(Double.self, forKey: .weight),
                  position: try c.decodeIfPresent(QuantilePosition.self, forKey: .position) ?? .linear)
    }

    /// - Throws: `TGFLError.invalidArgument` for a window below 20 or a weight outside [0, 1].
    func check() throws {
        guard window >= Self.minimumResiduals else {
            throw TGFLError.invalidArgument(
                "the z recalibration window must hold at least 20 residuals, got \(window); 500 is the backtest's setting")
        }
        guard weight >= 0, weight <= 1 else {
            throw TGFLError.invalidArgument("the z recalibration weight must lie in [0, 1], got \(weight); 0 turns it off")
        }
    }

    /// Fewest prompt days the map is built from: an empirical quantile of fewer residuals
    /// collapses the generated z onto a handful of values.
    public static let minimumResiduals = 20

    /// The prompt's last `window` standardized residuals under `volatility`, sorted.
    /// - Throws: `TGFLError.invalidArgument` when the prompt holds fewer than `minimumResiduals` days.
    func residuals(prompt: [Double], volatility v: VolatilityModel) throws -> [Double] {
        try residuals(prompt: prompt, mu: v.garch.mu, variances: v.variances(prompt))
    }

    /// The prompt's last `window` standardized residuals under a score-driven prompt filter, sorted.
    /// - Throws: `TGFLError.invalidArgument` when the prompt holds fewer than `minimumResiduals` days.
    func residuals(prompt: [Double], promptFilter f: BetaTEGARCH) throws -> [Double] {
        try residuals(prompt: prompt, mu: f.mu, variances: f.variances(prompt))
    }

    private func residuals(prompt: [Double], mu: Double, variances: [Double]) throws -> [Double] {
        guard prompt.count >= Self.minimumResiduals else {
            throw TGFLError.invalidArgument(
                "z recalibration needs a prompt of at least \(Self.minimumResiduals) days (its residuals' quantiles), "
                + "got \(prompt.count); give more prompt days or turn the recalibration off")
        }
        let first = max(0, prompt.count - window)
        return (first..<prompt.count).map { (prompt[$0] - mu) / variances[$0].squareRoot() }.sorted()
    }
}

/// The map T of one forecast day (see `ZRecalibration`).
struct ZRecalibrationMap: Sendable {
    /// λ.
    let weight: Double
    /// Q_e's plotting position.
    var position: ZRecalibration.QuantilePosition = .linear
    /// The bin edges in z units (V + 1).
    let edges: [Double]
    /// F at each bin edge: `cdf[k] = Σ_{v<k} p_v` (V + 1 values, the last 1).
    let cdf: [Double]
    /// The prompt's residuals, sorted (≥ 1).
    let residuals: [Double]

    /// Builds the map from the logits of the first generated day.
    /// - Parameters:
    ///   - logits: V logits after the prompt.
    ///   - inverseTemperature: 1 / τ.
    ///   - edges: the tokenizer's V + 1 bin edges (z units in v2).
    ///   - residuals: the prompt's residuals, sorted.
    ///   - weight: λ.
    init(logits: UnsafePointer<Float>, inverseTemperature: Double, edges: [Double], residuals: [Double], weight: Double) {
        let V = edges.count - 1
        var m = -Double.infinity
        for v in 0..<V { m = max(m, Double(logits[v])) }
        var w = [Double](repeating: 0, count: V), total = 0.0
        for v in 0..<V {
            w[v] = Foundation.exp((Double(logits[v]) - m) * inverseTemperature)
            total += w[v]
        }
        var cdf = [Double](repeating: 0, count: V + 1), running = 0.0
        for v in 0..<V {
            running += w[v]
            cdf[v + 1] = running / total
        }
        cdf[V] = 1
        self.weight = weight; self.edges = edges; self.cdf = cdf; self.residuals = residuals
    }

    /// Builds the map of `recalibration` (λ = 0, the identity, for nil).
    init(logits: UnsafePointer<Float>, inverseTemperature: Double, edges: [Double], residuals: [Double],
         recalibration: ZRecalibration?) {
        self.init(logits: logits, inverseTemperature: inverseTemperature, edges: edges, residuals: residuals,
                  weight: recalibration?.weight ?? 0)
        position = recalibration?.position ?? .linear
    }

    /// T(x) for a z sampled in bin k (`edges[k] ≤ x < edges[k + 1]`).
    func apply(_ x: Double, bin k: Int) -> Double {
        let lo = edges[k], hi = edges[k + 1]
        let u = cdf[k] + (cdf[k + 1] - cdf[k]) * (x - lo) / (hi - lo)
        return (1 - weight) * x + weight * quantile(u)
    }

    /// Q_e(u): NumPy's linear or Weibull quantile of the residuals (u clamped to [0, 1]).
    func quantile(_ u: Double) -> Double {
        let n = residuals.count
        let p = min(1, max(0, u))
        // Weibull: 1-based h = (n + 1)p, so 0-based h − 1, clamped to the ends.
        let h = position == .linear ? Double(n - 1) * p : min(Double(n - 1), max(0, Double(n + 1) * p - 1))
        let i = min(Int(h), n - 1)
        guard i + 1 < n else { return residuals[n - 1] }
        return residuals[i] + (h - Double(i)) * (residuals[i + 1] - residuals[i])
    }
}

extension ScenarioModel {
    /// The sorted residuals of `options.prompt` for its z recalibration (nil without one).
    /// - Throws: `TGFLError.invalidArgument` without a prompt, on a v1 model, or for a bad setting.
    func promptResiduals(_ options: GenerationOptions) throws -> [Double]? {
        guard let z = options.zRecalibration else { return nil }
        try z.check()
        guard let prompt = options.prompt, let v = try fittedDataModels(for: "generate").volatility else {
            throw TGFLError.invalidArgument(
                "zRecalibration needs a v2 model and a prompt (the residuals it recalibrates on); pass nil otherwise")
        }
        return try z.residuals(prompt: prompt, volatility: v)
    }
}
