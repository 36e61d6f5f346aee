// Checks of raw C arguments (pointers, sizes, enum values, finiteness) before any Swift
// layer sees them. Each throws a BoundaryError naming the argument and what is wrong.

import CTGFLHeader
import Foundation
import TGFLCore

enum Check {
    /// A `size_t` argument (imported as `Int`): values above `Int.max` arrive negative.
    static func size(_ n: Int, _ name: String) throws -> Int {
        guard n >= 0 else { throw BoundaryError.invalid("\(name) (\(UInt(bitPattern: n))) is too large") }
        return n
    }

    /// A non-NULL pointer to `n` elements, as a buffer.
    /// - Throws: INVALID_ARGUMENT when `pointer` is NULL (also for n = 0, except when
    ///   `allowEmptyNull` is set) or `n` is too large.
    static func buffer<T>(_ pointer: UnsafePointer<T>?, count n: Int, _ name: String,
                          allowEmptyNull: Bool = false) throws -> UnsafeBufferPointer<T> {
        guard let pointer else {
            if allowEmptyNull && n == 0 { return UnsafeBufferPointer(start: nil, count: 0) }
            throw BoundaryError.null(name)
        }
        guard n >= 0, n <= Int.max / max(1, MemoryLayout<T>.stride) else {
            throw BoundaryError.invalid("\(name) length \(n) is too large")
        }
        return UnsafeBufferPointer(start: pointer, count: n)
    }

    /// A non-NULL mutable pointer to `n` elements, as a buffer.
    static func mutableBuffer<T>(_ pointer: UnsafeMutablePointer<T>?, count n: Int,
                                 _ name: String) throws -> UnsafeMutableBufferPointer<T> {
        guard let pointer else { throw BoundaryError.null(name) }
        guard n >= 0, n <= Int.max / max(1, MemoryLayout<T>.stride) else {
            throw BoundaryError.invalid("\(name) length \(n) is too large")
        }
        return UnsafeMutableBufferPointer(start: pointer, count: n)
    }

