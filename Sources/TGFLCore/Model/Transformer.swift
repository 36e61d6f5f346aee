import Foundation

/// The v1 reference transformer (docs/DESIGN.md): a decoder-only GPT-2 style model over return
/// tokens, conditioned on one market regime per time step.
///
/// ```
/// x = tok_emb[tokens] + pos_emb[0..<T] + regime_emb[regimes]              (B,T,C)
/// repeat n_layers:  x = x + attn.proj(causal_mha(ln1(x)))    qkv = attn.qkv(ln1(x))
///                   x = x + mlp.proj(gelu_exact(mlp.fc(ln2(x))))
/// logits = head(ln_f(x))                                                  (B,T,V)
/// loss = mean cross-entropy(logits[:, t], targets[:, t])
/// ```
/// Model v2 conditions on volatility levels instead of regimes and adds an output bias per
/// level (the distribution of the scaled return z differs by level: heavier tails in calm
/// markets, where a crash is a surprise, thinner at high volatility):
/// ```
/// x = tok_emb[tokens] + pos_emb[0..<T] + vol_emb[levels]
/// logits = head(ln_f(x)) + level_bias[levels]
/// ```
/// All parameters live in ONE contiguous Float32 buffer in `ParameterLayout` order, the
/// gradients in a second buffer with the same layout (llm.c `train_gpt2.c`). Activations
/// are allocated for the first `(B, T)` seen and reused; a training step allocates nothing
/// after that.
///
/// Threads: every op splits its work into parts fixed by the problem size; `threads` only
/// picks how many workers run them, so losses, gradients and parameters are bit-identical
/// for any thread count. OpenBLAS itself is set to one thread (process-wide) because the
/// ops call `sgemm` from their own workers.
///
/// Reference: Radford et al. (2019), GPT-2; Karpathy, llm.c `train_gpt2.c`; the PyTorch
/// module in `Tests/Fixtures/make_reference.py`.
public final class Transformer {
    /// The architecture.
    public let config: ModelConfig
    /// Names, shapes and offsets of the tensors in the flat buffers.
    public let layout: ParameterLayout
    /// Number of Float32 parameters.
    public var parameterCount: Int { layout.count }
    /// Worker threads the ops use (at least 1); change with `setThreads(_:)`.
    public private(set) var threads: Int
    /// The arithmetic of the forward and backward passes' matrix products: `.float32` (the
    /// default) or `.bfloat16` operands with Float32 sums (`MatmulPrecision`). Generation's
    /// products (`tgfl_linear_rows`) are always Float32.
    public var matmulPrecision: MatmulPrecision = .float32
    /// Packed operands of the bf16 products, reused across passes.
    let productScratch = ProductScratch()

    let params: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>
    let offsets: ParameterOffsets
    var activations: ActivationBuffers?
    /// `(B, T)` of the last forward pass and whether it had targets.
    var lastShape: (batch: Int, length: Int)?
    var lastHadTargets = false
    /// The mean loss of the last forward pass with targets.
    public internal(set) var lastLoss: Float?

    /// Creates a model with GPT-2 initialization.
    ///
    /// ```
    /// every weight matrix and embedding ~ N(0, 0.02²)   biases = 0   LayerNorm weight = 1
    /// level_bias (v2) = 0
    /// ```
    /// Values are drawn in `ParameterLayout` order from one `SeededRNG(seed:)`.
    /// - Parameters:
    ///   - config: The architecture; validated.
    ///   - seed: Seed of the initialization.
    ///   - threads: Worker threads (default: the host's processor count).
    /// - Throws: `TGFLError.invalidConfig` for an invalid config; `.outOfRange` for `threads < 1`.
    public convenience init(config: ModelConfig, seed: UInt64, threads: Int? = nil) throws {
        try self.init(validatedConfig: config, threads: threads)
        var rng = SeededRNG(seed: seed)
        for spec in layout.specs {
            let p = params + spec.offset
            if spec.name.hasSuffix(".bias") || spec.name == "level_bias.weight" {
                p.update(repeating: 0, count: spec.count)
            } else if spec.shape.count == 1 {
                p.update(repeating: 1, count: spec.count)   // LayerNorm weight
            } else {
                for i in 0..<spec.count { p[i] = Float(rng.normal(mean: 0, std: 0.02)) }
            }
        }
    }

    /// Creates a model from a flat parameter vector in `ParameterLayout` order.
    /// - Parameters:
    ///   - config: The architecture; validated.
    ///   - parameters: `layout.count` finite values.
    ///   - threads: Worker threads (default: the host's processor count).
    /// - Throws: `TGFLError.invalidConfig`, or `.shapeMismatch` / `.invalidArgument` from
    ///   `setParameters(_:)`.
    public convenience init(config: ModelConfig, parameters: [Float], threads: Int? = nil) throws {
        try self.init(validatedConfig: config, threads: threads)
        try setParameters(parameters)
    }

