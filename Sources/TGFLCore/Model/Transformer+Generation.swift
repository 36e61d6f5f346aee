import Foundation
import TGFLKernels

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
                    let base = cache.offset(layer: l, slot: s, head: h)
                    tgfl_kv_store(cache.keys + base, cache.values + base, row + (C &+ h &* hd),
                                  row + (2 &* C &+ h &* hd), t, hd)
                }
            }
            for r in 0..<n {
                let s = Int(cache.rowSlot[r]), t = Int(cache.rowPosition[r])
                let row = qkv + r &* C3
                for h in 0..<H {
                    let base = cache.offset(layer: l, slot: s, head: h)
                    tgfl_attend_cached(att + (r &* C &+ h &* hd), row + h &* hd, cache.keys + base,
                                       cache.values + base, t &+ 1, hd, scale, cache.weights)
                }
            }
            LinearOp.forward(out: x, inp: att, weight: p + w.projWeight, bias: p + w.projBias,
                             rows: n, inFeatures: C, outFeatures: C, accumulate: true, threads: 1)
            LayerNormOp.forward(out: ln, normalized: nil, rstd: nil, inp: x, weight: p + w.ln2Weight,
                                bias: p + w.ln2Bias, rows: n, C: C, threads: 1)
            LinearOp.forward(out: hidden, inp: ln, weight: p + w.fcWeight, bias: p + w.fcBias,
                             rows: n, inFeatures: C, outFeatures: F, threads: 1)
            tgfl_gelu_inplace(hidden, n &* F)
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

    /// Largest of `x[0..<n]` (`n > 0`), eight lanes with inlined compares (exact).
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var m = x[0]
        if n >= 8 {
            var acc = UnsafeRawPointer(x).loadUnaligned(as: SIMD8<Float>.self)
            i = 8
            while i &+ 8 <= n {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                acc.replace(with: v, where: v .> acc)
                i &+= 8
            }
            for k in 0..<8 where acc[k] > m { m = acc[k] }
        }
        while i < n { if x[i] > m { m = x[i] }; i &+= 1 }
        return m
    }
}
