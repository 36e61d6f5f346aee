import TGFLRandom
import TGFLBase
import Foundation

/// One row of a `StylizedFactsReport`: a fact measured on real and synthetic data.
public struct StylizedFact: Sendable, Codable, Equatable {
    /// Stable machine key, e.g. `"ks_fair"`, `"excess_kurtosis"`.
    public var key: String
    /// Human-readable name.
    public var name: String
    /// The value on the real series (nil where the fact is a comparison, e.g. a p-value).
    public var real: Double?
    /// The value on the synthetic paths.
    public var synthetic: Double?
    /// The pass criterion in words, with its threshold.
    public var criterion: String
    /// Pass (true), fail (false) or informational (nil).
    public var passed: Bool?

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case key
        case name
        case real
        case synthetic
        case criterion
        case passed
    }

    /// Encodes every key, writing `null` for a missing value, so the JSON shape never changes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(name, forKey: .name)
        try c.encode(real, forKey: .real)
        try c.encode(synthetic, forKey: .synthetic)
        try c.encode(criterion, forKey: .criterion)
        try c.encode(passed, forKey: .passed)
    }
}

/// Real returns and synthetic paths side by side: the stylized facts of financial returns
/// (Cont 2001, "Empirical properties of asset returns: stylized facts and statistical
/// issues", Quantitative Finance 1), each with a pass/fail verdict, plus distances at several
/// horizons, the Quant GANs scores and optionally a memorization check.
///
/// Facts and defaults (see `StylizedFactsOptions`):
/// ```
/// ks_fair          median over S = 20 subsamples (size n_real, seeded) of the synthetic pool of
///                  KS p(real, subsample); pass if ≥ 0.05   (a pool of n ≤ n_real values: one test)
/// std              pooled synthetic std / real std in [0.8, 1.25]
/// excess_kurtosis  pooled synthetic excess kurtosis (Fisher, biased) in [3, 15]
/// skewness         informational
/// abs_acf_mean     mean_{k=1..K} ACF_k(|r|), synthetic path-averaged, against the FAIR real
///                  value (the real series cut into chunks of the path length, curves averaged):
///                  pass if |syn − real| ≤ max(0.5·|real|, 0.02)                   (clustering)
/// leverage_mean    mean_{k=1..L} corr(r_t, r²_{t+k}), the same way               (leverage)
/// return_acf_max   max_{k=1..K} |ACF_k(r)| (path-averaged) ≤ 0.1                 (no linear memory)
/// worst_day        m_syn ≥ min(real) − (3 − 1)|min(real)|, m_syn = median over the fair-KS
///                  subsamples of their minimum (real-size samples; `worst_day_pooled`
///                  gives the minimum of all synthetic days, informational)
/// hill_left_tail   |α_syn − α_real| ≤ 1      (Hill index of the losses −r)
/// var_1, es_1, var_5, es_5   historical VaR/ES of the pooled synthetic returns within
///                  25 % of the real ones
/// memorization     not memorizing (`Memorization.score`), when windows are given
/// ```
/// Synthetic moments, tails and risk numbers use all paths pooled; ACF and leverage are
/// computed per path and averaged (a series' ACF must not cross path boundaries). The
/// distances (`Distances.atHorizons`) and Quant GANs scores (`QuantGANs.scores`, plain and
/// fair) are reported beside the facts, without a verdict. `overallPass` is true when no
/// fact fails.
public struct StylizedFactsReport: Sendable, Codable, Equatable {
    /// Real days, synthetic paths and synthetic days.
    public var realCount: Int
    public var pathCount: Int
    public var syntheticCount: Int
    /// The options used.
    public var options: StylizedFactsOptions
    /// The facts, in a fixed order.
    public var facts: [StylizedFact]
    /// Distances at each horizon.
    public var horizonDistances: [HorizonDistance]
    /// Quant GANs L2 scores against the full real series and the fair (chunked) variant.
    public var quantGANs: QuantGANsScores
    public var quantGANsFair: QuantGANsScores
    /// The dependence curves behind the scores (real, fair real, synthetic path average).
    public var realCurves: DependenceCurves
    public var fairRealCurves: DependenceCurves
    public var syntheticCurves: DependenceCurves
    /// The memorization score, when training windows were given.
    public var memorization: MemorizationScore?
    /// Facts passed, failed, and informational.
    public var passedCount: Int
    public var failedCount: Int
    public var informationalCount: Int
    /// True when no fact failed.
    public var overallPass: Bool

