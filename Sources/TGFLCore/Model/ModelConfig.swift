import Foundation

/// The hyperparameters of the transformer (docs/DESIGN.md, "The reference transformer").
///
/// Serialized in checkpoints as the `model_config` JSON attribute with snake_case keys:
/// `vocab_size`, `context_length`, `d_model`, `n_layers`, `n_heads`, `d_ff`, `n_regimes`, and
/// for model v2 also `model_version` (= 2) and `n_volatility_levels`. A JSON without
/// `model_version` is a v1 model, and a v1 config is written without the two v2 keys, so v1
/// checkpoints read and write exactly as before.
///
/// **Model versions.**
/// - v1: tokens are returns standardized by the training mean and std; the conditioning
///   input at each position is the regime label of the predicted day (`regime_emb [R, C]`).
/// - v2: tokens are volatility-scaled returns `z_t = (r_t − μ) / σ_t`, where `σ_t` comes from
///   a GJR-GARCH filter fitted on the training data (`VolatilityModel`); the conditioning input
///   is the level of `σ_t` among `n_volatility_levels` training quantiles (`vol_emb [S, C]`).
///   During generation `σ_t` is recomputed from the generated returns, so volatility
///   clusters, reacts asymmetrically to falls (leverage) and decays after a shock.
public struct ModelConfig: Codable, Equatable, Hashable, Sendable {
    /// V: number of return tokens.
    public var vocabSize: Int
    /// T: maximum sequence length (positions).
    public var contextLength: Int
    /// C: model width.
    public var dModel: Int
    /// L: number of transformer blocks.
    public var nLayers: Int
    /// H: attention heads; must divide `dModel`.
    public var nHeads: Int
    /// F: width of the MLP hidden layer.
    public var dFF: Int
    /// R: number of market regimes (v1: embedding rows; v2: regimes of the volatility state).
    public var nRegimes: Int
    /// 1 or 2 (see the type's documentation).
    public var modelVersion: Int
    /// S: volatility levels, the rows of `vol_emb` (v2 only; 0 in v1).
    public var volatilityLevels: Int

    /// The versions this library builds.
    public static let supportedVersions = 1...2
    /// Default S of v2 configs.
    public static let defaultVolatilityLevels = 16

    public init(vocabSize: Int, contextLength: Int, dModel: Int, nLayers: Int,
                nHeads: Int, dFF: Int, nRegimes: Int = 4, modelVersion: Int = 1,
                volatilityLevels: Int? = nil) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.dModel = dModel
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.dFF = dFF
        self.nRegimes = nRegimes
        self.modelVersion = modelVersion
        self.volatilityLevels = volatilityLevels ?? (modelVersion >= 2 ? Self.defaultVolatilityLevels : 0)
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", contextLength = "context_length", dModel = "d_model"
        case nLayers = "n_layers", nHeads = "n_heads", dFF = "d_ff", nRegimes = "n_regimes"
        case modelVersion = "model_version", volatilityLevels = "n_volatility_levels"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        contextLength = try c.decode(Int.self, forKey: .contextLength)
        dModel = try c.decode(Int.self, forKey: .dModel)
        nLayers = try c.decode(Int.self, forKey: .nLayers)
        nHeads = try c.decode(Int.self, forKey: .nHeads)
        dFF = try c.decode(Int.self, forKey: .dFF)
        nRegimes = try c.decode(Int.self, forKey: .nRegimes)
        modelVersion = try c.decodeIfPresent(Int.self, forKey: .modelVersion) ?? 1
        if modelVersion >= 2 {
            volatilityLevels = try c.decode(Int.self, forKey: .volatilityLevels)
        } else {
            volatilityLevels = try c.decodeIfPresent(Int.self, forKey: .volatilityLevels) ?? 0
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(contextLength, forKey: .contextLength)
        try c.encode(dModel, forKey: .dModel)
        try c.encode(nLayers, forKey: .nLayers)
        try c.encode(nHeads, forKey: .nHeads)
        try c.encode(dFF, forKey: .dFF)
        try c.encode(nRegimes, forKey: .nRegimes)
        if modelVersion != 1 {
            try c.encode(modelVersion, forKey: .modelVersion)
            try c.encode(volatilityLevels, forKey: .volatilityLevels)
        }
    }

