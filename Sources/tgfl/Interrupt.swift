import Foundation
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
