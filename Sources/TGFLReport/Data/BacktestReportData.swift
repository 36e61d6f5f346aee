import Foundation
import TGFLCore
import TGFLStats

/// The numbers the backtest section draws, from a `WalkForwardBacktest` (issue 16): each
/// model's VaR forecasts against the realised returns with the exceptions, the table of
/// tests, and the histogram of the probability integral transforms (PIT).
///
/// ```
/// exception_t = 1{ −x_t > VaR_t }                       (x_t the realised h-day log return)
/// expected exceptions = α · n
/// PIT histogram: numpy.histogram(pit, linspace(0, 1, 21), density=True)   (uniform = 1)
/// ```
public struct BacktestReportData: Codable, Sendable, Equatable {
    /// Bins of the PIT histogram on [0, 1].
    public static let pitBins = 20

    /// One model's forecasts at one horizon, day by day.
    public struct Forecasts: Codable, Sendable, Equatable {
        /// The model's label ("TGFL", "HS-250", "FHS-GJR", …).
        public var model: String
        /// h in days.
        public var horizon: Int
        /// The forecast days (indices of the return series).
        public var days: [Int]
        /// The days' dates, when the series has them.
        public var dates: [String]?
        /// The realised h-day log returns.
        public var outcomes: [Double]
        /// Tail probabilities α, as in the backtest.
        public var levels: [Double]
        /// `valueAtRisk[level][day]`: the VaR forecast (positive = loss).
        public var valueAtRisk: [[Double]]
        /// `exceptions[level][day]`: the loss exceeded the VaR.
        public var exceptions: [[Bool]]
    }

    /// One row of the test table: a model, a horizon and a level.
    public struct Row: Codable, Sendable, Equatable {
        public var model: String
        public var horizon: Int
        /// α.
        public var level: Double
        /// Forecast days n.
        public var observations: Int
        /// Days whose loss exceeded the VaR.
        public var exceptions: Int
        /// α · n.
        public var expected: Double
        /// Kupiec's POF p-value.
        public var kupiecP: Double
        /// Christoffersen's conditional-coverage p-value.
        public var conditionalCoverageP: Double
        /// The traffic-light zone of the span.
        public var zone: String
        /// The Acerbi–Székely Z2 test's p-value.
        public var expectedShortfallP: Double
        /// Mean VaR and ES forecasts (positive = loss).
        public var meanValueAtRisk: Double
        public var meanExpectedShortfall: Double
    }

    /// The PIT histogram of one model at one horizon, with Berkowitz's test.
    public struct PIT: Codable, Sendable, Equatable {
        public var model: String
        public var horizon: Int
        /// Bin edges on [0, 1] (`pitBins` + 1).
        public var edges: [Double]
        /// Density per bin (a uniform PIT gives 1 everywhere).
        public var density: [Double]
        /// Berkowitz's LR statistic and its p-value.
        public var berkowitzLR: Double
        public var berkowitzP: Double
        /// PITs counted.
        public var observations: Int
    }

    /// The series' name.
    public var series: String
    /// The span of forecast days `[spanStart, spanEnd)`, and its dates when known.
    public var spanStart: Int
    public var spanEnd: Int
    public var spanDates: [String]?
    /// Horizons in days, in the backtest's order.
    public var horizons: [Int]
    /// Per model and horizon, in the backtest's order (TGFL first).
    public var forecasts: [Forecasts]
    /// Per model, horizon and level.
    public var rows: [Row]
    /// Per model and horizon.
    public var pits: [PIT]

    /// Reduces a backtest given as JSON (`WalkForwardBacktest.jsonString()`, `tgfl backtest --json`,
    /// `tgfl_backtest`, Python's `tgfl.backtest`).
    /// - Parameters:
    ///   - json: the backtest's JSON text.
    ///   - dates: the date of every return of the series (nil: none).
    /// - Throws: `ReportError.invalidInput` naming the key that is missing or malformed, or as `init(_:dates:)`.
    public init(json: String, dates: [String]? = nil) throws {
        try self.init(try ReportJSON.decode(WalkForwardBacktest.self, from: json, what: "the backtest JSON"), dates: dates)
    }

    /// Reduces a backtest to what the section draws.
    /// - Parameters:
    ///   - backtest: the walk-forward backtest.
    ///   - dates: the date of every return of the series the backtest ran on (nil: none).
    /// - Throws: `ReportError.invalidInput` when a result's lengths disagree with its horizon's
    ///   days, or `dates` does not cover the span.
    public init(_ backtest: WalkForwardBacktest, dates: [String]? = nil) throws {
        if let dates, dates.count < backtest.spanEnd {
            throw ReportError.invalidInput("the backtest runs to day \(backtest.spanEnd) but only \(dates.count) dates were given; "
                                           + "pass the dates of the whole series")
        }
        series = backtest.series
        spanStart = backtest.spanStart
        spanEnd = backtest.spanEnd
        spanDates = dates.map { [$0[backtest.spanStart], $0[backtest.spanEnd - 1]] }
        horizons = backtest.horizons.map(\.horizon)
        let edges = ScenarioReportData.linspace(0, 1, Self.pitBins + 1)
        forecasts = []; rows = []; pits = []
        for b in backtest.results {
            guard let h = backtest.horizons.first(where: { $0.horizon == b.horizon }) else {
                throw ReportError.invalidInput("\(b.model) has horizon \(b.horizon), which the backtest has no days for")
            }
            let n = h.days.count
            guard h.outcomes.count == n, b.pit.count == n, b.valueAtRisk.count == b.levels.count,
                  b.valueAtRisk.allSatisfy({ $0.count == n }) else {
                throw ReportError.invalidInput("\(b.model) at h=\(b.horizon): \(b.pit.count) PITs and VaR series of "
                                               + "\(b.valueAtRisk.map(\.count)) days for \(n) forecast days")
            }
            forecasts.append(Forecasts(model: b.model, horizon: b.horizon, days: h.days,
                                       dates: dates.map { d in h.days.map { d[$0] } }, outcomes: h.outcomes,
                                       levels: b.levels.map(\.level), valueAtRisk: b.valueAtRisk,
                                       exceptions: b.exceptions(outcomes: h.outcomes)))
            for l in b.levels {
                rows.append(Row(model: b.model, horizon: b.horizon, level: l.level, observations: l.observations,
                                exceptions: l.exceptions, expected: l.level * Double(l.observations),
                                kupiecP: l.kupiec.pValue, conditionalCoverageP: l.conditionalCoverage.pValue,
                                zone: l.zone.rawValue, expectedShortfallP: l.expectedShortfallTest.pValue,
                                meanValueAtRisk: l.meanValueAtRisk, meanExpectedShortfall: l.meanExpectedShortfall))
            }
            pits.append(PIT(model: b.model, horizon: b.horizon, edges: edges,
                            density: ScenarioReportData.histogramDensity(b.pit.sorted(), edges),
                            berkowitzLR: b.berkowitz.statistic, berkowitzP: b.berkowitz.pValue, observations: n))
        }
    }
}

/// Reads the JSON that the C ABI hands to the report (a backtest, a stress input).
enum ReportJSON {
    static func decode<T: Decodable>(_ type: T.Type, from text: String, what: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                         nan: "nan")
        do { return try decoder.decode(type, from: Data(text.utf8)) } catch {
            throw ReportError.invalidInput("\(what) is not valid: \(describe(error))")
        }
    }

    /// A decoding error as one line naming the key path.
    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch e {
        case .keyNotFound(let key, let c): return "missing key '\(key.stringValue)'" + (c.codingPath.isEmpty ? "" : " at \(path(c.codingPath))")
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "at \(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
