extension DependenceCurves {
    /// Curves from their values at lags 1 … K (e.g. a band of curves computed elsewhere).
    /// - Parameters: the ACF of r, |r| and r², and the leverage curve, each at lags 1 … K.
    public init(returns: [Double], absolute: [Double], squared: [Double], leverage: [Double]) {
        self.init(acfReturns: returns, acfAbsolute: absolute, acfSquared: squared, leverage: leverage)
    }
}
