import Foundation
import TGFLBase

/// Where the client updates are clipped (Flower's two wrapper families).
public enum ClippingSide: String, Sendable, Codable {
    /// The server clips each received update (Flower `DifferentialPrivacyServerSide…Clipping`).
    case server
    /// Each client clips its own update before sending it (Flower `…ClientSide…Clipping` with
    /// the `fixedclipping_mod`/`adaptiveclipping_mod`); needed with secure aggregation, where the
    /// server never sees individual updates. A Byzantine client does not clip.
    case client
}

/// Adaptive clipping settings (Andrew et al. 2021, "Differentially Private Learning with
/// Adaptive Clipping", NeurIPS, arXiv:1905.03871), with Flower's names and defaults.
public struct AdaptiveClipping: Sendable, Equatable, Codable {
    /// Starting clipping norm C₀ > 0 (Flower `initial_clipping_norm`, default 0.1).
    public var initialClippingNorm: Double = 0.1
    /// Target quantile γ in [0, 1] of the update norms that C tracks (Flower
    /// `target_clipped_quantile`, default 0.5).
    public var targetClippedQuantile: Double = 0.5
    /// Geometric step η_C > 0 (Flower `clip_norm_lr`, default 0.2).
    public var clipNormLr: Double = 0.2
    /// Std σ_b ≥ 0 of the noise on the unclipped count; `nil` means m/20 when the noise
    /// multiplier is positive, else 0 (Flower `clipped_count_stddev`, default None).
    public var clippedCountStddev: Double? = nil

    /// Creates it from the values its properties document.
    public init(initialClippingNorm: Double = 0.1, targetClippedQuantile: Double = 0.5,
                clipNormLr: Double = 0.2, clippedCountStddev: Double? = nil) {
        self.initialClippingNorm = initialClippingNorm
        self.targetClippedQuantile = targetClippedQuantile
        self.clipNormLr = clipNormLr
        self.clippedCountStddev = clippedCountStddev
    }
}

/// Client-level DP-FedAvg settings (McMahan et al. 2018, "Learning Differentially Private
/// Recurrent Language Models", arXiv:1710.06963), as Flower's DP strategy wrappers.
///
/// The mechanism these settings run, and the neighbouring relation its ε refers to, are
/// stated once, in `DifferentialPrivacy`.
public struct DPConfig: Sendable, Equatable, Codable {
    /// Noise multiplier z ≥ 0 (Flower `noise_multiplier`): the noise on the *sum* of the
    /// clipped updates has std z·S.
    public var noiseMultiplier: Double
    /// Fixed clipping norm S > 0 (Flower `clipping_norm`); ignored when `adaptive` is set.
    public var clippingNorm: Double
    /// Expected clients per round m > 0 (Flower `num_sampled_clients`): the fixed denominator
    /// of the mean; the noise std on the mean is z·S/m. The simulation requires it to equal
    /// its sample size (`SamplingConfig.trainSampleSize`), so q = m/N.
    public var numSampledClients: Int
    /// Server- or client-side clipping.
    public var side: ClippingSide
    /// Adaptive clipping instead of the fixed norm.
    public var adaptive: AdaptiveClipping?
    /// How the round's clients are drawn: Poisson with rate q = m/N (default; add/remove
    /// neighbours, the tighter accounting) or exactly m without replacement (replace-one).
    public var sampling: SamplingMethod

    /// Creates it from the values its properties document.
    public init(noiseMultiplier: Double, clippingNorm: Double = 1, numSampledClients: Int,
                side: ClippingSide = .server, adaptive: AdaptiveClipping? = nil, sampling: SamplingMethod = .poisson) {
        self.noiseMultiplier = noiseMultiplier
        self.clippingNorm = clippingNorm
        self.numSampledClients = numSampledClients
        self.side = side
        self.adaptive = adaptive
        self.sampling = sampling
    }

    private enum CodingKeys: String, CodingKey {
        case noiseMultiplier, clippingNorm, numSampledClients, side, adaptive, sampling
    }

