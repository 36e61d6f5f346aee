import Foundation

/// A Markov regime-switching model: a hidden K-state Markov chain picks each day's
/// normal distribution.
///
/// ```
/// s_t ~ P[s_{t-1}, ·],   s_1 ~ π (the stationary distribution, πP = π, Σπ = 1)
/// r_t | s_t = k  ~  N(μ_k, σ_k²)
/// E[r] = Σ π_k μ_k,   Var[r] = Σ π_k (σ_k² + μ_k²) − (Σ π_k μ_k)²
/// ```
/// Starting from π makes every day's marginal law the stationary mixture.
/// Reference: Hamilton (1989), "A new approach to the economic analysis of nonstationary
/// time series and the business cycle"; `statsmodels` `MarkovRegression`.
public struct MarkovSwitchingModel: SyntheticReturnModel, Equatable {
    /// P: K×K transition matrix, `transition[i][j]` = P(s_t = j | s_{t-1} = i); rows sum to 1.
    public var transition: [[Double]]
    /// μ_k: mean return in each state.
    public var means: [Double]
    /// σ_k > 0: return standard deviation in each state.
    public var stds: [Double]

    /// - Parameters:
    ///   - transition: K×K row-stochastic matrix, K ≥ 1.
    ///   - means: K state means.
    ///   - stds: K state standard deviations, > 0.
    public init(transition: [[Double]], means: [Double], stds: [Double]) {
        self.transition = transition; self.means = means; self.stds = stds
    }

    /// A two-state calm/turbulent example resembling daily equity returns.
    public static let calmTurbulent = MarkovSwitchingModel(
        transition: [[0.99, 0.01], [0.04, 0.96]], means: [0.0006, -0.001], stds: [0.007, 0.022])

    /// Number of states K.
    public var stateCount: Int { means.count }

    /// - Throws: `TGFLError.invalidArgument` for a non-square or non-stochastic matrix (naming
    ///   the row), mismatched lengths, non-positive σ, or a chain without a unique stationary
    ///   distribution.
    public func validate() throws {
        let k = means.count
        guard k >= 1 else { throw TGFLError.invalidArgument("means is empty: need at least one state") }
        guard stds.count == k, transition.count == k else {
            throw TGFLError.invalidArgument("need K×K transition, K means, K stds; got "
                + "\(transition.count) rows, \(k) means, \(stds.count) stds")
        }
        for (i, row) in transition.enumerated() {
            guard row.count == k else {
                throw TGFLError.invalidArgument("transition row \(i) has \(row.count) entries, expected \(k)")
            }
            guard row.allSatisfy({ $0.isFinite && $0 >= 0 }), abs(row.reduce(0, +) - 1) <= 1e-9 else {
                throw TGFLError.invalidArgument(
                    "transition row \(i) = \(row) is not a probability vector (entries ≥ 0, sum 1)")
            }
        }
        for i in 0..<k {
            try checkParameter("means[\(i)]", means[i], "finite") { _ in true }
            try checkParameter("stds[\(i)]", stds[i], "> 0") { $0 > 0 }
        }
        _ = try stationaryDistribution()
    }

    /// The stationary distribution π with πP = π, Σπ = 1, by solving
    /// `(Pᵀ − I) π = 0` with the last equation replaced by `Σ π = 1` (Gaussian elimination,
    /// partial pivoting).
    /// - Returns: π, K probabilities.
    /// - Throws: `TGFLError.invalidArgument` if the chain has no unique stationary law
    ///   (e.g. it is reducible).
    public func stationaryDistribution() throws -> [Double] {
        let k = transition.count
        var a = (0..<k).map { i in (0..<k).map { j in transition[j][i] - (i == j ? 1 : 0) } }
        var b = Array(repeating: 0.0, count: k)
        a[k - 1] = Array(repeating: 1.0, count: k)
        b[k - 1] = 1
        for col in 0..<k {
            guard let pivot = (col..<k).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }),
                  abs(a[pivot][col]) > 1e-12 else {
                throw TGFLError.invalidArgument(
                    "the transition matrix has no unique stationary distribution (reducible chain): "
                    + "make every state reachable from every other")
            }
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for row in 0..<k where row != col {
                let f = a[row][col] / a[col][col]
                if f == 0 { continue }
                for j in col..<k { a[row][j] -= f * a[col][j] }
                b[row] -= f * b[col]
            }
        }
        let pi = (0..<k).map { max(0, b[$0] / a[$0][$0]) }
        let total = pi.reduce(0, +)
        return pi.map { $0 / total }
    }

    /// E[r] = Σ π_k μ_k under the stationary law.
    public func meanReturn() throws -> Double {
        let pi = try stationaryDistribution()
        return zip(pi, means).map { $0 * $1 }.reduce(0, +)
    }

    /// Var[r] = Σ π_k (σ_k² + μ_k²) − (Σ π_k μ_k)², the stationary mixture variance.
    public func returnVariance() throws -> Double {
        let pi = try stationaryDistribution()
        let m = try meanReturn()
        return (0..<stateCount).map { pi[$0] * (stds[$0] * stds[$0] + means[$0] * means[$0]) }
            .reduce(0, +) - m * m
    }

    public func path(length: Int, using rng: inout SeededRNG) -> [Double] {
        simulateOne(length: length, using: &rng).returns
    }

    /// Simulates paths and their hidden states (same streams as `paths(count:length:seed:)`).
    /// - Parameters:
    ///   - count: number of paths, ≥ 1.
    ///   - length: days per path, ≥ 1.
    ///   - seed: the seed.
    /// - Returns: returns and states, each `count × length`.
    /// - Throws: `TGFLError.invalidArgument` for invalid parameters or shape.
    public func pathsWithStates(count: Int, length: Int, seed: UInt64) throws
        -> (returns: [[Double]], states: [[Int]]) {
        try validate()
        try checkPathShape(count: count, length: length)
        var returns: [[Double]] = [], states: [[Int]] = []
        for p in 0..<count {
            var rng = SeededRNG(seed: seed, stream: UInt64(p))
            let one = simulateOne(length: length, using: &rng)
            returns.append(one.returns); states.append(one.states)
        }
        return (returns, states)
    }

    private func simulateOne(length: Int, using rng: inout SeededRNG) -> (returns: [Double], states: [Int]) {
        // validate() has run, so the stationary law exists.
        let pi = (try? stationaryDistribution()) ?? Array(repeating: 1 / Double(stateCount), count: stateCount)
        var state = rng.categorical(pi)
        var returns = [Double](), states = [Int]()
        returns.reserveCapacity(length); states.reserveCapacity(length)
        for t in 0..<length {
            if t > 0 { state = rng.categorical(transition[state]) }
            states.append(state)
            returns.append(means[state] + stds[state] * rng.normal())
        }
        return (returns, states)
    }
}
