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
    /// The three tables are three fixed parts, each written by one worker only (column
    /// slices of shared rows made the workers fight over cache lines), and rows are visited
    /// in order, so repeated ids accumulate in the same order for any thread count.
    public static func backward(dTokenTable: UnsafeMutablePointer<Float>,
                                dPositionTable: UnsafeMutablePointer<Float>,
                                dRegimeTable: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                tokens: UnsafePointer<Int32>, regimes: UnsafePointer<Int32>,
                                B: Int, T: Int, C: Int, startPosition: Int = 0, threads: Int = 1) {
        let dTok = UncheckedSendable(dTokenTable), dPos = UncheckedSendable(dPositionTable)
        let dReg = UncheckedSendable(dRegimeTable)
        Parallel.forEach(parts: 3, threads: threads) { part, _ in
            for n in 0..<(B * T) {
                let g = dOut + n &* C
                let row: UnsafeMutablePointer<Float>
                switch part {
                case 0: row = dTok.value + Int(tokens[n]) &* C
                case 1: row = dPos.value + (startPosition &+ n % T) &* C
                default: row = dReg.value + Int(regimes[n]) &* C
                }
                for c in 0..<C { row[c] += g[c] }
            }
        }
    }
}
