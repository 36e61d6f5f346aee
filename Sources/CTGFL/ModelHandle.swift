// The opaque `tgfl_model *` of include/tgfl.h: a never-reused key into a process-wide table
// of live handles, each holding a box around a ScenarioModel plus a lock.
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

/// The live handles, keyed by a key that is never reused.
///
/// A handle is not the box's address (freed addresses are reused, so a stale handle could
/// reach a newer model): it is a 64-bit key drawn from a counter that only grows, tagged in
/// its top 16 bits so that it is a non-canonical x86-64/AArch64 address (dereferencing it by
/// mistake faults at once instead of reading another object).
/// ```
/// handle = 0x7467_0000_0000_0000 | (counter << 4) | 0x5     counter = 1, 2, 3, … (never reused)
/// ```
enum HandleTable {
    private static let lock = NSLock()
    private nonisolated(unsafe) static var live: [UInt: ModelBox] = [:]
    private nonisolated(unsafe) static var counter: UInt = 0
    /// The tag in the top 16 bits ("tg") and the low bits of every handle.
    private static let tag: UInt = 0x7467_0000_0000_0000
    private static let lowBits: UInt = 0x5

    /// Keeps `box` alive and returns its new, never-reused handle.
    static func register(_ box: ModelBox) -> OpaquePointer {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        let key = tag | ((counter & 0x0000_0fff_ffff_ffff) << 4) | lowBits
        live[key] = box
        return OpaquePointer(bitPattern: key)!
    }

    /// The box behind a live handle (a new strong reference).
    /// - Throws: `BoundaryError` (INVALID_ARGUMENT) for NULL or a handle that is not live.
    static func box(_ handle: OpaquePointer?, _ name: String = "model") throws -> ModelBox {
        guard let handle else { throw BoundaryError.null(name) }
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        lock.lock()
        defer { lock.unlock() }
        // Taken under the table lock, so a concurrent free cannot release it first.
        guard let box = live[key] else {
            throw BoundaryError.invalid(
                "\(name) is not a live tgfl_model handle (already freed, or not returned by TGFL)")
        }
        return box
    }

    /// Unregisters a handle and drops the table's reference. Unknown handles are ignored.
    /// - Returns: Whether the handle was live.
    @discardableResult
    static func release(_ handle: OpaquePointer) -> Bool {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        lock.lock()
        let box = live.removeValue(forKey: key)
        lock.unlock()
        // The box (and its model) is released here, outside the table lock, unless a call
        // still holds it.
        return box != nil
    }

    /// Number of live handles (for tests).
    static var liveCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return live.count
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
