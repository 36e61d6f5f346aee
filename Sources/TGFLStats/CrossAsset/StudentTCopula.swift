import Foundation

/// A Student-t copula of K variables (a Gaussian copula when ν = ∞): the dependence of a
/// multivariate t with correlation R and ν degrees of freedom, with uniform marginals.
///
/// ```
/// x = L·(Φ⁻¹(w_0), …, Φ⁻¹(w_{K−1}))       L Lᵀ = R,  w_k independent uniforms
/// s = χ²_ν⁻¹(w_K)                          one common draw of the day (ν finite only)
/// v_k = t_ν(x_k / √(s/ν))                  (Gaussian: v_k = Φ(x_k))
/// ```
/// The common χ² scale s makes large |x_k| come together: a pair with correlation ρ has the
/// tail dependence `λ_L = λ_U = 2 t_{ν+1}(−√((ν+1)(1−ρ)/(1+ρ)))` (`tailDependence`), positive
/// even at ρ = 0, where the Gaussian copula's is 0. Each v_k is exactly uniform, so a sampler
/// that inverts its own marginal CDF with v_k keeps that marginal and takes its dependence
/// from the copula. Sampling consumes a fixed number of uniforms (`drawsPerSample`), so a
/// seeded stream stays aligned whatever the values.
/// - Reference: Demarta & McNeil (2005), "The t copula and related copulas", Int. Stat. Rev. 73(1);
///   McNeil, Frey & Embrechts, *Quantitative Risk Management* (2015) §7.3.
public struct StudentTCopula: Sendable, Equatable {
    /// K, the number of variables.
    public let dimension: Int
    /// R, K×K row-major, symmetric positive definite with a unit diagonal.
    public let correlation: [Double]
    /// ν > 0, or nil for the Gaussian copula (ν = ∞).
    public let degreesOfFreedom: Double?
    /// The lower Cholesky factor L of R, row-major.
    public let factor: [Double]

    /// A copula with correlation R and ν degrees of freedom.
    /// - Parameters:
    ///   - correlation: R, K×K row-major (K ≥ 1).
    ///   - dimension: K.
    ///   - degreesOfFreedom: ν > 0 and finite, or nil for the Gaussian copula.
    /// - Throws: `StatsError.invalidParameter` when R is not K×K, not symmetric, has a diagonal
    ///   other than 1 or is not positive definite, or ν is not positive and finite.
    public init(correlation: [Double], dimension: Int, degreesOfFreedom: Double?) throws {
        let K = dimension
        guard K >= 1, correlation.count == K * K, correlation.allSatisfy(\.isFinite) else {
            throw StatsError.invalidParameter(
                "the copula correlation must be \(K)×\(K) = \(K * K) finite values, got \(correlation.count)")
        }
        for i in 0..<K {
            guard abs(correlation[i * K + i] - 1) <= 1e-9 else {
                throw StatsError.invalidParameter("the copula correlation has R[\(i)][\(i)] = \(correlation[i * K + i]), not 1")
            }
            for j in 0..<i where abs(correlation[i * K + j] - correlation[j * K + i]) > 1e-12 {
                throw StatsError.invalidParameter("the copula correlation is not symmetric at [\(i)][\(j)]")
            }
        }
        if let nu = degreesOfFreedom, !(nu > 0 && nu.isFinite) {
            throw StatsError.invalidParameter("the copula degrees of freedom must be positive and finite (nil: Gaussian), got \(nu)")
        }
        guard let l = CrossAsset.choleskyFactor(correlation, K) else {
            throw StatsError.invalidParameter("the copula correlation is not positive definite")
        }
        self.dimension = K; self.correlation = correlation; self.degreesOfFreedom = degreesOfFreedom; factor = l
    }

    /// The uniforms one sample consumes: K + 1 (K normals and the common χ²), or K for the
    /// Gaussian copula.
    public var drawsPerSample: Int { dimension + (degreesOfFreedom == nil ? 0 : 1) }

