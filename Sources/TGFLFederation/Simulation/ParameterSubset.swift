import TGFLBase

/// The coordinates of the flat parameter vector a federation trains, clips, noises and
/// aggregates; every other coordinate is *frozen* at the initial global value and never
/// leaves a client or changes on the server (`SimulationConfig.trainable`).
///
/// ```
/// client:  frozen gradients are zeroed before clipping; frozen weights are reset to w_global
///          after every local step (so the local model is w_global off the subset)
/// server:  each update's frozen coordinates are set to w_global before the DP clip
///          (‖Δ‖ is the subset's norm), the noise is drawn for the subset's coordinates only,
///          in ascending index order, and the new global copies w_global's frozen coordinates
/// ```
/// So, under DP, what is released each round is the subset's noised mean (every released
/// coordinate noised with std z·S/m) and the clipping norm S bounds the subset's update: the
/// accounting (sensitivity S/m per round, the same noise multiplier) is unchanged in form; the
/// frozen coordinates are public (the initial model) and carry no client datum.
public struct ParameterSubset: Sendable, Equatable, Codable {
    /// Ascending, non-overlapping, non-empty index ranges of the flat parameter vector.
    public let ranges: [Range<Int>]

    /// - Throws: `TGFLError.invalidArgument` for no range, an empty, negative, unsorted or
    ///   overlapping range.
    public init(ranges: [Range<Int>]) throws {
        guard !ranges.isEmpty else {
            throw TGFLError.invalidArgument("the trainable parameter subset is empty: name at least one tensor")
        }
        var end = 0
        for (i, r) in ranges.enumerated() {
            guard !r.isEmpty, r.lowerBound >= end else {
                throw TGFLError.invalidArgument("trainable range \(i) (\(r.lowerBound)..<\(r.upperBound)) must be non-empty, "
                    + "ascending and must not overlap the one before (which ends at \(end))")
            }
            end = r.upperBound
        }
        self.ranges = ranges
    }

    /// Number of trainable coordinates.
    public var count: Int { ranges.reduce(0) { $0 + $1.count } }

    /// Checks that the subset fits a vector of `dimension` parameters.
    /// - Throws: `TGFLError.invalidArgument` naming the range past the end.
    public func check(dimension: Int) throws {
        if let last = ranges.last, last.upperBound > dimension {
            throw TGFLError.invalidArgument("trainable range \(last.lowerBound)..<\(last.upperBound) goes past the "
                + "\(dimension) parameters of the model")
        }
    }

    /// The frozen coordinates: the complement of `ranges` in `0..<dimension`.
    public func frozen(dimension: Int) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        for r in ranges {
            if r.lowerBound > start { out.append(start..<r.lowerBound) }
            start = r.upperBound
        }
        if start < dimension { out.append(start..<dimension) }
        return out
    }

    /// Sets every frozen coordinate of `values` to `global`'s (same length).
    public func resetFrozen(_ values: UnsafeMutableBufferPointer<Float>, to global: UnsafeBufferPointer<Float>) {
        for r in frozen(dimension: values.count) { for k in r { values[k] = global[k] } }
    }

    /// Sets every frozen coordinate of `values` to `global`'s (same length).
    public func resetFrozen(_ values: inout [Float], to global: [Float]) {
        values.withUnsafeMutableBufferPointer { v in
            global.withUnsafeBufferPointer { resetFrozen(v, to: $0) }
        }
    }

    /// Sets every frozen coordinate of `values` to zero (gradients of frozen weights).
    public func zeroFrozen(_ values: UnsafeMutableBufferPointer<Float>) {
        for r in frozen(dimension: values.count) { for k in r { values[k] = 0 } }
    }
}
