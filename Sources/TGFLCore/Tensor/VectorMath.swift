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

    /// Largest element of `x[0..<n]` (`n > 0`).
    @inlinable
    static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = x[0]
        var i = 1
        while i < n { let v = x[i]; if v > m { m = v }; i &+= 1 }
        return m
    }
}
