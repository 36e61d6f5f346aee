import Foundation

/// Causal multi-head self-attention on a packed `qkv` tensor, forward and backward.
///
/// For batch `b` and head `h` (head width `hd = C/H`, columns `h·hd ..< (h+1)·hd`):
/// ```
/// Q, K, V = qkv[b, :, 0..<C], qkv[b, :, C..<2C], qkv[b, :, 2C..<3C]   (head h's columns)
/// S = Q Kᵀ / sqrt(hd)         P = softmax(S masked to j ≤ i)         out[b, :, head h] = P V
/// ```
/// The forward pass keeps only each row's log-sum-exp `lse[b, h, i]`; the backward pass
/// recomputes `P = exp(S − lse)` in per-worker scratch instead of storing `[B, H, T, T]`,
/// one block of query rows at a time (skipping keys above the diagonal block).
/// Products are `sgemm`s per `(b, h)` pair; each pair is one fixed part of the work.
/// Reference: Vaswani et al. (2017), "Attention Is All You Need";
/// `torch.nn.functional.scaled_dot_product_attention(is_causal=True)`; the recomputation
/// follows Dao et al. (2022), "FlashAttention".
public enum AttentionOp {
    /// Floats of scratch the forward and backward passes need for sequence length `T`.
    /// - Returns: `threads · 2 · T · T`.
    public static func scratchCount(T: Int, threads: Int) -> Int { max(1, threads) * 2 * T * T }

    /// Query rows per block: block `[r0, r1)` only meets keys `0..<r1`, so the causal
    /// triangle costs about half of the full `T×T` products.
    public static let defaultBlockRows = 32

    /// Forward pass (overwrites `out` and `lse`).
    /// - Parameters:
    ///   - out: `[B, T, C]` attention output, heads side by side.
    ///   - lse: `[B, H, T]` receives each row's log-sum-exp of the scaled, masked scores.
    ///   - qkv: `[B, T, 3C]`.
    ///   - scratch: At least `scratchCount(T:threads:)` floats.
    ///   - threads: Maximum worker threads.
    ///   - blockRows: Query rows per block (1...T; a tuning knob, results differ only by rounding).
    public static func forward(out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, H: Int,
                               scratch: UnsafeMutablePointer<Float>, threads: Int = 1,
                               blockRows: Int = AttentionOp.defaultBlockRows) {
        let hd = C / H, C3 = 3 * C
        let scale = 1 / Float(hd).squareRoot()
        let o = UncheckedSendable(out), l = UncheckedSendable(lse), s = UncheckedSendable(scratch)
        Parallel.forEach(parts: B * H, threads: threads) { pair, worker in
            let b = pair / H, h = pair % H
            let q = qkv + b * T * C3 + h * hd, k = q + C, v = q + 2 * C
            let y = o.value + b * T * C + h * hd
            let P = s.value + worker * 2 * T * T      // [blockRows, T] rows of the current block
            let rowLSE = l.value + pair * T
            var r0 = 0
            while r0 < T {
                let r1 = min(T, r0 + max(1, blockRows)), m = r1 - r0
                sgemm(transA: false, transB: true, m: m, n: r1, k: hd, alpha: scale,
                      a: q + r0 * C3, lda: C3, b: k, ldb: C3, beta: 0, c: P, ldc: T)
                for i in r0..<r1 {
                    let row = P + (i &- r0) &* T, count = i &+ 1
                    let mx = VectorMath.max(row, count)
                    for j in 0..<count { row[j] = VectorMath.exp(row[j] - mx) }
                    let sum = VectorMath.sum(row, count)
                    let inv = 1 / sum
                    for j in 0..<count { row[j] *= inv }
                    for j in count..<r1 { row[j] = 0 }
                    rowLSE[i] = mx + log(sum)
                }
                sgemm(transA: false, transB: false, m: m, n: hd, k: r1,
                      a: P, lda: T, b: v, ldb: C3, beta: 0, c: y + r0 * C, ldc: C)
                r0 = r1
            }
        }
    }

