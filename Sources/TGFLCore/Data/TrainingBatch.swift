/// Reusable input, target and regime buffers for one mini-batch of windows.
///
/// For windows `w_0 … w_{B−1}` of a `WindowDataset` with context length T (row-major):
/// ```
/// inputs [b·T + t] = tokens_{w_b}[t]          t = 0 ..< T
/// targets[b·T + t] = tokens_{w_b}[t + 1]      (the next day's token)
/// regimes[b·T + t] = regimes_{w_b}[t]         (the target day's regime)
/// ```
/// The same values `WindowDataset.batch(indices:)` followed by `Trainer.inputsAndTargets`
/// give, written into buffers kept across steps: after the first batch of the largest size a
/// training loop allocates nothing here (the arrays keep their capacity).
public struct TrainingBatch: Sendable {
    /// Input tokens `[count·T]`.
    public private(set) var inputs: [Int32] = []
    /// Next-token targets `[count·T]`.
    public private(set) var targets: [Int32] = []
    /// Regime labels of the target days `[count·T]`.
    public private(set) var regimes: [Int32] = []
    /// Window indices of the batch (reused by `loadRandom`).
    public private(set) var indices: [Int] = []
    /// Number of windows currently loaded.
    public private(set) var count = 0

    /// Empty buffers with room for `capacity` windows of length `length`.
    /// - Parameters:
    ///   - capacity: Windows per batch to reserve room for (B).
    ///   - length: Window length T.
    public init(capacity: Int = 0, length: Int = 0) {
        let n = max(capacity, 0) * max(length, 0)
        inputs.reserveCapacity(n); targets.reserveCapacity(n); regimes.reserveCapacity(n)
        indices.reserveCapacity(max(capacity, 0))
    }

    /// Loads the windows at `windowIndices` of `dataset` (see the type's formula).
    /// - Parameters:
    ///   - dataset: The windows.
    ///   - windowIndices: Indices into `dataset`, in batch order.
    /// - Throws: `TGFLError.outOfRange` naming the first index outside `0 ..< dataset.count`.
    public mutating func load<C: Collection>(_ dataset: WindowDataset, windows windowIndices: C) throws
        where C.Element == Int {
        let T = dataset.contextLength
        inputs.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        regimes.removeAll(keepingCapacity: true)
        count = 0
        for i in windowIndices {
            guard dataset.windows.indices.contains(i) else {
                throw TGFLError.outOfRange("window index \(i) is outside 0..<\(dataset.count)")
            }
            let w = dataset.windows[i]
            let tokens = dataset.seriesTokens[w.seriesIndex]
            inputs += tokens[w.startDay..<(w.startDay + T)]
            targets += tokens[(w.startDay + 1)...(w.startDay + T)]
            regimes += dataset.seriesRegimes[w.seriesIndex][(w.startDay + 1)...(w.startDay + T)]
            count += 1
        }
    }

    /// Loads `size` windows drawn uniformly with replacement by `rng.int(below: dataset.count)`,
    /// the draws `WindowDataset.batch(size:using:)` makes.
    /// - Parameters:
    ///   - dataset: The windows (not empty).
    ///   - size: B ≥ 1.
    ///   - rng: The generator; advanced by B draws.
    /// - Throws: `TGFLError.invalidArgument` for B < 1 or an empty dataset.
    public mutating func loadRandom(_ dataset: WindowDataset, size: Int, using rng: inout SeededRNG) throws {
        guard size >= 1 else { throw TGFLError.invalidArgument("batch size must be ≥ 1, got \(size)") }
        guard !dataset.isEmpty else {
            throw TGFLError.invalidArgument("no windows to sample from: the dataset is empty")
        }
        var chosen = indices
        indices = []                       // keep the buffer uniquely referenced while it is filled
        chosen.removeAll(keepingCapacity: true)
        for _ in 0..<size { chosen.append(rng.int(below: dataset.count)) }
        try load(dataset, windows: chosen)
        indices = chosen
    }

    /// Adds a uniform integer offset in `−k … k` to every input token, clamped to `0 ..< V`; the
    /// targets stay exact. A regularizer against copying: the exact token sequence of a training
    /// window (at V = 512 a bin is 0.047 σ) is a fingerprint a small transformer memorizes within
    /// a few hundred steps, while the offset keeps what the next day depends on (the size and sign
    /// of recent moves). Draws `count·T` values from `rng`, in input order.
    /// - Parameters:
    ///   - k: the largest offset in bins (0: nothing changes, no draws).
    ///   - vocabSize: V.
    ///   - rng: the generator.
    public mutating func jitterInputs(by k: Int, vocabSize: Int, using rng: inout SeededRNG) {
        guard k > 0 else { return }
        let span = 2 * k + 1, top = Int32(vocabSize - 1)
        for i in inputs.indices {
            let offset = Int32(rng.int(below: span) - k)
            inputs[i] = min(max(inputs[i] + offset, 0), top)
        }
    }
}
