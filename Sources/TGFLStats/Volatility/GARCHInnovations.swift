import Foundation
import TGFLRandom

/// The standardized innovation densities of the GARCH family (zero mean, unit variance), with
/// their log-densities' derivatives for the fit and their samplers for simulation.
///
/// - normal: `ln f(e; σ²) = −½ (ln 2π + ln σ² + e²/σ²)`
/// - t (arch's `StudentsT`): the Student-t with ν degrees of freedom scaled to unit variance,
///   ```
///   ln f = ln Γ((ν+1)/2) − ln Γ(ν/2) − ½ ln(π(ν−2)σ²) − (ν+1)/2 · ln(1 + e²/(σ²(ν−2)))
///   ```
/// - skewt (arch's `SkewStudent`, Hansen 1994, "Autoregressive conditional density
///   estimation", International Economic Review 35(3)): with z = e/σ,
///   ```
///   c = Γ((ν+1)/2) / (√(π(ν−2)) Γ(ν/2)),  a = 4λc(ν−2)/(ν−1),  b² = 1 + 3λ² − a²
///   ln f = ln b + ln c − ½ ln σ² − (ν+1)/2 · ln(1 + u²/(ν−2)),
///   u = (bz + a) / (1 + sgn(z + a/b) λ)
///   ```
struct GARCHInnovationDensity {
    let kind: GARCHSpecification.Innovations
    let nu: Double
    let lambda: Double
    // t and skew-t constants (see the type's comment) and their derivatives.
    let logC: Double, dLogC: Double
    let a: Double, b: Double, logB: Double
    let daNu: Double, daLambda: Double, dbNu: Double, dbLambda: Double

    init(_ kind: GARCHSpecification.Innovations, nu: Double?, lambda: Double?) {
        self.kind = kind
        let nu = nu ?? .infinity, lambda = lambda ?? 0
        self.nu = nu
        self.lambda = lambda
        guard kind != .normal else {
            logC = 0; dLogC = 0; a = 0; b = 1; logB = 0; daNu = 0; daLambda = 0; dbNu = 0; dbLambda = 0
            return
        }
        logC = lgamma((nu + 1) / 2) - lgamma(nu / 2) - Foundation.log(Double.pi * (nu - 2)) / 2
        dLogC = 0.5 * digamma((nu + 1) / 2) - 0.5 * digamma(nu / 2) - 0.5 / (nu - 2)
        guard kind == .skewT else {
            a = 0; b = 1; logB = 0; daNu = 0; daLambda = 0; dbNu = 0; dbLambda = 0
            return
        }
        let c = Foundation.exp(logC)
        let ratio = (nu - 2) / (nu - 1)
        a = 4 * lambda * c * ratio
        b = (1 + 3 * lambda * lambda - a * a).squareRoot()
        logB = Foundation.log(b)
        daLambda = 4 * c * ratio
        daNu = 4 * lambda * c * (dLogC * ratio + 1 / ((nu - 1) * (nu - 1)))
        dbLambda = (3 * lambda - a * daLambda) / b
        dbNu = -a * daNu / b
    }

    /// ln f(e; σ²): arch's per-observation log-likelihood.
    @inline(__always)
    func logDensity(_ e: Double, _ s2: Double) -> Double {
        switch kind {
        case .normal:
            return -0.5 * (Self.log2Pi + Foundation.log(s2) + e * e / s2)
        case .studentT:
            return logC - 0.5 * Foundation.log(s2) - ((nu + 1) / 2) * Foundation.log(1 + e * e / (s2 * (nu - 2)))
        case .skewT:
            let z = e / s2.squareRoot()
            let sgn: Double = z + a / b > 0 ? 1 : (z + a / b < 0 ? -1 : 0)
            let u = (b * z + a) / (1 + sgn * lambda)
            return logB + logC - Foundation.log(s2) / 2 - (nu + 1) / 2 * Foundation.log(1 + u * u / (nu - 2))
        }
    }

    /// ln f and its partial derivatives with respect to e, σ², ν and λ.
    @inline(__always)
    func logDensityAndGradient(_ e: Double, _ s2: Double)
        -> (l: Double, de: Double, ds2: Double, dnu: Double, dlambda: Double) {
        switch kind {
        case .normal:
            let inv = 1 / s2
            let l = -0.5 * (Self.log2Pi + Foundation.log(s2) + e * e * inv)
            return (l, -e * inv, -0.5 * (inv - e * e * inv * inv), 0, 0)
        case .studentT:
            let nm2 = nu - 2
            let q = e * e / (s2 * nm2)
            let lq = Foundation.log1p(q)
            let l = logC - 0.5 * Foundation.log(s2) - ((nu + 1) / 2) * lq
            let w = (nu + 1) / (1 + q)
            let de = -w * e / (s2 * nm2)
            let ds2 = -0.5 / s2 + 0.5 * w * q / s2
            let dnu = dLogC - 0.5 * lq + 0.5 * w * q / nm2
            return (l, de, ds2, dnu, 0)
        case .skewT:
            let nm2 = nu - 2
            let sd = s2.squareRoot()
            let z = e / sd
            let sgn: Double = z + a / b > 0 ? 1 : (z + a / b < 0 ? -1 : 0)
            let den = 1 + sgn * lambda
            let u = (b * z + a) / den
            let d = 1 + u * u / nm2
            let l = logB + logC - Foundation.log(s2) / 2 - (nu + 1) / 2 * Foundation.log(d)
            let dlu = -(nu + 1) * u / (nm2 * d)                      // ∂l/∂u
            let duz = b / den                                        // ∂u/∂z
            let de = dlu * duz / sd
            let ds2 = -0.5 / s2 + dlu * duz * (-z / (2 * s2))
            let dua = 1 / den, dub = z / den, duLambda = -u * sgn / den
            let dnuDirect = dLogC - 0.5 * Foundation.log(d) + (nu + 1) / 2 * u * u / (nm2 * nm2 * d)
            let dnu = dbNu / b + dnuDirect + dlu * (dua * daNu + dub * dbNu)
            let dlambda = dbLambda / b + dlu * (dua * daLambda + dub * dbLambda + duLambda)
            return (l, de, ds2, dnu, dlambda)
        }
    }

