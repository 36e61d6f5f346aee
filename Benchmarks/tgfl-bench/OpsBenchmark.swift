import ArgumentParser
import Foundation
import TGFLCore
import TGFLKernels

/// `tgfl-bench ops`: the time of each op at the model's training shapes (a profile without perf).
struct OpsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Median time of each forward/backward op at batch B, T = context; per-step totals.")

    @Option(help: "Model config: small or large.")
    var config = "small"
    @Option(help: "Worker threads (default: all processors).")
    var threads: Int?
    @Option(help: "Batch size B.")
    var batch = 32
    @Option(help: "Repetitions per op.")
    var reps = 10

    func run() throws {
        BLASRuntime.configure()   // OpenBLAS single-threaded, as inside a model
        let cfg = try BenchmarkSupport.config(named: config)
        let th = threads ?? Parallel.hardwareThreads
        let B = batch, T = cfg.contextLength, C = cfg.dModel, F = cfg.dFF, V = cfg.vocabSize
        let H = cfg.nHeads, L = cfg.nLayers, N = B * T
        var rng = SeededRNG(seed: 1)
        func buffer(_ n: Int, scale: Double = 1) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            for i in 0..<n { p[i] = Float(rng.normal() * scale) }
            return p
        }
        let x = buffer(N * C), y = buffer(N * C), xhat = buffer(N * C), rstd = buffer(N)
        let w = buffer(max(3 * C * C, F * C, V * C), scale: 0.05), bias = buffer(max(3 * C, F, V))
        let dW = buffer(max(3 * C * C, F * C, V * C)), dB = buffer(max(3 * C, F, V))
        let qkv = buffer(N * 3 * C), dqkv = buffer(N * 3 * C), lse = buffer(N * H)
        let hidden = buffer(N * F), dHidden = buffer(N * F), logits = buffer(N * V), probs = buffer(N * V)
        let losses = buffer(N)
        let scratch = buffer(AttentionOp.scratchCount(T: T, headDim: C / H, threads: th))
        let tokens = UnsafeMutablePointer<Int32>.allocate(capacity: N)
        let regimes = UnsafeMutablePointer<Int32>.allocate(capacity: N)
        for i in 0..<N { tokens[i] = Int32(rng.int(below: V)); regimes[i] = Int32(rng.int(below: 4)) }
        let table = buffer(V * C)

        var rows: [(String, Int, Double)] = []
        func time(_ name: String, perStep: Int, _ body: () -> Void) {
            body()
            var times: [Double] = []
            for _ in 0..<reps {
                let start = BenchmarkSupport.now()
                body()
                times.append(BenchmarkSupport.now() - start)
            }
            rows.append((name, perStep, BenchmarkSupport.median(times)))
        }
        time("embedding fwd", perStep: 1) {
            EmbeddingOp.forward(out: x, tokens: tokens, regimes: regimes, tokenTable: table, positionTable: table,
                                regimeTable: table, B: B, T: T, C: C, threads: th)
        }
        time("layernorm fwd", perStep: 2 * L + 1) {
            LayerNormOp.forward(out: y, normalized: xhat, rstd: rstd, inp: x, weight: w, bias: bias,
                                rows: N, C: C, threads: th)
        }
        time("linear qkv fwd", perStep: L) {
            LinearOp.forward(out: qkv, inp: y, weight: w, bias: bias, rows: N, inFeatures: C,
                             outFeatures: 3 * C, threads: th)
        }
        time("attention fwd", perStep: L) {
            AttentionOp.forward(out: y, lse: lse, qkv: qkv, B: B, T: T, C: C, H: H, scratch: scratch, threads: th)
        }
        time("linear proj fwd (+res)", perStep: L) {
            LinearOp.forward(out: x, inp: y, weight: w, bias: bias, rows: N, inFeatures: C, outFeatures: C,
                             accumulate: true, threads: th)
        }
        time("linear fc fwd", perStep: L) {
            LinearOp.forward(out: hidden, inp: y, weight: w, bias: bias, rows: N, inFeatures: C,
                             outFeatures: F, threads: th)
        }
        time("gelu fwd (+derivative)", perStep: L) {
            GELUOp.forward(out: dHidden, derivative: probs, inp: hidden, count: N * F, threads: th)
        }
        time("linear fcproj fwd (+res)", perStep: L) {
            LinearOp.forward(out: x, inp: dHidden, weight: w, bias: bias, rows: N, inFeatures: F,
                             outFeatures: C, accumulate: true, threads: th)
        }
        time("linear head fwd", perStep: 1) {
            LinearOp.forward(out: logits, inp: y, weight: w, bias: bias, rows: N, inFeatures: C,
                             outFeatures: V, threads: th)
        }
        time("cross-entropy fwd", perStep: 1) {
            CrossEntropyOp.forward(probs: probs, losses: losses, logits: logits, targets: tokens, rows: N, V: V,
                                   threads: th)
        }
        time("linear head bwd", perStep: 1) {
            LinearOp.backward(dInp: y, dWeight: dW, dBias: dB, dOut: probs, inp: x, weight: w, rows: N,
                              inFeatures: C, outFeatures: V, accumulateInput: false, threads: th)
        }
        time("layernorm bwd", perStep: 2 * L + 1) {
            LayerNormOp.backward(dInp: x, dWeight: dW, dBias: dB, dOut: y, normalized: xhat, rstd: rstd,
                                 weight: w, rows: N, C: C, threads: th)
        }
        time("layernorm affine (recompute)", perStep: 2 * L) {
            LayerNormOp.affine(out: y, normalized: xhat, weight: w, bias: bias, rows: N, C: C, threads: th)
        }
        time("linear fcproj bwd", perStep: L) {
            LinearOp.backward(dInp: dHidden, dWeight: dW, dBias: dB, dOut: x, inp: hidden, weight: w, rows: N,
                              inFeatures: F, outFeatures: C, accumulateInput: false, threads: th)
        }
        time("gelu bwd (stored derivative)", perStep: L) {
            GELUOp.backward(dInp: dHidden, derivative: hidden, dOut: dHidden, count: N * F, threads: th)
        }
        time("linear fc bwd", perStep: L) {
            LinearOp.backward(dInp: y, dWeight: dW, dBias: dB, dOut: dHidden, inp: x, weight: w, rows: N,
                              inFeatures: C, outFeatures: F, accumulateInput: false, threads: th)
        }
        time("linear proj bwd", perStep: L) {
            LinearOp.backward(dInp: y, dWeight: dW, dBias: dB, dOut: x, inp: y, weight: w, rows: N,
                              inFeatures: C, outFeatures: C, accumulateInput: false, threads: th)
        }
        time("attention bwd", perStep: L) {
            AttentionOp.backward(dQKV: dqkv, dOut: y, qkv: qkv, lse: lse, B: B, T: T, C: C, H: H,
                                 scratch: scratch, accumulate: false, threads: th)
        }
        time("linear qkv bwd", perStep: L) {
            LinearOp.backward(dInp: y, dWeight: dW, dBias: dB, dOut: dqkv, inp: x, weight: w, rows: N,
                              inFeatures: C, outFeatures: 3 * C, accumulateInput: false, threads: th)
        }
        time("embedding bwd", perStep: 1) {
            EmbeddingOp.backward(dTokenTable: table, dPositionTable: table, dRegimeTable: table, dOut: x,
                                 tokens: tokens, regimes: regimes, B: B, T: T, C: C, threads: th)
        }
        let n = ParameterLayout(config: cfg).count
        var optimizer = try AdamW(parameterCount: n)
        let params = buffer(n, scale: 0.02), grads = buffer(n, scale: 0.01)
        time("adamw step", perStep: 1) {
            try? optimizer.step(parameters: UnsafeMutableBufferPointer(start: params, count: n),
                                gradients: UnsafeBufferPointer(start: grads, count: n))
        }
        // Generation kernels (not part of the training step): one 32-path step's qkv product,
        // and the cached attention of one (slot, head) at 96 positions with the caches of 1
        // slot (stays in L2) or 32 slots (a chunk's caches, out of L2) visited in turn.
        let G = 32, cachedPositions = min(96, T), hd = C / H
        let wt = buffer(3 * C * C, scale: 0.05)
        time("  gen qkv sgemm+bias, 32 rows", perStep: 0) {
            LinearOp.forward(out: y, inp: x, weight: w, bias: bias, rows: G, inFeatures: C, outFeatures: 3 * C)
        }
        time("  gen qkv linear_rows, 32 rows", perStep: 0) {
            tgfl_linear_rows(y, x, wt, bias, G, C, 3 * C, 0)
        }
        let tile = (T + 7) / 8 * 8 * hd, cache = buffer(2 * 32 * H * L * tile)
        for slots in [1, 32] {
            time("  gen attn cache, \(slots) slot(s)", perStep: 0) {
                for s in 0..<(32 * H * L) {
                    let base = cache + 2 * (s % (slots * H * L)) * tile
                    tgfl_attend_cached(y, x, base, base + tile, cachedPositions, hd, 0.25, xhat)
                }
            }
        }
        time("  empty parallel region x100", perStep: 0) {
            for _ in 0..<100 { Parallel.forEach(parts: 8, threads: th) { _, _ in } }
        }
        let total = rows.reduce(0) { $0 + Double($1.1) * $1.2 }
        print("tgfl-bench ops --config \(config) --threads \(th) --batch \(B)  (load avg \(BenchmarkSupport.loadAverage()))")
        print("op                              ms/call  calls/step  ms/step   share")
        for (name, count, t) in rows {
            print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
                  + String(format: " %8.3f %10d %9.2f %6.1f%%", t * 1e3, count, t * 1e3 * Double(count),
                           100 * t * Double(count) / total))
        }
        print(String(format: "estimated step: %.2f ms, %.0f tokens/s", total * 1e3, Double(N) / total))
    }
}