    /// One sample from independent uniforms (see the type's formula).
    /// - Parameter draws: `drawsPerSample` values in (0, 1) (e.g. `SeededRNG.uniformOpen()`).
    /// - Returns: K values in (0, 1), each clamped to `[2⁻⁶⁰, 1 − 2⁻⁵³]` so that a caller can
    ///   invert a CDF with it.
    public func sample(_ draws: [Double]) -> [Double] {
        precondition(draws.count == drawsPerSample, "StudentTCopula.sample needs \(drawsPerSample) draws, got \(draws.count)")
        let K = dimension
        let n = draws.prefix(K).map { Normal.uncheckedQuantile(min(max($0, 0x1p-60), 1 - 0x1p-53)) }
        var scale = 1.0
        if let nu = degreesOfFreedom {
            let w = min(max(draws[K], 0x1p-60), 1 - 0x1p-53)
            scale = 1 / (2 * SpecialFunctions.uncheckedInverseGamma(0.5 * nu, p: w, q: 1 - w) / nu).squareRoot()
        }
        return (0..<K).map { k in
            var x = 0.0
            for j in 0...k { x += factor[k * K + j] * n[j] }
            let v = degreesOfFreedom.map { StudentT.uncheckedCDF(x * scale, $0) } ?? Normal.uncheckedCDF(x)
            return min(max(v, 0x1p-60), 1.0.nextDown)
        }
    }

    /// The log density of the copula at one point, `log c(v)`.
    ///
    /// ```
    /// t:         y_k = t_ν⁻¹(v_k),  log c = log f_{t}(y; R, ν) − Σ_k log f_{t}(y_k; ν)
    ///            log f_t(y; R, ν) = lnΓ((ν+K)/2) − lnΓ(ν/2) − (K/2) ln(νπ) − ½ ln|R| − ((ν+K)/2) ln(1 + yᵀR⁻¹y/ν)
    /// Gaussian:  y_k = Φ⁻¹(v_k),   log c = −½ ln|R| − ½ yᵀ(R⁻¹ − I) y
    /// ```
    /// - Parameter v: K values in (0, 1).
    /// - Returns: log c(v) (−∞ outside the open unit cube).
    public func logDensity(_ v: [Double]) -> Double {
        let K = dimension
        guard v.count == K, v.allSatisfy({ $0 > 0 && $0 < 1 }) else { return -.infinity }
        var logDet = 0.0
        for k in 0..<K { logDet += 2 * log(factor[k * K + k]) }
        guard let nu = degreesOfFreedom else {
            let y = v.map { Normal.uncheckedQuantile($0) }
            let q = solvedNormSquared(y)
            return -0.5 * logDet - 0.5 * (q - y.reduce(0) { $0 + $1 * $1 })
        }
        let y = v.map { StudentT.uncheckedQuantile($0, nu) }
        let k = Double(K)
        let normalizer: Double = lgamma(0.5 * (nu + k)) - lgamma(0.5 * nu) - 0.5 * k * log(nu * Double.pi)
        let kernel: Double = 0.5 * (nu + k) * log1p(solvedNormSquared(y) / nu)
        var marginals = 0.0
        for x in y { marginals += StudentT.uncheckedLogPDF(x, nu) }
        return normalizer - 0.5 * logDet - kernel - marginals
    }

    /// `yᵀ R⁻¹ y = |L⁻¹ y|²` by forward substitution.
    private func solvedNormSquared(_ y: [Double]) -> Double {
        let K = dimension
        var u = [Double](repeating: 0, count: K), q = 0.0
        for k in 0..<K {
            var s = y[k]
            for j in 0..<k { s -= factor[k * K + j] * u[j] }
            u[k] = s / factor[k * K + k]
            q += u[k] * u[k]
        }
        return q
    }

