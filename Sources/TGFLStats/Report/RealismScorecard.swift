import Foundation

/// Settings of a `RealismScorecard`: lags, seed and the tolerances of the realism targets of
/// issue 12. Every default is stated on its property.
public struct RealismOptions: Sendable, Codable, Equatable {
    /// Seed of every subsample (fair KS, MMD, memorization; default 0).
    public var seed: UInt64
    /// Lags 1…K of the fair ACF-of-|r| error (default 50).
    public var acfLags: Int
    /// Lags 1…L of the fair leverage error (default 20; at most `acfLags`).
    public var leverageLags: Int
    /// Number of fair-KS subsamples (default 20).
    public var ksSubsamples: Int
    /// The fair KS target: median p at least this (default 0.05).
    public var ksMinPValue: Double
    /// The kurtosis target: synthetic / real excess kurtosis in this range (default 0.5…2).
    public var kurtosisRatioRange: ClosedRange<Double>
    /// The 1 % VaR and ES targets: |syn / real − 1| at most this (default 0.10).
    public var riskTolerance: Double
    /// The per-regime std and 1 % VaR targets: |syn / real − 1| at most this (default 0.20).
    public var regimeTolerance: Double
    /// The regime whose mean must have the real sign (nil, the default: the last regime,
    /// i.e. "crisis" with TGFL's four volatility regimes).
    public var crisisRegime: Int?
    /// Subsampling and thresholds of the memorization score (its seed is replaced by `seed`).
    public var memorization: MemorizationOptions

    /// Creates scorecard options; every default is documented on its property.
    public init(seed: UInt64 = 0, acfLags: Int = 50, leverageLags: Int = 20, ksSubsamples: Int = 20,
                ksMinPValue: Double = 0.05, kurtosisRatioRange: ClosedRange<Double> = 0.5...2,
                riskTolerance: Double = 0.10, regimeTolerance: Double = 0.20, crisisRegime: Int? = nil,
                memorization: MemorizationOptions = MemorizationOptions()) {
        self.seed = seed; self.acfLags = acfLags; self.leverageLags = leverageLags
        self.ksSubsamples = ksSubsamples; self.ksMinPValue = ksMinPValue
        self.kurtosisRatioRange = kurtosisRatioRange; self.riskTolerance = riskTolerance
        self.regimeTolerance = regimeTolerance; self.crisisRegime = crisisRegime
        self.memorization = memorization
    }

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case seed
        case acfLags = "acf_lags"
        case leverageLags = "leverage_lags"
        case ksSubsamples = "ks_subsamples"
        case ksMinPValue = "ks_min_p_value"
        case kurtosisRatioRange = "kurtosis_ratio_range"
        case riskTolerance = "risk_tolerance"
        case regimeTolerance = "regime_tolerance"
        case crisisRegime = "crisis_regime"
        case memorization
    }
}

/// One regime's real days next to the synthetic days labelled with that regime.
public struct RealismRegimeStats: Sendable, Codable, Equatable {
    /// Regime index and name.
    public var index: Int
    public var name: String
    /// Days of this regime: real, and synthetic (pooled over paths).
    public var realDays: Int
    public var syntheticDays: Int
    /// std (ddof 0), historical 1 % VaR (positive = loss) and mean; nil with fewer than 2 days.
    public var realStd: Double?
    public var syntheticStd: Double?
    /// See `realStd`.
    public var realVaR: Double?
    public var syntheticVaR: Double?
    /// See `realStd`.
    public var realMean: Double?
    public var syntheticMean: Double?

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case index, name
        case realDays = "real_days"
        case syntheticDays = "synthetic_days"
        case realStd = "real_std"
        case syntheticStd = "synthetic_std"
        case realVaR = "real_var"
        case syntheticVaR = "synthetic_var"
        case realMean = "real_mean"
        case syntheticMean = "synthetic_mean"
    }
}

