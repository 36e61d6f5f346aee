import Foundation

/// Special functions shared by the distributions and tests of TGFLStats.
///
/// The public members check their domain and throw `StatsError`; the internal `unchecked…`
/// members skip the checks for use inside loops. Accuracy against scipy.special is stated on
/// each function and tested in `SpecialFunctionsTests`.
public enum SpecialFunctions {

    /// Natural logarithm of the gamma function, ln Γ(x), for x > 0.
    ///
    /// ```
    /// ln Γ(x) = ln ∫_0^∞ t^{x−1} e^{−t} dt
    /// ```
    /// - Parameter x: a positive finite number.
    /// - Returns: ln Γ(x) (Foundation's `lgamma`, relative error ~1e-15).
    /// - Throws: `StatsError.invalidParameter` when x ≤ 0 or is not finite.
    /// - Reference: `scipy.special.gammaln`.
    public static func logGamma(_ x: Double) throws -> Double {
        guard x > 0, x.isFinite else { throw StatsError.invalidParameter("logGamma needs x > 0, got \(x)") }
        return lgamma(x)
    }

    /// Regularized lower incomplete gamma function P(a, x).
    ///
    /// ```
    /// P(a, x) = γ(a, x) / Γ(a) = (1/Γ(a)) ∫_0^x t^{a−1} e^{−t} dt
    /// ```
    /// Series for x < a + 1, Legendre continued fraction (modified Lentz) otherwise.
    /// - Parameters:
    ///   - a: shape, a > 0.
    ///   - x: upper limit, x ≥ 0.
    /// - Returns: P(a, x) in [0, 1]; relative error below 1e-12 for a ≤ 1e4.
    /// - Throws: `StatsError.invalidParameter` outside the domain.
    /// - Reference: `scipy.special.gammainc`; Press et al., *Numerical Recipes* §6.2;
    ///   DLMF 8.7.1 (series) and 8.9.2 (continued fraction).
    public static func regularizedGammaP(_ a: Double, _ x: Double) throws -> Double {
        try checkGammaArguments(a, x)
        return uncheckedGammaP(a, x)
    }

    /// Regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x), computed directly
    /// (no cancellation in the upper tail).
    ///
    /// ```
    /// Q(a, x) = Γ(a, x) / Γ(a) = (1/Γ(a)) ∫_x^∞ t^{a−1} e^{−t} dt
    /// ```
    /// - Parameters:
    ///   - a: shape, a > 0.
    ///   - x: lower limit, x ≥ 0.
    /// - Returns: Q(a, x) in [0, 1]; relative error below 1e-12 for a ≤ 1e4.
    /// - Throws: `StatsError.invalidParameter` outside the domain.
    /// - Reference: `scipy.special.gammaincc`; Press et al., *Numerical Recipes* §6.2.
    public static func regularizedGammaQ(_ a: Double, _ x: Double) throws -> Double {
        try checkGammaArguments(a, x)
        return uncheckedGammaQ(a, x)
    }

    static func checkGammaArguments(_ a: Double, _ x: Double) throws {
        guard a > 0, a.isFinite else { throw StatsError.invalidParameter("incomplete gamma needs a > 0, got \(a)") }
        guard x >= 0, !x.isNaN else { throw StatsError.invalidParameter("incomplete gamma needs x ≥ 0, got \(x)") }
    }

    // MARK: - Unchecked incomplete gamma

    /// ln of the common factor x^a e^{−x} / Γ(a).
    @inline(__always)
    static func logGammaPrefactor(_ a: Double, _ x: Double) -> Double {
        a * log(x) - x - lgamma(a)
    }

    /// Series Σ x^n / (a (a+1) … (a+n)) for P (DLMF 8.7.1), times the prefactor / a … as P.
    static func gammaPSeries(_ a: Double, _ x: Double) -> Double {
        var ap = a, term = 1 / a, sum = term
        for _ in 0..<100_000 {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(logGammaPrefactor(a, x))
    }

    /// Continued fraction for Q (modified Lentz).
    static func gammaQContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        return exp(logGammaPrefactor(a, x)) * h
    }

