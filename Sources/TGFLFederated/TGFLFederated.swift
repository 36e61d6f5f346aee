// The transformer bridge re-exports the engine, so `import TGFLFederated` gives strategies,
// privacy and the simulation as well as the trainer.
@_exported import TGFLFederation
import TGFLCore

/// TGFLFederated: the bridge between the federated engine (TGFLFederation) and the transformer.
public enum TGFLFederatedInfo {
    /// The library version.
    public static let version = TGFLVersion.string
}
