import Foundation

/// A scalar attribute of a checkpoint section (an HDF5 attribute: string, integer or float64).
public enum CheckpointValue: Equatable, Sendable { case string(String), int(Int), double(Double) }

/// A free-form section (tokenizer, regimes): scalar attributes and 1-D float64 datasets.
public struct CheckpointSection: Equatable, Sendable {
    public var attributes: [String: CheckpointValue]
    public var datasets: [String: [Double]]
    public init(attributes: [String: CheckpointValue] = [:], datasets: [String: [Double]] = [:]) {
        self.attributes = attributes; self.datasets = datasets
    }
}
