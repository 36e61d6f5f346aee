/// Settings of a `StylizedFactsReport`: lags, horizons, seed and pass/fail thresholds.
/// Every default is stated on its property.
public struct StylizedFactsOptions: Sendable, Codable, Equatable {
    /// Largest lag K of the ACF facts and the Quant GANs scores (default 20).
    public var maxLag: Int
    /// Lags 1…L of the leverage fact (default 5; at most `maxLag`).
    public var leverageLags: Int
    /// Horizons of the distances (default 1, 5, 20, 100 days).
    public var horizons: [Int]
    /// Seed of every subsample (fair KS, MMD, memorization).
    public var seed: UInt64
    /// Number of fair-KS subsamples (default 20).
    public var ksSubsamples: Int
    /// Fair KS passes when the median p-value is at least this (default 0.05).
    public var ksMinMedianPValue: Double
    /// std passes when std_syn / std_real lies in this range (default 0.8…1.25).
    public var stdRatioRange: ClosedRange<Double>
    /// Excess kurtosis passes when the synthetic value lies in this range (default 3…15:
    /// clearly fat-tailed, yet not dominated by a handful of absurd days).
    public var excessKurtosisRange: ClosedRange<Double>
    /// Volatility clustering and leverage pass when the synthetic mean (ACF of |r| at lags
    /// 1…K, leverage at lags 1…L, averaged over paths) lies within this fraction of the *fair*
    /// real value — the real series cut into chunks of the path length, each chunk's curve
    /// averaged — or within `dependenceAbsoluteTolerance` of it, whichever is wider
    /// (default 0.5: a set without clustering, mean ACF ≈ 0, fails against a real 0.05 or more).
    public var dependenceRelativeTolerance: Double
    /// The least allowed distance of the clustering and leverage means from the fair real
    /// value, so that a real value near 0 (no leverage in the data) does not demand an exact
    /// 0 (default 0.02, about the standard error of a 250-day chunk's mean leverage).
    public var dependenceAbsoluteTolerance: Double
    /// Linear unpredictability passes when max_k |ACF_k(r)| (synthetic, lags 1…K) is at most
    /// this (default 0.1).
    public var maxAbsReturnACF: Double
    /// Worst day passes when min(syn) ≥ min(real) − (factor − 1)·|min(real)|, i.e. the worst
    /// synthetic day is at most `factor` times the worst real day (default 3).
    public var worstDayFactor: Double
    /// Hill tail index passes when |α_syn − α_real| is at most this (default 1).
    public var hillTolerance: Double
    /// VaR and ES pass when |syn / real − 1| is at most this (default 0.25).
    public var riskRelativeTolerance: Double
    /// Subsampling of the MMD at each horizon (its seed is replaced by `seed`).
    public var mmd: MMDOptions
    /// Subsampling and thresholds of the memorization score (its seed is replaced by `seed`).
    public var memorization: MemorizationOptions

    /// Creates report options; every default is documented on its property.
    public init(maxLag: Int = 20, leverageLags: Int = 5, horizons: [Int] = Distances.standardHorizons,
                seed: UInt64 = 0, ksSubsamples: Int = 20, ksMinMedianPValue: Double = 0.05,
                stdRatioRange: ClosedRange<Double> = 0.8...1.25,
                excessKurtosisRange: ClosedRange<Double> = 3...15,
                dependenceRelativeTolerance: Double = 0.5, dependenceAbsoluteTolerance: Double = 0.02,
                maxAbsReturnACF: Double = 0.1,
                worstDayFactor: Double = 3, hillTolerance: Double = 1, riskRelativeTolerance: Double = 0.25,
                mmd: MMDOptions = MMDOptions(), memorization: MemorizationOptions = MemorizationOptions()) {
        self.maxLag = maxLag; self.leverageLags = leverageLags; self.horizons = horizons; self.seed = seed
        self.ksSubsamples = ksSubsamples; self.ksMinMedianPValue = ksMinMedianPValue
        self.stdRatioRange = stdRatioRange; self.excessKurtosisRange = excessKurtosisRange
        self.dependenceRelativeTolerance = dependenceRelativeTolerance
        self.dependenceAbsoluteTolerance = dependenceAbsoluteTolerance
        self.maxAbsReturnACF = maxAbsReturnACF; self.worstDayFactor = worstDayFactor
        self.hillTolerance = hillTolerance; self.riskRelativeTolerance = riskRelativeTolerance
        self.mmd = mmd; self.memorization = memorization
    }

