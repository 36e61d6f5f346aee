import Foundation

/// The hyperparameters of the v1 transformer (DESIGN.md, "The reference transformer").
///
/// Serialized in checkpoints as the `model_config` JSON attribute with snake_case keys:
/// `vocab_size`, `context_length`, `d_model`, `n_layers`, `n_heads`, `d_ff`, `n_regimes`.
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
    /// R: number of market regimes (embedding rows).
    public var nRegimes: Int

    public init(vocabSize: Int, contextLength: Int, dModel: Int, nLayers: Int,
                nHeads: Int, dFF: Int, nRegimes: Int = 4) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.dModel = dModel
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.dFF = dFF
        self.nRegimes = nRegimes
    }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", contextLength = "context_length", dModel = "d_model"
        case nLayers = "n_layers", nHeads = "n_heads", dFF = "d_ff", nRegimes = "n_regimes"
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