    /// Decodes; a state written before `sampling` existed ran fixed-size sampling without replacement.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        noiseMultiplier = try c.decode(Double.self, forKey: .noiseMultiplier)
        clippingNorm = try c.decode(Double.self, forKey: .clippingNorm)
        numSampledClients = try c.decode(Int.self, forKey: .numSampledClients)
        side = try c.decode(ClippingSide.self, forKey: .side)
        adaptive = try c.decodeIfPresent(AdaptiveClipping.self, forKey: .adaptive)
        sampling = try c.decodeIfPresent(SamplingMethod.self, forKey: .sampling) ?? .withoutReplacement
    }
}

/// The DP-FedAvg mechanism, and the one place that states what its ε means.
///
/// Unit protected: one client (institution) — user-level DP. Each round (N clients, m =
/// `numSampledClients` expected participants, S the clipping norm C_t of the round):
/// ```
/// sample   Poisson: each client joins independently with q = m/N        (default)
///          or without replacement: exactly m of the N clients
/// clip     Δ_i = w_i − w_t;   Δ_i ← Δ_i · min(1, S / ‖Δ_i‖₂)            (whole-model L2 norm)
/// weights  equal — every participant counts 1 whatever its example count (enforced)
/// release  w̄ = w_t + (Σ_{i ∈ participants} Δ_i + N(0, (z·S)² I)) / m     (m FIXED, not the
///          number that replied; dropped or rejected clients add 0 to the sum)
/// server   w_{t+1} = strategy.step(w̄)      (FedAvg, FedProx, FedAvgM, FedAdagrad, FedAdam,
///          FedYogi: a function of w̄ and public state only — post-processing)
/// adaptive (Andrew et al. 2021, arXiv:1905.03871, Alg. 1), b_i = 1[‖Δ_i‖ ≤ S]:
///          b̄ = (Σ_i (b_i − ½) + N(0, σ_b²)) / m + ½;   S ← S · exp(−η_C (b̄ − γ))
///          updates get z_Δ = (z⁻² − (2σ_b)⁻²)^(−½) so that both releases together cost z
/// ```
/// Sensitivity and accounting (noise multiplier = noise std / L2 sensitivity of the sum):
/// ```
/// Poisson, add/remove one client:  ‖Σ_D − Σ_D'‖ ≤ S (one clipped Δ appears or not; m is a
///     constant, so no other term moves)  →  Poisson-subsampled Gaussian, multiplier z, rate q
///     (RDP: Mironov, Talwar, Zhang 2019; PLD: Koskela et al. 2020, Doroshenko et al. 2022).
/// Fixed size, replace-one client:  ‖Σ_D − Σ_D'‖ ≤ ‖Δ_i‖ + ‖Δ'_i‖ ≤ 2S  →  sampled-without-
///     replacement Gaussian (Wang, Balle, Kasiviswanathan 2019, Thm 27), multiplier z/2.
/// Adaptive clipping: the count query Σ(b_i − ½) moves by ½ (add/remove) or 1 (replace-one),
///     noise σ_b; stacking both Gaussian queries (scaled by their noise std) gives sensitivity
///     √(z_Δ⁻² + (2σ_b)⁻²) = 1/z (add/remove), 2/z (replace-one): the same z and z/2 as above.
/// ```
/// Why the fixed denominator and equal weights: dividing by the actual number of replies or
/// by Σ n_i (example counts) makes one client move *every* other client's share, so the
/// sensitivity is no longer S (at q = 1 under add/remove it becomes ≈ 2S/m, and a client with
/// n_i twice the average share moves the mean twice as far). Flower's DP wrappers require
/// equal weights for the same reason; here they are enforced, not assumed.
/// Per-round ε composes over the rounds; the reported ε is the smaller of the RDP and the PLD
/// accountant (`PrivacyAccountant`), each computed for the relation above. The noise is added
/// to the *mean*, before the server optimizer (Flower adds it after `aggregate_fit`, which for
/// FedAdam/FedYogi/FedAdagrad/FedAvgM is not post-processing of a noised quantity).
/// Strategies that need individual updates (Krum, Multi-Krum, Bulyan, FedMedian,
/// FedTrimmedAvg, q-FedAvg) have no proven sensitivity here: the simulation refuses DP with them.
///
/// What ε means for one day of data: a day's return sits in up to T overlapping training
/// windows (T the window length), all held by the same client, and one client holds thousands
/// of days. The guarantee covers everything the client holds at once, so it covers that day
/// (and any set of days) with the same (ε, δ); it says nothing stronger for a single day.
/// The data-model summaries of `FederatedTrainer` (tokenizer moments, volatility histograms,
/// output-prior token counts) are shared in the clear and are not covered by ε, unless the data
/// models are fitted on public data (`FederatedTrainingOptions.publicData`) or the summaries are
/// released through their own Gaussian mechanism composed with the rounds
/// (`FederatedTrainingOptions.summaryNoiseMultiplier`, `NoisedSummaries`); the federation
/// record's `privacy.epsilon_covers` says which.
///
/// With secure aggregation the server never sees single updates, so clipping must be
/// client-side (`ClippingSide.client`); the simulation also accepts server-side clipping there,
/// clipping each update before it is masked (a shortcut the real protocol cannot take).
///
/// Differences from Flower 1.42, all deliberate: Poisson sampling and the fixed denominator
/// (Flower samples a fixed number and divides by the replies' examples); the noise before
/// the server optimizer; the adaptive rule counts *unclipped* updates, as the paper does
/// (Flower counts clipped ones with the same sign, which pushes C away from the target
/// quantile) and uses the norm C_t the round was clipped with for the noise (Flower uses the
/// already-updated C_{t+1}).
public struct DifferentialPrivacy: Sendable, Equatable, Codable {
    /// The noise multiplier, clipping norm, sampled count and sampling method.
    public let config: DPConfig
    /// The clipping norm in force for the next round.
    public private(set) var clippingNorm: Double
    /// σ_b actually used (adaptive only).
    public let clippedCountStddev: Double
    /// The noise multiplier applied to the updates (z, or z_Δ under adaptive clipping).
    public let effectiveNoiseMultiplier: Double

