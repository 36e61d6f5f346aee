import Foundation

/// A stochastic model of daily log returns that can simulate paths: GBM, GARCH(1,1),
/// Markov regime switching, Merton jump diffusion.
///
/// Implementers supply only `validate()` and the per-path rule `path(length:using:)`;
/// `paths(count:length:seed:)` runs them with one independent `SeededRNG` stream per path
/// (`SeededRNG(seed: seed, stream: p)`), so path `p` is the same whatever `count` is and
/// however the work is split.
public protocol SyntheticReturnModel: Sendable {
    /// Checks the parameters.
    /// - Throws: `TGFLError.invalidArgument` naming the parameter and its valid range.
    func validate() throws

    /// One path of `length` log returns, drawn from `rng`. Parameters are already validated.
    func path(length: Int, using rng: inout SeededRNG) -> [Double]
}

extension SyntheticReturnModel {
    /// Simulates `count` independent paths of `length` log returns.
    ///
    /// - Parameters:
    ///   - count: number of paths, ≥ 1.
    ///   - length: returns per path, ≥ 1.
    ///   - seed: the seed; path `p` uses stream `p` of it.
    /// - Returns: `count × length` log returns (`result[p][t]`).
    /// - Throws: `TGFLError.invalidArgument` for bad parameters, count or length.
    public func paths(count: Int, length: Int, seed: UInt64) throws -> [[Double]] {
        try validate()
        try checkPathShape(count: count, length: length)
        return (0..<count).map { p in
            var rng = SeededRNG(seed: seed, stream: UInt64(p))
            return path(length: length, using: &rng)
        }
    }
}

func checkPathShape(count: Int, length: Int) throws {
    guard count >= 1 else { throw TGFLError.invalidArgument("path count must be ≥ 1, got \(count)") }
    guard length >= 1 else { throw TGFLError.invalidArgument("path length must be ≥ 1, got \(length)") }
}

/// Throws unless `value` is finite and satisfies `ok`; `range` describes the valid values.
func checkParameter(_ name: String, _ value: Double, _ range: String,
                    _ ok: (Double) -> Bool) throws {
    guard value.isFinite, ok(value) else {
        throw TGFLError.invalidArgument("\(name) = \(value) is invalid: it must be \(range)")
    }
}
