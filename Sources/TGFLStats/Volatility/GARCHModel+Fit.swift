import TGFLBase
import Foundation

/// Options of `GARCHModel.fit`.
public struct GARCHFitOptions: Sendable {
    /// Maximum quasi-Newton iterations per starting point.
    public var maxIterations = 1000
    /// Convergence tolerance on the relative change of the mean negative log-likelihood.
    public var tolerance = 1e-9
    public init() {}
}

/// The result of `GARCHModel.fit`.
public struct GARCHFit: Sendable, Equatable {
    /// The fitted model, in the units of the data.
    public var model: GARCHModel
    /// The (pooled) log-likelihood at `model`, in the units of the data:
    /// Σ_j `model.logLikelihood(series[j])`.
    public var logLikelihood: Double
    /// Quasi-Newton iterations of the winning start.
    public var iterations: Int
    /// Whether the winning start met the tolerance before `maxIterations`.
    public var converged: Bool
}

extension GARCHModel {
    /// Fits a GARCH model by maximum likelihood, pooled over one or more series.
    ///
    /// ```
    /// maximise  ℓ(θ) = Σ_j ℓ_j(θ)     (each series with its own arch backcast and bounds)
    /// subject to ω > 0, α ≥ 0, α + γ ≥ 0, β ≥ 0, α + γ/2 + β < 1, 2.05 ≤ ν ≤ 500, |λ| < 1
    /// ```
    /// The data are rescaled to unit pooled variance internally (parameters are reported in the
    /// data's units). The constraints are enforced by an unconstrained reparametrisation
    /// (ω = e^u; (α/2, (α+γ)/2, β) — or (α, β) for GARCH — a softmax with a slack;
    /// ν = 2.05 + 497.95·logistic(v), as arch's bounds; λ = tanh(l)), maximised by BFGS with
    /// analytic gradients and a backtracking line search, from the three best of arch's
    /// grid of starting values (α, γ ∈ {.01,.05,.1,.2}, α+γ/2+β ∈ {.5,.7,.9,.98}); ν starts
    /// from the kurtosis as in arch, λ at 0. Deterministic: the same input gives the same bits.
    /// - Parameters:
    ///   - series: one or more return series (≥ 50 finite, non-constant returns each).
    ///   - specification: which model to fit.
    ///   - options: iteration limit and tolerance.
    /// - Returns: the fitted model, its pooled log-likelihood, iterations and convergence flag.
    /// - Throws: `StatsError` naming the series index and what is wrong (empty list, NaN at an
    ///   index, fewer than 50 returns, a constant series), or when no start gives a finite
    ///   likelihood.
    /// - Reference: the objective is arch's (`arch.univariate.base.ARCHModel.fit`), Sheppard,
    ///   `arch` 8.0; Hansen (1994) for the skewed t.
    public static func fit(_ series: [[Double]], specification: GARCHSpecification,
                           options: GARCHFitOptions = .init()) throws -> GARCHFit {
        guard !series.isEmpty else {
            throw StatsError.emptyInput("GARCH fit: the list of series (pass at least one return series)")
        }
        for (j, s) in series.enumerated() {
            if let i = s.firstIndex(where: { !$0.isFinite }) {
                throw StatsError.nonFinite("GARCH fit: series \(j) (remove or fill the bad value \(s[i]))", index: i)
            }
            guard s.count >= 50 else {
                throw StatsError.tooShort("GARCH fit: series \(j) has \(s.count) returns; a GARCH fit needs at least 50")
            }
            if let f = s.first, s.allSatisfy({ $0 == f }) {
                throw StatsError.invalidParameter(
                    "GARCH fit: series \(j) is constant (every return is \(f)); its variance cannot be modelled — drop it")
            }
        }
        guard options.maxIterations > 0, options.tolerance > 0, options.tolerance.isFinite else {
            throw StatsError.invalidParameter(
                "GARCH fit: maxIterations must be > 0 and tolerance a finite value > 0, got \(options.maxIterations), \(options.tolerance)")
        }

        // Rescale to unit pooled variance.
        let all = series.flatMap { $0 }
        let mean = all.reduce(0, +) / Double(all.count)
        let variance = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)
        let scale = 1 / variance.squareRoot()
        let objective = GARCHObjective(series: series.map { $0.map { $0 * scale } }, specification: specification)

