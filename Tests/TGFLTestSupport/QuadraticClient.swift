import TGFLBase
import TGFLFederation

/// A toy client whose local objective is a quadratic bowl around its own target.
///
/// ```
/// F_i(w)      = ½ ‖w − c_i‖²                         (train_loss)
/// FedProx:  F_i(w) + (μ/2) ‖w − w_global‖²
/// SGD step:  w ← w − η · ((w − c_i) + μ (w − w_global) + ξ),   ξ ~ N(0, noiseStd² I)
/// val loss:  ½ ‖w − (c_i + s_i)‖² / dimension
/// ```
/// The target `c_i ~ N(center, spread² I)` and the validation shift `s_i ~ N(0, 0.1² I)` are
/// drawn from `SeededRNG(seed:, stream: id)`. The minimiser of the federated objective
/// `Σ n_i F_i` is the example-weighted mean of the targets, which makes the toy useful for
/// checking convergence of FedAvg-like strategies.
public struct QuadraticClient: FederatedClient {
    /// The client id (its index in the federation).
    public let id: Int
    /// Its example count (FedAvg weight).
    public let numExamples: Int
    /// The client's optimum `c_i`.
    public let target: [Float]
    /// The client's validation optimum `c_i + s_i`.
    public let validationTarget: [Float]
    /// Standard deviation of the Gaussian gradient noise per step (0 = exact gradients).
    public var noiseStd: Double

    /// Creates a client with a seeded random target.
    ///
    /// - Parameters:
    ///   - id: Client identifier (also the RNG stream).
    ///   - dimension: Length of the parameter vector.
    ///   - numExamples: FedAvg weight.
    ///   - seed: Run seed.
    ///   - center: Mean of the target coordinates.
    ///   - spread: Standard deviation of the target coordinates around `center`.
    ///   - noiseStd: Gradient noise per step.
    public init(id: Int, dimension: Int, numExamples: Int, seed: UInt64,
                center: Double = 0, spread: Double = 1, noiseStd: Double = 0) {
        self.id = id
        self.numExamples = numExamples
        self.noiseStd = noiseStd
        var rng = SeededRNG(seed: seed, stream: UInt64(id) &+ 1)
        var t = [Float](repeating: 0, count: dimension)
        var v = [Float](repeating: 0, count: dimension)
        for k in 0..<dimension {
            t[k] = Float(rng.normal(mean: center, std: spread))
            v[k] = t[k] + Float(rng.normal(mean: 0, std: 0.1))
        }
        target = t
        validationTarget = v
    }

    /// Runs `config.localSteps` SGD steps on the (FedProx-regularised) quadratic.
    /// - Returns: The new weights with metrics `train_loss` (the mean loss over the steps,
    ///   evaluated before each step) and `val_loss` (at the final weights).
    /// - Throws: `TGFLError.shapeMismatch` if `global` has the wrong length.
    public func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
        guard global.count == target.count else {
            throw TGFLError.shapeMismatch("QuadraticClient \(id): global has \(global.count) parameters, expected \(target.count)")
        }
        var rng = SeededRNG(seed: config.seed)
        var w = global
        let lr = Float(config.learningRate), mu = Float(config.proximalMu)
        var lossSum = 0.0
        for _ in 0..<max(config.localSteps, 0) {
            var loss = 0.0
            for k in w.indices {
                let d = w[k] - target[k]
                loss += 0.5 * Double(d * d)
                var g = d + mu * (w[k] - global[k])
                if noiseStd > 0 { g += Float(rng.normal(mean: 0, std: noiseStd)) }
                w[k] -= lr * g
            }
            lossSum += loss / Double(max(w.count, 1))
        }
        let steps = max(config.localSteps, 1)
        return ClientUpdate(clientID: id, parameters: w, numExamples: numExamples,
                            metrics: ["train_loss": lossSum / Double(steps),
                                      "val_loss": validationLoss(w)])
    }

    /// Validation loss of `global`, weighted by `numExamples`.
    public func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) {
        guard global.count == target.count else {
            throw TGFLError.shapeMismatch("QuadraticClient \(id): global has \(global.count) parameters, expected \(target.count)")
        }
        return (validationLoss(global), numExamples)
    }

    func validationLoss(_ w: [Float]) -> Double {
        var s = 0.0
        for k in w.indices { let d = Double(w[k] - validationTarget[k]); s += 0.5 * d * d }
        return s / Double(max(w.count, 1))
    }
}
