import CHDF5
import Foundation

// MARK: - Global serialization

/// Serializes every libhdf5 call in the process: Debian's serial build of HDF5 is not
/// thread-safe, and Python threads may call into TGFL concurrently.
private let hdf5Lock = NSLock()

/// Runs `body` holding the global HDF5 lock. Never nest: the lock is not recursive.
///
/// Also silences HDF5's own error printer (our errors carry the messages instead). That
/// setting is per thread when libhdf5 is built thread-safe (Debian's "serial" build is), so
/// it is applied on every entry; it costs a few nanoseconds.
func withHDF5Lock<T>(_ body: () throws -> T) rethrows -> T {
    hdf5Lock.lock()
    defer { hdf5Lock.unlock() }
    tgfl_H5_silence_errors()
    return try body()
}

/// HDF5's own description of the last failure (outermost first), or "" when none.
/// Call right after the failing HDF5 call, still under the lock.
private func hdf5ErrorDetail() -> String {
    var buffer = [CChar](repeating: 0, count: 1024)
    buffer.withUnsafeMutableBufferPointer { tgfl_H5_error_message($0.baseAddress, $0.count) }
    let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return text.isEmpty ? "" : " (HDF5: \(text))"
}

/// Collects names from HDF5 iteration callbacks (passed through their `void *` context).
private final class NameList {
    var names: [String] = []
}

// MARK: - HDF5File

/// A small, safe handle on one HDF5 file: groups, numeric datasets and scalar attributes.
///
/// Objects are named by slash paths from the root (`/weights/tok_emb.weight`). Reads
/// convert from whatever numeric type is stored (h5py's float64 reads as `Float`);
/// strings are written as variable-length UTF-8 like h5py's `attrs['x'] = '...'`, integers
/// as int64 like Python ints. Every libhdf5 call goes through one process-wide lock, and
/// every HDF5 handle is closed before a method returns, also when it throws.
///
/// Follows the HDF5 C API (`H5Fopen`, `H5Dcreate2`, `H5Dread`, `H5Aread`, ...) and
/// h5py's conventions for types.
public final class HDF5File: @unchecked Sendable {
    /// The file's path on disk.
    public let path: String
    /// The HDF5 file id, or -1 once closed. Read and written only under the global lock.
    private var fileID: hid_t
    /// Opened read-only?
    private let readOnly: Bool
    /// The bytes libhdf5 reads a file opened by `open` from (nil for `create`); released on
    /// `close`, after `H5Fclose`. Read and written only under the global lock.
    private var image: HDF5FileImage?

    private init(path: String, fileID: hid_t, readOnly: Bool, image: HDF5FileImage? = nil) {
        self.path = path
        self.fileID = fileID
        self.readOnly = readOnly
        self.image = image
    }

    deinit { close() }

    // MARK: Opening and closing

    /// Opens an existing HDF5 file read-only.
    ///
    /// The file is read once into memory (`HDF5FileImage`); those bytes are checked (HDF5
    /// signature, global heaps, then read whole in a child process by `checkInChildProcess`, so
    /// that a crafted or damaged file on which libhdf5 crashes or hangs gives an error instead
    /// of killing the caller) and then opened here from memory, so a file replaced on disk after
    /// the read is never parsed. `TGFL_TRUSTED_CHECKPOINTS=1` skips the child process for
    /// trusted files. Costs memory of the file's size while the file is open.
    ///
    /// - Parameter path: file path.
    /// - Returns: the open file.
    /// - Throws: `TGFLError.checkpoint` when the file is missing, unreadable, not a regular
    ///   file, empty, truncated or not HDF5, or when libhdf5 fails, crashes or hangs reading it.
    public static func open(_ path: String) throws -> HDF5File {
        let image = try HDF5FileImage(reading: path)
        openStageHook?(.read, path)
        let bytes = UnsafeRawBufferPointer(image.bytes)
        try checkSignature(path, bytes)
        try checkGlobalHeaps(path, bytes)
        if checksInChildProcess { try checkInChildProcess(path, bytes) }
        openStageHook?(.checked, path)
        return try withHDF5Lock {
            let id = tgfl_H5_open_image(bytes.baseAddress, bytes.count)
            guard id >= 0 else {
                throw TGFLError.checkpoint(
                    path: path, message: "cannot open as HDF5: the file is truncated, corrupt or "
                        + "not an HDF5 file\(hdf5ErrorDetail())")
            }
            // Refuse soft and external links before anything is opened through one: an
            // external link may point at a FIFO (opening it hangs) or at another file (whose
            // data would load silently).
            var name = [CChar](repeating: 0, count: 512)
            let kind = name.withUnsafeMutableBufferPointer {
                tgfl_H5_find_non_hard_link(id, $0.baseAddress, $0.count)
            }
            if kind != 0 {
                H5Fclose(id)
                let linkName = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if kind < 0 {
                    throw TGFLError.checkpoint(
                        path: path, message: "cannot list the links of the file; it is truncated or "
                            + "corrupt\(hdf5ErrorDetail())")
                }
                let what = kind == 1 ? "a soft link" : kind == 2 ? "an external link" : "a user-defined link"
                throw TGFLError.checkpoint(
                    path: path, message: "'/\(linkName)' is \(what); TGFL checkpoints hold only hard links "
                        + "(groups and datasets stored in the file itself), so re-save the checkpoint "
                        + "without links (e.g. copy the data with h5py)")
            }
            return HDF5File(path: path, fileID: id, readOnly: true, image: image)
        }
    }

