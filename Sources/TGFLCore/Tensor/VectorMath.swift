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
    /// Relative error below 2·10⁻⁷ on [−80, 88]; larger inputs are clamped to 88, and results
    /// below e^−80 ≈ 1.8·10⁻³⁵ are flushed to 0, so no denormal numbers (which are slow)
    /// reach later products; `exp(−∞) = 0` as softmax masking expects.
    /// Reference: Cephes Math Library, `expf.c` (S. L. Moshier), Cody–Waite reduction.
    @inlinable @inline(__always)
    static func exp(_ x: Float) -> Float {
        let tiny = x < -80
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
        let value = y * Float(bitPattern: UInt32(bitPattern: (ni &+ 127) &<< 23))
        return tiny ? 0 : value
    }

    /// The standard normal CDF Φ(x) with small RELATIVE error in both tails, branch-free.
    ///
    /// ```
    /// z = |x|/√2    t = 1/(1 + z/2)
    /// erfc(z) = t · exp(−z² − 1.26551223 + t·(1.00002368 + t·(0.37409196 + … + t·0.17087277)))
    /// Φ(x) = ½·erfc(z) for x < 0,   1 − ½·erfc(z) for x ≥ 0          (Φ(x) = ½(1 + erf(x/√2)))
    /// ```
    /// Fractional error of the erfc approximation below 1.2·10⁻⁷ everywhere (plus Float32
    /// rounding of the exponent).
    /// Reference: Press et al., "Numerical Recipes" (2nd ed.), §6.2 `erfcc` (Chebyshev fit).
    @inlinable @inline(__always)
    static func normalCDF(_ x: Float) -> Float {
        let z = Swift.abs(x) * 0.707_106_781_186_547_52
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.170_872_77
        p = p * t - 0.822_152_23
        p = p * t + 1.488_515_87
        p = p * t - 1.135_203_98
        p = p * t + 0.278_868_07
        p = p * t - 0.186_288_06
        p = p * t + 0.096_784_18
        p = p * t + 0.374_091_96
        p = p * t + 1.000_023_68
        p = p * t - 1.265_512_23
        let halfErfc = 0.5 * t * exp(p - z * z)
        return x < 0 ? halfErfc : 1 - halfErfc
    }
}