    private init(validatedConfig config: ModelConfig, threads: Int?) throws {
        try config.validate()
        if let threads, threads < 1 {
            throw TGFLError.outOfRange("threads must be at least 1, got \(threads)")
        }
        BLASRuntime.configure()
        self.config = config
        self.layout = ParameterLayout(config: config)
        self.threads = threads ?? Parallel.hardwareThreads
        self.offsets = ParameterOffsets(layout: layout, layers: config.nLayers)
        params = .allocate(capacity: layout.count)
        params.initialize(repeating: 0, count: layout.count)
        grads = .allocate(capacity: layout.count)
        grads.initialize(repeating: 0, count: layout.count)
    }

    deinit {
        params.deallocate()
        grads.deallocate()
    }

    /// Sets the number of worker threads. Results do not depend on it.
    /// - Throws: `TGFLError.outOfRange` when `threads < 1`.
    public func setThreads(_ threads: Int) throws {
        guard threads >= 1 else {
            throw TGFLError.outOfRange("threads must be at least 1, got \(threads)")
        }
        self.threads = threads
    }

    // MARK: - Parameters and gradients

    /// The live parameter buffer (`layout.count` floats, `ParameterLayout` order).
    /// Valid while the model lives; writes change the model.
    public var parameterBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: params, count: layout.count)
    }

    /// The live gradient buffer (same layout as `parameterBuffer`).
    public var gradientBuffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: grads, count: layout.count)
    }

    /// A copy of the flat parameter vector.
    public func parameters() -> [Float] { Array(parameterBuffer) }

    /// A copy of the flat gradient vector.
    public func gradients() -> [Float] { Array(gradientBuffer) }

    /// Replaces every parameter.
    /// - Parameter values: `layout.count` finite values in `ParameterLayout` order.
    /// - Throws: `TGFLError.shapeMismatch` for a wrong count; `.invalidArgument` naming the
    ///   tensor and element of the first NaN or infinity (the model is left unchanged).
    public func setParameters(_ values: [Float]) throws {
        try values.withUnsafeBufferPointer { try setParameters($0) }
    }

    /// Replaces every parameter from a buffer (see `setParameters(_: [Float])`).
    public func setParameters(_ values: UnsafeBufferPointer<Float>) throws {
        guard values.count == layout.count else {
            throw TGFLError.shapeMismatch(
                "parameter vector has \(values.count) values; this model (\(describe(config))) "
                + "needs \(layout.count)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw TGFLError.invalidArgument(
                "parameters[\(bad)] is \(values[bad]) (\(locate(bad))); every parameter must be finite")
        }
        params.update(from: values.baseAddress!, count: values.count)
    }

    /// The live view of the parameter tensor named `name` (e.g. `blocks.0.attn.qkv.weight`).
    /// - Throws: `TGFLError.invalidArgument` when the layout has no such tensor.
    public func parameter(named name: String) throws -> UnsafeMutableBufferPointer<Float> {
        let spec = try self.spec(named: name)
        return UnsafeMutableBufferPointer(start: params + spec.offset, count: spec.count)
    }

    /// The live view of the gradient of the tensor named `name`.
    /// - Throws: `TGFLError.invalidArgument` when the layout has no such tensor.
    public func gradient(named name: String) throws -> UnsafeMutableBufferPointer<Float> {
        let spec = try self.spec(named: name)
        return UnsafeMutableBufferPointer(start: grads + spec.offset, count: spec.count)
    }

    /// Sets every gradient to zero (one fill).
    public func zeroGradients() {
        grads.update(repeating: 0, count: layout.count)
    }

    /// The logits `[B, T, V]` of the last forward pass (empty before the first one).
    /// Valid until the next forward pass.
    public var logits: UnsafeBufferPointer<Float> {
        guard let activations, let shape = lastShape else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: activations.logits,
                                   count: shape.batch * shape.length * config.vocabSize)
    }

    /// `(B, T)` of the last forward pass, or nil.
    public var lastBatchShape: (batch: Int, length: Int)? { lastShape }

    func spec(named name: String) throws -> ParameterSpec {
        guard let spec = layout[name] else {
            throw TGFLError.invalidArgument(
                "no parameter named '\(name)'; names look like 'tok_emb.weight' or "
                + "'blocks.0.attn.qkv.weight' (see ParameterLayout)")
        }
        return spec
    }

    /// "tensor <name>, element <i>" for a flat index.
    func locate(_ index: Int) -> String {
        for spec in layout.specs where index >= spec.offset && index < spec.offset + spec.count {
            return "tensor \(spec.name), element \(index - spec.offset)"
        }
        return "index past the end"
    }
}

func describe(_ c: ModelConfig) -> String {
    "V=\(c.vocabSize) T=\(c.contextLength) C=\(c.dModel) L=\(c.nLayers) H=\(c.nHeads) "
    + "F=\(c.dFF) R=\(c.nRegimes)" + (c.modelVersion >= 2 ? " S=\(c.volatilityLevels) v2" : "")
}
