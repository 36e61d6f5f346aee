import Foundation
import TGFLBase

/// The neighbouring relation an (ε, δ) refers to.
public enum NeighbouringRelation: String, Sendable, Codable {
    /// Datasets differ by adding or removing one client (Poisson sampling).
    case addRemove = "add_remove"
    /// Datasets differ by replacing one client's data (fixed-size sampling; N is public).
    case replaceOne = "replace_one"
}

/// What the DP mechanism of a run *is*, as the accountant uses it; stored in the federation
/// state and the checkpoint's federation record (see `DifferentialPrivacy` for the proof).
///
/// ```
/// Poisson:             add/remove,  q = m/N, denominator m fixed, weights equal, multiplier z
/// without replacement: replace-one, q = m/N, denominator m fixed, weights equal, multiplier z/2
/// ```
public struct DPMechanismRecord: Sendable, Equatable, Codable {
    /// Which neighbouring datasets the guarantee is about (add/remove or replace-one).
    public var neighbouring: NeighbouringRelation
    /// How clients are sampled each round (Poisson or fixed size).
    public var sampling: SamplingMethod
    /// q = m/N.
    public var samplingRate: Double
    /// m: the fixed denominator of the mean (expected participants).
    public var denominator: Int
    /// Always "equal (enforced)": example counts are ignored under DP.
    public var weights: String
    /// z as configured (noise std on the sum over the clipping norm).
    public var noiseMultiplier: Double
    /// The multiplier the accountant uses: z (add/remove) or z/2 (replace-one, sensitivity 2S).
    public var accountingNoiseMultiplier: Double
    /// Noise std on the sum (z_Δ·S with adaptive clipping) over S, applied to the updates.
    public var updateNoiseMultiplier: Double
    /// Where updates are clipped (client or server side).
    public var clippingSide: ClippingSide
    /// Whether the clipping norm adapts from a noisy quantile (its own privacy cost).
    public var adaptiveClipping: Bool

    /// The record of `mechanism` over N clients.
    public init(mechanism: DifferentialPrivacy, numClients: Int) {
        let c = mechanism.config
        neighbouring = c.sampling == .poisson ? .addRemove : .replaceOne
        sampling = c.sampling
        samplingRate = Double(c.numSampledClients) / Double(numClients)
        denominator = c.numSampledClients
        weights = "equal (enforced)"
        noiseMultiplier = c.noiseMultiplier
        accountingNoiseMultiplier = mechanism.accountingNoiseMultiplier
        updateNoiseMultiplier = mechanism.effectiveNoiseMultiplier
        clippingSide = c.side
        adaptiveClipping = c.adaptive != nil
    }
}

/// ε of a run from both accountants.
public struct PrivacyEstimate: Sendable, Equatable {
    /// RDP accountant (dp_accounting `RdpAccountant`).
    public var rdp: Double
    /// PLD accountant (dp_accounting `PLDAccountant`); nil where dp_accounting's PLD does not
    /// cover the mechanism (sampling without replacement with q < 1).
    public var pld: Double?
    /// The reported ε: the smaller of the two (both are valid upper bounds).
    public var epsilon: Double { min(rdp, pld ?? .infinity) }
}

/// RDP and PLD accounting of the DP-FedAvg mechanism `DPMechanismRecord` over T rounds.
///
/// ```
/// Poisson (add/remove):      RDP  PoissonSampled(Gaussian(z), q)^T       (RDPAccountant)
///                            PLD  PoissonSampled(Gaussian(z), q)^T       (PLDAccountant)
/// without replacement:       RDP  SampledWithoutReplacement(Gaussian(z/2), m, N)^T, replace-one
///                            PLD  only at q = 1: Gaussian(z/2)^T
/// ε = min(ε_RDP, ε_PLD)
/// ```
public enum PrivacyAccountant {
    /// ε after `rounds` rounds of `mechanism` at δ.
    /// - Parameters:
    ///   - discretization: The PLD grid h; any h gives an upper bound (connect-the-dots is
    ///     pessimistic), 10⁻⁴ (default) matches dp_accounting to 1 %.
    ///   - additionalGaussians: Accounting multipliers of further Gaussian mechanisms at q = 1
    ///     composed with the rounds (e.g. the noised data-model summaries, `NoisedSummaries`).
    /// - Throws: `TGFLError.outOfRange` for δ outside (0, 1) or rounds < 0.
    public static func estimate(_ mechanism: DPMechanismRecord, rounds: Int, delta: Double,
                                discretization: Double = PLDAccountant.defaultDiscretization,
                                additionalGaussians: [Double] = []) throws -> PrivacyEstimate {
        try estimate(noiseMultiplier: mechanism.accountingNoiseMultiplier, samplingRate: mechanism.samplingRate,
                     sampling: mechanism.sampling, rounds: rounds, delta: delta, discretization: discretization,
                     additionalGaussians: additionalGaussians)
    }

    /// ε after `rounds` rounds of the sampled Gaussian with the accountant's multiplier σ,
    /// composed with the Gaussian mechanisms (q = 1) of multipliers `additionalGaussians`:
    /// ```
    /// RDP(α) = T · RDP_round(α) + Σ_k α / (2 z_k²)
    /// PLD    = PLD_round^⊛T ⊛ PLD_Gauss(z_1) ⊛ …   (q = 1 rounds: one Gaussian, σ_eff = (T/σ² + Σ z_k⁻²)^−½)
    /// ```
    /// - Throws: `TGFLError.outOfRange` naming the bad argument.
    public static func estimate(noiseMultiplier sigma: Double, samplingRate q: Double, sampling: SamplingMethod,
                                rounds: Int, delta: Double,
                                discretization: Double = PLDAccountant.defaultDiscretization,
                                additionalGaussians: [Double] = []) throws -> PrivacyEstimate {
        guard delta > 0, delta < 1 else { throw TGFLError.outOfRange("delta = \(delta) must be in (0, 1)") }
        for z in additionalGaussians where !(z >= 0) {
            throw TGFLError.outOfRange("an additional Gaussian's noise multiplier = \(z) must be ≥ 0")
        }
        var accountant = try RDPAccountant()
        try accountant.compose(noiseMultiplier: sigma, samplingRate: q, method: sampling, count: rounds)
        for z in additionalGaussians { try accountant.compose(noiseMultiplier: z, samplingRate: 1, method: .poisson) }
        let rdp = try accountant.epsilon(delta: delta).epsilon
        var pld: Double?
        if sampling == .poisson || q == 1 {
            pld = try PLDAccountant.epsilon(noiseMultiplier: sigma, samplingRate: q, rounds: rounds, delta: delta,
                                            discretization: discretization, additionalGaussians: additionalGaussians)
        }
        return PrivacyEstimate(rdp: rdp, pld: pld)
    }
}
