import Foundation

/// An MA(1) mean term on generated returns (issue 19, session 15): the lag-1 mean reversion that
/// DP-trained networks do not learn, put on the paths from a coefficient fitted on public data.
///
/// ```
/// fit (public returns y_1 … y_n):  y_t = μ + u_t + θ u_{t−1},  u_t ~ N(0, σ²) i.i.d.
///     exact Gaussian likelihood by the innovations algorithm (Brockwell & Davis §5.2), μ by GLS
///     and σ² concentrated out, θ maximising the profile over [−0.99, 0.99] (as statsmodels'
///     ARIMA(order=(0, 0, 1), trend="c").fit(); several series: one θ, μ, σ², likelihoods summed)
/// generation, day d of a path, m = the location the path is centred on:
///     u_d = the day's draw before the term, r̃_d − m  (what the recursion and the network see)
///     r_d = m + c·(u_d + θ·u_{d−1}),   c = 1/√(1 + θ²)   (the daily variance kept)
///     u_{−1} = 0 without a prompt; with one, the prompt's last innovation under the term:
///     u_t = (p_t − m)/c − θ·u_{t−1} over every prompt day p_t, from u = 0 before the first
///     a stale-price day (r̃_d = 0 exactly, `generationZeroShares`) stays 0; its u_d is −m
/// ```
/// The network's next input, the volatility recursion and the level conditioning see u_d, the
/// draw they were trained on (the tokens are the filter's residuals of the raw returns, so the
/// network's draw plays that role); the term maps those draws to the returns released, as the
/// mean equation of an MA(1)–GARCH does with its innovations. So it is an output filter: the
/// paths' lag-1 autocorrelation moves by about θ/(1 + θ²) and nothing else the model learned
/// changes. Set only by federated training with public data models (`FederatedTrainingOptions
/// .publicMeanTerm`): θ is then a function of public data alone, post-processing, and ε is
/// unchanged. Every other model has none and generates the same bits as before.
public struct MeanTerm: Equatable, Sendable {
    /// `generation_mean_term_kind` of the checkpoint.
    public static let kind = "ma1"
    /// `generation_mean_term_version` written by this code.
    public static let version = 1
    /// The fit's search range for θ (invertible, away from the unit root).
    public static let thetaBound = 0.99

    /// θ, |θ| < 1.
    public let theta: Double

    /// - Throws: `TGFLError.invalidArgument` unless θ is finite with |θ| < 1.
    public init(theta: Double) throws {
        guard theta.isFinite, abs(theta) < 1 else {
            throw TGFLError.invalidArgument("the MA(1) mean term's theta = \(theta) must be finite with |theta| < 1 "
                + "(an invertible MA(1))")
        }
        self.theta = theta
    }

    /// c = 1/√(1 + θ²): the factor that keeps the daily variance of uncorrelated draws.
    public var scale: Double { 1 / (1 + theta * theta).squareRoot() }

    /// The return of a day whose draw is `u` after a day whose draw was `previous`, about location 0.
    @inline(__always)
    public func apply(_ u: Double, previous: Double) -> Double { scale * (u + theta * previous) }

    /// The last innovation u_{n−1} of `residuals` (returns minus the location) under this term,
    /// u_t = e_t/c − θ u_{t−1} from u = 0 (0 for no residuals).
    public func lastInnovation(of residuals: [Double]) -> Double {
        let c = scale
        var u = 0.0
        for e in residuals { u = e / c - theta * u }
        return u
    }

    // MARK: - Fitting

    /// The exact Gaussian MA(1) fit with a constant (see the type): θ, μ, σ² and the log-likelihood.
    public struct Fit: Equatable, Sendable {
        public let term: MeanTerm
        public let mu: Double
        public let sigma2: Double
        public let logLikelihood: Double
    }

    /// Fits θ (and μ, σ²) on `series` by exact Gaussian maximum likelihood.
    /// - Parameter series: log returns (finite), each at least 3 days; named by `names` in errors.
    /// - Throws: `TGFLError.invalidArgument` naming a short or non-finite series, or a fit at the
    ///   edge of the search range (no invertible MA(1) fits the data).
    public static func fit(_ series: [[Double]], names: [String]? = nil) throws -> Fit {
        guard !series.isEmpty else { throw TGFLError.invalidArgument("the MA(1) mean term needs at least one series") }
        for (j, s) in series.enumerated() {
            let name = names.map { $0.indices.contains(j) ? "'\($0[j])'" : "\(j)" } ?? "\(j)"
            guard s.count >= 3 else {
                throw TGFLError.invalidArgument("the MA(1) mean term: series \(name) has \(s.count) returns; it needs at least 3")
            }
            if let i = s.firstIndex(where: { !$0.isFinite }) {
                throw TGFLError.invalidArgument("the MA(1) mean term: series \(name) has a non-finite return at index \(i)")
            }
        }
        // Grid, then golden-section search on the best cell (the profile is smooth and, for the
        // small θ of daily returns, unimodal near its maximum).
        let bound = thetaBound, step = 0.01
        let grid = stride(from: -bound, through: bound + 1e-12, by: step).map { min($0, bound) }
        let values = grid.map { profile(series, theta: $0).logLikelihood }
        guard values.allSatisfy(\.isFinite) else {
            throw TGFLError.invalidArgument("the MA(1) mean term: the public returns have no variance around their mean "
                + "(constant prices?), so no MA(1) can be fitted; give a public series that moves, or turn the term off")
        }
        let best = values.indices.max { values[$0] < values[$1] }!
        var lo = max(-bound, grid[best] - step), hi = min(bound, grid[best] + step)
        let g = (5.0.squareRoot() - 1) / 2
        var a = hi - g * (hi - lo), b = lo + g * (hi - lo)
        var fa = profile(series, theta: a).logLikelihood, fb = profile(series, theta: b).logLikelihood
        while hi - lo > 1e-10 {
            if fa < fb { lo = a; a = b; fa = fb; b = lo + g * (hi - lo); fb = profile(series, theta: b).logLikelihood }
            else { hi = b; b = a; fb = fa; a = hi - g * (hi - lo); fa = profile(series, theta: a).logLikelihood }
        }
        let theta = (lo + hi) / 2
        guard abs(theta) < bound - 1e-6 else {
            throw TGFLError.invalidArgument(String(format: "the MA(1) mean term: the fit reached theta = %.4f, the edge of "
                + "[-%.2f, %.2f]; the public returns are not an invertible MA(1) (turn the term off)", theta, bound, bound))
        }
        let p = profile(series, theta: theta)
        return Fit(term: try MeanTerm(theta: theta), mu: p.mu, sigma2: p.sigma2, logLikelihood: p.logLikelihood)
    }

