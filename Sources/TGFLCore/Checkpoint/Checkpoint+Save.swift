import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distinguishes temporary files of concurrent saves within one process.
private final class SaveCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: UInt64 = 0

    /// The next count; safe from any thread.
    func next() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        count &+= 1
        return count
    }
}

private let temporaryFileCounter = SaveCounter()

extension Checkpoint {
    /// Saves the checkpoint atomically: a crash or an error never leaves a partial file at
    /// `path`, and a previous checkpoint there stays intact until the new one is complete.
    ///
    /// ```
    /// target = <path> with its symlinks followed; refused unless absent or a regular file
    /// remove <target>.tmp-<pid>-<hex> left by killed saves (pid no longer alive)
    /// write <target>.tmp-<pid>-<random> (same directory) → close → fsync → rename over <target>
    /// on any failure: remove the temporary file, leave <target> untouched
    /// ```
    /// Weights are stored as float32 datasets named as in `ParameterLayout`, integers as
    /// int64 and strings as variable-length UTF-8 (what h5py writes), so h5py reads the file
    /// without TGFL.
    ///
    /// - Parameter path: target `.h5` file; its directory must exist and be writable.
    /// - Throws: `TGFLError.checkpoint(path:message:)` when a count disagrees with the layout,
    ///   a parameter or optimizer moment is NaN/∞ (naming the tensor and element), a section
    ///   name is invalid, `history`/`federation` is not JSON, the path is (or links to) a
    ///   directory, device, FIFO or socket, or the file system fails.
    public func save(to path: String) throws {
        func fail(_ message: String) -> TGFLError { .checkpoint(path: path, message: message) }
        try checkBeforeSaving(path)

        // Write through symlinks to the regular file they end at; refuse devices, FIFOs,
        // sockets and directories (rename(2) would replace them).
        let resolved: String
        do {
            resolved = try AtomicSave.resolveTarget(path)
        } catch TGFLError.io(let message) {
            throw fail(message)
        }
        let directory = (resolved as NSString).deletingLastPathComponent.isEmpty
            ? "." : (resolved as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw fail("the directory '\(directory)' does not exist; create it first")
        }
        // Temporaries of earlier saves of this target that were killed midway.
        AtomicSave.removeStaleTemporaries(of: resolved)

        let temporary = AtomicSave.temporaryPath(for: resolved, suffix: Self.temporarySuffix())
        do {
            let file = try HDF5File.create(temporary)
            do {
                try write(to: file)
                file.close()
            } catch {
                file.close()
                throw error
            }
            try Self.synchronize(temporary, isDirectory: false)
            guard rename(temporary, resolved) == 0 else {
                let reason = String(cString: strerror(errno))
                throw fail("cannot move the finished temporary file into place (\(reason)); "
                    + "check permissions on '\(directory)'")
            }
        } catch {
            _ = unlink(temporary)
            // Report the target, not the temporary name.
            if case .checkpoint(let where_, let message) = error as? TGFLError, where_ == temporary {
                throw fail(message)
            }
            throw error
        }
        // Make the rename itself durable; failure here does not undo the save.
        try? Self.synchronize(directory, isDirectory: true)
    }

    /// Checks everything that can be checked before a file is created.
    private func checkBeforeSaving(_ path: String) throws {
        func fail(_ message: String) -> TGFLError { .checkpoint(path: path, message: message) }
        do {
            try config.validate()
        } catch let error as TGFLError {
            throw fail("cannot save: \(error.description)")
        }
        let layout = ParameterLayout(config: config)
        guard parameters.count == layout.count else {
            throw fail("cannot save: parameters has \(parameters.count) values but model_config "
                + "(\(Self.describe(config))) needs \(layout.count)")
        }
        if let optimizer {
            for (name, moment) in [("m", optimizer.m), ("v", optimizer.v)] where moment.count != layout.count {
                throw fail("cannot save: optimizer.\(name) has \(moment.count) values but model_config "
                    + "needs \(layout.count)")
            }
            guard optimizer.step >= 0 else {
                throw fail("cannot save: optimizer.step is \(optimizer.step); it must be >= 0")
            }
        }
        for name in records.keys.sorted() + extensions.keys.sorted() where !Self.isValidExtensionName(name) {
            throw fail("cannot save: the record or section name \"\(name)\" is invalid; use letters, digits and "
                + "'_' only, not one of Core's names (\(Self.reservedNames.sorted().joined(separator: ", ")))")
        }
        for (group, section) in allSections {
            for name in section.attributes.keys where name.isEmpty {
                throw fail("cannot save: '\(group)' has an attribute with an empty name")
            }
            for name in section.datasets.keys where name.isEmpty || name == "." || name.contains("/") {
                throw fail("cannot save: '\(group)' dataset name \"\(name)\" is invalid; use a "
                    + "non-empty name without '/'")
            }
        }
        for (name, json) in [("history", history)] + records.sorted(by: { $0.key < $1.key }).map({ ($0.key, $0.value) }) {
            guard let json else { continue }
            guard (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) != nil
            else {
                throw fail("cannot save: \(name) is not valid JSON; pass a JSON string")
            }
        }
    }