/// The numbers a `RealismScorecard` checks, measured on one scenario set.
public struct RealismMetrics: Sendable, Codable, Equatable {
    /// Fair KS: median p over real-size subsamples of the synthetic pool.
    public var ksFairPValue: Double
    /// Excess kurtosis (Fisher, biased) of the real series and of the pooled synthetic days.
    public var realExcessKurtosis: Double
    public var syntheticExcessKurtosis: Double
    /// Fair ACF-of-|r| L2 error, lags 1…`acfLags` (Quant GANs score against the real series cut
    /// into chunks of the path length).
    public var acfAbsoluteError: Double
    /// Fair leverage L2 error, lags 1…`leverageLags`.
    public var leverageError: Double
    /// Historical 1 % VaR and ES (positive = loss), real and pooled synthetic.
    public var realVaR: Double
    public var syntheticVaR: Double
    /// See `realVaR`.
    public var realES: Double
    public var syntheticES: Double
    /// Per regime, real vs synthetic days.
    public var regimes: [RealismRegimeStats]
    /// The memorization score against held-out real windows (when windows were given).
    public var memorization: MemorizationScore?

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case ksFairPValue = "ks_fair_p"
        case realExcessKurtosis = "real_excess_kurtosis"
        case syntheticExcessKurtosis = "synthetic_excess_kurtosis"
        case acfAbsoluteError = "acf_abs_error"
        case leverageError = "leverage_error"
        case realVaR = "real_var_1"
        case syntheticVaR = "synthetic_var_1"
        case realES = "real_es_1"
        case syntheticES = "synthetic_es_1"
        case regimes
        case memorization
    }
}

/// One realism target: a value, what it was compared with, the tolerance and the verdict.
public struct RealismTarget: Sendable, Codable, Equatable {
    /// Stable key, e.g. `ks_fair`, `regime_std.crisis`.
    public var key: String
    /// Human-readable name.
    public var name: String
    /// The measured value (nil when it could not be measured, e.g. no synthetic day in a regime).
    public var value: Double?
    /// The value it was compared with (the real value, a baseline's score or a threshold).
    public var reference: Double?
    /// The tolerance in words.
    public var tolerance: String
    /// PASS (true), FAIL (false), or nil when there is no reference to check against.
    public var passed: Bool?

    /// Creates a target row.
    public init(key: String, name: String, value: Double?, reference: Double?, tolerance: String, passed: Bool?) {
        self.key = key; self.name = name; self.value = value; self.reference = reference
        self.tolerance = tolerance; self.passed = passed
    }

    /// Encodes every key, writing `null` for a missing value, so the JSON shape never changes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(reference, forKey: .reference)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(passed, forKey: .passed)
    }

    enum CodingKeys: String, CodingKey { case key, name, value, reference, tolerance, passed }
}

/// The baselines' scores some targets compare with (issue 12: "fair ACF of |r| error at most
/// GARCH-t's", "fair leverage error at most GJR's"); nil leaves those targets unchecked.
public struct RealismReferences: Sendable, Codable, Equatable {
    /// GARCH(1,1)-t's fair ACF-of-|r| error on the same series.
    public var acfAbsoluteError: Double?
    /// GJR-GARCH skew-t's fair leverage error on the same series.
    public var leverageError: Double?

    /// Creates the references.
    public init(acfAbsoluteError: Double? = nil, leverageError: Double? = nil) {
        self.acfAbsoluteError = acfAbsoluteError; self.leverageError = leverageError
    }

    enum CodingKeys: String, CodingKey {
        case acfAbsoluteError = "acf_abs_error"
        case leverageError = "leverage_error"
    }
}

