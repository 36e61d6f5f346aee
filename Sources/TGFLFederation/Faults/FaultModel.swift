import Foundation
import TGFLBase

/// A Byzantine behaviour, applied to a client's update `Δ = w_i − w_t` before aggregation.
///
/// ```
/// signFlip(s):      Δ ← −s · Δ
/// scaled(s):        Δ ←  s · Δ
/// gaussianNoise(σ): Δ ←  Δ + N(0, σ² I)
/// ```
public enum ByzantineAttack: Sendable, Equatable, Codable {
    case signFlip(scale: Double)
    case scaled(factor: Double)
    case gaussianNoise(std: Double)

    /// Applies the attack in place to `local` (`local ← global + Δ'`).
    public func apply(to local: inout [Float], global: [Float], rng: inout SeededRNG) {
        for k in local.indices {
            let d = Double(local[k]) - Double(global[k])
            let nd: Double
            switch self {
            case .signFlip(let s): nd = -s * d
            case .scaled(let f): nd = f * d
            case .gaussianNoise(let sd): nd = d + sd * rng.normal()
            }
            local[k] = Float(Double(global[k]) + nd)
        }
    }
}

/// Simulated faults: dropouts, stragglers and Byzantine clients.
///
/// ```
/// dropout:    each sampled client fails to reply with probability p (per round, seeded)
/// straggler:  simulated duration t_i = baseTime · exp(σ·Z), Z ~ N(0,1) (log-normal, seeded);
///             t_i > deadline ⇒ excluded (the server stops waiting), recorded as late
/// Byzantine:  the listed clients send an attacked update every round they take part
/// ```
public struct FaultConfig: Sendable, Equatable, Codable {
    /// Per-round probability in [0, 1) that a sampled client drops out (no reply).
    public var dropoutProbability: Double
    /// Deadline in simulated seconds; `nil` disables stragglers.
    public var deadline: Double?
    /// Median simulated round duration of a client, seconds (> 0).
    public var baseTime: Double
    /// Log-normal spread σ ≥ 0 of the simulated durations.
    public var timeSpread: Double
    /// Byzantine clients by id.
    public var byzantine: [Int: ByzantineAttack]

    /// Creates it from the values its properties document.
    public init(dropoutProbability: Double = 0, deadline: Double? = nil, baseTime: Double = 1,
                timeSpread: Double = 0.5, byzantine: [Int: ByzantineAttack] = [:]) {
        self.dropoutProbability = dropoutProbability
        self.deadline = deadline
        self.baseTime = baseTime
        self.timeSpread = timeSpread
        self.byzantine = byzantine
    }

    /// - Throws: `TGFLError.outOfRange` naming the bad setting.
    public func validate(numClients: Int) throws {
        guard dropoutProbability >= 0, dropoutProbability < 1 else {
            throw TGFLError.outOfRange("dropoutProbability = \(dropoutProbability) must be in [0, 1)")
        }
        if let d = deadline, !(d > 0) { throw TGFLError.outOfRange("deadline = \(d) must be positive") }
        try checkPositive(baseTime, "baseTime")
        guard timeSpread >= 0, timeSpread.isFinite else { throw TGFLError.outOfRange("timeSpread = \(timeSpread) must be ≥ 0") }
        for (id, attack) in byzantine {
            guard id >= 0, id < numClients else {
                throw TGFLError.outOfRange("Byzantine client id \(id) is not in 0..<\(numClients)")
            }
            switch attack {
            case .signFlip(let s) where !s.isFinite, .scaled(let s) where !s.isFinite:
                throw TGFLError.outOfRange("Byzantine client \(id): attack factor \(s) must be finite")
            case .gaussianNoise(let s) where !(s >= 0 && s.isFinite):
                throw TGFLError.outOfRange("Byzantine client \(id): noise std \(s) must be finite and ≥ 0")
            default: break
            }
        }
    }

    /// What happens to one sampled client in one round.
    public enum Fate: Sendable, Equatable { case ok(time: Double), dropped, late(time: Double) }

    /// Decides the fate of a sampled client (deterministic in seed, round, client).
    public func fate(seed: UInt64, round: Int, client: Int) -> Fate {
        var rng = SeededRNG(seed: seed, purpose: .faults, stream: UInt64(round) << 32 | UInt64(client))
        let u = rng.uniform()
        if u < dropoutProbability { return .dropped }
        let t = baseTime * exp(timeSpread * rng.normal())
        if let d = deadline, t > d { return .late(time: t) }
        return .ok(time: t)
    }
}
