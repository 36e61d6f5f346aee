import Foundation
import TGFLCore
import TGFLStats

/// The numbers a scenario report draws, computed once from a `ScenarioReportInput` and
/// already reduced to a size a page can carry (quantile bands, a few sample paths, histogram
/// bins), so that 1,000 × 250 paths make a page of a few hundred kilobytes plus the chart
/// library. `jsonData()` gives the same numbers to Python (`tgfl.Report.plot()`).
public struct ScenarioReportData: Codable, Sendable, Equatable {
    /// The fan-chart probabilities: 5, 25, 50, 75 and 95 %.
    public static let fanLevels = [0.05, 0.25, 0.5, 0.75, 0.95]

    /// Price-index bands of one scenario set and, beside them, of the real history's paths of
    /// the same length.
    public struct Fan: Codable, Sendable, Equatable {
        /// Set name.
        public var name: String
        /// Paths in the set.
        public var paths: Int
        /// Days 0 … H.
        public var horizon: Int
        /// `bands[j][t]`: the `fanLevels[j]` quantile over paths of P_t = 100·exp(r_1 + … + r_t).
        public var bands: [[Double]]
        /// The first few paths' P_t (t = 0 … H).
        public var samples: [[Double]]
        /// The same bands over every H-day window of the real returns (stride 1).
        public var realBands: [[Double]]
        /// Real windows behind `realBands`.
        public var realWindows: Int
    }

    /// Histogram densities of h-day log returns (overlapping sums within each path), real
    /// and synthetic on the same bins (numpy `histogram(density=True)` semantics: each
    /// density integrates to 1 over the bins; values outside the bins are left out).
    public struct Density: Codable, Sendable, Equatable {
        /// Days summed, h.
        public var horizon: Int
        /// Bin edges (bins + 1), from the smaller 0.1 % to the larger 99.9 % quantile of both.
        public var edges: [Double]
        /// Densities per bin (per unit log return).
        public var real: [Double]
        public var synthetic: [Double]
    }

    /// Quantiles of real and synthetic daily returns at the same probabilities.
    public struct QQ: Codable, Sendable, Equatable {
        public var probabilities: [Double]
        public var real: [Double]
        public var synthetic: [Double]
    }

    /// ACF of r, |r|, r² and the leverage curve at lags 1 … K: the synthetic path average,
    /// the full real series, and the 5–95 % band over non-overlapping real chunks of the
    /// synthetic path length (what a real path of that length shows).
    public struct Dependence: Codable, Sendable, Equatable {
        public var maxLag: Int
        public var chunkLength: Int
        public var chunks: Int
        public var synthetic: DependenceCurves
        public var real: DependenceCurves
        public var realLow: DependenceCurves
        public var realHigh: DependenceCurves
    }

    /// Daily std and 1 % historical VaR and ES (positive = loss) of one regime.
    public struct RegimeRisk: Codable, Sendable, Equatable {
        public var name: String
        public var realDays: Int
        public var realStd: Double?
        public var syntheticStd: Double
        public var realVaR: Double?
        public var syntheticVaR: Double
        public var realES: Double?
        public var syntheticES: Double

        enum CodingKeys: String, CodingKey {
            case name, realDays = "real_days", realStd = "real_std", syntheticStd = "synthetic_std"
            case realVaR = "real_var", syntheticVaR = "synthetic_var", realES = "real_es", syntheticES = "synthetic_es"
        }
    }

    /// One federated round.
    public struct Round: Codable, Sendable, Equatable {
        public var round: Int
        public var trainLoss: Double?
        public var validationLoss: Double?
        public var epsilon: Double?
        public var participants: Int
        public var dropped: Int
        public var late: Int
        public var rejected: [Int]
        /// Per participating client: (client id, its mean local training loss).
        public var clientLosses: [ClientLoss]
    }

    /// One client's loss in one round.
    public struct ClientLoss: Codable, Sendable, Equatable {
        public var client: Int
        public var trainLoss: Double
    }

