import Foundation
import TGFLCore

/// A small pool of single-threaded `Transformer` workspaces shared by the clients of one
/// simulation.
///
/// A `Transformer` owns its parameter, gradient and activation buffers; one per client would
/// cost `clients × (activations for B·T rows)`. The engine runs at most `threads` clients at
/// once, so the clients borrow a workspace for the length of one `fit`/`evaluate` and give it
/// back: memory is `workspaces × one model`, whatever the number of clients. Results do not
/// depend on which workspace a client gets: `fit` overwrites every parameter first, resets
/// the optimizer to zero moments, and a forward pass recomputes every activation.
///
/// Besides the model, a workspace keeps the buffers of local training across rounds — the
/// AdamW moments (reset in place each round) and the batch's input/target/regime arrays — and
/// the pool recycles the arrays of the weights clients send back (see `takeUpdateVector`), so
/// a round of local training allocates nothing after the first round.
public final class TransformerWorkspacePool: @unchecked Sendable {
    /// The architecture of every workspace.
    public let config: ModelConfig
    private let lock = NSLock()
    private var free: [Workspace] = []
    private var created = 0
    /// Weight arrays handed out in client updates, kept to be written again next round.
    private var sentVectors: [[Float]] = []

    /// One borrowed model with the buffers of local training.
    final class Workspace {
        let model: Transformer
        /// AdamW moments, made on the first `fit` with local steps and reset in place after.
        var optimizer: AdamW?
        /// Batch buffers (inputs, targets, regimes), reused across steps.
        var batch = TrainingBatch()
        init(model: Transformer) { self.model = model }
    }

    /// - Parameter config: The model architecture (validated when the first workspace is made).
    public init(config: ModelConfig) { self.config = config }

    /// Number of workspaces made so far (peak concurrent use).
    public var workspaceCount: Int { lock.lock(); defer { lock.unlock() }; return created }

    /// Runs `body` with a borrowed single-threaded workspace, then returns it to the pool.
    /// - Throws: What `body` throws, or `TGFLError.invalidConfig` for a bad config.
    func withWorkspace<R>(_ body: (Workspace) throws -> R) throws -> R {
        lock.lock()
        var workspace = free.popLast()
        if workspace == nil { created += 1 }
        lock.unlock()
        if workspace == nil { workspace = Workspace(model: try Transformer(config: config, seed: 0, threads: 1)) }
        defer { lock.lock(); free.append(workspace!); lock.unlock() }
        return try body(workspace!)
    }

    /// An array of `count` floats for a client's new weights, holding `source`.
    ///
    /// The pool keeps a reference to every array it hands out and hands it out again in a
    /// later round: once the engine has aggregated a round and dropped its updates, the pool's
    /// reference is the only one, so the array is written in place instead of a fresh 4·P-byte
    /// allocation (whose pages the kernel would have to fault in and zero again). If someone
    /// still holds the array, copy-on-write gives the new weights their own storage, so a
    /// kept update never changes. The pool holds at most as many arrays as updates were
    /// outstanding at once (one round's).
    func takeUpdateVector(copying source: UnsafeBufferPointer<Float>) -> [Float] {
        lock.lock()
        var v = sentVectors.popLast() ?? []
        lock.unlock()
        if v.count == source.count {
            v.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source.baseAddress!, count: source.count) }
        } else {
            v = Array(source)
        }
        lock.lock()
        sentVectors.append(v)
        lock.unlock()
        return v
    }
}

/// Local training settings of a `TransformerClient` (the server sends steps, learning rate,
/// μ and the seed each round in `FitConfig`; these stay fixed).
public struct LocalTrainingSettings: Sendable, Equatable {
    /// Mini-batch size B ≥ 1.
    public var batchSize: Int
    /// AdamW decoupled weight decay λ ≥ 0.
    public var weightDecay: Double
    /// Global-norm gradient clip (0 = off).
    public var gradientClip: Double
    /// Most validation windows a client evaluates (evenly spaced over its windows), ≥ 1.
    public var maxValidationWindows: Int
    /// Also report `val_loss` of the new local weights from `fit` (one extra forward pass).
    public var reportLocalValidation: Bool
    /// Train only these coordinates (`ParameterSubset`): the others' gradients are zeroed
    /// before the gradient clip and their weights reset to the global ones after every step.
    /// nil: every coordinate.
    public var trainable: ParameterSubset?

    /// Creates it from the values its properties document.
    public init(batchSize: Int = 32, weightDecay: Double = 0.01, gradientClip: Double = 1.0,
                maxValidationWindows: Int = 64, reportLocalValidation: Bool = true, trainable: ParameterSubset? = nil) {
        self.trainable = trainable
        self.batchSize = batchSize
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.maxValidationWindows = maxValidationWindows
        self.reportLocalValidation = reportLocalValidation
    }
}