    /// The profile log-likelihood at θ (μ and σ² at their maximisers given θ).
    static func profile(_ series: [[Double]], theta: Double) -> (logLikelihood: Double, mu: Double, sigma2: Double) {
        // Innovations algorithm in units of σ²: v_0 = 1 + θ², k_t = θ / v_{t−1},
        // v_t = 1 + θ² − θ k_t; the innovation of a series x is e_t = x_t − k_t e_{t−1}.
        // The innovations are linear in μ: e_t(μ) = a_t − μ b_t (a: of y, b: of the ones).
        var sab = 0.0, sbb = 0.0, saa = 0.0, logV = 0.0, n = 0
        for y in series {
            var v = 1 + theta * theta, ea = y[0], eb = 1.0
            for t in y.indices {
                if t > 0 {
                    let k = theta / v
                    v = 1 + theta * theta - theta * k
                    ea = y[t] - k * ea
                    eb = 1 - k * eb
                }
                sab += ea * eb / v; sbb += eb * eb / v; saa += ea * ea / v
                logV += Foundation.log(v)
            }
            n += y.count
        }
        let mu = sab / sbb
        let s = saa - mu * sab                                   // Σ (a − μ b)² / v at μ̂
        let sigma2 = s / Double(n)
        let ll = -0.5 * Double(n) * (Foundation.log(2 * Double.pi) + 1 + Foundation.log(sigma2)) - 0.5 * logV
        return (ll, mu, sigma2)
    }
}

/// The MA(1) state of a chunk of paths in `decode` (`MeanTerm`): each slot's previous draw.
struct MeanTermPaths {
    let term: MeanTerm
    var previous: [Double]

    /// `start`: u_{−1} of every slot (`VolatilityPlan.meanTermStart`).
    init?(_ term: MeanTerm?, start: Double, count: Int) {
        guard let term else { return nil }
        self.term = term
        previous = [Double](repeating: start, count: count)
    }

    /// The released return of slot `s` for the day whose return before the term is `r`, about
    /// `location`; a stale-price day (`zero`) stays 0.
    @inline(__always)
    mutating func output(_ r: Double, location m: Double, slot s: Int, zero: Bool) -> Double {
        let u = r - m
        defer { previous[s] = u }
        return zero ? 0 : m + term.apply(u, previous: previous[s])
    }
}

extension VolatilityModel {
    /// u_{−1} of prompted generation: the prompt's last innovation under `generationMeanTerm` about
    /// `location` (0 without a term or a prompt).
    func meanTermStart(prompt: [Double]?, location: Double) -> Double {
        guard let term = generationMeanTerm, let prompt else { return 0 }
        return term.lastInnovation(of: prompt.map { $0 - location })
    }

    /// Writes `generationMeanTerm` as the optional attributes `generation_mean_term_kind` ("ma1"),
    /// `generation_mean_term_version` (1) and `generation_mean_term_theta` (float64).
    func writeMeanTerm(_ attributes: inout [String: CheckpointValue]) {
        guard let t = generationMeanTerm else { return }
        attributes["generation_mean_term_kind"] = .string(MeanTerm.kind)
        attributes["generation_mean_term_version"] = .int(MeanTerm.version)
        attributes["generation_mean_term_theta"] = .double(t.theta)
    }

    /// Reads the attributes of `writeMeanTerm` (all three or none; absent: no term, the bits of
    /// checkpoints before session 15).
    mutating func readMeanTerm(_ section: CheckpointSection, _ r: CheckpointSectionReader) throws {
        let keys = ["generation_mean_term_kind", "generation_mean_term_version", "generation_mean_term_theta"]
        let present = keys.filter { section.attributes[$0] != nil }
        guard !present.isEmpty else { return }
        guard present.count == keys.count else {
            throw r.fail("attributes " + keys.map { "'\($0)'" }.joined(separator: ", ") + " must be given together "
                + "(found only " + present.joined(separator: ", ") + "); re-save the checkpoint, or remove them")
        }
        let kind = try r.string(keys[0]), version = try r.int(keys[1])
        guard kind == MeanTerm.kind else {
            throw r.fail("attribute '\(keys[0])' = '\(kind)': this library knows only '\(MeanTerm.kind)' (an MA(1) on "
                + "the generated returns)")
        }
        guard (1...MeanTerm.version).contains(version) else {
            throw r.fail("attribute '\(keys[1])' = \(version): this library reads versions 1...\(MeanTerm.version)")
        }
        do {
            generationMeanTerm = try MeanTerm(theta: try r.double(keys[2]))
        } catch TGFLError.invalidArgument(let m) {
            throw r.fail("attribute '\(keys[2])': \(m)")
        }
    }
}
