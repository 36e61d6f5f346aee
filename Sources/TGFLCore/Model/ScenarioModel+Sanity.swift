import Foundation

extension ScenarioModel {
    /// The error for logits that are NaN or ±∞, naming the tensor most likely at fault: the
    /// one holding the largest magnitude (finite but absurd weights such as 3e38 overflow the
    /// matrix products).
    ///
    /// ```
    /// suspect = argmax over tensors of max_i |w_i|
    /// ```
    /// - Parameter what: what was being computed (e.g. "generate", "log_likelihood").
    /// - Returns: `TGFLError.invalidArgument` with a one-line message. Call under the model lock.
    func nonFiniteLogitsError(what: String) -> TGFLError {
        let parameters = transformer.parameterBuffer
        var suspect = "", largest: Float = -1
        for spec in transformer.layout.specs {
            var m: Float = 0
            for i in spec.offset..<(spec.offset + spec.count) {
                let a = abs(parameters[i])
                if !(a <= m) { m = a }          // NaN and ∞ win
            }
            if !(m <= largest) { largest = m; suspect = spec.name }
        }
        return TGFLError.invalidArgument(
            "\(what): the model's logits are not finite (NaN or ∞), so its output would be garbage; "
                + "tensor '\(suspect)' holds a value of magnitude \(largest) (the largest of any tensor) "
                + "and is likely at fault; use an earlier checkpoint or retrain with a lower learning rate")
    }

    /// Runs one forward pass over `tokens`/`regimes` (batch 1) and throws when any logit is
    /// not finite: a cheap probe before generating from that prompt. Call under the model lock.
    ///
    /// - Parameters:
    ///   - tokens: input tokens (1 ... context_length of them).
    ///   - regimes: their regimes.
    ///   - what: the operation, for the message.
    /// - Throws: `nonFiniteLogitsError(what:)`, or what `Transformer.forward` throws.
    func checkLogitsFinite(tokens: [Int32], regimes: [Int32], what: String) throws {
        guard !tokens.isEmpty, tokens.count == regimes.count else { return }
        let length = min(tokens.count, config.contextLength)
        try transformer.forward(tokens: Array(tokens.suffix(length)), regimes: Array(regimes.suffix(length)),
                                batch: 1, length: length)
        if FiniteScan.firstNonFinite(transformer.logits) != nil { throw nonFiniteLogitsError(what: what) }
    }
}
