import Foundation
import TGFLStats

/// The volatility state of model v2: a GJR-GARCH(1,1) filter fitted on the training returns,
/// the volatility levels the network is conditioned on, and what generation needs to run the
/// state forward on the returns it generates.
///
/// ```
/// ε_t = r_t − μ
/// σ²_{t+1} = clamp( ω + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t ,  σ²_floor, σ²_cap )
/// σ²_0 = clamp( ω + (α + γ/2 + β)·backcast(r − r̄) )                                  (arch's start)
/// z_t = ε_t / σ_t                                      the model's tokens are tokens of z_t
/// level_t = #{ j : e_j ≤ log σ_t },  e_j = Quantile_{j/S}(training log σ_t), j = 1 … S−1
/// ```
/// `σ_t` is known before day t (it uses returns up to t − 1 only), so conditioning the
/// prediction of day t on `level_t` is causal, in training as in generation.
///
/// **Regimes.** In v2 a regime is a band of the volatility state: regime g holds the days with
/// `θ_g ≤ σ_t < θ_{g+1}` (`RegimeModel` with basis `.conditionalVolatility`). Generating under
/// regime g keeps the state inside that band and runs the recursion with its own intercept
/// ```
/// ω_g = v_g · (1 − persistence),   v_g = mean of σ_t² over the training days of regime g
/// σ²_{t+1} = clamp( ω_g + (α + γ·1[ε_t < 0]) ε_t² + β σ²_t ,  θ_g², θ_{g+1}² )
/// ```
/// so the state fluctuates, clusters and reacts to falls within that regime — a generated
/// crisis day is, by construction, a day whose volatility state a real crisis day would have —
/// instead of reverting to the long-run level. Unconditional generation uses ω (the calibrated
/// `generationOmega` when there is one) and starts each path
/// from a volatility drawn from the training distribution of σ_t (`initialLogSigmaQuantiles`),
/// so the paths move between regimes by their own dynamics.
///
/// **Bounds.** `σ_floor = σ_min / 2` and `σ_cap = 1.25 σ_max` of the training σ_t. A sampled
/// tail token can multiply σ² by 10 or more in one day, and the state feeds on itself: in a
/// filtered-historical-simulation check on the S&P 500 (GJR-t fitted on 1999–2014, standardized
/// residuals drawn per volatility level, 1,000 × 250 days) a cap of 1.5 σ_max gave excess
/// kurtosis 9.3 and 1.0 σ_max 7.2 against the real 8.2, while without the level-conditioning
/// the same draws reached 29 (and σ grew to 1e28 without a mean-reverting recursion in the
/// design notes' prototype). The cap leaves a quarter more room than the worst volatility the
/// training data showed; stress beyond that is the job of explicit stress scenarios.
///
/// Reference: Glosten, Jagannathan & Runkle (1993); Barone-Adesi, Giannopoulos & Vosper (1999),
/// filtered historical simulation; the `arch` package (backcast, likelihood), checked in
/// TGFLStats' `GARCHModel` tests.
public struct VolatilityModel: Equatable, Sendable {
    /// `kind` attribute of the `/volatility` checkpoint section.
    public static let kind = "gjr_garch_levels"
    /// The newest `version` of the `/volatility` section, the highest this code reads.
    ///
    /// A file is written with the lowest version that holds what it carries, as `/joint` does:
    /// version 1 without the keys below, so binaries before session 17 still read it; version 2
    /// with the MA(1) mean term, the public z marginal map or an upper-tail ν of its own (keys
    /// added in sessions 15–16 that a reader which ignores them would generate different
    /// scenarios without). Binaries before session 17 refuse version 2 by version instead of
    /// silently generating without them. A key that changes generation and is added later must
    /// raise this number the same way.
    public static let version = 2

    /// The section version this model is written with (see `version`).
    var sectionVersion: Int {
        let v2 = generationMeanTerm != nil || generationZMarginal != nil
            || (generationZTail.map { $0.upperNu != $0.nu } ?? false)
        return v2 ? 2 : 1
    }
    /// σ_cap = capMultiplier × the largest training σ_t (see the type's "Bounds").
    public static let capMultiplier = 1.25
    /// σ_floor = floorMultiplier × the smallest training σ_t.
    public static let floorMultiplier = 0.5
    /// Number of quantiles (plus one) of the initial-state distribution stored.
    public static let initialQuantileCount = 101
    /// The innovations the filter is fitted with (Student's t is robust to single crash days).
    public static let defaultSpecification = GARCHSpecification(variance: .gjr, innovations: .studentT,
                                                                constantMean: true)

