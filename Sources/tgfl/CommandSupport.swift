import ArgumentParser
import Foundation
import Logging
import TGFLCore
import TGFLStats

/// A command-line failure with a message meant for the user (printed as `error: <message>`).
struct CommandFailure: Error, CustomStringConvertible, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The one line printed for a failure: TGFLError/StatsError descriptions name the file,
/// row, column or tensor; anything else falls back to its description.
func errorMessage(for error: Error) -> String {
    switch error {
    case let e as TGFLError: return e.description
    case let e as StatsError: return e.description
    case let e as CommandFailure: return e.message
    case let e as ValidationError: return e.message
    default: return String(describing: error)
    }
}

/// Runs the root command: parse, run, and on failure print one `error: …` line (plus a usage
/// hint for argument errors) and exit non-zero; help and `--version` print as usual.
func runCommandLine<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) -> Never {
    do {
        var command = try root.parseAsRoot(arguments)
        try command.run()
        root.exit()
    } catch {
        // Help, --version and clean exits (`ExitCode.success`) are not failures.
        if root.exitCode(for: error) == .success { root.exit(withError: error) }
        if let code = error as? ExitCode { root.exit(withError: code) }
        let known = error is TGFLError || error is StatsError || error is CommandFailure
        let message = known ? errorMessage(for: error) : root.message(for: error)
        writeStandardError("error: \(message.isEmpty ? String(describing: error) : message)\n")
        if !known, let hint = usageHint(root.fullMessage(for: error)) { writeStandardError(hint + "\n") }
        Foundation.exit(known ? 1 : root.exitCode(for: error).rawValue)
    }
}

/// The "See 'tgfl train --help'" line of an argument error's full message, if any.
func usageHint(_ fullMessage: String) -> String? {
    fullMessage.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        .first { $0.hasPrefix("See '") }
}

// MARK: - Logging

/// Plain log lines on stderr: `tgfl: message` (info), `warning: message`, without timestamps.
struct PlainLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let prefix: String
        switch event.level {
        case .warning: prefix = "warning: "
        case .error, .critical: prefix = "error: "
        case .debug, .trace: prefix = "debug: "
        default: prefix = "tgfl: "
        }
        writeStandardError(prefix + event.message.description + "\n")
    }
}

/// The command's logger (set up once by `setUpLogging`).
nonisolated(unsafe) var log = Logger(label: "tgfl")

/// Routes swift-log to `PlainLogHandler` at the given level (`TGFL_LOG_LEVEL` overrides it).
func setUpLogging(quiet: Bool = false) {
    var level: Logger.Level = quiet ? .warning : .info
    var unknownLevel: String?
    if let name = ProcessInfo.processInfo.environment["TGFL_LOG_LEVEL"] {
        if let l = Logger.Level(rawValue: name.lowercased()) { level = l } else { unknownLevel = name }
    }
    let chosen = level
    LoggingSystem.bootstrap { _ in
        var handler = PlainLogHandler()
        handler.logLevel = chosen
        return handler
    }
    log = Logger(label: "tgfl")
    if let unknownLevel {
        logWarning("TGFL_LOG_LEVEL='\(unknownLevel)' is not a log level; use trace, debug, info, notice, warning, "
                   + "error or critical (now: \(chosen.rawValue))")
    }
}

// MARK: - Files

/// Fails with a clear message when `path` is not a readable file.
func requireReadableFile(_ path: String, what: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw CommandFailure("\(what) '\(path)' does not exist: check the path")
    }
    guard !isDirectory.boolValue else { throw CommandFailure("\(what) '\(path)' is a directory, not a file") }
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw CommandFailure("\(what) '\(path)' is not readable: check its permissions")
    }
}

/// Fails when the directory that would hold `path` does not exist, or when `path` is (or
/// links to) a directory, device, FIFO or socket, which saving would replace.
func requireOutputDirectory(for path: String) throws {
    _ = try AtomicSave.resolveTarget(path)
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw CommandFailure("cannot write '\(path)': the directory '\(directory)' does not exist; create it first")
    }
}

/// Writes text atomically, naming the file on failure; through a symlink to its target, and
/// never over a directory, device, FIFO or socket.
func writeText(_ text: String, to path: String) throws {
    try requireOutputDirectory(for: path)
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: try AtomicSave.resolveTarget(path)), options: .atomic)
    } catch {
        throw TGFLError.io("cannot write '\(path)': \(error.localizedDescription)")
    }
}

/// JSON text of a plain dictionary/array value, pretty-printed with sorted keys.
func jsonText(_ value: Any) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// Parses `name=value` pairs (e.g. `--strategy-param eta=0.01`).
/// - Throws: `CommandFailure` naming the malformed pair.
func parseKeyValues(_ pairs: [String], option: String) throws -> [String: Double] {
    var out: [String: Double] = [:]
    for pair in pairs {
        let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else {
            throw CommandFailure("\(option) '\(pair)' is not of the form name=value (e.g. \(option) eta=0.01)")
        }
        guard let v = Double(parts[1]), v.isFinite else {
            throw CommandFailure("\(option) '\(pair)': '\(parts[1])' is not a finite number")
        }
        out[parts[0]] = v
    }
    return out
}

/// Logs an info line (through swift-log).
func logInfo(_ message: String) { log.info("\(message)") }

/// Logs a warning line (through swift-log).
func logWarning(_ message: String) { log.warning("\(message)") }

/// `--[no-]output-prior` and `--[no-]keep-best`, shared by `train` and `federate`.
struct ModelSelectionOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Start head.bias of a new model from the smoothed log frequencies of the training tokens "
            + "(federated: the clients' summed counts).",
        discussion: "--no-output-prior starts from GPT-2's zero bias, i.e. uniform over all tokens."))
    var outputPrior = true

    @Flag(inversion: .prefixedNo, help: ArgumentHelp(
        "Model selection: keep the parameters of the validation evaluation with the lowest "
            + "loss (train: every 25 steps, on by default; federate: every round, off by default) instead of the last ones.",
        discussion: "train: a network trained on one series overfits within a few dozen steps, and its last parameters "
            + "generate scenarios whose volatility decays. federate: picking a round by the clients' validation losses "
            + "is a release of their data that the DP accounting does not cover, so it is opt-in."))
    var keepBest: Bool?

    /// `--keep-best` for `tgfl train`: on unless `--no-keep-best`.
    var keepBestTraining: Bool { keepBest ?? true }
    /// `--keep-best` for `tgfl federate`: off unless `--keep-best`.
    var keepBestFederated: Bool { keepBest ?? false }
}