/// The realism targets of issue 12 for one scenario set against one real series: the numbers
/// (`metrics`) and the per-target verdicts (`targets`), in one place for the benchmark and the demo.
///
/// ```
/// ks_fair            median_s KS(real, pool[I_s]).p ≥ 0.05           (StylizedFactsReport's fair KS)
/// excess_kurtosis    κ_syn / κ_real ∈ [0.5, 2]
/// acf_abs_error      ‖ACF_fair(|r|) − ACF_syn(|r|)‖₂, lags 1…50  ≤  GARCH(1,1)-t's
/// leverage_error     ‖L_fair − L_syn‖₂, lags 1…20               ≤  GJR-GARCH skew-t's
/// var_1, es_1        |syn / real − 1| ≤ 0.10                          (historical, α = 1 %)
/// regime_std.<g>     |std_syn,g / std_real,g − 1| ≤ 0.20              (days labelled g)
/// regime_var.<g>     |VaR_syn,g / VaR_real,g − 1| ≤ 0.20
/// crisis_mean        sign(mean_syn,crisis) = sign(mean_real,crisis), checked only where the real
///                    mean is significant: |mean_real| ≥ 2 · std_real / √n_real (else unchecked —
///                    the sign of a mean within noise of 0 is not a property of the data)
/// memorization       not memorizing (Memorization.score vs held-out real windows)
/// ```
/// "Fair" curves compare the path-averaged synthetic curves with the real series cut into
/// chunks of the path length (`QuantGANs.chunkedCurves`), so both carry the same short-sample
/// bias (Wiese et al. 2020, "Quant GANs", §6.2, for the scores). The fair KS, kurtosis, VaR/ES,
/// curves and memorization come from `StylizedFactsReport`; the regime days are selected by
/// the labels the caller gives (e.g. a trailing-volatility regime model applied to the real
/// series and to each synthetic path).
public struct RealismScorecard: Sendable, Codable, Equatable {
    /// The crisis-mean sign is checked only when the real crisis days' mean is at least this
    /// many standard errors from 0.
    public static let crisisMeanSignificance = 2.0

    /// The crisis-mean sign target: unchecked (nil) where the real mean is within
    /// `crisisMeanSignificance` standard errors of 0.
    static func crisisMeanTarget(_ crisis: RealismRegimeStats) -> RealismTarget {
        var same: Bool? = false
        if let s = crisis.syntheticMean, let r = crisis.realMean {
            let standardError = (crisis.realStd ?? 0) / Double(max(1, crisis.realDays)).squareRoot()
            same = abs(r) < crisisMeanSignificance * standardError ? nil : s != 0 && (s < 0) == (r < 0)
        }
        return RealismTarget(key: FactKey.crisisMean.rawValue, name: "Mean, \(crisis.name) days", value: crisis.syntheticMean,
                             reference: crisis.realMean,
                             tolerance: "same sign as real (checked when |real mean| ≥ 2 standard errors)", passed: same)
    }
    /// The options used.
    public var options: RealismOptions
    /// The references the baseline targets used.
    public var references: RealismReferences
    /// The measured numbers.
    public var metrics: RealismMetrics
    /// The targets, in a fixed order.
    public var targets: [RealismTarget]

    /// Targets passed, and targets checked (those with a verdict).
    public var passedCount: Int { targets.filter { $0.passed == true }.count }
    public var checkedCount: Int { targets.filter { $0.passed != nil }.count }

