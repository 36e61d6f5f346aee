import Foundation
import TGFLCore

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
public struct DPConfig: Sendable, Equatable, Codable {
    /// Noise multiplier z ≥ 0 (Flower `noise_multiplier`).
    public var noiseMultiplier: Double
    /// Fixed clipping norm S > 0 (Flower `clipping_norm`); ignored when `adaptive` is set.
    public var clippingNorm: Double
    /// Expected clients per round m > 0 (Flower `num_sampled_clients`); the noise std is z·S/m.
    public var numSampledClients: Int
    /// Server- or client-side clipping.
    public var side: ClippingSide
    /// Adaptive clipping instead of the fixed norm.
    public var adaptive: AdaptiveClipping?

    public init(noiseMultiplier: Double, clippingNorm: Double = 1, numSampledClients: Int,
                side: ClippingSide = .server, adaptive: AdaptiveClipping? = nil) {
        self.noiseMultiplier = noiseMultiplier
        self.clippingNorm = clippingNorm
        self.numSampledClients = numSampledClients
        self.side = side
        self.adaptive = adaptive
    }
}

/// The DP-FedAvg mechanism: clip each update, add Gaussian noise to the aggregate, and
/// (optionally) adapt the clipping norm.
///
/// ```
/// Δ_i = w_i − w_t;   Δ_i ← Δ_i · min(1, C / ‖Δ_i‖₂)       (whole-model norm, Flower `get_norm`)
/// aggregate ← aggregate + N(0, (z·C/m)² I)                 (Flower `compute_stdv`)
/// adaptive (Andrew et al. Alg. 1):  b̄ = (#{‖Δ_i‖ ≤ C} + N(0, σ_b²)) / n_replies
///                                    C ← C · exp(−η_C (b̄ − γ))
///                                    z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2)   (noise on the updates)
/// ```
/// The noise is added to the strategy's output, as Flower does; the (ε, δ) of
/// `RDPAccountant` holds for FedAvg/FedProx with equal client weights (Flower's own
/// accounting condition). Differences from Flower 1.42, both deliberate: the adaptive rule
/// counts *unclipped* updates, as the paper does (Flower counts clipped ones with the same
/// sign, which pushes C away from the target quantile), and the noise uses the norm C_t
/// the round was clipped with (Flower uses the already-updated C_{t+1}).
public struct DifferentialPrivacy: Sendable, Equatable, Codable {
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

    /// Standard deviation of the noise added to the aggregate: `z·C/m`.
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
        let s = noiseStd
        guard s > 0 else { return }
        for k in params.indices { params[k] = Float(Double(params[k]) + s * rng.normal()) }
    }

    /// Adaptive clipping update from the round's clipping outcomes (no-op for fixed clipping).
    ///
    /// - Parameters:
    ///   - clippedCount: Updates with ‖Δ‖ > C this round.
    ///   - total: Updates clipped this round (the valid replies).
    ///   - rng: Source of the count noise.
    public mutating func updateClippingNorm(clippedCount: Int, total: Int, rng: inout SeededRNG) {
        guard config.adaptive != nil, total > 0 else { return }
        updateClippingNorm(clippedCount: clippedCount, total: total, countNoise: rng.normal())
    }

    /// The adaptive update with a given standard-normal draw `countNoise` for the count noise.
    public mutating func updateClippingNorm(clippedCount: Int, total: Int, countNoise: Double) {
        guard let a = config.adaptive, total > 0 else { return }
        let unclipped = Double(total - clippedCount) + clippedCountStddev * countNoise
        let fraction = unclipped / Double(total)
        clippingNorm *= exp(-a.clipNormLr * (fraction - a.targetClippedQuantile))
    }

    /// Restores the adaptive norm from a checkpoint.
    public mutating func restore(clippingNorm: Double) { self.clippingNorm = clippingNorm }
}