        // Starting values (arch's grid, then the three best by likelihood).
        let starts = objective.startingPoints()
        guard !starts.isEmpty else {
            throw StatsError.invalidParameter("GARCH fit: no starting value gives a finite likelihood; check the series")
        }
        // The starts run in parallel; the winner is chosen in start order, so the result does
        // not depend on the thread count.
        var results = [BFGS.Result?](repeating: nil, count: starts.count)
        let maxIterations = options.maxIterations, tolerance = options.tolerance
        results.withUnsafeMutableBufferPointer { res in
            let res = UncheckedSendable(res)
            DispatchQueue.concurrentPerform(iterations: starts.count) { k in
                res.value[k] = BFGS.minimize(starts[k], maxIterations: maxIterations, tolerance: tolerance) {
                    objective.valueAndGradient($0)
                }
            }
        }
        var best: (x: [Double], f: Double, iterations: Int, converged: Bool)?
        for case let r? in results where r.f.isFinite && (best == nil || r.f < best!.f) {
            best = (r.x, r.f, r.iterations, r.converged)
        }
        guard let best else {
            throw StatsError.invalidParameter("GARCH fit: the likelihood is not finite at any start; check the series")
        }
        let p = objective.natural(best.x)
        let model = try GARCHModel(
            specification: specification, mu: specification.constantMean ? p.mu / scale : 0,
            omega: p.omega / (scale * scale), alpha: p.alpha, gamma: p.gamma, beta: p.beta,
            nu: specification.innovations == .normal ? nil : p.nu,
            lambda: specification.innovations == .skewT ? p.lambda : nil)
        let ll = series.reduce(0) { $0 + model.logLikelihood($1) }
        return GARCHFit(model: model, logLikelihood: ll, iterations: best.iterations, converged: best.converged)
    }
}

/// The natural parameters of a GARCH model (in the fit's scaled units).
struct GARCHParameters {
    var mu = 0.0, omega = 1.0, alpha = 0.0, gamma = 0.0, beta = 0.0, nu = 8.0, lambda = 0.0
}

/// The pooled mean negative log-likelihood on the unconstrained reparametrisation, with its
/// analytic gradient (forward-mode derivatives of the variance recursion).
struct GARCHObjective {
    let series: [[Double]]
    let specification: GARCHSpecification
    let backcasts: [Double]
    let bounds: [(lower: [Double], upper: [Double])]
    let count: Int

    static let nuLow = 2.05, nuSpan = 497.95

    init(series: [[Double]], specification: GARCHSpecification) {
        self.series = series
        self.specification = specification
        let starts = series.map { GARCHModel.startResiduals($0, constantMean: specification.constantMean) }
        backcasts = starts.map { GARCHModel.backcast($0) }
        bounds = starts.map { GARCHModel.varianceBounds($0) }
        count = series.reduce(0) { $0 + $1.count }
    }

    var isGJR: Bool { specification.variance == .gjr }

    /// Layout of θ: [μ?] [ln ω] [softmax logits: 2 (garch) or 3 (gjr)] [ν logit?] [atanh λ?].
    var dimension: Int {
        (specification.constantMean ? 1 : 0) + 1 + (isGJR ? 3 : 2)
            + (specification.innovations == .normal ? 0 : 1) + (specification.innovations == .skewT ? 1 : 0)
    }

    /// θ → natural parameters.
    func natural(_ x: [Double]) -> GARCHParameters {
        var p = GARCHParameters()
        var k = 0
        if specification.constantMean { p.mu = x[k]; k += 1 }
        p.omega = exp(x[k]); k += 1
        let m = isGJR ? 3 : 2
        let e = (0..<m).map { exp(x[k + $0]) }
        let d = 1 + e.reduce(0, +)
        let w = e.map { $0 / d }
        k += m
        if isGJR {
            p.alpha = 2 * w[0]; p.gamma = 2 * w[1] - 2 * w[0]; p.beta = w[2]
        } else {
            p.alpha = w[0]; p.beta = w[1]
        }
        if specification.innovations != .normal {
            p.nu = Self.nuLow + Self.nuSpan / (1 + exp(-x[k])); k += 1
        }
        if specification.innovations == .skewT { p.lambda = tanh(x[k]) }
        return p
    }

