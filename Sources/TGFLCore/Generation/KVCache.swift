/// Per-worker buffers of batched incremental decoding: the key/value cache of every layer
/// for a fixed set of path slots, and the row scratch of one cached forward pass.
///
/// ```
/// keys           [L, P, H, T₈/8, hd, 8]   K of every layer, slot and head, in tiles of 8
///                                          positions (`tgfl_kv_store`; T₈ = T rounded up to 8)
/// values         [L, P, H, T₈, hd]        V of every layer, slot, head and position
/// rows           up to P·T rows of (slot, position, token, regime) processed together
/// x, ln, att     [rows, C]     qkv [rows, 3C]     hidden [rows, F]
/// out, outLn     [P, C]        logits [P, V]      the rows whose logits are wanted
/// ```
/// Everything is allocated once per worker, so decoding allocates nothing per token.
/// Reference: the KV cache of incremental transformer decoding (Pope et al., 2022,
/// "Efficiently Scaling Transformer Inference"; Hugging Face `past_key_values`).
final class KVCache {
    let config: ModelConfig
    /// The model's Linear weights, transposed for `tgfl_linear_rows` (shared, read-only).
    let linearWeights: TransposedLinearWeights
    /// P: path slots.
    let slots: Int
    /// T: positions per slot (the context length).
    let context: Int
    /// T₈: the context rounded up to a multiple of 8 (whole key tiles).
    let paddedContext: Int
    /// Rows one pass may process (`P·T`).
    let rowCapacity: Int

    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
    let x: UnsafeMutablePointer<Float>
    let ln: UnsafeMutablePointer<Float>
    let att: UnsafeMutablePointer<Float>
    let qkv: UnsafeMutablePointer<Float>
    let hidden: UnsafeMutablePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let outLn: UnsafeMutablePointer<Float>
    let logits: UnsafeMutablePointer<Float>
    /// Attention weights of one row and head, `[T₈]`.
    let weights: UnsafeMutablePointer<Float>
    /// Sampling scratch, `[V]`.
    let probabilities: UnsafeMutablePointer<Float>

    let rowSlot: UnsafeMutablePointer<Int32>
    let rowPosition: UnsafeMutablePointer<Int32>
    let rowToken: UnsafeMutablePointer<Int32>
    let rowRegime: UnsafeMutablePointer<Int32>
    /// Rows whose logits are computed, `[P]`.
    let outputRows: UnsafeMutablePointer<Int32>

    /// A prompt cache shared by every slot (one slot, same layout), read for positions below
    /// `positions` instead of this cache's own (`tgfl_attend_cached_split`); nil: none. Set by
    /// conditional generation for one chunk of paths; positions is a multiple of 8.
    var sharedPrefix: (cache: KVCache, positions: Int)?

    /// Input token and regime sequence of every slot, `[P, T]`.
    let sequenceTokens: UnsafeMutablePointer<Int32>
    let sequenceRegimes: UnsafeMutablePointer<Int32>

    private var floatBuffers: [UnsafeMutablePointer<Float>] = []
    private var intBuffers: [UnsafeMutablePointer<Int32>] = []

    init(config: ModelConfig, slots: Int, linearWeights: TransposedLinearWeights) {
        self.config = config
        self.linearWeights = linearWeights
        self.slots = slots
        context = config.contextLength
        paddedContext = (config.contextLength + 7) / 8 * 8
        rowCapacity = slots * context
        let C = config.dModel, L = config.nLayers, F = config.dFF, V = config.vocabSize
        var floats: [UnsafeMutablePointer<Float>] = []
        var ints: [UnsafeMutablePointer<Int32>] = []
        func f(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            floats.append(p)
            return p
        }
        func i(_ n: Int) -> UnsafeMutablePointer<Int32> {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
            p.initialize(repeating: 0, count: max(1, n))
            ints.append(p)
            return p
        }
        keys = f(L * slots * paddedContext * C)
        values = f(L * slots * paddedContext * C)
        x = f(rowCapacity * C)
        ln = f(rowCapacity * C)
        att = f(rowCapacity * C)
        qkv = f(rowCapacity * 3 * C)
        hidden = f(rowCapacity * F)
        out = f(slots * C)
        outLn = f(slots * C)
        logits = f(slots * V)
        weights = f(paddedContext)
        probabilities = f(V)
        rowSlot = i(rowCapacity)
        rowPosition = i(rowCapacity)
        rowToken = i(rowCapacity)
        rowRegime = i(rowCapacity)
        outputRows = i(slots)
        sequenceTokens = i(slots * context)
        sequenceRegimes = i(slots * context)
        floatBuffers = floats
        intBuffers = ints
    }

    deinit {
        for p in floatBuffers { p.deallocate() }
        for p in intBuffers { p.deallocate() }
    }

    /// Start of the cached keys or values of `layer`, `slot`, `head`: `T₈ · hd` floats
    /// (keys in tiles of 8 positions, values position-major `[T₈, hd]`).
    @inline(__always)
    func offset(layer: Int, slot: Int, head: Int) -> Int {
        let H = config.nHeads, hd = config.headDim
        return (((layer &* slots &+ slot) &* H &+ head) &* paddedContext) &* hd
    }
}
