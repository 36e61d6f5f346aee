import Foundation

/// The market regime to generate under: one regime for every day, or one per day.
public enum RegimeCondition: Sendable, Equatable {
    /// The same regime index on every generated day.
    case fixed(Int)
    /// One regime index per generated day (`count == horizon`), e.g. history's labels replayed.
    case path([Int])
    /// No condition: the model's own volatility dynamics move each path between regimes
    /// (model v2; the regime of each generated day is reported in `ScenarioSet.regimes`).
    case unconditional
}

/// Settings of scenario generation (`ScenarioModel.generate`).
public struct GenerationOptions: Sendable {
    /// Number of independent paths, ≥ 1.
    public var paths: Int
    /// Days per path, ≥ 1.
    public var horizon: Int
    /// The regime of each generated day.
    public var regime: RegimeCondition
    /// Recent real log returns the paths continue from (oldest first), or nil to start from
    /// one neutral day (the token of the training mean return).
    public var prompt: [Double]?
    /// Softmax temperature τ > 0 (`p ∝ exp(logit / τ)`); 1 samples the model's distribution.
    public var temperature: Double
    /// Seed; path `p` draws from `SeededRNG(seed: seed, stream: p)`.
    public var seed: UInt64
    /// Worker threads (nil: the model's thread count). Results do not depend on it.
    public var threads: Int?
    /// Model v2 with a prompt: recalibrate the generated z on the prompt's own standardized
    /// residuals (`ZRecalibration`); nil: the network's z as generated.
    public var zRecalibration: ZRecalibration?

    public init(paths: Int = 100, horizon: Int = 250, regime: RegimeCondition = .fixed(1),
                prompt: [Double]? = nil, temperature: Double = 1.0, seed: UInt64 = 42, threads: Int? = nil,
                zRecalibration: ZRecalibration? = nil) {
        self.paths = paths; self.horizon = horizon; self.regime = regime; self.prompt = prompt
        self.temperature = temperature; self.seed = seed; self.threads = threads
        self.zRecalibration = zRecalibration
    }
}

/// Progress of a generation run, reported after each finished chunk of paths.
public struct GenerationProgress: Sendable {
    /// Paths finished so far.
    public var pathsCompleted: Int
    /// Paths requested.
    public var totalPaths: Int
    /// Tokens sampled so far (`pathsCompleted · horizon`).
    public var tokensGenerated: Int
    /// Seconds since the run started.
    public var elapsedSeconds: Double
    /// Sampled tokens per second so far.
    public var tokensPerSecond: Double
    /// Estimated seconds left at the current rate.
    public var etaSeconds: Double

    public init(pathsCompleted: Int, totalPaths: Int, tokensGenerated: Int, elapsedSeconds: Double,
                tokensPerSecond: Double, etaSeconds: Double) {
        self.pathsCompleted = pathsCompleted; self.totalPaths = totalPaths
        self.tokensGenerated = tokensGenerated; self.elapsedSeconds = elapsedSeconds
        self.tokensPerSecond = tokensPerSecond; self.etaSeconds = etaSeconds
    }
}

/// Generated scenarios: `paths × horizon` daily log returns.
public struct ScenarioSet: Sendable, Equatable {
    /// `returns[p][t]`: log return of day `t + 1` on path `p`.
    public let returns: [[Double]]
    /// `regimes[p][t]`: the regime of that day — the one asked for (`.fixed`, `.path`), or for
    /// an unconditional v2 run the band of the path's own volatility state; nil when unknown.
    public let regimes: [[Int32]]?

    public init(returns: [[Double]], regimes: [[Int32]]? = nil) {
        self.returns = returns
        self.regimes = regimes
    }

    /// Number of paths.
    public var pathCount: Int { returns.count }
    /// Days per path.
    public var horizon: Int { returns.first?.count ?? 0 }

    /// Price paths from a start price: `horizon + 1` prices per path, the first being `start`.
    ///
    /// ```
    /// P_0 = start,   P_t = start · exp(r_1 + … + r_t)
    /// ```
    /// - Parameter start: The price on day 0 (positive and finite for meaningful prices).
    /// - Returns: `paths × (horizon + 1)` prices.
    public func prices(start: Double) -> [[Double]] {
        returns.map { path in
            var out = [Double]()
            out.reserveCapacity(path.count + 1)
            out.append(start)
            var cumulative = 0.0
            for r in path {
                cumulative += r
                out.append(start * Foundation.exp(cumulative))
            }
            return out
        }
    }

    /// The scenarios as CSV text, one path per row, with a header row.
    ///
    /// Returns: header `r_1,…,r_H`; prices: header `p_0,…,p_H` (see `prices(start:)`).
    /// Values are written with Swift's shortest round-trip representation.
    /// - Parameter start: nil for log returns, else the start price of price paths.
    /// - Returns: The CSV text (`\n` line ends).
    public func csv(prices start: Double? = nil) -> String {
        let rows: [[Double]]
        let header: String
        if let start {
            rows = prices(start: start)
            header = (0...horizon).map { "p_\($0)" }.joined(separator: ",")
        } else {
            rows = returns
            header = (0..<horizon).map { "r_\($0 + 1)" }.joined(separator: ",")
        }
        var text = header + "\n"
        text.reserveCapacity(rows.count * (horizon + 1) * 22)
        for row in rows {
            text += row.map { "\($0)" }.joined(separator: ",")
            text += "\n"
        }
        return text
    }

    /// Writes `csv(prices:)` to a file atomically (temporary file in the same directory,
    /// then rename), so a failed write never leaves a partial file.
    /// - Parameters:
    ///   - path: Target file; its directory must exist.
    ///   - start: nil for log returns, else the start price (> 0 and finite).
    /// - Throws: `TGFLError.invalidArgument` for a bad start price; `.io` naming the file
    ///   when it cannot be written.
    public func writeCSV(to path: String, prices start: Double? = nil) throws {
        if let start, !(start > 0 && start.isFinite) {
            throw TGFLError.invalidArgument("start price must be positive and finite, got \(start)")
        }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw TGFLError.io("cannot write '\(path)': the directory '\(directory)' does not exist; create it first")
        }
        do {
            try Data(csv(prices: start).utf8).write(to: url, options: .atomic)
        } catch {
            throw TGFLError.io("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