    /// Builds the report.
    ///
    /// - Parameters:
    ///   - real: the real daily log returns (one series; at least `2 · max(horizons)`
    ///     values and one synthetic path length).
    ///   - synthetic: the synthetic paths (each at least `max(horizons, maxLag + 2)` days).
    ///   - options: lags, horizons, seed and thresholds.
    ///   - memorization: training and held-out windows for the memorization fact (optional).
    /// - Returns: the report.
    /// - Throws: `StatsError` naming the bad argument: empty input, NaN/inf (with path and
    ///   index), a path shorter than a horizon or lag, a constant series, a bad option.
    public init(real: [Double], synthetic: [[Double]], options: StylizedFactsOptions = StylizedFactsOptions(),
                memorization: MemorizationInput? = nil) throws {
        try options.validate()
        let k = options.maxLag
        try Check.finite(real, "real", atLeast: k + 2, for: "the ACF facts up to lag \(k)")
        let longest = options.horizons.max()!
        try Check.paths(synthetic, "synthetic", atLeast: max(k + 2, longest),
                        for: "ACF facts up to lag \(k) and \(longest)-day returns")
        let pool = synthetic.flatMap { $0 }
        let shortest = synthetic.map(\.count).min()!
        // Memorization input is checked up front, so a bad window fails before any work.
        let memoWindow = try memorization.map { try Self.memorizationWindow($0, shortestPath: shortest) }

        // Dependence curves and Quant GANs scores.
        let realCurves = try QuantGANs.uncheckedCurves(real, k)
        let synCurves = try QuantGANs.uncheckedAverage(synthetic, k)
        let fairCurves = try QuantGANs.chunkedCurves(of: real, chunkLength: shortest, maxLag: k)

        // Distances at each horizon.
        var mmd = options.mmd
        mmd.seed = options.seed
        let distances = try Distances.atHorizons(real: real, synthetic: synthetic, horizons: options.horizons, mmd: mmd)

        let fair = try Self.fairSubsampleMedians(real: real, pool: pool, subsamples: options.ksSubsamples, seed: options.seed)
        var facts = try Self.distributionFacts(real: real, pool: pool, fairKS: fair.pValue, options: options)
        facts += Self.dependenceFacts(real: realCurves, fair: fairCurves, synthetic: synCurves, options: options)
        facts += try Self.tailFacts(real: real, pool: pool, fairWorstDay: fair.minimum, options: options)
        var memo: MemorizationScore?
        if let m = memorization, let w = memoWindow {
            let (score, fact) = try Self.memorizationFact(m, window: w, synthetic: synthetic, options: options)
            memo = score
            facts.append(fact)
        }

        self.realCount = real.count
        self.pathCount = synthetic.count
        self.syntheticCount = pool.count
        self.options = options
        self.facts = facts
        self.horizonDistances = distances
        self.quantGANs = QuantGANs.scores(real: realCurves, synthetic: synCurves)
        self.quantGANsFair = QuantGANs.scores(real: fairCurves, synthetic: synCurves)
        self.realCurves = realCurves
        self.fairRealCurves = fairCurves
        self.syntheticCurves = synCurves
        self.memorization = memo
        self.passedCount = facts.filter { $0.passed == true }.count
        self.failedCount = facts.filter { $0.passed == false }.count
        self.informationalCount = facts.filter { $0.passed == nil }.count
        self.overallPass = failedCount == 0
    }

