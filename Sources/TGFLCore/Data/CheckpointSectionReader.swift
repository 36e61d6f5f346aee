import Foundation

/// Typed, validating reads from a `CheckpointSection`, with errors that name the section and
/// the missing or invalid key.
struct CheckpointSectionReader {
    let section: CheckpointSection
    /// The section's group name in the checkpoint, e.g. `/tokenizer`.
    let name: String

    func fail(_ message: String) -> TGFLError {
        .invalidArgument("checkpoint section \(name): \(message)")
    }

    func attribute(_ key: String) throws -> CheckpointValue {
        guard let v = section.attributes[key] else {
            let found = section.attributes.keys.sorted().joined(separator: ", ")
            throw fail("attribute '\(key)' is missing (found: \(found.isEmpty ? "none" : found))")
        }
        return v
    }

    func string(_ key: String) throws -> String {
        guard case .string(let s) = try attribute(key) else {
            throw fail("attribute '\(key)' must be a string")
        }
        return s
    }

    func int(_ key: String) throws -> Int {
        switch try attribute(key) {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: throw fail("attribute '\(key)' must be an integer")
        }
    }

    func double(_ key: String) throws -> Double {
        let v: Double
        switch try attribute(key) {
        case .double(let d): v = d
        case .int(let i): v = Double(i)
        case .string: throw fail("attribute '\(key)' must be a number")
        }
        guard v.isFinite else { throw fail("attribute '\(key)' = \(v) must be finite") }
        return v
    }

    func dataset(_ key: String, count: Int? = nil) throws -> [Double] {
        guard let d = section.datasets[key] else {
            let found = section.datasets.keys.sorted().joined(separator: ", ")
            throw fail("dataset '\(key)' is missing (found: \(found.isEmpty ? "none" : found))")
        }
        if let count, d.count != count {
            throw fail("dataset '\(key)' has \(d.count) values, expected \(count)")
        }
        if let i = d.firstIndex(where: { !$0.isFinite }) {
            throw fail("dataset '\(key)'[\(i)] = \(d[i]) is not finite")
        }
        return d
    }

    /// Checks `kind` and that `version` is one this code reads.
    func checkKind(_ kind: String, supportedVersions: ClosedRange<Int>) throws {
        let k = try string("kind")
        guard k == kind else { throw fail("kind '\(k)' is not supported; this version reads '\(kind)'") }
        let v = try int("version")
        guard supportedVersions.contains(v) else {
            throw fail("version \(v) of '\(kind)' is not supported (supported: \(supportedVersions)); "
                       + "upgrade TGFL to read this checkpoint")
        }
    }
}
