import TGFLCore

/// TGFLFederated: clients, the simulation engine, strategies, partitioners and privacy.
public enum TGFLFederatedInfo {
    /// The library version.
    public static let version = TGFLVersion.string
}
