import Foundation
import TGFLCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C handling for long runs: the first Ctrl-C asks the running task to stop at the next
/// step (progress callbacks return false, so training leaves the model at the last completed
/// step and the command can still save it); a second Ctrl-C exits at once.
enum Interrupt {
    /// Set by the signal handler; read by progress callbacks.
    nonisolated(unsafe) static var count: sig_atomic_t = 0

    /// Whether Ctrl-C was pressed since `install()`.
    static var requested: Bool { count > 0 }

    /// Installs the SIGINT handler.
    static func install() {
        count = 0
        signal(SIGINT) { _ in
            Interrupt.count += 1
            if Interrupt.count >= 2 { _exit(130) }
            // Only async-signal-safe calls here: write(2) of a static string.
            let message: StaticString = "\ninterrupt: stopping after the current step (Ctrl-C again to quit now)\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
        }
    }
}

/// Runs `body` (a training run whose progress callback returns `!Interrupt.requested`) with
/// Ctrl-C handling, finishing `bar` however it ends. After a Ctrl-C the model so far is saved to
/// `saveOnInterrupt` through `save` (when given) and the command fails with
/// `interrupted(savedTo:)`'s message.
/// - Throws: `body`'s errors; `CommandFailure` after an interrupt; `save`'s errors.
func runInterruptibly<R>(bar: ProgressReporter, saveOnInterrupt path: String?, save: (String) throws -> Void,
                         interrupted: (_ savedTo: String?) -> String, _ body: () throws -> R) throws -> R {
    Interrupt.install()
    do {
        let result = try body()
        bar.finish()
        return result
    } catch TGFLError.cancelled {
        bar.finish()
        guard let path else { throw CommandFailure(interrupted(nil)) }
        try save(path)
        throw CommandFailure(interrupted(path))
    } catch {
        bar.finish()
        throw error
    }
}
