import Foundation
import TGFLCore
import TGFLStats

/// The clients' data-model summaries released through a Gaussian mechanism, so that ε covers
/// the data models without public data (issue 19; `FederatedTrainingOptions.summaryNoiseMultiplier`,
/// `tgfl federate --dp-summaries`).
///
/// ```
/// owner i (a client: its series under `natural`, its period of every series under `time`)
///   fits the GJR-GARCH-t filter on its own training days and sends the bounded vector
///     u_i = w ⊙ (2·(clamp(θ_i, box) − lo)/(hi − lo) − 1) ∈ [−w, w]^5,
///     θ = (log σ̄, persistence α + γκ + β, α, γ, 1/ν),  σ̄² = ω / (1 − persistence)
/// server   ū = (Σ_i u_i + N(0, (z_s·C)² I)) / N           (N = clients: FIXED, not the replies)
///          θ̂ = the box point of clamp(ū, −w, w)            (β = persistence − α − γκ ≥ 0, μ = 0)
///          synthetic series: 20,000 days simulated from GJR-GARCH-t(θ̂), fixed seed
///          data models + output prior = PublicDataModels on that series  (post-processing)
/// ```
/// Sensitivity: every u_i lies in the box [−w, w]^5, whatever the owner's data (a local fit
/// that fails sends the box centre, 0), so adding or removing one owner moves the sum by at
/// most ‖u_i‖ ≤ C = ‖w‖₂ (`sensitivity`); replacing one owner moves it by at most 2C. The
/// denominator N is a constant. The release is therefore the Gaussian mechanism with noise
/// multiplier z_s (add/remove) or z_s/2 (replace-one, fixed-size sampling), at q = 1 (every
/// client contributes once); everything after it — the clamp, the simulation with a fixed
/// seed, the fits on the synthetic days — is post-processing. The accountant composes it with
/// the rounds (RDP: add α/(2z_s²); PLD: convolve its loss distribution with the rounds'),
/// and the record's ε covers rounds and data models.
///
/// The box is public knowledge about daily returns of indices, stocks and exchange rates
/// (σ̄ 0.5 %–2 % a day, persistence 0.95–0.995); an owner outside it is clamped, which biases
/// the estimate but never the guarantee. The noise on the mean is z_s·C/N per coordinate in
/// units of w: with 8 clients and z_s = 1, about ±13 % on σ̄ and ±0.004 on the persistence.
/// The mean μ is not released: it is set to 0 (a daily drift of a few basis points is far
/// below what the noise would leave of it; a first run that released μ in [−0.002, 0.002]
/// got −0.002, the bound).
public enum NoisedSummaries {
    /// The public box of each coordinate: (name, lower, upper, weight w), in θ's order.
    public static let box: [(name: String, lower: Double, upper: Double, weight: Double)] = [
        ("log_sigma_bar", log(0.005), log(0.02), 1),
        ("persistence", 0.95, 0.995, 1),
        ("alpha", 0, 0.15, 0.35),
        ("gamma", 0, 0.3, 0.35),
        ("inverse_nu", 0, 0.25, 0.35),
    ]

    /// C = ‖w‖₂: the L2 sensitivity of the sum under add/remove (2C under replace-one).
    public static var sensitivity: Double { box.reduce(0) { $0 + $1.weight * $1.weight }.squareRoot() }

    /// Days of the synthetic series the data models are fitted on.
    public static let syntheticDays = 20_000

    /// One owner's bounded vector u_i from its training days (`pieces`, one per series).
    /// A filter that cannot be fitted sends the box centre.
    static func ownerVector(_ pieces: [[Double]]) -> [Double] {
        let usable = pieces.filter { $0.count >= 2 }
        guard !usable.isEmpty,
              let g = try? GARCHModel.fit(usable, specification: VolatilityModel.defaultSpecification).model,
              g.persistence < 1, g.unconditionalVariance > 0 else {
            return [Double](repeating: 0, count: box.count)
        }
        let raw = [0.5 * log(g.unconditionalVariance), g.persistence, g.alpha, g.gamma, 1 / (g.nu ?? .infinity)]
        return zip(raw, box).map { x, b in
            let c = min(max(x.isFinite ? x : 0.5 * (b.lower + b.upper), b.lower), b.upper)
            return b.weight * (2 * (c - b.lower) / (b.upper - b.lower) - 1)
        }
    }