    /// Refuses a file whose global heap collections (where variable-length strings live) are
    /// inconsistent, before libhdf5 reads them: libhdf5 1.10 trusts a heap object's size and
    /// copies that many bytes (a flipped size byte crashed `H5HG_read`; found by tgfl-fuzz).
    ///
    /// ```
    /// collection = "GCOL" | version 1 | 3 reserved | size (8) | objects …      (HDF5 spec, III.E)
    /// object     = index (2) | refcount (2) | reserved (4) | size (8) | data padded to 8
    /// valid when every object (index 0 = free space) fits inside its collection, and the
    /// collection fits inside the file
    /// ```
    /// - Parameters:
    ///   - path: the file, for messages.
    ///   - raw: its bytes (`HDF5FileImage`).
    /// - Throws: `TGFLError.checkpoint` naming the byte offset of the bad collection.
    static func checkGlobalHeaps(_ path: String, _ raw: UnsafeRawBufferPointer) throws {
        let bytes = raw.bindMemory(to: UInt8.self)
        let n = bytes.count
        func u64(_ at: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func corrupt(_ at: Int, _ why: String) -> TGFLError {
            .checkpoint(path: path, message: "the global heap (variable-length strings) at byte \(at) is "
                + "corrupt: \(why); the file is damaged, so use an intact copy or an earlier checkpoint")
        }
        var at = 0
        while at + 16 <= n {
            // "GCOL" followed by version 1.
            guard bytes[at] == 0x47, bytes[at + 1] == 0x43, bytes[at + 2] == 0x4F, bytes[at + 3] == 0x4C,
                  bytes[at + 4] == 1 else { at += 1; continue }
            let size = u64(at + 8)
            guard size >= 16, size <= UInt64(n - at) else {
                throw corrupt(at, "the collection claims \(size) bytes but \(n - at) remain in the file")
            }
            let end = at + Int(size)
            var object = at + 16
            while object + 16 <= end {
                let index = u16(object)
                let objectSize = u64(object + 8)
                if index == 0 {
                    guard objectSize <= UInt64(end - object) else {
                        throw corrupt(at, "its free space claims \(objectSize) bytes but \(end - object) remain")
                    }
                    break
                }
                let padded = objectSize > UInt64(Int.max - 32) ? UInt64.max : (objectSize + 7) / 8 * 8
                guard padded <= UInt64(end - object - 16) else {
                    throw corrupt(at, "object \(index) claims \(objectSize) bytes but \(end - object - 16) remain "
                        + "in its collection")
                }
                object += 16 + Int(padded)
            }
            at = end
        }
    }

    /// Creates a new HDF5 file, truncating any existing file at `path`.
    ///
    /// The file uses the HDF5 1.8+ object format so that large attributes (e.g. a long
    /// training history) fit; h5py and any HDF5 ≥ 1.10 read it.
    /// - Parameter path: file path; its directory must exist and be writable.
    /// - Returns: the open, writable file.
    /// - Throws: `TGFLError.checkpoint` when the file cannot be created.
    public static func create(_ path: String) throws -> HDF5File {
        try withHDF5Lock {
            let fapl = tgfl_H5_file_access_list(1)
            guard fapl >= 0 else {
                throw TGFLError.checkpoint(path: path, message: "cannot make a file-access list\(hdf5ErrorDetail())")
            }
            defer { H5Pclose(fapl) }
            let id = H5Fcreate(path, tgfl_H5F_ACC_TRUNC(), tgfl_H5P_DEFAULT(), fapl)
            guard id >= 0 else {
                throw TGFLError.checkpoint(
                    path: path, message: "cannot create the file; check that its directory exists "
                        + "and is writable\(hdf5ErrorDetail())")
            }
            return HDF5File(path: path, fileID: id, readOnly: false)
        }
    }

    /// Flushes and closes the file. Calling it again does nothing; `deinit` calls it too.
    public func close() {
        withHDF5Lock {
            if fileID >= 0 {
                H5Fclose(fileID)
                fileID = -1
            }
            image = nil
        }
    }

    // MARK: Structure

    /// Whether an object (group or dataset) exists at `objectPath`; nested paths are
    /// checked one link at a time, so a missing intermediate group gives `false`.
    ///
    /// - Parameter objectPath: e.g. `/weights/tok_emb.weight`; `/` always exists.
    /// - Returns: `true` when every link on the path exists; `false` otherwise or when closed.
    public func exists(_ objectPath: String) -> Bool {
        withHDF5Lock { fileID >= 0 && linkExists(objectPath) }
    }

    /// The names of the members of a group, sorted.
    ///
    /// - Parameter group: group path, e.g. `/weights`.
    /// - Returns: member names (not full paths), in ascending order.
    /// - Throws: `TGFLError.checkpoint` when the group is missing or is not a group.
    public func children(of group: String) throws -> [String] {
        try withHDF5Lock {
            let fid = try openFileID(group)
            guard linkExists(group) else { throw fail(group, "no such group") }
            let gid = H5Gopen2(fid, group, tgfl_H5P_DEFAULT())
            guard gid >= 0 else { throw fail(group, "exists but is not a group\(hdf5ErrorDetail())") }
            defer { H5Gclose(gid) }
            let names = NameList()
            let status = withExtendedLifetime(names) {
                tgfl_H5_iterate_links(gid, { name, context in
                    guard let name, let context else { return -1 }
                    Unmanaged<NameList>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
            }
            guard status >= 0 else { throw fail(group, "cannot list members\(hdf5ErrorDetail())") }
            return names.names.sorted()
        }
    }

    /// Creates a group and any missing intermediate groups; an existing group is kept.
    ///
    /// - Parameter path: group path, e.g. `/optimizer/m`.
    /// - Throws: `TGFLError.checkpoint` when the file is read-only or a dataset is in the way.
    public func createGroup(_ path: String) throws {
        try withHDF5Lock {
            let fid = try openFileID(path, writing: true)
            if linkExists(path) {
                let gid = H5Gopen2(fid, path, tgfl_H5P_DEFAULT())
                guard gid >= 0 else { throw fail(path, "exists but is not a group") }
                H5Gclose(gid)
                return
            }
            let lcpl = try intermediateGroupList(path)
            defer { H5Pclose(lcpl) }
            let gid = H5Gcreate2(fid, path, lcpl, tgfl_H5P_DEFAULT(), tgfl_H5P_DEFAULT())
            guard gid >= 0 else { throw fail(path, "cannot create the group\(hdf5ErrorDetail())") }
            H5Gclose(gid)
        }
    }

    // MARK: Datasets

    /// Reads a numeric dataset as Float32 (row-major), converting from the stored type.
    ///
    /// - Parameter dataset: dataset path.
    /// - Returns: the values and the shape (`[]` for a scalar dataset).
    /// - Throws: `TGFLError.checkpoint` when the dataset is missing, not numeric or unreadable.
    public func readFloat32(_ dataset: String) throws -> (values: [Float], shape: [Int]) {
        try readNumeric(dataset, memoryType: tgfl_H5T_NATIVE_FLOAT(), zero: Float(0), integersOnly: false)
    }

    /// Reads an integer dataset as Int32 (row-major), converting from the stored integer type.
    ///
    /// - Parameter dataset: dataset path.
    /// - Returns: the values and the shape (`[]` for a scalar dataset).
    /// - Throws: `TGFLError.checkpoint` when the dataset is missing, not integer or unreadable.
    public func readInt32(_ dataset: String) throws -> (values: [Int32], shape: [Int]) {
        try readNumeric(dataset, memoryType: tgfl_H5T_NATIVE_INT32(), zero: Int32(0), integersOnly: true)
    }

    /// Reads a numeric dataset as Float64 (row-major), converting from the stored type.
    ///
    /// - Parameter dataset: dataset path.
    /// - Returns: the values and the shape (`[]` for a scalar dataset).
    /// - Throws: `TGFLError.checkpoint` when the dataset is missing, not numeric or unreadable.
    public func readFloat64(_ dataset: String) throws -> (values: [Double], shape: [Int]) {
        try readNumeric(dataset, memoryType: tgfl_H5T_NATIVE_DOUBLE(), zero: Double(0), integersOnly: false)
    }

    /// The shape of a dataset (`[]` for a scalar dataset).
    ///
    /// - Parameter dataset: dataset path.
    /// - Returns: the extent of each dimension.
    /// - Throws: `TGFLError.checkpoint` when the dataset is missing or is not a dataset.
    public func shape(of dataset: String) throws -> [Int] {
        try withHDF5Lock {
            let did = try openDataset(dataset)
            defer { H5Dclose(did) }
            return try datasetShape(did, dataset)
        }
    }

    /// Writes a new float32 dataset (stored as IEEE little-endian float32).
    ///
    /// - Parameters:
    ///   - dataset: dataset path; missing intermediate groups are created.
    ///   - values: row-major values; `values.count` must equal the product of `shape`.
    ///   - shape: dimensions; `[]` writes a scalar.
    /// - Throws: `TGFLError.checkpoint` on a count/shape mismatch, an existing object at
    ///   `dataset`, or a write failure.
    public func write(_ dataset: String, float32 values: [Float], shape: [Int]) throws {
        try writeNumeric(dataset, values, shape: shape, fileType: tgfl_H5T_IEEE_F32LE(),
                         memoryType: tgfl_H5T_NATIVE_FLOAT())
    }

    /// Writes a new int32 dataset (stored as little-endian int32).
    ///
    /// - Parameters:
    ///   - dataset: dataset path; missing intermediate groups are created.
    ///   - values: row-major values; `values.count` must equal the product of `shape`.
    ///   - shape: dimensions; `[]` writes a scalar.
    /// - Throws: `TGFLError.checkpoint` on a count/shape mismatch, an existing object at
    ///   `dataset`, or a write failure.
    public func write(_ dataset: String, int32 values: [Int32], shape: [Int]) throws {
        try writeNumeric(dataset, values, shape: shape, fileType: tgfl_H5T_STD_I32LE(),
                         memoryType: tgfl_H5T_NATIVE_INT32())
    }

    /// Writes a new float64 dataset (stored as IEEE little-endian float64).
    ///
    /// - Parameters:
    ///   - dataset: dataset path; missing intermediate groups are created.
    ///   - values: row-major values; `values.count` must equal the product of `shape`.
    ///   - shape: dimensions; `[]` writes a scalar.
    /// - Throws: `TGFLError.checkpoint` on a count/shape mismatch, an existing object at
    ///   `dataset`, or a write failure.
    public func write(_ dataset: String, float64 values: [Double], shape: [Int]) throws {
        try writeNumeric(dataset, values, shape: shape, fileType: tgfl_H5T_IEEE_F64LE(),
                         memoryType: tgfl_H5T_NATIVE_DOUBLE())
    }

    // MARK: Attributes

    /// Reads a string attribute (variable-length or fixed-length, UTF-8 or ASCII).
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - object: path of the group or dataset holding it (default: the root group).
    /// - Returns: the string with any fixed-length padding removed, or `nil` when the
    ///   object has no such attribute.
    /// - Throws: `TGFLError.checkpoint` when the object is missing, or the attribute is not
    ///   a single string.
    public func stringAttribute(_ name: String, of object: String = "/") throws -> String? {
        try withHDF5Lock {
            try withAttribute(name, of: object) { attr, fileType, space in
                guard H5Tget_class(fileType) == tgfl_H5T_STRING_CLASS() else {
                    throw fail(object, "attribute '\(name)' holds \(className(fileType)) data, not a string")
                }
                if H5Tis_variable_str(fileType) > 0 {
                    return try readVariableString(attr, fileType, space, name, object)
                }
                return try readFixedString(attr, fileType, name, object)
            }
        }
    }

    /// Reads an integer attribute; a float attribute is accepted when it holds a whole number
    /// (h5py users sometimes store counts as float64).
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - object: path of the group or dataset holding it (default: the root group).
    /// - Returns: the value, or `nil` when the object has no such attribute.
    /// - Throws: `TGFLError.checkpoint` when the object is missing, or the attribute is not a
    ///   single whole number.
    public func intAttribute(_ name: String, of object: String = "/") throws -> Int? {
        try withHDF5Lock {
            try withAttribute(name, of: object) { attr, fileType, _ in
                let typeClass = H5Tget_class(fileType)
                if typeClass == tgfl_H5T_INTEGER_CLASS() {
                    var value: Int64 = 0
                    guard H5Aread(attr, tgfl_H5T_NATIVE_INT64(), &value) >= 0 else {
                        throw fail(object, "cannot read attribute '\(name)'\(hdf5ErrorDetail())")
                    }
                    return Int(value)
                }
                if typeClass == tgfl_H5T_FLOAT_CLASS() {
                    var value: Double = 0
                    guard H5Aread(attr, tgfl_H5T_NATIVE_DOUBLE(), &value) >= 0 else {
                        throw fail(object, "cannot read attribute '\(name)'\(hdf5ErrorDetail())")
                    }
                    guard value.isFinite, value.rounded() == value, abs(value) < 9.0e15 else {
                        throw fail(object, "attribute '\(name)' is \(value), not a whole number; store an integer")
                    }
                    return Int(value)
                }
                throw fail(object, "attribute '\(name)' holds \(className(fileType)) data, not an integer")
            }
        }
    }

    /// Reads a floating-point attribute; integer attributes are converted.
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - object: path of the group or dataset holding it (default: the root group).
    /// - Returns: the value, or `nil` when the object has no such attribute.
    /// - Throws: `TGFLError.checkpoint` when the object is missing, or the attribute is not a
    ///   single number.
    public func doubleAttribute(_ name: String, of object: String = "/") throws -> Double? {
        try withHDF5Lock {
            try withAttribute(name, of: object) { attr, fileType, _ in
                let typeClass = H5Tget_class(fileType)
                guard typeClass == tgfl_H5T_FLOAT_CLASS() || typeClass == tgfl_H5T_INTEGER_CLASS() else {
                    throw fail(object, "attribute '\(name)' holds \(className(fileType)) data, not a number")
                }
                var value: Double = 0
                guard H5Aread(attr, tgfl_H5T_NATIVE_DOUBLE(), &value) >= 0 else {
                    throw fail(object, "cannot read attribute '\(name)'\(hdf5ErrorDetail())")
                }
                return value
            }
        }
    }

    /// Sets a string attribute (scalar, variable-length UTF-8, as h5py writes `str`),
    /// replacing any attribute of that name.
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - string: the value; must not contain NUL characters.
    ///   - object: path of an existing group or dataset (default: the root group).
    /// - Throws: `TGFLError.checkpoint` when the object is missing, the file is read-only,
    ///   the string holds a NUL, or the write fails.
    public func setAttribute(_ name: String, string: String, of object: String = "/") throws {
        guard !string.utf8.contains(0) else {
            throw TGFLError.checkpoint(
                path: path, message: "'\(object)': attribute '\(name)' contains a NUL character, "
                    + "which HDF5 strings cannot hold; remove it")
        }
        try withHDF5Lock {
            let stringType = H5Tcopy(tgfl_H5T_C_S1())
            guard stringType >= 0 else { throw fail(object, "cannot make a string type\(hdf5ErrorDetail())") }
            defer { H5Tclose(stringType) }
            guard H5Tset_size(stringType, tgfl_H5T_VARIABLE()) >= 0,
                  H5Tset_cset(stringType, H5T_CSET_UTF8) >= 0 else {
                throw fail(object, "cannot make a string type\(hdf5ErrorDetail())")
            }
            try writeAttribute(name, of: object, type: stringType) { attr in
                string.withCString { cString in
                    var pointer: UnsafePointer<CChar>? = cString
                    return withUnsafePointer(to: &pointer) { H5Awrite(attr, stringType, $0) }
                }
            }
        }
    }

    /// Sets an integer attribute (scalar int64, as h5py stores Python ints), replacing any
    /// attribute of that name.
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - int: the value.
    ///   - object: path of an existing group or dataset (default: the root group).
    /// - Throws: `TGFLError.checkpoint` when the object is missing, the file is read-only,
    ///   or the write fails.
    public func setAttribute(_ name: String, int: Int, of object: String = "/") throws {
        try withHDF5Lock {
            var value = Int64(int)
            try writeAttribute(name, of: object, type: tgfl_H5T_STD_I64LE()) { attr in
                H5Awrite(attr, tgfl_H5T_NATIVE_INT64(), &value)
            }
        }
    }

    /// Sets a floating-point attribute (scalar float64), replacing any attribute of that name.
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - double: the value.
    ///   - object: path of an existing group or dataset (default: the root group).
    /// - Throws: `TGFLError.checkpoint` when the object is missing, the file is read-only,
    ///   or the write fails.
    public func setAttribute(_ name: String, double: Double, of object: String = "/") throws {
        try withHDF5Lock {
            var value = double
            try writeAttribute(name, of: object, type: tgfl_H5T_IEEE_F64LE()) { attr in
                H5Awrite(attr, tgfl_H5T_NATIVE_DOUBLE(), &value)
            }
        }
    }

    /// The kind of value an attribute holds, as far as TGFL's scalar attributes care.
    public enum AttributeKind: Equatable, Sendable {
        /// A fixed- or variable-length string.
        case string
        /// Any integer type (h5py writes Python ints as int64).
        case integer
        /// Any floating-point type.
        case float
        /// Anything else (enum/bool, compound, reference, ...).
        case other
    }

    /// The names of the attributes of a group or dataset, sorted.
    ///
    /// - Parameter object: path of the group or dataset (default: the root group).
    /// - Returns: attribute names in ascending order.
    /// - Throws: `TGFLError.checkpoint` when the object is missing or cannot be read.
    public func attributeNames(of object: String = "/") throws -> [String] {
        try withHDF5Lock {
            let fid = try openFileID(object)
            guard linkExists(object) else { throw fail(object, "no such group or dataset") }
            let oid = H5Oopen(fid, object, tgfl_H5P_DEFAULT())
            guard oid >= 0 else { throw fail(object, "cannot open the object\(hdf5ErrorDetail())") }
            defer { H5Oclose(oid) }
            let names = NameList()
            let status = withExtendedLifetime(names) {
                H5Aiterate2(oid, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                    guard let name, let context else { return -1 }
                    Unmanaged<NameList>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
                    return 0
                }, Unmanaged.passUnretained(names).toOpaque())
            }
            guard status >= 0 else { throw fail(object, "cannot list attributes\(hdf5ErrorDetail())") }
            return names.names.sorted()
        }
    }

    /// The kind of value attribute `name` holds, or `nil` when there is no such attribute.
    ///
    /// - Parameters:
    ///   - name: attribute name.
    ///   - object: path of the group or dataset holding it (default: the root group).
    /// - Returns: `.string`, `.integer`, `.float` or `.other`; `nil` when absent.
    /// - Throws: `TGFLError.checkpoint` when the object is missing or the attribute holds
    ///   more than one value.
    public func attributeKind(_ name: String, of object: String = "/") throws -> AttributeKind? {
        try withHDF5Lock {
            try withAttribute(name, of: object) { _, fileType, _ in
                switch H5Tget_class(fileType) {
                case tgfl_H5T_STRING_CLASS(): return .string
                case tgfl_H5T_INTEGER_CLASS(): return .integer
                case tgfl_H5T_FLOAT_CLASS(): return .float
                default: return .other
                }
            }
        }
    }

    /// Number of HDF5 objects (files, groups, datasets, types, attributes) open in the
    /// whole process, `H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)`; for leak checks.
    public static var openObjectCount: Int {
        withHDF5Lock { Int(tgfl_H5_open_object_count()) }
    }

    /// The most elements in one chunk of a checksummed dataset (4 MiB of float32).
    static let maxChunkElements: hsize_t = 1 << 20

    /// Whether a dataset carries the Fletcher32 checksum filter (files written before it
    /// was added do not, and still load).
    ///
    /// - Parameter dataset: dataset path.
    /// - Returns: `true` when the dataset is checksummed.
    /// - Throws: `TGFLError.checkpoint` when the dataset is missing.
    public func hasChecksum(_ dataset: String) throws -> Bool {
        try withHDF5Lock {
            let did = try openDataset(dataset)
            defer { H5Dclose(did) }
            return tgfl_H5_dataset_has_fletcher32(did) > 0
        }
    }

    // MARK: - Private helpers (call only under the global lock)

    private func fail(_ object: String, _ message: String) -> TGFLError {
        .checkpoint(path: path, message: "'\(object)': \(message)")
    }

    /// The open file id, or an error naming `object` when the file is closed or read-only.
    private func openFileID(_ object: String, writing: Bool = false) throws -> hid_t {
        guard fileID >= 0 else { throw fail(object, "the file is already closed") }
        if writing && readOnly {
            throw fail(object, "the file was opened read-only; use HDF5File.create to write")
        }
        return fileID
    }

    /// Whether every link on `objectPath` exists (the root always does).
    private func linkExists(_ objectPath: String) -> Bool {
        let components = objectPath.split(separator: "/", omittingEmptySubsequences: true)
        if components.isEmpty { return objectPath.hasPrefix("/") || objectPath == "." }
        var prefix = objectPath.hasPrefix("/") ? "" : "."
        for component in components {
            prefix += "/" + component
            guard H5Lexists(fileID, prefix, tgfl_H5P_DEFAULT()) > 0 else { return false }
        }
        // The last link must also resolve to an object (no dangling soft link).
        return H5Oexists_by_name(fileID, prefix, tgfl_H5P_DEFAULT()) > 0
    }

    /// A link-creation property list that creates missing intermediate groups; caller closes.
    private func intermediateGroupList(_ object: String) throws -> hid_t {
        let lcpl = H5Pcreate(tgfl_H5P_LINK_CREATE())
        guard lcpl >= 0 else { throw fail(object, "cannot make a link-creation list\(hdf5ErrorDetail())") }
        guard H5Pset_create_intermediate_group(lcpl, 1) >= 0 else {
            H5Pclose(lcpl)
            throw fail(object, "cannot set intermediate group creation\(hdf5ErrorDetail())")
        }
        return lcpl
    }

    /// Opens a dataset; caller closes.
    private func openDataset(_ dataset: String) throws -> hid_t {
        let fid = try openFileID(dataset)
        guard linkExists(dataset) else {
            throw fail(dataset, "no such dataset")
        }
        let did = H5Dopen2(fid, dataset, tgfl_H5P_DEFAULT())
        guard did >= 0 else { throw fail(dataset, "exists but is not a dataset (a group?)\(hdf5ErrorDetail())") }
        return did
    }

    /// Dimensions of an open dataset; `[]` for scalars.
    private func datasetShape(_ did: hid_t, _ dataset: String) throws -> [Int] {
        let space = H5Dget_space(did)
        guard space >= 0 else { throw fail(dataset, "cannot read the dataspace\(hdf5ErrorDetail())") }
        defer { H5Sclose(space) }
        if H5Sget_simple_extent_type(space) == H5S_NULL { return [0] }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw fail(dataset, "cannot read the rank\(hdf5ErrorDetail())") }
        if rank == 0 { return [] }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else {
            throw fail(dataset, "cannot read the dimensions\(hdf5ErrorDetail())")
        }
        return try dims.map { dim in
            guard dim <= hsize_t(Int32.max) else {
                throw fail(dataset, "dimension \(dim) is too large for TGFL (limit \(Int32.max))")
            }
            return Int(dim)
        }
    }

    /// A readable name for an HDF5 type class, for error messages.
    private func className(_ type: hid_t) -> String {
        switch H5Tget_class(type) {
        case tgfl_H5T_INTEGER_CLASS(): return "integer"
        case tgfl_H5T_FLOAT_CLASS(): return "floating-point"
        case tgfl_H5T_STRING_CLASS(): return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum (e.g. bool)"
        case H5T_ARRAY: return "array"
        case H5T_VLEN: return "variable-length"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_BITFIELD: return "bitfield"
        case H5T_TIME: return "time"
        default: return "unknown"
        }
    }

    private func readNumeric<T>(_ dataset: String, memoryType: hid_t, zero: T,
                                integersOnly: Bool) throws -> (values: [T], shape: [Int]) {
        try withHDF5Lock {
            let did = try openDataset(dataset)
            defer { H5Dclose(did) }
            let fileType = H5Dget_type(did)
            guard fileType >= 0 else { throw fail(dataset, "cannot read the datatype\(hdf5ErrorDetail())") }
            defer { H5Tclose(fileType) }
            let typeClass = H5Tget_class(fileType)
            if integersOnly {
                guard typeClass == tgfl_H5T_INTEGER_CLASS() else {
                    throw fail(dataset, "holds \(className(fileType)) data; expected integers")
                }
            } else {
                guard typeClass == tgfl_H5T_INTEGER_CLASS() || typeClass == tgfl_H5T_FLOAT_CLASS() else {
                    throw fail(dataset, "holds \(className(fileType)) data; expected numbers")
                }
            }
            let shape = try datasetShape(did, dataset)
            var count = 1
            for dim in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= Int(Int32.max) else {
                    throw fail(dataset, "shape \(shape) holds too many elements for TGFL")
                }
                count = product
            }
            var values = [T](repeating: zero, count: count)
            if count > 0 {
                let status = values.withUnsafeMutableBytes { buffer in
                    H5Dread(did, memoryType, tgfl_H5S_ALL(), tgfl_H5S_ALL(), tgfl_H5P_DEFAULT(),
                            buffer.baseAddress)
                }
                guard status >= 0 else {
                    throw Self.readFailure(path: path, object: dataset, what: "cannot read the data",
                                           detail: hdf5ErrorDetail())
                }
            }
            return (values, shape)
        }
    }

