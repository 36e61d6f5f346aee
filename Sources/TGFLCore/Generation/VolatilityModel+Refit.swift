import Foundation
import TGFLStats

extension VolatilityModel {
    /// This model with its filter re-estimated on recent returns, for conditional generation
    /// that refits as the walk-forward baselines do (`ConditionalGenerationOptions.refitVolatilityEvery`).
    ///
    /// ```
    /// garch' = GARCHModel.fit([returns], same specification)      (GJR, Student t; checked against arch)
    /// σ_cap' = max(σ_cap, 1.25 · max σ_t of garch' over returns)    the floor, levels, regime
    ///                                                               variances, σ_0 quantiles and the
    ///                                                               MA(1) mean term are kept
    /// ```
    /// The network keeps its trained levels: `level(σ)` compares σ with the same edges.
    ///
    /// **Why (issue 16).** A model trained on the first 64 % of the pre-span days filters the
    /// span with that period's parameters. On the DAX (fitted 1991–96: persistence 0.915, long-run
    /// σ 0.92 %) the realised z of 1997–98 had std 1.26 and 1 % quantile −3.26 under that filter,
    /// so σ_t times even the right z quantile of the fitting days had 10 exceptions in 372 days at
    /// 99 % (3.7 expected); FHS-GJR, refitted on the last 1,000 days every 20 days, had 7.
    /// - Parameter returns: the returns to fit on (≥ 50, finite), oldest first.
    /// - Returns: the refitted model.
    /// - Throws: the errors of `GARCHModel.fit` (too few returns, a failed fit) and of `init`.
    public func refitted(on returns: [Double]) throws -> VolatilityModel {
        let fit = try GARCHModel.fit([returns], specification: garch.specification).model
        let largest = fit.conditionalVariances(returns).max() ?? 0
        var refit = try VolatilityModel(garch: fit, levelEdges: levelEdges, regimeVariances: regimeVariances,
                                        initialLogSigmaQuantiles: initialLogSigmaQuantiles, sigmaFloor: sigmaFloor,
                                        sigmaCap: max(sigmaCap, Self.capMultiplier * largest.squareRoot()))
        refit.generationMeanTerm = generationMeanTerm   // a property of the returns, not of the filter
        return refit
    }
}