    /// Throws `StatsError.invalidParameter` naming the first option out of range.
    func validate() throws {
        func bad(_ m: String) -> StatsError { .invalidParameter("StylizedFactsOptions.\(m)") }
        guard maxLag >= 1 else { throw bad("maxLag must be at least 1, got \(maxLag)") }
        guard (1...maxLag).contains(leverageLags) else {
            throw bad("leverageLags must lie in 1…maxLag (\(maxLag)), got \(leverageLags)")
        }
        guard !horizons.isEmpty, horizons.allSatisfy({ $0 >= 1 }) else {
            throw bad("horizons must be a non-empty list of positive day counts, got \(horizons)")
        }
        guard ksSubsamples >= 1 else { throw bad("ksSubsamples must be at least 1, got \(ksSubsamples)") }
        try Check.probability(ksMinMedianPValue, "StylizedFactsOptions.ksMinMedianPValue")
        guard stdRatioRange.lowerBound > 0, stdRatioRange.upperBound.isFinite else {
            throw bad("stdRatioRange must be a finite range of positive ratios, got \(stdRatioRange)")
        }
        guard excessKurtosisRange.lowerBound.isFinite, excessKurtosisRange.upperBound.isFinite else {
            throw bad("excessKurtosisRange must be finite, got \(excessKurtosisRange)")
        }
        guard [dependenceRelativeTolerance, dependenceAbsoluteTolerance, maxAbsReturnACF].allSatisfy({ $0 >= 0 && $0.isFinite })
        else {
            throw bad("dependenceRelativeTolerance, dependenceAbsoluteTolerance and maxAbsReturnACF must be finite and "
                + "non-negative, got \(dependenceRelativeTolerance), \(dependenceAbsoluteTolerance), \(maxAbsReturnACF)")
        }
        guard worstDayFactor >= 1, worstDayFactor.isFinite else {
            throw bad("worstDayFactor must be at least 1, got \(worstDayFactor)")
        }
        guard hillTolerance >= 0, hillTolerance.isFinite, riskRelativeTolerance >= 0, riskRelativeTolerance.isFinite else {
            throw bad("hillTolerance and riskRelativeTolerance must be finite and non-negative")
        }
    }

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case maxLag = "max_lag"
        case leverageLags = "leverage_lags"
        case horizons
        case seed
        case ksSubsamples = "ks_subsamples"
        case ksMinMedianPValue = "ks_min_median_p_value"
        case stdRatioRange = "std_ratio_range"
        case excessKurtosisRange = "excess_kurtosis_range"
        case dependenceRelativeTolerance = "dependence_relative_tolerance"
        case dependenceAbsoluteTolerance = "dependence_absolute_tolerance"
        case maxAbsReturnACF = "max_abs_return_acf"
        case worstDayFactor = "worst_day_factor"
        case hillTolerance = "hill_tolerance"
        case riskRelativeTolerance = "risk_relative_tolerance"
        case mmd
        case memorization
    }
}

/// Training and held-out windows for the memorization fact of a `StylizedFactsReport`.
public struct MemorizationInput: Sendable {
    /// The windows the generator was trained on (all of one length w).
    public var training: [[Double]]
    /// Real windows of length w not used in training.
    public var heldOut: [[Double]]

    /// Creates the memorization input from training and held-out windows of one length.
    public init(training: [[Double]], heldOut: [[Double]]) {
        self.training = training; self.heldOut = heldOut
    }
}