    /// The length of the memorization windows, after checking them against the synthetic paths.
    private static func memorizationWindow(_ m: MemorizationInput, shortestPath shortest: Int) throws -> Int {
        guard let w = m.training.first?.count, w >= 1 else {
            throw StatsError.emptyInput("memorization.training (no windows)")
        }
        guard shortest >= w else {
            throw StatsError.tooShort("synthetic paths have \(shortest) days; memorization windows need \(w)")
        }
        for (name, set) in [("memorization.training", m.training), ("memorization.heldOut", m.heldOut)] {
            guard !set.isEmpty else { throw StatsError.emptyInput("\(name) (no windows)") }
            if let i = set.firstIndex(where: { $0.count != w }) {
                throw StatsError.lengthMismatch("\(name)[\(i)] has length \(set[i].count); every window must have length \(w)")
            }
        }
        return w
    }

    /// The one-day distribution: fair KS, standard deviation, excess kurtosis, skewness.
    private static func distributionFacts(real: [Double], pool: [Double], fairKS ksP: Double,
                                          options: StylizedFactsOptions) throws -> [StylizedFact] {
        var facts: [StylizedFact] = []
        facts.append(StylizedFact(key: FactKey.ksFair.rawValue, name: "Fair KS median p (\(options.ksSubsamples) subsamples)",
                                  real: nil, synthetic: ksP,
                                  criterion: "median p ≥ \(formatReportNumber(options.ksMinMedianPValue))",
                                  passed: ksP >= options.ksMinMedianPValue))

        let stdR = try Descriptive.standardDeviation(real), stdS = try Descriptive.standardDeviation(pool)
        facts.append(StylizedFact(key: FactKey.std.rawValue, name: "Standard deviation", real: stdR, synthetic: stdS,
                                  criterion: "syn/real in [\(formatReportNumber(options.stdRatioRange.lowerBound)), \(formatReportNumber(options.stdRatioRange.upperBound))]",
                                  passed: stdR > 0 && options.stdRatioRange.contains(stdS / stdR)))
        let kurtR = try Descriptive.excessKurtosis(real), kurtS = try Descriptive.excessKurtosis(pool)
        facts.append(StylizedFact(key: FactKey.excessKurtosis.rawValue, name: "Excess kurtosis", real: kurtR, synthetic: kurtS,
                                  criterion: "syn in [\(formatReportNumber(options.excessKurtosisRange.lowerBound)), \(formatReportNumber(options.excessKurtosisRange.upperBound))]",
                                  passed: options.excessKurtosisRange.contains(kurtS)))
        facts.append(StylizedFact(key: FactKey.skewness.rawValue, name: "Skewness", real: try Descriptive.skewness(real),
                                  synthetic: try Descriptive.skewness(pool), criterion: "informational", passed: nil))
        return facts
    }

    /// Dependence: volatility clustering (ACF of |r|) and leverage against the fair real
    /// values (a sign alone would let a set without clustering pass on noise), and no linear
    /// autocorrelation.
    private static func dependenceFacts(real realCurves: DependenceCurves, fair fairCurves: DependenceCurves,
                                        synthetic synCurves: DependenceCurves,
                                        options: StylizedFactsOptions) -> [StylizedFact] {
        let k = options.maxLag
        var facts: [StylizedFact] = []
        let rel = options.dependenceRelativeTolerance, abs0 = options.dependenceAbsoluteTolerance
        let criterion = "|syn − real| ≤ max(\(formatReportNumber(rel))·|real|, \(formatReportNumber(abs0))); "
            + "real: path-length chunks"
        func close(_ s: Double, _ r: Double) -> Bool { abs(s - r) <= max(rel * abs(r), abs0) }
        let absR = mean(fairCurves.acfAbsolute), absS = mean(synCurves.acfAbsolute)
        facts.append(StylizedFact(key: FactKey.absACFMean.rawValue, name: "Mean ACF of |r|, lags 1–\(k)", real: absR,
                                  synthetic: absS, criterion: criterion, passed: close(absS, absR)))
        let l = options.leverageLags
        let levR = mean(Array(fairCurves.leverage.prefix(l))), levS = mean(Array(synCurves.leverage.prefix(l)))
        facts.append(StylizedFact(key: FactKey.leverageMean.rawValue, name: "Mean leverage corr(r_t, r²_t+k), lags 1–\(l)",
                                  real: levR, synthetic: levS, criterion: criterion, passed: close(levS, levR)))
        let acfR = realCurves.acfReturns.map(abs).max()!, acfS = synCurves.acfReturns.map(abs).max()!
        facts.append(StylizedFact(key: FactKey.returnACFMax.rawValue, name: "Max |ACF of r|, lags 1–\(k)", real: acfR, synthetic: acfS,
                                  criterion: "syn ≤ \(formatReportNumber(options.maxAbsReturnACF))", passed: acfS <= options.maxAbsReturnACF))
        return facts
    }