    /// Writes every part of the layout into a freshly created file.
    private func write(to file: HDF5File) throws {
        try file.setAttribute("format", string: Self.formatName)
        try file.setAttribute("format_version", int: writtenFormatVersion)
        try file.setAttribute("library_version", string: libraryVersion)
        try file.setAttribute("model_config", string: config.jsonString())

        let layout = ParameterLayout(config: config)
        try writeTensors(parameters, group: Group.weights, layout: layout, to: file, what: "parameter")
        if let optimizer {
            try file.createGroup(Group.optimizer)
            try file.setAttribute("step", int: optimizer.step, of: Group.optimizer)
            try writeTensors(optimizer.m, group: Group.optimizer + "/m", layout: layout, to: file,
                             what: "optimizer moment m of")
            try writeTensors(optimizer.v, group: Group.optimizer + "/v", layout: layout, to: file,
                             what: "optimizer moment v of")
        }
        for (group, section) in allSections {
            try file.createGroup(group)
            for (name, value) in section.attributes.sorted(by: { $0.key < $1.key }) {
                switch value {
                case .string(let string): try file.setAttribute(name, string: string, of: group)
                case .int(let int): try file.setAttribute(name, int: int, of: group)
                case .double(let double): try file.setAttribute(name, double: double, of: group)
                }
            }
            for (name, values) in section.datasets.sorted(by: { $0.key < $1.key }) {
                try file.write(group + "/" + name, float64: values, shape: [values.count])
            }
        }
        if history != nil || !records.isEmpty {
            try file.createGroup(Group.training)
            if let history { try file.setAttribute("history", string: history, of: Group.training) }
            for (name, json) in records.sorted(by: { $0.key < $1.key }) {
                try file.setAttribute(name, string: json, of: Group.training)
            }
        }
    }

    /// Core's sections and the extension sections, by group path, in writing order.
    private var allSections: [(String, CheckpointSection)] {
        let own = [(Group.tokenizer, tokenizer), (Group.regimes, regimes), (Group.volatility, volatility),
                   (Group.joint, joint)]
            .compactMap { g, s in s.map { (g, $0) } }
        return own + extensions.sorted(by: { $0.key < $1.key }).map { ("/" + $0.key, $0.value) }
    }

    /// A record or extension name: non-empty ASCII letters, digits and `_`, not reserved.
    static func isValidExtensionName(_ name: String) -> Bool {
        !name.isEmpty && !reservedNames.contains(name)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
    }

    /// Writes one float32 dataset per tensor, refusing non-finite values tensor by tensor.
    private func writeTensors(_ flat: [Float], group: String, layout: ParameterLayout, to file: HDF5File,
                              what: String) throws {
        try file.createGroup(group)
        for spec in layout.specs {
            let values = Array(flat[spec.offset..<(spec.offset + spec.count)])
            if let (index, value) = Self.firstNonFinite(values) {
                throw TGFLError.checkpoint(
                    path: file.path, message: "cannot save: \(what) tensor '\(spec.name)' holds a non-finite "
                        + "value (\(value)) at element \(index) (flat index \(spec.offset + index)); "
                        + "training diverged, so lower the learning rate or restore an earlier checkpoint")
            }
            try file.write(group + "/" + spec.name, float32: values, shape: spec.shape)
        }
    }

    /// A per-save suffix for temporary names: the clock and a process-wide counter, mixed by
    /// the library's generator (no stdlib randomness).
    private static func temporarySuffix() -> UInt64 {
        let count = temporaryFileCounter.next()
        var rng = SeededRNG(seed: DispatchTime.now().uptimeNanoseconds, stream: count)
        return rng.next()
    }

    /// Flushes a file's (or directory's) data to disk with `fsync`.
    private static func synchronize(_ path: String, isDirectory: Bool) throws {
        let descriptor = open(path, isDirectory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
        guard descriptor >= 0 else {
            throw TGFLError.checkpoint(path: path, message: "cannot reopen to flush (\(String(cString: strerror(errno))))")
        }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw TGFLError.checkpoint(path: path, message: "cannot flush to disk (\(String(cString: strerror(errno))))")
        }
    }
}
