import Foundation
import TGFLStats

/// K assets on shared days as the joint network sees them: one token stream with the assets
/// interleaved day by day, each token conditioned on its asset and that asset's volatility level.
///
/// ```
/// z_kt = (r_kt − μ_k) / σ_kt                               σ_kt: asset k's own GJR-GARCH filter
/// g_t  = lower median over k of regime_k(σ_kt)             the market regime (known before day t)
/// u_t  = L_{g_t}⁻¹ z_t                                     L_g: Cholesky factor of cov(z) on training days of regime g
///                                                          (with regimes g−1, g−2, … added while fewer than 30 days)
/// position i = t·K + k  holds asset k of day t
/// tokens_i     = tokenizer(u_kt)
/// conditions_i = k·S + level_k(σ_kt)                       S levels per asset
/// ```
/// **Why this design.** Each asset keeps model v2's volatility state (its own filter, so the
/// long memory of volatility stays outside the network, as for one asset), and the network
/// sees the assets of a day one after the other: asset k's token on day t is predicted from
/// the tokens of assets < k on day t and of every asset on earlier days. The
/// contemporaneous dependence — where portfolio risk lives — is therefore modelled exactly
/// by the chain rule, which independent per-asset heads would lose. The conditioning id
/// `k·S + level` is the asset embedding and the volatility embedding in one table row
/// (`vol_emb [K·S, C]`), and `level_bias [K·S, V]` is a per-asset output bias at each
/// level, so the network needs no new tensor: a joint model is a v2 transformer with
/// `n_volatility_levels = K·S`. As model v2 keeps the volatility outside the network, the
/// joint model also keeps the regime-wise *constant* part of the correlation outside it: the
/// tokens are the whitened `u = L_g⁻¹ z` (the standardised residuals of a CCC-GARCH model,
/// Bollerslev 1990, with one covariance matrix per market regime, as in regime-switching CCC
/// models, Pelletier 2006), and generation maps them back, `z = L_g u`, with the regime of the
/// day (asked for, or that of the paths' own σ state). A regime with fewer than
/// `minimumRegimeDays` training days pools them with the next calmer regimes'. The network
/// then spends its few thousand
/// training days on what CCC misses — fat tails, joint crashes, correlation that rises with
/// volatility — instead of re-learning a correlation matrix token by token (without the
/// whitening, a small model trained on eu_stocks reached a mean correlation of 0.31 against the
/// real 0.65 before it overfitted; BENCHMARKS.md). L is lower-triangular, so z_k is known
/// as soon as u_0 … u_k are. The tokenizer is shared (the u are standardised), the
/// regime is market-wide (the lower median of the assets' own regimes: "at least half of
/// the assets are this volatile"). The price is context: T tokens hold T/K days.
///
/// **Regime-dependent shocks (session 13).** L_g is the Cholesky factor of the *covariance* of
/// z on regime g's training days (before session 13: of their correlation), so the u of every
/// regime's training days have the identity covariance, and a generator that draws each
/// asset's u with unit variance (the network's per-(asset, level) output prior, the copula
/// with R = I) gives back each regime's own scale and correlation of z through `z = L_g u`.
/// With the correlation factor the u kept each regime's unequal spreads (eu_stocks' crisis z:
/// std 0.71–0.84 per asset), which a per-(asset, level) prior shared by several regimes cannot
/// carry and which, drawn independently, bend the correlation of `L_g u` (eu_stocks calm:
/// 0.624 against the training days' 0.596; `Benchmarks/joint_regime_shock_check.py`).
/// `whitening` records the rule; the factors are stored, so older models generate as before.
///
/// **Shared tails (session 8).** On a few thousand days the network stays close to its
/// per-(asset, level) output prior, so a day's K tokens come out nearly independent given the
/// past, and joint crashes beyond the linear whitening are too rare (λ_L of the training u is
/// about twice independence's). `copula` is a Student-t copula of the day's u, fitted on the
/// training days (R = I: the whitening owns the linear correlation, the copula adds only the
/// common tail scale; `fitCopula`): generation draws the day's K uniforms from it and inverts
/// each asset's own conditional CDF with its uniform (`JointScenarioModel.generate`), so each
/// asset's distribution given the past stays the network's and the day's shocks share their tails.
///
/// **Exact-zero returns (session 14).** `zeroReturns`: each asset's point mass at r = 0, with a
/// day's zeros drawn jointly (holidays close several markets at once); see `JointZeroReturns`.
///
/// **Each asset's one-day tails (session 15).** `zTail`: a monotone map of each asset's
/// generated z beyond its 5 % and 95 % quantiles onto the training z's 0.5 / 1 / 2.5 % quantiles
/// (and their mirrors), in unconditional generation; see `JointTailMap`.
///
/// **Each asset's variance (session 16).** `varianceCalibration`: the training days' variance of
/// each asset and a scale of its generation intercept that gives unconditional scenarios without
/// a prompt that variance; see `JointVarianceCalibration`.
public struct JointDataModels: Equatable, Sendable {
    /// The asset names, in stream order.
    public let assets: [String]
    /// The tokenizer of z, fitted on every asset's training z pooled.
    public let tokenizer: ReturnTokenizer
    /// Each asset's volatility filter.
    public let volatility: [VolatilityModel]
    /// Each asset's regime bands on its own filtered volatility.
    public let regimes: [RegimeModel]
    /// Per market regime g, the K×K lower-triangular Cholesky factor L_g of the training
    /// covariance (`whitening`; before session 13 the correlation) of z on the days of regime g,
    /// row-major (`z_t = L_g u_t`). With the two-factor rule (session 18) these are the
    /// *generation* factors; the training and prompt days are encoded with `encodingCholesky`.
    public let cholesky: [[Double]]
    /// The two-factor rule's *encoding* factors (session 18): per regime the Cholesky factor of the
    /// z covariance, so the training u are white; nil for every other rule (the one set `cholesky`
    /// both encodes and generates).
    public let encodingCholesky: [[Double]]?
    /// The factors `encode` whitens with: `encodingCholesky`, or `cholesky` when there is one set.
    public var encodingFactors: [[Double]] { encodingCholesky ?? cholesky }
    /// Which second moment of z the whitening factors `cholesky` were fitted on.
    public let whitening: Whitening
    /// The Student-t copula of a day's whitened u (R = I since session 9, ν finite: the
    /// dependence the whitening leaves), fitted on the training days' u under the tokenizer's
    /// histogram of each asset (`fitCopula`); nil in a model saved before it existed, which
    /// then generates as before (independent uniforms).
    public private(set) var copula: StudentTCopula?
    /// Each asset's exact-zero returns (`JointZeroReturns`, fitted on the training days), or nil:
    /// no point mass at zero (models saved before session 14, or `DataPipelineConfig.zeroReturns`
    /// off), generating the same bits as before.
    public private(set) var zeroReturns: JointZeroReturns?
    /// Each asset's z tail map (`JointTailMap`: the training z's tail quantiles, and once
    /// `JointScenarioModel.calibrateTails()` ran, the pilot scenarios'), or nil: no map (models
    /// saved before session 15, or `TGFL_JOINT_Z_TAIL=0`), generating the same bits as before.
    public private(set) var zTail: JointTailMap?
    /// Each asset's variance calibration of unconditional generation (`JointVarianceCalibration`:
    /// the training days' variances, and once `JointScenarioModel.calibrateVariance()` ran, the
    /// scales of ω), or nil: none (models saved before session 16, or `TGFL_JOINT_VARIANCE=0`),
    /// generating the same bits as before.
    public private(set) var varianceCalibration: JointVarianceCalibration?
    /// Where a run asked for a market regime starts each asset's σ (`JointRegimeStarts`, session 19:
    /// the assets' σ quantiles on the training days of each market regime), or nil: inside each
    /// asset's own regime band (models saved before session 19, or `JointDataSettings.regimeStarts`
    /// off), generating the same bits as before.
    public private(set) var regimeStarts: JointRegimeStarts?
    /// Each asset's z given its own volatility band in unconditional generation (`JointBandMap`,
    /// session 20: the training z's quantiles per band, and once `JointScenarioModel.calibrateBands()`
    /// ran, the pilot scenarios'), or nil: none (models saved before session 20, or
    /// `JointDataSettings.bandMap` off), generating the same bits as before.
    public private(set) var bandMap: JointBandMap?
    /// Each asset's z under an asked market regime mapped onto the training z of that regime's days
    /// (`JointRegimeTailMap`, session 20), or nil: none (models saved before session 20, or
    /// `JointDataSettings.regimeTailMap` off, the default), generating the same bits as before.
    public private(set) var regimeTailMap: JointRegimeTailMap?
    /// How the assets' day-0 σ depend on each other in runs without a prompt (`JointStartDependence`,
    /// session 24: a Gaussian copula with the training days' rank correlation of σ, per market regime
    /// for the market-regime starts and over every day for unconditional starts), or nil: one uniform
    /// for every asset (comonotone; models saved before session 24, or `JointDataSettings.startDependence`
    /// `.comonotone`), generating the same bits as before.
    public private(set) var startDependence: JointStartDependence?
    /// The second moment of z per regime that the whitening factors L_g are the Cholesky factors of.
    public enum Whitening: String, Sendable, Equatable {
        /// The correlation of z (models fitted before session 13): the u keep each regime's spread.
        case correlation
        /// The covariance of z (sessions 13–16): the u of every regime have the identity covariance.
        case covariance
        /// Each z's variance of the regime, with the correlation that gives back the regime's
        /// correlation of *returns* when σ and z are drawn independently (since session 17; `regimeWhitening`).
        case returnCorrelation = "return_correlation"
        /// Two factor sets per regime (since session 18): the training and prompt days are encoded
        /// with the z covariance's factor (white u, as `covariance`), generation maps the u back with
        /// the return-correlation factor (`returnCorrelation`), so the generated z have each
        /// regime's training variances and the return-correlation rule's correlation.
        case twoFactor = "two_factor"

