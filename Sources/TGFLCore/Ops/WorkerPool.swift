import Foundation
import Synchronization

/// A small pool of persistent worker threads that spin briefly between jobs, so the many
/// short parallel regions of a training step start without a thread wake-up each time
/// (the role OpenMP's spinning threads play for PyTorch).
///
/// Protocol (one job at a time, serialized by `jobLock`): the caller publishes a job by
/// bumping `generation`; EVERY pool thread acknowledges every generation through
/// `acknowledged` (participating ones after claiming parts until none are left), and the
/// caller returns only when all have, so no thread can ever see a stale job. The caller is
/// worker 0 and works too. Which worker runs a part never changes its result.
@available(macOS 15, *)
final class WorkerPool: @unchecked Sendable {
    /// The process-wide pool: one thread fewer than the host has processors.
    static let shared = WorkerPool(threads: Parallel.hardwareThreads - 1)

    /// Number of pool threads (workers 1...threads).
    let threads: Int
    private let jobLock = NSLock()
    private let generation = Atomic<Int>(0)
    private let acknowledged = Atomic<Int>(0)
    private let nextPart = Atomic<Int>(0)
    private let parked = NSCondition()
    // Job fields: written by the caller before `generation` is bumped, read by pool threads
    // between seeing the new generation and acknowledging it.
    private var body: UncheckedSendable<(Int, Int) -> Void>?
    private var parts = 0
    private var participants = 0

    /// How long an idle pool thread spins before it parks.
    private static let spinSeconds = 0.0005

    private init(threads: Int) {
        self.threads = max(0, threads)
        for index in 0..<self.threads {
            let thread = Thread { [unowned(unsafe) self] in self.workerLoop(worker: index + 1) }
            thread.name = "tgfl-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(part, worker)` for `part` in `0..<parts` on `workers` workers (the caller
    /// and `workers − 1` pool threads).
    /// - Returns: false, doing nothing, when the pool is busy with another caller's job.
    func run(parts: Int, workers: Int, _ body: (Int, Int) -> Void) -> Bool {
        guard threads > 0, jobLock.try() else { return false }
        defer { jobLock.unlock() }
        withoutActuallyEscaping(body) { escapable in
            self.body = UncheckedSendable(escapable)
            self.parts = parts
            self.participants = min(workers, threads + 1)
            nextPart.store(0, ordering: .relaxed)
            acknowledged.store(0, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            parked.lock()
            parked.broadcast()
            parked.unlock()
            work(as: 0)
            var spins = 0
            while acknowledged.load(ordering: .acquiring) < threads {
                spins += 1
                if spins & 1023 == 0 { sched_yield() }
            }
            self.body = nil
        }
        return true
    }

    private func work(as worker: Int) {
        guard let body else { return }
        while true {
            let part = nextPart.add(1, ordering: .relaxed).oldValue
            guard part < parts else { return }
            body.value(part, worker)
        }
    }

    private func workerLoop(worker: Int) {
        var seen = 0
        while true {
            seen = waitForJob(after: seen)
            if worker < participants { work(as: worker) }
            acknowledged.add(1, ordering: .releasing)
        }
    }

    /// Spins, then parks, until `generation` moves past `seen`; returns the new generation.
    private func waitForJob(after seen: Int) -> Int {
        var spins = 0
        var deadline = 0.0
        while true {
            let g = generation.load(ordering: .acquiring)
            if g != seen { return g }
            spins += 1
            if spins & 255 == 0 {
                let now = ProcessInfo.processInfo.systemUptime
                if deadline == 0 { deadline = now + WorkerPool.spinSeconds }
                if now > deadline { break }
            }
        }
        parked.lock()
        defer { parked.unlock() }
        while generation.load(ordering: .acquiring) == seen { parked.wait() }
        return generation.load(ordering: .acquiring)
    }
}
