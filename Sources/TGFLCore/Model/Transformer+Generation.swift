import Foundation
import TGFLKernels

extension Transformer {
    /// A forward pass over rows that extend cached sequences, single-threaded (the caller
    /// runs one per worker).
    ///
    /// Row `r` is `(slot s, position t, token, regime)` from `cache.rowSlot/rowPosition/
    /// rowToken/rowRegime`; it writes its K and V into the cache at `(layer, s, head, t)` and
    /// attends to the cached positions `0 … t` of slot `s` (those below
    /// `cache.sharedPrefix.positions` read from the shared prompt cache):
    /// ```
    /// x_r = tok_emb[token] + pos_emb[t] + regime_emb[regime]
    /// per layer:  q, k, v = qkv(ln1(x_r));  K[s, t] = k;  V[s, t] = v
    ///             a_r = softmax(q · K[s, 0…t]ᵀ / sqrt(hd)) · V[s, 0…t]     (per head)
    ///             x_r += proj(a_r);   x_r += mlp.proj(gelu(mlp.fc(ln2(x_r))))
    /// logits[i] = head(ln_f(x_{outputRows[i]})) (+ level_bias[regime of that row] in v2)   i < outputCount
    /// ```
    /// Rows of one slot must come in increasing position order within a pass (a prefill
    /// writes all its K/V of a layer before any row of that layer attends), so a prefill of
    /// positions `0 ..< n` and n single-row steps give the same result up to rounding.
    /// The affine products run `tgfl_linear_rows` on the cache's transposed weights (a few
    /// dozen rows per step, where `sgemm` would re-pack the weights on every call); nothing
    /// is allocated.
    /// - Parameters:
    ///   - cache: The worker's cache and scratch.
    ///   - rows: Rows to process, ≤ `cache.rowCapacity`.
    ///   - outputCount: How many of `cache.outputRows` get logits (into `cache.logits`).
    func forwardCached(_ cache: KVCache, rows n: Int, outputCount: Int) {
        let C = config.dModel, F = config.dFF, V = config.vocabSize, H = config.nHeads
        let hd = config.headDim, C3 = 3 * C
        let scale = 1 / Float(hd).squareRoot()
        let p = UnsafePointer(params), wt = UnsafePointer(cache.linearWeights.values)
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
            tgfl_linear_rows(qkv, ln, wt + w.qkvWeight, p + w.qkvBias, n, C, C3, 0)
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
                    let keys = cache.keys + base, values = cache.values + base
                    if let prefix = cache.sharedPrefix {
                        let shared = prefix.cache.offset(layer: l, slot: 0, head: h)
                        tgfl_attend_cached_split(att + (r &* C &+ h &* hd), row + h &* hd,
                                                 prefix.cache.keys + shared, prefix.cache.values + shared,
                                                 prefix.positions, keys, values, t &+ 1, hd, scale, cache.weights)
                    } else {
                        tgfl_attend_cached(att + (r &* C &+ h &* hd), row + h &* hd, keys, values, t &+ 1, hd,
                                           scale, cache.weights)
                    }
                }
            }
            tgfl_linear_rows(x, att, wt + w.projWeight, p + w.projBias, n, C, C, 1)
            LayerNormOp.forward(out: ln, normalized: nil, rstd: nil, inp: x, weight: p + w.ln2Weight,
                                bias: p + w.ln2Bias, rows: n, C: C, threads: 1)
            tgfl_linear_rows(hidden, ln, wt + w.fcWeight, p + w.fcBias, n, C, F, 0)
            tgfl_gelu_inplace(hidden, n &* F)
            tgfl_linear_rows(x, hidden, wt + w.fcProjWeight, p + w.fcProjBias, n, F, C, 1)
        }

        let k = outputCount
        for i in 0..<k {
            (cache.out + i &* C).update(from: x + Int(cache.outputRows[i]) &* C, count: C)
        }
        LayerNormOp.forward(out: cache.outLn, normalized: nil, rstd: nil, inp: cache.out,
                            weight: p + offsets.lnFWeight, bias: p + offsets.lnFBias, rows: k, C: C, threads: 1)
        tgfl_linear_rows(cache.logits, cache.outLn, wt + offsets.headWeight, p + offsets.headBias, k, C, V, 0)
        if let levelBias = offsets.levelBias {
            for i in 0..<k {
                let b = p + levelBias + Int(cache.rowRegime[Int(cache.outputRows[i])]) &* V
                let y = cache.logits + i &* V
                for v in 0..<V { y[v] += b[v] }
            }
        }
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

/// The Linear weights of a model transposed to `[in, out]`, each at its offset in the
/// parameter vector, for `tgfl_linear_rows`. A snapshot: made at the start of a generation
/// run, read-only, shared by its workers.
final class TransposedLinearWeights: @unchecked Sendable {
    let values: UnsafeMutablePointer<Float>

    init(_ transformer: Transformer) {
        let count = transformer.parameterCount, p = UnsafePointer(transformer.params)
        values = UnsafeMutablePointer<Float>.allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        let o = transformer.offsets, cfg = transformer.config
        let C = cfg.dModel, F = cfg.dFF, V = cfg.vocabSize
        func transpose(_ offset: Int, rows: Int, columns: Int) {   // [rows, columns] → [columns, rows]
            let src = p + offset, dst = values + offset
            for r in 0..<rows {
                for c in 0..<columns { dst[c &* rows &+ r] = src[r &* columns &+ c] }
            }
        }
        for w in o.blocks {
            transpose(w.qkvWeight, rows: 3 * C, columns: C)
            transpose(w.projWeight, rows: C, columns: C)
            transpose(w.fcWeight, rows: F, columns: C)
            transpose(w.fcProjWeight, rows: C, columns: F)
        }
        transpose(o.headWeight, rows: V, columns: C)
    }

    deinit { values.deallocate() }
}
