/// What a derived random stream is for.
///
/// Every random stream of a federated run is derived from the run's seed and a purpose, so
/// that two purposes never share draws and a change to one (e.g. more attack draws) leaves
/// the others' bits alone. The raw values are the ASCII tags the streams have used since the
/// first release ("SAMP", "FIT!", …): keeping them keeps old runs bit-identical.
public enum RandomPurpose: UInt64, Sendable, CaseIterable {
    /// Which clients train in a round ("SAMP").
    case clientSampling = 0x5341_4D50
    /// A client's local training: batches, dropout ("FIT!").
    case localFit = 0x4649_5421
    /// A simulated Byzantine client's attack ("BYZA").
    case byzantineAttack = 0x4259_5A41
    /// The DP Gaussian noise and the adaptive clipping update ("NOIS").
    case privacyNoise = 0x4E4F_4953
    /// Which clients evaluate the new global model ("EVAL").
    case evaluationSampling = 0x4556_414C
    /// Dropouts and simulated training times ("FAULTS").
    case faults = 0x4641_554C_5453
    /// The pairwise masks of secure aggregation ("SECAGG").
    case secureAggregation = 0x5345_4341_4747_0000
    /// The partition of windows among clients ("PART"; used as the stream, not the seed).
    case partition = 0x5041_5254
    /// The held-out validation windows of a federated run ("VALID").
    case validationSplit = 0x5641_4C49_44
    /// The Gaussian noise on the released data-model summaries ("SUMM").
    case summaryNoise = 0x5355_4D4D
    /// The synthetic series simulated from the released summaries ("SYNT").
    case summarySynthetic = 0x5359_4E54
    /// The Gaussian noise on the released volatility level ("VLEV").
    case volatilityLevelNoise = 0x564C_4556
}

extension SeededRNG {
    /// The generator for `purpose` within a run seeded by `seed`: seed `seed ^ purpose`, on
    /// stream `stream` (e.g. round and client packed together).
    public init(seed: UInt64, purpose: RandomPurpose, stream: UInt64 = 0) {
        self.init(seed: seed ^ purpose.rawValue, stream: stream)
    }
}
