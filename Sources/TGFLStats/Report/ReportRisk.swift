/// The tail and risk numbers of the report, from `TailIndex` and `RiskMeasures`.
enum ReportRisk {
    /// Hill tail index α of the losses −r with the default k = ⌊√n⌋ (`TailIndex.hill`).
    static func hillLeftTail(_ r: [Double]) throws -> Double {
        try TailIndex.hill(r, tail: .left).alpha
    }

    /// Historical VaR and ES at tail probability α (`RiskMeasures.historical`), positive = loss.
    static func valueAtRiskAndES(_ r: [Double], alpha: Double) throws -> (valueAtRisk: Double, expectedShortfall: Double) {
        let e = try RiskMeasures.historical(r, level: alpha)
        return (e.valueAtRisk, e.expectedShortfall)
    }
}
