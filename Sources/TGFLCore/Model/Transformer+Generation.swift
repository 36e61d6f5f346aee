import Foundation

extension Transformer {
    /// A forward pass over rows that extend cached sequences, single-threaded (the caller
    /// runs one per worker).
    ///
    /// Row `r` is `(slot s, position t, token, regime)` from `cache.rowSlot/rowPosition/
    /// rowToken/rowRegime`; it writes its K and V into the cache at `(layer, s, head, t)` and
    /// attends to the cached positions `0 … t` of slot `s`:
    /// ```
    /// x_r = tok_emb[token] + pos_emb[t] + regime_emb[regime]
    /// per layer:  q, k, v = qkv(ln1(x_r));  K[s, t] = k;  V[s, t] = v
    ///             a_r = softmax(q · K[s, 0…t]ᵀ / sqrt(hd)) · V[s, 0…t]     (per head)
    ///             x_r += proj(a_r);   x_r += mlp.proj(gelu(mlp.fc(ln2(x_r))))
    /// logits[i] = head(ln_f(x_{outputRows[i]}))                              i < outputCount
    /// ```
    /// Rows of one slot must come in increasing position order within a pass (a prefill
    /// writes all its K/V of a layer before any row of that layer attends), so a prefill of
    /// positions `0 ..< n` and n single-row steps give the same result up to rounding.
    /// All products are `sgemm`s over the rows; nothing is allocated.
    /// - Parameters:
    ///   - cache: The worker's cache and scratch.
    ///   - rows: Rows to process, ≤ `cache.rowCapacity`.
    ///   - outputCount: How many of `cache.outputRows` get logits (into `cache.logits`).
    func forwardCached(_ cache: KVCache, rows n: Int, outputCount: Int) {
        let C = config.dModel, F = config.dFF, V = config.vocabSize, H = config.nHeads
        let hd = config.headDim, C3 = 3 * C
        let scale = 1 / Float(hd).squareRoot()
        let p = UnsafePointer(params)
        let x = cache.x, ln = cache.ln, att = cache.att, qkv = cache.qkv, hidden = cache.hidden

        // Embeddings.
        let tok = p + offsets.tokenEmbedding, pos = p + offsets.positionEmbedding
        let reg = p + offsets.regimeEmbedding
        for r in 0..<n {
            let e = tok + Int(cache.rowToken[r]) &* C
            let q = pos + Int(cache.rowPosition[r]) &* C
            let g = reg + Int(cache.rowRegime[r]) &* C
            let y = x + r &* C
            for c in 0..<C { y[c] = e[c] + q[c] + g[c] }
        }

        for (l, w) in offsets.blocks.enumerated() {
            LayerNormOp.forward(out: ln, normalized: nil, rstd: nil, inp: x, weight: p + w.ln1Weight,
                                bias: p + w.ln1Bias, rows: n, C: C, threads: 1)
            LinearOp.forward(out: qkv, inp: ln, weight: p + w.qkvWeight, bias: p + w.qkvBias,
                             rows: n, inFeatures: C, outFeatures: C3, threads: 1)
            // Write every row's K and V into the cache first (a prefill attends to its own rows).
            for r in 0..<n {
                let s = Int(cache.rowSlot[r]), t = Int(cache.rowPosition[r])
                let row = qkv + r &* C3
                for h in 0..<H {
                    let o = cache.offset(layer: l, slot: s, head: h) &+ t &* hd
                    (cache.keys + o).update(from: row + (C &+ h &* hd), count: hd)
                    (cache.values + o).update(from: row + (2 &* C &+ h &* hd), count: hd)
                }
            }
            for r in 0..<n {
                let s = Int(cache.rowSlot[r]), t = Int(cache.rowPosition[r])
                let row = qkv + r &* C3
                for h in 0..<H {
                    let base = cache.offset(layer: l, slot: s, head: h)
                    Self.attendCached(out: att + (r &* C &+ h &* hd), query: row + h &* hd,
                                      keys: cache.keys + base, values: cache.values + base,
                                      count: t &+ 1, hd: hd, scale: scale, weights: cache.weights)
                }
            }
            LinearOp.forward(out: x, inp: att, weight: p + w.projWeight, bias: p + w.projBias,
                             rows: n, inFeatures: C, outFeatures: C, accumulate: true, threads: 1)
            LayerNormOp.forward(out: ln, normalized: nil, rstd: nil, inp: x, weight: p + w.ln2Weight,
                                bias: p + w.ln2Bias, rows: n, C: C, threads: 1)
            LinearOp.forward(out: hidden, inp: ln, weight: p + w.fcWeight, bias: p + w.fcBias,
                             rows: n, inFeatures: C, outFeatures: F, threads: 1)
            GELUOp.forward(out: hidden, inp: hidden, count: n * F, threads: 1)
            LinearOp.forward(out: x, inp: hidden, weight: p + w.fcProjWeight, bias: p + w.fcProjBias,
                             rows: n, inFeatures: F, outFeatures: C, accumulate: true, threads: 1)
        }

        let k = outputCount
        for i in 0..<k {
            (cache.out + i &* C).update(from: x + Int(cache.outputRows[i]) &* C, count: C)
        }
        LayerNormOp.forward(out: cache.outLn, normalized: nil, rstd: nil, inp: cache.out,
                            weight: p + offsets.lnFWeight, bias: p + offsets.lnFBias, rows: k, C: C, threads: 1)
        LinearOp.forward(out: cache.logits, inp: cache.outLn, weight: p + offsets.headWeight,
                         bias: p + offsets.headBias, rows: k, inFeatures: C, outFeatures: V, threads: 1)
    }