    /// Throws INVALID_ARGUMENT naming the first NaN or infinity of `values`.
    static func finite(_ values: UnsafeBufferPointer<Double>, _ name: String) throws {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw BoundaryError.invalid("\(name)[\(i)] is \(values[i]); every value must be finite (no NaN or inf)")
        }
    }

    /// Throws INVALID_ARGUMENT naming the first NaN or infinity of `values`.
    static func finite(_ values: UnsafeBufferPointer<Float>, _ name: String) throws {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw BoundaryError.invalid("\(name)[\(i)] is \(values[i]); every value must be finite (no NaN or inf)")
        }
    }

    /// A NUL-terminated UTF-8 C string as a `String`.
    /// - Throws: INVALID_ARGUMENT for NULL, an empty string (unless allowed) or invalid UTF-8.
    static func string(_ pointer: UnsafePointer<CChar>?, _ name: String, allowEmpty: Bool = false) throws -> String {
        guard let pointer else { throw BoundaryError.null(name) }
        guard let value = String(validatingCString: pointer) else {
            throw BoundaryError.invalid("\(name) is not valid UTF-8")
        }
        guard allowEmpty || !value.isEmpty else { throw BoundaryError.invalid("\(name) is empty") }
        return value
    }

    /// `value` when it lies in `range`, else OUT_OF_RANGE naming the field.
    static func inRange<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ name: String) throws -> T {
        guard range.contains(value) else {
            throw BoundaryError.outOfRange("\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// A finite double, else INVALID_ARGUMENT naming the field.
    static func finite(_ value: Double, _ name: String) throws -> Double {
        guard value.isFinite else { throw BoundaryError.invalid("\(name) must be finite, got \(value)") }
        return value
    }

    /// `n_threads` (0 = all cores) as the Swift `threads` option.
    static func threads(_ n: Int32, max: Int32, _ name: String = "n_threads") throws -> Int? {
        guard n >= 0, n <= max else {
            throw BoundaryError.outOfRange("\(name) must be in 0...\(max) (0 = all cores), got \(n)")
        }
        return n == 0 ? nil : Int(n)
    }
}

// MARK: - Model config

/// The most transformer blocks a config may ask for (a guard against absurd values that
/// would make building the parameter table itself run out of memory).
let maxLayers = ModelConfig.maxLayers

extension ModelConfig {
    /// The Swift config for a C one, with the parameter count checked for overflow first.
    /// - Throws: INVALID_CONFIG naming the bad field; the full check is `validate()`.
    init(checking c: tgfl_model_config) throws {
        let fields: [(String, Int32)] = [
            ("vocab_size", c.vocab_size), ("context_length", c.context_length), ("d_model", c.d_model),
            ("n_layers", c.n_layers), ("n_heads", c.n_heads), ("d_ff", c.d_ff), ("n_regimes", c.n_regimes),
        ]
        for (name, value) in fields where value <= 0 {
            throw TGFLError.invalidConfig("\(name) must be positive, got \(value)")
        }
        guard Int(c.n_layers) <= Self.maxLayers else {
            throw TGFLError.invalidConfig("n_layers must be at most \(Self.maxLayers), got \(c.n_layers)")
        }
        // Parameter count with overflow checks (ParameterLayout's formula), before any Swift
        // code multiplies the fields.
        let V = Int(c.vocab_size), T = Int(c.context_length), C = Int(c.d_model)
        let F = Int(c.d_ff), R = Int(c.n_regimes), L = Int(c.n_layers)
        func mul(_ a: Int, _ b: Int) throws -> Int {
            let (r, o) = a.multipliedReportingOverflow(by: b)
            guard !o else { throw TGFLError.invalidConfig("the model is too large (parameter count overflows)") }
            return r
        }
        func add(_ terms: Int...) throws -> Int {
            var total = 0
            for t in terms {
                let (r, o) = total.addingReportingOverflow(t)
                guard !o else { throw TGFLError.invalidConfig("the model is too large (parameter count overflows)") }
                total = r
            }
            return total
        }
        let perBlock = try add(4 * C, try mul(3 * C, C), 3 * C, try mul(C, C), C,
                               try mul(F, C), F, try mul(C, F), C)
        let version = Int(c.model_version), S = Int(c.n_volatility_levels)
        guard ModelConfig.supportedVersions.contains(version) else {
            throw TGFLError.invalidConfig("model_version must be 1 or 2, got \(version)")
        }
        if version >= 2, S < 2 {
            throw TGFLError.invalidConfig("n_volatility_levels must be at least 2 for model_version 2, got \(S)")
        }
        let conditionRows = version >= 2 ? S : R
        let count = try add(try mul(V, C), try mul(T, C), try mul(conditionRows, C), try mul(L, perBlock),
                            2 * C, try mul(V, C), V, version >= 2 ? try mul(S, V) : 0)
        guard count < Int(Int32.max) else {
            throw TGFLError.invalidConfig("the model has \(count) parameters; the limit is \(Int32.max)")
        }
        self.init(vocabSize: V, contextLength: T, dModel: C, nLayers: L, nHeads: Int(c.n_heads),
                  dFF: F, nRegimes: R, modelVersion: version, volatilityLevels: version >= 2 ? S : nil)
        try validate()
    }

    /// The C struct for this config.
    var cConfig: tgfl_model_config {
        tgfl_model_config(vocab_size: Int32(clamping: vocabSize), context_length: Int32(clamping: contextLength),
                          d_model: Int32(clamping: dModel), n_layers: Int32(clamping: nLayers),
                          n_heads: Int32(clamping: nHeads), d_ff: Int32(clamping: dFF),
                          n_regimes: Int32(clamping: nRegimes), model_version: Int32(clamping: modelVersion),
                          n_volatility_levels: Int32(clamping: modelVersion >= 2 ? volatilityLevels
                                                                : ModelConfig.defaultVolatilityLevels))
    }
}
