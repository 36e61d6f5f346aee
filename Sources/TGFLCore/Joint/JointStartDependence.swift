import Foundation
import TGFLStats

/// How the K assets' day-0 volatilities of a joint path depend on each other (issue 17, session 24):
/// a Gaussian copula on the start uniforms with the training days' rank correlation of σ, instead
/// of one uniform for every asset (comonotone starts, the rule before session 24).
///
/// ```
/// rows_g  = the training days of market regime g (JointDataModels.regimeRows: fewer than 30 add the
///           calmer regimes' days); rows_R = every training day (unconditional starts)
/// s_kt    = Φ⁻¹(rank_t(log σ_kt over rows_g) / (n_g + 1))       (normal scores; ties averaged)
/// P_g     = corrcoef(s) over rows_g                              (K×K, positive definite or the fit throws)
/// day 0:  w ~ K independent uniforms of the path's stream, x = chol(P_g)·Φ⁻¹(w), u_k = Φ(x_k)
///         unconditional:   σ²_k = initialVariance_k(u_k)                 (P_R)
///         under regime g:  σ²_k = exp(2·q_gk(u_k))  (JointRegimeStarts)  (P_g)
/// ```
/// Each u_k is still uniform, so every asset's start keeps its training distribution of σ; only the
/// dependence between assets changes — from rank correlation 1 to the training days'.
///
/// **Why** (BENCHMARKS.md "Session 24 (joint24)"): with one u per path every asset starts equally calm
/// or volatile, so the first days' σ co-move more than on any training day, and the generated lower-tail
/// dependence falls along the path (fx_usd_1980: 0.397 on days 0–4, 0.345 on days 15–19, against the
/// training days' 0.307).
///
/// **Federation.** The scores need each asset's rank among all the institutions' days: an institution
/// ranks its σ under the pooled σ quantiles (the histogram the starts' quantiles already come from) and
/// sends the per-regime sums of scores, squares and cross-products, which add up (released in the clear,
/// like the regime-start quantiles; here computed in one place, as the other parts are).
public struct JointStartDependence: Equatable, Sendable {
    /// Which start a fit gives a model (`JointDataSettings.startDependence`).
    public enum Rule: String, Sendable, CaseIterable {
        /// One uniform for every asset (no `JointStartDependence`; the default, as since issue 17).
        case comonotone
        /// The training days' rank correlation of σ (`fit`; /joint version 13).
        case fitted
        /// Independent starts (`independent(assets:regimes:)`, identity matrices; /joint version 13): the
        /// opposite extreme of `.comonotone`, for comparisons (BENCHMARKS.md "Session 24 (joint24)").
        case independent
    }

    /// Identity matrices: every asset's start uniform drawn independently.
    public static func independent(assets K: Int, regimes R: Int) throws -> JointStartDependence {
        try JointStartDependence(correlations: [[Double]](repeating: (0..<(K * K)).map { $0 % (K + 1) == 0 ? 1 : 0 },
                                                          count: R + 1))
    }

    /// The start dependence `rule` gives on the training days (nil for `.comonotone`).
    public static func fit(rule: Rule, sigmas: [[Double]], labels: [Int32], regimes: Int) throws -> JointStartDependence? {
        switch rule {
        case .comonotone: return nil
        case .fitted: return try fit(sigmas: sigmas, labels: labels, regimes: regimes)
        case .independent: return try independent(assets: sigmas.count, regimes: regimes)
        }
    }

    /// `correlations[g]` (g < R: market regime g's days; g = R: every training day), K×K row-major.
    public let correlations: [[Double]]
    /// The Gaussian copulas of `correlations` (their Cholesky factors), same index.
    let copulas: [StudentTCopula]

    /// - Throws: `TGFLError.invalidArgument` for a shape that is not (R + 1) matrices of K×K, or a
    ///   matrix that is not a positive definite correlation matrix (naming its pool).
    public init(correlations: [[Double]]) throws {
        let K = Int(Double(correlations.first?.count ?? 0).squareRoot().rounded())
        guard correlations.count >= 2, K >= 1, correlations.allSatisfy({ $0.count == K * K }) else {
            throw TGFLError.invalidArgument(
                "the start dependence needs R + 1 ≥ 2 correlation matrices of K×K values, got \(correlations.map(\.count)) values each")
        }
        self.correlations = correlations
        copulas = try correlations.enumerated().map { g, r in
            do {
                return try StudentTCopula(correlation: r, dimension: K, degreesOfFreedom: nil)
            } catch let error as StatsError {
                let pool = g == correlations.count - 1 ? "all training days" : "market regime \(g)"
                throw TGFLError.invalidArgument("the start dependence of \(pool): \(error)")
            }
        }
    }