/// A federated client that trains the TGFL transformer on its own windows.
///
/// One round of `fit` (FedAvg/FedProx local update, Flower's `ClientApp` train):
/// ```
/// w ← w_global;  fresh AdamW (m = v = 0, step 0)
/// for s in 0 ..< S:
///     batch_s = B windows drawn with replacement by SeededRNG(seed: config.seed, stream: s)
///     g = ∇ CE(w; batch_s) + μ · (w − w_global)         (FedProx term of (μ/2)‖w − w_global‖²)
///     g ← clip(g, gradientClip);  w ← AdamW(w, g, lr = config.learningRate)
/// return w, n = #train windows, train_loss = mean CE over the S steps, val_loss = CE(w; validation)
/// ```
/// **Stateless optimizer.** The AdamW moments are NOT kept across rounds: every round starts
/// from zero moments, as a Flower client (a fresh `ClientApp` per round) does. Persisting them
/// would make the client's behaviour depend on rounds it may have missed (sampling, dropout)
/// and would bias FedAvg towards stale directions; a fresh optimizer keeps each round a pure
/// function of `(w_global, config)`, which also makes the run resumable from the global state
/// alone.
///
/// `config.seed` is derived by the engine from `(run seed, round, client id)`, so the batches
/// are reproducible for any thread count. The model work runs in a workspace borrowed from a
/// `TransformerWorkspacePool` (one thread inside the client; the engine parallelises across
/// clients).
///
/// Reference: McMahan et al. (2017), "Communication-Efficient Learning of Deep Networks from
/// Decentralized Data" (FedAvg); Li et al. (2020), "Federated Optimization in Heterogeneous
/// Networks" (FedProx, eq. 2); Flower's FedProx client recipe.
public struct TransformerClient: FederatedClient {
    /// The client id.
    public let id: Int
    /// The client's training windows.
    public let train: WindowDataset
    /// The client's validation windows (may be empty: `evaluate` then reports 0 examples).
    public let validation: WindowDataset
    /// Batch size, weight decay, clipping, validation cap.
    public let settings: LocalTrainingSettings
    /// Where the model work runs.
    public let pool: TransformerWorkspacePool
    /// The fixed validation windows: evenly spaced, at most `settings.maxValidationWindows`.
    let validationIndices: [Int]

    /// Its training windows (the FedAvg weight).
    public var numExamples: Int { train.count }

    /// - Parameters:
    ///   - id: The client's index in the simulation.
    ///   - train: Training windows; at least one.
    ///   - validation: Validation windows (same context length).
    ///   - settings: Local training settings.
    ///   - pool: Workspace pool of the run (its config's context length must be ≥ the windows').
    /// - Throws: `TGFLError.invalidArgument` naming the client when it has no training window,
    ///   or for bad settings or mismatched window lengths.
    public init(id: Int, train: WindowDataset, validation: WindowDataset, settings: LocalTrainingSettings,
                pool: TransformerWorkspacePool) throws {
        guard !train.isEmpty else {
            throw TGFLError.invalidArgument("client \(id) has no training window; give it more data or use fewer clients")
        }
        guard settings.batchSize >= 1 else {
            throw TGFLError.outOfRange("batchSize = \(settings.batchSize) must be ≥ 1")
        }
        guard settings.weightDecay >= 0, settings.weightDecay.isFinite else {
            throw TGFLError.outOfRange("weightDecay = \(settings.weightDecay) must be finite and ≥ 0")
        }
        guard settings.gradientClip >= 0, settings.gradientClip.isFinite else {
            throw TGFLError.outOfRange("gradientClip = \(settings.gradientClip) must be finite and ≥ 0 (0 = off)")
        }
        guard settings.maxValidationWindows >= 1 else {
            throw TGFLError.outOfRange("maxValidationWindows = \(settings.maxValidationWindows) must be ≥ 1")
        }
        guard train.contextLength <= pool.config.contextLength,
              validation.isEmpty || validation.contextLength == train.contextLength else {
            throw TGFLError.invalidArgument(
                "client \(id): window length \(train.contextLength) (validation \(validation.contextLength)) must be "
                + "equal and ≤ context_length \(pool.config.contextLength)")
        }
        self.id = id
        self.train = train
        self.validation = validation
        self.settings = settings
        self.pool = pool
        let n = validation.count, cap = settings.maxValidationWindows
        validationIndices = n <= cap ? Array(0..<n) : (0..<cap).map { $0 * n / cap }
    }

