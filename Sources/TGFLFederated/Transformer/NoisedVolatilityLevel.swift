import Foundation
import TGFLCore

/// The clients' volatility level released through a Gaussian mechanism, *relative to the
/// public series*, so that a DP run with public data models calibrates unconditional
/// generation to the members' level instead of the public proxy's (issue 19;
/// `FederatedTrainingOptions.volatilityLevelNoiseMultiplier`, `tgfl federate --dp-volatility-noise`).
///
/// ```
/// owner i (a client: its series under `natural`; under `time` its period of every series'
///         training span and its period of the validation span, the days it holds)
///   D_i  = its days whose date the public series also has (at least `minimumDays`, else u_i = 0)
///   u_i  = clamp(½·log(Var(member returns on D_i) / Var(public returns on D_i)), −h, h)
/// server ū = clamp((Σ_i u_i + N(0, (z_v·h)²)) / N, −h, h)          (N = clients: FIXED)
///        calibration target variance V* = Var(public series) · exp(2ū),  mean = the public mean
/// ```
/// One scalar per owner: the log ratio of its volatility to the public series' over the *same
/// days*. The public series carries the level's movement through time (crises, calm years), so the
/// released figure only has to carry the members' offset from it, which for related markets is
/// small and steady (S&P 500 over the Dow Jones 1999–2018, 8 clients of the `time` partition:
/// 0.009–0.115 by client, mean 0.053; `Tests/Fixtures/make_volatility_level_reference.py`); that is
/// why its box h is narrow and the noise small: z_v·h/N in log σ, 0.031 for 8 clients at z_v = 1
/// and 0.016 at z_v = 0.5, where the level itself (σ in 0.5 %–2.5 %) would have needed a box about
/// three times as wide (and, for the S&P 500's 8 periods, exp(mean log σ) is 9 % below the pooled
/// σ). h is 0.25 by default and may be set per run (`FederatedTrainingOptions.volatilityLevelBound`),
/// chosen from PUBLIC data only: ε depends on z_v alone, so a narrower box is the same ε with less
/// noise (z_v·h/N) at the cost of clamping owners beyond ±h (a bias). The recommended 0.175 is the
/// h on a 0.025 grid that minimises the worst root-mean-square error of ū over public peers' period
/// offsets (`Benchmarks/privacy_level_bound.py`; BENCHMARKS.md, sessions 17–18).
///
/// Sensitivity: |u_i| ≤ h whatever the owner's data (too few common days, or a ratio that is not
/// finite, send 0), so adding or removing one owner moves the sum by at most h; replacing one moves
/// it by at most 2h. N is a constant. The release is the Gaussian mechanism with noise multiplier
/// z_v (add/remove) or z_v/2 (replace-one, fixed-size sampling) at q = 1; the accountant composes
/// it with the rounds (`FederationRecord`, `privacy.volatility_level`), so the record's ε covers
/// rounds, public data models and this level. The clamp of ū, the public variance and mean and the
/// calibration are post-processing. The box is public knowledge about indices of the same market
/// (volatilities within a factor 1.28 of each other); an owner outside it is clamped, which biases
/// the level but never the guarantee.
public enum NoisedVolatilityLevel {
    /// The default h: the bound of one owner's log-σ ratio (the L2 sensitivity of the sum under
    /// add/remove). A run may choose another h (`FederatedTrainingOptions.volatilityLevelBound`,
    /// `tgfl federate --dp-volatility-bound`) from public data only (`Benchmarks/privacy_level_bound.py`):
    /// ε depends on z_v alone, the noise on ū is z_v·h/N, and owners beyond ±h are clamped.
    public static let sensitivity = 0.25
    /// Fewest days in common with the public series for an owner to send its ratio (else 0).
    public static let minimumDays = 20

    /// One owner's u_i from its days (`pieces`: dated member series) and the public returns by date.
    static func ownerRatio(_ pieces: [ReturnSeries], publicByDate: [TradingDate: Double],
                           bound h: Double = sensitivity) -> Double {
        var member: [Double] = [], reference: [Double] = []
        for piece in pieces {
            guard let dates = piece.dates else { continue }
            for (d, x) in zip(dates, piece.values) {
                if let p = publicByDate[d], x.isFinite, p.isFinite { member.append(x); reference.append(p) }
            }
        }
        guard member.count >= minimumDays else { return 0 }
        func variance(_ v: [Double]) -> Double {
            let mean = v.reduce(0, +) / Double(v.count)
            return v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        }
        let ratio = 0.5 * log(variance(member) / variance(reference))
        guard ratio.isFinite else { return 0 }
        return min(max(ratio, -h), h)
    }