    /// The left tail: worst day (fair and pooled), Hill index, historical VaR and ES at 1 % and 5 %.
    private static func tailFacts(real: [Double], pool: [Double], fairWorstDay worstS: Double,
                                  options: StylizedFactsOptions) throws -> [StylizedFact] {
        var facts: [StylizedFact] = []
        let worstR = real.min()!
        let floor = worstR - (options.worstDayFactor - 1) * abs(worstR)
        facts.append(StylizedFact(key: FactKey.worstDay.rawValue, name: "Worst day (syn: median over real-size subsamples)",
                                  real: worstR, synthetic: worstS,
                                  criterion: "syn ≥ \(formatReportNumber(floor)) (\(formatReportNumber(options.worstDayFactor))× real)",
                                  passed: worstS >= floor))
        facts.append(StylizedFact(key: FactKey.worstDayPooled.rawValue, name: "Worst day (all synthetic days)",
                                  real: worstR, synthetic: pool.min()!, criterion: "informational", passed: nil))

        let hillR = try ReportRisk.hillLeftTail(real), hillS = try ReportRisk.hillLeftTail(pool)
        facts.append(StylizedFact(key: FactKey.hillLeftTail.rawValue, name: "Hill tail index (losses)", real: hillR, synthetic: hillS,
                                  criterion: "|syn − real| ≤ \(formatReportNumber(options.hillTolerance))",
                                  passed: abs(hillS - hillR) <= options.hillTolerance))

        for alpha in [0.01, 0.05] {
            let r = try ReportRisk.valueAtRiskAndES(real, alpha: alpha)
            let s = try ReportRisk.valueAtRiskAndES(pool, alpha: alpha)
            let pct = Int((alpha * 100).rounded())
            let tol = options.riskRelativeTolerance
            for (key, name, a, b) in [(FactKey.valueAtRisk(percent: pct), "VaR \(pct)%", r.valueAtRisk, s.valueAtRisk),
                                      (FactKey.expectedShortfall(percent: pct), "ES \(pct)%", r.expectedShortfall, s.expectedShortfall)] {
                facts.append(StylizedFact(key: key, name: name + " (historical)", real: a, synthetic: b,
                                          criterion: "|syn/real − 1| ≤ \(formatReportNumber(tol))",
                                          passed: a != 0 && abs(b / a - 1) <= tol))
            }
        }
        return facts
    }

    /// Memorization: nearest-neighbour distances of the generated windows to the training and
    /// held-out windows.
    private static func memorizationFact(_ m: MemorizationInput, window w: Int, synthetic: [[Double]],
                                         options: StylizedFactsOptions) throws -> (MemorizationScore, StylizedFact) {
        let generated = synthetic.flatMap { p in
            Swift.stride(from: 0, through: p.count - w, by: w).map { Array(p[$0 ..< $0 + w]) }
        }
        var mo = options.memorization
        mo.seed = options.seed
        let score = try Memorization.score(generated: generated, training: m.training, heldOut: m.heldOut, options: mo)
        return (score, StylizedFact(key: FactKey.memorization.rawValue, name: "Memorization (NN distance ratio gen/held-out)",
                                    real: nil, synthetic: score.medianRatio,
                                    criterion: "fraction closer ≤ \(formatReportNumber(mo.fractionThreshold)) and ratio ≥ \(formatReportNumber(mo.ratioThreshold))",
                                    passed: !score.isMemorizing))
    }

