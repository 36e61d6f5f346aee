import ArgumentParser
import Foundation
import TGFLFederated

/// The words of the federation flags that differ between `tgfl federate` (clients) and
/// `tgfl federate-joint` (institutions): the default round count and the help texts.
protocol FederationFlagWording {
    /// The default of `--rounds`.
    static var defaultRounds: Int { get }
    /// What one participant is called in the help texts: "client" or "institution".
    static var participant: String { get }
    /// The help of `--dp-noise`.
    static var dpNoiseHelp: String { get }
    /// The help of `--dp-sampling`.
    static var dpSamplingHelp: String { get }
    /// The help of `--clip`.
    static var clipHelp: String { get }
}

/// `tgfl federate`'s wording: clients, 30 rounds, the full DP help.
enum ClientFlagWording: FederationFlagWording {
    static let defaultRounds = 30
    static let participant = "client"
    static let dpNoiseHelp = "Client-level DP (DP-FedAvg): Gaussian noise multiplier σ (noise σ·S on the sum of clipped updates, "
        + "divided by the fixed expected client count; equal client weights). Mean-based strategies only "
        + "(fedavg, fedprox, fedavgm, fedadagrad, fedadam, fedyogi)."
    static let dpSamplingHelp = "DP client sampling: poisson (each client joins with q = m/N; add/remove neighbours) or fixed "
        + "(exactly m without replacement; replace-one neighbours, the noise counts as σ/2)."
    static let clipHelp = "DP clipping norm S of each client update (default 1 with --dp-noise)."
}

/// `tgfl federate-joint`'s wording: institutions, 20 rounds, DP help pointing to `tgfl federate`.
enum InstitutionFlagWording: FederationFlagWording {
    static let defaultRounds = 20
    static let participant = "institution"
    static let dpNoiseHelp = "Client-level DP (DP-FedAvg): Gaussian noise multiplier σ; mean-based strategies only."
    static let dpSamplingHelp = "DP client sampling: poisson or fixed (see tgfl federate --help)."
    static let clipHelp = "DP clipping norm S of each update (default 1 with --dp-noise)."
}

/// The round, strategy, sampling and DP flags of a federated run, shared by `tgfl federate` and
/// `tgfl federate-joint` (as `TrainingRunOptions` is shared); `Wording` supplies the default
/// round count and the help texts of each command.
struct FederationRoundOptions<Wording: FederationFlagWording>: ParsableArguments {
    @Option(help: ArgumentHelp("Aggregation strategy (fedavg, fedadam, krum, …).", valueName: "name"))
    var strategy: String = "fedavg"

    @Option(name: .customLong("strategy-param"), help: ArgumentHelp(
        "A strategy hyperparameter name=value, Flower's names (repeatable).", valueName: "name=value"))
    var strategyParam: [String] = []

    @Option(parsing: .unconditional, help: "Federated rounds.")
    var rounds: Int = Wording.defaultRounds

    @Option(name: .customLong("local-steps"), parsing: .unconditional,
            help: ArgumentHelp("Local optimizer steps per \(Wording.participant) and round."))
    var localSteps: Int = 10

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Fraction of \(Wording.participant)s sampled each round (Flower fraction_train)."))
    var fraction: Double = 1

    @Option(name: .customLong("dp-noise"), parsing: .unconditional, help: ArgumentHelp(Wording.dpNoiseHelp, valueName: "σ"))
    var dpNoise: Double?

    @Option(name: .customLong("dp-sampling"), help: ArgumentHelp(Wording.dpSamplingHelp, valueName: "kind"))
    var dpSampling: String = "poisson"

    @Option(parsing: .unconditional, help: ArgumentHelp(Wording.clipHelp, valueName: "S"))
    var clip: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("DP δ of the reported (ε, δ).", valueName: "δ"))
    var delta: Double = 1e-5

    @Flag(name: .customLong("secure-agg"), help: ArgumentHelp(
        "Secure aggregation (pairwise additive masks; needs ≥ 2 \(Wording.participant)s per round)."))
    var secureAgg = false

    /// The DP sampling method of `--dp-sampling`.
    var samplingMethod: SamplingMethod { dpSampling.lowercased() == "fixed" ? .withoutReplacement : .poisson }

    /// `, DP σ=… S=… poisson sampling, secure aggregation` (empty without either).
    var privacyDescription: String {
        (dpNoise.map { ", DP σ=\($0) S=\(clip ?? 1) \(dpSampling.lowercased()) sampling" } ?? "")
            + (secureAgg ? ", secure aggregation" : "")
    }

    /// `FederatedTrainingOptions` of these flags, `training`'s batch size, rate, validation
    /// fraction, seed and threads, for `clientCount` clients (`federatedOptions`).
    /// - Throws: `TGFLError` when the sampling cannot be met (see `SamplingConfig`).
    func federatedTrainingOptions(clientCount: Int, training t: TrainingRunOptions, partition: PartitionScheme,
                                  strategy kind: StrategyKind,
                                  strategyParameters: [String: Double]) throws -> FederatedTrainingOptions {
        try federatedOptions(
            clientCount: clientCount, rounds: rounds, localSteps: localSteps, batchSize: t.batchSize, learningRate: t.lr,
            validationFraction: t.valFraction, partition: partition, strategy: kind, strategyParameters: strategyParameters,
            fraction: fraction, privacy: dpNoise.map { ($0, clip ?? 1) }, delta: delta, secureAggregation: secureAgg,
            seed: t.seed, threads: t.threads, dpSampling: samplingMethod)
    }

    /// The checks of the flags for `clientCount` participants; each message names the flag and
    /// how to fix it.
    /// - Throws: `ValidationError`.
    func check(clientCount: Int) throws {
        try Limits.check(rounds, "--rounds", 1, Limits.count)
        try Limits.check(localSteps, "--local-steps", 1, Limits.count)
        guard fraction > 0, fraction <= 1 else { throw ValidationError("--fraction must be in (0, 1], got \(fraction)") }
        if let dpNoise, !(dpNoise >= 0 && dpNoise.isFinite) { throw ValidationError("--dp-noise must be ≥ 0") }
        if let clip, !(clip > 0 && clip.isFinite) { throw ValidationError("--clip must be positive") }
        if clip != nil && dpNoise == nil { throw ValidationError("--clip needs --dp-noise (give --dp-noise 0 to clip only)") }
        guard ["poisson", "fixed"].contains(dpSampling.lowercased()) else {
            throw ValidationError("--dp-sampling must be poisson or fixed, got '\(dpSampling)'")
        }
        guard delta > 0, delta < 1 else { throw ValidationError("--delta must be in (0, 1), got \(delta)") }
        if dpNoise != nil, let kind = try? StrategyKind(parsing: strategy), !kind.supportsDifferentialPrivacy {
            throw ValidationError("--dp-noise: the (ε, δ) guarantee is proven only for mean-based strategies (fedavg, "
                + "fedprox, fedavgm, fedadagrad, fedadam, fedyogi); \(kind.rawValue) uses individual updates — "
                + "drop --dp-noise or change --strategy")
        }
        if secureAgg {
            let sampled = max(Int((Double(clientCount) * fraction).rounded(.down)), min(2, clientCount))
            if sampled < 2 {
                throw ValidationError("--secure-agg needs at least 2 clients per round, but --clients \(clientCount) "
                    + "--fraction \(fraction) samples \(sampled); with 1 the server sees its update in the clear — "
                    + "raise --clients/--fraction or drop --secure-agg")
            }
        }
    }
}
