/// Model selection, shared by the centralized and the federated trainer: the lowest validation
/// loss seen so far, where it was seen (a step or a round), and — when the run restores the
/// best model at the end — the parameters at that point.
///
/// A loss that is nil (no validation data) is ignored. A non-finite loss never becomes the
/// best; once a best exists it counts as an evaluation without improvement (so a diverged run
/// still stops early).
public struct BestTracker: Sendable {
    /// Whether `offer` keeps a copy of the parameters of each new best.
    public let keepsParameters: Bool
    /// The lowest loss so far.
    public private(set) var loss: Double?
    /// The step or round of `loss`.
    public private(set) var position: Int?
    /// The parameters at `position` (only when `keepsParameters`).
    public private(set) var parameters: [Float]?
    /// Evaluations since the last new best (for early stopping).
    public private(set) var evaluationsSinceBest = 0

    public init(keepsParameters: Bool) { self.keepsParameters = keepsParameters }

    /// Offers one evaluation.
    /// - Parameters:
    ///   - loss: The validation loss, or nil when there was none.
    ///   - position: The step or round it belongs to.
    ///   - parameters: The parameters then; called only for a new best that is kept.
    /// - Returns: Whether this is the new best.
    @discardableResult
    public mutating func offer(_ loss: Double?, at position: Int, parameters: () -> [Float]) -> Bool {
        guard let loss else { return false }
        guard loss.isFinite, self.loss.map({ loss < $0 }) ?? true else {
            if self.loss != nil { evaluationsSinceBest += 1 }
            return false
        }
        self.loss = loss
        self.position = position
        if keepsParameters { self.parameters = parameters() }
        evaluationsSinceBest = 0
        return true
    }
}
