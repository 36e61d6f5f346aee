import ArgumentParser
import TGFLCore

/// Named model configurations for `--config`.
enum ModelPreset: String, CaseIterable, ExpressibleByArgument {
    /// V=512 T=128 C=64 L=4 H=4 F=256 (the docs/DESIGN.md benchmark config).
    case small
    /// V=512 T=256 C=128 L=4 H=4 F=512 (the docs/DESIGN.md benchmark config).
    case large
    /// V=256 T=64 C=64 L=2 H=4 F=256: the demo's config (a shorter context and a smaller
    /// vocabulary keep the demo under two minutes on two cores; 250-day scenarios slide the
    /// 64-day window).
    case demo
    /// V=128 T=32 C=32 L=1 H=2 F=64: for smoke tests only (trains in seconds).
    case tiny

    var config: ModelConfig {
        switch self {
        case .small: return .small
        case .large: return .large
        case .demo:
            return ModelConfig(vocabSize: 256, contextLength: 64, dModel: 64, nLayers: 2, nHeads: 4, dFF: 256,
                               nRegimes: 4)
        case .tiny:
            return ModelConfig(vocabSize: 128, contextLength: 32, dModel: 32, nLayers: 1, nHeads: 2, dFF: 64,
                               nRegimes: 4)
        }
    }

    static var allValueStrings: [String] { allCases.map(\.rawValue) }

    /// The preset's architecture as model `version` (1, or 2 with 16 volatility levels).
    func config(version: Int) -> ModelConfig {
        version >= 2 ? config.v2() : config
    }
}

/// `--model-version`, shared by the commands that create a model.
struct ModelVersionOption: ParsableArguments {
    @Option(name: .customLong("model-version"), help: ArgumentHelp(
        "1: tokens of standardized returns, regimes replayed or fixed; 2: volatility-scaled tokens with a "
        + "GJR-GARCH volatility state, so scenarios cluster, react to falls and move between regimes by themselves.",
        valueName: "1|2"))
    var modelVersion: Int = 2

    func validate() throws {
        guard ModelConfig.supportedVersions.contains(modelVersion) else {
            throw ValidationError("--model-version must be 1 or 2, got \(modelVersion)")
        }
    }
}

/// One line describing a config: `V=512 T=128 C=64 L=4 H=4 F=256 R=4`.
func describe(_ c: ModelConfig) -> String {
    "V=\(c.vocabSize) T=\(c.contextLength) C=\(c.dModel) L=\(c.nLayers) H=\(c.nHeads) F=\(c.dFF) R=\(c.nRegimes)"
        + (c.modelVersion >= 2 ? " S=\(c.volatilityLevels) (v2)" : " (v1)")
}