    /// Each owner's dated days: `natural` one series per owner; `time` the c-th of `owners`
    /// contiguous periods of every series' training span and of its validation span.
    /// - Throws: `TGFLError.invalidArgument` for another partition or a series without dates.
    static func ownerDays(_ series: [ReturnSeries], owners: Int, partition: PartitionScheme,
                          trainFraction: Double) throws -> [[ReturnSeries]] {
        for s in series where s.dates?.count != s.values.count {
            throw TGFLError.invalidArgument("the noised volatility level compares each client's days with the public "
                + "series' on the same dates, but series '\(s.name)' has no dates; give dated data (a date column)")
        }
        func slice(_ s: ReturnSeries, _ r: Range<Int>) -> ReturnSeries {
            ReturnSeries(name: s.name, dates: s.dates.map { Array($0[r]) }, values: Array(s.values[r]))
        }
        switch partition {
        case .natural:
            return series.map { [$0] }
        case .timePeriods:
            return (0..<owners).map { c in
                series.flatMap { s -> [ReturnSeries] in
                    let n = s.values.count
                    let split = min(n, Int((trainFraction * Double(n)).rounded(.down)))
                    let period = { (lo: Int, count: Int) in (lo + c * count / owners)..<(lo + (c + 1) * count / owners) }
                    return [slice(s, period(0, split)), slice(s, period(split, n - split))]
                }
            }
        default:
            throw TGFLError.invalidArgument("the noised volatility level needs partition natural or time (a client "
                + "holds whole days of a series), got \(partition.cliName)")
        }
    }

    /// Every owner shares at least one date with the public series: an owner with none would send
    /// 0 (the box's centre) whatever its data, which is a wrong date column or a public series over
    /// another period, not a client too short to count (fewer than `minimumDays` common days still
    /// send 0, as the mechanism says).
    /// - Throws: `TGFLError.invalidArgument` naming the first such client, its days and the public series' span.
    static func requireCommonDays(_ days: [[ReturnSeries]], publicByDate: [TradingDate: Double],
                                  reference: ReturnSeries) throws {
        for (c, pieces) in days.enumerated() {
            let dates = pieces.flatMap { $0.dates ?? [] }
            guard !dates.contains(where: { publicByDate[$0] != nil }) else { continue }
            let held = dates.isEmpty ? "no days" : "days \(dates.min()!) … \(dates.max()!)"
            let span = reference.dates.flatMap { d in d.first.map { "\($0) … \(d.last!)" } } ?? "no dates"
            var seen = Set<String>()
            let names = pieces.map(\.name).filter { seen.insert($0).inserted }.map { "'\($0)'" }
            throw TGFLError.invalidArgument("the noised volatility level: client \(c) (\(held) of "
                + names.joined(separator: ", ")
                + ") has no date in common with the public series '\(reference.name)' (\(span)); each client's "
                + "returns are compared with the public series' on the same dates: give a public series covering the "
                + "members' period, or check the members' dates (one per return: the day of its close)")
        }
    }

    /// The release: the owners' ratios (each already in [−h, h]) summed, noised with std z_v·h,
    /// divided by `owners`, clamped to [−h, h].
    static func release(_ ratios: [Double], owners: Int, noiseMultiplier: Double, seed: UInt64,
                        bound h: Double = sensitivity) -> Double {
        var rng = SeededRNG(seed: seed, purpose: .volatilityLevelNoise)
        let noised = (ratios.reduce(0, +) + noiseMultiplier * h * rng.normal()) / Double(owners)
        return min(max(noised, -h), h)
    }

    /// The whole mechanism: the released log-σ ratio ū and the calibration targets it gives.
    /// - Parameters:
    ///   - series: The members' dated series.
    ///   - publicData: The public series (dated; the first is the reference).
    ///   - bound: h > 0, the box of one owner's ratio and of ū (default `sensitivity`, 0.25).
    /// - Returns: ū, and the target mean and variance `Var(public) · exp(2ū)`.
    /// - Throws: `TGFLError.invalidArgument` naming a series without dates or a bad partition.
    public static func targets(_ series: [ReturnSeries], publicData: [ReturnSeries], owners: Int,
                               partition: PartitionScheme, trainFraction: Double, noiseMultiplier: Double,
                               seed: UInt64, bound: Double = sensitivity) throws
        -> (logRatio: Double, mean: Double, variance: Double) {
        guard bound > 0, bound.isFinite else {
            throw TGFLError.outOfRange("the noised volatility level's bound h must be positive and finite, got \(bound)")
        }
        guard let reference = publicData.first, let dates = reference.dates, dates.count == reference.values.count else {
            throw TGFLError.invalidArgument("the noised volatility level needs dated public data (--data-models-from "
                + "with a date column, or a bundled series)")
        }
        let publicByDate = Dictionary(zip(dates, reference.values), uniquingKeysWith: { a, _ in a })
        let days = try ownerDays(series, owners: owners, partition: partition, trainFraction: trainFraction)
        try requireCommonDays(days, publicByDate: publicByDate, reference: reference)
        let ratio = release(days.map { ownerRatio($0, publicByDate: publicByDate, bound: bound) }, owners: owners,
                            noiseMultiplier: noiseMultiplier, seed: seed, bound: bound)
        let base = try ScenarioModel.calibrationTargets(of: [reference.values])
        return (ratio, base.mean, base.variance * exp(2 * ratio))
    }
}