    /// Validates the settings and prepares the mechanism.
    /// - Throws: `TGFLError.outOfRange` naming the offending parameter and its bound.
    public init(_ config: DPConfig) throws {
        self.config = config
        guard config.noiseMultiplier >= 0, config.noiseMultiplier.isFinite else {
            throw TGFLError.outOfRange("noise_multiplier = \(config.noiseMultiplier) must be finite and ≥ 0")
        }
        guard config.numSampledClients > 0 else {
            throw TGFLError.outOfRange("num_sampled_clients = \(config.numSampledClients) must be positive")
        }
        if let a = config.adaptive {
            try checkPositive(a.initialClippingNorm, "initial_clipping_norm")
            try checkUnitInterval(a.targetClippedQuantile, "target_clipped_quantile", closedAbove: true)
            try checkPositive(a.clipNormLr, "clip_norm_lr")
            if let s = a.clippedCountStddev, !(s >= 0 && s.isFinite) {
                throw TGFLError.outOfRange("clipped_count_stddev = \(s) must be finite and ≥ 0")
            }
            let z = config.noiseMultiplier
            if z > 0 {
                let sb = a.clippedCountStddev ?? Double(config.numSampledClients) / 20
                guard z < 2 * sb else {
                    throw TGFLError.outOfRange("noise_multiplier = \(z) must be below 2·clipped_count_stddev = \(2 * sb) "
                        + "(clipped_count_stddev defaults to num_sampled_clients/20); raise clipped_count_stddev")
                }
                clippedCountStddev = sb
                effectiveNoiseMultiplier = 1 / (1 / (z * z) - 1 / (4 * sb * sb)).squareRoot()
            } else {
                clippedCountStddev = a.clippedCountStddev ?? 0
                effectiveNoiseMultiplier = 0
            }
            clippingNorm = a.initialClippingNorm
        } else {
            try checkPositive(config.clippingNorm, "clipping_norm")
            clippingNorm = config.clippingNorm
            clippedCountStddev = 0
            effectiveNoiseMultiplier = config.noiseMultiplier
        }
    }

