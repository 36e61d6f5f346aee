/// The distances between real and synthetic returns aggregated over one horizon.
public struct HorizonDistance: Sendable, Codable, Equatable {
    /// Block length `h` in days.
    public var horizon: Int
    /// Number of real and synthetic `h`-day returns compared.
    public var realCount: Int
    /// See `realCount`.
    public var syntheticCount: Int
    /// `Distances.wasserstein1` of the `h`-day returns.
    public var wasserstein1: Double
    /// `Distances.energy` of the `h`-day returns.
    public var energy: Double
    /// `Distances.mmdSquared` (unbiased MMD², RBF, median heuristic) and its bandwidth.
    public var mmd2: Double
    /// The RBF bandwidth of `mmd2`.
    public var mmdBandwidth: Double
    /// `Distances.dragulescuYakovenko` with the default bin count for `realCount`.
    public var dy: Double

    /// Stable snake_case JSON keys.
    enum CodingKeys: String, CodingKey {
        case horizon
        case realCount = "real_count"
        case syntheticCount = "synthetic_count"
        case wasserstein1
        case energy
        case mmd2
        case mmdBandwidth = "mmd_bandwidth"
        case dy
    }
}

extension Distances {
    /// The standard horizons of Wiese et al. (2020, §6.2): 1, 5, 20 and 100 days.
    public static let standardHorizons = [1, 5, 20, 100]

    /// W₁, energy, MMD² and DY distances between real and synthetic returns at each horizon,
    /// on non-overlapping aggregated returns.
    ///
    /// ```
    /// for each h:  R_h = AggregatedReturns.blocks(real, h)            (one long path)
    ///              S_h = AggregatedReturns.pooledBlocks(synthetic, h)  (blocks within each path)
    ///              W₁(R_h, S_h), energy(R_h, S_h), MMD²_u(R_h, S_h), DY(R_h, S_h)
    /// ```
    /// (Wiese et al. 2020, "Quant GANs", §6.2: EMD and DY at t ∈ {1, 5, 20, 100}.)
    ///
    /// - Parameters:
    ///   - real: the real daily log returns, one path.
    ///   - synthetic: the synthetic paths of daily log returns.
    ///   - horizons: block lengths (each ≥ 1); default `standardHorizons`.
    ///   - mmd: MMD subsample options (the seed is shared by every horizon).
    ///   - dyBins: DY bin count; `nil` for `defaultDYBins(realCount:)` at each horizon.
    /// - Returns: one `HorizonDistance` per horizon, in the given order.
    /// - Throws: `StatsError.emptyInput`, `.nonFinite` (naming path and index), `.tooShort` if
    ///   the real series gives fewer than 2 blocks or any synthetic path is shorter than a
    ///   horizon, `.invalidParameter` for a horizon < 1 or an empty horizon list.
    public static func atHorizons(real: [Double], synthetic: [[Double]],
                                  horizons: [Int] = standardHorizons,
                                  mmd: MMDOptions = MMDOptions(),
                                  dyBins: Int? = nil) throws -> [HorizonDistance] {
        guard !horizons.isEmpty else { throw StatsError.invalidParameter("horizons is empty; give at least one horizon") }
        return try horizons.map { h in
            guard h >= 1 else { throw StatsError.invalidParameter("horizon must be at least 1, got \(h)") }
            try Check.finite(real, "real", atLeast: 2 * h, for: "two \(h)-day returns")
            let r = AggregatedReturns.blockSums(real, h)
            let s = try AggregatedReturns.pooledBlocks(of: synthetic, horizon: h)
            let cdf = cdfDistances(sortedU: r.sorted(), sortedV: s.sorted())
            let m: MMDResult
            if s.count >= 2 {
                m = try mmdSquared(r, s, options: mmd)
            } else {
                throw StatsError.tooShort("synthetic gives \(s.count) \(h)-day return(s); MMD² needs at least 2")
            }
            let dy = try dragulescuYakovenko(real: r, synthetic: s, bins: dyBins)
            return HorizonDistance(horizon: h, realCount: r.count, syntheticCount: s.count,
                                   wasserstein1: cdf.wasserstein1, energy: cdf.energy,
                                   mmd2: m.mmd2, mmdBandwidth: m.bandwidth, dy: dy)
        }
    }
}