    /// The fitted filter (its μ, ω, α, γ, β; the innovation shape is not used by the network).
    public let garch: GARCHModel
    /// S − 1 increasing thresholds on `log σ_t`.
    public let levelEdges: [Double]
    /// v_g: per regime, the mean of σ_t² over the training days of that regime.
    public let regimeVariances: [Double]
    /// `initialQuantileCount` quantiles (levels k/(K−1)) of the training `log σ_t`.
    public let initialLogSigmaQuantiles: [Double]
    /// Lower and upper bound of σ during filtering and generation.
    public let sigmaFloor: Double
    public let sigmaCap: Double
    /// The intercept ω of unconditional generation when it was calibrated
    /// (`ScenarioModel.calibrateUnconditionalVolatility`), nil to use the fitted ω. Filtering
    /// (training tokens, prompts) always uses the fitted ω.
    ///
    /// Why: near a unit root (persistence 0.97–0.995 on the bundled series) the long-run
    /// variance `ω / (1 − α·E[z²] − γ·E[z²·1(z<0)] − β)` of the generated state depends on
    /// the moments of the z the network draws, and the fitted ω's implied level is not the
    /// training variance anyway (GJR-t fits put it 14 % low in std on the NYSE and 7 % high on
    /// the S&P 500). Calibrating ω on the model's own draws is variance targeting (Engle &
    /// Mezrich, 1996) for the generator as it runs.
    public var generationOmega: Double?
    /// The location of unconditionally generated returns when calibrated (`r = location + σ·z`,
    /// the recursion centred on it), nil to use the fitted μ: mean targeting, so that generated
    /// returns have the data's mean drift (`ScenarioModel.calibrateUnconditionalVolatility`).
    public var generationMean: Double?
    /// The variance `generationOmega` was calibrated to (`Trainer.fit`: the mean of `(r − μ)²`
    /// over the days it was given; nil when not calibrated).
    public var generationTargetVariance: Double?
    /// The recursion of unconditional generation (GJR coefficients and power) when it was
    /// matched to the training data's dependence (`matchDependence(trainingSpans:seed:powers:)`),
    /// nil to use the fitted α, γ, β (power 2).
    /// Filtering and regime-conditioned generation always use the fitted ones.
    public var generationDynamics: GenerationDynamics?
    /// With `generationDynamics`: `initialQuantileCount` quantiles of `log(v_j / mean v)` over
    /// the training span's 250-day chunks j (v_j: a chunk's variance), the slow level of
    /// unconditional paths without a prompt (`generationLevelFactor(u:)`); nil: none.
    public var generationLevelLogQuantiles: [Double]?
    /// The factors on each generated z of unconditional generation without a prompt, by the
    /// signs of the path's previous K z (`ZSignScales`, fitted on the training residuals when
    /// `DataPipelineConfig.zSignLags` > 0); nil: z as the network draws them.
    public var generationZSignScales: ZSignScales?
    /// q_b, per token of the z tokenizer: the share of exact-zero returns among the training days
    /// of token b; generation emits r = 0 with that probability when it samples bin b
    /// (`zeroShares(trainingSpans:tokenizer:)`); nil: no point mass at zero.
    public var generationZeroShares: [Double]?
    /// The Student-t tails of the z of unconditional generation without a prompt (`ZTail`: each
    /// tail of probability p of the network's day distribution follows a t, ν the filter's, or each
    /// side's own from the training z with `ZTail.ownNuByDefault`);
    /// nil: z as the network draws them.
    public var generationZTail: ZTail?
    /// The MA(1) mean term on the generated returns of every v2 generation mode (`MeanTerm`;
    /// session 15: set by federated training from public data only); nil: returns as drawn.
    public var generationMeanTerm: MeanTerm?
    /// The monotone map of the z of unconditional generation without a prompt onto a public
    /// series' z marginal (`ZMarginalMap`; session 16: set by federated training from public data
    /// with `publicZMarginal`); nil: z as drawn.
    public var generationZMarginal: ZMarginalMap?

    /// S, the number of volatility levels.
    public var levels: Int { levelEdges.count + 1 }

