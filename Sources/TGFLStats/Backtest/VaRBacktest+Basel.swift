import Foundation

/// The Basel traffic light of the last 250 days of a 99 % VaR model.
public struct BaselAssessment: Sendable, Equatable, Codable {
    /// Exceptions in the last 250 days.
    public let exceptions: Int
    /// Days counted (250).
    public let observations: Int
    /// The zone of `exceptions` in 250 days (Basel's table).
    public let zone: BaselZone
    /// The capital multiplier: 3 plus the plus factor of the zone.
    public let multiplier: Double
}


extension VaRBacktest {
    /// Days of the Basel backtesting window.
    public static let baselWindow = 250

    /// The Basel multiplier (3 + plus factor) for a number of exceptions of a 99 % VaR in 250 days.
    ///
    /// ```
    /// exceptions   0–4    5     6     7     8     9     ≥ 10
    /// multiplier   3.00   3.40  3.50  3.65  3.75  3.85  4.00
    /// ```
    /// - Parameter x: exceptions in 250 days (≥ 0).
    /// - Returns: the multiplier.
    /// - Throws: `StatsError.invalidParameter` for a negative count.
    /// - Reference: Basel Committee on Banking Supervision (1996), "Supervisory framework for the use
    ///   of backtesting in conjunction with the internal models approach", Table 2.
    public static func baselMultiplier(exceptionCount x: Int) throws -> Double {
        guard x >= 0 else { throw StatsError.invalidParameter("exceptionCount must be ≥ 0, got \(x)") }
        let plus: [Double] = [0, 0, 0, 0, 0, 0.40, 0.50, 0.65, 0.75, 0.85]
        return 3 + (x < plus.count ? plus[x] : 1.0)
    }

    /// The traffic light over the last 250 days of a 99 % VaR exception sequence. The zone uses
    /// `trafficLight` (Basel's table at 250 days); the multiplier Table 2.
    /// - Parameter exceptions: the hit sequence (at least 250 days).
    /// - Returns: exceptions, days, zone and multiplier.
    /// - Throws: `StatsError.tooShort` for fewer than 250 days.
    public static func basel(exceptions: [Bool]) throws -> BaselAssessment {
        guard exceptions.count >= baselWindow else {
            throw StatsError.tooShort("exceptions has \(exceptions.count) days; Basel's traffic light counts the last \(baselWindow)")
        }
        let window = exceptions.suffix(baselWindow)
        let x = window.lazy.filter { $0 }.count
        let zone = try trafficLight(exceptionCount: x, observations: window.count, level: 0.01).zone
        return BaselAssessment(exceptions: x, observations: window.count, zone: zone,
                               multiplier: try baselMultiplier(exceptionCount: x))
    }
}
