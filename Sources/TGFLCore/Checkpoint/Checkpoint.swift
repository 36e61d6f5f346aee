import Foundation

/// One scalar attribute value of a free-form checkpoint section.
public enum CheckpointValue: Equatable, Sendable {
    /// Stored as a variable-length UTF-8 string.
    case string(String)
    /// Stored as int64.
    case int(Int)
    /// Stored as float64.
    case double(Double)
}

/// A free-form checkpoint section (`/tokenizer`, `/regimes`): scalar attributes and 1-D
/// float64 datasets, named by their owner (the tokenizer or the regime model).
public struct CheckpointSection: Equatable, Sendable {
    /// Scalar attributes of the section's group, by name.
    public var attributes: [String: CheckpointValue]
    /// 1-D float64 datasets inside the section's group, by name (no `/` in names).
    /// Non-finite values (e.g. ±∞ outer bin edges) are allowed here.
    public var datasets: [String: [Double]]

    public init(attributes: [String: CheckpointValue] = [:], datasets: [String: [Double]] = [:]) {
        self.attributes = attributes
        self.datasets = datasets
    }
}

/// Everything a TGFL checkpoint holds: the model config and flat parameters, and optionally
/// the AdamW state, the tokenizer and regime model, and the training/federation record.
///
/// On disk (HDF5, readable with h5py; DESIGN.md "Checkpoints"):
/// ```
/// /                 attrs format = "tgfl.checkpoint", format_version = 1,
///                         library_version, model_config (JSON)
/// /weights/<name>   float32 dataset per tensor of ParameterLayout(config:)
/// /tokenizer        attrs + 1-D float64 datasets               (optional)
/// /regimes          attrs + 1-D float64 datasets               (optional)
/// /optimizer        attr step; m/<name>, v/<name> like weights (optional)
/// /training         attrs history, federation (JSON strings)   (optional)
/// ```
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
    /// Training history as a JSON string.
    public var history: String?
    /// Federation record (strategy, rounds, clients, privacy ε/δ) as a JSON string.
    public var federation: String?
    /// Version of the library that wrote the checkpoint (`library_version`).
    public var libraryVersion: String

    /// The value of the root attribute `format`.
    public static let formatName = "tgfl.checkpoint"
    /// The value of the root attribute `format_version` this library reads and writes.
    public static let formatVersion = 1

    /// Creates a checkpoint after checking that the arrays fit the config.
    ///
    /// - Parameters:
    ///   - config: model hyperparameters; must pass `validate()`.
    ///   - parameters: flat parameters; `count == ParameterLayout(config:).count`.
    ///   - optimizer: optional AdamW state; `m` and `v` have the same count, `step >= 0`.
    ///   - tokenizer: optional tokenizer section.
    ///   - regimes: optional regime-model section.
    ///   - history: optional training history (JSON).
    ///   - federation: optional federation record (JSON).
    ///   - libraryVersion: writer's version; defaults to `TGFLVersion.string`.
    /// - Throws: `TGFLError.invalidConfig` for a bad config, `TGFLError.shapeMismatch` when a
    ///   count disagrees with the layout, `TGFLError.outOfRange` for a negative step.
    public init(config: ModelConfig, parameters: [Float], optimizer: OptimizerState? = nil,
                tokenizer: CheckpointSection? = nil, regimes: CheckpointSection? = nil,
                history: String? = nil, federation: String? = nil,
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
        self.federation = federation
        self.libraryVersion = libraryVersion
    }

    /// Group paths of the layout.
    enum Group {
        static let weights = "/weights"
        static let optimizer = "/optimizer"
        static let tokenizer = "/tokenizer"
        static let regimes = "/regimes"
        static let training = "/training"
    }

    /// A short description of the config for error messages.
    static func describe(_ config: ModelConfig) -> String {
        "vocab_size=\(config.vocabSize) context_length=\(config.contextLength) d_model=\(config.dModel) "
            + "n_layers=\(config.nLayers) n_heads=\(config.nHeads) d_ff=\(config.dFF) n_regimes=\(config.nRegimes)"
    }

    /// Index and value of the first non-finite element of `values`, if any.
    static func firstNonFinite<S: Sequence>(_ values: S) -> (index: Int, value: Float)?
    where S.Element == Float {
        for (index, value) in values.enumerated() where !value.isFinite { return (index, value) }
        return nil
    }
}