    /// The closed-form tail dependence of a pair with correlation ρ (lower = upper by symmetry).
    ///
    /// ```
    /// λ = 2 t_{ν+1}(−√((ν+1)(1−ρ)/(1+ρ)))       (0 for the Gaussian copula unless ρ = 1)
    /// ```
    /// - Parameters:
    ///   - rho: the pair's correlation in (−1, 1].
    ///   - degreesOfFreedom: ν > 0, or nil (Gaussian).
    /// - Returns: λ in [0, 1].
    /// - Reference: Demarta & McNeil (2005), §2.3; Embrechts, McNeil & Straumann (2002).
    public static func tailDependence(rho: Double, degreesOfFreedom: Double?) -> Double {
        if rho >= 1 { return 1 }
        guard let nu = degreesOfFreedom else { return 0 }
        return 2 * StudentT.uncheckedCDF(-((nu + 1) * (1 - rho) / (1 + rho)).squareRoot(), nu + 1)
    }

    // MARK: - Fitting

    /// The degrees of freedom `fit` tries by default (the Gaussian copula is always tried too).
    public static let defaultGrid: [Double] = [2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100]

    /// What `fit` found.
    public struct Fit: Sendable, Equatable {
        /// The chosen copula (the largest log-likelihood; Gaussian when it beats every ν).
        public let copula: StudentTCopula
        /// The ν grid tried and the log-likelihood `Σ_t log c(v_t)` at each, with R fixed.
        public let grid: [Double]
        public let logLikelihoods: [Double]
        /// The Gaussian copula's log-likelihood with the same R.
        public let gaussianLogLikelihood: Double
    }

