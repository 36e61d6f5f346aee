import Foundation

/// Result of a test whose statistic is compared with a χ² (or other) reference distribution.
public struct TestResult: Sendable, Equatable {
    /// The test statistic.
    public let statistic: Double
    /// The p-value.
    public let pValue: Double
}

/// The Jarque–Bera test of normality.
public enum JarqueBera {

    /// Jarque–Bera statistic and p-value, as `scipy.stats.jarque_bera`.
    ///
    /// ```
    /// JB = n/6 · ( S² + K²/4 ),   S = g1 (biased skewness), K = g2 (biased excess kurtosis)
    /// p  = P(χ²₂ > JB) = exp(−JB/2)
    /// ```
    /// - Parameter x: the sample (finite, at least 2 values, not constant).
    /// - Returns: statistic and asymptotic p-value.
    /// - Throws: `StatsError` for empty, non-finite, too-short or constant input.
    /// - Reference: `scipy.stats.jarque_bera`; Jarque & Bera (1980), Economics Letters 6(3).
    public static func test(_ x: [Double]) throws -> TestResult {
        try Check.finite(x, "x", atLeast: 2, for: "the Jarque–Bera test")
        let s = try Descriptive.skewness(x)
        let k = try Descriptive.excessKurtosis(x)
        let jb = Double(x.count) / 6 * (s * s + k * k / 4)
        return TestResult(statistic: jb, pValue: ChiSquared.uncheckedSF(jb, 2))
    }
}
