import Foundation

/// What a progress line shows: a count out of a total, a unit, timing and free-form metrics.
struct ProgressSnapshot: Sendable, Equatable {
    /// Units done (steps, rounds, paths).
    var completed: Int
    /// Units in all (≥ 1).
    var total: Int
    /// Seconds since the task started.
    var elapsed: Double
    /// Seconds still to go; nil estimates it from the rate so far.
    var eta: Double?
    /// Extra fields, shown in order as `name value` (e.g. `loss 3.912`).
    var metrics: [(String, String)]

    init(completed: Int, total: Int, elapsed: Double, eta: Double? = nil, metrics: [(String, String)] = []) {
        self.completed = completed; self.total = total; self.elapsed = elapsed
        self.eta = eta; self.metrics = metrics
    }

    static func == (a: ProgressSnapshot, b: ProgressSnapshot) -> Bool {
        a.completed == b.completed && a.total == b.total && a.elapsed == b.elapsed && a.eta == b.eta
            && a.metrics.map(\.0) == b.metrics.map(\.0) && a.metrics.map(\.1) == b.metrics.map(\.1)
    }

    /// Fraction done, clamped to 0…1.
    var fraction: Double {
        total > 0 ? min(1, max(0, Double(completed) / Double(total))) : 0
    }

    /// The given ETA, else `elapsed · (total − completed) / completed` (nil before the first unit).
    var estimatedRemaining: Double? {
        if let eta, eta.isFinite, eta >= 0 { return eta }
        guard completed > 0, elapsed.isFinite else { return nil }
        return elapsed * Double(max(0, total - completed)) / Double(completed)
    }
}

/// Pure formatting of progress lines (tested without a terminal).
enum ProgressFormat {
    /// A bar of `width` cells: `=` for done, `>` at the head, spaces after: `[=====>    ]`.
    static func bar(fraction: Double, width: Int) -> String {
        guard width > 0 else { return "[]" }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let filled = Int((f * Double(width)).rounded(.down))
        if filled >= width { return "[" + String(repeating: "=", count: width) + "]" }
        return "[" + String(repeating: "=", count: filled) + ">"
            + String(repeating: " ", count: width - filled - 1) + "]"
    }

    /// `m:ss` below an hour, `h:mm:ss` above, `--:--` when unknown.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        let h = s / 3600, m = (s % 3600) / 60, r = s % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, r) : String(format: "%d:%02d", m, r)
    }

    /// A rate with a k/M suffix: `950`, `12.3k`, `1.25M`.
    static func rate(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return "-" }
        switch value {
        case ..<1_000: return String(format: "%.0f", value)
        case ..<1_000_000: return String(format: "%.1fk", value / 1_000)
        default: return String(format: "%.2fM", value / 1_000_000)
        }
    }

    /// A loss or similar metric with 4 significant decimals (`-` for NaN).
    static func metric(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.4f", value)
    }

    /// One progress line: `label [====>   ]  120/300 steps  40%  loss 3.9120  0:12 elapsed, ETA 0:18`.
    static func line(label: String, unit: String, snapshot s: ProgressSnapshot, barWidth: Int = 24) -> String {
        var parts = [label, bar(fraction: s.fraction, width: barWidth),
                     "\(s.completed)/\(s.total) \(unit)", String(format: "%3.0f%%", s.fraction * 100)]
        parts += s.metrics.map { "\($0.0) \($0.1)" }
        let eta = s.completed >= s.total ? "done" : "ETA \(duration(s.estimatedRemaining))"
        parts.append("\(duration(s.elapsed)) elapsed, \(eta)")
        return parts.joined(separator: "  ")
    }
}

/// Draws progress on stderr: redrawn in place on a terminal, occasional plain lines otherwise
/// (CI logs), so a log never fills with hundreds of carriage-return updates.
final class ProgressReporter {
    let label: String
    let unit: String
    let total: Int
    let isTerminal: Bool
    /// Shortest time between redraws on a terminal (seconds).
    let redrawInterval: Double
    /// Shortest time between plain lines when stderr is not a terminal (seconds).
    let lineInterval: Double
    private let start = Date()
    private var lastDraw: Date?
    private var lastLength = 0
    private var lastSnapshot: ProgressSnapshot?
    private var finished = false

    init(label: String, unit: String, total: Int, isTerminal: Bool = isatty(2) != 0,
         redrawInterval: Double = 0.1, lineInterval: Double = 5) {
        self.label = label; self.unit = unit; self.total = max(1, total)
        self.isTerminal = isTerminal; self.redrawInterval = redrawInterval; self.lineInterval = lineInterval
    }

    /// Seconds since the reporter was made.
    var elapsed: Double { Date().timeIntervalSince(start) }

    /// Reports `completed` units; draws when enough time passed (always for the last unit).
    func update(completed: Int, eta: Double? = nil, metrics: [(String, String)] = []) {
        let snapshot = ProgressSnapshot(completed: completed, total: total, elapsed: elapsed, eta: eta,
                                        metrics: metrics)
        lastSnapshot = snapshot
        let now = Date()
        let interval = isTerminal ? redrawInterval : lineInterval
        if let lastDraw, now.timeIntervalSince(lastDraw) < interval, completed < total { return }
        draw(snapshot)
        lastDraw = now
    }

    /// Ends the progress display (a newline on a terminal, the final state as a plain line otherwise).
    func finish() {
        guard !finished else { return }
        finished = true
        if let s = lastSnapshot, lastDraw == nil || !isTerminal && s.completed < total { draw(s) }
        if isTerminal && lastLength > 0 { writeStandardError("\n") }
    }

    /// Prints a permanent line (e.g. one per federated round) above the bar.
    func message(_ line: String) {
        if isTerminal {
            let pad = max(0, lastLength - line.count)
            writeStandardError("\r" + line + String(repeating: " ", count: pad) + "\n")
            lastLength = 0
            if let s = lastSnapshot, !finished { draw(s) }
        } else {
            writeStandardError(line + "\n")
        }
    }

    private func draw(_ snapshot: ProgressSnapshot) {
        let text = ProgressFormat.line(label: label, unit: unit, snapshot: snapshot)
        if isTerminal {
            let pad = max(0, lastLength - text.count)
            writeStandardError("\r" + text + String(repeating: " ", count: pad))
            lastLength = text.count
        } else {
            writeStandardError(text + "\n")
        }
    }
}

/// Writes text to stderr unbuffered, after what stdout holds so far: into one file or pipe
/// (`make demo | tee log`) the results and the log lines then keep their order (stdout is fully
/// buffered there, and a table came out cut by a log line).
func writeStandardError(_ text: String) {
    fflush(nil)   // every C output stream, i.e. stdout (naming `stdout` is not concurrency-safe in Swift 6)
    FileHandle.standardError.write(Data(text.utf8))
}
