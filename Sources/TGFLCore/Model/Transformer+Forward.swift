extension Transformer {
    /// Runs the model on a batch; with targets, also the mean cross-entropy loss.
    ///
    /// ```
    /// logits[b, t, :] = model(tokens[b, 0...t], regimes[b, 0...t])
    /// loss = (1/(B·T)) Σ_{b,t} −log softmax(logits[b, t])[targets[b, t]]
    /// ```
    /// Afterwards `logits` holds `[B, T, V]`; `backward()` needs a forward pass with targets.
    /// - Parameters:
    ///   - tokens: `[B·T]` row-major token ids in `0..<vocab_size`.
    ///   - regimes: `[B·T]` regime ids in `0..<n_regimes`.
    ///   - batch: B ≥ 1.
    ///   - length: T in `1...context_length`.
    ///   - targets: `[B·T]` next-token ids in `0..<vocab_size`, or nil for inference.
    /// - Returns: The mean loss when `targets` is given, else nil.
    /// - Throws: `TGFLError.outOfRange` for a bad B or T or an id out of range (naming the
    ///   array and the first bad index); `.shapeMismatch` when a count is not B·T.
    @discardableResult
    public func forward(tokens: [Int32], regimes: [Int32], batch: Int, length: Int,
                        targets: [Int32]? = nil) throws -> Float? {
        try tokens.withUnsafeBufferPointer { tok in
            try regimes.withUnsafeBufferPointer { reg in
                if let targets {
                    return try targets.withUnsafeBufferPointer { tgt in
                        try forward(tokens: tok, regimes: reg, batch: batch, length: length, targets: tgt)
                    }
                }
                return try forward(tokens: tok, regimes: reg, batch: batch, length: length, targets: nil)
            }
        }
    }

    /// Buffer form of `forward(tokens:regimes:batch:length:targets:)` (for the C ABI).
    @discardableResult
    public func forward(tokens: UnsafeBufferPointer<Int32>, regimes: UnsafeBufferPointer<Int32>,
                        batch B: Int, length T: Int,
                        targets: UnsafeBufferPointer<Int32>?) throws -> Float? {
        try validateBatch(tokens: tokens, regimes: regimes, targets: targets, batch: B, length: T)
        let N = B * T
        let acts = reserveActivations(rows: N)
        acts.tokens.update(from: tokens.baseAddress!, count: N)
        acts.regimes.update(from: regimes.baseAddress!, count: N)
        if let targets { acts.targets.update(from: targets.baseAddress!, count: N) }
        lastShape = (B, T)
        lastHadTargets = targets != nil
        lastLoss = nil

        let C = config.dModel, F = config.dFF, V = config.vocabSize, H = config.nHeads
        let cap = acts.capacity, th = threads
        let p = UnsafePointer(params)
        EmbeddingOp.forward(out: acts.residual, tokens: acts.tokens, regimes: acts.regimes,
                            tokenTable: p + offsets.tokenEmbedding,
                            positionTable: p + offsets.positionEmbedding,
                            regimeTable: p + offsets.regimeEmbedding, B: B, T: T, C: C, threads: th)
        for (l, w) in offsets.blocks.enumerated() {
            let xhat1 = acts.xhat1 + l * cap * C, rstd1 = acts.rstd1 + l * cap
            let qkv = acts.qkv + l * cap * 3 * C, atty = acts.atty + l * cap * C
            let lse = acts.lse + l * cap * H
            let xhat2 = acts.xhat2 + l * cap * C, rstd2 = acts.rstd2 + l * cap
            let fch = acts.fch + l * cap * F, gelu = acts.gelu + l * cap * F

            LayerNormOp.forward(out: acts.lnOut, normalized: xhat1, rstd: rstd1, inp: acts.residual,
                                weight: p + w.ln1Weight, bias: p + w.ln1Bias, rows: N, C: C, threads: th)
            LinearOp.forward(out: qkv, inp: acts.lnOut, weight: p + w.qkvWeight, bias: p + w.qkvBias,
                             rows: N, inFeatures: C, outFeatures: 3 * C, threads: th, precision: matmulPrecision, scratch: productScratch)
            AttentionOp.forward(out: atty, lse: lse, qkv: qkv, B: B, T: T, C: C, H: H,
                                scratch: acts.attentionScratch, threads: th)
            LinearOp.forward(out: acts.residual, inp: atty, weight: p + w.projWeight, bias: p + w.projBias,
                             rows: N, inFeatures: C, outFeatures: C, accumulate: true, threads: th, precision: matmulPrecision, scratch: productScratch)
            LayerNormOp.forward(out: acts.lnOut, normalized: xhat2, rstd: rstd2, inp: acts.residual,
                                weight: p + w.ln2Weight, bias: p + w.ln2Bias, rows: N, C: C, threads: th)
            LinearOp.forward(out: fch, inp: acts.lnOut, weight: p + w.fcWeight, bias: p + w.fcBias,
                             rows: N, inFeatures: C, outFeatures: F, threads: th, precision: matmulPrecision, scratch: productScratch)
            GELUOp.forward(out: gelu, derivative: fch, inp: fch, count: N * F, threads: th)
            LinearOp.forward(out: acts.residual, inp: gelu, weight: p + w.fcProjWeight,
                             bias: p + w.fcProjBias, rows: N, inFeatures: F, outFeatures: C,
                             accumulate: true, threads: th, precision: matmulPrecision, scratch: productScratch)
        }
        LayerNormOp.forward(out: acts.lnF, normalized: acts.xhatF, rstd: acts.rstdF, inp: acts.residual,
                            weight: p + offsets.lnFWeight, bias: p + offsets.lnFBias, rows: N, C: C,
                            threads: th)
        LinearOp.forward(out: acts.logits, inp: acts.lnF, weight: p + offsets.headWeight,
                         bias: p + offsets.headBias, rows: N, inFeatures: C, outFeatures: V, threads: th, precision: matmulPrecision, scratch: productScratch)
        if let levelBias = offsets.levelBias {
            LevelBiasOp.forward(logits: acts.logits, levels: acts.regimes, table: p + levelBias, rows: N, V: V,
                                threads: th)
        }
        guard targets != nil else { return nil }
        let loss = CrossEntropyOp.forward(probs: acts.probs, losses: acts.losses, logits: acts.logits,
                                          targets: acts.targets, rows: N, V: V, threads: th)
        lastLoss = loss
        return loss
    }

    /// The activation buffers for `rows` rows, (re)allocated only when they grow.
    func reserveActivations(rows: Int) -> ActivationBuffers {
        if let acts = activations, acts.capacity >= rows {
            acts.reserveAttentionScratch(threads: threads)
            return acts
        }
        let acts = ActivationBuffers(config: config, capacity: rows, threads: threads)
        activations = acts
        return acts
    }

    func validateBatch(tokens: UnsafeBufferPointer<Int32>, regimes: UnsafeBufferPointer<Int32>,
                       targets: UnsafeBufferPointer<Int32>?, batch B: Int, length T: Int) throws {
        guard B >= 1 else { throw TGFLError.outOfRange("batch size must be at least 1, got \(B)") }
        guard T >= 1 else { throw TGFLError.outOfRange("sequence length must be at least 1, got \(T)") }
        guard T <= config.contextLength else {
            throw TGFLError.outOfRange(
                "sequence length \(T) exceeds the model's context_length \(config.contextLength); "
                + "use windows of at most \(config.contextLength) steps")
        }
        let (n, overflow) = B.multipliedReportingOverflow(by: T)
        guard !overflow, n <= Int(Int32.max) else {
            throw TGFLError.outOfRange("batch·length = \(B)·\(T) is too large")
        }
        // Checked one array at a time (no allocation in the training step).
        func check(_ name: String, _ values: UnsafeBufferPointer<Int32>?, bound: Int, limit: String) throws {
            guard let values else { return }
            guard values.count == n else {
                throw TGFLError.shapeMismatch(
                    "\(name) has \(values.count) elements; expected batch·length = \(B)·\(T) = \(n)")
            }
            if let bad = values.firstIndex(where: { $0 < 0 || Int($0) >= bound }) {
                throw TGFLError.outOfRange(
                    "\(name)[\(bad)] = \(values[bad]) is outside 0..<\(bound) (\(limit)); "
                    + "batch row \(bad / T), position \(bad % T)")
            }
        }
        try check("tokens", tokens, bound: config.vocabSize, limit: "vocab_size")
        try check(config.modelVersion >= 2 ? "volatility levels" : "regimes", regimes,
                  bound: config.conditionCount, limit: config.conditionLimitName)
        try check("targets", targets, bound: config.vocabSize, limit: "vocab_size")
    }
}