    /// R.
    public var regimes: Int { correlations.count - 1 }
    /// K.
    public var count: Int { copulas[0].dimension }

    /// Fits the matrices on the training days.
    /// - Parameters:
    ///   - sigmas: the training days' filtered σ, one column per asset (positive).
    ///   - labels: each day's market regime.
    ///   - regimes: R.
    /// - Throws: `TGFLError.invalidArgument` for mismatched lengths, fewer than 4 days, a σ that is
    ///   not positive and finite, or a pool whose matrix is not positive definite (an asset constant there).
    public static func fit(sigmas: [[Double]], labels: [Int32], regimes: Int) throws -> JointStartDependence {
        guard !sigmas.isEmpty, sigmas.allSatisfy({ $0.count == labels.count }), labels.count >= 4 else {
            throw TGFLError.invalidArgument(
                "the start dependence needs one σ per asset and day (at least 4 days): \(labels.count) days, columns of \(sigmas.map(\.count))")
        }
        for (k, column) in sigmas.enumerated() {
            if let t = column.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
                throw TGFLError.invalidArgument("the start dependence: asset \(k)'s σ on day \(t) is \(column[t]), not positive and finite")
            }
        }
        let pools = (0..<regimes).map { JointDataModels.regimeRows(labels: labels, regime: $0) } + [Array(labels.indices)]
        return try JointStartDependence(correlations: try pools.map { rows in
            let scores = sigmas.map { column in CrossAsset.normalScores(rows.map { Foundation.log(column[$0]) }) }
            do {
                return try CrossAsset.correlation(scores).values
            } catch let error as StatsError {
                throw TGFLError.invalidArgument("the start dependence on \(rows.count) days: \(error)")
            }
        })
    }

    /// Fits the matrices on training spans under a model's stored filters and regime bands (each span's
    /// filter restarts, as `JointDataModels.fit` runs it), e.g. for a model saved without them.
    public static func fit(trainingSpans: [[[Double]]], models: JointDataModels) throws -> JointStartDependence {
        let (sigmas, labels) = try models.filteredSigmas(trainingSpans: trainingSpans)
        return try fit(sigmas: sigmas, labels: labels, regimes: models.regimeNames.count)
    }

    /// `fit(rule:sigmas:labels:regimes:)` on training spans under a model's stored filters.
    public static func fit(rule: Rule, trainingSpans: [[[Double]]], models: JointDataModels) throws -> JointStartDependence? {
        let (sigmas, labels) = try models.filteredSigmas(trainingSpans: trainingSpans)
        return try fit(rule: rule, sigmas: sigmas, labels: labels, regimes: models.regimeNames.count)
    }

    /// Day 0's K start uniforms from K independent open uniforms of the path's stream, under pool g
    /// (g = R: unconditional).
    func startUniforms(pool g: Int, rng: inout SeededRNG) -> [Double] {
        copulas[g].sample((0..<count).map { _ in rng.uniformOpen() })
    }

    func write(to section: inout CheckpointSection) {
        section.datasets["start_dependence.correlations"] = correlations.flatMap { $0 }
    }

    /// Reads the optional start dependence of a `/joint` section (nil without `start_dependence.correlations`).
    static func read(_ r: CheckpointSectionReader, assets K: Int, regimes R: Int) throws -> JointStartDependence? {
        guard r.section.datasets["start_dependence.correlations"] != nil else { return nil }
        let flat = try r.dataset("start_dependence.correlations", count: (R + 1) * K * K)
        do {
            return try JointStartDependence(correlations: (0...R).map { Array(flat[($0 * K * K)..<(($0 + 1) * K * K)]) })
        } catch TGFLError.invalidArgument(let message) {
            throw r.fail(message)
        }
    }
}
