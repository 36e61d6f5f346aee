import Foundation

/// One market regime: its label index (the row of `regime_emb`) and its name.
public struct Regime: Hashable, Sendable, CustomStringConvertible {
    /// Label index, `0 ..< R`.
    public let index: Int
    /// Name, e.g. `crisis`.
    public let name: String

    public init(index: Int, name: String) { self.index = index; self.name = name }

    public var description: String { "\(name) (\(index))" }
}

/// Volatility regimes from trailing realized volatility, with thresholds fitted on training
/// data only.
///
/// ```
/// v_t = sqrt( (1/w) Σ_{i=t-w+1}^{t} r_i² )          trailing realized volatility, w = window
/// v_t = v_{w-1}                  for t < w − 1      (first days: the first full window's value)
/// θ_j = Quantile_{q_j}( { v_t : t ≥ w − 1, t in the training span } ),  j = 1 … R−1
/// label_t = #{ j : v_t ≥ θ_j }  ∈ 0 … R−1           (NumPy: searchsorted(θ, v, side="right"))
/// ```
/// Day `t`'s own return is part of its window, so a crash day is itself labelled by the
/// volatility it belongs to; realized volatility is not demeaned (Andersen & Bollerslev,
/// 1998). The first `w − 1` days of a series lack a full window; a 1-to-19-day estimate is
/// too noisy, so they take the value of the first full window (day `w − 1`). A series
/// shorter than `w` uses the volatility of all its returns for every day.
///
/// Defaults: R = 4 regimes `calm, normal, volatile, crisis`, w = 20 trading days (about one
/// month), quantile levels 0.40 / 0.80 / 0.95: on the training span 40% of days are calm,
/// 40% normal, 15% volatile and 5% crisis, so crisis is rare but present (on the S&P 500
/// 1999–2014 it covers 2002, the 2008–09 crash and August 2011).
///
/// **Model v2** labels days by the filtered volatility `σ_t` of its `VolatilityModel` instead
/// (basis `.conditionalVolatility`, thresholds = quantiles of the training `σ_t`): `σ_t` is
/// known before day t, so the regime of a generated day follows from the path generated so far
/// and unconditional scenarios move between regimes by themselves. Such a model labels
/// volatilities (`label(volatility:)`); returns are labelled through `DataModels`.
public struct RegimeModel: Equatable, Sendable {
    /// What the thresholds apply to.
    public enum Basis: String, Sendable, Equatable {
        /// Trailing realized volatility over `window` days (v1).
        case trailingRealized = "trailing_volatility_quantiles"
        /// The one-step-ahead volatility σ_t of the v2 volatility filter.
        case conditionalVolatility = "conditional_volatility_quantiles"
    }
    /// Default names, calmest first.
    public static let defaultNames = ["calm", "normal", "volatile", "crisis"]
    /// Default trailing window w in days.
    public static let defaultWindow = 20
    /// Default quantile levels of the training volatility used as thresholds.
    public static let defaultQuantileLevels = [0.40, 0.80, 0.95]
    /// `kind` attribute of the checkpoint section.
    public static let kind = Basis.trailingRealized.rawValue
    /// `version` attribute written by this code.
    public static let version = 1

    /// What the thresholds apply to.
    public let basis: Basis
    /// Regime names, index order (calmest first); unique, case-insensitively.
    public let names: [String]
    /// Trailing window w in days, ≥ 1 (basis `.trailingRealized`; 0 for `.conditionalVolatility`).
    public let window: Int
    /// Quantile levels q_1 < … < q_{R−1} in (0, 1) that produced the thresholds.
    public let quantileLevels: [Double]
    /// Thresholds θ_1 ≤ … ≤ θ_{R−1} on daily realized volatility (return units, not annualized).
    public let thresholds: [Double]

