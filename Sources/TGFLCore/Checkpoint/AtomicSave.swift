import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an atomic save really writes, and the clean-up of temporaries that killed saves left.
///
/// ```
/// target   = the path with every symlink followed (at most 40), must be absent or a regular file
/// temp     = <target>.tmp-<pid>-<hex>   (same directory as the target, so rename(2) is atomic)
/// stale    = <target>.tmp-<pid>-<hex> whose <pid> is not a live process (kill(pid, 0) == ESRCH)
/// ```
/// A device, FIFO, socket or directory at the path (or at the end of its symlinks) is refused:
/// `rename(2)` would replace it with a regular file. A symlink is written *through*: the new
/// file replaces the symlink's target and the symlink stays.
public enum AtomicSave {
    /// The most symlinks followed before giving up (Linux's `MAXSYMLINKS`).
    static let maxSymlinks = 40

    /// Resolves the file an atomic save of `path` must replace.
    ///
    /// - Parameter path: the path the user gave.
    /// - Returns: the path of the regular file (possibly not yet existing) to replace, with
    ///   every symlink of the last component followed; a relative link is taken relative to
    ///   the directory of the link.
    /// - Throws: `TGFLError.io` when the path holds a NUL byte, names a directory, a device,
    ///   a FIFO or a socket, or has a symlink loop.
    public static func resolveTarget(_ path: String) throws -> String {
        guard !path.isEmpty else { throw TGFLError.io("the output path is empty; give a file name such as model.h5") }
        guard !path.utf8.contains(0) else {
            throw TGFLError.io("the output path '\(printable(path))' contains a NUL byte; remove it")
        }
        var current = path
        for _ in 0...maxSymlinks {
            var info = stat()
            guard lstat(current, &info) == 0 else {
                let code = errno
                if code == ENOENT { return current }       // a new file (or a dangling link's target)
                throw TGFLError.io("cannot write '\(current)': \(String(cString: strerror(code)))")
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                return current
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlink(current, &buffer, buffer.count - 1)
                guard length >= 0 else {
                    throw TGFLError.io("cannot read the symlink '\(current)': \(String(cString: strerror(errno)))")
                }
                let link = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                current = link.hasPrefix("/")
                    ? link : (current as NSString).deletingLastPathComponent.appendingPathComponentKeepingEmpty(link)
            case S_IFDIR:
                throw TGFLError.io("cannot write '\(path)': \(current == path ? "it" : "'\(current)'") is a "
                    + "directory; choose a file name such as model.h5")
            default:
                let kind: String
                switch info.st_mode & S_IFMT {
                case S_IFCHR: kind = "a character device"
                case S_IFBLK: kind = "a block device"
                case S_IFIFO: kind = "a FIFO"
                case S_IFSOCK: kind = "a socket"
                default: kind = "not a regular file"
                }
                throw TGFLError.io("refusing to write '\(path)': \(current == path ? "it" : "'\(current)'") is "
                    + "\(kind), and saving would replace it with a regular file; choose a regular file path")
            }
        }
        throw TGFLError.io("cannot write '\(path)': more than \(maxSymlinks) symlinks (a loop?)")
    }

    /// The temporary-file name for one save of `target`: `<target>.tmp-<pid>-<hex>`.
    public static func temporaryPath(for target: String, suffix: UInt64) -> String {
        target + ".tmp-\(getpid())-" + String(suffix, radix: 16)
    }

    /// Removes the temporaries `<target>.tmp-<pid>-<hex>` of earlier saves of `target` whose
    /// process is gone (killed during a save). Temporaries of live processes (including
    /// concurrent saves of this one) and any other file are left alone. Never throws.
    ///
    /// - Parameter target: the resolved target (see `resolveTarget`).
    /// - Returns: the paths removed.
    @discardableResult
    public static func removeStaleTemporaries(of target: String) -> [String] {
        let directory = (target as NSString).deletingLastPathComponent
        let base = (target as NSString).lastPathComponent
        let prefix = base + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
        else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard rest.count == 2, let pid = Int32(rest[0]), pid > 0, !rest[1].isEmpty,
                  rest[1].allSatisfy(\.isHexDigit) else { continue }
            let full = directory.isEmpty ? name : directory + "/" + name
            var info = stat()
            guard lstat(full, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            guard pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            if unlink(full) == 0 { removed.append(full) }
        }
        return removed
    }

    /// `text` with control characters escaped, for messages.
    static func printable(_ text: String) -> String {
        text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
            .joined()
    }
}

private extension String {
    /// `self + "/" + component` (NSString's version drops a trailing empty component).
    func appendingPathComponentKeepingEmpty(_ component: String) -> String {
        isEmpty ? component : (hasSuffix("/") ? self + component : self + "/" + component)
    }
}
