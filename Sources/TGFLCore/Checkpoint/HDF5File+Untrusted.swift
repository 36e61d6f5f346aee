import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension HDF5File {
    /// The environment variable that turns the child-process check off: set it to `1` to open
    /// files you trust (written by this library on your own machine) without the check.
    public static let trustedFilesVariable = "TGFL_TRUSTED_CHECKPOINTS"
    /// The environment variable that sets the check's base timeout in seconds (default 10).
    public static let checkTimeoutVariable = "TGFL_HDF5_CHECK_TIMEOUT"

    /// The stages of `HDF5File.open`, for `openStageHook`.
    enum OpenStage: Sendable {
        /// The path is open and its size known; nothing read yet.
        case opened
        /// The bytes are in memory; nothing checked yet.
        case read
        /// The child process has checked the bytes; libhdf5 has not opened them here yet.
        case checked
    }

    /// Test-only: called with each stage of `open` and the path (tests swap the file on disk
    /// here to show the load never parses what it did not check). Set only in tests.
    nonisolated(unsafe) static var openStageHook: ((OpenStage, String) -> Void)?

    /// Whether `HDF5File.open` checks each file in a child process first: `true` unless
    /// `TGFL_TRUSTED_CHECKPOINTS=1`.
    public static var checksInChildProcess: Bool {
        environment(trustedFilesVariable) != "1"
    }

    /// An environment variable as it is now (`getenv`, so a `setenv` made after launch counts).
    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The time the child may take on a file of `bytes` bytes: the base (10 s, or
    /// `TGFL_HDF5_CHECK_TIMEOUT`) plus 10 s per GiB.
    static func checkTimeout(bytes: Int) -> Double {
        let base = environment(checkTimeoutVariable).flatMap(Double.init)
            .flatMap { $0.isFinite && $0 > 0 ? $0 : nil } ?? 10
        return base + 10 * Double(max(bytes, 0)) / Double(1 << 30)
    }

    /// Reads every object of the file image `bytes` (the file at `path` as `HDF5FileImage` read
    /// it) that the reader can reach in a forked child process, before the same bytes are opened
    /// here (`Sources/CHDF5/untrusted.h`).
    ///
    /// libhdf5 1.10 crashes or hangs on some crafted or damaged files, and its error paths can
    /// leave its caches inconsistent; in the child, a crash or hang costs an error, and a file
    /// on which libhdf5 reports any error is refused without being opened in this process.
    /// Costs one `fork` and a second parse of the bytes (BENCHMARKS.md "Fuzzing and sanitizers").
    ///
    /// - Parameters:
    ///   - path: the file, for messages.
    ///   - bytes: its bytes; their count sets the timeout.
    /// - Throws: `TGFLError.checkpoint` naming the file: the object and operation libhdf5 failed
    ///   on, a crash (with the signal) or a hang of the child, or a child that could not start.
    static func checkInChildProcess(_ path: String, _ bytes: UnsafeRawBufferPointer) throws {
        let timeout = checkTimeout(bytes: bytes.count)
        var pid: pid_t = 0
        var fd: Int32 = -1
        let started = withHDF5Lock { tgfl_H5_check_start(bytes.baseAddress, bytes.count, timeout, &pid, &fd) }
        guard started == 0 else {
            throw TGFLError.checkpoint(
                path: path, message: "cannot start the process that checks the file before it is read "
                    + "(\(String(cString: strerror(started)))); free some memory or processes, or set "
                    + "\(trustedFilesVariable)=1 to read files you trust without the check")
        }
        var report = [CChar](repeating: 0, count: 2048)
        var signal: Int32 = 0
        let outcome = tgfl_H5_check_finish(pid, fd, timeout, &report, report.count, &signal)
        switch outcome {
        case TGFL_H5_CHECK_OK:
            return
        case TGFL_H5_CHECK_ERROR:
            let text = String(decoding: report.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                .map(String.init)
            let object = fields.first ?? "/", operation = fields.count > 1 ? fields[1] : "read it"
            // HDF5's error stack, outermost first; its first entries say enough.
            let stack = fields.count > 2 ? fields[2] : ""
            let detail = stack.isEmpty ? "" : " (HDF5: \(stack.count > 300 ? stack.prefix(300) + "…" : stack))"
            if operation == "open" {
                throw TGFLError.checkpoint(
                    path: path, message: "cannot open as HDF5: the file is truncated, corrupt or not an HDF5 file\(detail)")
            }
            throw readFailure(path: path, object: object, what: "cannot \(operation)", detail: detail)
        case TGFL_H5_CHECK_TIMEOUT:
            throw TGFLError.checkpoint(
                path: path, message: "reading the file did not finish within \(String(format: "%.0f", timeout)) s "
                    + "in a separate process (libhdf5 hangs on some corrupt files), so it was not read; use an "
                    + "intact copy or an earlier checkpoint (for a huge file on a slow disk, raise "
                    + "\(checkTimeoutVariable))")
        default:
            let name = signal == 0 ? "" : ", signal \(signal)" + (signalName(signal).map { " (\($0))" } ?? "")
            throw TGFLError.checkpoint(
                path: path, message: "libhdf5 crashed\(name) reading the file in a separate process: the file "
                    + "is corrupt or crafted, so it was not read; use an intact copy or an earlier checkpoint")
        }
    }

    /// Refuses a file without the HDF5 signature (`\x89HDF\r\n\x1a\n`) at byte 0, 512, 1024,
    /// 2048, … (where the HDF5 spec allows the superblock), before any process is started.
    ///
    /// - Parameters:
    ///   - path: the file, for messages.
    ///   - bytes: its bytes (`HDF5FileImage`).
    /// - Throws: `TGFLError.checkpoint` saying the file is not HDF5.
    static func checkSignature(_ path: String, _ bytes: UnsafeRawBufferPointer) throws {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset = 0
        while offset + signature.count <= bytes.count {
            if bytes[offset..<offset + signature.count].elementsEqual(signature) { return }
            offset = offset == 0 ? 512 : offset * 2
        }
        throw TGFLError.checkpoint(
            path: path, message: "cannot open as HDF5: the file is truncated, corrupt or not an HDF5 file "
                + "(no HDF5 signature at byte 0, 512, 1024, …)")
    }

    /// The error for data libhdf5 could not read: a failed Fletcher32 checksum gets its own
    /// sentence, anything else says the file is truncated or corrupt.
    static func readFailure(path: String, object: String, what: String, detail: String) -> TGFLError {
        let lowered = detail.lowercased()
        if lowered.contains("fletcher32") || lowered.contains("checksum") {
            return .checkpoint(path: path, message: "'\(object)': the data fail their Fletcher32 checksum: the file "
                + "is corrupt (bytes changed after it was written); use an intact copy or an earlier checkpoint")
        }
        return .checkpoint(path: path, message: "'\(object)': \(what); the file may be truncated or corrupt, "
            + "so use an intact copy or an earlier checkpoint\(detail)")
    }

    private static func signalName(_ signal: Int32) -> String? {
        [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGFPE: "SIGFPE",
         SIGKILL: "SIGKILL", SIGXCPU: "SIGXCPU, CPU time limit"][signal]
    }
}
