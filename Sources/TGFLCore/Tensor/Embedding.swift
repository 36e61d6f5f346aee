/// The summed token, position and regime embeddings, forward and backward.
///
/// ```
/// out[b, t, :] = tok_emb[tokens[b, t]] + pos_emb[start + t] + regime_emb[regimes[b, t]]
/// ```
/// Reference: GPT-2's `wte + wpe` (llm.c `encoder_forward/backward`), plus a regime table.
public enum EmbeddingOp {
    /// Forward pass (overwrites `out`). The caller validates ids and positions.
    /// - Parameters:
    ///   - out: `[B, T, C]`, overwritten.
    ///   - tokens, regimes: `[B, T]` row ids into the token and regime tables.
    ///   - tokenTable: `[V, C]`; positionTable: `[≥ start+T, C]`; regimeTable: `[R, C]`.
    ///   - startPosition: Position of `t = 0` (non-zero when extending a cached sequence).
    ///   - threads: Maximum worker threads.
    public static func forward(out: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                               regimes: UnsafePointer<Int32>, tokenTable: UnsafePointer<Float>,
                               positionTable: UnsafePointer<Float>, regimeTable: UnsafePointer<Float>,
                               B: Int, T: Int, C: Int, startPosition: Int = 0, threads: Int = 1) {
        let rows = B * T
        let parts = Parallel.partCount(rows, granule: 64)
        let o = UncheckedSendable(out)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            for n in Parallel.range(of: part, parts: parts, count: rows, granule: 64) {
                let t = n % T
                let e = tokenTable + Int(tokens[n]) &* C
                let p = positionTable + (startPosition &+ t) &* C
                let r = regimeTable + Int(regimes[n]) &* C
                let y = o.value + n &* C
                for c in 0..<C { y[c] = e[c] + p[c] + r[c] }
            }
        }
    }

    /// Backward pass: scatters `dOut` into the three tables' gradients (accumulating).
    ///
    /// ```
    /// dTok[tokens[b,t]] += dOut[b,t]   dPos[start+t] += dOut[b,t]   dReg[regimes[b,t]] += dOut[b,t]
    /// ```
    /// Columns are split into fixed parts and rows are visited in order, so repeated ids
    /// accumulate in the same order for any thread count.
    public static func backward(dTokenTable: UnsafeMutablePointer<Float>,
                                dPositionTable: UnsafeMutablePointer<Float>,
                                dRegimeTable: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, regimes: UnsafePointer<Int32>,
                                B: Int, T: Int, C: Int, startPosition: Int = 0, threads: Int = 1) {
        let parts = Parallel.partCount(C, granule: 16, maxParts: 8)
        let dTok = UncheckedSendable(dTokenTable), dPos = UncheckedSendable(dPositionTable)
        let dReg = UncheckedSendable(dRegimeTable)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let cols = Parallel.range(of: part, parts: parts, count: C, granule: 16)
            for n in 0..<(B * T) {
                let g = dOut + n &* C
                let e = dTok.value + Int(tokens[n]) &* C
                let p = dPos.value + (startPosition &+ n % T) &* C
                let r = dReg.value + Int(regimes[n]) &* C
                for c in cols {
                    e[c] += g[c]
                    p[c] += g[c]
                    r[c] += g[c]
                }
            }
        }
    }
}
