/// The forward activations the backward pass needs, plus the gradient scratch, for up to
/// `capacity` rows (`B·T`). Allocated once and reused while `B·T` fits.
///
/// What is kept per layer `l` (N = capacity rows, C, F, H from the config):
/// ```
/// xhat1, xhat2 [L, N, C]   normalized LayerNorm inputs (the outputs are recomputed)
/// rstd1, rstd2 [L, N]      1/sqrt(σ² + eps)
/// qkv          [L, N, 3C]
/// atty         [L, N, C]   attention output (input of attn.proj)
/// lse          [L, N·H]    attention log-sum-exp per row (probabilities are recomputed)
/// fch, gelu    [L, N, F]   gelu'(pre-activation) and gelu(pre-activation): the forward
///                          pass overwrites the pre-activation with the derivative
/// ```
/// The residual stream itself is one `[N, C]` buffer updated in place: the backward pass
/// needs only x̂ and rstd from it.
final class ActivationBuffers {
    let capacity: Int
    let config: ModelConfig
    private var allocations: [UnsafeMutableRawPointer] = []

    // Forward.
    let residual: UnsafeMutablePointer<Float>   // [N, C]
    let lnOut: UnsafeMutablePointer<Float>      // [N, C] scratch: a LayerNorm output
    let xhat1: UnsafeMutablePointer<Float>, rstd1: UnsafeMutablePointer<Float>
    let qkv: UnsafeMutablePointer<Float>, atty: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>
    let xhat2: UnsafeMutablePointer<Float>, rstd2: UnsafeMutablePointer<Float>
    let fch: UnsafeMutablePointer<Float>, gelu: UnsafeMutablePointer<Float>
    let xhatF: UnsafeMutablePointer<Float>, rstdF: UnsafeMutablePointer<Float>
    let lnF: UnsafeMutablePointer<Float>        // [N, C] input of the head
    let logits: UnsafeMutablePointer<Float>     // [N, V]
    let probs: UnsafeMutablePointer<Float>      // [N, V] softmax, turned into dlogits in backward
    let losses: UnsafeMutablePointer<Float>     // [N]
    // Backward scratch.
    let dResidual: UnsafeMutablePointer<Float>  // [N, C]
    let dLn: UnsafeMutablePointer<Float>        // [N, C]
    let dAtty: UnsafeMutablePointer<Float>      // [N, C]
    let dQKV: UnsafeMutablePointer<Float>       // [N, 3C]
    let dHidden: UnsafeMutablePointer<Float>    // [N, F]
    // Inputs of the last forward pass.
    let tokens: UnsafeMutablePointer<Int32>, regimes: UnsafeMutablePointer<Int32>
    let targets: UnsafeMutablePointer<Int32>
    // Attention scratch: threads · 2 · T_max².
    private(set) var attentionScratch: UnsafeMutablePointer<Float>
    private(set) var attentionThreads: Int

    init(config: ModelConfig, capacity N: Int, threads: Int) {
        self.capacity = N
        self.config = config
        let L = config.nLayers, C = config.dModel, F = config.dFF, V = config.vocabSize
        let H = config.nHeads
        var allocations: [UnsafeMutableRawPointer] = []
        func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            allocations.append(UnsafeMutableRawPointer(p))
            return p
        }
        func ints(_ count: Int) -> UnsafeMutablePointer<Int32> {
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, count))
            p.initialize(repeating: 0, count: max(1, count))
            allocations.append(UnsafeMutableRawPointer(p))
            return p
        }
        residual = floats(N * C); lnOut = floats(N * C)
        xhat1 = floats(L * N * C); rstd1 = floats(L * N)
        qkv = floats(L * N * 3 * C); atty = floats(L * N * C); lse = floats(L * N * H)
        xhat2 = floats(L * N * C); rstd2 = floats(L * N)
        fch = floats(L * N * F); gelu = floats(L * N * F)
        xhatF = floats(N * C); rstdF = floats(N); lnF = floats(N * C)
        logits = floats(N * V); probs = floats(N * V); losses = floats(N)
        dResidual = floats(N * C); dLn = floats(N * C); dAtty = floats(N * C)
        dQKV = floats(N * 3 * C); dHidden = floats(N * F)
        tokens = ints(N); regimes = ints(N); targets = ints(N)
        attentionThreads = max(1, threads)
        attentionScratch = floats(AttentionOp.scratchCount(T: config.contextLength, headDim: config.headDim, threads: attentionThreads))
        self.allocations = allocations
    }

    /// Makes sure the attention scratch serves `threads` workers.
    func reserveAttentionScratch(threads: Int) {
        guard threads > attentionThreads else { return }
        let count = AttentionOp.scratchCount(T: config.contextLength, headDim: config.headDim, threads: threads)
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
        allocations.append(UnsafeMutableRawPointer(p))
        attentionScratch = p
        attentionThreads = threads
    }

    deinit {
        for p in allocations { p.deallocate() }
    }
}