    static func uncheckedGammaP(_ a: Double, _ x: Double) -> Double {
        if x == 0 { return 0 }
        if x.isInfinite { return 1 }
        if x < a + 1 { return min(1, gammaPSeries(a, x)) }
        return max(0, 1 - gammaQContinuedFraction(a, x))
    }

    static func uncheckedGammaQ(_ a: Double, _ x: Double) -> Double {
        if x == 0 { return 1 }
        if x.isInfinite { return 0 }
        if x < a + 1 { return max(0, 1 - gammaPSeries(a, x)) }
        return min(1, gammaQContinuedFraction(a, x))
    }

    /// x with P(a, x) = p (or Q(a, x) = q, whichever of p, q = 1 − p is smaller, for
    /// relative accuracy in both tails); safeguarded Newton on the log of the smaller tail.
    static func uncheckedInverseGamma(_ a: Double, p: Double, q: Double) -> Double {
        if p <= 0 { return 0 }
        if q <= 0 { return .infinity }
        let useLower = p <= q
        let target = log(useLower ? p : q)
        // Start: Wilson–Hilferty, or the small-x/large-x tail forms.
        let zUpper = useLower ? Normal.uncheckedQuantile(p) : -Normal.uncheckedQuantile(q)  // Φ(z) = p
        let s = 1 / (9 * a)
        var x0 = a * pow(max(1 - s + zUpper * s.squareRoot(), 1e-3), 3)
        if useLower {
            let small = exp((target + log(a) + lgamma(a)) / a)   // P ≈ x^a / (a Γ(a))
            if small < 0.5 * a || !x0.isFinite { x0 = min(x0, small) }
        }
        if !(x0 > 0) || !x0.isFinite { x0 = max(a, 1) }
        // Increasing objective in x: ln P(a,x) − ln p, or ln q − ln Q(a,x).
        return safeguardedNewton(start: x0, lower: 0, upper: .infinity) { x in
            let lpdf = (a - 1) * log(x) - x - lgamma(a)
            if useLower {
                let pv = uncheckedGammaP(a, x)
                if pv <= 0 { return (-.infinity, .infinity) }
                return (log(pv) - target, exp(lpdf - log(pv)))
            } else {
                let qv = uncheckedGammaQ(a, x)
                if qv <= 0 { return (.infinity, .infinity) }
                return (target - log(qv), exp(lpdf - log(qv)))
            }
        }
    }

    /// Root of an increasing function by Newton steps kept inside a shrinking bracket;
    /// a step leaving the bracket is replaced by bisection (geometric when the bracket spans
    /// orders of magnitude). `f` returns (value, derivative).
    static func safeguardedNewton(start: Double, lower: Double, upper: Double,
                                  tolerance: Double = 4e-16,
                                  _ f: (Double) -> (Double, Double)) -> Double {
        var lo = lower, hi = upper, x = start
        for _ in 0..<300 {
            let (v, d) = f(x)
            if v == 0 { return x }
            if v.isNaN { break }
            if v > 0 { hi = x } else { lo = x }
            var next = x - v / d
            if !(next > lo && next < hi) || !next.isFinite || d == 0 || d.isNaN {
                if hi.isInfinite {
                    next = x > 0 ? 2 * x + 1 : (x == 0 ? 1 : x / 2)
                    if lo.isFinite, next <= lo { next = lo + 1 }
                } else if lo.isInfinite {
                    next = x < 0 ? 2 * x - 1 : (x == 0 ? -1 : x / 2)
                    if next >= hi { next = hi - 1 }
                } else if lo > 0, hi / lo > 4 {
                    next = (lo * hi).squareRoot()
                } else if hi < 0, lo / hi > 4 {
                    next = -(lo * hi).squareRoot()
                } else {
                    next = 0.5 * (lo + hi)
                }
            }
            if abs(next - x) <= tolerance * abs(x) || next == lo || next == hi {
                return next
            }
            x = next
        }
        return x
    }
}