    /// Natural parameters → θ (nil when a weight is not strictly inside its simplex).
    func unconstrained(_ p: GARCHParameters) -> [Double]? {
        var x = [Double]()
        if specification.constantMean { x.append(p.mu) }
        guard p.omega > 0 else { return nil }
        x.append(log(p.omega))
        let w = isGJR ? [p.alpha / 2, (p.alpha + p.gamma) / 2, p.beta] : [p.alpha, p.beta]
        let slack = 1 - w.reduce(0, +)
        guard slack > 0, w.allSatisfy({ $0 > 0 }) else { return nil }
        x += w.map { log($0 / slack) }
        if specification.innovations != .normal {
            let u = min(max((p.nu - Self.nuLow) / Self.nuSpan, 1e-9), 1 - 1e-9)
            x.append(log(u / (1 - u)))
        }
        if specification.innovations == .skewT { x.append(atanh(min(max(p.lambda, -0.999), 0.999))) }
        return x
    }

    /// Mean negative log-likelihood only (natural parameters).
    func value(_ p: GARCHParameters) -> Double {
        let d = GARCHInnovationDensity(specification.innovations, nu: p.nu, lambda: p.lambda)
        var ll = 0.0
        for j in series.indices {
            let y = series[j], lo = bounds[j].lower, hi = bounds[j].upper, bc = backcasts[j]
            var s2 = GARCHModel.bounded(p.omega + p.alpha * bc + p.gamma * 0.5 * bc + p.beta * bc, lo[0], hi[0])
            for t in 0..<y.count {
                let e = y[t] - p.mu
                ll += d.logDensity(e, s2)
                if t + 1 < y.count {
                    let f = e * e
                    s2 = GARCHModel.bounded(p.omega + (p.alpha + (e < 0 ? p.gamma : 0)) * f + p.beta * s2,
                                            lo[t + 1], hi[t + 1])
                }
            }
        }
        let v = -ll / Double(count)
        return v.isNaN ? .infinity : v
    }

    /// Mean negative log-likelihood and its gradient with respect to θ.
    func valueAndGradient(_ x: [Double]) -> (Double, [Double]) {
        let p = natural(x)
        let d = GARCHInnovationDensity(specification.innovations, nu: p.nu, lambda: p.lambda)
        if isGJR, specification.innovations == .skewT, p.alpha + p.gamma * d.kappa + p.beta >= 1 {
            return (.infinity, [Double](repeating: 0, count: x.count))
        }
        // Gradient in natural parameters: μ, ω, α, γ, β, ν, λ.
        var ll = 0.0
        var gMu = 0.0, gOmega = 0.0, gAlpha = 0.0, gGamma = 0.0, gBeta = 0.0, gNu = 0.0, gLambda = 0.0
        let mu = specification.constantMean ? p.mu : 0
        for j in series.indices {
            let y = series[j], lo = bounds[j].lower, hi = bounds[j].upper, bc = backcasts[j]
            let raw0 = p.omega + p.alpha * bc + p.gamma * 0.5 * bc + p.beta * bc
            var s2 = GARCHModel.bounded(raw0, lo[0], hi[0])
            // dσ²/d(ω, α, γ, β, μ)
            var dO = 1.0, dA = bc, dG = 0.5 * bc, dB = bc, dM = 0.0
            Self.chainBound(raw0, lo[0], hi[0], &dO, &dA, &dG, &dB, &dM)
            for t in 0..<y.count {
                let e = y[t] - mu
                let r = d.logDensityAndGradient(e, s2)
                ll += r.l
                gOmega += r.ds2 * dO; gAlpha += r.ds2 * dA; gGamma += r.ds2 * dG; gBeta += r.ds2 * dB
                gMu += r.ds2 * dM - r.de
                gNu += r.dnu; gLambda += r.dlambda
                if t + 1 < y.count {
                    let neg = e < 0
                    let f = e * e
                    let aEff = p.alpha + (neg ? p.gamma : 0)
                    let raw = p.omega + aEff * f + p.beta * s2
                    dO = 1 + p.beta * dO
                    dA = f + p.beta * dA
                    dG = (neg ? f : 0) + p.beta * dG
                    dB = s2 + p.beta * dB
                    dM = -2 * aEff * e + p.beta * dM
                    Self.chainBound(raw, lo[t + 1], hi[t + 1], &dO, &dA, &dG, &dB, &dM)
                    s2 = GARCHModel.bounded(raw, lo[t + 1], hi[t + 1])
                }
            }
        }
        let n = Double(count)
        let f = -ll / n
        guard f.isFinite else { return (.infinity, [Double](repeating: 0, count: x.count)) }
        // Chain rule to θ (gradients of −ℓ/n).
        var g = [Double]()
        g.reserveCapacity(x.count)
        if specification.constantMean { g.append(-gMu / n) }
        g.append(-gOmega * p.omega / n)
        let m = isGJR ? 3 : 2
        var k = specification.constantMean ? 2 : 1
        let e = (0..<m).map { exp(x[k + $0]) }
        let den = 1 + e.reduce(0, +)
        let w = e.map { $0 / den }
        // ∂ℓ/∂w_i
        let gw: [Double] = isGJR ? [2 * gAlpha - 2 * gGamma, 2 * gGamma, gBeta] : [gAlpha, gBeta]
        let dotWG = zip(w, gw).reduce(0) { $0 + $1.0 * $1.1 }
        for i in 0..<m { g.append(-(w[i] * (gw[i] - dotWG)) / n) }
        k += m
        if specification.innovations != .normal {
            let s = 1 / (1 + exp(-x[k]))
            g.append(-gNu * Self.nuSpan * s * (1 - s) / n)
            k += 1
        }
        if specification.innovations == .skewT { g.append(-gLambda * (1 - p.lambda * p.lambda) / n) }
        return (f, g)
    }

