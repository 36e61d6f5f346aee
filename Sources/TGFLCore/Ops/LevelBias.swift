/// The per-level output bias of model v2, forward and backward.
///
/// ```
/// logits[n, :] += table[levels[n], :]          dTable[levels[n], :] += dLogits[n, :]
/// ```
/// An embedding lookup added to the logits (`nn.Embedding(S, V)` in the PyTorch reference).
public enum LevelBiasOp {
    /// Forward pass: adds each row's level bias to its logits (in place).
    /// - Parameters:
    ///   - logits: `[N, V]`, updated.
    ///   - levels: `[N]` row ids into the table (validated by the caller).
    ///   - table: `[S, V]`.
    ///   - rows: N; V: vocabulary size; threads: maximum worker threads.
    public static func forward(logits: UnsafeMutablePointer<Float>, levels: UnsafePointer<Int32>,
                               table: UnsafePointer<Float>, rows: Int, V: Int, threads: Int = 1) {
        let parts = Parallel.partCount(rows, granule: 64)
        let out = UncheckedSendable(logits)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            for n in Parallel.range(of: part, parts: parts, count: rows, granule: 64) {
                let b = table + Int(levels[n]) &* V
                let y = out.value + n &* V
                for v in 0..<V { y[v] += b[v] }
            }
        }
    }

    /// Backward pass: scatters `dLogits` into the table's gradient (accumulating). Each worker
    /// owns a column slice of the table and visits rows in order, so repeated levels add up in
    /// the same order for any thread count.
    public static func backward(dTable: UnsafeMutablePointer<Float>, dLogits: UnsafePointer<Float>,
                                levels: UnsafePointer<Int32>, rows: Int, V: Int, threads: Int = 1) {
        let parts = Parallel.partCount(V, granule: 128)
        let d = UncheckedSendable(dTable)
        Parallel.forEach(parts: parts, threads: threads) { part, _ in
            let columns = Parallel.range(of: part, parts: parts, count: V, granule: 128)
            for n in 0..<rows {
                let g = dLogits + n &* V
                let row = d.value + Int(levels[n]) &* V
                for v in columns { row[v] += g[v] }
            }
        }
    }
}
