/// How far a new sample has moved from a reference window.
public struct DriftResult: Sendable, Codable, Equatable {
    /// Two-sample Kolmogorov–Smirnov statistic and p-value (`KolmogorovSmirnov.twoSample`).
    public var ksStatistic: Double
    public var ksPValue: Double
    /// The Population Stability Index on the reference's quantile bins.
    public var psi: Double
    /// `ksPValue < ksAlpha`.
    public var ksDrift: Bool
    /// `psi > psiThreshold`.
    public var psiDrift: Bool
    /// `ksDrift || psiDrift`.
    public var drift: Bool
    /// The PSI rule-of-thumb band: "stable" (< 0.1), "moderate" (0.1–0.25) or "significant" (> 0.25).
    public var psiLevel: String

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case ksStatistic = "ks_statistic"
        case ksPValue = "ks_p_value"
        case psi
        case ksDrift = "ks_drift"
        case psiDrift = "psi_drift"
        case drift
        case psiLevel = "psi_level"
    }
}

/// Detects a shift of new data (e.g. new market days, or a new scenario batch) away from the
/// distribution of a reference window (e.g. the training data).
///
/// Two complementary checks: the two-sample KS test (sensitive to any change of the CDF,
/// with a p-value that shrinks as samples grow) and the PSI (a binned, sample-size-free
/// effect size with industry thresholds). Drift is flagged when either fires:
/// ```
/// drift = (KS p < ksAlpha) or (PSI > psiThreshold)        defaults: ksAlpha = 0.01, psiThreshold = 0.25
/// ```
/// The PSI bands 0.1 / 0.25 are the credit-scorecard rule of thumb (Siddiqi 2006, "Credit
/// Risk Scorecards", Wiley; discussed in Yurdakul 2018, "Statistical properties of population
/// stability index"); the KS level 0.01 is a conventional significance level, stricter than
/// 0.05 because monitoring runs repeatedly.
public struct DriftDetector: Sendable {
    /// The reference sample, sorted ascending.
    public let sortedReference: [Double]
    /// The PSI bin edges (reference quantiles at i/B).
    public let psiEdges: [Double]
    /// Number of PSI bins B.
    public let bins: Int
    /// Floor ε of empty PSI bin shares.
    public let epsilon: Double
    /// KS significance level: drift if p < ksAlpha.
    public let ksAlpha: Double
    /// Drift if PSI > psiThreshold.
    public let psiThreshold: Double

    /// Creates a detector for a reference window.
    ///
    /// ```
    /// edges = Q_ref(i / B), i = 1 … B − 1;   p_b = max(share_ref(b), ε)
    /// ```
    /// - Parameters:
    ///   - reference: the reference sample (finite, at least `bins` values).
    ///   - bins: PSI bins B ≥ 2 (default 10, deciles).
    ///   - epsilon: PSI floor for empty bins, in (0, 1) (default 1e-4).
    ///   - ksAlpha: KS significance level in (0, 1) (default 0.01).
    ///   - psiThreshold: PSI above which drift is flagged, > 0 (default 0.25).
    /// - Throws: `StatsError.emptyInput`, `.nonFinite`, `.tooShort` (fewer values than bins),
    ///   `.invalidParameter` for a bad bin count, ε, α or threshold.
    public init(reference: [Double], bins: Int = PopulationStability.defaultBins,
                epsilon: Double = PopulationStability.defaultEpsilon,
                ksAlpha: Double = 0.01, psiThreshold: Double = 0.25) throws {
        guard bins >= 2 else { throw StatsError.invalidParameter("PSI bins must be at least 2, got \(bins)") }
        try Check.finite(reference, "reference", atLeast: bins, for: "\(bins) PSI bins")
        try Check.probability(epsilon, "epsilon")
        try Check.probability(ksAlpha, "ksAlpha")
        guard psiThreshold > 0, psiThreshold.isFinite else {
            throw StatsError.invalidParameter("psiThreshold must be a positive number, got \(psiThreshold)")
        }
        sortedReference = reference.sorted()
        psiEdges = PopulationStability.edges(sortedReference: sortedReference, bins: bins)
        self.bins = bins; self.epsilon = epsilon; self.ksAlpha = ksAlpha; self.psiThreshold = psiThreshold
    }

    /// Compares `new` with the reference.
    ///
    /// ```
    /// KS  = KolmogorovSmirnov.twoSample(reference, new)          (scipy.stats.ks_2samp)
    /// PSI = Σ_b (q_b − p_b) ln(q_b / p_b)                         (PopulationStability.index)
    /// drift = KS.p < ksAlpha  or  PSI > psiThreshold
    /// ```
    /// - Parameter new: the new sample (finite, non-empty).
    /// - Returns: both statistics and the flags.
    /// - Throws: `StatsError.emptyInput` or `.nonFinite` naming `new`.
    public func check(_ new: [Double]) throws -> DriftResult {
        try Check.finite(new, "new")
        let ks = try KolmogorovSmirnov.twoSample(sortedReference, new)
        let psi = PopulationStability.index(
            referenceShares: PopulationStability.shares(sortedReference, edges: psiEdges),
            newShares: PopulationStability.shares(new, edges: psiEdges), epsilon: epsilon)
        let ksDrift = ks.pValue < ksAlpha, psiDrift = psi > psiThreshold
        return DriftResult(ksStatistic: ks.statistic, ksPValue: ks.pValue, psi: psi,
                           ksDrift: ksDrift, psiDrift: psiDrift, drift: ksDrift || psiDrift,
                           psiLevel: psi < 0.1 ? "stable" : (psi <= 0.25 ? "moderate" : "significant"))
    }
}