        /// The rules a fit can use, by the name the command line, Python and the C ABI give them.
        public static let fittableNames: [(name: String, rule: Whitening)] = [
            ("two-factor", .twoFactor), ("return-correlation", .returnCorrelation), ("covariance", .covariance),
        ]

        /// The fittable rule called `name` (`fittableNames`, any case; `_` for `-`).
        /// - Throws: `TGFLError.invalidArgument` naming `what`, the value and the rules.
        public init(fittableName name: String, what: String = "whitening") throws {
            let key = name.lowercased().replacingOccurrences(of: "_", with: "-")
            guard let rule = Self.fittableNames.first(where: { $0.name == key })?.rule else {
                let names = Self.fittableNames.map(\.name)
                throw TGFLError.invalidArgument(
                    "\(what) '\(name)' is not a rule; use \(names.dropLast().joined(separator: ", ")) or \(names.last!)")
            }
            self = rule
        }
    }

    /// The fewest training days behind a regime's correlation matrix: a regime with fewer
    /// pools its days with the next calmer regimes until there are enough (all days at worst).
    public static let minimumRegimeDays = 30

    /// K.
    public var count: Int { assets.count }
    /// S, the volatility levels of each asset.
    public var levelsPerAsset: Int { volatility[0].levels }
    /// The market regime names (those of the assets' regime models).
    public var regimeNames: [String] { regimes[0].names }

    /// - Throws: `TGFLError.invalidArgument` when the parts do not belong together.
    public init(assets: [String], tokenizer: ReturnTokenizer, volatility: [VolatilityModel],
                regimes: [RegimeModel], cholesky: [[Double]], encodingCholesky: [[Double]]? = nil,
                whitening: Whitening = .correlation, copula: StudentTCopula? = nil, zeroReturns: JointZeroReturns? = nil,
                zTail: JointTailMap? = nil, varianceCalibration: JointVarianceCalibration? = nil,
                regimeStarts: JointRegimeStarts? = nil, bandMap: JointBandMap? = nil,
                regimeTailMap: JointRegimeTailMap? = nil, startDependence: JointStartDependence? = nil) throws {
        guard assets.count >= 1, volatility.count == assets.count, regimes.count == assets.count else {
            throw TGFLError.invalidArgument(
                "a joint model needs one volatility and one regime model per asset: \(assets.count) assets, "
                + "\(volatility.count) volatility models, \(regimes.count) regime models")
        }
        guard Set(assets).count == assets.count else {
            throw TGFLError.invalidArgument("asset names must be distinct, got \(assets)")
        }
        for k in assets.indices {
            guard volatility[k].levels == volatility[0].levels, regimes[k].names == regimes[0].names,
                  volatility[k].regimeVariances.count == regimes[k].count else {
                throw TGFLError.invalidArgument(
                    "asset '\(assets[k])': its volatility levels or regimes differ from asset '\(assets[0])'")
            }
        }
        let K = assets.count
        for (what, factors) in [("whitening", cholesky), ("encoding whitening", encodingCholesky)] {
            guard let factors else { continue }
            guard factors.count == regimes[0].count, factors.allSatisfy({ l in
                l.count == K * K && l.allSatisfy(\.isFinite)
                    && (0..<K).allSatisfy { k in l[k * K + k] > 0 && (k + 1..<K).allSatisfy { l[k * K + $0] == 0 } }
            }) else {
                throw TGFLError.invalidArgument(
                    "the \(what) matrices must be \(regimes[0].count) (one per regime) \(K)×\(K) lower-triangular "
                    + "Cholesky factors with a positive diagonal")
            }
        }
        guard (whitening == .twoFactor) == (encodingCholesky != nil) else {
            throw TGFLError.invalidArgument(
                "the two-factor whitening needs its encoding factors, and only it has them: whitening "
                + "\"\(whitening.rawValue)\" \(encodingCholesky == nil ? "without" : "with") encoding factors")
        }
        if let copula, copula.dimension != K {
            throw TGFLError.invalidArgument("the copula has \(copula.dimension) dimensions but there are \(K) assets")
        }
        if let zeroReturns, zeroReturns.shares.count != K || zeroReturns.shares[0].count != tokenizer.vocabSize {
            throw TGFLError.invalidArgument(
                "the zero-return shares are for \(zeroReturns.shares.count) assets and \(zeroReturns.shares[0].count) tokens, "
                + "but there are \(K) assets and \(tokenizer.vocabSize) tokens")
        }
        self.assets = assets; self.tokenizer = tokenizer; self.volatility = volatility; self.regimes = regimes
        if let zTail, zTail.count != K {
            throw TGFLError.invalidArgument("the z tail map is for \(zTail.count) assets, but there are \(K) assets")
        }
        self.cholesky = cholesky; self.encodingCholesky = encodingCholesky; self.whitening = whitening
        self.copula = copula; self.zeroReturns = zeroReturns
        if let varianceCalibration, varianceCalibration.count != K {
            throw TGFLError.invalidArgument(
                "the variance calibration is for \(varianceCalibration.count) assets, but there are \(K) assets")
        }
        if let regimeStarts, regimeStarts.count != K || regimeStarts.regimes != regimes[0].count {
            throw TGFLError.invalidArgument(
                "the market-regime starts are for \(regimeStarts.regimes) regimes × \(regimeStarts.count) assets, "
                + "but there are \(regimes[0].count) regimes × \(K) assets")
        }
        if let bandMap, bandMap.count != K || bandMap.bands != regimes[0].count {
            throw TGFLError.invalidArgument(
                "the z band map is for \(bandMap.count) assets × \(bandMap.bands) bands, "
                + "but there are \(K) assets × \(regimes[0].count) regimes")
        }
        if let regimeTailMap, regimeTailMap.count != K || regimeTailMap.regimes != regimes[0].count {
            throw TGFLError.invalidArgument(
                "the regime z tail map is for \(regimeTailMap.regimes) regimes × \(regimeTailMap.count) assets, "
                + "but there are \(regimes[0].count) regimes × \(K) assets")
        }
        self.zTail = zTail; self.varianceCalibration = varianceCalibration; self.regimeStarts = regimeStarts
        if let startDependence, startDependence.count != K || startDependence.regimes != regimes[0].count {
            throw TGFLError.invalidArgument(
                "the start dependence is for \(startDependence.regimes) regimes × \(startDependence.count) assets, "
                + "but there are \(regimes[0].count) regimes × \(K) assets")
        }
        self.bandMap = bandMap; self.regimeTailMap = regimeTailMap; self.startDependence = startDependence
    }

