import TGFLCore
import TGFLStats

/// What a scenario report is made from: real returns, scenario sets, and optionally the
/// model's training and federation records.
public struct ScenarioReportInput: Sendable {
    /// One named set of synthetic paths (daily log returns, one array per path).
    public struct ScenarioSet: Sendable {
        /// Name shown in the charts (e.g. "calm", "unconditional").
        public var name: String
        /// The paths; all of one length (the horizon).
        public var paths: [[Double]]
        /// For a set generated in one regime: the real days that regime labels (for the
        /// per-regime std/VaR/ES bars); nil for an overall set.
        public var realRegimeDays: [Double]?

        /// Creates a set.
        public init(name: String, paths: [[Double]], realRegimeDays: [Double]? = nil) {
            self.name = name; self.paths = paths; self.realRegimeDays = realRegimeDays
        }

        /// Whether the set was generated in one regime.
        public var isRegime: Bool { realRegimeDays != nil }
    }

    /// Page title.
    public var title: String
    /// Name of the real series (e.g. "S&P 500").
    public var realName: String
    /// The real daily log returns, oldest first.
    public var real: [Double]
    /// The scenario sets: per regime and/or overall. The densities, QQ plot, dependence
    /// curves, stylized facts and memorization use the first overall set (all sets pooled
    /// when every set is a regime set).
    public var scenarios: [ScenarioSet]
    /// The stylized-facts report of the overall set against `real` (computed when nil).
    public var stylizedFacts: StylizedFactsReport?
    /// The model's training history (training section; skipped when nil or empty).
    public var trainingHistory: TrainingHistory?
    /// The model's federation record JSON (the model's `federation` record (`ScenarioModel.records`); federation section).
    public var federationRecord: String?
    /// Leading real days the model was trained on: the memorization section compares the
    /// generated windows' nearest training windows with held-out days after them (skipped when nil).
    public var trainingDays: Int?
    /// Key facts shown under the title (e.g. ("model", "V=256 T=64 …")).
    public var runFacts: [(String, String)]
    /// Seed of the stylized-facts subsamples and the memorization subsample.
    public var seed: UInt64
    /// Sample paths drawn over each fan chart (the first ones of each set).
    public var samplePaths: Int

    /// Creates an input.
    public init(title: String = "TGFL scenario report", realName: String = "real", real: [Double],
                scenarios: [ScenarioSet], stylizedFacts: StylizedFactsReport? = nil,
                trainingHistory: TrainingHistory? = nil, federationRecord: String? = nil, trainingDays: Int? = nil,
                runFacts: [(String, String)] = [], seed: UInt64 = 42, samplePaths: Int = 5) {
        self.title = title; self.realName = realName; self.real = real; self.scenarios = scenarios
        self.stylizedFacts = stylizedFacts; self.trainingHistory = trainingHistory
        self.federationRecord = federationRecord; self.trainingDays = trainingDays; self.runFacts = runFacts
        self.seed = seed; self.samplePaths = samplePaths
    }

    /// The set the overall charts use: the first overall set, or every set pooled.
    var overall: ScenarioSet {
        if let set = scenarios.first(where: { !$0.isRegime }) { return set }
        return ScenarioSet(name: "all regimes", paths: scenarios.flatMap(\.paths))
    }
}
