import TGFLBase

extension PartitionScheme {
    /// The CLI names of the schemes.
    public static let cliNames = ["iid", "dirichlet:ALPHA", "pathological:K", "time", "natural",
                                  "linear", "square", "exponential"]

    /// Parses `KIND[:param]`: `iid`, `dirichlet:0.5`, `pathological:2`, `time`, `natural`,
    /// `linear`, `square`, `exponential` (case-insensitive; `dirichlet` alone means α = 0.5,
    /// `pathological` alone k = 2).
    /// - Throws: `TGFLError.invalidArgument` naming the bad text and listing the valid forms.
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.first ?? ""
        let param = parts.count > 1 ? parts[1] : nil
        func bad(_ why: String) -> TGFLError {
            .invalidArgument("partition '\(text)': \(why); valid: " + PartitionScheme.cliNames.joined(separator: ", "))
        }
        func noParam() throws { if param != nil { throw bad("\(kind) takes no parameter") } }
        switch kind {
        case "iid": try noParam(); self = .iid
        case "time": try noParam(); self = .timePeriods
        case "natural": try noParam(); self = .natural
        case "linear": try noParam(); self = .sizeSkew(.linear)
        case "square": try noParam(); self = .sizeSkew(.square)
        case "exponential": try noParam(); self = .sizeSkew(.exponential)
        case "dirichlet":
            guard let a = param.map({ Double($0) }) ?? 0.5, a > 0, a.isFinite else {
                throw bad("alpha must be a positive number, e.g. dirichlet:0.5")
            }
            self = .dirichlet(alpha: a)
        case "pathological":
            guard let k = param.map({ Int($0) }) ?? 2, k >= 1 else {
                throw bad("k must be a positive integer, e.g. pathological:2")
            }
            self = .pathological(regimesPerClient: k)
        default: throw bad("unknown kind '\(kind)'")
        }
    }

    /// The CLI form of the scheme (inverse of `init(parsing:)`).
    public var cliName: String {
        switch self {
        case .iid: "iid"
        case .dirichlet(let a): "dirichlet:\(a)"
        case .pathological(let k): "pathological:\(k)"
        case .timePeriods: "time"
        case .natural: "natural"
        case .sizeSkew(let s): s.rawValue
        }
    }
}