    /// The same data models with another copula (nil: independent uniforms, as before session 8).
    public func replacingCopula(_ copula: StudentTCopula?) throws -> JointDataModels {
        try replacing(\.copula, with: copula)
    }

    /// The same data models with other zero returns (nil: no point mass at zero, as before session 14).
    public func replacingZeroReturns(_ zeroReturns: JointZeroReturns?) throws -> JointDataModels {
        try replacing(\.zeroReturns, with: zeroReturns)
    }

    /// The same data models with another z tail map (nil: no map, as before session 15).
    public func replacingZTail(_ zTail: JointTailMap?) throws -> JointDataModels {
        try replacing(\.zTail, with: zTail)
    }

    /// The same data models with another variance calibration (nil: none, as before session 16).
    public func replacingVarianceCalibration(_ varianceCalibration: JointVarianceCalibration?) throws -> JointDataModels {
        try replacing(\.varianceCalibration, with: varianceCalibration)
    }

    /// The same data models with other market-regime starts (nil: each asset's own regime band, as before session 19).
    public func replacingRegimeStarts(_ regimeStarts: JointRegimeStarts?) throws -> JointDataModels {
        try replacing(\.regimeStarts, with: regimeStarts)
    }

    /// The same data models with another z band map (nil: none, as before session 20).
    public func replacingBandMap(_ bandMap: JointBandMap?) throws -> JointDataModels {
        try replacing(\.bandMap, with: bandMap)
    }

    /// The same data models with another regime z tail map (nil: none, as before session 20).
    public func replacingRegimeTailMap(_ regimeTailMap: JointRegimeTailMap?) throws -> JointDataModels {
        try replacing(\.regimeTailMap, with: regimeTailMap)
    }

    /// The same data models with another start dependence (nil: comonotone starts, as before session 24).
    public func replacingStartDependence(_ startDependence: JointStartDependence?) throws -> JointDataModels {
        try replacing(\.startDependence, with: startDependence)
    }

    /// A copy with one optional part replaced, checked against the others as the initializer checks them.
    private func replacing<Part>(_ part: WritableKeyPath<JointDataModels, Part>, with value: Part) throws -> JointDataModels {
        var copy = self
        copy[keyPath: part] = value
        return try JointDataModels(assets: assets, tokenizer: tokenizer, volatility: volatility, regimes: regimes,
                                   cholesky: cholesky, encodingCholesky: encodingCholesky, whitening: whitening,
                                   copula: copy.copula, zeroReturns: copy.zeroReturns, zTail: copy.zTail,
                                   varianceCalibration: copy.varianceCalibration, regimeStarts: copy.regimeStarts,
                                   bandMap: copy.bandMap, regimeTailMap: copy.regimeTailMap,
                                   startDependence: copy.startDependence)
    }

    /// Fits the copula of the day's u: each asset's pseudo-observations under its histogram on
    /// the tokenizer's bins (the distribution the sampler draws a bin and a position in it
    /// from), then ν by maximum likelihood on `StudentTCopula.defaultGrid` with R = I
    /// (`StudentTCopula.fit`). Histogram counts and per-ν log-likelihoods are sums over days,
    /// so a federation can collect them per institution, as for the other parts.
    ///
    /// **Why R = I (session 9).** The per-regime whitening owns the linear correlation; the
    /// copula is there for the day's common tail scale only, and with R = I the u it draws
    /// (through each asset's quantile function) are linearly uncorrelated to ±0.004. The
    /// session-8 fit took R from the normal scores of u, which for fat-tailed, skewed u is not
    /// their linear correlation (crsp_daily, GE–CRSP index: −0.030 against a Pearson +0.001):
    /// the drawn u were correlated −0.031, which moved that pair's return correlation by −0.013
    /// to −0.022 and raised crsp_daily's correlation error from 0.039 to 0.060. R = the u's
    /// Pearson correlation (≠ 0 by up to 0.027 when a regime's assets have unequal spreads)
    /// was tried too and did worse on every file (BENCHMARKS.md, session 9). Models saved with
    /// a normal-score R keep it and generate as before.
    /// - Parameters:
    ///   - u: the training days' whitened u, one column per asset.
    ///   - tokenizer: the fitted tokenizer (its bin edges).
    /// - Returns: the fit (the copula and the log-likelihood of every ν).
    /// - Throws: `TGFLError.invalidArgument` when the fit fails (too few days, duplicated assets).
    public static func fitCopula(u: [[Double]], tokenizer: ReturnTokenizer) throws -> StudentTCopula.Fit {
        do {
            let v = try StudentTCopula.histogramPseudoObservations(u, binEdges: tokenizer.binEdges)
            let K = u.count
            return try StudentTCopula.fit(pseudoObservations: v,
                                          correlation: (0..<(K * K)).map { $0 % (K + 1) == 0 ? 1 : 0 })
        } catch let error as StatsError {
            throw TGFLError.invalidArgument("the copula of the assets' whitened returns: \(error)")
        }
    }