    /// Creates a model from known thresholds (e.g. read from a checkpoint).
    ///
    /// - Parameters:
    ///   - names: R ≥ 1 unique non-empty names.
    ///   - window: w ≥ 1.
    ///   - quantileLevels: R − 1 increasing levels in (0, 1).
    ///   - thresholds: R − 1 non-decreasing, finite, non-negative volatilities.
    /// - Throws: `TGFLError.invalidArgument` naming the bad argument.
    public init(names: [String] = RegimeModel.defaultNames, window: Int = RegimeModel.defaultWindow,
                quantileLevels: [Double] = RegimeModel.defaultQuantileLevels, thresholds: [Double]) throws {
        try self.init(names: names, basis: .trailingRealized, window: window, quantileLevels: quantileLevels,
                      thresholds: thresholds)
    }

    /// Creates a model on the conditional volatility σ_t of model v2 (no window).
    /// - Throws: `TGFLError.invalidArgument` naming the bad argument.
    public init(names: [String] = RegimeModel.defaultNames, basis: Basis,
                quantileLevels: [Double] = RegimeModel.defaultQuantileLevels, thresholds: [Double]) throws {
        try self.init(names: names, basis: basis, window: basis == .trailingRealized ? Self.defaultWindow : 0,
                      quantileLevels: quantileLevels, thresholds: thresholds)
    }

    private init(names: [String], basis: Basis, window: Int, quantileLevels: [Double],
                 thresholds: [Double]) throws {
        try Self.validate(names: names, window: basis == .trailingRealized ? window : 1,
                          quantileLevels: quantileLevels)
        guard thresholds.count == names.count - 1 else {
            throw TGFLError.invalidArgument(
                "thresholds has \(thresholds.count) values; \(names.count) regimes need \(names.count - 1)")
        }
        for (j, t) in thresholds.enumerated() where !(t.isFinite && t >= 0) || (j > 0 && t < thresholds[j - 1]) {
            throw TGFLError.invalidArgument(
                "thresholds[\(j)] = \(t): thresholds must be finite, ≥ 0 and non-decreasing")
        }
        self.basis = basis
        self.names = names; self.window = window
        self.quantileLevels = quantileLevels; self.thresholds = thresholds
    }

    /// Fits the thresholds on training returns (one or more series, e.g. one per client or
    /// asset; their full-window volatilities are pooled).
    ///
    /// - Parameters:
    ///   - trainingReturns: log returns of the training span only, each series ≥ `window` long.
    ///   - names: regime names, calmest first.
    ///   - window: trailing window w.
    ///   - quantileLevels: R − 1 increasing levels in (0, 1).
    /// - Returns: the fitted model.
    /// - Throws: `TGFLError.invalidArgument` for no data, a series shorter than the window
    ///   (naming it), NaN or infinite returns (naming series and index), or bad settings.
    public static func fit(trainingReturns: [[Double]], names: [String] = defaultNames,
                           window: Int = defaultWindow,
                           quantileLevels: [Double] = defaultQuantileLevels) throws -> RegimeModel {
        try validate(names: names, window: window, quantileLevels: quantileLevels)
        guard !trainingReturns.isEmpty else {
            throw TGFLError.invalidArgument("no training series to fit the regimes on")
        }
        var pooled: [Double] = []
        for (s, series) in trainingReturns.enumerated() {
            guard series.count >= window else {
                throw TGFLError.invalidArgument(
                    "training series \(s) has \(series.count) returns; fitting regimes needs at least "
                    + "window = \(window): use more training data or a shorter window")
            }
            try checkFinite(series, what: "training series \(s)")
            pooled += trailingVolatility(series, window: window).dropFirst(window - 1)
        }
        pooled.sort()
        let thresholds = quantileLevels.map { linearQuantile(sorted: pooled, $0) }
        return try RegimeModel(names: names, window: window, quantileLevels: quantileLevels,
                               thresholds: thresholds)
    }

