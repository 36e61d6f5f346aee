/// Errors thrown by TGFLStats. Every function validates its input first and throws
/// one of these rather than returning NaN or trapping.
public enum StatsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An input array is empty; names the argument.
    case emptyInput(String)
    /// An input holds NaN or ±infinity; names the argument and the first bad index.
    case nonFinite(String, index: Int)
    /// Two inputs that must have equal lengths do not.
    case lengthMismatch(String)
    /// A sample too short for the requested lag, horizon or estimator.
    case tooShort(String)
    /// A parameter outside its valid range (α outside (0,1), negative lag, ...).
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .emptyInput(let what): return "\(what) is empty"
        case .nonFinite(let what, let i): return "\(what) holds a non-finite value (NaN or ±inf) at index \(i)"
        case .lengthMismatch(let m): return "length mismatch: \(m)"
        case .tooShort(let m): return "sample too short: \(m)"
        case .invalidParameter(let m): return "invalid parameter: \(m)"
        }
    }
}

/// Input validation shared by every statistic.
enum Check {
    /// Throws unless `x` is non-empty and finite.
    static func finite(_ x: [Double], _ name: String) throws {
        guard !x.isEmpty else { throw StatsError.emptyInput(name) }
        if let i = x.firstIndex(where: { !$0.isFinite }) { throw StatsError.nonFinite(name, index: i) }
    }

    /// Throws unless `x` is finite and holds at least `n` values.
    static func finite(_ x: [Double], _ name: String, atLeast n: Int, for purpose: String) throws {
        try finite(x, name)
        guard x.count >= n else {
            throw StatsError.tooShort("\(name) has \(x.count) values; \(purpose) needs at least \(n)")
        }
    }

    /// Throws unless `alpha` lies strictly inside (0, 1).
    static func probability(_ alpha: Double, _ name: String = "alpha") throws {
        guard alpha > 0, alpha < 1 else {
            throw StatsError.invalidParameter("\(name) must lie in (0, 1), got \(alpha)")
        }
    }
}