    /// The noise multiplier the accountant uses: z under Poisson sampling (add/remove,
    /// sensitivity S), z/2 under sampling without replacement (replace-one, sensitivity 2S).
    /// With adaptive clipping z is the configured total, not the larger z_Δ on the updates.
    public var accountingNoiseMultiplier: Double {
        config.sampling == .poisson ? config.noiseMultiplier : config.noiseMultiplier / 2
    }

    /// Standard deviation of the noise added to the mean: `z_Δ·C/m` (z_Δ = z for fixed clipping).
    public var noiseStd: Double { effectiveNoiseMultiplier * clippingNorm / Double(config.numSampledClients) }

    /// Clips `local − global` to L2 norm `norm` in place (`local ← global + clipped delta`).
    ///
    /// ```
    /// Δ = local − global;  local ← global + Δ · min(1, norm / ‖Δ‖₂)
    /// ```
    /// - Returns: `true` when the update was scaled down (‖Δ‖ > norm), Flower's `norm_bit`.
    @discardableResult
    public static func clip(_ local: inout [Float], global: [Float], norm: Double) -> Bool {
        var ss = 0.0
        for k in local.indices { let d = Double(local[k]) - Double(global[k]); ss += d * d }
        let n = ss.squareRoot()
        guard n > norm else { return false }
        let f = norm / n
        for k in local.indices {
            local[k] = Float(Double(global[k]) + (Double(local[k]) - Double(global[k])) * f)
        }
        return true
    }

    /// Adds `N(0, noiseStd²)` to every element of `params`.
    public func addNoise(_ params: inout [Float], rng: inout SeededRNG) {
        addNoise(&params, rng: &rng, over: [params.indices])
    }

    /// Adds `N(0, noiseStd²)` to the elements of `params` in `ranges`, drawn in ascending
    /// index order (a `ParameterSubset`: only the released coordinates are noised, all of them).
    public func addNoise(_ params: inout [Float], rng: inout SeededRNG, over ranges: [Range<Int>]) {
        let s = noiseStd
        guard s > 0 else { return }
        for r in ranges { for k in r { params[k] = Float(Double(params[k]) + s * rng.normal()) } }
    }

    /// Adaptive clipping update from the round's clipping outcomes (no-op for fixed clipping).
    ///
    /// ```
    /// b̄ = (Σ_i (b_i − ½) + σ_b·ξ) / m + ½ = (unclipped − total/2 + σ_b·ξ) / m + ½
    /// ```
    /// with m = `numSampledClients` fixed (the number of replies is private under add/remove);
    /// when total = m this is Flower's/Andrew et al.'s (unclipped + σ_b·ξ)/m.
    /// - Parameters:
    ///   - clippedCount: Updates with ‖Δ‖ > C this round.
    ///   - total: Updates clipped this round (the valid replies), ≥ 0.
    ///   - rng: Source of the count noise.
    public mutating func updateClippingNorm(clippedCount: Int, total: Int, rng: inout SeededRNG) {
        guard config.adaptive != nil else { return }
        updateClippingNorm(clippedCount: clippedCount, total: total, countNoise: rng.normal())
    }

    /// The adaptive update with a given standard-normal draw `countNoise` for the count noise.
    public mutating func updateClippingNorm(clippedCount: Int, total: Int, countNoise: Double) {
        guard let a = config.adaptive else { return }
        let m = Double(config.numSampledClients)
        let centred = Double(total - clippedCount) - Double(total) / 2 + clippedCountStddev * countNoise
        let fraction = centred / m + 0.5
        clippingNorm *= exp(-a.clipNormLr * (fraction - a.targetClippedQuantile))
    }

    /// Restores the adaptive norm from a checkpoint.
    public mutating func restore(clippingNorm: Double) { self.clippingNorm = clippingNorm }
}
