/// The caps `ModelConfig.validate()` enforces, shared with the C ABI's `tgfl_model_create`.
extension ModelConfig {
    /// The most transformer blocks a config may have (the C ABI's cap, too).
    public static let maxLayers = 4096

    /// `ParameterLayout(config:).count` computed with overflow checks, or nil on overflow.
    ///
    /// ```
    /// count = 2VC + TC + RC + L(4C + 3C² + 3C + C² + C + FC + F + CF + C) + 2C + V
    /// ```
    public static func checkedParameterCount(_ c: ModelConfig) -> Int? {
        func mul(_ a: Int, _ b: Int) -> Int? {
            let (r, o) = a.multipliedReportingOverflow(by: b)
            return o ? nil : r
        }
        func add(_ terms: Int?...) -> Int? {
            var total = 0
            for term in terms {
                guard let term else { return nil }
                let (r, o) = total.addingReportingOverflow(term)
                if o { return nil }
                total = r
            }
            return total
        }
        let V = c.vocabSize, T = c.contextLength, C = c.dModel, F = c.dFF, L = c.nLayers
        let R = c.conditionCount, v2 = c.modelVersion >= 2
        let threeC = mul(3, C)
        let perBlock = add(mul(4, C), threeC.flatMap { mul($0, C) }, threeC, mul(C, C), C,
                           mul(F, C), F, mul(C, F), C)
        return add(mul(V, C), mul(T, C), mul(R, C), perBlock.flatMap { mul(L, $0) }, mul(2, C),
                   mul(V, C), V, v2 ? mul(c.volatilityLevels, V) : 0)
    }
}
