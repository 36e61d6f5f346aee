import TGFLTestSupport
import XCTest
import TGFLKernels
@testable import TGFLCore

/// Finite-difference checks of every op's backward pass against its own forward pass
/// (central differences of a random linear functional of the output, in Float32 with the
/// functional summed in Double).
final class OpGradientTests: XCTestCase {
    var rng = SeededRNG(seed: 42)

    func randomArray(_ n: Int, scale: Double = 1) -> [Float] {
        (0..<n).map { _ in Float(rng.normal() * scale) }
    }

    /// Central-difference gradient of `f` at `x`.
    func numericalGradient(_ x: [Float], h: Float = 1e-2, _ f: ([Float]) -> Double) -> [Double] {
        var x = x
        var g = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let up = f(x)
            x[i] = saved - h
            let down = f(x)
            x[i] = saved
            g[i] = (up - down) / (Double(saved + h) - Double(saved - h))
        }
        return g
    }

    /// `Σ_i w[i] · y[i]` in Double.
    func functional(_ y: UnsafePointer<Float>, _ w: [Float]) -> Double {
        var s = 0.0
        for i in w.indices { s += Double(w[i]) * Double(y[i]) }
        return s
    }

    func check(_ analytic: [Float], _ numeric: [Double], _ what: String,
               file: StaticString = #filePath, line: UInt = #line) {
        let scale = numeric.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 1e-3, "\(what): the check needs a non-trivial gradient", file: file, line: line)
        assertClose(analytic.map(Double.init), numeric, rtol: 1e-2, atol: 2e-3 * scale, what,
                    file: file, line: line)
    }

    func testLinear() {
        let N = 37, IC = 5, OC = 7
        let x = randomArray(N * IC), W = randomArray(OC * IC), b = randomArray(OC), w = randomArray(N * OC)
        func f(_ x: [Float], _ W: [Float], _ b: [Float]) -> Double {
            var y = [Float](repeating: 0, count: N * OC)
            LinearOp.forward(out: &y, inp: x, weight: W, bias: b, rows: N, inFeatures: IC,
                             outFeatures: OC, threads: 2)
            return functional(y, w)
        }
        var dx = [Float](repeating: 0.5, count: N * IC)       // backward adds: start non-zero
        var dW = [Float](repeating: 0, count: OC * IC), db = [Float](repeating: 0, count: OC)
        LinearOp.backward(dInp: &dx, dWeight: &dW, dBias: &db, dOut: w, inp: x, weight: W,
                          rows: N, inFeatures: IC, outFeatures: OC, threads: 2)
        check(dx.map { $0 - 0.5 }, numericalGradient(x) { f($0, W, b) }, "Linear dInp")
        check(dW, numericalGradient(W) { f(x, $0, b) }, "Linear dWeight")
        check(db, numericalGradient(b) { f(x, W, $0) }, "Linear dBias")
    }

    func testLinearAccumulateAddsIntoOutput() {
        // out += inp·Wᵀ + b, checked against a hand-computed 1×2·(2×1) case.
        var out: [Float] = [10]
        LinearOp.forward(out: &out, inp: [1, 2], weight: [3, 4], bias: [0.5], rows: 1, inFeatures: 2,
                         outFeatures: 1, accumulate: true)
        XCTAssertEqual(out, [21.5] as [Float])   // 10 + 1·3 + 2·4 + 0.5
    }

    func testLayerNorm() {
        let N = 19, C = 12
        let x = randomArray(N * C, scale: 2), wt = randomArray(C), bs = randomArray(C), w = randomArray(N * C)
        func f(_ x: [Float], _ wt: [Float], _ bs: [Float]) -> Double {
            var y = [Float](repeating: 0, count: N * C)
            LayerNormOp.forward(out: &y, normalized: nil, rstd: nil, inp: x, weight: wt, bias: bs,
                                rows: N, C: C, threads: 2)
            return functional(y, w)
        }
        var y = [Float](repeating: 0, count: N * C), xhat = y, rstd = [Float](repeating: 0, count: N)
        LayerNormOp.forward(out: &y, normalized: &xhat, rstd: &rstd, inp: x, weight: wt, bias: bs,
                            rows: N, C: C, threads: 2)
        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C), db = dw
        LayerNormOp.backward(dInp: &dx, dWeight: &dw, dBias: &db, dOut: w, normalized: xhat, rstd: rstd,
                             weight: wt, rows: N, C: C, threads: 2)
        check(dx, numericalGradient(x, h: 1e-2) { f($0, wt, bs) }, "LayerNorm dInp")
        check(dw, numericalGradient(wt) { f(x, $0, bs) }, "LayerNorm dWeight")
        check(db, numericalGradient(bs) { f(x, wt, $0) }, "LayerNorm dBias")
    }

    func testLayerNormForwardMatchesClosedForm() {
        // x = [1, 2, 3, 4]: μ = 2.5, σ² = 1.25, x̂ = (x − μ)/sqrt(1.25 + 1e-5).
        var y = [Float](repeating: 0, count: 4)
        LayerNormOp.forward(out: &y, normalized: nil, rstd: nil, inp: [1, 2, 3, 4], weight: [1, 1, 1, 1],
                            bias: [0, 0, 0, 0], rows: 1, C: 4)
        let s = 1 / (1.25 + 1e-5).squareRoot()
        assertClose(y, [-1.5, -0.5, 0.5, 1.5].map { Float($0 * s) }, rtol: 1e-6, atol: 1e-6, "LayerNorm")
    }

    func testGELU() {
        let n = 50
        let x = randomArray(n, scale: 2), w = randomArray(n)
        func f(_ x: [Float]) -> Double {
            var y = [Float](repeating: 0, count: n)
            GELUOp.forward(out: &y, inp: x, count: n, threads: 2)
            return functional(y, w)
        }
        var dx = [Float](repeating: 0, count: n)
        GELUOp.backward(dInp: &dx, inp: x, dOut: w, count: n, threads: 2)
        check(dx, numericalGradient(x, h: 1e-2, f), "GELU dInp")
        // The stored-derivative form used by the transformer.
        var y = [Float](repeating: 0, count: n), derivative = y, dx2 = y
        GELUOp.forward(out: &y, derivative: &derivative, inp: x, count: n, threads: 2)
        GELUOp.backward(dInp: &dx2, derivative: derivative, dOut: w, count: n, threads: 2)
        check(dx2, numericalGradient(x, h: 1e-2, f), "GELU dInp from the stored derivative")
        var y1 = [Float](repeating: 0, count: n)
        GELUOp.forward(out: &y1, inp: x, count: n)
        XCTAssertEqual(y, y1, "both forward forms give gelu(x)")
    }

    func testGELUForwardMatchesErfForm() {
        // gelu(x) = x·Φ(x) with Φ from scipy.stats.norm.cdf: Φ(1) = 0.8413447460685429,
        // Φ(−2) = 0.022750131948179195, Φ(−5) = 2.866515718791939e-07, Φ(0.3) = 0.6179114221889527.
        let x: [Float] = [1, -2, -5, 0.3, 0]
        let phi = [0.8413447460685429, 0.022750131948179195, 2.866515718791939e-07, 0.6179114221889527, 0.5]
        var y = [Float](repeating: 0, count: x.count)
        GELUOp.forward(out: &y, inp: x, count: x.count)
        assertClose(y.map(Double.init), zip(x, phi).map { Double($0) * $1 }, rtol: 1e-6, atol: 0,
                    "GELU (relative accuracy also in the left tail)")
    }

    func testCrossEntropy() {
        let N = 6, V = 9
        let z = randomArray(N * V, scale: 2)
        let targets: [Int32] = (0..<N).map { Int32($0 * 5 % V) }
        func f(_ z: [Float]) -> Double {
            var p = [Float](repeating: 0, count: N * V), l = [Float](repeating: 0, count: N)
            return Double(CrossEntropyOp.forward(probs: &p, losses: &l, logits: z, targets: targets,
                                                 rows: N, V: V, threads: 2))
        }
        var p = [Float](repeating: 0, count: N * V), l = [Float](repeating: 0, count: N)
        CrossEntropyOp.forward(probs: &p, losses: &l, logits: z, targets: targets, rows: N, V: V)
        var dz = [Float](repeating: 0, count: N * V)
        CrossEntropyOp.backward(dLogits: &dz, probs: p, targets: targets, rows: N, V: V, threads: 2)
        check(dz, numericalGradient(z, h: 1e-2, f), "CrossEntropy dLogits")
    }

    func testCrossEntropyOfUniformLogitsIsLogV() {
        var p = [Float](repeating: 0, count: 8), l = [Float](repeating: 0, count: 2)
        let loss = CrossEntropyOp.forward(probs: &p, losses: &l, logits: [Float](repeating: 3, count: 8),
                                          targets: [0, 3], rows: 2, V: 4)
        XCTAssertEqual(Double(loss), log(4.0), accuracy: 1e-6)
    }

    func testResidual() {
        let n = 10
        let a = randomArray(n), b = randomArray(n), w = randomArray(n)
        func f(_ a: [Float], _ b: [Float]) -> Double {
            var y = [Float](repeating: 0, count: n)
            ResidualOp.forward(out: &y, a: a, b: b, count: n)
            return functional(y, w)
        }
        var da = [Float](repeating: 0, count: n), db = da
        ResidualOp.backward(dA: &da, dB: &db, dOut: w, count: n)
        check(da, numericalGradient(a) { f($0, b) }, "Residual dA")
        check(db, numericalGradient(b) { f(a, $0) }, "Residual dB")
    }

    func testEmbedding() {
        let B = 3, T = 4, C = 5, V = 4, R = 2, P = 6
        let tokens: [Int32] = [0, 1, 1, 3, 2, 2, 2, 0, 3, 1, 0, 0]   // repeated ids accumulate
        let regimes: [Int32] = [0, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1]
        let tok = randomArray(V * C), pos = randomArray(P * C), reg = randomArray(R * C)
        let w = randomArray(B * T * C)
        func f(_ tok: [Float], _ pos: [Float], _ reg: [Float]) -> Double {
            var y = [Float](repeating: 0, count: B * T * C)
            EmbeddingOp.forward(out: &y, tokens: tokens, regimes: regimes, tokenTable: tok,
                                positionTable: pos, regimeTable: reg, B: B, T: T, C: C, startPosition: 1,
                                threads: 2)
            return functional(y, w)
        }
        var dTok = [Float](repeating: 0, count: V * C), dPos = [Float](repeating: 0, count: P * C)
        var dReg = [Float](repeating: 0, count: R * C)
        EmbeddingOp.backward(dTokenTable: &dTok, dPositionTable: &dPos, dRegimeTable: &dReg, dOut: w,
                             tokens: tokens, regimes: regimes, B: B, T: T, C: C, startPosition: 1,
                             threads: 2)
        check(dTok, numericalGradient(tok) { f($0, pos, reg) }, "Embedding dTok")
        check(dPos, numericalGradient(pos) { f(tok, $0, reg) }, "Embedding dPos")
        check(dReg, numericalGradient(reg) { f(tok, pos, $0) }, "Embedding dReg")
    }

    /// Finite differences of `Σ w·attention(qkv)` against `AttentionOp.backward`, in both
    /// gradient modes: adding into zeros, or overwriting a buffer of ones (`accumulate: false`).
    func checkAttentionGradient(B: Int, T: Int, C: Int, H: Int, accumulate: Bool, _ what: String) {
        let qkv = randomArray(B * T * 3 * C), w = randomArray(B * T * C)
        var scratch = [Float](repeating: 0, count: AttentionOp.scratchCount(T: T, headDim: C / H, threads: 2))
        func forward(_ qkv: [Float], threads: Int) -> (y: [Float], lse: [Float]) {
            var y = [Float](repeating: 0, count: B * T * C), lse = [Float](repeating: 0, count: B * H * T)
            AttentionOp.forward(out: &y, lse: &lse, qkv: qkv, B: B, T: T, C: C, H: H, scratch: &scratch,
                                threads: threads)
            return (y, lse)
        }
        let lse = forward(qkv, threads: 1).lse
        var dqkv = [Float](repeating: accumulate ? 0 : 1, count: B * T * 3 * C)
        AttentionOp.backward(dQKV: &dqkv, dOut: w, qkv: qkv, lse: lse, B: B, T: T, C: C, H: H,
                             scratch: &scratch, accumulate: accumulate, threads: 2)
        check(dqkv, numericalGradient(qkv, h: 1e-2) { functional(forward($0, threads: 2).y, w) }, what)
    }

    func testAttention() {
        checkAttentionGradient(B: 2, T: 5, C: 6, H: 2, accumulate: true, "Attention dQKV")
    }

    func testAttentionLongRowsWithRemainders() {
        // T = 70: score rows longer than the kernels' 8-wide lanes, with uneven remainders.
        checkAttentionGradient(B: 1, T: 70, C: 4, H: 2, accumulate: false, "Attention dQKV (T = 70)")
    }

    func testAttentionWithHeadWidth16() {
        // hd = 16 runs the kernels' fixed-width copy (the benchmark configs' head width).
        checkAttentionGradient(B: 2, T: 19, C: 32, H: 2, accumulate: false, "Attention dQKV (hd = 16)")
    }

    func testAttentionWithHeadWidth24And32() {
        // hd = 24: the vector code with a run-time width; hd = 32: the large config's width.
        checkAttentionGradient(B: 1, T: 11, C: 48, H: 2, accumulate: true, "Attention dQKV (hd = 24)")
        checkAttentionGradient(B: 1, T: 9, C: 64, H: 2, accumulate: false, "Attention dQKV (hd = 32)")
    }

    func testAttentionFirstPositionCopiesItsValue() {
        // Causality: position 0 attends only to itself, so out[0] = v[0] exactly (P = 1).
        let B = 1, T = 3, C = 4, H = 2
        let qkv = randomArray(B * T * 3 * C)
        var scratch = [Float](repeating: 0, count: AttentionOp.scratchCount(T: T, headDim: C / H, threads: 1))
        var y = [Float](repeating: 0, count: B * T * C), lse = [Float](repeating: 0, count: B * H * T)
        AttentionOp.forward(out: &y, lse: &lse, qkv: qkv, B: B, T: T, C: C, H: H, scratch: &scratch)
        assertClose(Array(y[0..<C]), Array(qkv[2 * C..<3 * C]), rtol: 1e-6, atol: 1e-7, "out[0] = v[0]")
    }
}

