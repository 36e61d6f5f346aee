import Foundation

/// The q-quantile of `values` by linear interpolation between order statistics (Hyndman &
/// Fan type 7, NumPy's default `method="linear"`).
///
/// ```
/// x_(0) ≤ … ≤ x_(n-1) sorted,  h = (n − 1) q,  j = ⌊h⌋
/// Q(q) = x_(j) + (h − j) (x_(j+1) − x_(j))
/// ```
/// - Precondition: `sorted` is non-empty and ascending; `q` in [0, 1] (callers validate).
func linearQuantile(sorted x: [Double], _ q: Double) -> Double {
    let h = Double(x.count - 1) * q
    let j = Int(h.rounded(.down))
    if j >= x.count - 1 { return x[x.count - 1] }
    let g = h - Double(j)
    let a = x[j], b = x[j + 1]
    // NumPy's _lerp: interpolate from the nearer end for accuracy.
    return g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g
}
