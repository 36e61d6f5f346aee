import Dispatch
import Foundation


/// Fixed partitions and the parallel loop every op uses.
///
/// Determinism rule: the work is cut into `parts` pieces by a function of the problem
/// size only, never of the thread count; each part writes its own slice of the output
/// and every reduction runs in a fixed order inside one part. The thread count only
/// decides which worker runs which part, so 1 and N threads give the same bits.
public enum Parallel {
    /// The number of threads the host offers (`ProcessInfo.activeProcessorCount`).
    public static var hardwareThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Splits `0..<count` into at most `maxParts` contiguous ranges whose lengths are
    /// multiples of `granule` (except the last), the same for every thread count.
    /// - Returns: The number of parts (at least 1 when `count > 0`, else 0).
    @inlinable
    public static func partCount(_ count: Int, granule: Int = 16, maxParts: Int = 8) -> Int {
        guard count > 0 else { return 0 }
        let granules = (count + granule - 1) / granule
        return min(maxParts, granules)
    }

    /// The range of part `part` when `0..<count` is split into `parts` pieces of whole granules.
    @inlinable
    public static func range(of part: Int, parts: Int, count: Int, granule: Int = 16) -> Range<Int> {
        let granules = (count + granule - 1) / granule
        let lo = min(count, (granules * part / parts) * granule)
        let hi = min(count, (granules * (part + 1) / parts) * granule)
        return lo..<hi
    }

    /// Runs `body(part, worker)` for every `part` in `0..<parts` on up to `threads` workers.
    ///
    /// Workers take the next unclaimed part until none is left (so a late or slowed worker
    /// does not hold the others up); which worker runs a part never changes its result.
    /// Per-worker scratch (indexed by `worker`, `0..<threads`) is never shared by two
    /// running parts.
    /// - Parameters:
    ///   - parts: Number of independent pieces of work.
    ///   - threads: Maximum number of concurrent workers (1 runs everything on the caller).
    ///   - body: The work for one part; must only write that part's slice of any output.
    public static func forEach(parts: Int, threads: Int, _ body: (_ part: Int, _ worker: Int) -> Void) {
        let workers = max(1, min(threads, parts))
        if workers == 1 {
            for part in 0..<parts { body(part, 0) }
            return
        }
        if #available(macOS 15, *), WorkerPool.shared.run(parts: parts, workers: workers, body) {
            return
        }
        // The pool is busy (another thread's job): Dispatch, with the same parts.
        let counter = PartCounter()
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while true {
                    let part = counter.next()
                    guard part < parts else { return }
                    box.value(part, worker)
                }
            }
        }
    }
}

/// Hands out part numbers 0, 1, 2, … to concurrent workers.
final class PartCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    init() {}

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let v = value
        value += 1
        return v
    }
}