    /// Creates a model from its parts (e.g. read from a checkpoint).
    /// - Throws: `TGFLError.invalidArgument` naming the bad part.
    public init(garch: GARCHModel, levelEdges: [Double], regimeVariances: [Double],
                initialLogSigmaQuantiles: [Double], sigmaFloor: Double, sigmaCap: Double) throws {
        guard !levelEdges.isEmpty else {
            throw TGFLError.invalidArgument("volatility model: needs at least 2 levels (1 level edge)")
        }
        for (j, e) in levelEdges.enumerated() where !e.isFinite || (j > 0 && e < levelEdges[j - 1]) {
            throw TGFLError.invalidArgument(
                "volatility model: level_edges[\(j)] = \(e); edges must be finite and non-decreasing")
        }
        guard !regimeVariances.isEmpty else {
            throw TGFLError.invalidArgument("volatility model: regime_variances is empty")
        }
        for (g, v) in regimeVariances.enumerated() where !(v.isFinite && v > 0) {
            throw TGFLError.invalidArgument(
                "volatility model: regime_variances[\(g)] = \(v) must be finite and > 0")
        }
        guard initialLogSigmaQuantiles.count >= 2,
              initialLogSigmaQuantiles.allSatisfy(\.isFinite),
              zip(initialLogSigmaQuantiles, initialLogSigmaQuantiles.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw TGFLError.invalidArgument(
                "volatility model: initial_log_sigma_quantiles must hold at least 2 finite non-decreasing values")
        }
        guard sigmaFloor.isFinite, sigmaCap.isFinite, sigmaFloor > 0, sigmaCap > sigmaFloor else {
            throw TGFLError.invalidArgument(
                "volatility model: sigma bounds [\(sigmaFloor), \(sigmaCap)] must be finite with 0 < floor < cap")
        }
        self.garch = garch
        self.levelEdges = levelEdges
        self.regimeVariances = regimeVariances
        self.initialLogSigmaQuantiles = initialLogSigmaQuantiles
        self.sigmaFloor = sigmaFloor
        self.sigmaCap = sigmaCap
    }

    // MARK: - Filtering

    /// The clamped one-step-ahead variances `σ²_t`, t = 0 ..< n, of a return series.
    /// - Parameter returns: finite log returns (the caller checks).
    public func variances(_ returns: [Double]) -> [Double] {
        guard !returns.isEmpty else { return [] }
        let lo = sigmaFloor * sigmaFloor, hi = sigmaCap * sigmaCap
        var out = [Double](repeating: 0, count: returns.count)
        let mu = garch.mu
        // The start of arch's recursion: σ²_0 = ω + (α + γ/2 + β)·backcast(r − r̄).
        let mean = returns.reduce(0, +) / Double(returns.count)
        let b = GARCHModel.backcast(returns.map { $0 - mean })
        var v = min(max(garch.omega + (garch.alpha + garch.gamma / 2 + garch.beta) * b, lo), hi)
        for t in returns.indices {
            out[t] = v
            v = step(variance: v, residual: returns[t] - mu, omega: garch.omega)
        }
        return out
    }

    /// The variance after the residual `ε` of a day with variance `v`, with intercept `omega`,
    /// clamped to the bounds.
    @inline(__always)
    public func step(variance v: Double, residual e: Double, omega: Double) -> Double {
        step(variance: v, residual: e, omega: omega, bounds: sigmaFloor * sigmaFloor...sigmaCap * sigmaCap)
    }

    /// `step(variance:residual:omega:)` clamped to `bounds` (variances) instead.
    @inline(__always)
    public func step(variance v: Double, residual e: Double, omega: Double, bounds: ClosedRange<Double>) -> Double {
        let a = e < 0 ? garch.alpha + garch.gamma : garch.alpha
        let next = omega + a * e * e + garch.beta * v
        return min(max(next, bounds.lowerBound), bounds.upperBound)
    }

    /// The variances allowed under regime `g` of `regimes`: its band `[θ_g², θ_{g+1}²]` within
    /// the global bounds (nil: the global bounds).
    public func varianceBounds(regime g: Int?, of regimes: RegimeModel) -> ClosedRange<Double> {
        let floor = sigmaFloor * sigmaFloor, cap = sigmaCap * sigmaCap
        guard let g, (0..<regimes.count).contains(g) else { return floor...cap }
        let lo = g == 0 ? floor : max(floor, regimes.thresholds[g - 1] * regimes.thresholds[g - 1])
        let hi = g == regimes.count - 1 ? cap : min(cap, regimes.thresholds[g] * regimes.thresholds[g])
        return lo...max(lo, hi)
    }

