import TGFLBase
import Foundation
import TGFLRandom

/// A conditional VaR / ES forecast of the cumulative log return over the next `horizon` days.
///
/// Sign convention as `RiskMeasures`: **losses are positive**; with R = Σ_{k=1}^{h} r_{T+k},
/// VaR_α = −q_α(R) and ES_α = −E[R | R ≤ q_α(R)].
public struct RiskForecast: Sendable, Equatable, Codable {
    /// Tail probability α (e.g. 0.01 for the 99 % VaR).
    public var level: Double
    /// Horizon h in days.
    public var horizon: Int
    /// Value-at-Risk (positive = loss).
    public var valueAtRisk: Double
    /// Expected Shortfall (positive = loss).
    public var expectedShortfall: Double
}

/// The conditional VaR / ES baselines of issue #16: historical simulation, filtered historical
/// simulation with GARCH(1,1) or GJR-GARCH(1,1,1), and the parametric GARCH(1,1)-t.
///
/// - HS(w): the empirical quantile and tail mean of the last w returns (numpy's linear
///   quantile); h days by bootstrapping h of those returns and summing.
/// - FHS (Barone-Adesi, Giannopoulos & Vosper 1999, "VaR without correlations for portfolios
///   of derivative securities", J. Futures Markets 19): a normal QMLE GARCH/GJR fit on the last
///   w returns, standardized residuals z, the one-step variance σ²_{T+1};
///   ```
///   one step:  VaR = −(μ + σ_{T+1} q_α(z)),  ES = −(μ + σ_{T+1} mean{z ≤ q_α(z)})
///   h steps:   r_{T+k} = μ + σ_{T+k} z*,  z* drawn from z with replacement,  σ² by the recursion
///   ```
/// - GARCH-t: a GARCH(1,1) fit with standardized Student-t innovations;
///   ```
///   one step:  VaR = −(μ + σ_{T+1} s t_α),  ES = −(μ − σ_{T+1} s (ν + t_α²)/(ν − 1) f_ν(t_α)/α)
///   ```
///   with s = √((ν−2)/ν), t_α the t_ν quantile and f_ν its density; h steps by simulating the
///   fitted model.
///
/// The simulations draw from `SeededRNG(seed: seed, stream: stream)`; `walkForward` uses the
/// forecast day as the stream, so its results do not depend on the thread count.
/// The tests check every method against `arch` and numpy (`Tests/Fixtures/make_garch_reference.py`).
public struct RiskForecaster: Sendable {
    /// Which baseline.
    public enum Method: Sendable, Hashable, Codable {
        /// Historical simulation on the last `window` returns (250 or 500 in issue #16).
        case historical(window: Int)
        /// Filtered historical simulation with a normal-QMLE GARCH(1,1) (`.garch`) or
        /// GJR-GARCH(1,1,1) (`.gjr`) fitted on the last `window` returns.
        case filteredHistorical(variance: GARCHSpecification.Variance, window: Int)
        /// GARCH(1,1) with standardized Student-t innovations fitted on the last `window` returns.
        case garchT(window: Int)

        /// A short label: "HS-250", "FHS-GARCH", "FHS-GJR", "GARCH-t".
        public var name: String {
            switch self {
            case .historical(let w): return "HS-\(w)"
            case .filteredHistorical(let v, _): return v == .gjr ? "FHS-GJR" : "FHS-GARCH"
            case .garchT: return "GARCH-t"
            }
        }

        /// The estimation window.
        public var window: Int {
            switch self {
            case .historical(let w), .filteredHistorical(_, let w), .garchT(let w): return w
            }
        }

        /// The GARCH specification the method fits (nil for historical simulation).
        public var specification: GARCHSpecification? {
            switch self {
            case .historical: return nil
            case .filteredHistorical(let v, _): return GARCHSpecification(variance: v, innovations: .normal)
            case .garchT: return GARCHSpecification(variance: .garch, innovations: .studentT)
            }
        }
    }

    public var method: Method
    /// Tail probabilities α, each in (0, 0.5).
    public var levels: [Double]
    /// Horizons in days, each ≥ 1.
    public var horizons: [Int]
    /// Monte Carlo / bootstrap paths for horizons > 1.
    public var simulations: Int
    /// The seed of the simulations.
    public var seed: UInt64