    /// Scores one scenario set.
    ///
    /// - Parameters:
    ///   - real: the full real series of daily log returns (at least 200 days and one path length).
    ///   - realRegimes: one regime index per real day, in `0 ..< regimeNames.count`.
    ///   - synthetic: the synthetic paths (equal lengths, at least `acfLags + 2` days).
    ///   - syntheticRegimes: one regime index per synthetic day, path by path.
    ///   - regimeNames: a name per regime (at least one).
    ///   - memorization: training and held-out real windows for the memorization target (optional).
    ///   - references: the baselines' scores (optional).
    ///   - options: lags, seed and tolerances.
    /// - Returns: the scorecard.
    /// - Throws: `StatsError` naming the bad argument: label arrays of the wrong length or a
    ///   label out of range, and everything `StylizedFactsReport` rejects.
    public init(real: [Double], realRegimes: [Int], synthetic: [[Double]], syntheticRegimes: [[Int]],
                regimeNames: [String], memorization: MemorizationInput? = nil,
                references: RealismReferences = RealismReferences(),
                options: RealismOptions = RealismOptions()) throws {
        guard !regimeNames.isEmpty else { throw StatsError.emptyInput("regimeNames") }
        guard options.acfLags >= 1, (1...options.acfLags).contains(options.leverageLags) else {
            throw StatsError.invalidParameter("RealismOptions: need acfLags ≥ 1 and leverageLags in 1…acfLags, "
                                              + "got \(options.acfLags) and \(options.leverageLags)")
        }
        if let c = options.crisisRegime, !regimeNames.indices.contains(c) {
            throw StatsError.invalidParameter("RealismOptions.crisisRegime \(c) is not in 0..<\(regimeNames.count)")
        }
        try Self.checkLabels(realRegimes, count: real.count, name: "realRegimes", regimes: regimeNames.count)
        guard syntheticRegimes.count == synthetic.count else {
            throw StatsError.lengthMismatch("syntheticRegimes has \(syntheticRegimes.count) paths, synthetic \(synthetic.count)")
        }
        for (p, labels) in syntheticRegimes.enumerated() {
            try Self.checkLabels(labels, count: synthetic[p].count, name: "syntheticRegimes[\(p)]",
                                 regimes: regimeNames.count)
        }

        let reportOptions = StylizedFactsOptions(maxLag: options.acfLags, leverageLags: options.leverageLags,
                                                 seed: options.seed, ksSubsamples: options.ksSubsamples,
                                                 memorization: options.memorization)
        let report = try StylizedFactsReport(real: real, synthetic: synthetic, options: reportOptions,
                                             memorization: memorization)
        func fact(_ key: String) -> StylizedFact { report.facts.first { $0.key == key }! }
        let l = options.leverageLags
        let leverageError = zip(report.fairRealCurves.leverage.prefix(l), report.syntheticCurves.leverage.prefix(l))
            .reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()

        var regimes: [RealismRegimeStats] = []
        let pool = synthetic.flatMap { $0 }, poolLabels = syntheticRegimes.flatMap { $0 }
        for (g, name) in regimeNames.enumerated() {
            let r = zip(real, realRegimes).filter { $0.1 == g }.map(\.0)
            let s = zip(pool, poolLabels).filter { $0.1 == g }.map(\.0)
            let (rs, rv, rm) = try Self.dayStats(r), (ss, sv, sm) = try Self.dayStats(s)
            regimes.append(RealismRegimeStats(index: g, name: name, realDays: r.count, syntheticDays: s.count,
                                              realStd: rs, syntheticStd: ss, realVaR: rv, syntheticVaR: sv,
                                              realMean: rm, syntheticMean: sm))
        }

        let metrics = RealismMetrics(
            ksFairPValue: fact(FactKey.ksFair.rawValue).synthetic!,
            realExcessKurtosis: fact(FactKey.excessKurtosis.rawValue).real!, syntheticExcessKurtosis: fact(FactKey.excessKurtosis.rawValue).synthetic!,
            acfAbsoluteError: report.quantGANsFair.acfAbsolute, leverageError: leverageError,
            realVaR: fact(FactKey.var1.rawValue).real!, syntheticVaR: fact(FactKey.var1.rawValue).synthetic!,
            realES: fact(FactKey.es1.rawValue).real!, syntheticES: fact(FactKey.es1.rawValue).synthetic!,
            regimes: regimes, memorization: report.memorization)
        self.options = options
        self.references = references
        self.metrics = metrics
        self.targets = Self.targets(metrics: metrics, references: references, options: options)
    }

