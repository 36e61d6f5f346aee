import Foundation

// PathsCSV.swift is the `tgfl` command's own file (a symlink to Sources/tgfl/PathsCSV.swift),
// compiled here too because an executable cannot import another executable. This is the one
// helper of Sources/tgfl/CommandSupport.swift it uses.

/// Fails when `path` is not a readable file (the fuzzer only parses text, so never called).
func requireReadableFile(_ path: String, what: String) throws {
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw NSError(domain: "tgfl-fuzz", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(what) '\(path)' is not readable"])
    }
}