    /// One standardized innovation z (mean 0, variance 1).
    ///
    /// The skewed t is drawn from its two half-t pieces: with probability (1 − λ)/2,
    /// `y = −(1−λ)·s·|T|`, else `y = (1+λ)·s·|T|`, s = √((ν−2)/ν), T ~ t_ν; then z = (y − a)/b.
    @inline(__always)
    func sample(_ rng: inout SeededRNG) -> Double {
        switch kind {
        case .normal:
            return rng.normal()
        case .studentT:
            return rng.studentT(nu: nu) * ((nu - 2) / nu).squareRoot()
        case .skewT:
            let t = abs(rng.studentT(nu: nu)) * ((nu - 2) / nu).squareRoot()
            let y = rng.uniform() < (1 - lambda) / 2 ? -(1 - lambda) * t : (1 + lambda) * t
            return (y - a) / b
        }
    }

    /// κ = E[z² 1(z < 0)], the weight of γ in the GJR persistence (½ for symmetric innovations).
    ///
    /// For the skewed t, y = bz + a is a two-piece scaled t (see `sample`); with the truncated
    /// moments of T ~ t_ν, G_k(L) = E[|T|^k 1(|T| < L)],
    /// ```
    /// G_0(L) = 2F_ν(L) − 1,   G_1(L) = 2 c_ν ν/(ν−1) (1 − (1 + L²/ν)^{−(ν−1)/2}),
    /// G_2(L) = ν/(ν−2) · I_{L²/(ν+L²)}(3/2, ν/2 − 1),   c_ν = Γ((ν+1)/2)/(√(νπ) Γ(ν/2))
    /// ```
    /// κ = E[(y − a)² 1(y < a)] / b², split by the sign of a.
    var kappa: Double {
        guard kind == .skewT, lambda != 0 else { return 0.5 }
        let s = ((nu - 2) / nu).squareRoot()
        let cNu = Foundation.exp(lgamma((nu + 1) / 2) - lgamma(nu / 2)) / (nu * Double.pi).squareRoot()
        func g0(_ l: Double) -> Double { 2 * StudentT.uncheckedCDF(l, nu) - 1 }
        func g1(_ l: Double) -> Double { 2 * cNu * nu / (nu - 1) * (1 - Foundation.pow(1 + l * l / nu, -(nu - 1) / 2)) }
        func g2(_ l: Double) -> Double {
            let x = l * l / (nu + l * l)
            return nu / (nu - 2) * SpecialFunctions.uncheckedBeta(1.5, nu / 2 - 1, x: x, oneMinusX: nu / (nu + l * l))
        }
        let g1Inf = 2 * cNu * nu / (nu - 1), g2Inf = nu / (nu - 2)
        let pMinus = (1 - lambda) / 2, pPlus = (1 + lambda) / 2
        let sm = (1 - lambda) * s, sp = (1 + lambda) * s
        let m: Double
        if a >= 0 {
            let l = a / sp
            m = pMinus * (sm * sm * g2Inf + 2 * a * sm * g1Inf + a * a)
                + pPlus * (sp * sp * g2(l) - 2 * a * sp * g1(l) + a * a * g0(l))
        } else {
            let l = -a / sm
            m = pMinus * (sm * sm * (g2Inf - g2(l)) + 2 * a * sm * (g1Inf - g1(l)) + a * a * (1 - g0(l)))
        }
        return m / (b * b)
    }

    static let log2Pi = Foundation.log(2 * Double.pi)
}

/// Digamma ψ(x) = d ln Γ(x)/dx for x > 0: recurrence ψ(x) = ψ(x+1) − 1/x up to x ≥ 6, then
/// the asymptotic series ln x − 1/(2x) − Σ B_{2k}/(2k x^{2k}) (Abramowitz & Stegun 6.3.18).
func digamma(_ x: Double) -> Double {
    var x = x, acc = 0.0
    while x < 6 { acc -= 1 / x; x += 1 }
    let inv = 1 / x, inv2 = inv * inv
    let series = inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132)))))
    return acc + Foundation.log(x) - 0.5 * inv - series
}