    /// Rows of the conditioning table: R (`regime_emb`) in v1, S (`vol_emb`) in v2.
    public var conditionCount: Int { modelVersion >= 2 ? volatilityLevels : nRegimes }
    /// Name of the conditioning table and of its ids in messages.
    public var conditionTableName: String { modelVersion >= 2 ? "vol_emb.weight" : "regime_emb.weight" }
    /// What the conditioning ids are, for messages: `n_regimes` or `n_volatility_levels`.
    public var conditionLimitName: String { modelVersion >= 2 ? "n_volatility_levels" : "n_regimes" }

    /// The same architecture as model v2 with `levels` volatility levels.
    public func v2(levels: Int = ModelConfig.defaultVolatilityLevels) -> ModelConfig {
        var c = self
        c.modelVersion = 2
        c.volatilityLevels = levels
        return c
    }

    /// Benchmark config **small**: V=512 T=128 C=64 L=4 H=4 F=256, R=4.
    public static let small = ModelConfig(vocabSize: 512, contextLength: 128, dModel: 64,
                                          nLayers: 4, nHeads: 4, dFF: 256, nRegimes: 4)
    /// Benchmark config **large**: V=512 T=256 C=128 L=4 H=4 F=512, R=4.
    public static let large = ModelConfig(vocabSize: 512, contextLength: 256, dModel: 128,
                                          nLayers: 4, nHeads: 4, dFF: 512, nRegimes: 4)

    /// Per-head width `C / H`.
    public var headDim: Int { dModel / nHeads }

    /// Checks that the config describes a buildable model.
    /// - Throws: `TGFLError.invalidConfig` naming the offending field.
    public func validate() throws {
        let fields: [(String, Int)] = [
            ("vocab_size", vocabSize), ("context_length", contextLength), ("d_model", dModel),
            ("n_layers", nLayers), ("n_heads", nHeads), ("d_ff", dFF), ("n_regimes", nRegimes),
        ]
        for (name, value) in fields where value <= 0 {
            throw TGFLError.invalidConfig("\(name) must be positive, got \(value)")
        }
        guard Self.supportedVersions.contains(modelVersion) else {
            throw TGFLError.invalidConfig(
                "model_version \(modelVersion) is not supported; this library builds versions "
                + "\(Self.supportedVersions.lowerBound)...\(Self.supportedVersions.upperBound)")
        }
        if modelVersion >= 2, volatilityLevels < 2 {
            throw TGFLError.invalidConfig(
                "n_volatility_levels must be at least 2 for model_version 2, got \(volatilityLevels)")
        }
        guard dModel % nHeads == 0 else {
            throw TGFLError.invalidConfig(
                "d_model (\(dModel)) must be divisible by n_heads (\(nHeads))")
        }
        // Same caps as tgfl_model_create: at most `maxLayers` blocks and fewer than Int32.max
        // parameters, counted with overflow-checked arithmetic BEFORE ParameterLayout
        // multiplies the fields (a crafted model_config must not trap).
        guard nLayers <= Self.maxLayers else {
            throw TGFLError.invalidConfig("n_layers must be at most \(Self.maxLayers), got \(nLayers)")
        }
        let count = Self.checkedParameterCount(self)
        guard let count, count < Int(Int32.max) else {
            throw TGFLError.invalidConfig("the model is too large: \(count.map(String.init) ?? "more than 2^63") "
                + "parameters (vocab_size=\(vocabSize) context_length=\(contextLength) d_model=\(dModel) "
                + "n_layers=\(nLayers) d_ff=\(dFF) n_regimes=\(nRegimes)); the limit is \(Int32.max)")
        }
    }

    /// The config as the JSON string stored in checkpoints (keys sorted, snake_case).
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain Ints cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Parses a `model_config` JSON string, then validates it.
    /// - Throws: `TGFLError.invalidConfig` when a key is missing or a value is invalid.
    public static func fromJSON(_ json: String) throws -> ModelConfig {
        let config: ModelConfig
        do {
            config = try JSONDecoder().decode(ModelConfig.self, from: Data(json.utf8))
        } catch DecodingError.keyNotFound(let key, _) {
            throw TGFLError.invalidConfig("model_config JSON lacks the key '\(key.stringValue)'")
        } catch {
            throw TGFLError.invalidConfig("model_config is not valid JSON of the expected form: \(json)")
        }
        try config.validate()
        return config
    }
}
