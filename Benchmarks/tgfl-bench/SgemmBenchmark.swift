import ArgumentParser
import CBLAS
import Foundation
import TGFLCore

/// `tgfl-bench sgemm`: OpenBLAS sgemm GFLOP/s, the ceiling for the transformer's matmuls.
struct SgemmBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sgemm",
        abstract: "OpenBLAS sgemm GFLOP/s at 512³ and at the small/large model's shapes, 1 and 2 threads.")

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
        once()
        var calls = 0
        let start = BenchmarkSupport.now()
        var elapsed = 0.0
        repeat {
            once()
            calls += 1
            elapsed = BenchmarkSupport.now() - start
        } while elapsed < seconds
        return 2 * Double(m) * Double(n) * Double(k) * Double(calls) / elapsed / 1e9
    }
}