    /// The released filter parameters from the noised mean ū (post-processing).
    /// - Throws: `TGFLError.invalidArgument` if the GARCH model cannot be built (it always can
    ///   inside the box).
    static func filter(fromMean u: [Double]) throws -> GARCHModel {
        let x = zip(u, box).map { v, b in
            let unit = (min(max(v / b.weight, -1), 1) + 1) / 2
            return b.lower + unit * (b.upper - b.lower)
        }
        let spec = VolatilityModel.defaultSpecification
        let (logSigma, persistence, alpha, gamma) = (x[0], x[1], x[2], x[3])
        let nu = x[4] > 0 ? 1 / x[4] : 1_000
        var probe = try GARCHModel(specification: spec, mu: 0, omega: 1e-6, alpha: alpha, gamma: gamma, beta: 0,
                                   nu: max(nu, 4))
        let kappa = probe.leverageWeight
        // Keep α + γκ ≤ persistence so that β ≥ 0: shrink α and γ together if the noise broke it.
        let arch = alpha + gamma * kappa
        let shrink = arch > persistence ? persistence / arch : 1
        probe.alpha = alpha * shrink
        probe.gamma = gamma * shrink
        probe.beta = max(persistence - probe.alpha - probe.gamma * kappa, 0)
        probe.omega = exp(2 * logSigma) * (1 - persistence)
        do { try probe.validate() } catch {
            throw TGFLError.invalidArgument("noised summaries: the released filter is invalid: \(error)")
        }
        return probe
    }

    /// Each owner's training days: `natural` one series per owner; `time` the c-th of `owners`
    /// contiguous periods of every series' training span.
    /// - Throws: `TGFLError.invalidArgument` for another partition (its clients hold windows,
    ///   not days, so a client's summary is not defined).
    static func ownerDays(_ series: [ReturnSeries], owners: Int, partition: PartitionScheme,
                          trainFraction: Double) throws -> [[[Double]]] {
        let spans = series.map { s in Array(s.values.prefix(min(s.values.count, Int((trainFraction * Double(s.values.count)).rounded(.down))))) }
        switch partition {
        case .natural:
            return spans.map { [$0] }
        case .timePeriods:
            return (0..<owners).map { c in
                spans.map { span in Array(span[(c * span.count / owners)..<((c + 1) * span.count / owners)]) }
            }
        default:
            throw TGFLError.invalidArgument("noised data-model summaries need partition natural or time (a client "
                + "holds whole days of a series), got \(partition.cliName); use one of those, or public data models")
        }
    }

    /// The release: every owner's vector, summed, noised with std z_s·C, divided by `owners`.
    /// - Parameters:
    ///   - vectors: The owners' u_i.
    ///   - owners: N, the fixed denominator (the number of clients).
    ///   - noiseMultiplier: z_s > 0.
    ///   - seed: The run's seed (noise stream `RandomPurpose.summaryNoise`).
    /// - Returns: ū.
    static func release(_ vectors: [[Double]], owners: Int, noiseMultiplier: Double, seed: UInt64) -> [Double] {
        var rng = SeededRNG(seed: seed, purpose: .summaryNoise)
        let std = noiseMultiplier * sensitivity
        return (0..<box.count).map { k in
            let sum = vectors.reduce(0) { $0 + $1[k] }
            return (sum + std * rng.normal()) / Double(owners)
        }
    }

    /// The whole mechanism: owners' vectors → noised mean → filter → synthetic series, on which
    /// `PublicDataModels` then fits the data models and the output prior.
    /// - Throws: `TGFLError.invalidArgument` for a partition without day owners.
    public static func syntheticSeries(_ series: [ReturnSeries], owners: Int, partition: PartitionScheme,
                                       trainFraction: Double, noiseMultiplier: Double,
                                       seed: UInt64) throws -> ReturnSeries {
        let days = try ownerDays(series, owners: owners, partition: partition, trainFraction: trainFraction)
        let vectors = days.map(ownerVector)
        let mean = release(vectors, owners: owners, noiseMultiplier: noiseMultiplier, seed: seed)
        let garch = try filter(fromMean: mean)
        let values = garch.simulate(paths: 1, horizon: syntheticDays, seed: seed ^ RandomPurpose.summarySynthetic.rawValue)[0]
        return ReturnSeries(name: "noised summaries", values: values)
    }

    /// What the federation record says about data models fitted this way.
    static func describe(noiseMultiplier z: Double, owners: Int) -> String {
        "noised client summaries: each of \(owners) clients' GJR-GARCH-t fit in a public box (sensitivity "
            + String(format: "%.4f", sensitivity) + "), Gaussian noise multiplier \(z), mean over the fixed \(owners); "
            + "data models fitted on \(syntheticDays) days simulated from the released filter; covered by ε"
    }
}
