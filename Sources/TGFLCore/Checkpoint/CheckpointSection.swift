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
