import TGFLCore

/// TGFLFederated: clients, the simulation engine, strategies, partitioners and privacy.
public enum TGFLFederatedInfo {
    public static let version = TGFLVersion.string
}