    /// How the copula's ν is fitted (`JointDataSettings.copulaFit`; the stored copula is the same kind
    /// either way, so the rule changes no checkpoint field).
    public enum CopulaFit: String, Sendable, CaseIterable {
        /// ν by maximum likelihood with R = I (`fitCopula`, sessions 8–22; the default).
        case likelihood
        /// ν whose exact lower-tail coefficient at 5 % is nearest the training u's
        /// (`StudentTCopula.fitLowerTail`, session 23; off by default).
        case lowerTail = "lower-tail"
    }

    /// The copula of the day's u under `rule`: `.likelihood` is `fitCopula`; `.lowerTail` takes the
    /// same histogram pseudo-observations and matches ν to their mean pairwise lower-tail coefficient
    /// at 5 % (`StudentTCopula.fitLowerTail`, R = I). A single asset has no pair: the likelihood rule.
    /// - Parameters:
    ///   - u: the training days' whitened u, one column per asset.
    ///   - tokenizer: the fitted tokenizer (its bin edges).
    ///   - rule: the fit rule.
    /// - Returns: the copula.
    /// - Throws: `TGFLError.invalidArgument` when the fit fails.
    public static func fitCopula(u: [[Double]], tokenizer: ReturnTokenizer, rule: CopulaFit) throws -> StudentTCopula {
        guard rule == .lowerTail, u.count >= 2 else { return try fitCopula(u: u, tokenizer: tokenizer).copula }
        do {
            let v = try StudentTCopula.histogramPseudoObservations(u, binEdges: tokenizer.binEdges)
            return try StudentTCopula.fitLowerTail(pseudoObservations: v).copula
        } catch let error as StatsError {
            throw TGFLError.invalidArgument("the lower-tail copula of the assets' whitened returns: \(error)")
        }
    }

    /// The whitened u of K return columns under these filters and encoding factors (what `encode`
    /// tokenizes), one array per asset.
    /// - Parameter columns: one log-return array per asset, equal lengths.
    /// - Throws: `TGFLError.invalidArgument` as `encode`.
    public func whitenedU(_ columns: [[Double]]) throws -> [[Double]] {
        let encoded = try encode(columns, what: "the whitened u's returns")
        let K = count, n = columns[0].count
        var u = [[Double]](repeating: [Double](repeating: 0, count: n), count: K)
        var z = [Double](repeating: 0, count: K)
        for t in 0..<n {
            for k in 0..<K { z[k] = (columns[k][t] - volatility[k].garch.mu) / encoded.variances[k][t].squareRoot() }
            for (k, value) in Self.whiten(z, cholesky: encodingFactors[Int(encoded.regimes[t])]).enumerated() { u[k][t] = value }
        }
        return u
    }

    /// The lower Cholesky factor of a K×K symmetric positive-definite matrix (row-major).
    /// - Throws: `TGFLError.invalidArgument` when the matrix is not positive definite.
    static func choleskyFactor(_ a: [Double], _ K: Int) throws -> [Double] {
        guard let l = CrossAsset.choleskyFactor(a, K) else {
            throw TGFLError.invalidArgument(
                "the assets' standardised returns are (nearly) collinear or constant: their covariance or correlation "
                + "matrix is not positive definite; drop a duplicated asset")
        }
        return l
    }

    /// `u = L⁻¹ z` by forward substitution (L: K×K lower-triangular, row-major).
    static func whiten(_ z: [Double], cholesky: [Double]) -> [Double] {
        let K = z.count
        var u = [Double](repeating: 0, count: K)
        for k in 0..<K {
            var s = z[k]
            for j in 0..<k { s -= cholesky[k * K + j] * u[j] }
            u[k] = s / cholesky[k * K + k]
        }
        return u
    }

    /// Checks that a model config fits these parts (V, R, and `n_volatility_levels = K·S`).
    /// - Throws: `TGFLError.invalidArgument` naming the disagreement.
    public func check(against config: ModelConfig) throws {
        guard config.modelVersion >= 2 else {
            throw TGFLError.invalidArgument("a joint model is a model_version 2 network, got version \(config.modelVersion)")
        }
        guard tokenizer.vocabSize == config.vocabSize, regimes[0].count == config.nRegimes,
              config.volatilityLevels == count * levelsPerAsset else {
            throw TGFLError.invalidArgument(
                "the joint data models (V=\(tokenizer.vocabSize), R=\(regimes[0].count), K·S=\(count)·\(levelsPerAsset)) "
                + "do not fit model_config (vocab_size \(config.vocabSize), n_regimes \(config.nRegimes), "
                + "n_volatility_levels \(config.volatilityLevels))")
        }
    }

    /// The interleaved stream of K return columns (see the type's documentation).
    public struct Encoded: Sendable, Equatable {
        /// `[n·K]` tokens, day-major.
        public var tokens: [Int32]
        /// `[n·K]` conditioning ids `k·S + level`.
        public var conditions: [Int32]
        /// `[n]` market regime of each day.
        public var regimes: [Int32]
        /// `[K][n]` filtered variances σ²_kt.
        public var variances: [[Double]]
    }

    /// The market regime of a day from each asset's own regime label: their lower median.
    public static func marketRegime(_ labels: [Int32]) -> Int32 {
        labels.sorted()[(labels.count - 1) / 2]
    }

    /// Encodes K return columns of equal length.
    /// - Parameters:
    ///   - columns: one log-return array per asset, in `assets` order.
    ///   - what: how to name the data in errors.
    /// - Throws: `TGFLError.invalidArgument` naming the asset and day of a non-finite return, a
    ///   wrong number of columns or unequal lengths.
    public func encode(_ columns: [[Double]], what: String = "returns") throws -> Encoded {
        guard columns.count == count else {
            throw TGFLError.invalidArgument(
                "\(what): \(columns.count) columns but the model has \(count) assets (\(assets.joined(separator: ", ")))")
        }
        let n = columns[0].count
        guard n >= 1 else { throw TGFLError.invalidArgument("\(what): no days to encode") }
        for (k, c) in columns.enumerated() {
            guard c.count == n else {
                throw TGFLError.invalidArgument(
                    "\(what): asset '\(assets[k])' has \(c.count) days but '\(assets[0])' has \(n); give every asset the same days")
            }
            try RegimeModel.checkFinite(c, what: "\(what), asset '\(assets[k])'")
        }
        let S = levelsPerAsset, K = count
        var tokens = [Int32](repeating: 0, count: n * K), conditions = tokens
        var labels = [Int32](repeating: 0, count: n)
        let variances = (0..<K).map { volatility[$0].variances(columns[$0]) }
        var dayLabels = [Int32](repeating: 0, count: K)
        var z = [Double](repeating: 0, count: K)
        for t in 0..<n {
            for k in 0..<K {
                let v = volatility[k], sigma = variances[k][t].squareRoot()
                z[k] = (columns[k][t] - v.garch.mu) / sigma
                conditions[t * K + k] = Int32(k * S) + v.level(ofVariance: variances[k][t])
                dayLabels[k] = regimes[k].label(volatility: sigma)
            }
            labels[t] = Self.marketRegime(dayLabels)
            for (k, u) in Self.whiten(z, cholesky: encodingFactors[Int(labels[t])]).enumerated() {
                tokens[t * K + k] = try tokenizer.encode(u)
            }
        }
        return Encoded(tokens: tokens, conditions: conditions, regimes: labels, variances: variances)
    }

