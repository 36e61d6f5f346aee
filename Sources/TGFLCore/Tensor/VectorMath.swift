/// Small vector kernels over raw Float32 buffers shared by the ops.
///
/// Reductions use eight fixed lanes combined in a fixed order, so a result depends only
/// on the data, never on threads.
enum VectorMath {
    /// `Σ_i x[i]` with eight fixed accumulator lanes.
    @inlinable
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i &+ 8 <= n {
            acc += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        var s = acc.sum()
        while i < n { s += x[i]; i &+= 1 }
        return s
    }

    /// `Σ_i x[i] · y[i]` with eight fixed accumulator lanes.
    @inlinable
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        while i &+ 8 <= n {
            acc += rx.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
                * ry.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
            i &+= 8
        }
        var s = acc.sum()
        while i < n { s += x[i] * y[i]; i &+= 1 }
        return s
    }

    /// `Σ_i (x[i] - c)²` with eight fixed accumulator lanes.
    @inlinable
    static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, from c: Float) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        let cv = SIMD8<Float>(repeating: c)
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i &+ 8 <= n {
            let d = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) - cv
            acc += d * d
            i &+= 8
        }
        var s = acc.sum()
        while i < n { let d = x[i] - c; s += d * d; i &+= 1 }
        return s
    }

    /// Largest element of `x[0..<n]` (`n > 0`; exact, so lane order does not matter).
    @inlinable
    static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var m = x[0]
        if n >= 8 {
            let raw = UnsafeRawPointer(x)
            var acc = raw.loadUnaligned(as: SIMD8<Float>.self)
            i = 8
            while i &+ 8 <= n {
                acc = pointwiseMax(acc, raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
                i &+= 8
            }
            m = acc.max()
        }
        while i < n { let v = x[i]; if v > m { m = v }; i &+= 1 }
        return m
    }

    /// `e^x` in Float32, branch-free so loops over it vectorize.
    ///
    /// ```
    /// n = round(x · log2 e)    r = x − n·ln 2 (two-part constant)
    /// e^x = 2^n · (1 + r + r²·P(r))        P: Cephes `expf` minimax polynomial
    /// ```
    /// Relative error below 2·10⁻⁷ on [−87, 88]; inputs are clamped to that range (so
    /// `exp(−∞)` gives 1.6·10⁻³⁸ rather than 0, harmless in softmax sums).
    /// Reference: Cephes Math Library, `expf.c` (S. L. Moshier), Cody–Waite reduction.
    @inlinable @inline(__always)
    static func exp(_ x: Float) -> Float {
        let x = Swift.min(Swift.max(x, -87), 88)
        let magic: Float = 12_582_912                 // 1.5 · 2^23: adding it rounds to an integer
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        let ni = Int32(bitPattern: t.bitPattern) &- Int32(bitPattern: magic.bitPattern)
        let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
        let z = r * r
        var y: Float = 1.987_569_15e-4
        y = y * r + 1.398_199_95e-3
        y = y * r + 8.333_451_9e-3
        y = y * r + 4.166_579_59e-2
        y = y * r + 1.666_666_55e-1
        y = y * r + 5.000_000_12e-1
        y = y * z + r + 1
        return y * Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
    }

    /// `erf(x)` and `e^(−x²)` together, branch-free.
    ///
    /// ```
    /// t = 1 / (1 + p·|x|)
    /// erf(x) = sign(x) · (1 − (a1·t + a2·t² + a3·t³ + a4·t⁴ + a5·t⁵) · e^(−x²))
    /// ```
    /// Absolute error below 1.5·10⁻⁷ (plus Float32 rounding).
    /// Reference: Abramowitz & Stegun (1964), formula 7.1.26.
    @inlinable @inline(__always)
    static func erfAndGaussian(_ x: Float) -> (erf: Float, gaussian: Float) {
        let ax = Swift.abs(x)
        let t = 1 / (1 + 0.327_591_1 * ax)
        var y: Float = 1.061_405_429
        y = y * t - 1.453_152_027
        y = y * t + 1.421_413_741
        y = y * t - 0.284_496_736
        y = y * t + 0.254_829_592
        let g = exp(-ax * ax)
        let e = 1 - y * t * g
        return (x < 0 ? -e : e, g)
    }
}