    /// Single-series form of `fit(trainingReturns:names:window:quantileLevels:)`.
    public static func fit(trainingReturns: [Double], names: [String] = defaultNames,
                           window: Int = defaultWindow,
                           quantileLevels: [Double] = defaultQuantileLevels) throws -> RegimeModel {
        try fit(trainingReturns: [trainingReturns], names: names, window: window,
                quantileLevels: quantileLevels)
    }

    private static func validate(names: [String], window: Int, quantileLevels: [Double]) throws {
        guard !names.isEmpty else { throw TGFLError.invalidArgument("names is empty: need at least one regime") }
        var seen = Set<String>()
        for (i, n) in names.enumerated() {
            guard !n.trimmingCharacters(in: .whitespaces).isEmpty, seen.insert(n.lowercased()).inserted else {
                throw TGFLError.invalidArgument(
                    "names[\(i)] = '\(n)': regime names must be non-empty and unique (case-insensitive)")
            }
        }
        guard window >= 1 else { throw TGFLError.invalidArgument("window must be ≥ 1 day, got \(window)") }
        guard quantileLevels.count == names.count - 1 else {
            throw TGFLError.invalidArgument(
                "quantileLevels has \(quantileLevels.count) values; \(names.count) regimes need \(names.count - 1)")
        }
        for (j, q) in quantileLevels.enumerated()
        where !(q > 0 && q < 1) || (j > 0 && !(q > quantileLevels[j - 1])) {
            throw TGFLError.invalidArgument(
                "quantileLevels[\(j)] = \(q): levels must lie in (0, 1) and increase strictly")
        }
    }

    static func checkFinite(_ r: [Double], what: String) throws {
        if let i = r.firstIndex(where: { !$0.isFinite }) {
            throw TGFLError.invalidArgument("\(what): return [\(i)] = \(r[i]) is not finite; "
                                            + "clean the data (missing prices give NaN returns)")
        }
    }

    // MARK: - Labelling

    /// Trailing realized volatility `v_t = sqrt(mean(r_{t-w+1…t}²))`, with the first `w − 1`
    /// days set to the first full window's value (all days to the whole-series value when the
    /// series is shorter than `w`).
    /// - Parameters:
    ///   - returns: log returns (finite).
    ///   - window: w ≥ 1.
    /// - Returns: one volatility per day (empty for empty input).
    public static func trailingVolatility(_ returns: [Double], window: Int) -> [Double] {
        let n = returns.count
        guard n > 0, window >= 1 else { return [] }
        let w = min(window, n)
        var out = [Double](repeating: 0, count: n)
        for t in (w - 1)..<n {
            var sum = 0.0
            for i in (t - w + 1)...t { sum += returns[i] * returns[i] }
            out[t] = (sum / Double(w)).squareRoot()
        }
        for t in 0..<(w - 1) { out[t] = out[w - 1] }
        return out
    }

    /// The regime of one volatility: `#{ j : v ≥ θ_j }`.
    public func label(volatility v: Double) -> Int32 {
        var k: Int32 = 0
        for t in thresholds where v >= t { k += 1 }
        return k
    }

    /// Labels every day of a return series by its trailing volatility.
    /// - Parameter returns: log returns, in time order (any length ≥ 1).
    /// - Returns: one label in `0 ..< R` per day.
    /// - Throws: `TGFLError.invalidArgument` for empty input or a NaN/infinite return (naming its index).
    public func label(_ returns: [Double]) throws -> [Int32] {
        guard basis == .trailingRealized else {
            throw TGFLError.invalidArgument(
                "this regime model labels the filtered volatility σ_t of a v2 model, not returns; "
                + "label returns with DataModels.encode(_:) or ScenarioModel.regimeLabels(of:)")
        }
        guard !returns.isEmpty else { throw TGFLError.invalidArgument("no returns to label") }
        try Self.checkFinite(returns, what: "returns")
        return Self.trailingVolatility(returns, window: window).map { label(volatility: $0) }
    }

    // MARK: - Regimes by name or index

    /// R, the number of regimes.
    public var count: Int { names.count }

