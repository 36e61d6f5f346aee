extension Transformer {
    /// Backpropagates the last forward pass's mean loss, ADDING into the gradient buffer.
    ///
    /// Call `zeroGradients()` first unless you mean to accumulate over several batches.
    /// The activation gradients are scratch, overwritten on each call.
    /// - Throws: `TGFLError.invalidArgument` when no forward pass with targets preceded it.
    public func backward() throws {
        guard let acts = activations, let shape = lastShape, lastHadTargets else {
            throw TGFLError.invalidArgument(
                "backward() needs a forward pass with targets first; call forward(..., targets:)")
        }
        let B = shape.batch, T = shape.length, N = B * T
        let C = config.dModel, F = config.dFF, V = config.vocabSize, H = config.nHeads
        let cap = acts.capacity, th = threads
        let p = UnsafePointer(params), g = grads
        // The softmax buffer becomes dLoss/dlogits; it is used once per forward pass.
        lastHadTargets = false

        CrossEntropyOp.gradientInPlace(acts.probs, targets: acts.targets, rows: N, V: V,
                                       scale: 1 / Float(N), threads: th)
        if let levelBias = offsets.levelBias {
            LevelBiasOp.backward(dTable: g + levelBias, dLogits: acts.probs, levels: acts.regimes, rows: N, V: V,
                                 threads: th)
        }
        LinearOp.backward(dInp: acts.dLn, dWeight: g + offsets.headWeight, dBias: g + offsets.headBias,
                          dOut: acts.probs, inp: acts.lnF, weight: p + offsets.headWeight,
                          rows: N, inFeatures: C, outFeatures: V, accumulateInput: false, threads: th, precision: matmulPrecision, scratch: productScratch)
        acts.dResidual.update(repeating: 0, count: N * C)
        LayerNormOp.backward(dInp: acts.dResidual, dWeight: g + offsets.lnFWeight,
                             dBias: g + offsets.lnFBias, dOut: acts.dLn, normalized: acts.xhatF,
                             rstd: acts.rstdF, weight: p + offsets.lnFWeight, rows: N, C: C, threads: th)

        for (l, w) in offsets.blocks.enumerated().reversed() {
            let xhat1 = acts.xhat1 + l * cap * C, rstd1 = acts.rstd1 + l * cap
            let qkv = acts.qkv + l * cap * 3 * C, atty = acts.atty + l * cap * C
            let lse = acts.lse + l * cap * H
            let xhat2 = acts.xhat2 + l * cap * C, rstd2 = acts.rstd2 + l * cap
            let fch = acts.fch + l * cap * F, gelu = acts.gelu + l * cap * F

            // x = x + mlp.proj(gelu(mlp.fc(ln2(x))))
            LinearOp.backward(dInp: acts.dHidden, dWeight: g + w.fcProjWeight, dBias: g + w.fcProjBias,
                              dOut: acts.dResidual, inp: gelu, weight: p + w.fcProjWeight,
                              rows: N, inFeatures: F, outFeatures: C, accumulateInput: false, threads: th, precision: matmulPrecision, scratch: productScratch)
            GELUOp.backward(dInp: acts.dHidden, derivative: fch, dOut: acts.dHidden, count: N * F,
                            threads: th)
            LayerNormOp.affine(out: acts.lnOut, normalized: xhat2, weight: p + w.ln2Weight,
                               bias: p + w.ln2Bias, rows: N, C: C, threads: th)
            LinearOp.backward(dInp: acts.dLn, dWeight: g + w.fcWeight, dBias: g + w.fcBias,
                              dOut: acts.dHidden, inp: acts.lnOut, weight: p + w.fcWeight,
                              rows: N, inFeatures: C, outFeatures: F, accumulateInput: false, threads: th, precision: matmulPrecision, scratch: productScratch)
            LayerNormOp.backward(dInp: acts.dResidual, dWeight: g + w.ln2Weight, dBias: g + w.ln2Bias,
                                 dOut: acts.dLn, normalized: xhat2, rstd: rstd2, weight: p + w.ln2Weight,
                                 rows: N, C: C, threads: th)

            // x = x + attn.proj(causal_mha(attn.qkv(ln1(x))))
            LinearOp.backward(dInp: acts.dAtty, dWeight: g + w.projWeight, dBias: g + w.projBias,
                              dOut: acts.dResidual, inp: atty, weight: p + w.projWeight,
                              rows: N, inFeatures: C, outFeatures: C, accumulateInput: false, threads: th, precision: matmulPrecision, scratch: productScratch)
            AttentionOp.backward(dQKV: acts.dQKV, dOut: acts.dAtty, qkv: qkv, lse: lse,
                                 B: B, T: T, C: C, H: H, scratch: acts.attentionScratch,
                                 accumulate: false, threads: th)
            LayerNormOp.affine(out: acts.lnOut, normalized: xhat1, weight: p + w.ln1Weight,
                               bias: p + w.ln1Bias, rows: N, C: C, threads: th)
            LinearOp.backward(dInp: acts.dLn, dWeight: g + w.qkvWeight, dBias: g + w.qkvBias,
                              dOut: acts.dQKV, inp: acts.lnOut, weight: p + w.qkvWeight,
                              rows: N, inFeatures: C, outFeatures: 3 * C, accumulateInput: false,
                              threads: th, precision: matmulPrecision, scratch: productScratch)
            LayerNormOp.backward(dInp: acts.dResidual, dWeight: g + w.ln1Weight, dBias: g + w.ln1Bias,
                                 dOut: acts.dLn, normalized: xhat1, rstd: rstd1, weight: p + w.ln1Weight,
                                 rows: N, C: C, threads: th)
        }
        EmbeddingOp.backward(dTokenTable: g + offsets.tokenEmbedding,
                             dPositionTable: g + offsets.positionEmbedding,
                             dRegimeTable: g + offsets.regimeEmbedding, dOut: acts.dResidual,
                             tokens: acts.tokens, regimes: acts.regimes, B: B, T: T, C: C, threads: th)
    }

    /// Zeroes the gradients, runs forward with targets and backward.
    /// - Returns: The mean loss.
    /// - Throws: What `forward` throws.
    public func lossAndGradients(tokens: [Int32], regimes: [Int32], targets: [Int32],
                                 batch: Int, length: Int) throws -> Float {
        zeroGradients()
        let loss = try forward(tokens: tokens, regimes: regimes, batch: batch, length: length,
                               targets: targets)!
        try backward()
        return loss
    }
}
