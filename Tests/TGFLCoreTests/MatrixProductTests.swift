import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The Linear layer's four products against NumPy in float64 (`linear_reference.json`, written
/// by `Tests/Fixtures/make_linear_reference.py`), on shapes that exercise every tail of the
/// AVX-512 products (`KernelRuntime.matrixProducts`): rows past a multiple of 8 and past a
/// 256-row chunk, columns past multiples of 32 and 16. `make test` runs this suite on the
/// CPU's best kernels and again with `TGFL_KERNELS_ISA=baseline`, i.e. on OpenBLAS.
final class MatrixProductTests: XCTestCase {
    struct Products: Decodable { let y: [Double], dx: [Double], dw: [Double] }
    struct Case: Decodable {
        let rows: Int, `in`: Int, out: Int, stride: Int
        let y: [Double], dx: [Double], dw: [Double], db: [Double]
        let bf16: Products
    }
    struct Reference: Decodable { let cases: [Case] }

    /// The script's closed-form inputs, rounded to Float32 as NumPy does.
    func inputs(_ c: Case) -> (x: [Float], w: [Float], b: [Float], dy: [Float]) {
        let x = (0..<(c.rows * c.in)).map { Float(sin(Double($0) * 0.7071 + 0.3)) }
        let w = (0..<(c.out * c.in)).map { Float(cos(Double($0) * 0.313 + 0.2) * 0.2) }
        let b = (0..<c.out).map { Float(Double($0) * 0.01 - 0.3) }
        let dy = (0..<(c.rows * c.out)).map { Float(sin(Double($0) * 1.13 + 1.0)) }
        return (x, w, b, dy)
    }

    /// Forward (accumulating into 0.5) and backward (dInp into 0.25, dWeight into 0.125).
    func products(_ c: Case, threads: Int, precision: MatmulPrecision = .float32)
        -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
        let (x, w, b, dy) = inputs(c)
        var y = [Float](repeating: 0.5, count: c.rows * c.out)
        LinearOp.forward(out: &y, inp: x, weight: w, bias: b, rows: c.rows, inFeatures: c.in,
                         outFeatures: c.out, accumulate: true, threads: threads, precision: precision)
        var dx = [Float](repeating: 0.25, count: c.rows * c.in)
        var dw = [Float](repeating: 0.125, count: c.out * c.in)
        var db = [Float](repeating: 0, count: c.out)
        LinearOp.backward(dInp: &dx, dWeight: &dw, dBias: &db, dOut: dy, inp: x, weight: w,
                          rows: c.rows, inFeatures: c.in, outFeatures: c.out, threads: threads,
                          precision: precision)
        return (y, dx, dw, db)
    }

    func assertClose(_ got: [Float], stride: Int, _ want: [Double], tolerance: Double,
                     _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let sampled = Swift.stride(from: 0, to: got.count, by: stride).map { Double(got[$0]) }
        XCTAssertEqual(sampled.count, want.count, "\(what): sample count", file: file, line: line)
        var worst = 0.0, at = 0
        for (i, (g, r)) in zip(sampled, want).enumerated() where abs(g - r) > worst {
            worst = abs(g - r)
            at = i * stride
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): element \(at) off by \(worst)",
                                 file: file, line: line)
    }

    func testProductsMatchNumPy() throws {
        let reference = try loadJSONFixture("linear_reference.json", as: Reference.self)
        XCTAssertEqual(reference.cases.count, 3)
        for c in reference.cases {
            let name = "\(c.rows)×\(c.in)→\(c.out) (\(KernelRuntime.matrixProducts))"
            let p = products(c, threads: 2)
            // Float32 sums of ≤ 300 terms of size ≤ 1: errors of order 1e-5 at most.
            assertClose(p.y, stride: c.stride, c.y, tolerance: 1e-4, "\(name) forward")
            assertClose(p.dx, stride: c.stride, c.dx, tolerance: 1e-4, "\(name) dInp")
            assertClose(p.dw, stride: c.stride, c.dw, tolerance: 2e-4, "\(name) dWeight")
            assertClose(p.db, stride: 1, c.db, tolerance: 2e-4, "\(name) dBias")
        }
    }

    /// The bf16 mode against PyTorch's bfloat16 rounding of the same operands, and far enough
    /// from the Float32 products that a mode which did not round would fail.
    func testBFloat16ProductsMatchPyTorchRounding() throws {
        let reference = try loadJSONFixture("linear_reference.json", as: Reference.self)
        for c in reference.cases {
            let how = MatmulPrecision.bfloat16IsNative ? "AVX512_BF16" : "emulated"
            let name = "\(c.rows)×\(c.in)→\(c.out) bf16 (\(how))"
            let p = products(c, threads: 2, precision: .bfloat16)
            assertClose(p.y, stride: c.stride, c.bf16.y, tolerance: 1e-4, "\(name) forward")
            assertClose(p.dx, stride: c.stride, c.bf16.dx, tolerance: 1e-4, "\(name) dInp")
            assertClose(p.dw, stride: c.stride, c.bf16.dw, tolerance: 2e-4, "\(name) dWeight")
            assertClose(p.db, stride: 1, c.db, tolerance: 2e-4, "\(name) dBias (Float32)")
            // bf16 keeps 8 significant bits: the products move by ~1e-3 relative, far above
            // the tolerances above.
            let sampled = Swift.stride(from: 0, to: p.dw.count, by: c.stride).map { Double(p.dw[$0]) }
            let shift = zip(sampled, c.dw).map { abs($0 - $1) }.max() ?? 0
            XCTAssertGreaterThan(shift, 1e-3, "\(name): the products were not rounded to bf16")
        }
    }

    func testProductsAreTheSameBitsForOneAndTwoThreads() throws {
        let reference = try loadJSONFixture("linear_reference.json", as: Reference.self)
        for c in reference.cases {
            for precision in MatmulPrecision.allCases {
                let one = products(c, threads: 1, precision: precision)
                let two = products(c, threads: 2, precision: precision)
                XCTAssertEqual(one.y, two.y, "\(precision)")
                XCTAssertEqual(one.dx, two.dx, "\(precision)")
                XCTAssertEqual(one.dw, two.dw, "\(precision)")
                XCTAssertEqual(one.db, two.db, "\(precision)")
            }
        }
    }
}
