import Foundation

/// A monotone map of the generated z onto the z marginal of a public series (issue 19, session 16):
/// post-processing of a DP release with public information only, so ε does not change.
///
/// ```
/// e_0 < … < e_V       the tokenizer's bin edges (z units)
/// n_k                 token counts of unconditional pilot paths of the trained model
///                     (`ZMarginalMap.pilotPaths` × `pilotHorizon`, seed `pilotSeed`)
/// C_k = Σ_{j<k} n_j / Σ n_j          the pilot's z CDF at edge k (uniform within bins)
/// y_k = Q_pub(C_k)    NumPy's default (linear, type 7) quantile of the public series' z under
///                     the model's own filter, z_t = (r_t − μ)/σ_t
/// T(z) = y_k + (z − e_k)/(e_{k+1} − e_k) · (y_{k+1} − y_k)   for e_k ≤ z ≤ e_{k+1}
///        (T(z) = y_0 below e_0, y_V above e_V)
/// ```
/// Unconditional generation without a prompt uses T(z) in place of z (after the t tails,
/// `ZTail`, before the sign scales, `ZSignScales`) in the return and the volatility recursion;
/// the network's next input stays the sampled token, so its conditioning is unchanged and the
/// draws are the same (no extra random number: the same bits for any thread count).
///
/// Why (BENCHMARKS.md "Privacy: the last target, session 16 (dp19)"): the DP-trained network's
/// pooled z marginal moves from seed to seed with the noise (its 99.9 % quantile 3.4–3.6 against
/// 2.95 for the S&P 500 and 3.2 for the Dow Jones 1999–2018 under one filter), so the one-day
/// distribution's KS distance to the members' series is larger than that of the public series
/// rescaled. T keeps the network's ranking of z (its dependence and conditional variation) and
/// gives the pooled draws the public marginal. The pilot counts are a function of the DP model,
/// the target of public data: post-processing, ε unchanged. Set only by federated training with
/// public data models (`FederatedTrainingOptions.publicZMarginal`, on by default; `tgfl federate
/// --no-public-z-marginal` turns it off); every other model (central training, federations
/// without public data, checkpoints written before) has none and generates the same bits as before.
public struct ZMarginalMap: Equatable, Sendable {
    /// `generation_z_marginal_version` of the checkpoint.
    public static let version = 1
    /// Pilot paths, days and seed of the counts n_k (those of the volatility calibration).
    public static let pilotPaths = 512, pilotHorizon = 250
    public static let pilotSeed: UInt64 = 0

    /// y_0 … y_V, the values of T at the tokenizer's bin edges (finite, nondecreasing).
    public let targets: [Double]

    /// - Throws: `TGFLError.invalidArgument` for fewer than 2 values or values not finite and nondecreasing.
    public init(targets: [Double]) throws {
        guard targets.count >= 2 else {
            throw TGFLError.invalidArgument("the z marginal map needs one value per bin edge (≥ 2), got \(targets.count)")
        }
        for (i, y) in targets.enumerated() where !y.isFinite || (i > 0 && y < targets[i - 1]) {
            throw TGFLError.invalidArgument(
                "the z marginal map's value \(i) (\(y)) must be finite and not below the one before it")
        }
        self.targets = targets
    }

    /// Fits T (see the type).
    /// - Parameters:
    ///   - counts: n_0 … n_{V−1}, the pilot's token counts (≥ 0, not all 0).
    ///   - publicZ: the public series' standardized residuals (at least 20, finite).
    /// - Throws: `TGFLError.invalidArgument` naming the bad input.
    public static func fit(counts: [Int], publicZ: [Double]) throws -> ZMarginalMap {
        let total = counts.reduce(0, +)
        guard !counts.isEmpty, counts.allSatisfy({ $0 >= 0 }), total > 0 else {
            throw TGFLError.invalidArgument("the z marginal map needs nonnegative pilot token counts, not all 0")
        }
        guard publicZ.count >= 20, publicZ.allSatisfy(\.isFinite) else {
            throw TGFLError.invalidArgument(
                "the z marginal map needs at least 20 finite public residuals, got \(publicZ.count)")
        }
        let sorted = publicZ.sorted()
        var running = 0, targets = [quantile(sorted, 0)]
        for n in counts {
            running += n
            targets.append(quantile(sorted, Double(running) / Double(total)))
        }
        return try ZMarginalMap(targets: targets)
    }