    /// The volatility level of a variance: the number of level edges at or below `log σ`.
    @inline(__always)
    public func level(ofVariance v: Double) -> Int32 {
        let x = 0.5 * Foundation.log(v)
        var lo = 0, hi = levelEdges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if levelEdges[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return Int32(lo)
    }

    /// The location μ of generated returns under regime `g` (nil: unconditional,
    /// `generationMean` when calibrated, else the fitted μ).
    public func location(regime g: Int?) -> Double {
        guard g == nil else { return garch.mu }
        return generationMean ?? garch.mu
    }

    /// The intercept of the recursion when generating under regime `g` (nil: unconditional,
    /// `generationOmega` when calibrated, else the fitted ω).
    public func omega(regime g: Int?) -> Double {
        guard let g, regimeVariances.indices.contains(g) else { return generationOmega ?? uncalibratedGenerationOmega }
        return regimeVariances[g] * max(1 - garch.persistence, 1e-6)
    }

    /// The long-run variance under regime `g` (nil: the fitted one), clamped to the bounds.
    public func targetVariance(regime g: Int?) -> Double {
        let v = g.flatMap { regimeVariances.indices.contains($0) ? regimeVariances[$0] : nil }
            ?? garch.unconditionalVariance
        return min(max(v, sigmaFloor * sigmaFloor), sigmaCap * sigmaCap)
    }

    /// A variance drawn from the training distribution of σ_t by inverse CDF:
    /// `log σ = linear interpolation of the stored quantiles at u`.
    /// - Parameter u: a uniform draw in [0, 1).
    public func initialVariance(u: Double) -> Double {
        variance(logSigmaQuantiles: initialLogSigmaQuantiles, u: u)
    }

    /// The variance at level u of a distribution of σ given by equally spaced quantiles of log σ
    /// (levels k/(n−1); linear interpolation), clamped to the floor and the cap.
    public func variance(logSigmaQuantiles q: [Double], u: Double) -> Double {
        let x = min(max(u, 0), 1) * Double(q.count - 1)
        let i = min(Int(x), q.count - 2)
        let logSigma = q[i] + (x - Double(i)) * (q[i + 1] - q[i])
        let v = Foundation.exp(2 * logSigma)
        return min(max(v, sigmaFloor * sigmaFloor), sigmaCap * sigmaCap)
    }

    // MARK: - Fitting

    /// Fits the filter and the levels on the training spans (pooled likelihood, each series
    /// with its own backcast), then the regime thresholds on `σ_t`.
    ///
    /// ```
    /// garch   = GARCHModel.fit(spans, GJR, Student t)              (TGFLStats, checked against arch)
    /// σ_t     = garch filter on each span (unclamped),  bounds = [min σ / 2, 1.25 max σ]
    /// e_j     = Quantile_{j/S}(log σ_t),  θ_g = Quantile_{q_g}(σ_t)   (pooled over spans)
    /// v_g     = mean σ_t² over the days with regime g (v_g of an empty regime: its lower θ²)
    /// ```
    /// - Parameters:
    ///   - trainingSpans: log returns of the training span of each series (finite).
    ///   - levels: S ≥ 2.
    ///   - regimeNames: regime names, calmest first.
    ///   - regimeQuantileLevels: R − 1 increasing levels in (0, 1) for the regime thresholds.
    /// - Returns: the volatility model and the regime model (basis `.conditionalVolatility`).
    /// - Throws: `TGFLError.invalidArgument` naming the span when the filter cannot be fitted.
    public static func fit(trainingSpans: [ReturnSeries], levels: Int, regimeNames: [String],
                           regimeQuantileLevels: [Double]) throws -> (VolatilityModel, RegimeModel) {
        guard levels >= 2 else {
            throw TGFLError.invalidArgument("volatility levels must be at least 2, got \(levels)")
        }
        let garch: GARCHModel
        do {
            garch = try GARCHModel.fit(trainingSpans.map(\.values), specification: defaultSpecification).model
        } catch {
            throw TGFLError.invalidArgument(
                "fitting the GJR-GARCH volatility filter on the training spans of "
                + trainingSpans.map { "'\($0.name)'" }.joined(separator: ", ") + ": \(error)")
        }
        return try fit(filter: garch, trainingSpans: trainingSpans, levels: levels, regimeNames: regimeNames,
                       regimeQuantileLevels: regimeQuantileLevels)
    }

    /// The levels, regimes, bounds and initial-state quantiles of `fit(trainingSpans:levels:regimeNames:regimeQuantileLevels:)`
    /// for a given filter (its second half: everything after the GJR-t fit).
    /// - Throws: `TGFLError.invalidArgument` when the filter gives no positive finite volatility.
    static func fit(filter garch: GARCHModel, trainingSpans: [ReturnSeries], levels: Int, regimeNames: [String],
                    regimeQuantileLevels: [Double]) throws -> (VolatilityModel, RegimeModel) {
        var sigmas: [Double] = []
        for span in trainingSpans {
            sigmas += garch.conditionalVariances(span.values).map { $0.squareRoot() }
        }
        guard let lo = sigmas.min(), let hi = sigmas.max(), lo > 0, hi.isFinite else {
            throw TGFLError.invalidArgument(
                "the fitted volatility filter gives no positive finite volatility on the training spans")
        }
        let sorted = sigmas.sorted()
        let logSorted = sorted.map { Foundation.log($0) }
        let edges = (1..<levels).map { linearQuantile(sorted: logSorted, Double($0) / Double(levels)) }
        let thresholds = regimeQuantileLevels.map { linearQuantile(sorted: sorted, $0) }
        let regimes = try RegimeModel(names: regimeNames, basis: .conditionalVolatility,
                                      quantileLevels: regimeQuantileLevels, thresholds: thresholds)
        var sums = [Double](repeating: 0, count: regimeNames.count)
        var counts = [Int](repeating: 0, count: regimeNames.count)
        for s in sigmas {
            let g = Int(regimes.label(volatility: s))
            sums[g] += s * s
            counts[g] += 1
        }
        var variances = [Double](repeating: 0, count: regimeNames.count)
        for g in variances.indices {
            if counts[g] > 0 {
                variances[g] = sums[g] / Double(counts[g])
            } else {
                // No training day in this band: its lower threshold (or the lowest σ) squared.
                let sigma = g == 0 ? lo : thresholds[g - 1]
                variances[g] = sigma * sigma
            }
        }
        let k = initialQuantileCount
        let initial = (0..<k).map { linearQuantile(sorted: logSorted, Double($0) / Double(k - 1)) }
        let model = try VolatilityModel(garch: garch, levelEdges: edges, regimeVariances: variances,
                                        initialLogSigmaQuantiles: initial, sigmaFloor: lo * floorMultiplier, sigmaCap: hi * capMultiplier)
        return (model, regimes)
    }

    // MARK: - Checkpoint

    /// The `/volatility` checkpoint section.
    ///
    /// Attributes: `kind = "gjr_garch_levels"`, `version` (1, or 2 with a mean term, a z marginal
    /// map or an upper-tail ν of its own: see `version`), `variance` (`gjr`/`garch`),
    /// `innovations` (`normal`/`t`/`skewt`), `mu`, `omega`, `alpha`, `gamma`, `beta`, `nu`
    /// and `lambda` (when the innovations have them), `sigma_floor`, `sigma_cap` (float64).
    /// Optional (absent: not calibrated; older readers ignore them and generate with the fitted
    /// ω and μ): `generation_omega`, `generation_mean`, `generation_target_variance` (float64);
    /// `generation_alpha`, `generation_gamma`, `generation_beta` (float64, all three or none;
    /// absent: unconditional generation runs with the fitted α, γ, β); `generation_power`
    /// (int64, 1 or 2, only with them, written only when 1; absent: 2, so checkpoints before
    /// session 10 load and generate the same bits).
    /// Datasets: `level_edges` [S−1] (on log σ), `regime_variances` [R],
    /// `initial_log_sigma_quantiles` [101]; optional `generation_level_log_quantiles` [101] and
    /// `generation_z_sign_scales` [2^K], K = 1 … 4 (`ZSignScales.factors`, finite and > 0; absent:
    /// the generated z are not scaled, so older checkpoints generate the same bits);
    /// optional `generation_zero_shares` [V] (session 13: shares in [0, 1], one per token; absent:
    /// no point mass at zero, the same bits as before); optional attributes
    /// `generation_z_tail_probability` and `generation_z_tail_nu` (session 14, together: p in
    /// (0, 0.5), ν > 2; absent: no t tails, the same bits as before); optional attribute
    /// `generation_z_tail_nu_upper` (session 15, only with them, ν > 2, written when it differs
    /// from `generation_z_tail_nu`, which is then the lower tail's; absent: both tails use
    /// `generation_z_tail_nu`, so session-14 checkpoints generate the same bits; older readers
    /// ignore it and use `generation_z_tail_nu` on both sides); optional attributes
    /// `generation_mean_term_kind` ("ma1"), `generation_mean_term_version` (1) and
    /// `generation_mean_term_theta` (session 15, together: `MeanTerm`; absent: no mean term, the
    /// same bits as before); optional attribute `generation_z_marginal_version` (1) with dataset
    /// `generation_z_marginal_targets` [V+1] (session 16, together: `ZMarginalMap`; absent: z as
    /// drawn, the same bits as before).
    public var checkpointSection: CheckpointSection {
        var attributes: [String: CheckpointValue] = [
            "kind": .string(Self.kind), "version": .int(sectionVersion),
            "variance": .string(garch.specification.variance.rawValue),
            "innovations": .string(garch.specification.innovations.rawValue),
            "constant_mean": .int(garch.specification.constantMean ? 1 : 0),
            "mu": .double(garch.mu), "omega": .double(garch.omega), "alpha": .double(garch.alpha),
            "gamma": .double(garch.gamma), "beta": .double(garch.beta),
            "sigma_floor": .double(sigmaFloor), "sigma_cap": .double(sigmaCap),
        ]
        if let nu = garch.nu { attributes["nu"] = .double(nu) }
        if let lambda = garch.lambda { attributes["lambda"] = .double(lambda) }
        if let generationOmega { attributes["generation_omega"] = .double(generationOmega) }
        if let generationMean { attributes["generation_mean"] = .double(generationMean) }
        if let generationTargetVariance { attributes["generation_target_variance"] = .double(generationTargetVariance) }
        if let d = generationDynamics {
            attributes["generation_alpha"] = .double(d.alpha)
            attributes["generation_gamma"] = .double(d.gamma)
            attributes["generation_beta"] = .double(d.beta)
            if d.power != 2 { attributes["generation_power"] = .int(d.power) }
        }
        var datasets = ["level_edges": levelEdges, "regime_variances": regimeVariances,
                        "initial_log_sigma_quantiles": initialLogSigmaQuantiles]
        if let generationLevelLogQuantiles { datasets["generation_level_log_quantiles"] = generationLevelLogQuantiles }
        if let generationZSignScales { datasets["generation_z_sign_scales"] = generationZSignScales.factors }
        if let generationZeroShares { datasets["generation_zero_shares"] = generationZeroShares }
        if let t = generationZTail {
            attributes["generation_z_tail_probability"] = .double(t.probability)
            attributes["generation_z_tail_nu"] = .double(t.nu)
            if t.upperNu != t.nu { attributes["generation_z_tail_nu_upper"] = .double(t.upperNu) }
        }
        writeMeanTerm(&attributes)
        writeZMarginal(&attributes, &datasets)
        return CheckpointSection(attributes: attributes, datasets: datasets)
    }

    /// Reads a `/volatility` checkpoint section.
    /// - Parameters:
    ///   - section: the section written by `checkpointSection`.
    ///   - levels: S from `model_config`; `regimes`: R from `model_config`.
    /// - Throws: `TGFLError.invalidArgument` naming the missing or invalid key.
    public init(checkpointSection section: CheckpointSection, levels: Int, regimes: Int) throws {
        let r = CheckpointSectionReader(section: section, name: "/volatility")
        try r.checkKind(Self.kind, supportedVersions: 1...Self.version)
        guard let variance = GARCHSpecification.Variance(rawValue: try r.string("variance")) else {
            throw r.fail("attribute 'variance' must be 'gjr' or 'garch'")
        }
        guard let innovations = GARCHSpecification.Innovations(rawValue: try r.string("innovations")) else {
            throw r.fail("attribute 'innovations' must be 'normal', 't' or 'skewt'")
        }
        let spec = GARCHSpecification(variance: variance, innovations: innovations,
                                      constantMean: try r.int("constant_mean") != 0)
        func optional(_ key: String) throws -> Double? {
            section.attributes[key] == nil ? nil : try r.double(key)
        }
        do {
            let garch = try GARCHModel(specification: spec, mu: r.double("mu"), omega: r.double("omega"),
                                       alpha: r.double("alpha"), gamma: r.double("gamma"), beta: r.double("beta"),
                                       nu: optional("nu"), lambda: optional("lambda"))
            try self.init(garch: garch, levelEdges: r.dataset("level_edges", count: levels - 1),
                          regimeVariances: r.dataset("regime_variances", count: regimes),
                          initialLogSigmaQuantiles: r.dataset("initial_log_sigma_quantiles",
                                                              count: Self.initialQuantileCount),
                          sigmaFloor: r.double("sigma_floor"), sigmaCap: r.double("sigma_cap"))
            let omega = try optional("generation_omega"), target = try optional("generation_target_variance")
            for (key, value) in [("generation_omega", omega), ("generation_target_variance", target)] {
                if let value, !(value.isFinite && value > 0) {
                    throw r.fail("attribute '\(key)' = \(value) must be finite and > 0")
                }
            }
            if let mean = try optional("generation_mean"), !mean.isFinite {
                throw r.fail("attribute 'generation_mean' = \(mean) must be finite")
            }
            generationOmega = omega
            generationTargetVariance = target
            generationMean = try optional("generation_mean")
            let dynamics = try ["generation_alpha", "generation_gamma", "generation_beta"].map(optional)
            if dynamics.contains(where: { $0 != nil }) {
                guard let a = dynamics[0], let g = dynamics[1], let b = dynamics[2] else {
                    throw r.fail("attributes 'generation_alpha', 'generation_gamma' and 'generation_beta' "
                                 + "must be given together (re-save the checkpoint, or remove all three)")
                }
                let power = section.attributes["generation_power"] == nil ? 2 : try r.int("generation_power")
                guard power == 1 || power == 2 else {
                    throw r.fail("attribute 'generation_power' = \(power) must be 1 or 2")
                }
                let d = GenerationDynamics(alpha: a, gamma: g, beta: b, power: power)
                guard d.isValid else {
                    throw r.fail("generation_alpha/gamma/beta = \(a), \(g), \(b) must be finite with alpha ≥ 0, "
                                 + "beta ≥ 0 and alpha + gamma ≥ 0")
                }
                generationDynamics = d
            } else if section.attributes["generation_power"] != nil {
                throw r.fail("attribute 'generation_power' needs 'generation_alpha', 'generation_gamma' and "
                             + "'generation_beta' (re-save the checkpoint, or remove it)")
            }
            if let factors = section.datasets["generation_z_sign_scales"] {
                do {
                    generationZSignScales = try ZSignScales(factors: factors)
                } catch TGFLError.invalidArgument(let m) {
                    throw r.fail("dataset 'generation_z_sign_scales': \(m)")
                }
            }
            if let q = section.datasets["generation_zero_shares"] {
                try Self.checkZeroShares(q, vocabSize: nil)
                generationZeroShares = q
            }
            let tail = try ["generation_z_tail_probability", "generation_z_tail_nu"].map(optional)
            if tail.contains(where: { $0 != nil }) {
                guard let p = tail[0], let nu = tail[1] else {
                    throw r.fail("attributes 'generation_z_tail_probability' and 'generation_z_tail_nu' "
                                 + "must be given together (re-save the checkpoint, or remove both)")
                }
                generationZTail = try ZTail(probability: p, nu: nu, upperNu: optional("generation_z_tail_nu_upper"))
            } else if section.attributes["generation_z_tail_nu_upper"] != nil {
                throw r.fail("attribute 'generation_z_tail_nu_upper' needs 'generation_z_tail_probability' and "
                             + "'generation_z_tail_nu' (re-save the checkpoint, or remove it)")
            }
            try readMeanTerm(section, r)
            try readZMarginal(section, r)
            if section.datasets["generation_level_log_quantiles"] != nil {
                let q = try r.dataset("generation_level_log_quantiles", count: Self.initialQuantileCount)
                guard q.allSatisfy(\.isFinite), zip(q, q.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                    throw r.fail("dataset 'generation_level_log_quantiles' must hold finite non-decreasing values")
                }
                generationLevelLogQuantiles = q
            }
        } catch TGFLError.invalidArgument(let m) where !m.hasPrefix("checkpoint section") {
            throw r.fail(m)
        } catch let error as TGFLError {
            throw error
        } catch {
            throw r.fail("\(error)")
        }
    }
}
