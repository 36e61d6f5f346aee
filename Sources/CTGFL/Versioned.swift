// Versioned parameter structs (include/tgfl.h, ABI 3): each starts with `uint32_t struct_size`.

import CTGFLHeader
import Foundation

/// A C parameter struct that starts with `struct_size`.
protocol VersionedParams {
    /// The struct's name in the header, for messages.
    static var cName: String { get }
    /// The size of the struct when it was first versioned (ABI 3): the smallest a caller may pass.
    static var firstSize: Int { get }
    /// `tgfl_*_default_params()`.
    static func defaults() -> Self
}

extension VersionedParams {
    /// The caller's struct: its first `struct_size` bytes over the defaults, so a caller built
    /// against an older (shorter) header gets the defaults for the fields it does not know.
    ///
    /// - Throws: INVALID_ARGUMENT when `struct_size` is below the ABI 3 layout (0: a struct that
    ///   did not come from the default-params function) or above this library's (a newer header).
    static func read(_ pointer: UnsafePointer<Self>) throws -> Self {
        let size = Int(UnsafeRawPointer(pointer).load(as: UInt32.self))
        let full = MemoryLayout<Self>.size
        guard size >= firstSize else {
            throw BoundaryError.invalid(
                "\(cName).struct_size is \(size), below the \(firstSize) bytes of ABI 3; start from "
                + "\(cName.replacingOccurrences(of: "_params", with: "_default_params"))() and edit its fields")
        }
        guard size <= full else {
            throw BoundaryError.invalid(
                "\(cName).struct_size is \(size) but this library knows \(full) bytes: the caller was built "
                + "against a newer tgfl.h; update libCTGFL")
        }
        var value = defaults()
        withUnsafeMutableBytes(of: &value) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: size))
        }
        return value
    }
}

extension tgfl_train_params: VersionedParams {
    static let cName = "tgfl_train_params"
    /// ABI 3 ended with `allow_prices` (and its padding); `precision` (issue 18) came after.
    static let firstSize = MemoryLayout<tgfl_train_params>.offset(of: \.precision)!
    static func defaults() -> tgfl_train_params { cTrainDefaultParams() }
}

extension tgfl_federated_params: VersionedParams {
    static let cName = "tgfl_federated_params"
    /// ABI 3 ended with `byzantine_param`; the public data-model fields (issue 19) came after.
    static let firstSize = MemoryLayout<tgfl_federated_params>.offset(of: \.data_models_from)!
    static func defaults() -> tgfl_federated_params { cFederatedDefaultParams() }
}

extension tgfl_generate_params: VersionedParams {
    static let cName = "tgfl_generate_params"
    static let firstSize = MemoryLayout<tgfl_generate_params>.size
    static func defaults() -> tgfl_generate_params { cGenerateDefaultParams() }
}