/// The C kernels' exp and Φ (what training and generation run) against Foundation's Double
/// functions, through the kernels' public entry points.
final class KernelMathTests: XCTestCase {
    /// exp(x) through `tgfl_softmax_weights` (shift 0, β = 1 gives exp(x) per element).
    func exp(_ xs: [Float]) -> [Float] {
        var out = [Float](repeating: .nan, count: xs.count)
        _ = tgfl_softmax_weights(&out, xs, xs.count, 0, 1)
        return out
    }

    func testExpMatchesFoundationToAFewUlps() {
        let xs = Array(stride(from: -80.0, through: 88.0, by: 0.0137)).map { Float($0) }
        let got = exp(xs)
        var worst = 0.0
        for (x, y) in zip(xs, got) {
            let want = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(y) - want) / want)
        }
        XCTAssertLessThan(worst, 3e-7, "max relative error of the kernels' exp on [-80, 88]")
        XCTAssertEqual(exp([-.infinity, -100, 0]), [0, 0, 1], "exp(−∞) = 0, flushed below e^-80, exp(0) = 1")
    }

    func testNormalCDFHasSmallRelativeError() {
        // Φ(x) = gelu(x)/x from `tgfl_gelu_forward`, against Foundation's Double erfc:
        // Φ(x) = erfc(−x/√2)/2. The Float32 exponent −x²/2 limits the far tail: relative error
        // ≈ 2⁻²⁴·x²/2 · a few.
        func worstError(_ lo: Double, _ hi: Double) -> Double {
            let xs = Array(stride(from: lo, through: hi, by: 0.0173)).map { Float($0) }.filter { $0 != 0 }
            var gelu = [Float](repeating: .nan, count: xs.count)
            tgfl_gelu_forward(&gelu, nil, xs, xs.count)
            var worst = 0.0
            for (x, g) in zip(xs, gelu) {
                let got = Double(g) / Double(x)
                let want = 0.5 * Foundation.erfc(-Double(x) / 2.0.squareRoot())
                worst = max(worst, abs(got - want) / want)
            }
            return worst
        }
        XCTAssertLessThan(worstError(-5, 8), 3e-6, "max relative error of the kernels' Φ on [-5, 8]")
        XCTAssertLessThan(worstError(-12, -5), 3e-5, "max relative error of the kernels' Φ on [-12, -5]")
    }
}