    /// The federation record's rounds and what it says about privacy.
    public struct Federation: Codable, Sendable, Equatable {
        public var strategy: String
        /// Number of clients N.
        public var clientCount: Int
        /// The number of clients.
        @available(*, deprecated, renamed: "clientCount")
        public var clients: Int {
            get { clientCount }
            set { clientCount = newValue }
        }
        public var privacy: Bool
        public var delta: Double?
        public var rounds: [Round]

        enum CodingKeys: String, CodingKey { case strategy, clientCount = "clients", privacy, delta, rounds }
    }

    /// Nearest-training-window distances of generated and of held-out real windows.
    public struct MemorizationDistances: Codable, Sendable, Equatable {
        public var windowLength: Int
        public var generated: [Double]
        public var heldOut: [Double]
        public var score: MemorizationScore
    }

    /// Name of the real series.
    public var realName: String
    /// Real days.
    public var realDays: Int
    /// Name of the overall set (densities, QQ, dependence, facts, memorization).
    public var overallName: String
    public var fans: [Fan]
    public var densities: [Density]
    public var qq: QQ
    public var dependence: Dependence
    public var regimes: [RegimeRisk]
    public var stylizedFacts: [StylizedFact]
    /// Why `stylizedFacts` is empty (e.g. paths shorter than the facts' 100-day horizon), or nil.
    public var stylizedFactsNote: String?
    public var training: [TrainingRecord]
    public var federation: Federation?
    public var memorization: MemorizationDistances?

    /// Computes the report's numbers.
    /// - Parameter input: the real returns, scenario sets and records.
    /// - Throws: `ReportError.invalidInput` naming the set and path for empty or ragged sets or
    ///   non-finite values; `StatsError` from the statistics; `ReportError.invalidInput` for a
    ///   federation record that is not JSON.
    public init(_ input: ScenarioReportInput) throws {
        try Self.validate(input)
        let overall = input.overall
        realName = input.realName
        realDays = input.real.count
        overallName = overall.name
        var realBandCache: [Int: (bands: [[Double]], windows: Int)] = [:]
        fans = input.scenarios.map { set in
            let h = set.paths[0].count
            if realBandCache[h] == nil { realBandCache[h] = Self.realFan(input.real, horizon: h) }
            let real = realBandCache[h]!
            return Fan(name: set.name, paths: set.paths.count, horizon: h,
                       bands: Self.fanBands(set.paths.map(Self.priceIndex)),
                       samples: set.paths.prefix(max(0, input.samplePaths)).map(Self.priceIndex),
                       realBands: real.bands, realWindows: real.windows)
        }
        let pooled = overall.paths.flatMap { $0 }
        densities = [1, 20].compactMap { h in
            Self.density(real: Self.overlappingSums([input.real], h), synthetic: Self.overlappingSums(overall.paths, h),
                         horizon: h)
        }
        qq = Self.qq(real: input.real, synthetic: pooled)
        dependence = try Self.dependence(real: input.real, synthetic: overall.paths)
        regimes = try input.scenarios.compactMap { set in
            guard let days = set.realRegimeDays else { return nil }
            return try Self.regimeRisk(name: set.name, real: days, synthetic: set.paths.flatMap { $0 })
        }
        // Paths shorter than the facts' longest horizon (100 days) get no facts table, and a note.
        stylizedFactsNote = nil
        if let given = input.stylizedFacts {
            stylizedFacts = given.facts
        } else {
            do {
                stylizedFacts = try StylizedFactsReport(real: input.real, synthetic: overall.paths,
                                                        options: StylizedFactsOptions(seed: input.seed)).facts
            } catch let error as StatsError {
                stylizedFacts = []
                stylizedFactsNote = "No stylized-facts table: \(error)."
            }
        }
        training = input.trainingHistory?.records ?? []
        federation = try input.federationRecord.map(Self.federation(from:))
        memorization = try input.trainingDays.flatMap {
            try Self.memorization(real: input.real, trainingDays: $0, synthetic: overall.paths, seed: input.seed)
        }
    }

