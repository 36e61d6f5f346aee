import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of one HDF5 file, read once from disk by `HDF5File.open`: the checks (signature,
/// global heaps, the child process) and libhdf5 in this process all see exactly these bytes, so
/// a file replaced on disk after the read is never parsed (issue 13, time of check to time of
/// use). Lives as long as the `HDF5File` opened from it (libhdf5 reads it in place).
final class HDF5FileImage: @unchecked Sendable {
    /// The file's bytes as read (fixed once the initializer returns).
    let bytes: UnsafeMutableRawBufferPointer

    /// The largest file read into memory: half of the machine's memory.
    static var maximumBytes: Int { Int(min(ProcessInfo.processInfo.physicalMemory / 2, UInt64(Int.max))) }

    /// Reads the regular file at `path` (symlinks followed) through one file descriptor.
    ///
    /// ```
    /// stat(path)  → refuse a missing path, a directory, a FIFO, socket or device (never opened)
    /// open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC), fstat(fd) → refuse the same for
    ///             what was actually opened (the path may have changed since the stat)
    /// read(fd)    → at most the size fstat gave; a file that shrank meanwhile gives fewer bytes
    /// ```
    /// - Parameter path: the file.
    /// - Throws: `TGFLError.checkpoint` naming the file: missing, a directory, not a regular file,
    ///   unreadable, empty, larger than half the memory, or a failed read.
    init(reading path: String) throws {
        func fail(_ message: String) -> TGFLError { .checkpoint(path: path, message: message) }
        var status = stat()
        if stat(path, &status) != 0 {
            throw errno == ENOENT || errno == ENOTDIR ? fail("no such file; check the path")
                : errno == EACCES ? fail("file is not readable; check its permissions")
                : fail("cannot read the file's status (\(String(cString: strerror(errno))))")
        }
        try Self.refuseNonRegular(status, fail)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw errno == ENOENT ? fail("no such file; check the path")
                : errno == EACCES || errno == EPERM ? fail("file is not readable; check its permissions")
                : fail("cannot open the file (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        guard fstat(fd, &status) == 0 else {
            throw fail("cannot read the file's status (\(String(cString: strerror(errno))))")
        }
        try Self.refuseNonRegular(status, fail)
        let size = Int(status.st_size)
        guard size <= Self.maximumBytes else {
            throw fail("the file has \(size) bytes, more than half of this machine's memory; HDF5 files are read "
                + "into memory whole to be checked and opened, so use a machine with more memory")
        }
        HDF5File.openStageHook?(.opened, path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 16)
        var done = 0
        while done < size {
            let got = read(fd, buffer.baseAddress! + done, size - done)
            if got < 0 && errno == EINTR { continue }
            if got < 0 {
                let reason = String(cString: strerror(errno))
                buffer.deallocate()
                throw fail("cannot read the file (\(reason))")
            }
            if got == 0 { break }   // the file shrank after fstat: keep what was read
            done += got
        }
        guard done > 0 else {
            buffer.deallocate()
            throw fail("file is empty (0 bytes), not an HDF5 file; it was probably left by an interrupted "
                + "write, so save the checkpoint again")
        }
        bytes = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<done])
    }

    deinit { bytes.deallocate() }

    /// Refuses a directory, FIFO, socket or device (opening a FIFO for reading would block).
    private static func refuseNonRegular(_ status: stat, _ fail: (String) -> TGFLError) throws {
        let kind = status.st_mode & S_IFMT
        if kind == S_IFDIR { throw fail("is a directory, not an HDF5 file") }
        if kind != S_IFREG {
            throw fail("is not a regular file (a FIFO, socket or device), so it is not read; pass the path of an .h5 file")
        }
    }
}