    /// The target verdicts for given metrics (e.g. to re-check a baseline's metrics once the
    /// references are known).
    ///
    /// - Parameters:
    ///   - metrics: the measured numbers.
    ///   - references: the baselines' scores.
    ///   - options: the tolerances.
    /// - Returns: the targets, in the order of the type's documentation.
    public static func targets(metrics m: RealismMetrics, references: RealismReferences,
                               options o: RealismOptions) -> [RealismTarget] {
        func ratioWithin(_ value: Double?, _ reference: Double?, _ tol: Double) -> Bool {
            guard let value, let reference, reference != 0 else { return false }
            return abs(value / reference - 1) <= tol
        }
        let f = formatReportNumber
        var t: [RealismTarget] = []
        t.append(RealismTarget(key: FactKey.ksFair.rawValue, name: "Fair KS median p", value: m.ksFairPValue,
                               reference: o.ksMinPValue, tolerance: "≥ \(f(o.ksMinPValue))",
                               passed: m.ksFairPValue >= o.ksMinPValue))
        let ratio = m.syntheticExcessKurtosis / m.realExcessKurtosis
        t.append(RealismTarget(key: FactKey.excessKurtosis.rawValue, name: "Excess kurtosis (syn vs real)",
                               value: m.syntheticExcessKurtosis, reference: m.realExcessKurtosis,
                               tolerance: "syn/real in [\(f(o.kurtosisRatioRange.lowerBound)), \(f(o.kurtosisRatioRange.upperBound))]",
                               passed: m.realExcessKurtosis != 0 && ratio.isFinite && o.kurtosisRatioRange.contains(ratio)))
        t.append(RealismTarget(key: FactKey.acfAbsError.rawValue, name: "Fair ACF|r| L2 error, lags 1–\(o.acfLags)",
                               value: m.acfAbsoluteError, reference: references.acfAbsoluteError,
                               tolerance: "≤ GARCH(1,1)-t's", passed: references.acfAbsoluteError.map { m.acfAbsoluteError <= $0 }))
        t.append(RealismTarget(key: FactKey.leverageError.rawValue, name: "Fair leverage L2 error, lags 1–\(o.leverageLags)",
                               value: m.leverageError, reference: references.leverageError,
                               tolerance: "≤ GJR-GARCH skew-t's", passed: references.leverageError.map { m.leverageError <= $0 }))
        let risk = "|syn/real − 1| ≤ \(f(o.riskTolerance))"
        t.append(RealismTarget(key: FactKey.var1.rawValue, name: "1% VaR", value: m.syntheticVaR, reference: m.realVaR,
                               tolerance: risk, passed: ratioWithin(m.syntheticVaR, m.realVaR, o.riskTolerance)))
        t.append(RealismTarget(key: FactKey.es1.rawValue, name: "1% ES", value: m.syntheticES, reference: m.realES,
                               tolerance: risk, passed: ratioWithin(m.syntheticES, m.realES, o.riskTolerance)))
        let regimeTol = "|syn/real − 1| ≤ \(f(o.regimeTolerance))"
        for g in m.regimes {
            t.append(RealismTarget(key: FactKey.regimeStdPrefix + g.name, name: "std, \(g.name) days", value: g.syntheticStd,
                                   reference: g.realStd, tolerance: regimeTol,
                                   passed: ratioWithin(g.syntheticStd, g.realStd, o.regimeTolerance)))
        }
        for g in m.regimes {
            t.append(RealismTarget(key: FactKey.regimeVaRPrefix + g.name, name: "1% VaR, \(g.name) days", value: g.syntheticVaR,
                                   reference: g.realVaR, tolerance: regimeTol,
                                   passed: ratioWithin(g.syntheticVaR, g.realVaR, o.regimeTolerance)))
        }
        if let crisis = m.regimes.first(where: { $0.index == (o.crisisRegime ?? m.regimes.count - 1) }) {
            t.append(crisisMeanTarget(crisis))
        }
        if let memo = m.memorization {
            t.append(RealismTarget(key: FactKey.memorization.rawValue, name: "Memorization (NN distance ratio gen/held-out)",
                                   value: memo.medianRatio, reference: 1,
                                   tolerance: "as held-out: fraction closer ≤ \(f(o.memorization.fractionThreshold)), "
                                       + "ratio ≥ \(f(o.memorization.ratioThreshold))",
                                   passed: !memo.isMemorizing))
        } else {
            t.append(RealismTarget(key: FactKey.memorization.rawValue, name: "Memorization (NN distance ratio gen/held-out)",
                                   value: nil, reference: 1, tolerance: "no windows given", passed: nil))
        }
        return t
    }

    /// std (ddof 0), historical 1 % VaR and mean of some days; nils with fewer than 2 days.
    ///
    /// ```
    /// std = sqrt(mean((x − x̄)²)),  VaR = −Q_linear(x, 0.01),  mean = x̄
    /// ```
    static func dayStats(_ x: [Double]) throws -> (std: Double?, valueAtRisk: Double?, mean: Double?) {
        guard x.count >= 2 else { return (nil, nil, x.first) }
        return (try Descriptive.standardDeviation(x), try RiskMeasures.historical(x, level: 0.01).valueAtRisk,
                try Descriptive.mean(x))
    }

    static func checkLabels(_ labels: [Int], count: Int, name: String, regimes: Int) throws {
        guard labels.count == count else {
            throw StatsError.lengthMismatch("\(name) has \(labels.count) labels for \(count) days: give one per day")
        }
        if let i = labels.firstIndex(where: { !(0..<regimes).contains($0) }) {
            throw StatsError.invalidParameter("\(name)[\(i)] = \(labels[i]) is not a regime in 0..<\(regimes)")
        }
    }

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey { case options, references, metrics, targets }
}