    /// The numbers as JSON (snake_case keys; NaN and ±∞ as the strings "nan", "inf", "-inf").
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                      nan: "nan")
        return try encoder.encode(self)
    }

    // MARK: - Checks

    static func validate(_ input: ScenarioReportInput) throws {
        guard input.real.count >= 2 else {
            throw ReportError.invalidInput("the real series has \(input.real.count) returns; the report needs at least 2")
        }
        if let i = input.real.firstIndex(where: { !$0.isFinite }) {
            throw ReportError.invalidInput("real return \(i) is \(input.real[i]); every return must be finite")
        }
        guard !input.scenarios.isEmpty else { throw ReportError.invalidInput("no scenario set: give at least one") }
        for set in input.scenarios {
            guard let h = set.paths.first?.count, h >= 1 else {
                throw ReportError.invalidInput("scenario set '\(set.name)' has no paths (or empty paths)")
            }
            for (p, path) in set.paths.enumerated() {
                guard path.count == h else {
                    throw ReportError.invalidInput("scenario set '\(set.name)': path \(p) has \(path.count) days, "
                                                   + "path 0 has \(h); every path of a set must have one length")
                }
                if let t = path.firstIndex(where: { !$0.isFinite }) {
                    throw ReportError.invalidInput("scenario set '\(set.name)': path \(p), day \(t) is \(path[t]); "
                                                   + "every return must be finite")
                }
            }
            guard h < input.real.count else {
                throw ReportError.invalidInput("scenario set '\(set.name)' has \(h)-day paths but the real series only "
                                               + "\(input.real.count) returns; give a longer real series")
            }
        }
    }

    // MARK: - Fans

    /// P_t = 100·exp(r_1 + … + r_t), t = 0 … H (P_0 = 100).
    static func priceIndex(_ returns: [Double]) -> [Double] {
        var out = [100.0]
        out.reserveCapacity(returns.count + 1)
        var cum = 0.0
        for r in returns { cum += r; out.append(100 * exp(cum)) }
        return out
    }

    /// `fanLevels` quantiles (numpy 'linear') over paths at each day.
    static func fanBands(_ prices: [[Double]]) -> [[Double]] {
        let days = prices[0].count
        var bands = Array(repeating: [Double](repeating: 0, count: days), count: fanLevels.count)
        var column = [Double](repeating: 0, count: prices.count)
        for t in 0..<days {
            for p in prices.indices { column[p] = prices[p][t] }
            column.sort()
            for (j, level) in fanLevels.enumerated() { bands[j][t] = Descriptive.quantile(sorted: column, level) }
        }
        return bands
    }

    /// Bands over every `horizon`-day window of the real returns (stride 1), from the running
    /// sum C: window s at day t has P = 100·exp(C_{s+t} − C_s) (no copy of each window).
    static func realFan(_ real: [Double], horizon: Int) -> (bands: [[Double]], windows: Int) {
        let windows = real.count - horizon + 1
        var cum = [Double](repeating: 0, count: real.count + 1)
        for (i, r) in real.enumerated() { cum[i + 1] = cum[i] + r }
        var bands = Array(repeating: [Double](repeating: 0, count: horizon + 1), count: fanLevels.count)
        var column = [Double](repeating: 0, count: windows)
        for t in 0...horizon {
            for s in 0..<windows { column[s] = 100 * exp(cum[s + t] - cum[s]) }
            column.sort()
            for (j, level) in fanLevels.enumerated() { bands[j][t] = Descriptive.quantile(sorted: column, level) }
        }
        return (bands, windows)
    }

    // MARK: - Densities and QQ

    /// Sums of h consecutive returns within each series, every start (stride 1).
    static func overlappingSums(_ series: [[Double]], _ h: Int) -> [Double] {
        var out: [Double] = []
        for x in series where x.count >= h {
            var s = x[0..<h].reduce(0, +)
            out.append(s)
            for t in h..<x.count {
                s += x[t] - x[t - h]
                out.append(s)
            }
        }
        return out
    }

    /// Bins shared by both samples.
    static let densityBins = 60

    /// Both histograms on common bins, or nil when a sample is empty or constant.
    static func density(real: [Double], synthetic: [Double], horizon: Int) -> Density? {
        guard !real.isEmpty, !synthetic.isEmpty else { return nil }
        let r = real.sorted(), s = synthetic.sorted()
        let lo = min(Descriptive.quantile(sorted: r, 0.001), Descriptive.quantile(sorted: s, 0.001))
        let hi = max(Descriptive.quantile(sorted: r, 0.999), Descriptive.quantile(sorted: s, 0.999))
        guard hi > lo else { return nil }
        let edges = linspace(lo, hi, densityBins + 1)
        return Density(horizon: horizon, edges: edges, real: histogramDensity(r, edges), synthetic: histogramDensity(s, edges))
    }

    /// numpy.linspace(lo, hi, n): lo + i·step, the last edge exactly hi.
    static func linspace(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
        let step = (hi - lo) / Double(n - 1)
        var out = (0..<n).map { lo + Double($0) * step }
        out[n - 1] = hi
        return out
    }

    /// numpy.histogram(x, edges, density=True) of sorted `x`: bins [e_i, e_i+1), the last one
    /// closed; count / (in-range count · width).
    static func histogramDensity(_ sorted: [Double], _ edges: [Double]) -> [Double] {
        let bins = edges.count - 1
        var counts = [Double](repeating: 0, count: bins)
        var total = 0.0
        for x in sorted where x >= edges[0] && x <= edges[bins] {
            // The last edge ≤ x: binary search.
            var lo = 0, hi = bins
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                if edges[mid] <= x { lo = mid } else { hi = mid }
            }
            counts[lo] += 1
            total += 1
        }
        guard total > 0 else { return counts }
        return (0..<bins).map { counts[$0] / total / (edges[$0 + 1] - edges[$0]) }
    }

    /// The QQ probabilities: the tails at 0.1, 0.25 and 0.5 %, then 200 evenly spaced.
    static let qqProbabilities: [Double] = {
        let body: [Double] = (0..<200).map { (Double($0) + 0.5) / 200 }
        return [0.001, 0.0025, 0.005] + body + [0.995, 0.9975, 0.999]
    }()

    static func qq(real: [Double], synthetic: [Double]) -> QQ {
        let r = real.sorted(), s = synthetic.sorted()
        return QQ(probabilities: qqProbabilities, real: qqProbabilities.map { Descriptive.quantile(sorted: r, $0) },
                  synthetic: qqProbabilities.map { Descriptive.quantile(sorted: s, $0) })
    }

    // MARK: - Dependence

    /// Largest lag of the dependence charts.
    static let maxLag = 20

    static func dependence(real: [Double], synthetic: [[Double]]) throws -> Dependence {
        let k = min(maxLag, synthetic[0].count - 2, real.count - 2)
        guard k >= 1 else {
            throw ReportError.invalidInput("paths of \(synthetic[0].count) days are too short for an ACF (need at least 3)")
        }
        let length = synthetic.map(\.count).min()!
        let chunks = (0..<(real.count / length)).map { Array(real[$0 * length ..< ($0 + 1) * length]) }
        let curves = try chunks.map { try QuantGANs.curves(of: $0, maxLag: k) }
        func band(_ level: Double) -> DependenceCurves {
            func q(_ f: KeyPath<DependenceCurves, [Double]>) -> [Double] {
                (0..<k).map { lag in Descriptive.quantile(sorted: curves.map { $0[keyPath: f][lag] }.sorted(), level) }
            }
            return DependenceCurves(returns: q(\.acfReturns), absolute: q(\.acfAbsolute), squared: q(\.acfSquared),
                                    leverage: q(\.leverage))
        }
        return Dependence(maxLag: k, chunkLength: length, chunks: chunks.count,
                          synthetic: try QuantGANs.averageCurves(of: synthetic, maxLag: k),
                          real: try QuantGANs.curves(of: real, maxLag: k), realLow: band(0.05), realHigh: band(0.95))
    }

    // MARK: - Regimes

    static func regimeRisk(name: String, real: [Double], synthetic: [Double]) throws -> RegimeRisk {
        let s = try RiskMeasures.historical(synthetic, level: 0.01)
        var r: RiskMeasures.Estimate?
        var realStd: Double?
        if real.count >= 2 {
            r = try RiskMeasures.historical(real, level: 0.01)
            realStd = try Descriptive.standardDeviation(real)
        }
        return RegimeRisk(name: name, realDays: real.count, realStd: realStd,
                          syntheticStd: try Descriptive.standardDeviation(synthetic),
                          realVaR: r?.valueAtRisk, syntheticVaR: s.valueAtRisk,
                          realES: r?.expectedShortfall, syntheticES: s.expectedShortfall)
    }

    // MARK: - Memorization

    /// Window length of the memorization chart (as the realism scorecard's).
    static let memorizationWindow = ScenarioModel.realismMemorizationWindow

    static func memorization(real: [Double], trainingDays: Int, synthetic: [[Double]],
                             seed: UInt64) throws -> MemorizationDistances? {
        let w = memorizationWindow
        guard trainingDays >= w, real.count - trainingDays >= w, synthetic[0].count >= w else { return nil }
        let training = try Memorization.windows(of: Array(real[..<trainingDays]), length: w, stride: 1)
        let heldOut = try Memorization.windows(of: Array(real[trainingDays...]), length: w, stride: 1)
        let generated = synthetic.flatMap { p in stride(from: 0, through: p.count - w, by: w).map { Array(p[$0 ..< $0 + w]) } }
        // 500 windows of each kind draw the two distributions well and halve the search (the
        // realism scorecard's memorization target uses 1,000).
        var options = MemorizationOptions(maxQueries: 500)
        options.seed = seed
        let d = try Memorization.nearestDistances(generated: generated, training: training, heldOut: heldOut,
                                                  options: options)
        let score = try Memorization.score(d, options: options)
        return MemorizationDistances(windowLength: w, generated: d.generated, heldOut: d.heldOut, score: score)
    }

    // MARK: - Federation

    /// Reads the rounds of a the model's `federation` record (`ScenarioModel.records`) record.
    static func federation(from json: String) throws -> Federation {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw ReportError.invalidInput("the model's federation record is not a JSON object")
        }
        func number(_ v: Any?) -> Double? {
            let x = (v as? Double) ?? (v as? Int).map(Double.init)
            return x.flatMap { $0.isFinite ? $0 : nil }
        }
        let history = object["history"] as? [[String: Any]] ?? []
        let rounds = history.map { r in
            Round(round: (r["round"] as? Int) ?? 0, trainLoss: number(r["train_loss"]),
                  validationLoss: number(r["validation_loss"]), epsilon: number(r["epsilon"]),
                  participants: (r["participants"] as? Int) ?? 0, dropped: (r["dropped"] as? Int) ?? 0,
                  late: (r["late"] as? Int) ?? 0, rejected: (r["rejected"] as? [Int]) ?? [],
                  clientLosses: ((r["client_losses"] as? [[String: Any]]) ?? []).compactMap { c in
                      guard let id = c["client"] as? Int, let loss = number(c["train_loss"]) else { return nil }
                      return ClientLoss(client: id, trainLoss: loss)
                  })
        }
        let strategy = (object["strategy"] as? [String: Any])?["name"] as? String ?? "?"
        let privacy = (object["privacy"] as? [String: Any])?["enabled"] as? Bool ?? false
        return Federation(strategy: strategy, clientCount: (object["clients"] as? Int) ?? 0, privacy: privacy,
                          delta: number(object["delta"]), rounds: rounds)
    }
}

/// A report input that cannot be drawn.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// What is wrong and how to fix it.
    case invalidInput(String)

    public var description: String {
        switch self { case .invalidInput(let m): return "report: \(m)" }
    }
}
