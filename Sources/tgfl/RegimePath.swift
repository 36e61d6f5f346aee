import TGFLCore

/// Parses a regime path typed on the command line: comma-separated regimes, each a name or an
/// index, optionally with a repeat count after a colon.
///
/// ```
/// "calm,calm,crisis"          → [0, 0, 3]
/// "calm:100,crisis:150"       → 100 × calm, then 150 × crisis
/// ```
/// - Parameters:
///   - text: The path specification.
///   - resolve: Maps one name or index to a regime index (throws listing the valid regimes).
/// - Returns: One regime index per generated day.
/// - Throws: `CommandFailure` for an empty item or a bad count; the resolver's error for an
///   unknown regime.
func parseRegimePath(_ text: String, maxDays: Int = Int(Int32.max),
                     resolve: (String) throws -> Int) throws -> [Int] {
    var path: [Int] = []
    var days = 0
    let items = text.split(separator: ",", omittingEmptySubsequences: false)
    for (i, raw) in items.enumerated() {
        let item = raw.trimmingCharacters(in: .whitespaces)
        guard !item.isEmpty else {
            throw CommandFailure("--regime-path item \(i + 1) is empty: write regimes separated by commas, "
                                 + "e.g. calm,calm,crisis or calm:100,crisis:150")
        }
        let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        var count = 1
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 1 else {
                throw CommandFailure("--regime-path item '\(item)': the repeat count '\(parts[1])' must be a "
                                     + "positive integer (e.g. crisis:20)")
            }
            count = n
        }
        // The total is checked before anything is allocated (calm:2000000000 would take 16 GB).
        let (total, overflow) = days.addingReportingOverflow(count)
        guard !overflow, total <= maxDays else {
            throw CommandFailure("--regime-path has more than \(maxDays) days (item '\(item)' brings it to "
                                 + "\(overflow ? "more than \(Int.max)" : "\(total)")); with these --paths the limit is "
                                 + "\(maxDays) days, so give fewer days or fewer paths")
        }
        days = total
        let regime = try resolve(parts[0])
        path += Array(repeating: regime, count: count)
    }
    return path
}

/// The horizon of a run: the regime path's length when one is given (and `--horizon` agrees).
/// - Throws: `CommandFailure` when `--horizon` and the path length disagree.
func resolveHorizon(explicit: Int?, path: [Int]?, defaultHorizon: Int = 250) throws -> Int {
    guard let path else { return explicit ?? defaultHorizon }
    if let explicit, explicit != path.count {
        throw CommandFailure("--horizon \(explicit) disagrees with --regime-path, which has \(path.count) days; "
                             + "drop --horizon or give one regime per day")
    }
    return path.count
}