    /// All regimes in index order.
    public var regimes: [Regime] { names.enumerated().map { Regime(index: $0, name: $1) } }

    /// The regime with this name, matched case-insensitively.
    /// - Throws: `TGFLError.outOfRange` listing the valid names.
    public func regime(named name: String) throws -> Regime {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let i = names.firstIndex(where: { $0.lowercased() == key }) else {
            throw TGFLError.outOfRange("unknown regime '\(name)'; valid regimes: \(validList)")
        }
        return Regime(index: i, name: names[i])
    }

    /// The regime with this index.
    /// - Throws: `TGFLError.outOfRange` listing the valid indices and names.
    public func regime(at index: Int) throws -> Regime {
        guard names.indices.contains(index) else {
            throw TGFLError.outOfRange("regime index \(index) is outside 0..<\(count); valid regimes: \(validList)")
        }
        return Regime(index: index, name: names[index])
    }

    /// A regime given either by name (`"crisis"`, any case) or by index (`"3"`), as typed on
    /// a command line.
    /// - Throws: `TGFLError.outOfRange` listing the valid names and indices.
    public func regime(_ nameOrIndex: String) throws -> Regime {
        if let i = Int(nameOrIndex.trimmingCharacters(in: .whitespaces)) { return try regime(at: i) }
        return try regime(named: nameOrIndex)
    }

    private var validList: String {
        names.enumerated().map { "\($1) (\($0))" }.joined(separator: ", ")
    }

    // MARK: - Checkpoint

    /// The `/regimes` checkpoint section.
    ///
    /// Attributes: `kind = "trailing_volatility_quantiles"` (v2: `"conditional_volatility_quantiles"`,
    /// without `window`), `version = 1`, `window` (int),
    /// `n_regimes` (int), `names` (JSON array of strings). Datasets: `thresholds` [R−1],
    /// `quantile_levels` [R−1].
    public var checkpointSection: CheckpointSection {
        let namesJSON = String(decoding: (try? JSONEncoder().encode(names)) ?? Data("[]".utf8), as: UTF8.self)
        var attributes: [String: CheckpointValue] = [
            "kind": .string(basis.rawValue), "version": .int(Self.version),
            "n_regimes": .int(count), "names": .string(namesJSON)]
        if basis == .trailingRealized { attributes["window"] = .int(window) }
        return CheckpointSection(attributes: attributes,
                                 datasets: ["thresholds": thresholds, "quantile_levels": quantileLevels])
    }

    /// Reads a `/regimes` checkpoint section.
    /// - Parameter checkpointSection: the section written by `checkpointSection`.
    /// - Throws: `TGFLError.invalidArgument` naming the missing or invalid key, or an
    ///   unsupported kind or version.
    public init(checkpointSection section: CheckpointSection) throws {
        let r = CheckpointSectionReader(section: section, name: "/regimes")
        let basis: Basis = (try? r.string("kind")) == Basis.conditionalVolatility.rawValue
            ? .conditionalVolatility : .trailingRealized
        try r.checkKind(basis.rawValue, supportedVersions: 1...Self.version)
        let n = try r.int("n_regimes")
        guard n >= 1 else { throw r.fail("attribute 'n_regimes' = \(n) must be ≥ 1") }
        let namesJSON = try r.string("names")
        guard let names = try? JSONDecoder().decode([String].self, from: Data(namesJSON.utf8)),
              names.count == n else {
            throw r.fail("attribute 'names' must be a JSON array of \(n) strings, got \(namesJSON)")
        }
        do {
            try self.init(names: names, basis: basis,
                          window: basis == .trailingRealized ? r.int("window") : 0,
                          quantileLevels: r.dataset("quantile_levels", count: n - 1),
                          thresholds: r.dataset("thresholds", count: n - 1))
        } catch TGFLError.invalidArgument(let m) where !m.hasPrefix("checkpoint section") {
            throw r.fail(m)
        }
    }
}
