import Foundation

/// Prices (or volumes) passed where daily log returns are expected.
///
/// `DataSanity.check` catches absurd values, but a price series of the S&P 500 (1,300, 1,310,
/// …) is smooth enough to pass it, and a model trained on it "generates returns" of 672 and
/// 1,285. This test looks at the shape of the series instead:
///
/// ```
/// looks like prices  ⇔  every value > 0
///                       and ( median |x| > 0.5                     (a 65 % median daily move)
///                             or n ≥ 20 and ρ₁ > 0.9 )              (levels, not increments)
/// ρ₁ = Σ (x_t − x̄)(x_{t−1} − x̄) / Σ (x_t − x̄)²                   (lag-1 autocorrelation)
/// ```
/// Real daily log returns are about half negative, with median |r| near 0.006 (S&P 500) and
/// ρ₁ within ±0.1; price levels, exchange rates (EUR/USD near 1.1) and volumes are positive and
/// ρ₁ ≈ 1. The check is a warning, not an error: `TrainingOptions.allowPrices` and the C
/// `allow_prices` field silence it, and the `tgfl` command refuses such data unless
/// `--allow-prices`.
extension DataSanity {
    /// Values at or above which a median magnitude is not a daily log return.
    public static let priceMedianMagnitude = 0.5
    /// Lag-1 autocorrelation above which a positive series is called a level series.
    public static let priceAutocorrelation = 0.9
    /// Fewest values for the autocorrelation rule.
    public static let priceMinimumCount = 20

    /// Why `values` look like prices rather than log returns, or nil when they do not.
    ///
    /// - Parameters:
    ///   - values: the series as it would be trained on.
    ///   - series: its name, for the message.
    /// - Returns: a one-line explanation with the fix, or nil (also for series with a
    ///   non-finite value or fewer than two values: `check` reports those).
    public static func pricesWarning(values: [Double], series: String) -> String? {
        let n = values.count
        guard n >= 2, values.allSatisfy({ $0.isFinite && $0 > 0 }) else { return nil }
        let medianMagnitude = median(values.map(abs))
        let rho = n >= priceMinimumCount ? lagOneAutocorrelation(values) : nil
        let levels = rho.map { $0 > priceAutocorrelation } ?? false
        guard medianMagnitude > priceMedianMagnitude || levels else { return nil }
        let reason = levels ? "lag-1 autocorrelation \(format(rho ?? 0))" : "median magnitude \(format(medianMagnitude))"
        return "series '\(series)' looks like prices, not daily log returns: all \(n) values are positive "
            + "with \(reason); pass log returns, ln(P_t / P_{t-1}) (e.g. numpy.diff(numpy.log(prices))), "
            + "or allow it explicitly (allow_prices / --allow-prices)"
    }

    /// Sends `pricesWarning` for each series to `TGFLWarnings.emit` (what the trainers call).
    public static func warnIfPrices(_ series: [ReturnSeries]) {
        for s in series {
            if let message = pricesWarning(values: s.values, series: s.name) { TGFLWarnings.emit(message) }
        }
    }

    /// ρ₁ of `values` (0 for a constant series).
    static func lagOneAutocorrelation(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        var numerator = 0.0, denominator = 0.0
        for t in values.indices {
            let d = values[t] - mean
            denominator += d * d
            if t > 0 { numerator += d * (values[t - 1] - mean) }
        }
        return denominator > 0 ? numerator / denominator : 0
    }
}

/// Where TGFL's warnings go: by default one line `tgfl: warning: …` on standard error.
/// Applications (the C ABI's `tgfl_log_set`, a notebook, a GUI) replace the handler.
public enum TGFLWarnings {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: (@Sendable (String) -> Void)?

    /// The handler for warnings; nil restores the standard-error default.
    public static var handler: (@Sendable (String) -> Void)? {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    /// Sends one warning to the handler.
    public static func emit(_ message: String) {
        if let handler { handler(message) } else {
            FileHandle.standardError.write(Data("tgfl: warning: \(message)\n".utf8))
        }
    }
}