    /// Fits every part on the training days (the first `trainingDays` of each column).
    /// - Parameters:
    ///   - assets: the names.
    ///   - trainingColumns: the training returns of each asset.
    ///   - config: V, clip, regime names and quantile levels, and S (`volatilityLevels`, per asset).
    /// - Throws: the fits' errors, naming the asset.
    public static func fit(assets: [String], trainingColumns: [[Double]], config: DataPipelineConfig) throws -> JointDataModels {
        try fit(assets: assets, trainingSpans: [trainingColumns], config: config)
    }

    /// Fits every part on several spans of the same assets (e.g. the periods of several
    /// institutions): each asset's filter maximises the pooled likelihood of its spans (the
    /// filter restarts at each span), and the level edges, regime bands, whitening matrices and
    /// the tokenizer use the days of every span. Each of these needs only per-span sums — log
    /// likelihoods and their gradients, σ quantile histograms, per-regime counts and
    /// cross-products of z, the sums of u and u², the exact-zero counts per (asset, z-token)
    /// and per (asset, earlier zeros of the day), each asset's z counts on the tail map's grid and its n, Σr, Σr² (the variance calibration's targets) — so an institution never shares a return
    /// (a federation collects them per institution; here they are computed in one place).
    /// - Parameters:
    ///   - assets: the names.
    ///   - trainingSpans: per span, one training-return column per asset (equal lengths within a span).
    ///   - config: as for `fit(assets:trainingColumns:config:)`.
    /// - Throws: the fits' errors, naming the asset or the span.
    public static func fit(assets: [String], trainingSpans: [[[Double]]], config: DataPipelineConfig) throws -> JointDataModels {
        guard !assets.isEmpty, !trainingSpans.isEmpty else {
            throw TGFLError.invalidArgument("no assets or no training spans to fit the joint data models on")
        }
        guard config.joint.whitening != .correlation else {
            throw TGFLError.invalidArgument(
                "JointDataSettings.whitening .correlation is the rule of checkpoints before session 13, read but not fitted: "
                + "use .twoFactor (the default), .returnCorrelation or .covariance")
        }
        for (j, span) in trainingSpans.enumerated() {
            guard span.count == assets.count else {
                throw TGFLError.invalidArgument("span \(j) has \(span.count) columns for \(assets.count) asset names")
            }
            guard span.allSatisfy({ $0.count == span[0].count }), span[0].count >= 4 else {
                throw TGFLError.invalidArgument(
                    "span \(j): the columns must have the same number of days (≥ 4), got \(span.map(\.count))")
            }
        }
        var volatility: [VolatilityModel] = [], regimes: [RegimeModel] = [], z: [[Double]] = [], sigmas: [[Double]] = []
        for (k, name) in assets.enumerated() {
            let spans = trainingSpans.enumerated().map { ReturnSeries(name: "\(name) (span \($0))", values: $1[k]) }
            let (v, g) = try VolatilityModel.fit(
                trainingSpans: spans, levels: config.volatilityLevels,
                regimeNames: config.regimeNames, regimeQuantileLevels: config.regimeQuantileLevels)
            volatility.append(v); regimes.append(g)
            let sigma = spans.flatMap { v.variances($0.values).map { $0.squareRoot() } }
            sigmas.append(sigma)
            z.append(zip(spans.flatMap(\.values), sigma).map { ($0 - v.garch.mu) / $1 })
        }
        let K = assets.count, n = z[0].count
        let labels = (0..<n).map { t in marketRegime((0..<K).map { regimes[$0].label(volatility: sigmas[$0][t]) }) }
        let whitening = config.joint.whitening
        let (encoding, cholesky) = try regimeFactors(z: z, labels: labels, regimes: regimes[0].count, sigmas: sigmas,
                                                     rule: whitening)
        var u = [[Double]](repeating: [Double](repeating: 0, count: n), count: K)
        for t in 0..<n {
            let w = whiten((0..<K).map { z[$0][t] }, cholesky: encoding[Int(labels[t])])
            for k in 0..<K { u[k][t] = w[k] }
        }
        let tokenizer = try ReturnTokenizer.fit(trainingReturns: u, vocabSize: config.vocabSize, clipSigma: config.clipSigma)
        let zeroReturns = config.zeroReturns
            ? try JointZeroReturns.fit(trainingSpans: trainingSpans, volatility: volatility, tokenizer: tokenizer) : nil
        return try JointDataModels(assets: assets, tokenizer: tokenizer, volatility: volatility, regimes: regimes,
                                   cholesky: cholesky, encodingCholesky: whitening == .twoFactor ? encoding : nil,
                                   whitening: whitening,
                                   copula: try fitCopula(u: u, tokenizer: tokenizer, rule: config.joint.copulaFit), zeroReturns: zeroReturns,
                                   zTail: config.joint.tailMap ? try JointTailMap.fit(z: z) : nil,
                                   varianceCalibration: config.joint.varianceCalibration
                                       ? try JointVarianceCalibration.fit(spans: trainingSpans, assets: assets) : nil,
                                   regimeStarts: config.joint.regimeStarts
                                       ? try JointRegimeStarts.fit(sigmas: sigmas, labels: labels, regimes: regimes[0].count) : nil,
                                   bandMap: config.joint.bandMap
                                       ? try JointBandMap.fit(z: z, bands: (0..<K).map { k in
                                           sigmas[k].map { Int(regimes[k].label(volatility: $0)) } }, count: regimes[0].count)
                                       : nil,
                                   regimeTailMap: config.joint.regimeTailMap
                                       ? try JointRegimeTailMap.fit(z: z, labels: labels, regimes: regimes[0].count) : nil,
                                   startDependence: try JointStartDependence.fit(rule: config.joint.startDependence, sigmas: sigmas,
                                                                                 labels: labels, regimes: regimes[0].count))
    }

