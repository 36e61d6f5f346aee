import Foundation

/// Plausibility checks of daily log-return series before they are tokenized, so that a wrong
/// column (prices or volumes read as returns) or one absurd price fails loudly instead of
/// training "successfully" with (nearly) every return in one token bin.
///
/// ```
/// med = median(r)     s = 1.4826 · median(|r − med|)      (MAD, consistent for the normal σ)
///                     s = standard deviation when the MAD is 0
/// z_i = |r_i − med| / s          fail when max z_i > maxDeviations (default 1000)
/// fail when s = 0 (every return equal) or a return is not finite
/// ```
/// The 1987 crash (−22.9 %, the worst day of the S&P 500) is about 30 robust standard
/// deviations; 1000 leaves a wide margin for real data while catching a price of 1e308 among
/// prices of 1,300, or a price column read as returns. Rousseeuw & Croux (1993), "Alternatives
/// to the median absolute deviation", JASA 88(424), for the MAD scale.
public enum DataSanity {
    /// Robust standard deviations from the median beyond which a return is called absurd.
    public static let maxDeviations = 1000.0

    /// Throws when a return series is implausible for daily log returns.
    ///
    /// - Parameters:
    ///   - returns: the log returns of one series, in day order.
    ///   - series: the series' name (e.g. the CSV column), for the message.
    ///   - file: the file it came from, when there is one.
    ///   - maxDeviations: the threshold on robust standard deviations (> 0).
    /// - Throws: `TGFLError.data(file:row:column:message:)` naming the series, the index of the
    ///   worst return, its value and its distance in standard deviations, with a hint.
    public static func check(returns: [Double], series: String, file: String? = nil,
                             maxDeviations: Double = DataSanity.maxDeviations) throws {
        func fail(_ message: String) -> TGFLError {
            .data(file: file ?? "<memory>", row: nil, column: series, message: message)
        }
        guard returns.count >= 2 else { return }
        if let i = returns.firstIndex(where: { !$0.isFinite }) {
            throw fail("series '\(series)': return [\(i)] = \(returns[i]) is not finite; a price is zero, "
                + "negative, empty or overflows, so fix that row")
        }
        let median = Self.median(returns)
        var scale = 1.4826 * Self.median(returns.map { abs($0 - median) })
        if !(scale > 0) {
            let mean = returns.reduce(0, +) / Double(returns.count)
            let variance = returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(returns.count - 1)
            scale = variance.squareRoot()
        }
        guard scale > 0, scale.isFinite else {
            throw fail("series '\(series)': all \(returns.count) returns equal \(returns[0]), so every day would "
                + "fall in one token bin; is this a constant column (e.g. an id or a date)?")
        }
        var worst = 0, worstZ = 0.0
        for (i, r) in returns.enumerated() {
            let z = abs(r - median) / scale
            if z > worstZ { worstZ = z; worst = i }
        }
        guard worstZ <= maxDeviations else {
            throw fail("series '\(series)': return [\(worst)] = \(Self.format(returns[worst])) is "
                + "\(Self.format(worstZ)) standard deviations from the median (\(Self.format(median))); "
                + "is this a price column read as returns, or is one price wrong? Fix the data")
        }
    }

    /// The median of a non-empty array (mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }

    /// Four significant digits (`705.3`, `2.1e+05`).
    static func format(_ x: Double) -> String {
        String(format: abs(x) >= 1e5 || (abs(x) < 1e-3 && x != 0) ? "%.2g" : "%.4g", x)
    }
}
