import Foundation
import TGFLRandom

extension RiskForecaster {
    /// The forecast distributions of the cumulative return over each horizon after `history`
    /// (the distributions behind `forecast`, for the PIT and the ES backtest).
    ///
    /// ```
    /// HS:        h = 1: the window's returns;          h > 1: `simulations` bootstrap sums
    /// FHS:       h = 1: μ + σ_{T+1} z_i (z the window's standardized residuals);
    ///            h > 1: `simulations` filtered-bootstrap sums (the variance recursion per path)
    /// GARCH-t:   h = 1: μ + σ_{T+1} √((ν−2)/ν) · t_ν;   h > 1: `simulations` simulated sums
    /// ```
    /// VaR / ES of these (`PredictiveDistribution.risk`) equal `forecast`'s.
    /// - Parameters:
    ///   - history: the returns up to and including day T (at least `window`, finite).
    ///   - model: the fitted model (GARCH methods; ignored by HS).
    ///   - stream: the random stream of the simulations.
    /// - Returns: one distribution per horizon, in the order of `horizons`.
    /// - Throws: `StatsError` for a short or non-finite history or a missing model.
    public func predictive(_ history: [Double], model: GARCHModel?, stream: UInt64 = 0) throws -> [PredictiveDistribution] {
        let w = try window(history)
        var rng = SeededRNG(seed: seed, stream: stream)
        guard let spec = method.specification else {
            return horizons.map { h in
                if h == 1 { return .sample(w.sorted()) }
                let sums = (0..<simulations).map { _ in (0..<h).reduce(0.0) { acc, _ in acc + w[rng.int(below: w.count)] } }
                return .sample(sums.sorted())
            }
        }
        guard let model, model.specification.variance == spec.variance,
              model.specification.innovations == spec.innovations else {
            throw StatsError.invalidParameter("\(method.name): a fitted \(spec.variance.rawValue)-\(spec.innovations.rawValue) model is required (call fit(_:) first)")
        }
        let mu = model.specification.constantMean ? model.mu : 0
        let s2 = model.conditionalVariances(w)
        let next = model.nextVariance(residual: w[w.count - 1] - mu, variance: s2[s2.count - 1])
        let z = zip(w, s2).map { ($0 - mu) / $1.squareRoot() }
        return horizons.map { h in
            if h > 1 {
                return .sample(simulatedSums(model: model, next: next, residuals: z, horizon: h, rng: &rng).sorted())
            }
            if case .garchT = method, let nu = model.nu {
                return .studentT(location: mu, scale: next.squareRoot() * ((nu - 2) / nu).squareRoot(), degreesOfFreedom: nu)
            }
            return .sample(z.map { mu + next.squareRoot() * $0 }.sorted())
        }
    }

    /// Walk-forward forecast distributions: for each day t of `days`, `predictive` with
    /// `returns[..<t]` (so the outcome is `returns[t ..< t + h]`), refitting every `refitEvery` days.
    /// Day t's simulations use stream t: the result does not depend on the thread count.
    /// - Parameters:
    ///   - returns: the whole series.
    ///   - days: forecast days, each in `window...count`.
    ///   - refitEvery: days between refits (≥ 1).
    /// - Returns: per day, one distribution per horizon.
    /// - Throws: `StatsError` for a bad day, non-finite returns or a failed fit.
    public func walkForwardPredictive(_ returns: [Double], days: [Int], refitEvery: Int = 20) throws -> [[PredictiveDistribution]] {
        try walkForward(returns, days: days, refitEvery: refitEvery) { window, model, t in
            try predictive(window, model: model, stream: UInt64(t))
        }
    }
}
