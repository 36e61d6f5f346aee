/// The library version, stored in checkpoints as `library_version`.
public enum TGFLVersion {
    public static let string = "0.1.0"
}