    /// Creates a forecaster.
    /// - Parameters:
    ///   - method: the baseline.
    ///   - levels: tail probabilities (default 1 % and 2.5 %, the 99 % and 97.5 % levels).
    ///   - horizons: horizons in days (default 1 and 10).
    ///   - simulations: paths for horizons > 1 (default 10,000).
    ///   - seed: the seed (default 0).
    /// - Throws: `StatsError.invalidParameter` naming the bad option (window < 50 for the GARCH
    ///   methods or < 2 for HS, a level outside (0, 0.5), a horizon < 1, simulations < 100).
    public init(method: Method, levels: [Double] = [0.01, 0.025], horizons: [Int] = [1, 10],
                simulations: Int = 10_000, seed: UInt64 = 0) throws {
        self.method = method
        self.levels = levels
        self.horizons = horizons
        self.simulations = simulations
        self.seed = seed
        let minWindow = method.specification == nil ? 2 : 50
        guard method.window >= minWindow else {
            throw StatsError.invalidParameter("\(method.name): window must be ≥ \(minWindow) returns, got \(method.window)")
        }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 && $0 < 0.5 }) else {
            throw StatsError.invalidParameter("risk forecaster: levels must be tail probabilities in (0, 0.5) such as 0.01, got \(levels)")
        }
        guard !horizons.isEmpty, horizons.allSatisfy({ $0 >= 1 }) else {
            throw StatsError.invalidParameter("risk forecaster: horizons must be ≥ 1 day, got \(horizons)")
        }
        guard simulations >= 100 else {
            throw StatsError.invalidParameter("risk forecaster: simulations must be ≥ 100, got \(simulations)")
        }
    }

    /// Fits the method's model on the last `window` returns of `history` (nil for HS).
    /// - Throws: `StatsError` when the history is shorter than the window or cannot be fitted.
    public func fit(_ history: [Double]) throws -> GARCHModel? {
        guard let spec = method.specification else { return nil }
        let w = try window(history)
        return try GARCHModel.fit([w], specification: spec).model
    }

    /// The forecasts for the days after `history`, fitting the model on its last `window` returns.
    /// - Parameters:
    ///   - history: the returns up to and including day T (at least `window`, finite).
    ///   - stream: the random stream of the simulations (e.g. the forecast day's index).
    /// - Returns: one forecast per (horizon, level), horizons outer, in the order given.
    /// - Throws: `StatsError` for a short or non-finite history or a failed fit.
    public func forecast(_ history: [Double], stream: UInt64 = 0) throws -> [RiskForecast] {
        try forecast(history, model: fit(history), stream: stream)
    }

    /// The forecasts for the days after `history` with a given model (no refit): the model
    /// filters the last `window` returns (arch's backcast at the window's start).
    /// - Parameters:
    ///   - history: the returns up to and including day T (at least `window`, finite).
    ///   - model: the fitted model (required for the GARCH methods, ignored by HS).
    ///   - stream: the random stream of the simulations.
    /// - Returns: one forecast per (horizon, level), horizons outer.
    /// - Throws: `StatsError` for a short or non-finite history or a missing model.
    public func forecast(_ history: [Double], model: GARCHModel?, stream: UInt64 = 0) throws -> [RiskForecast] {
        let w = try window(history)
        var rng = SeededRNG(seed: seed, stream: stream)
        var out = [RiskForecast]()
        guard let spec = method.specification else {
            // Historical simulation.
            let sorted = w.sorted()
            for h in horizons {
                if h == 1 {
                    out += Self.tail(sorted: sorted, levels: levels, horizon: 1)
                } else {
                    var sums = [Double](repeating: 0, count: simulations)
                    for s in 0..<simulations {
                        var acc = 0.0
                        for _ in 0..<h { acc += w[rng.int(below: w.count)] }
                        sums[s] = acc
                    }
                    sums.sort()
                    out += Self.tail(sorted: sums, levels: levels, horizon: h)
                }
            }
            return out
        }
        guard let model else {
            throw StatsError.invalidParameter("\(method.name): a fitted GARCH model is required (call fit(_:) first)")
        }
        guard model.specification.variance == spec.variance, model.specification.innovations == spec.innovations else {
            throw StatsError.invalidParameter(
                "\(method.name): the model is \(model.specification.variance.rawValue)-\(model.specification.innovations.rawValue), expected \(spec.variance.rawValue)-\(spec.innovations.rawValue)")
        }
        let mu = model.specification.constantMean ? model.mu : 0
        let s2 = model.conditionalVariances(w)
        let next = model.nextVariance(residual: w[w.count - 1] - mu, variance: s2[s2.count - 1])
        let z = zip(w, s2).map { ($0 - mu) / $1.squareRoot() }
        let zSorted = z.sorted()
        for h in horizons {
            if h == 1 {
                let sd = next.squareRoot()
                for a in levels {
                    let q: Double, tail: Double
                    if case .garchT = method, let nu = model.nu {
                        let s = ((nu - 2) / nu).squareRoot()
                        let t = StudentT.uncheckedQuantile(a, nu)
                        q = s * t
                        tail = -s * (nu + t * t) / (nu - 1) * StudentT.uncheckedPDF(t, nu) / a
                    } else {
                        q = Descriptive.quantile(sorted: zSorted, a)
                        var sum = 0.0, c = 0
                        for v in zSorted { if v <= q { sum += v; c += 1 } else { break } }
                        tail = sum / Double(c)
                    }
                    out.append(RiskForecast(level: a, horizon: 1, valueAtRisk: -(mu + sd * q),
                                            expectedShortfall: -(mu + sd * tail)))
                }
            } else {
                var sums = simulatedSums(model: model, next: next, residuals: z, horizon: h, rng: &rng)
                sums.sort()
                out += Self.tail(sorted: sums, levels: levels, horizon: h)
            }
        }
        return out
    }

    /// `simulations` draws of Σ_{k=1}^{h} r_{T+k} from σ²_{T+1} = `next`: FHS bootstraps the
    /// standardized residuals z, GARCH-t draws the model's innovations.
    func simulatedSums(model: GARCHModel, next: Double, residuals z: [Double], horizon h: Int,
                       rng: inout SeededRNG) -> [Double] {
        let mu = model.specification.constantMean ? model.mu : 0
        let density = model.density
        let bootstrap = method.specification?.innovations == .normal   // FHS
        var sums = [Double](repeating: 0, count: simulations)
        for s in 0..<simulations {
            var v = next, acc = 0.0
            for _ in 0..<h {
                let zs = bootstrap ? z[rng.int(below: z.count)] : density.sample(&rng)
                let e = v.squareRoot() * zs
                acc += mu + e
                v = model.nextVariance(residual: e, variance: v)
            }
            sums[s] = acc
        }
        return sums
    }

    /// Walk-forward forecasts: for each day t in `range` the forecast made with `returns[..<t]`
    /// (so `returns[t]` is the first day forecast), refitting on the trailing window every
    /// `refitEvery` days (the first day always fits).
    /// - Parameters:
    ///   - returns: the whole series.
    ///   - range: the forecast days; `range.lowerBound` ≥ `window`, `range.upperBound` ≤ count.
    ///   - refitEvery: days between refits (≥ 1).
    /// - Returns: one array of forecasts per day of `range`, in order.
    /// - Throws: `StatsError` for a bad range, non-finite returns or a failed fit.
    public func walkForward(_ returns: [Double], range: Range<Int>, refitEvery: Int = 20) throws -> [[RiskForecast]] {
        try walkForward(returns, days: Array(range), refitEvery: refitEvery) { window, model, t in
            try forecast(window, model: model, stream: UInt64(t))
        }
    }

    /// The walk-forward loop shared by `walkForward` and `walkForwardPredictive`: fits on the
    /// trailing window every `refitEvery` forecast days (sequentially; a failed refit keeps the
    /// previous model), then calls `body` with
    /// each day's window, model and index in parallel.
    func walkForward<R>(_ returns: [Double], days: [Int], refitEvery: Int,
                        _ body: @escaping @Sendable ([Double], GARCHModel?, Int) throws -> R) throws -> [R] {
        try Check.finite(returns, "returns")
        guard days.allSatisfy({ $0 >= method.window && $0 <= returns.count }) else {
            throw StatsError.invalidParameter(
                "walk-forward: forecast days \(days.first ?? 0)…\(days.last ?? 0) must lie in \(method.window)..<\(returns.count + 1) (a full \(method.window)-day window before each)")
        }
        guard refitEvery >= 1 else {
            throw StatsError.invalidParameter("walk-forward: refitEvery must be ≥ 1, got \(refitEvery)")
        }
        guard !days.isEmpty else { return [] }
        var models = [GARCHModel?](repeating: nil, count: days.count)
        if method.specification != nil {
            var current: GARCHModel?
            for (k, t) in days.enumerated() {
                guard k % refitEvery == 0 else { models[k] = current; continue }
                // A refit that fails (e.g. an optimum on the stationarity boundary) keeps the last
                // good model; only the first fit must succeed.
                do { current = try fit(Array(returns[..<t])) } catch { if current == nil { throw error } }
                models[k] = current
            }
        }
        let fitted = models, window = method.window
        var out = [R?](repeating: nil, count: days.count)
        var failure: [Error?] = [Error?](repeating: nil, count: days.count)
        out.withUnsafeMutableBufferPointer { res in
            failure.withUnsafeMutableBufferPointer { err in
                let res = UncheckedSendable(res), err = UncheckedSendable(err)
                let chunks = min(days.count, 16)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for k in (c * days.count / chunks)..<((c + 1) * days.count / chunks) {
                        let t = days[k]
                        do { res.value[k] = try body(Array(returns[(t - window)..<t]), fitted[k], t) } catch { err.value[k] = error }
                    }
                }
            }
        }
        if let e = failure.compactMap({ $0 }).first { throw e }
        return out.map { $0! }
    }

    /// The last `window` returns, validated.
    func window(_ history: [Double]) throws -> [Double] {
        try Check.finite(history, "history")
        guard history.count >= method.window else {
            throw StatsError.tooShort("\(method.name): history has \(history.count) returns; the window needs \(method.window)")
        }
        return Array(history.suffix(method.window))
    }

    /// VaR / ES of a sorted sample at each level (numpy's linear quantile; ES the mean of the
    /// values ≤ the quantile).
    static func tail(sorted: [Double], levels: [Double], horizon: Int) -> [RiskForecast] {
        levels.map { a in
            let q = Descriptive.quantile(sorted: sorted, a)
            var s = 0.0, c = 0
            for v in sorted { if v <= q { s += v; c += 1 } else { break } }
            return RiskForecast(level: a, horizon: horizon, valueAtRisk: -q, expectedShortfall: -s / Double(c))
        }
    }
}
