import Foundation
import TGFLBase

/// The three adaptive server optimizers of Reddi et al. 2021, "Adaptive Federated
/// Optimization" (arXiv:2003.00295); Flower `FedAdagrad`, `FedAdam`, `FedYogi` (base `FedOpt`).
///
/// ```
/// Δ_t = mean_t − w_t
/// m_t = β₁·m_{t−1} + (1 − β₁)·Δ_t                      (m_0 = 0)
/// Adagrad: v_t = v_{t−1} + Δ_t²
/// Adam:    v_t = β₂·v_{t−1} + (1 − β₂)·Δ_t²
/// Yogi:    v_t = v_{t−1} − (1 − β₂)·Δ_t²·sign(v_{t−1} − Δ_t²)      (v_0 = 0)
/// w_{t+1} = w_t + η_t · m_t / (√v_t + τ)
/// η_t = η for Adagrad and Yogi;  Adam (Flower 1.42): η·√(1 − β₂^(t+1)) / (1 − β₁^(t+1)), t = server round
/// ```
/// Flower's FedAdagrad fixes β₁ = 0, so m_t = Δ_t. `eta_l` is only recorded (the clients'
/// learning rate is the simulation's `learningRate`). State (m, v) is kept in Float32.
public struct FedOpt: MeanBasedStrategy {
    /// Which second-moment rule.
    public enum Variant: String, Sendable, Codable { case adagrad, adam, yogi }

    /// FedAdagrad, FedAdam or FedYogi.
    public let variant: Variant
    /// Client sampling: Flower's fraction_train/evaluate and min_*_nodes.
    public var sampling: SamplingConfig
    /// Server learning rate η > 0 (Flower `eta`; default 0.1, FedYogi 0.01).
    public var eta: Double
    /// Client learning rate (Flower `eta_l`; default 0.1, FedYogi 0.0316); informational.
    public var etaL: Double
    /// First-moment decay β₁ in [0, 1) (Flower `beta_1`; Adam/Yogi default 0.9, Adagrad 0).
    public var beta1: Double
    /// Second-moment decay β₂ in [0, 1) (Flower `beta_2`; default 0.99; unused by Adagrad).
    public var beta2: Double
    /// Adaptivity τ > 0 (Flower `tau`, default 1e-3).
    public var tau: Double
    /// First moment of the pseudo-gradient (server state).
    public private(set) var m: [Float] = []
    /// Second moment of the pseudo-gradient (server state).
    public private(set) var v: [Float] = []

    /// Flower's name of the strategy (as in the federation record).
    public var name: String {
        switch variant { case .adagrad: "FedAdagrad"; case .adam: "FedAdam"; case .yogi: "FedYogi" }
    }

    /// FedAdagrad with Flower's defaults (β₁ = β₂ = 0).
    public static func fedAdagrad(eta: Double = 1e-1, etaL: Double = 1e-1, tau: Double = 1e-3,
                                  sampling: SamplingConfig = SamplingConfig()) -> FedOpt {
        FedOpt(variant: .adagrad, eta: eta, etaL: etaL, beta1: 0, beta2: 0, tau: tau, sampling: sampling)
    }
    /// FedAdam with Flower's defaults.
    public static func fedAdam(eta: Double = 1e-1, etaL: Double = 1e-1, beta1: Double = 0.9,
                               beta2: Double = 0.99, tau: Double = 1e-3,
                               sampling: SamplingConfig = SamplingConfig()) -> FedOpt {
        FedOpt(variant: .adam, eta: eta, etaL: etaL, beta1: beta1, beta2: beta2, tau: tau, sampling: sampling)
    }
    /// FedYogi with Flower's defaults.
    public static func fedYogi(eta: Double = 1e-2, etaL: Double = 0.0316, beta1: Double = 0.9,
                               beta2: Double = 0.99, tau: Double = 1e-3,
                               sampling: SamplingConfig = SamplingConfig()) -> FedOpt {
        FedOpt(variant: .yogi, eta: eta, etaL: etaL, beta1: beta1, beta2: beta2, tau: tau, sampling: sampling)
    }

    /// Creates it; omitted hyperparameters take Flower's defaults.
    public init(variant: Variant, eta: Double, etaL: Double, beta1: Double, beta2: Double, tau: Double,
                sampling: SamplingConfig = SamplingConfig()) {
        self.variant = variant
        self.eta = eta; self.etaL = etaL; self.beta1 = beta1; self.beta2 = beta2; self.tau = tau
        self.sampling = sampling
    }

    /// Throws `TGFLError.outOfRange` when a round's sample is too small for this strategy.
    public func validate(sampleSize: Int) throws {
        try sampling.validate()
        try checkPositive(eta, "eta")
        try checkPositive(etaL, "eta_l")
        try checkPositive(tau, "tau")
        try checkUnitInterval(beta1, "beta_1")
        try checkUnitInterval(beta2, "beta_2")
    }

    /// The next global parameters from the example-weighted mean of the client models.
    public mutating func step(round: Int, global: [Float], mean: [Float]) throws -> [Float] {
        let d = global.count
        if m.isEmpty { m = [Float](repeating: 0, count: d) }
        if v.isEmpty { v = [Float](repeating: 0, count: d) }
        guard m.count == d, v.count == d else {
            throw TGFLError.shapeMismatch("\(name) state has \(m.count) entries, the model \(d)")
        }
        var lr = eta
        if variant == .adam {
            let t = Double(round) + 1
            lr = eta * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        }
        var out = [Float](repeating: 0, count: d)
        for k in 0..<d {
            let delta = Double(mean[k]) - Double(global[k])
            let mk = Float(beta1 * Double(m[k]) + (1 - beta1) * delta)
            m[k] = mk
            let d2 = delta * delta
            let vPrev = Double(v[k])
            let vk: Double
            switch variant {
            case .adagrad: vk = vPrev + d2
            case .adam: vk = beta2 * vPrev + (1 - beta2) * d2
            case .yogi:
                let s = vPrev - d2
                vk = vPrev - (1 - beta2) * d2 * (s > 0 ? 1 : (s < 0 ? -1 : 0))
            }
            v[k] = Float(vk)
            out[k] = Float(Double(global[k]) + lr * Double(mk) / (Double(v[k]).squareRoot() + tau))
        }
        return out
    }

    /// The server state (momentum, moments) for a resumable checkpoint.
    public func exportState() -> StrategyState { StrategyState(vectors: ["m": m, "v": v]) }
    /// Restores the server state saved by `exportState()`.
    public mutating func restoreState(_ state: StrategyState) throws {
        m = state.vectors["m"] ?? []
        v = state.vectors["v"] ?? []
    }
}