    /// The fair KS p-value and the fair worst day: medians over `subsamples` seeded subsamples
    /// of the synthetic pool, each of the real sample's size.
    ///
    /// ```
    /// I_s = SeededRNG(seed, stream: 100 + s).subsampleIndices(n_real, n_pool),  s = 0 … S−1
    /// pValue  = median_s  KS(real, pool[I_s]).p          (numpy median; scipy ks_2samp "auto")
    /// minimum = median_s  min(pool[I_s])
    /// ```
    /// Comparing equal sizes keeps the KS test's power that of the real sample, so a large
    /// synthetic pool is not failed for differences too small to matter, and the worst day
    /// of n_real synthetic days is compared with the worst of n_real real days (the minimum
    /// of a larger sample is more extreme by construction). With a pool no larger than the
    /// real sample, one test against (and the minimum of) the whole pool.
    static func fairSubsampleMedians(real: [Double], pool: [Double], subsamples: Int,
                                     seed: UInt64) throws -> (pValue: Double, minimum: Double) {
        let sortedReal = real.sorted()
        if pool.count <= real.count {
            return (try KolmogorovSmirnov.twoSample(sortedReal, pool).pValue, pool.min()!)
        }
        var p = [Double](repeating: 0, count: subsamples)
        var minima = [Double](repeating: 0, count: subsamples)
        var failure: [StatsError?] = Array(repeating: nil, count: subsamples)
        p.withUnsafeMutableBufferPointer { pb in
            minima.withUnsafeMutableBufferPointer { mb in
                failure.withUnsafeMutableBufferPointer { fb in
                    let out = UncheckedSendable(pb), low = UncheckedSendable(mb), err = UncheckedSendable(fb)
                    DispatchQueue.concurrentPerform(iterations: subsamples) { s in
                        var rng = SeededRNG(seed: seed, stream: 100 + UInt64(s))
                        let sample = pool.picking(rng.subsampleIndices(count: real.count, from: pool.count))
                        low.value[s] = sample.min()!
                        do { out.value[s] = try KolmogorovSmirnov.twoSample(sortedReal, sample).pValue }
                        catch { err.value[s] = error as? StatsError ?? .invalidParameter("\(error)") }
                    }
                }
            }
        }
        if let e = failure.compactMap({ $0 }).first { throw e }
        return (Descriptive.quantile(sorted: p.sorted(), 0.5), Descriptive.quantile(sorted: minima.sorted(), 0.5))
    }

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case realCount = "real_count"
        case pathCount = "path_count"
        case syntheticCount = "synthetic_count"
        case options
        case facts
        case horizonDistances = "horizon_distances"
        case quantGANs = "quant_gans"
        case quantGANsFair = "quant_gans_fair"
        case realCurves = "real_curves"
        case fairRealCurves = "fair_real_curves"
        case syntheticCurves = "synthetic_curves"
        case memorization
        case passedCount = "passed_count"
        case failedCount = "failed_count"
        case informationalCount = "informational_count"
        case overallPass = "overall_pass"
    }

    /// Encodes every key (`memorization` as `null` when absent), so the JSON shape never changes.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(realCount, forKey: .realCount)
        try c.encode(pathCount, forKey: .pathCount)
        try c.encode(syntheticCount, forKey: .syntheticCount)
        try c.encode(options, forKey: .options)
        try c.encode(facts, forKey: .facts)
        try c.encode(horizonDistances, forKey: .horizonDistances)
        try c.encode(quantGANs, forKey: .quantGANs)
        try c.encode(quantGANsFair, forKey: .quantGANsFair)
        try c.encode(realCurves, forKey: .realCurves)
        try c.encode(fairRealCurves, forKey: .fairRealCurves)
        try c.encode(syntheticCurves, forKey: .syntheticCurves)
        try c.encode(memorization, forKey: .memorization)
        try c.encode(passedCount, forKey: .passedCount)
        try c.encode(failedCount, forKey: .failedCount)
        try c.encode(informationalCount, forKey: .informationalCount)
        try c.encode(overallPass, forKey: .overallPass)
    }
}

/// Formats a number for criteria and tables: 4 significant digits.
func formatReportNumber(_ x: Double) -> String {
    if x == 0 { return "0" }
    let a = abs(x)
    if a >= 1e-3 && a < 1e5 { return String(format: "%.4g", x) }
    return String(format: "%.3e", x)
}

private func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
