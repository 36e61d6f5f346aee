import Foundation

/// Everything a TGFL checkpoint holds: the model config and flat parameters, and optionally
/// the AdamW state, the tokenizer and regime model, the training history, and the records and
/// sections that layers above Core own (TGFLFederated's federation record and run state).
///
/// On disk (HDF5, readable with h5py; docs/DESIGN.md "Checkpoints"):
/// ```
/// /                 attrs format = "tgfl.checkpoint", format_version = 1 (v1 models) or 2 (v2),
///                         library_version, model_config (JSON)
/// /weights/<name>   float32 dataset per tensor of ParameterLayout(config:)
/// /tokenizer        attrs + 1-D float64 datasets               (optional)
/// /regimes          attrs + 1-D float64 datasets               (optional)
/// /volatility       attrs + 1-D float64 datasets: the v2 volatility model (format_version 2)
/// /optimizer        attr step; m/<name>, v/<name> like weights (optional)
/// /training         attrs history (JSON) and the named records (JSON), e.g. federation (optional)
/// /<name>           the named extension sections: attrs + 1-D float64 datasets, e.g.
///                   /federation_state, a resumable federated run                 (optional)
/// /joint            attrs + 1-D float64 datasets: the asset names and per-asset data models of
///                         a joint model of several assets (format_version 3; `JointDataModels`)
/// ```
/// Core knows no federation: an upper layer names its record (`records["federation"]`) or
/// section (`extensions["federation_state"]`) and encodes it; Core stores, checks and loads
/// them as opaque JSON and sections, and keeps them through a load and save.
/// The layout follows the Keras h5 convention: the config as a JSON attribute and one
/// dataset per named tensor, so PyTorch users can load `/weights` into a `state_dict`.
public struct Checkpoint: Equatable, Sendable {
    /// The model hyperparameters (`model_config`).
    public var config: ModelConfig
    /// All parameters, flat, in `ParameterLayout(config:)` order.
    public var parameters: [Float]
    /// AdamW state in the same flat layout, when saved for resuming training.
    public var optimizer: OptimizerState?
    /// What the tokenizer needs to turn tokens back into returns.
    public var tokenizer: CheckpointSection?
    /// The fitted regime model.
    public var regimes: CheckpointSection?
    /// The volatility model of a v2 model (`VolatilityModel`).
    public var volatility: CheckpointSection?
    /// Training history as a JSON string.
    public var history: String?
    /// Named JSON records of upper layers, stored as attributes of `/training` beside
    /// `history` (TGFLFederated's `federation`: strategy, rounds, clients, privacy ε/δ).
    public var records: [String: String] = [:]
    /// Named sections of upper layers, each stored as the top-level group `/<name>`
    /// (TGFLFederated's `federation_state`: an unfinished federated run, for resuming).
    /// A name may not be one of Core's groups (`Checkpoint.reservedNames`).
    public var extensions: [String: CheckpointSection] = [:]
    /// The data models of a joint multi-asset model (`JointDataModels.checkpointSection`);
    /// nil for a single-series model. Its presence makes the file format_version 3.
    public var joint: CheckpointSection?
    /// Version of the library that wrote the checkpoint (`library_version`).
    public var libraryVersion: String

    /// The value of the root attribute `format`.
    public static let formatName = "tgfl.checkpoint"
    /// The newest `format_version` this library reads and writes. Version 1 files hold v1
    /// models; version 2 adds `model_version`/`n_volatility_levels` to `model_config` and the
    /// `/volatility` section. A v1 model is still written as format_version 1, so older
    /// readers keep reading it.
    /// Version 3 adds the `/joint` section of a multi-asset model (only such files are
    /// written as version 3).
    public static let formatVersion = 3
    /// The `format_version` written for a model config (single-series models).
    public static func formatVersion(for config: ModelConfig) -> Int { config.modelVersion >= 2 ? 2 : 1 }
    /// The `format_version` this checkpoint is written with: 3 with a `/joint` section, else
    /// `formatVersion(for: config)`.
    public var writtenFormatVersion: Int { joint != nil ? 3 : Self.formatVersion(for: config) }

    /// Creates a checkpoint after checking that the arrays fit the config.
    ///
    /// - Parameters:
    ///   - config: model hyperparameters; must pass `validate()`.
    ///   - parameters: flat parameters; `count == ParameterLayout(config:).count`.
    ///   - optimizer: optional AdamW state; `m` and `v` have the same count, `step >= 0`.
    ///   - tokenizer: optional tokenizer section.
    ///   - regimes: optional regime-model section.
    ///   - history: optional training history (JSON).
    ///   - libraryVersion: writer's version; defaults to `TGFLVersion.string`.
    /// - Throws: `TGFLError.invalidConfig` for a bad config, `TGFLError.shapeMismatch` when a
    ///   count disagrees with the layout, `TGFLError.outOfRange` for a negative step.
    public init(config: ModelConfig, parameters: [Float], optimizer: OptimizerState? = nil,
                tokenizer: CheckpointSection? = nil, regimes: CheckpointSection? = nil,
                history: String? = nil,
                libraryVersion: String = TGFLVersion.string) throws {
        try config.validate()
        let layout = ParameterLayout(config: config)
        guard parameters.count == layout.count else {
            throw TGFLError.shapeMismatch(
                "parameters has \(parameters.count) values but the model_config needs "
                    + "\(layout.count) (ParameterLayout(config:).count)")
        }
        if let optimizer {
            for (name, moment) in [("m", optimizer.m), ("v", optimizer.v)] where moment.count != layout.count {
                throw TGFLError.shapeMismatch(
                    "optimizer.\(name) has \(moment.count) values but the model_config needs \(layout.count)")
            }
            guard optimizer.step >= 0 else {
                throw TGFLError.outOfRange("optimizer.step is \(optimizer.step); it must be >= 0")
            }
        }
        self.config = config
        self.parameters = parameters
        self.optimizer = optimizer
        self.tokenizer = tokenizer
        self.regimes = regimes
        self.history = history
        self.libraryVersion = libraryVersion
    }

    /// Group paths of the layout.
    enum Group {
        static let weights = "/weights"
        static let optimizer = "/optimizer"
        static let tokenizer = "/tokenizer"
        static let regimes = "/regimes"
        static let volatility = "/volatility"
        static let training = "/training"
        static let joint = "/joint"
    }

    /// The top-level group names and `/training` attribute names Core owns; records and
    /// extension sections may not use them.
    public static let reservedNames: Set<String> = ["weights", "optimizer", "tokenizer", "regimes", "volatility",
                                                    "joint", "training", "history"]

    /// A short description of the config for error messages.
    static func describe(_ config: ModelConfig) -> String {
        "vocab_size=\(config.vocabSize) context_length=\(config.contextLength) d_model=\(config.dModel) "
            + "n_layers=\(config.nLayers) n_heads=\(config.nHeads) d_ff=\(config.dFF) n_regimes=\(config.nRegimes)"
            + (config.modelVersion >= 2 ? " model_version=\(config.modelVersion) n_volatility_levels=\(config.volatilityLevels)" : "")
    }

    /// Index and value of the first non-finite element of `values`, if any.
    static func firstNonFinite(_ values: [Float]) -> (index: Int, value: Float)? {
        FiniteScan.firstNonFinite(values).map { ($0, values[$0]) }
    }
}