    /// The whitening factors of every market regime: L_g = chol(C_g) with C_g the covariance of
    /// z on the days of regime g (divisor n − 1, `numpy.cov(Z[rows], rowvar=False)`); a regime
    /// with fewer than `minimumRegimeDays` days adds the days of regimes g − 1, g − 2, … until it
    /// has enough (all days at worst; every day when even they are fewer than 4).
    ///
    /// With `sigmas` (the return-correlation rule, session 17) C_g keeps the diagonal of that
    /// covariance (each asset's z variance on the regime's days) and takes the correlation
    /// ```
    /// P_ij = A_ij / √(A_ii A_jj),   A_ij = cov(σ_i z_i, σ_j z_j) / mean(σ_i σ_j)     (the regime's rows)
    /// C_ij = P_ij √(C_ii C_jj)
    /// ```
    /// i.e. the returns' correlation ρ^r_ij (r − μ = σ z) divided by the σ mixing factor
    /// m_ij = mean(σ_i σ_j) / √(mean σ_i² mean σ_j²) ≤ 1. Generation draws z = L_g u independently of
    /// σ within a regime, so its returns' correlation on regime-g days is m_ij · corr(C_g)_ij: with
    /// this C_g it is the training days' return correlation (when the generated σ mix like the
    /// training days'), where the z-covariance factor gives m_ij · corr(z)_ij — lower on days whose z
    /// correlation rises with σ (eu_stocks' crisis days: returns 0.736, z 0.715, m · z 0.680;
    /// BENCHMARKS.md, session 17). A regime whose C_g is not positive definite keeps its z covariance.
    /// - Parameters:
    ///   - z: the training days' standardised returns, one column per asset.
    ///   - labels: the market regime of each day.
    ///   - regimes: the number of regimes R.
    ///   - sigmas: the training days' filtered σ, one column per asset (the return-correlation
    ///     rule), or nil (the z covariance).
    /// - Returns: R row-major K×K lower-triangular factors.
    /// - Throws: `TGFLError.invalidArgument` when a covariance is not positive definite
    ///   (collinear or constant assets) or the inputs are bad.
    public static func regimeWhitening(z: [[Double]], labels: [Int32], regimes: Int,
                                       sigmas: [[Double]]? = nil) throws -> [[Double]] {
        let K = z.count
        guard K >= 1, z.allSatisfy({ $0.count == labels.count }), labels.count >= 4 else {
            throw TGFLError.invalidArgument(
                "the whitening needs one label per day and at least 4 days for each of \(K) assets, got \(labels.count) labels "
                + "and \(z.map(\.count)) days")
        }
        if let sigmas {
            guard sigmas.count == K, sigmas.allSatisfy({ $0.count == labels.count && $0.allSatisfy { $0.isFinite && $0 > 0 } }) else {
                throw TGFLError.invalidArgument(
                    "the return-correlation whitening needs each of \(K) assets' σ > 0 on every one of the \(labels.count) days, "
                    + "got \(sigmas.count) columns of \(sigmas.map(\.count)) days")
            }
        }
        return try (0..<regimes).map { g in
            let rows = regimeRows(labels: labels, regime: g)
            let covariance = sampleCovariance(z, rows: rows)
            guard covariance.allSatisfy(\.isFinite) else {
                throw TGFLError.invalidArgument("the assets' standardised returns are not finite on the days of regime \(g)")
            }
            let plain = try choleskyFactor(covariance, K)
            guard let sigmas else { return plain }
            let y = (0..<K).map { k in z[k].indices.map { z[k][$0] * sigmas[k][$0] } }
            let returns = sampleCovariance(y, rows: rows)
            var a = [Double](repeating: 0, count: K * K)
            for i in 0..<K {
                for j in 0...i {
                    let mix = rows.reduce(0) { $0 + sigmas[i][$1] * sigmas[j][$1] } / Double(rows.count)
                    a[i * K + j] = returns[i * K + j] / mix
                    a[j * K + i] = a[i * K + j]
                }
            }
            var c = covariance
            for i in 0..<K {
                for j in 0..<K where j != i {
                    c[i * K + j] = a[i * K + j] / (a[i * K + i] * a[j * K + j]).squareRoot()
                        * (covariance[i * K + i] * covariance[j * K + j]).squareRoot()
                }
            }
            guard c.allSatisfy(\.isFinite), let factor = try? choleskyFactor(c, K) else { return plain }
            return factor
        }
    }

    /// The factors a fit under `rule` encodes the training days with and generates with
    /// (`regimeWhitening`): the z covariance's for both (`.covariance`), the return-correlation
    /// rule's for both (`.returnCorrelation`, session 17: the training u are then not white —
    /// their per-regime variances 0.86–1.40 on the bundled files — and generation, which draws
    /// white u, misses each z variance by up to 16 %), or the covariance's to encode and the
    /// return-correlation rule's to generate (`.twoFactor`, session 18: white training u, and
    /// generated z with each regime's training z variances and the return-correlation rule's
    /// correlation).
    /// - Throws: `regimeWhitening`'s errors; `.correlation` (read-only) is refused.
    public static func regimeFactors(z: [[Double]], labels: [Int32], regimes: Int, sigmas: [[Double]],
                                     rule: Whitening) throws -> (encoding: [[Double]], generation: [[Double]]) {
        switch rule {
        case .correlation:
            throw TGFLError.invalidArgument("the correlation whitening (files before session 13) is read, not fitted")
        case .covariance, .returnCorrelation:
            let factors = try regimeWhitening(z: z, labels: labels, regimes: regimes,
                                              sigmas: rule == .returnCorrelation ? sigmas : nil)
            return (factors, factors)
        case .twoFactor:
            return (try regimeWhitening(z: z, labels: labels, regimes: regimes),
                    try regimeWhitening(z: z, labels: labels, regimes: regimes, sigmas: sigmas))
        }
    }

    /// The training days behind regime g's factors (and its market-regime start, `JointRegimeStarts`):
    /// the days labelled g; with fewer than `minimumRegimeDays`, those of g − 1, g − 2, … added until
    /// there are enough (every day when even all of them are fewer than 4).
    static func regimeRows(labels: [Int32], regime g: Int) -> [Int] {
        var lowest = Int32(g)
        var rows = labels.indices.filter { labels[$0] == lowest }
        while rows.count < minimumRegimeDays && lowest > 0 {
            lowest -= 1
            rows = labels.indices.filter { (lowest...Int32(g)).contains(labels[$0]) }
        }
        return rows.count < 4 ? Array(labels.indices) : rows
    }

    /// The sample covariance (divisor n − 1) of the columns on `rows`, row-major K×K.
    private static func sampleCovariance(_ columns: [[Double]], rows: [Int]) -> [Double] {
        let K = columns.count
        let means = columns.map { c in rows.reduce(0) { $0 + c[$1] } / Double(rows.count) }
        var covariance = [Double](repeating: 0, count: K * K)
        for i in 0..<K {
            for j in 0...i {
                var s = 0.0
                for t in rows { s += (columns[i][t] - means[i]) * (columns[j][t] - means[j]) }
                covariance[i * K + j] = s / Double(rows.count - 1)
                covariance[j * K + i] = covariance[i * K + j]
            }
        }
        return covariance
    }

    // MARK: - Checkpoint

