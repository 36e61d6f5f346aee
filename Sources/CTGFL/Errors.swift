// The status codes and the thread-local last error of include/tgfl.h.
//
// Every exported function funnels its work through `withStatus` (or one of its variants):
// a thrown error becomes a negative TGFL_ERR_* status and its message is stored for
// `tgfl_last_error()` on the calling thread. Nothing thrown ever crosses the C boundary.

import CTGFLHeader
import Foundation
import TGFLCore
import TGFLStats
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Status codes

/// The header's status codes as `Int32` (anonymous C enums import as `Int`).
enum Status {
    static let ok = Int32(TGFL_OK)
    static let invalidArgument = Int32(TGFL_ERR_INVALID_ARGUMENT)
    static let invalidConfig = Int32(TGFL_ERR_INVALID_CONFIG)
    static let shape = Int32(TGFL_ERR_SHAPE)
    static let outOfRange = Int32(TGFL_ERR_OUT_OF_RANGE)
    static let io = Int32(TGFL_ERR_IO)
    static let checkpoint = Int32(TGFL_ERR_CHECKPOINT)
    static let data = Int32(TGFL_ERR_DATA)
    static let cancelled = Int32(TGFL_ERR_CANCELLED)
    static let state = Int32(TGFL_ERR_STATE)
    static let internalError = Int32(TGFL_ERR_INTERNAL)
}

/// A failure found at the C boundary itself (before or around a Swift call), with the
/// status code it maps to.
struct BoundaryError: Error {
    let status: Int32
    let message: String

    /// `name` is NULL.
    static func null(_ name: String) -> BoundaryError {
        BoundaryError(status: Status.invalidArgument, message: "\(name) is NULL")
    }

    static func invalid(_ message: String) -> BoundaryError {
        BoundaryError(status: Status.invalidArgument, message: message)
    }

    static func shape(_ message: String) -> BoundaryError {
        BoundaryError(status: Status.shape, message: message)
    }

    static func outOfRange(_ message: String) -> BoundaryError {
        BoundaryError(status: Status.outOfRange, message: message)
    }

    static func state(_ message: String) -> BoundaryError {
        BoundaryError(status: Status.state, message: message)
    }
}

/// The status code and message for any error thrown below the boundary.
///
/// ```
/// TGFLError.invalidArgument → INVALID_ARGUMENT   .invalidConfig → INVALID_CONFIG
/// .shapeMismatch → SHAPE   .outOfRange → OUT_OF_RANGE   .io → IO   .checkpoint → CHECKPOINT
/// .data → DATA   .cancelled → CANCELLED
/// StatsError.emptyInput/.nonFinite/.invalidParameter → INVALID_ARGUMENT
/// .lengthMismatch → SHAPE   .tooShort → DATA
/// anything else → INTERNAL
/// ```
func statusAndMessage(for error: Error) -> (Int32, String) {
    switch error {
    case let e as BoundaryError:
        return (e.status, e.message)
    case let e as TGFLError:
        switch e {
        case .invalidArgument: return (Status.invalidArgument, e.description)
        case .invalidConfig: return (Status.invalidConfig, e.description)
        case .shapeMismatch: return (Status.shape, e.description)
        case .outOfRange: return (Status.outOfRange, e.description)
        case .io: return (Status.io, e.description)
        case .checkpoint: return (Status.checkpoint, e.description)
        case .data: return (Status.data, e.description)
        case .cancelled: return (Status.cancelled, e.description)
        }
    case let e as StatsError:
        switch e {
        case .emptyInput, .nonFinite, .invalidParameter: return (Status.invalidArgument, e.description)
        case .lengthMismatch: return (Status.shape, e.description)
        case .tooShort: return (Status.data, e.description)
        }
    default:
        return (Status.internalError, "internal error (please report it): \(String(describing: error))")
    }
}

// MARK: - Thread-local last error

/// The message of the last failed call, one malloc'ed C string per thread (pthread
/// thread-specific data, freed by the key's destructor when the thread exits).
enum LastError {
    /// The pthread key; created once, on first use.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // On failure (no keys left) the key stays 0 and set/get degrade to "" messages.
        _ = pthread_key_create(&key) { pointer in free(pointer) }
        return key
    }()

    /// Replaces this thread's message.
    static func set(_ message: String) {
        let old = pthread_getspecific(key)
        guard let copy = strdup(message) else { return }
        if pthread_setspecific(key, copy) == 0 {
            free(old)
        } else {
            free(copy)
        }
    }

    /// This thread's message, or "" when no call failed on it yet.
    static var current: UnsafePointer<CChar> {
        if let raw = pthread_getspecific(key) {
            return UnsafePointer(raw.assumingMemoryBound(to: CChar.self))
        }
        return emptyCString
    }
}

/// A NUL-terminated empty string in static storage.
nonisolated(unsafe) let emptyCString: UnsafePointer<CChar> = {
    let literal: StaticString = ""
    return UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)
}()

/// Stores the message of `error` for `tgfl_last_error` and returns its status code.
func record(_ error: Error) -> Int32 {
    let (status, message) = statusAndMessage(for: error)
    LastError.set(message)
    return status
}

/// Runs `body`; `TGFL_OK` when it returns, the mapped status when it throws.
func withStatus(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok
    } catch {
        return record(error)
    }
}

// MARK: - Exports

/// `int32_t tgfl_abi_version(void)`: the ABI version this library implements.
@_cdecl("tgfl_abi_version")
public func cABIVersion() -> Int32 { Int32(TGFL_ABI_VERSION) }

/// The library version as a C string that lives as long as the process.
private nonisolated(unsafe) let versionCString: UnsafeMutablePointer<CChar>? = strdup(TGFLVersion.string)

/// `const char * tgfl_version(void)`: the library version string (static storage).
@_cdecl("tgfl_version")
public func cVersion() -> UnsafePointer<CChar> {
    versionCString.map { UnsafePointer($0) } ?? emptyCString
}

/// `const char * tgfl_last_error(void)`: the message of the last failed call on this thread.
@_cdecl("tgfl_last_error")
public func cLastError() -> UnsafePointer<CChar> { LastError.current }