    private func writeNumeric<T>(_ dataset: String, _ values: [T], shape: [Int], fileType: hid_t,
                                 memoryType: hid_t) throws {
        var count = 1
        for dim in shape {
            guard dim >= 0 else {
                throw TGFLError.checkpoint(path: path, message: "'\(dataset)': shape \(shape) has a negative dimension")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else {
                throw TGFLError.checkpoint(path: path, message: "'\(dataset)': shape \(shape) is too large")
            }
            count = product
        }
        guard count == values.count else {
            throw TGFLError.checkpoint(
                path: path, message: "'\(dataset)': shape \(shape) holds \(count) elements but "
                    + "\(values.count) values were given; pass matching values and shape")
        }
        try withHDF5Lock {
            let fid = try openFileID(dataset, writing: true)
            if linkExists(dataset) {
                throw fail(dataset, "an object already exists at this path; write each dataset once")
            }
            let space: hid_t
            if shape.isEmpty {
                space = H5Screate(H5S_SCALAR)
            } else {
                let dims = shape.map { hsize_t($0) }
                space = H5Screate_simple(Int32(shape.count), dims, nil)
            }
            guard space >= 0 else { throw fail(dataset, "cannot make a dataspace\(hdf5ErrorDetail())") }
            defer { H5Sclose(space) }
            let lcpl = try intermediateGroupList(dataset)
            defer { H5Pclose(lcpl) }
            // Chunked with a Fletcher32 checksum, so that flipped bytes fail the read.
            let dims = shape.map { hsize_t($0) }
            let dcpl = dims.withUnsafeBufferPointer {
                tgfl_H5_checksummed_dataset_list(Int32(shape.count), $0.baseAddress, Self.maxChunkElements)
            }
            guard dcpl >= 0 else { throw fail(dataset, "cannot make a dataset-creation list\(hdf5ErrorDetail())") }
            defer { H5Pclose(dcpl) }
            let did = H5Dcreate2(fid, dataset, fileType, space, lcpl, dcpl, tgfl_H5P_DEFAULT())
            guard did >= 0 else { throw fail(dataset, "cannot create the dataset\(hdf5ErrorDetail())") }
            defer { H5Dclose(did) }
            if count > 0 {
                let status = values.withUnsafeBytes { buffer in
                    H5Dwrite(did, memoryType, tgfl_H5S_ALL(), tgfl_H5S_ALL(), tgfl_H5P_DEFAULT(),
                             buffer.baseAddress)
                }
                guard status >= 0 else { throw fail(dataset, "cannot write the data\(hdf5ErrorDetail())") }
            }
        }
    }

    /// Opens `object`, then attribute `name` on it with its type and dataspace, and runs
    /// `body`; returns `nil` when the attribute does not exist. Closes every handle.
    private func withAttribute<T>(_ name: String, of object: String,
                                  _ body: (hid_t, hid_t, hid_t) throws -> T) throws -> T? {
        let fid = try openFileID(object)
        guard linkExists(object) else { throw fail(object, "no such group or dataset") }
        let oid = H5Oopen(fid, object, tgfl_H5P_DEFAULT())
        guard oid >= 0 else { throw fail(object, "cannot open the object\(hdf5ErrorDetail())") }
        defer { H5Oclose(oid) }
        let present = H5Aexists(oid, name)
        guard present >= 0 else { throw fail(object, "cannot look up attribute '\(name)'\(hdf5ErrorDetail())") }
        if present == 0 { return nil }
        let attr = H5Aopen(oid, name, tgfl_H5P_DEFAULT())
        guard attr >= 0 else { throw fail(object, "cannot open attribute '\(name)'\(hdf5ErrorDetail())") }
        defer { H5Aclose(attr) }
        let fileType = H5Aget_type(attr)
        guard fileType >= 0 else { throw fail(object, "cannot read the type of attribute '\(name)'\(hdf5ErrorDetail())") }
        defer { H5Tclose(fileType) }
        let space = H5Aget_space(attr)
        guard space >= 0 else { throw fail(object, "cannot read the dataspace of attribute '\(name)'\(hdf5ErrorDetail())") }
        defer { H5Sclose(space) }
        let points = H5Sget_simple_extent_npoints(space)
        guard points == 1 else {
            throw fail(object, "attribute '\(name)' holds \(max(points, 0)) values; expected exactly one")
        }
        return try body(attr, fileType, space)
    }

    private func readVariableString(_ attr: hid_t, _ fileType: hid_t, _ space: hid_t,
                                    _ name: String, _ object: String) throws -> String {
        let memoryType = H5Tcopy(tgfl_H5T_C_S1())
        guard memoryType >= 0 else { throw fail(object, "cannot make a string type\(hdf5ErrorDetail())") }
        defer { H5Tclose(memoryType) }
        guard H5Tset_size(memoryType, tgfl_H5T_VARIABLE()) >= 0,
              H5Tset_cset(memoryType, H5Tget_cset(fileType)) >= 0 else {
            throw fail(object, "cannot make a string type\(hdf5ErrorDetail())")
        }
        var pointer: UnsafeMutablePointer<CChar>? = nil
        let status = withUnsafeMutablePointer(to: &pointer) { H5Aread(attr, memoryType, $0) }
        guard status >= 0 else { throw fail(object, "cannot read attribute '\(name)'\(hdf5ErrorDetail())") }
        defer {
            _ = withUnsafeMutablePointer(to: &pointer) { tgfl_H5_reclaim(memoryType, space, $0) }
        }
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    private func readFixedString(_ attr: hid_t, _ fileType: hid_t, _ name: String,
                                 _ object: String) throws -> String {
        let size = H5Tget_size(fileType)
        guard size > 0, size < 1 << 30 else {
            throw fail(object, "attribute '\(name)' has an invalid string size \(size)")
        }
        let memoryType = H5Tcopy(fileType)
        guard memoryType >= 0 else { throw fail(object, "cannot copy the string type\(hdf5ErrorDetail())") }
        defer { H5Tclose(memoryType) }
        var bytes = [UInt8](repeating: 0, count: size)
        let status = bytes.withUnsafeMutableBytes { H5Aread(attr, memoryType, $0.baseAddress) }
        guard status >= 0 else { throw fail(object, "cannot read attribute '\(name)'\(hdf5ErrorDetail())") }
        // Null-terminated / null-padded / space-padded: cut at the first NUL, then trailing spaces
        // when the type says space padding.
        if let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
        if H5Tget_strpad(fileType) == H5T_STR_SPACEPAD {
            while bytes.last == UInt8(ascii: " ") { bytes.removeLast() }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Replaces attribute `name` on `object` with a new scalar attribute of `type`, written by `write`.
    private func writeAttribute(_ name: String, of object: String, type: hid_t,
                                _ write: (hid_t) -> herr_t) throws {
        let fid = try openFileID(object, writing: true)
        guard linkExists(object) else {
            throw fail(object, "no such group or dataset; create it before setting attribute '\(name)'")
        }
        let oid = H5Oopen(fid, object, tgfl_H5P_DEFAULT())
        guard oid >= 0 else { throw fail(object, "cannot open the object\(hdf5ErrorDetail())") }
        defer { H5Oclose(oid) }
        let present = H5Aexists(oid, name)
        guard present >= 0 else { throw fail(object, "cannot look up attribute '\(name)'\(hdf5ErrorDetail())") }
        if present > 0 {
            guard H5Adelete(oid, name) >= 0 else {
                throw fail(object, "cannot replace attribute '\(name)'\(hdf5ErrorDetail())")
            }
        }
        let space = H5Screate(H5S_SCALAR)
        guard space >= 0 else { throw fail(object, "cannot make a dataspace\(hdf5ErrorDetail())") }
        defer { H5Sclose(space) }
        let attr = H5Acreate2(oid, name, type, space, tgfl_H5P_DEFAULT(), tgfl_H5P_DEFAULT())
        guard attr >= 0 else { throw fail(object, "cannot create attribute '\(name)'\(hdf5ErrorDetail())") }
        defer { H5Aclose(attr) }
        guard write(attr) >= 0 else { throw fail(object, "cannot write attribute '\(name)'\(hdf5ErrorDetail())") }
    }
}
