import Foundation

/// Linear warm-up, then cosine decay to a minimum learning rate.
///
/// For a 0-based step `s`, warm-up `W` steps, `S` total steps:
/// ```
/// s < W:        lr = peak · (s + 1) / W
/// W ≤ s < S:    lr = min + ½ (peak − min) (1 + cos(π (s − W) / (S − W)))
/// s ≥ S:        lr = min
/// ```
/// Reference: Loshchilov & Hutter (2017), "SGDR"; Goyal et al. (2017) for the warm-up;
/// the schedule of nanoGPT / llm.c `get_lr`.
public struct LearningRateSchedule: Equatable, Sendable {
    /// Largest learning rate, reached at the end of warm-up.
    public let peak: Double
    /// Final learning rate.
    public let minimum: Double
    /// Warm-up steps `W`.
    public let warmupSteps: Int
    /// Total steps `S`.
    public let totalSteps: Int

    /// - Parameters:
    ///   - peak: > 0 and finite.
    ///   - minimum: In `0...peak` (default 0.1 · peak).
    ///   - warmupSteps: In `0...totalSteps`.
    ///   - totalSteps: ≥ 1.
    /// - Throws: `TGFLError.outOfRange` naming the bad argument.
    public init(peak: Double, minimum: Double? = nil, warmupSteps: Int, totalSteps: Int) throws {
        guard peak > 0, peak.isFinite else {
            throw TGFLError.outOfRange("peak learning rate must be positive and finite, got \(peak)")
        }
        let minimum = minimum ?? 0.1 * peak
        guard minimum >= 0, minimum <= peak else {
            throw TGFLError.outOfRange("minimum learning rate must be in 0...\(peak) (the peak), got \(minimum)")
        }
        guard totalSteps >= 1 else {
            throw TGFLError.outOfRange("totalSteps must be at least 1, got \(totalSteps)")
        }
        guard warmupSteps >= 0, warmupSteps <= totalSteps else {
            throw TGFLError.outOfRange("warmupSteps must be in 0...\(totalSteps) (totalSteps), got \(warmupSteps)")
        }
        self.peak = peak
        self.minimum = minimum
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate for 0-based step `step` (negative steps count as 0).
    public func learningRate(at step: Int) -> Double {
        let s = max(0, step)
        if s < warmupSteps { return peak * Double(s + 1) / Double(warmupSteps) }
        if s >= totalSteps { return minimum }
        let progress = Double(s - warmupSteps) / Double(totalSteps - warmupSteps)
        return minimum + 0.5 * (peak - minimum) * (1 + cos(Double.pi * progress))
    }
}
