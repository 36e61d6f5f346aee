import TGFLBase

// The sampler without replacement (`SeededRNG.subsampleIndices(count:from:)`) lives in TGFLBase.

extension Array where Element == Double {
    /// The elements at `indices`, in that order.
    func picking(_ indices: [Int]) -> [Double] { indices.map { self[$0] } }
}