    /// Trains locally from `global` (see the type's formula).
    /// - Returns: New weights, `numExamples` = training windows, metrics `train_loss` (when
    ///   S > 0) and `val_loss` (when enabled and the client has validation windows).
    /// - Throws: `TGFLError.shapeMismatch` for a wrong-length `global`; `.outOfRange` for a bad
    ///   learning rate or μ; `.invalidArgument` when training diverges (non-finite gradient).
    public func fit(global: [Float], config: FitConfig) throws -> ClientUpdate {
        guard config.proximalMu >= 0, config.proximalMu.isFinite else {
            throw TGFLError.outOfRange("client \(id): proximal_mu = \(config.proximalMu) must be finite and ≥ 0")
        }
        return try pool.withWorkspace { ws in
            let model = ws.model
            try Self.load(global, into: model)
            let B = settings.batchSize
            var lossSum = 0.0
            if config.localSteps > 0 {
                // A fresh AdamW each round (zero moments, step 0), reusing the workspace's buffers.
                var optimizer: AdamW
                if let kept = ws.optimizer, kept.weightDecay == settings.weightDecay {
                    optimizer = kept
                    ws.optimizer = nil             // the moments are now uniquely referenced: reset in place
                    optimizer.reset()
                    optimizer.learningRate = config.learningRate
                } else {
                    optimizer = try AdamW(parameterCount: model.parameterCount, learningRate: config.learningRate,
                                          weightDecay: settings.weightDecay)
                    optimizer.threads = 1          // the engine parallelises across clients
                }
                defer { ws.optimizer = optimizer }
                for s in 0..<config.localSteps {
                    var rng = SeededRNG(seed: config.seed, stream: UInt64(s))
                    try ws.batch.loadRandom(train, size: B, using: &rng)
                    let loss = try model.lossAndGradients(tokens: ws.batch.inputs, regimes: ws.batch.regimes,
                                                          targets: ws.batch.targets, batch: B, length: train.contextLength)
                    if config.proximalMu > 0 {
                        Self.addProximalGradient(model.gradientBuffer, parameters: UnsafeBufferPointer(model.parameterBuffer),
                                                 global: global, mu: config.proximalMu)
                    }
                    settings.trainable?.zeroFrozen(model.gradientBuffer)
                    if settings.gradientClip > 0 {
                        try GradientClipping.clipGlobalNorm(model.gradientBuffer, maxNorm: settings.gradientClip)
                    }
                    try optimizer.step(parameters: model.parameterBuffer, gradients: UnsafeBufferPointer(model.gradientBuffer))
                    if let subset = settings.trainable {
                        global.withUnsafeBufferPointer { subset.resetFrozen(model.parameterBuffer, to: $0) }
                    }
                    lossSum += Double(loss)
                }
            }
            var metrics: [String: Double] = [:]
            if config.localSteps > 0 { metrics["train_loss"] = lossSum / Double(config.localSteps) }
            if settings.reportLocalValidation, let v = try validationLoss(ws) { metrics["val_loss"] = v }
            let weights = pool.takeUpdateVector(copying: UnsafeBufferPointer(model.parameterBuffer))
            return ClientUpdate(clientID: id, parameters: weights, numExamples: train.count, metrics: metrics)
        }
    }

    /// Mean cross-entropy of `global` over the client's fixed validation windows.
    /// - Returns: The loss and the number of windows evaluated (0 and 0 without validation data).
    /// - Throws: `TGFLError.shapeMismatch` / `.invalidArgument` for a wrong or non-finite `global`.
    public func evaluate(global: [Float]) throws -> (loss: Double, numExamples: Int) {
        try pool.withWorkspace { ws in
            try Self.load(global, into: ws.model)
            return (try validationLoss(ws) ?? 0, validationIndices.count)
        }
    }

    /// Copies `global` into the model's parameters after checking its length and values.
    /// - Throws: `TGFLError.shapeMismatch` for a wrong length; `.invalidArgument` naming the
    ///   first non-finite element.
    static func load(_ global: [Float], into model: Transformer) throws {
        try global.withUnsafeBufferPointer { g in
            guard g.count == model.parameterCount else {
                throw TGFLError.shapeMismatch("the global vector has \(g.count) values; the model needs \(model.parameterCount)")
            }
            if let k = FiniteScan.firstNonFinite(g) {
                throw TGFLError.invalidArgument("global parameter \(k) is \(g[k]); every parameter must be finite")
            }
            model.parameterBuffer.baseAddress!.update(from: g.baseAddress!, count: g.count)
        }
    }

    /// The FedProx gradient term, added in place: `g ← g + μ·(w − w_global)`, the gradient of
    /// `(μ/2)‖w − w_global‖²` (Li et al. 2020, eq. 2).
    static func addProximalGradient(_ gradients: UnsafeMutableBufferPointer<Float>,
                                    parameters: UnsafeBufferPointer<Float>, global: [Float], mu: Double) {
        let m = Float(mu)
        global.withUnsafeBufferPointer { g0 in
            for i in gradients.indices { gradients[i] += m * (parameters[i] - g0[i]) }
        }
    }

    /// Mean loss over the validation windows, in batches of B (nil without windows).
    private func validationLoss(_ ws: TransformerWorkspacePool.Workspace) throws -> Double? {
        guard !validationIndices.isEmpty else { return nil }
        let T = validation.contextLength, B = settings.batchSize
        var total = 0.0
        var start = 0
        while start < validationIndices.count {
            let end = min(start + B, validationIndices.count)
            try ws.batch.load(validation, windows: validationIndices[start..<end])
            let loss = try ws.model.forward(tokens: ws.batch.inputs, regimes: ws.batch.regimes, batch: end - start,
                                            length: T, targets: ws.batch.targets)!
            total += Double(loss) * Double(end - start)
            start = end
        }
        return total / Double(validationIndices.count)
    }
}