    /// Derivatives through arch's bounds check: 0 below the lower bound, ×1/σ² above the upper.
    @inline(__always)
    static func chainBound(_ raw: Double, _ lo: Double, _ hi: Double, _ a: inout Double, _ b: inout Double,
                           _ c: inout Double, _ d: inout Double, _ e: inout Double) {
        if raw < lo {
            a = 0; b = 0; c = 0; d = 0; e = 0
        } else if raw > hi {
            let s = 1 / raw
            a *= s; b *= s; c *= s; d *= s; e *= s
        }
    }

    /// arch's grid of starting values, each scored by the full likelihood (ν from the
    /// kurtosis of the standardized residuals as in arch's `StudentsT.starting_values`, λ = 0);
    /// returns the three best, best first.
    func startingPoints() -> [[Double]] {
        var sumSq = 0.0, sum = 0.0
        for y in series { for v in y { sum += v; sumSq += v * v } }
        let mu0 = specification.constantMean ? sum / Double(count) : 0
        var target = 0.0
        for y in series { for v in y { target += (v - mu0) * (v - mu0) } }
        target /= Double(count)
        let grid = [0.01, 0.05, 0.1, 0.2], persist = [0.5, 0.7, 0.9, 0.98]
        var candidates = [GARCHParameters]()
        for a in grid {
            for g in (isGJR ? grid : [0.0]) {
                for agb in persist {
                    let beta = agb - a - g / 2
                    guard beta > 0 else { continue }
                    candidates.append(GARCHParameters(mu: mu0, omega: (1 - agb) * target, alpha: a, gamma: g, beta: beta))
                }
            }
        }
        // ν's start from the kurtosis of the standardized residuals at the best Gaussian start.
        var nu0 = 8.0
        if specification.innovations != .normal {
            let gaussian = GARCHObjective(series: series, specification: GARCHSpecification(
                variance: specification.variance, innovations: .normal, constantMean: specification.constantMean))
            let bestG = candidates.min { gaussian.value($0) < gaussian.value($1) }!
            var z = [Double]()
            for (j, y) in series.enumerated() {
                let lo = bounds[j].lower, hi = bounds[j].upper, bc = backcasts[j]
                var s2 = GARCHModel.bounded(bestG.omega + bestG.alpha * bc + bestG.gamma * 0.5 * bc + bestG.beta * bc,
                                            lo[0], hi[0])
                for t in 0..<y.count {
                    let e = y[t] - mu0
                    z.append(e / s2.squareRoot())
                    s2 = GARCHModel.bounded(bestG.omega + (bestG.alpha + (e < 0 ? bestG.gamma : 0)) * e * e + bestG.beta * s2,
                                            lo[min(t + 1, y.count - 1)], hi[min(t + 1, y.count - 1)])
                }
            }
            let zm = z.reduce(0, +) / Double(z.count)
            var m2 = 0.0, m4 = 0.0
            for v in z { let c = (v - zm) * (v - zm); m2 += c; m4 += c * c }
            m2 /= Double(z.count); m4 /= Double(z.count)
            let k = m4 / (m2 * m2)
            nu0 = max(k > 3.75 ? (4 * k - 6) / (k - 3) : 12, 4)
        }
        let scored = candidates.compactMap { c -> (Double, [Double])? in
            var c = c
            c.nu = nu0
            guard let x = unconstrained(c) else { return nil }
            let v = value(natural(x))
            return v.isFinite ? (v, x) : nil
        }
        // Stable order: by value, ties by grid position.
        let order = scored.indices.sorted { scored[$0].0 < scored[$1].0 || (scored[$0].0 == scored[$1].0 && $0 < $1) }
        return order.prefix(3).map { scored[$0].1 }
    }
}