    /// The `/joint` checkpoint section: attributes `kind = "joint_assets"`, `version = 1`,
    /// `assets` (JSON array of names), `n_assets`; the tokenizer's attributes and datasets
    /// prefixed `tokenizer.`, and asset k's volatility and regime sections prefixed
    /// `asset<k>.volatility.` and `asset<k>.regimes.`; the dataset `cholesky` [R·K·K] (L_g, row-major, regime by regime).
    /// With a copula (version 2): the attribute `copula.kind` (`"student_t"` or `"gaussian"`),
    /// `copula.degrees_of_freedom` (ν, t only) and the dataset `copula.correlation` [K·K]
    /// (R, row-major). A model without one writes version 1, as before. With covariance
    /// whitening (version 3, session 13): the attribute `whitening = "covariance"`; absent, the
    /// factors are those of the correlation (every model before session 13). Generation reads
    /// only the stored factors, so the attribute records the rule and nothing else. With exact-zero
    /// returns (version 4, session 14): the datasets `zero_returns.shares` [K·V] and
    /// `zero_returns.after_zeros` [K·K] (`JointZeroReturns`); a model without them writes the
    /// version it wrote before. With a z tail map (version 5, session 15): the datasets
    /// `z_tail.targets` [K·6] and, once calibrated, `z_tail.sources` [K·8] (`JointTailMap`). With a
    /// variance calibration (version 6, session 16): the datasets `variance.targets` [K] and, once
    /// calibrated, `variance.omega_scales` [K] (`JointVarianceCalibration`); without one a model
    /// writes the version it wrote before, so older binaries still read it. With the
    /// return-correlation whitening (version 7, session 17): `whitening = "return_correlation"`
    /// (older binaries refuse the file by its version; a covariance-whitened model writes 3–6 as before).
    /// With the two-factor whitening (version 8, session 18): `whitening = "two_factor"`, the
    /// generation factors in `cholesky` and the encoding factors in the dataset `encoding_cholesky`
    /// [R·K·K] (older binaries refuse the file by its version; the other rules write 1–7 as before).
    public var checkpointSection: CheckpointSection {
        let version = startDependence != nil ? Self.version
            : bandMap.map { $0.rule != .writtenBack || $0.targetLogSE != nil } == true ? 12 : regimeTailMap != nil ? 11 : bandMap != nil ? 10 : regimeStarts != nil ? 9 : whitening == .twoFactor ? 8 : whitening == .returnCorrelation ? 7 : varianceCalibration != nil ? 6 : zTail != nil ? 5 : zeroReturns != nil ? 4 : whitening == .covariance ? 3 : copula == nil ? 1 : 2
        var section = CheckpointSection(attributes: [
            "kind": .string(Self.kind), "version": .int(version), "n_assets": .int(count),
            "assets": .string(String(decoding: (try? JSONEncoder().encode(assets)) ?? Data("[]".utf8), as: UTF8.self)),
        ])
        section.datasets["cholesky"] = cholesky.flatMap { $0 }
        if let encodingCholesky { section.datasets["encoding_cholesky"] = encodingCholesky.flatMap { $0 } }
        section.merge(tokenizer.checkpointSection, prefix: "tokenizer.")
        for k in 0..<count {
            section.merge(volatility[k].checkpointSection, prefix: "asset\(k).volatility.")
            section.merge(regimes[k].checkpointSection, prefix: "asset\(k).regimes.")
        }
        if whitening != .correlation { section.attributes["whitening"] = .string(whitening.rawValue) }
        if let copula {
            section.attributes["copula.kind"] = .string(copula.degreesOfFreedom == nil ? "gaussian" : "student_t")
            if let nu = copula.degreesOfFreedom { section.attributes["copula.degrees_of_freedom"] = .double(nu) }
            section.datasets["copula.correlation"] = copula.correlation
        }
        zeroReturns?.write(to: &section)
        zTail?.write(to: &section)
        varianceCalibration?.write(to: &section)
        regimeStarts?.write(to: &section)
        bandMap?.write(to: &section)
        regimeTailMap?.write(to: &section)
        startDependence?.write(to: &section)
        return section
    }

    /// The `kind` attribute of the `/joint` section.
    public static let kind = "joint_assets"
    /// The newest section version, written with a start dependence (version 13, session 24: the dataset
    /// `start_dependence.correlations` [(R+1)·K·K], `JointStartDependence`; older binaries refuse the file
    /// by its version, since they would start every asset from one uniform); else 12 with a z band map of
    /// the session-21 rule (version 12:
    /// the attribute `band_map.rule = "own_z"`, `JointBandMap.Rule.ownZ` — the same datasets as
    /// version 10, applied to each asset's own z only, so older binaries must refuse the file);
    /// else 11 with a regime z tail map (session 20: the
    /// datasets `regime_z_tail.targets` [R·K·11] and `regime_z_tail.sources`, `JointRegimeTailMap`);
    /// else 10 with a session-20 z band map (the datasets `band_map.targets` and, once calibrated,
    /// `band_map.sources` [K·R·11], `JointBandMap`); else 9 with market-regime starts (else 8 with the two-factor
    /// whitening, 7 with the return-correlation whitening, 6 with a variance calibration, 5 with a z
    /// tail map, 4 with exact-zero returns, 3 with covariance whitening, 2 with a copula, 1 without;
    /// all thirteen are read).
    public static let version = 13

    /// Reads the `/joint` section.
    /// - Throws: `TGFLError.invalidArgument` naming the missing or invalid key.
    public init(checkpointSection section: CheckpointSection, config: ModelConfig) throws {
        let r = CheckpointSectionReader(section: section, name: "/joint")
        try r.checkKind(Self.kind, supportedVersions: 1...Self.version)
        let K = try r.int("n_assets")
        guard let names = try? JSONDecoder().decode([String].self, from: Data(try r.string("assets").utf8)),
              names.count == K, K >= 1 else {
            throw r.fail("attribute 'assets' must be a JSON array of n_assets names")
        }
        guard config.volatilityLevels % K == 0 else {
            throw r.fail("n_volatility_levels \(config.volatilityLevels) is not a multiple of n_assets \(K)")
        }
        let tokenizer = try ReturnTokenizer(checkpointSection: section.extract(prefix: "tokenizer."))
        var volatility: [VolatilityModel] = [], regimes: [RegimeModel] = []
        for k in 0..<K {
            regimes.append(try RegimeModel(checkpointSection: section.extract(prefix: "asset\(k).regimes.")))
            volatility.append(try VolatilityModel(checkpointSection: section.extract(prefix: "asset\(k).volatility."),
                                                  levels: config.volatilityLevels / K, regimes: config.nRegimes))
        }
        let R = config.nRegimes
        guard let flat = section.datasets["cholesky"], flat.count == R * K * K else {
            throw r.fail("dataset 'cholesky' must hold n_regimes · n_assets² = \(R * K * K) values")
        }
        let cholesky = (0..<R).map { Array(flat[($0 * K * K)..<(($0 + 1) * K * K)]) }
        var whitening = Whitening.correlation
        if section.attributes["whitening"] != nil {
            let name = try r.string("whitening")
            guard let w = Whitening(rawValue: name) else {
                throw r.fail("attribute 'whitening' must be \"correlation\", \"covariance\", \"return_correlation\" "
                             + "or \"two_factor\", got \"\(name)\"")
            }
            whitening = w
        }
        var encoding: [[Double]]?
        if whitening == .twoFactor {
            guard let flat = section.datasets["encoding_cholesky"], flat.count == R * K * K else {
                throw r.fail("the two-factor whitening needs the dataset 'encoding_cholesky' of n_regimes · n_assets² = "
                             + "\(R * K * K) values")
            }
            encoding = (0..<R).map { Array(flat[($0 * K * K)..<(($0 + 1) * K * K)]) }
        }
        try self.init(assets: names, tokenizer: tokenizer, volatility: volatility, regimes: regimes, cholesky: cholesky,
                      encodingCholesky: encoding, whitening: whitening, copula: try Self.copula(r, assets: K),
                      zeroReturns: try JointZeroReturns.read(r, assets: K, vocabSize: tokenizer.vocabSize),
                      zTail: try JointTailMap.read(r, assets: K),
                      varianceCalibration: try JointVarianceCalibration.read(r, assets: K),
                      regimeStarts: try JointRegimeStarts.read(r, assets: K, regimes: R),
                      bandMap: try JointBandMap.read(r, assets: K, regimes: R),
                      regimeTailMap: try JointRegimeTailMap.read(r, assets: K, regimes: R),
                      startDependence: try JointStartDependence.read(r, assets: K, regimes: R))
        try check(against: config)
    }