    /// Fits R and ν to pseudo-observations by the two-step method of Demarta & McNeil (2005):
    /// R from the normal scores, then ν by maximum likelihood on a grid with R fixed — or ν
    /// alone, with R given (`correlation`).
    ///
    /// ```
    /// y_kt = Φ⁻¹(v_kt);  R = Pearson correlation of the y_k      (or the given R)
    /// ν̂ = argmax over the grid ∪ {∞} of Σ_t log c(v_t; R, ν)
    /// ```
    /// **A given R.** The normal-score correlation is not the linear correlation of the
    /// original variables: for fat-tailed or skewed marginals the two differ by a few
    /// hundredths even when the variables are exactly uncorrelated (the whitened residuals of
    /// the joint model: GE–CRSP index on crsp_daily, Pearson +0.001, normal scores −0.030).
    /// When the linear dependence is modelled elsewhere and the copula should add only the
    /// common tail scale, give R (the joint model: the identity for its whitened u).
    ///
    /// Every step is a sum over days (the normal scores' cross-products, the log-likelihoods),
    /// so sites holding different days can contribute sums without sharing a day.
    /// - Parameters:
    ///   - v: pseudo-observations, one column per variable (K ≥ 1), values in (0, 1), equal lengths ≥ 4.
    ///   - grid: the ν values to try, each positive and finite.
    ///   - correlation: R fixed, K×K row-major (a valid copula correlation), or nil to take it
    ///     from the normal scores.
    /// - Returns: the fit, with the log-likelihood of every grid value.
    /// - Throws: `StatsError` for empty, unequal or out-of-range input, a bad grid, a given R
    ///   of the wrong size or not a correlation matrix, or a normal-score correlation that is
    ///   not positive definite (a duplicated column).
    /// - Reference: Demarta & McNeil (2005) §3 (the semi-parametric pseudo-likelihood of
    ///   Genest, Ghoudi & Rivest 1995, with R from the normal scores).
    public static func fit(pseudoObservations v: [[Double]], grid: [Double] = defaultGrid,
                           correlation fixed: [Double]? = nil) throws -> Fit {
        guard !v.isEmpty, !v[0].isEmpty else { throw StatsError.emptyInput("the copula's pseudo-observations") }
        let K = v.count, n = v[0].count
        for (k, column) in v.enumerated() {
            guard column.count == n else {
                throw StatsError.lengthMismatch("pseudo-observation column \(k) has \(column.count) values, column 0 has \(n)")
            }
            if let t = column.firstIndex(where: { !($0 > 0 && $0 < 1) }) {
                throw StatsError.invalidParameter("pseudo-observation column \(k), day \(t): \(column[t]) is not in (0, 1)")
            }
        }
        guard !grid.isEmpty, grid.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw StatsError.invalidParameter("the ν grid must hold positive finite values, got \(grid)")
        }
        let r = try fixed ?? CrossAsset.correlation(v.map { $0.map { Normal.uncheckedQuantile($0) } }).values
        let gaussian = try StudentTCopula(correlation: r, dimension: K, degreesOfFreedom: nil)
        let days = (0..<n).map { t in (0..<K).map { v[$0][t] } }
        func logLikelihood(_ c: StudentTCopula) -> Double { days.reduce(0) { $0 + c.logDensity($1) } }
        let copulas = try grid.map { try StudentTCopula(correlation: r, dimension: K, degreesOfFreedom: $0) }
        let logLikelihoods = copulas.map(logLikelihood)
        let gaussianLL = logLikelihood(gaussian)
        let best = logLikelihoods.indices.max { logLikelihoods[$0] < logLikelihoods[$1] }!
        return Fit(copula: logLikelihoods[best] > gaussianLL ? copulas[best] : gaussian, grid: grid,
                   logLikelihoods: logLikelihoods, gaussianLogLikelihood: gaussianLL)
    }

    /// Pseudo-observations of each column under its own histogram on fixed bins: the CDF
    /// interpolated linearly inside each bin (the distribution of a sampler that draws a bin,
    /// then a uniform position inside it).
    ///
    /// ```
    /// b = bin of x (values outside the edges go to the first or last bin),  c_b = count of bin b
    /// F(x) = (Σ_{b' < b} c_b' + c_b · clamp((x − e_b)/(e_{b+1} − e_b), 0, 1)) / n,  clamped to [1/(2n), 1 − 1/(2n)]
    /// ```
    /// Only per-bin counts are needed, so sites can pool histograms instead of values.
    /// - Parameters:
    ///   - columns: one value array per variable.
    ///   - binEdges: B + 1 increasing finite edges (B ≥ 1).
    /// - Returns: the pseudo-observations, same shape.
    /// - Throws: `StatsError` for empty or non-finite input or bad edges.
    public static func histogramPseudoObservations(_ columns: [[Double]], binEdges e: [Double]) throws -> [[Double]] {
        guard e.count >= 2, e.allSatisfy(\.isFinite), zip(e, e.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw StatsError.invalidParameter("the bin edges must be at least 2 increasing finite values")
        }
        let B = e.count - 1
        return try columns.enumerated().map { k, x in
            guard !x.isEmpty else { throw StatsError.emptyInput("column \(k)") }
            if let t = x.firstIndex(where: { !$0.isFinite }) { throw StatsError.nonFinite("column \(k)", index: t) }
            let bins = x.map { value -> Int in
                var lo = 0, hi = B - 1                    // the last bin b with e_b ≤ value (0 below e_0)
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if e[mid] <= value { lo = mid } else { hi = mid - 1 }
                }
                return lo
            }
            var counts = [Double](repeating: 0, count: B)
            for b in bins { counts[b] += 1 }
            var below = [Double](repeating: 0, count: B)
            for b in 1..<max(B, 1) { below[b] = below[b - 1] + counts[b - 1] }
            let n = Double(x.count)
            return zip(x, bins).map { value, b in
                let f = min(max((value - e[b]) / (e[b + 1] - e[b]), 0), 1)
                return min(max((below[b] + counts[b] * f) / n, 0.5 / n), 1 - 0.5 / n)
            }
        }
    }
}

extension CrossAsset {
    /// The lower Cholesky factor of a K×K symmetric matrix (row-major), or nil when a pivot is
    /// ≤ 1e-12 (not positive definite).
    ///
    /// ```
    /// L_ii = √(A_ii − Σ_{m<i} L_im²),   L_ij = (A_ij − Σ_{m<j} L_im L_jm) / L_jj   (j < i)
    /// ```
    public static func choleskyFactor(_ a: [Double], _ K: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: K * K)
        for i in 0..<K {
            for j in 0...i {
                var s = a[i * K + j]
                for m in 0..<j { s -= l[i * K + m] * l[j * K + m] }
                if i == j {
                    guard s > 1e-12 else { return nil }
                    l[i * K + i] = s.squareRoot()
                } else {
                    l[i * K + j] = s / l[j * K + j]
                }
            }
        }
        return l
    }
}