    /// One query row attending to `count` cached positions of one head.
    ///
    /// ```
    /// s_j = (q · k_j) · scale,   w_j = exp(s_j − max s),   out = Σ_j w_j v_j / Σ_j w_j
    /// ```
    @inline(__always)
    static func attendCached(out: UnsafeMutablePointer<Float>, query: UnsafePointer<Float>,
                             keys: UnsafePointer<Float>, values: UnsafePointer<Float>, count: Int,
                             hd: Int, scale: Float, weights: UnsafeMutablePointer<Float>) {
        var m = -Float.infinity
        if hd == 16 {
            let raw = UnsafeRawPointer(query)
            let q0 = raw.loadUnaligned(as: SIMD8<Float>.self)
            let q1 = raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            for j in 0..<count {
                let kr = UnsafeRawPointer(keys + j &* 16)
                let prod = q0 * kr.loadUnaligned(as: SIMD8<Float>.self)
                    + q1 * kr.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                let s = prod.sum() * scale
                weights[j] = s
                if s > m { m = s }
            }
        } else {
            for j in 0..<count {
                let s = VectorMath.dot(query, keys + j &* hd, hd) * scale
                weights[j] = s
                if s > m { m = s }
            }
        }
        var sum: Float = 0
        for j in 0..<count {
            let e = VectorMath.exp(weights[j] - m)
            weights[j] = e
            sum += e
        }
        let inv = 1 / sum
        if hd == 16 {
            var a0 = SIMD8<Float>(repeating: 0), a1 = SIMD8<Float>(repeating: 0)
            for j in 0..<count {
                let vr = UnsafeRawPointer(values + j &* 16)
                let wj = SIMD8<Float>(repeating: weights[j])
                a0 += wj * vr.loadUnaligned(as: SIMD8<Float>.self)
                a1 += wj * vr.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            }
            let o = UnsafeMutableRawPointer(out)
            o.storeBytes(of: a0 * inv, as: SIMD8<Float>.self)
            o.storeBytes(of: a1 * inv, toByteOffset: 32, as: SIMD8<Float>.self)
        } else {
            for d in 0..<hd { out[d] = 0 }
            for j in 0..<count {
                let v = values + j &* hd, wj = weights[j]
                for d in 0..<hd { out[d] += wj * v[d] }
            }
            for d in 0..<hd { out[d] *= inv }
        }
    }
}