    /// The optional copula of a `/joint` section (nil when `copula.kind` is absent).
    private static func copula(_ r: CheckpointSectionReader, assets K: Int) throws -> StudentTCopula? {
        guard r.section.attributes["copula.kind"] != nil else { return nil }
        let kind = try r.string("copula.kind")
        guard ["student_t", "gaussian"].contains(kind) else {
            throw r.fail("attribute 'copula.kind' must be \"student_t\" or \"gaussian\", got \"\(kind)\"")
        }
        let nu = kind == "student_t" ? try r.double("copula.degrees_of_freedom") : nil
        do {
            return try StudentTCopula(correlation: try r.dataset("copula.correlation", count: K * K), dimension: K,
                                      degreesOfFreedom: nu)
        } catch let error as StatsError {
            throw r.fail("the copula: \(error)")
        }
    }
}

extension CheckpointSection {
    /// Adds another section's attributes and datasets under `prefix`.
    mutating func merge(_ other: CheckpointSection, prefix: String) {
        for (key, value) in other.attributes { attributes[prefix + key] = value }
        for (key, value) in other.datasets { datasets[prefix + key] = value }
    }

    /// The attributes and datasets whose names start with `prefix`, with the prefix removed.
    func extract(prefix: String) -> CheckpointSection {
        var out = CheckpointSection()
        for (key, value) in attributes where key.hasPrefix(prefix) { out.attributes[String(key.dropFirst(prefix.count))] = value }
        for (key, value) in datasets where key.hasPrefix(prefix) { out.datasets[String(key.dropFirst(prefix.count))] = value }
        return out
    }
}

/// Which optional parts a joint model's data models are fitted with (`JointDataModels.fit`,
/// `JointScenarioModel.fit`, the joint federation; `tgfl train-joint` / `federate-joint`
/// `--whitening`, `--no-tail-map`, `--no-variance-calibration`).
public struct JointDataSettings: Equatable, Sendable {
    /// The rule of the per-regime whitening factors (`JointDataModels.regimeWhitening`). Default
    /// `.twoFactor` (session 18: encode with the covariance factors, generate with the return-correlation
    /// ones); `.returnCorrelation` fits as session 17 did, `.covariance` as sessions 13–16 did. `.correlation`
    /// (the rule before session 13) is only read from old files; a fit asked for it throws.
    public var whitening: JointDataModels.Whitening
    /// Fit the z tail map's targets (`JointTailMap`; calibrated after training). Default on, unless
    /// the environment has `TGFL_JOINT_Z_TAIL=0` (kept for older scripts).
    public var tailMap: Bool
    /// Fit the variance calibration's targets (`JointVarianceCalibration`; calibrated after
    /// training). Default on, unless the environment has `TGFL_JOINT_VARIANCE=0`.
    public var varianceCalibration: Bool
    /// Fit the market-regime starts (`JointRegimeStarts`, session 19): a run asked for a market
    /// regime starts each asset's σ where the training days of that market regime had it, not
    /// inside the asset's own regime band. Default on (BENCHMARKS.md "Session 19 (jes19)": ES cells
    /// 16 → 18 of 24, every other issue-17 figure the same bits); off fits as before session 19.
    public var regimeStarts: Bool
    /// Fit the z band map (`JointBandMap`, sessions 20–21; calibrated after training): unconditional
    /// generation scales each asset's own z in each of its volatility bands to the spread of the training
    /// z of that band, shrunk toward 1 by the targets' sampling error. Default on since session 21
    /// (BENCHMARKS.md "Session 21 (joint21)": single-asset targets 281 → 290 of 342 on the six runs,
    /// +3.7 on average over three other scenario seeds, the ES cells the same bits, the issue-17 cells
    /// 11.67 of 18 on average over those seeds with or without; session 20's rule, which wrote each scale
    /// back into the day's u, lowered eu_stocks' crisis correlation); off fits as before session 20.
    public var bandMap: Bool
    /// Fit the regime z tail map (`JointRegimeTailMap`, session 20; calibrated after training): a run
    /// asked for a market regime maps each asset's z onto the training z of that regime's days.
    /// Default off (BENCHMARKS.md "Session 20 (jes20)": it halves the regime runs' ES error against
    /// each regime's training days and meets fx_usd_1980 42's crisis cell, but the issue's ES cells
    /// fall 18 → 15 of 24 — eu_stocks' and crsp_daily's crisis cells met the bound only by the too-heavy z).
    public var regimeTailMap: Bool
    /// How the copula's ν is fitted (session 23): `.likelihood` (default, as since session 8) or
    /// `.lowerTail` (ν matched to the training u's lower-tail coefficient at 5 %; BENCHMARKS.md
    /// "Session 23 (joint23)"). The stored copula is the same kind either way.
    public var copulaFit: JointDataModels.CopulaFit
    /// How the assets' day-0 σ depend on each other (session 24): `.comonotone` (default: one uniform
    /// for every asset, as since issue 17) or `.fitted` (`JointStartDependence`: the training days'
    /// rank correlation of σ, /joint version 13; BENCHMARKS.md "Session 24 (joint24)").
    public var startDependence: JointStartDependence.Rule

    public init(whitening: JointDataModels.Whitening = .twoFactor, tailMap: Bool = JointTailMap.enabledByDefault,
                varianceCalibration: Bool = JointVarianceCalibration.enabledByDefault, regimeStarts: Bool = true,
                bandMap: Bool = true, regimeTailMap: Bool = false, copulaFit: JointDataModels.CopulaFit = .likelihood,
                startDependence: JointStartDependence.Rule = .comonotone) {
        self.whitening = whitening; self.tailMap = tailMap; self.varianceCalibration = varianceCalibration
        self.regimeStarts = regimeStarts; self.bandMap = bandMap; self.regimeTailMap = regimeTailMap
        self.copulaFit = copulaFit; self.startDependence = startDependence
    }
}
