/// Offsets of one transformer block's tensors in the flat parameter (and gradient) buffer.
///
/// Each field is the offset of the tensor named `blocks.{i}.<field>` in `ParameterLayout`;
/// shapes in the comments (`C` = d_model, `F` = d_ff).
struct BlockOffsets: Sendable {
    let ln1Weight: Int      // [C]
    let ln1Bias: Int        // [C]
    let qkvWeight: Int      // [3C, C]
    let qkvBias: Int        // [3C]
    let projWeight: Int     // [C, C]
    let projBias: Int       // [C]
    let ln2Weight: Int      // [C]
    let ln2Bias: Int        // [C]
    let fcWeight: Int       // [F, C]
    let fcBias: Int         // [F]
    let fcProjWeight: Int   // [C, F]
    let fcProjBias: Int     // [C]
}

/// Offsets of every tensor in the flat buffer, looked up once from `ParameterLayout`.
struct ParameterOffsets: Sendable {
    let tokenEmbedding: Int     // tok_emb.weight [V, C]
    let positionEmbedding: Int  // pos_emb.weight [T, C]
    let regimeEmbedding: Int    // regime_emb.weight [R, C] (v1) or vol_emb.weight [S, C] (v2)
    let blocks: [BlockOffsets]
    let lnFWeight: Int          // ln_f.weight [C]
    let lnFBias: Int            // ln_f.bias [C]
    let headWeight: Int         // head.weight [V, C]
    let headBias: Int           // head.bias [V]
    let levelBias: Int?         // level_bias.weight [S, V] (v2)

    init(layout: ParameterLayout, layers: Int) {
        // The layout is built from the same config, so every name exists.
        func at(_ name: String) -> Int { layout[name]!.offset }
        tokenEmbedding = at("tok_emb.weight")
        positionEmbedding = at("pos_emb.weight")
        regimeEmbedding = at(layout.specs[2].name)   // regime_emb (v1) or vol_emb (v2)
        blocks = (0..<layers).map { i in
            let p = "blocks.\(i)."
            return BlockOffsets(
                ln1Weight: at(p + "ln1.weight"), ln1Bias: at(p + "ln1.bias"),
                qkvWeight: at(p + "attn.qkv.weight"), qkvBias: at(p + "attn.qkv.bias"),
                projWeight: at(p + "attn.proj.weight"), projBias: at(p + "attn.proj.bias"),
                ln2Weight: at(p + "ln2.weight"), ln2Bias: at(p + "ln2.bias"),
                fcWeight: at(p + "mlp.fc.weight"), fcBias: at(p + "mlp.fc.bias"),
                fcProjWeight: at(p + "mlp.proj.weight"), fcProjBias: at(p + "mlp.proj.bias"))
        }
        lnFWeight = at("ln_f.weight")
        lnFBias = at("ln_f.bias")
        headWeight = at("head.weight")
        headBias = at("head.bias")
        levelBias = layout["level_bias.weight"]?.offset
    }
}