/// A small dense BFGS minimiser (Nocedal & Wright, *Numerical Optimization*, Alg. 6.1) with an
/// Armijo backtracking line search; the inverse Hessian starts as the identity scaled by
/// sᵀy/yᵀy after the first step, and the update is skipped when sᵀy ≤ 0.
enum BFGS {
    struct Result { var x: [Double]; var f: Double; var iterations: Int; var converged: Bool }

    static func minimize(_ x0: [Double], maxIterations: Int, tolerance: Double,
                         _ fg: ([Double]) -> (Double, [Double])) -> Result {
        let n = x0.count
        var x = x0
        var (f, g) = fg(x)
        guard f.isFinite else { return Result(x: x, f: f, iterations: 0, converged: false) }
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n { h[i * n + i] = 1 }
        var firstUpdate = true
        var smallSteps = 0
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            if g.allSatisfy({ abs($0) < 1e-10 }) { converged = true; break }
            var p = [Double](repeating: 0, count: n)
            for i in 0..<n { var s = 0.0; for k in 0..<n { s -= h[i * n + k] * g[k] }; p[i] = s }
            var slope = zip(p, g).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                // Not a descent direction: restart from steepest descent.
                for i in 0..<n { for k in 0..<n { h[i * n + k] = i == k ? 1 : 0 } }
                p = g.map { -$0 }
                slope = zip(p, g).reduce(0) { $0 + $1.0 * $1.1 }
                firstUpdate = true
            }
            // Cap the step so that no coordinate moves by more than 5 at once.
            let pMax = p.reduce(0) { max($0, abs($1)) }
            var step = pMax > 5 ? 5 / pMax : 1.0
            var xNew = x, fNew = Double.infinity, gNew = g
            var accepted = false
            for _ in 0..<60 {
                for i in 0..<n { xNew[i] = x[i] + step * p[i] }
                (fNew, gNew) = fg(xNew)
                if fNew.isFinite, fNew <= f + 1e-4 * step * slope { accepted = true; break }
                // Quadratic interpolation of the step, safeguarded to [0.1, 0.5]·step.
                let q = fNew.isFinite ? -slope * step * step / (2 * (fNew - f - slope * step)) : 0.1 * step
                step = min(max(q, 0.1 * step), 0.5 * step)
            }
            guard accepted else {
                converged = g.allSatisfy({ abs($0) < 1e-5 })
                break
            }
            let s = (0..<n).map { xNew[$0] - x[$0] }
            let y = (0..<n).map { gNew[$0] - g[$0] }
            let sy = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
            let decrease = f - fNew
            x = xNew; g = gNew
            let fOld = f
            f = fNew
            if sy > 1e-14 * (zip(s, s).reduce(0) { $0 + $1.0 * $1.1 }).squareRoot() * (zip(y, y).reduce(0) { $0 + $1.0 * $1.1 }).squareRoot() {
                if firstUpdate {
                    let yy = zip(y, y).reduce(0) { $0 + $1.0 * $1.1 }
                    let gamma = sy / yy
                    for i in 0..<n { for k in 0..<n { h[i * n + k] = i == k ? gamma : 0 } }
                    firstUpdate = false
                }
                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                let rho = 1 / sy
                var hy = [Double](repeating: 0, count: n)
                for i in 0..<n { var acc = 0.0; for k in 0..<n { acc += h[i * n + k] * y[k] }; hy[i] = acc }
                let yhy = zip(y, hy).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n {
                    for k in 0..<n {
                        h[i * n + k] += -rho * (hy[i] * s[k] + s[i] * hy[k]) + (rho * rho * yhy + rho) * s[i] * s[k]
                    }
                }
            }
            if decrease <= tolerance * max(1, abs(fOld)) {
                smallSteps += 1
                if smallSteps >= 3 { converged = true; break }
            } else {
                smallSteps = 0
            }
        }
        return Result(x: x, f: f, iterations: iterations, converged: converged)
    }
}