    /// NumPy's linear (type 7) quantile of sorted values at p in [0, 1].
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * min(1, max(0, p))
        let i = min(Int(h), sorted.count - 1)
        guard i + 1 < sorted.count else { return sorted[i] }
        return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
    }

    /// T(z) on the tokenizer's edges (`edges.count == targets.count`).
    @inline(__always)
    public func apply(_ z: Double, edges: [Double]) -> Double {
        let V = edges.count - 1
        if z <= edges[0] { return targets[0] }
        if z >= edges[V] { return targets[V] }
        var lo = 0, hi = V   // edges[lo] < z < edges[hi]
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if edges[mid] <= z { lo = mid } else { hi = mid }
        }
        let w = (z - edges[lo]) / (edges[lo + 1] - edges[lo])
        return targets[lo] + w * (targets[lo + 1] - targets[lo])
    }
}

extension VolatilityModel {
    /// Writes `generation_z_marginal_version` and the dataset `generation_z_marginal_targets` [V+1].
    func writeZMarginal(_ attributes: inout [String: CheckpointValue], _ datasets: inout [String: [Double]]) {
        guard let m = generationZMarginal else { return }
        attributes["generation_z_marginal_version"] = .int(ZMarginalMap.version)
        datasets["generation_z_marginal_targets"] = m.targets
    }

    /// Reads them (both or neither).
    mutating func readZMarginal(_ section: CheckpointSection, _ r: CheckpointSectionReader) throws {
        let hasVersion = section.attributes["generation_z_marginal_version"] != nil
        let values = section.datasets["generation_z_marginal_targets"]
        guard hasVersion || values != nil else { return }
        guard hasVersion, let values else {
            throw r.fail("attribute 'generation_z_marginal_version' and dataset 'generation_z_marginal_targets' "
                         + "must be given together (re-save the checkpoint, or remove both)")
        }
        let v = try r.int("generation_z_marginal_version")
        guard v == ZMarginalMap.version else {
            throw r.fail("generation_z_marginal_version \(v) is not supported (this build reads \(ZMarginalMap.version))")
        }
        do {
            generationZMarginal = try ZMarginalMap(targets: values)
        } catch TGFLError.invalidArgument(let m) {
            throw r.fail("dataset 'generation_z_marginal_targets': \(m)")
        }
    }
}

extension ScenarioModel {
    /// Fits and sets the z marginal map of a v2 model onto `publicSeries`' residuals under the
    /// model's filter (see `ZMarginalMap`), from unconditional pilot paths of the model as it is
    /// (any map it had removed first).
    /// - Returns: the map.
    /// - Throws: `TGFLError.invalidArgument` for a model without a volatility state, or bad public data.
    @discardableResult
    public func setPublicZMarginal(publicSeries: [[Double]], threads: Int? = nil) throws -> ZMarginalMap {
        guard let models = dataModels, var v = models.volatility else {
            throw TGFLError.invalidArgument("the z marginal map needs a fitted model v2 (a volatility state)")
        }
        v.generationZMarginal = nil
        try setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
        var z: [Double] = []
        for s in publicSeries {
            let variances = v.variances(s)
            for (r, h) in zip(s, variances) { z.append((r - v.garch.mu) / h.squareRoot()) }
        }
        let tokens = try generateRaw(GenerationOptions(paths: ZMarginalMap.pilotPaths, horizon: ZMarginalMap.pilotHorizon,
                                                       regime: .unconditional, seed: ZMarginalMap.pilotSeed,
                                                       threads: threads),
                                     record: true, progress: nil).tokens
        var counts = [Int](repeating: 0, count: models.tokenizer.vocabSize)
        for t in tokens { counts[Int(t)] += 1 }
        let map = try ZMarginalMap.fit(counts: counts, publicZ: z)
        v.generationZMarginal = map
        try setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
        return map
    }
}
