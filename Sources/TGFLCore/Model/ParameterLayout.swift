/// One named tensor inside the flat parameter buffer.
public struct ParameterSpec: Equatable, Hashable, Sendable {
    /// Dotted name, e.g. `blocks.0.attn.qkv.weight` (the HDF5 dataset name and PyTorch key).
    public let name: String
    /// Shape in PyTorch convention (`nn.Linear` weight is `[out, in]`).
    public let shape: [Int]
    /// Offset of the first element in the flat buffer.
    public let offset: Int
    /// Number of elements (product of `shape`).
    public var count: Int { shape.reduce(1, *) }
}

/// The order, names and shapes of every parameter in the one contiguous buffer.
///
/// The flat order is the contract of `parameters()`/`setParameters` in Swift, the C ABI
/// and the Python binding (what a Flower client exchanges):
/// ```
/// tok_emb.weight [V,C], pos_emb.weight [T,C], regime_emb.weight [R,C]  (v2: vol_emb.weight [S,C]),
/// for i in 0..<L:
///   blocks.i.ln1.weight [C], blocks.i.ln1.bias [C],
///   blocks.i.attn.qkv.weight [3C,C], blocks.i.attn.qkv.bias [3C],
///   blocks.i.attn.proj.weight [C,C], blocks.i.attn.proj.bias [C],
///   blocks.i.ln2.weight [C], blocks.i.ln2.bias [C],
///   blocks.i.mlp.fc.weight [F,C], blocks.i.mlp.fc.bias [F],
///   blocks.i.mlp.proj.weight [C,F], blocks.i.mlp.proj.bias [C],
/// ln_f.weight [C], ln_f.bias [C], head.weight [V,C], head.bias [V]
/// v2 only: level_bias.weight [S,V]
/// ```
/// Gradients and AdamW moments use this very layout.
public struct ParameterLayout: Equatable, Sendable {
    public let specs: [ParameterSpec]
    /// Total number of Float32 parameters.
    public let count: Int
    private let indexByName: [String: Int]

    public init(config: ModelConfig) {
        let V = config.vocabSize, T = config.contextLength, C = config.dModel
        let F = config.dFF
        var shapes: [(String, [Int])] = [
            ("tok_emb.weight", [V, C]), ("pos_emb.weight", [T, C]),
            (config.conditionTableName, [config.conditionCount, C]),
        ]
        for i in 0..<config.nLayers {
            let p = "blocks.\(i)."
            shapes += [
                (p + "ln1.weight", [C]), (p + "ln1.bias", [C]),
                (p + "attn.qkv.weight", [3 * C, C]), (p + "attn.qkv.bias", [3 * C]),
                (p + "attn.proj.weight", [C, C]), (p + "attn.proj.bias", [C]),
                (p + "ln2.weight", [C]), (p + "ln2.bias", [C]),
                (p + "mlp.fc.weight", [F, C]), (p + "mlp.fc.bias", [F]),
                (p + "mlp.proj.weight", [C, F]), (p + "mlp.proj.bias", [C]),
            ]
        }
        shapes += [("ln_f.weight", [C]), ("ln_f.bias", [C]), ("head.weight", [V, C]), ("head.bias", [V])]
        if config.modelVersion >= 2 {
            // v2: an output bias per volatility level, added to the logits (see Transformer).
            shapes.append(("level_bias.weight", [config.volatilityLevels, V]))
        }
        var specs: [ParameterSpec] = []
        var offset = 0
        var index: [String: Int] = [:]
        for (name, shape) in shapes {
            index[name] = specs.count
            let spec = ParameterSpec(name: name, shape: shape, offset: offset)
            specs.append(spec)
            offset += spec.count
        }
        self.specs = specs
        self.count = offset
        self.indexByName = index
    }

    /// The spec named `name`, or nil.
    public subscript(name: String) -> ParameterSpec? {
        indexByName[name].map { specs[$0] }
    }

    public static func == (a: ParameterLayout, b: ParameterLayout) -> Bool { a.specs == b.specs }
}
