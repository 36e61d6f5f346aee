import Foundation
import TGFLKernels

/// Causal multi-head self-attention on a packed `qkv` tensor, forward and backward.
///
/// For batch `b` and head `h` (head width `hd = C/H`, columns `h·hd ..< (h+1)·hd`):
/// ```
/// Q, K, V = qkv[b, :, 0..<C], qkv[b, :, C..<2C], qkv[b, :, 2C..<3C]   (head h's columns)
/// S = Q Kᵀ / sqrt(hd)         P = softmax(S masked to j ≤ i)         out[b, :, head h] = P V
/// ```
/// The forward pass keeps only each row's log-sum-exp `lse[b, h, i]`; the backward pass
/// recomputes each row of `P = exp(S − lse)` instead of storing `[B, H, T, T]`, and visits
/// only keys `j ≤ i`. Each `(b, h)` pair is one fixed part of the work, computed by the fused
/// C kernels `tgfl_attention_forward/backward` (AVX2+FMA where the CPU has them).
/// Reference: Vaswani et al. (2017), "Attention Is All You Need";
/// `torch.nn.functional.scaled_dot_product_attention(is_causal=True)`; the recomputation
/// follows Dao et al. (2022), "FlashAttention".
public enum AttentionOp {
    /// Floats of scratch the forward and backward passes need.
    /// - Parameters:
    ///   - T: Sequence length (or the largest one the scratch will serve).
    ///   - headDim: `hd = C/H`.
    ///   - threads: Worker threads (each has its own slice).
    /// - Returns: `threads · (6·hd·T₁₆ + 2·T₁₆²)`, with T₁₆ = T rounded up to a multiple of 16.
    public static func scratchCount(T: Int, headDim: Int, threads: Int) -> Int {
        max(1, threads) * max(1, tgfl_attention_scratch_count(T, headDim))
    }

    /// Forward pass (overwrites `out` and `lse`).
    /// - Parameters:
    ///   - out: `[B, T, C]` attention output, heads side by side.
    ///   - lse: `[B, H, T]` receives each row's log-sum-exp of the scaled, masked scores.
    ///   - qkv: `[B, T, 3C]`.
    ///   - scratch: At least `scratchCount(T:headDim:threads:)` floats.
    ///   - threads: Maximum worker threads.
    public static func forward(out: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, B: Int, T: Int, C: Int, H: Int,
                               scratch: UnsafeMutablePointer<Float>, threads: Int = 1) {
        let hd = C / H, C3 = 3 * C
        let scale = 1 / Float(hd).squareRoot()
        let slice = tgfl_attention_scratch_count(T, hd)
        let o = UncheckedSendable(out), l = UncheckedSendable(lse), s = UncheckedSendable(scratch)
        Parallel.forEach(parts: B * H, threads: threads) { pair, worker in
            let b = pair / H, h = pair % H
            let q = qkv + b * T * C3 + h * hd
            tgfl_attention_forward(o.value + b * T * C + h * hd, C, l.value + pair * T,
                                   q, q + C, q + 2 * C, C3, T, hd, scale, s.value + worker * slice)
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
    ///   - scratch: At least `scratchCount(T:headDim:threads:)` floats.
    ///   - threads: Maximum worker threads.
    public static func backward(dQKV: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, lse: UnsafePointer<Float>,
                                B: Int, T: Int, C: Int, H: Int,
                                scratch: UnsafeMutablePointer<Float>, accumulate: Bool = true,
                                threads: Int = 1) {
        let hd = C / H, C3 = 3 * C
        let scale = 1 / Float(hd).squareRoot()
        let slice = tgfl_attention_scratch_count(T, hd)
        let d = UncheckedSendable(dQKV), s = UncheckedSendable(scratch)
        Parallel.forEach(parts: B * H, threads: threads) { pair, worker in
            let b = pair / H, h = pair % H
            let q = qkv + b * T * C3 + h * hd
            let dq = d.value + b * T * C3 + h * hd
            tgfl_attention_backward(dq, dq + C, dq + 2 * C, dOut + b * T * C + h * hd, C,
                                    q, q + C, q + 2 * C, C3, lse + pair * T, T, hd, scale,
                                    s.value + worker * slice, accumulate ? 1 : 0)
        }
    }
}
