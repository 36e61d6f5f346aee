import ArgumentParser
import CBLAS
import Foundation
import TGFLCore

/// `tgfl-bench sgemm`: OpenBLAS sgemm GFLOP/s, the ceiling for the transformer's matmuls.
struct SgemmBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm",
        abstract: "OpenBLAS sgemm GFLOP/s at 512³ and at the small/large model's shapes, 1 and 2 threads; "
            + "then the Linear layer's products (LinearOp) in fp32 and bf16, 1 thread.")

    @Option(help: "Seconds to spend per measurement.")
    var seconds = 0.5

    func run() throws {
        // (label, M, N, K, transA, transB): the transformer's products at batch 32.
        let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
            ("512^3", 512, 512, 512, false, false),
            ("small qkv fwd  4096x192x64", 4096, 192, 64, false, true),
            ("small fc fwd   4096x256x64", 4096, 256, 64, false, true),
            ("small proj fwd 4096x64x256", 4096, 64, 256, false, true),
            ("small head fwd 4096x512x64", 4096, 512, 64, false, true),
            ("small dW fc    256x64x4096", 256, 64, 4096, true, false),
            ("large fc fwd   8192x512x128", 8192, 512, 128, false, true),
            ("large dW fc    512x128x8192", 512, 128, 8192, true, false),
            ("large dW part  64x128x8192", 64, 128, 8192, true, false),
            ("large dW kpart 512x128x1024", 512, 128, 1024, true, false),
            ("large dIn fc   1024x128x512", 1024, 128, 512, false, false),
            ("large dIn fc   8192x128x512", 8192, 128, 512, false, false),
            ("attn QK^T      128x128x16", 128, 128, 16, false, true),
        ]
        BLASRuntime.configure()
        print("OpenBLAS sgemm (row-major), kernels \(BLASRuntime.coreName), load avg \(BenchmarkSupport.loadAverage())")
        print("shape                              1 thread GFLOP/s   2 threads GFLOP/s")
        for (label, m, n, k, ta, tb) in shapes {
            var results: [Double] = []
            for threads in [1, 2] {
                tgfl_blas_set_threads(Int32(threads))
                results.append(measure(m: m, n: n, k: k, transA: ta, transB: tb))
            }
            print(label.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(format: " %12.1f %18.1f", results[0], results[1]))
        }
        tgfl_blas_set_threads(1)
        linearProducts()
    }

    /// GFLOP/s of `LinearOp.forward` and `.backward` (1 thread) at the Linear layers' shapes, in
    /// fp32 (`KernelRuntime.matrixProducts`: this library's AVX-512 kernels, or OpenBLAS; run
    /// again with `TGFL_GEMM=blas` for OpenBLAS through the same calls) and in bf16 (native or
    /// emulated), packing and the weight transposition included, as in a training step.
    func linearProducts() {
        let how = MatmulPrecision.bfloat16IsNative ? "AVX512_BF16" : "emulated"
        print("\nLinearOp, 1 thread, fp32 products: \(KernelRuntime.matrixProducts), bf16: \(how)")
        print("shape (rows x in -> out)           fwd fp32   fwd bf16   bwd fp32   bwd bf16  GFLOP/s")
        let shapes = [(4096, 64, 192), (4096, 64, 256), (4096, 256, 64), (4096, 64, 512),
                      (8192, 128, 384), (8192, 128, 512), (8192, 512, 128)]
        for (rows, ic, oc) in shapes {
            var rng = SeededRNG(seed: 1)
            let x = (0..<(rows * ic)).map { _ in Float(rng.uniform() - 0.5) }
            let w = (0..<(oc * ic)).map { _ in Float(rng.uniform() - 0.5) }
            let dy = (0..<(rows * oc)).map { _ in Float(rng.uniform() - 0.5) }
            var y = [Float](repeating: 0, count: rows * oc), dx = [Float](repeating: 0, count: rows * ic)
            var dw = [Float](repeating: 0, count: oc * ic)
            let scratch = ProductScratch()
            var cells: [Double] = []
            for backward in [false, true] {
                for precision in [MatmulPrecision.float32, .bfloat16] {
                    let flops = (backward ? 4.0 : 2.0) * Double(rows * ic * oc)
                    cells.append(rate(flops: flops) {
                        if backward {
                            LinearOp.backward(dInp: &dx, dWeight: &dw, dBias: nil, dOut: dy, inp: x, weight: w,
                                              rows: rows, inFeatures: ic, outFeatures: oc, accumulateInput: false,
                                              precision: precision, scratch: scratch)
                        } else {
                            LinearOp.forward(out: &y, inp: x, weight: w, bias: nil, rows: rows, inFeatures: ic,
                                             outFeatures: oc, precision: precision, scratch: scratch)
                        }
                    })
                }
            }
            print("\(rows) x \(ic) -> \(oc)".padding(toLength: 34, withPad: " ", startingAt: 0)
                  + cells.map { String(format: " %10.1f", $0) }.joined())
        }
    }

    /// GFLOP/s of `body` (each call `flops`), repeated for `seconds` after one warm-up call.
    func rate(flops: Double, _ body: () -> Void) -> Double {
        body()
        var calls = 0
        let start = BenchmarkSupport.now()
        var elapsed = 0.0
        repeat {
            body()
            calls += 1
            elapsed = BenchmarkSupport.now() - start
        } while elapsed < seconds
        return flops * Double(calls) / elapsed / 1e9
    }

    func measure(m: Int, n: Int, k: Int, transA: Bool, transB: Bool) -> Double {
        var rng = SeededRNG(seed: 1)
        let a = (0..<(m * k)).map { _ in Float(rng.uniform() - 0.5) }
        let b = (0..<(k * n)).map { _ in Float(rng.uniform() - 0.5) }
        var c = [Float](repeating: 0, count: m * n)
        let lda = transA ? m : k, ldb = transB ? k : n
        func once() {
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        blasint(m), blasint(n), blasint(k), 1, a, blasint(lda), b, blasint(ldb), 0, &c, blasint(n))
        }
        return rate(flops: 2 * Double(m) * Double(n) * Double(k), once)
    }
}
