// The opaque `tgfl_model *` of include/tgfl.h: an Unmanaged, retained box around a
// ScenarioModel plus a lock, registered in a process-wide table of live handles.
//
// The table makes a stale handle (already freed, or never returned by TGFL) an error
// (TGFL_ERR_INVALID_ARGUMENT) instead of undefined behaviour, and makes a double free a
// no-op. A call looks the box up and holds a strong reference for its whole duration, so a
// concurrent tgfl_model_free from another thread cannot free the model under the call.

import CTGFLHeader
import Foundation
import TGFLCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a `tgfl_model *` points to.
final class ModelBox: @unchecked Sendable {
    /// The model (its own lock is recursive; this one serialises whole C calls).
    let model: ScenarioModel
    /// Serialises C calls on this model: one model never runs two calls at once. Recursive,
    /// so a training progress callback (run on the calling thread) may call back into the
    /// same model, e.g. to save a checkpoint.
    let lock = NSRecursiveLock()
    /// Regime names handed out by `tgfl_model_regime_name`, by index (the current copy).
    private var regimeNameCStrings: [Int: UnsafeMutablePointer<CChar>] = [:]
    /// Every C string handed out; freed with the box, never earlier.
    private var allCStrings: [UnsafeMutablePointer<CChar>] = []

    init(model: ScenarioModel) {
        self.model = model
    }

    deinit {
        for pointer in allCStrings { free(pointer) }
    }

    /// A C copy of `name` for regime `index`, valid until the box dies (call under `lock`).
    /// A name that changed (training refitted the regimes) gets a fresh copy; the old one
    /// stays valid, as the header promises, until the model is freed.
    func regimeNameCString(index: Int, name: String) -> UnsafePointer<CChar>? {
        if let existing = regimeNameCStrings[index], String(cString: existing) == name {
            return UnsafePointer(existing)
        }
        guard let copy = strdup(name) else { return nil }
        allCStrings.append(copy)
        regimeNameCStrings[index] = copy
        return UnsafePointer(copy)
    }
}

/// The live handles: raw addresses of retained `ModelBox`es.
enum HandleTable {
    private static let lock = NSLock()
    private nonisolated(unsafe) static var live: Set<UInt> = []

    /// Retains `box` and returns its handle.
    static func register(_ box: ModelBox) -> OpaquePointer {
        let raw = Unmanaged.passRetained(box).toOpaque()
        lock.lock()
        live.insert(UInt(bitPattern: raw))
        lock.unlock()
        return OpaquePointer(raw)
    }

    /// The box behind a live handle (a new strong reference).
    /// - Throws: `BoundaryError` (INVALID_ARGUMENT) for NULL or a handle that is not live.
    static func box(_ handle: OpaquePointer?, _ name: String = "model") throws -> ModelBox {
        guard let handle else { throw BoundaryError.null(name) }
        let raw = UnsafeMutableRawPointer(handle)
        lock.lock()
        defer { lock.unlock() }
        guard live.contains(UInt(bitPattern: raw)) else {
            throw BoundaryError.invalid(
                "\(name) is not a live tgfl_model handle (already freed, or not returned by TGFL)")
        }
        // Taken under the table lock, so a concurrent free cannot release it first.
        return Unmanaged<ModelBox>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Unregisters a handle and drops the table's reference. Unknown handles are ignored.
    /// - Returns: Whether the handle was live.
    @discardableResult
    static func release(_ handle: OpaquePointer) -> Bool {
        let raw = UnsafeMutableRawPointer(handle)
        lock.lock()
        let wasLive = live.remove(UInt(bitPattern: raw)) != nil
        lock.unlock()
        if wasLive { Unmanaged<ModelBox>.fromOpaque(raw).release() }
        return wasLive
    }
}

/// Runs `body` on the model behind `handle`, holding its lock; maps errors to a status.
///
/// A progress callback that runs on a worker thread (generation) and calls back into the
/// model being used would wait forever for the lock its own caller holds: that case is
/// detected and reported as TGFL_ERR_STATE instead.
func withModel(_ handle: OpaquePointer?, _ body: (ModelBox) throws -> Void) -> Int32 {
    withStatus {
        let box = try HandleTable.box(handle)
        if CallbackScope.isInsideCallback(of: box) {
            guard box.lock.try() else {
                throw BoundaryError.state(
                    "a progress callback running on a worker thread cannot call TGFL on the model it reports on "
                    + "(that call is still running); use another model or act after the call returns")
            }
        } else {
            box.lock.lock()
        }
        defer { box.lock.unlock() }
        try body(box)
    }
}

/// Which model's progress callback the current thread is running (pthread thread-specific
/// data holding the box's address), so `withModel` can refuse a call that would deadlock.
enum CallbackScope {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        _ = pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` (the C callback) marked as inside a callback of `box`.
    static func run<R>(for box: ModelBox, _ body: () -> R) -> R {
        let previous = pthread_getspecific(key)
        _ = pthread_setspecific(key, Unmanaged.passUnretained(box).toOpaque())
        defer { _ = pthread_setspecific(key, previous) }
        return body()
    }

    /// Whether the current thread is inside a progress callback of `box`.
    static func isInsideCallback(of box: ModelBox) -> Bool {
        pthread_getspecific(key) == Unmanaged.passUnretained(box).toOpaque()
    }
}