    /// Backward pass: adds the gradient with respect to `qkv` into `dQKV`.
    ///
    /// ```
    /// dV += Pᵀ dOut      dP = dOut Vᵀ      dS = P ∘ (dP − rowsum(P ∘ dP))
    /// dQ += dS K / sqrt(hd)                dK += dSᵀ Q / sqrt(hd)
    /// ```
    /// - Parameters:
    ///   - dQKV: `[B, T, 3C]` accumulated into (overwritten when `accumulate` is false).
    ///   - dOut: `[B, T, C]` upstream gradient.
    ///   - qkv: `[B, T, 3C]` forward input.
    ///   - lse: `[B, H, T]` from the forward pass.
    ///   - scratch: At least `scratchCount(T:threads:)` floats.
    ///   - threads: Maximum worker threads.
    ///   - blockRows: Query rows per block (1...T).
    public static func backward(dQKV: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                                B: Int, T: Int, C: Int, H: Int,
                                scratch: UnsafeMutablePointer<Float>, accumulate: Bool = true,
                                threads: Int = 1, blockRows: Int = AttentionOp.defaultBlockRows) {
        let hd = C / H, C3 = 3 * C
        let scale = 1 / Float(hd).squareRoot()
        let d = UncheckedSendable(dQKV), s = UncheckedSendable(scratch)
        Parallel.forEach(parts: B * H, threads: threads) { pair, worker in
            let b = pair / H, h = pair % H
            let q = qkv + b * T * C3 + h * hd, k = q + C, v = q + 2 * C
            let dq = d.value + b * T * C3 + h * hd, dk = dq + C, dv = dq + 2 * C
            let dO = dOut + b * T * C + h * hd
            let P = s.value + worker * 2 * T * T, dP = P + T * T
            let rowLSE = lse + pair * T
            if !accumulate {
                for t in 0..<T {
                    let row = dq + t * C3
                    for c in 0..<hd { row[c] = 0; row[C + c] = 0; row[2 * C + c] = 0 }
                }
            }
            var r0 = 0
            while r0 < T {
                let r1 = min(T, r0 + max(1, blockRows)), m = r1 - r0
                // Recompute this block's probabilities from the stored log-sum-exp.
                sgemm(transA: false, transB: true, m: m, n: r1, k: hd, alpha: scale,
                      a: q + r0 * C3, lda: C3, b: k, ldb: C3, beta: 0, c: P, ldc: T)
                for i in r0..<r1 {
                    let row = P + (i &- r0) &* T, mx = rowLSE[i], count = i &+ 1
                    for j in 0..<count { row[j] = VectorMath.exp(row[j] - mx) }
                    for j in count..<r1 { row[j] = 0 }
                }
                sgemm(transA: true, transB: false, m: r1, n: hd, k: m,
                      a: P, lda: T, b: dO + r0 * C, ldb: C, beta: 1, c: dv, ldc: C3)
                sgemm(transA: false, transB: true, m: m, n: r1, k: hd,
                      a: dO + r0 * C, lda: C, b: v, ldb: C3, beta: 0, c: dP, ldc: T)
                for i in r0..<r1 {
                    let p = P + (i &- r0) &* T, g = dP + (i &- r0) &* T, count = i &+ 1
                    let r = VectorMath.dot(p, g, count)
                    for j in 0..<count { g[j] = p[j] * (g[j] - r) }
                    for j in count..<r1 { g[j] = 0 }
                }
                sgemm(transA: false, transB: false, m: m, n: hd, k: r1, alpha: scale,
                      a: dP, lda: T, b: k, ldb: C3, beta: 1, c: dq + r0 * C3, ldc: C3)
                sgemm(transA: true, transB: false, m: r1, n: hd, k: m, alpha: scale,
                      a: dP, lda: T, b: q + r0 * C3, ldb: C3, beta: 1, c: dk, ldc: C3)
                r0 = r1
            }
        }
    }
}
