import TGFLBase

/// What one client sends back after local training.
///
/// `parameters` are the client's new local weights (the whole flat vector in
/// `ParameterLayout` order), not the delta: the strategies and the privacy wrappers form
/// `delta = parameters − global` themselves, as Flower's strategies do.
public struct ClientUpdate: Sendable, Equatable {
    /// The client's identifier (its index in the simulation's client list).
    public var clientID: Int
    /// The client's new local weights, flat.
    public var parameters: [Float]
    /// Number of training examples behind this update (FedAvg's weight, Flower's `num-examples`).
    public var numExamples: Int
    /// Training metrics, e.g. `train_loss`, `val_loss` (QFedAvg reads `train_loss`).
    public var metrics: [String: Double]

    /// Creates it from the values its properties document.
    public init(clientID: Int, parameters: [Float], numExamples: Int, metrics: [String: Double] = [:]) {
        self.clientID = clientID
        self.parameters = parameters
        self.numExamples = numExamples
        self.metrics = metrics
    }
}

/// The instructions the server sends with the global weights for one round of local training.
///
/// Flower sends these in the `ConfigRecord` (`server-round`, `proximal-mu`, …).
public struct FitConfig: Sendable, Equatable, Codable {
    /// The 1-based server round (Flower's `server-round`).
    public var round: Int
    /// Local optimizer steps to run (mini-batches).
    public var localSteps: Int
    /// Local learning rate.
    public var learningRate: Double
    /// FedProx proximal weight μ (Flower's `proximal-mu`); the client adds `(μ/2)‖w − w_global‖²`
    /// to its local loss. Zero for every strategy except FedProx.
    public var proximalMu: Double
    /// A seed derived from the run seed, the round and the client id, for the client's own
    /// randomness (batch order, dropout), so the run is reproducible.
    public var seed: UInt64

    /// Creates it from the values its properties document.
    public init(round: Int, localSteps: Int, learningRate: Double, proximalMu: Double = 0, seed: UInt64) {
        self.round = round
        self.localSteps = localSteps
        self.learningRate = learningRate
        self.proximalMu = proximalMu
        self.seed = seed
    }
}

/// A federated client: trains locally from the global weights and evaluates them.
///
/// The simulation calls `fit` for several clients at once from different threads, so a
/// client must be `Sendable`: either a value type, or a class that keeps its mutable
/// state (optimizer moments, scratch buffers) private to itself (`@unchecked Sendable`
/// with the promise that one client object is never used by two threads at once — the
/// engine calls each client at most once at a time).
public protocol FederatedClient: Sendable {
    /// The client's identifier; the engine uses the client's index in its list.
    var id: Int { get }
    /// Number of local training examples (FedAvg's weight).
    var numExamples: Int { get }
    /// Trains locally, starting from `global`, and returns the new local weights.
    ///
    /// - Parameters:
    ///   - global: The current global weights (flat, `ParameterLayout` order).
    ///   - config: Round, local steps, learning rate, FedProx μ and a seed.
    /// - Returns: The client's update; `parameters.count` must equal `global.count`.
    /// - Throws: Any error; the engine records it as a rejected update and the round goes on.
    func fit(global: [Float], config: FitConfig) throws -> ClientUpdate
    /// Evaluates the global weights on the client's validation data.
    ///
    /// - Parameter global: The global weights.
    /// - Returns: The mean validation loss and the number of validation examples.
    /// - Throws: Any error; the engine records the client as failed for evaluation.
    func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int)
}
