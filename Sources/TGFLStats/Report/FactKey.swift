/// The stable machine keys of the stylized facts (`StylizedFact.key`) and the realism targets
/// (`RealismTarget.key`): one list, shared by the reports, the demo, the HTML report and the
/// benchmarks, so a key is never spelled twice. They are part of the JSON the reports write.
public enum FactKey: String, CaseIterable, Sendable {
    /// Fair KS: median p over real-size subsamples of the synthetic days.
    case ksFair = "ks_fair"
    case std
    case excessKurtosis = "excess_kurtosis"
    case skewness
    /// Mean ACF of |r| over the report's lags.
    case absACFMean = "abs_acf_mean"
    /// Mean leverage corr(r_t, r²_{t+k}) over the report's lags.
    case leverageMean = "leverage_mean"
    /// Max |ACF of r| over the report's lags.
    case returnACFMax = "return_acf_max"
    case worstDay = "worst_day"
    case worstDayPooled = "worst_day_pooled"
    case hillLeftTail = "hill_left_tail"
    case memorization
    /// Realism target: fair ACF|r| L2 error, judged against GARCH-t's.
    case acfAbsError = "acf_abs_error"
    /// Realism target: fair leverage L2 error, judged against GJR's.
    case leverageError = "leverage_error"
    /// 1 % VaR and ES (the historical risk rows at 1 %).
    case var1 = "var_1"
    case es1 = "es_1"
    /// Realism target: the sign of the mean return on crisis days.
    case crisisMean = "crisis_mean"

    /// The historical VaR row at `percent` (1 → `var_1`).
    public static func valueAtRisk(percent: Int) -> String { "var_\(percent)" }
    /// The historical ES row at `percent` (1 → `es_1`).
    public static func expectedShortfall(percent: Int) -> String { "es_\(percent)" }
    /// Prefix of the per-regime std targets (`regime_std.<regime>`).
    public static let regimeStdPrefix = "regime_std."
    /// Prefix of the per-regime 1 % VaR targets (`regime_var.<regime>`).
    public static let regimeVaRPrefix = "regime_var."
}
