import Foundation

/// A generator of joint scenarios for K assets on shared days (issue 17).
///
/// The network is a model-v2 transformer whose conditioning table has one row per
/// (asset, volatility level), `n_volatility_levels = K·S`; the data side is
/// `JointDataModels` (each asset's own GJR-GARCH filter, a shared z tokenizer, a market-wide
/// regime). See `JointDataModels` for the interleaved stream and why it was chosen.
///
/// ```
/// columns r[k][t] ──JointDataModels.encode──► tokens/conditions, day-major, K per day
///                 ──transformer──► next-token logits (asset k | assets < k today, all earlier days)
/// ```
/// The single-series `ScenarioModel` is untouched: a one-asset model is today's v2 model
/// (train it with `Trainer`), and `ScenarioModel.load` refuses a joint checkpoint with a
/// message that names this type. Thread safety: one call at a time (the network's lock).
public final class JointScenarioModel: @unchecked Sendable {
    /// The network (an unfitted `ScenarioModel`: its weights, optimizer state and history).
    public let network: ScenarioModel
    /// The fitted data models (nil before training).
    public private(set) var dataModels: JointDataModels?
    /// The architecture (`n_volatility_levels = K·S`).
    public var config: ModelConfig { network.config }
    /// K.
    public let assetCount: Int
    /// S, the volatility levels of each asset.
    public var levelsPerAsset: Int { config.volatilityLevels / assetCount }
    /// The asset names (nil before fitting).
    public var assets: [String]? { dataModels?.assets }

    /// The joint config of a single-series architecture: v2 with `K·S` conditioning rows.
    /// - Parameters:
    ///   - base: the architecture (V, T, C, L, H, F, R); its version is made 2.
    ///   - assets: K ≥ 2.
    ///   - levels: S per asset.
    public static func config(base: ModelConfig, assets: Int,
                              levels: Int = ModelConfig.defaultVolatilityLevels) -> ModelConfig {
        base.v2(levels: assets * levels)
    }

    /// An untrained joint model.
    /// - Parameters:
    ///   - config: a v2 config with `n_volatility_levels = K·S` (see `config(base:assets:levels:)`).
    ///   - assets: K ≥ 2, and `context_length ≥ 2K` (a window must hold two days).
    ///   - seed: initialization seed.
    /// - Throws: `TGFLError.invalidConfig` for a config that does not fit K assets.
    public init(config: ModelConfig, assets: Int, seed: UInt64) throws {
        guard assets >= 2 else {
            throw TGFLError.invalidConfig("a joint model needs at least 2 assets, got \(assets); use ScenarioModel for one series")
        }
        guard config.modelVersion >= 2, config.volatilityLevels % assets == 0, config.volatilityLevels / assets >= 2 else {
            throw TGFLError.invalidConfig(
                "a joint model of \(assets) assets needs model_version 2 and n_volatility_levels = \(assets)·S with S ≥ 2, "
                + "got version \(config.modelVersion), \(config.volatilityLevels) levels; use JointScenarioModel.config(base:assets:)")
        }
        guard config.contextLength >= 2 * assets else {
            throw TGFLError.invalidConfig(
                "context_length \(config.contextLength) holds less than two days of \(assets) assets; use at least \(2 * assets)")
        }
        network = try ScenarioModel(config: config, seed: seed)
        assetCount = assets
    }

    private init(network: ScenarioModel, dataModels: JointDataModels) {
        self.network = network; self.dataModels = dataModels; assetCount = dataModels.count
    }

    /// The fitted data models or a clear error.
    func fitted(for purpose: String) throws -> JointDataModels {
        guard let dataModels else {
            throw TGFLError.invalidArgument("cannot \(purpose): the joint model is not trained; train it or load a trained checkpoint")
        }
        return dataModels
    }

    /// Sets the data models (e.g. fitted by a federation); they must fit the config.
    public func setDataModels(_ models: JointDataModels) throws {
        try models.check(against: config)
        guard models.count == assetCount else {
            throw TGFLError.invalidArgument("the data models have \(models.count) assets but the model has \(assetCount)")
        }
        dataModels = models
    }

    /// The market regime index for a name (`"crisis"`) or an index.
    /// - Throws: `TGFLError.outOfRange` listing the regimes.
    public func regimeIndex(_ nameOrIndex: String) throws -> Int {
        try fitted(for: "look up a regime").regimes[0].regime(nameOrIndex).index
    }

    // MARK: - Checkpoints

    /// The checkpoint this model would write (format_version 3, with `/joint`).
    public func checkpoint() throws -> Checkpoint {
        var checkpoint = try network.checkpoint()
        checkpoint.joint = try fitted(for: "save").checkpointSection
        return checkpoint
    }

    /// Saves atomically (see `Checkpoint.save(to:)`).
    /// - Throws: `TGFLError.checkpoint` naming the file; `.invalidArgument` before training.
    public func save(to path: String) throws { try checkpoint().save(to: path) }

    /// Whether the checkpoint at `path` holds a joint model (a `/joint` section).
    public static func isJoint(checkpointAt path: String) throws -> Bool {
        try Checkpoint.load(from: path).joint != nil
    }

    /// Loads a joint model written by `save(to:)`.
    /// - Throws: `TGFLError.checkpoint` naming the file and the bad section (or saying that the
    ///   file is a single-series model, to be loaded with `ScenarioModel.load`).
    public static func load(from path: String) throws -> JointScenarioModel {
        var checkpoint = try Checkpoint.load(from: path)
        guard let joint = checkpoint.joint else {
            throw TGFLError.checkpoint(path: path, message: "this checkpoint holds a single-series model (no /joint "
                + "section); load it with ScenarioModel.load(from:) (command line: tgfl generate, tgfl report; "
                + "a joint model comes from tgfl train-joint)")
        }
        let models: JointDataModels
        do { models = try JointDataModels(checkpointSection: joint, config: checkpoint.config) } catch let error as TGFLError {
            throw TGFLError.checkpoint(path: path, message: "/joint: \(error.description)")
        }
        checkpoint.joint = nil
        let network = try ScenarioModel.load(checkpoint: checkpoint, path: path)
        return JointScenarioModel(network: network, dataModels: models)
    }
}
