import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The MA(1) mean term of generation (issue 19, session 15): the fit against statsmodels
/// (`Tests/Fixtures/make_mean_term_reference.py`), its checkpoint keys, and what generation does
/// with it (unconditional, under a regime, after a prompt).
final class MeanTermTests: XCTestCase {
    struct Case: Decodable {
        let theta: Double, mu: Double, sigma2: Double, llf: Double, theta_moments: Double
        let series: [Double]?
    }
    struct Reference: Decodable { let cases: [String: Case] }

    /// The log returns between the bundled Dow Jones' prices dated 1999-01-01 … 2018-12-31 (as
    /// `Benchmarks/privacy_tradeoff.py` writes djia_1999_2018.csv: the first return is 1999-01-05's).
    static func djia1999to2018() throws -> [Double] {
        let s = try MarketData.bundled(.djia).logReturns()
        let dates = try XCTUnwrap(s.dates)
        let first = try TradingDate(year: 1999, month: 1, day: 1), last = try TradingDate(year: 2018, month: 12, day: 31)
        return Array(zip(dates, s.values).filter { $0.0 >= first && $0.0 <= last }.map(\.1).dropFirst())
    }

    /// θ, μ, σ² and the log-likelihood of the exact Gaussian MA(1) fit equal statsmodels' ARIMA(0,0,1)
    /// with a constant on a simulated series, a short one and the public Dow Jones 1999–2018; the
    /// method-of-moments θ (session 14's emulation) would not pass.
    func testFitMatchesStatsmodels() throws {
        let ref: Reference = try loadJSONFixture("mean_term_reference.json")
        for (name, c) in ref.cases.sorted(by: { $0.key < $1.key }) {
            let y = try c.series ?? Self.djia1999to2018()
            if c.series == nil { XCTAssertEqual(y.count, 5030, name) }
            let fit = try MeanTerm.fit([y])
            XCTAssertEqual(fit.term.theta, c.theta, accuracy: 2e-5, name)
            XCTAssertEqual(fit.mu, c.mu, accuracy: 1e-3 * c.sigma2.squareRoot(), name)
            XCTAssertEqual(fit.sigma2, c.sigma2, accuracy: 1e-4 * c.sigma2, name)
            XCTAssertEqual(fit.logLikelihood, c.llf, accuracy: 1e-4, name)
            XCTAssertGreaterThan(abs(c.theta_moments - c.theta), 1e-3, "\(name): the moments θ is not the fit")
        }
        // Two series: one θ, the likelihoods summed (each the exact one of its own).
        let s = try XCTUnwrap(ref.cases["simulated"]?.series)
        let halves = [Array(s[..<1000]), Array(s[1000...])]
        let pooled = try MeanTerm.fit(halves)
        let sum = MeanTerm.profile([halves[0]], theta: pooled.term.theta).logLikelihood
            + MeanTerm.profile([halves[1]], theta: pooled.term.theta).logLikelihood
        XCTAssertGreaterThanOrEqual(sum, pooled.logLikelihood - 1e-9)   // the shared μ, σ² cost likelihood
        XCTAssertLessThan(sum - pooled.logLikelihood, 5, "one μ, σ² fit both halves of one process")
        XCTAssertEqual(pooled.term.theta, try XCTUnwrap(ref.cases["simulated"]).theta, accuracy: 0.01)
    }

    /// Bad input: a short or non-finite series names it; |θ| ≥ 1 is refused.
    func testFitErrors() throws {
        XCTAssertThrowsError(try MeanTerm.fit([[0.01, 0.02]], names: ["public"])) {
            XCTAssertTrue("\($0)".contains("series 'public' has 2 returns"), "\($0)")
        }
        XCTAssertThrowsError(try MeanTerm.fit([[0.01, .nan, 0.02, 0.0]])) {
            XCTAssertTrue("\($0)".contains("non-finite return at index 1"), "\($0)")
        }
        XCTAssertThrowsError(try MeanTerm.fit([[Double](repeating: 0.001, count: 50)])) {
            XCTAssertTrue("\($0)".contains("no variance"), "\($0)")
        }
        XCTAssertThrowsError(try MeanTerm(theta: 1)) { XCTAssertTrue("\($0)".contains("|theta| < 1"), "\($0)") }
        XCTAssertThrowsError(try MeanTerm(theta: .nan))
    }

    /// The optional attributes: written with a term and read back equal; absent → nil (older
    /// checkpoints); kept by `refitted(on:)`; a partial set, another kind or version, or |θ| ≥ 1 →
    /// a clear error.
    func testCheckpointKeys() throws {
        let m = try ConditionalVolatilityTests.model(params: Self.params)
        var v = try XCTUnwrap(m.volatilityModel)
        let S = v.levels, R = m.config.nRegimes
        XCTAssertNil(v.checkpointSection.attributes["generation_mean_term_theta"])
        XCTAssertNil(try VolatilityModel(checkpointSection: v.checkpointSection, levels: S, regimes: R).generationMeanTerm)
        v.generationMeanTerm = try MeanTerm(theta: -0.0711)
        let section = v.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        // The backtest's refit of the filter keeps it (a property of the returns).
        let recent = Array(try MarketData.bundled(.siemens).logReturns("log_return").values[..<600])
        XCTAssertEqual(try v.refitted(on: recent).generationMeanTerm, v.generationMeanTerm)
        func refused(_ edit: (inout CheckpointSection) -> Void, _ message: String) {
            var bad = section
            edit(&bad)
            XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
        refused({ $0.attributes["generation_mean_term_version"] = nil }, "must be given together")
        refused({ $0.attributes["generation_mean_term_kind"] = .string("ar1") }, "knows only 'ma1'")
        refused({ $0.attributes["generation_mean_term_version"] = .int(2) }, "reads versions 1...1")
        refused({ $0.attributes["generation_mean_term_theta"] = .double(1.5) }, "|theta| < 1")
    }

    /// The `/volatility` section's version names what a reader that ignores a key would lose:
    /// 1 without the session-15/16 keys (binaries before session 17 read it), 2 with the mean
    /// term, the z marginal map or an upper-tail ν of its own (those binaries refuse it by version
    /// instead of generating without them). Version-1 files that carry the keys (written by
    /// sessions 15–16) still load with them; a version this build does not know is refused.
    func testSectionVersionNamesKeysOlderReadersWouldIgnore() throws {
        let m = try ConditionalVolatilityTests.model(params: Self.params)
        let plain = try XCTUnwrap(m.volatilityModel)
        let S = plain.levels, R = m.config.nRegimes
        func version(_ v: VolatilityModel) -> CheckpointValue? { v.checkpointSection.attributes["version"] }
        XCTAssertEqual(version(plain), .int(1))
        var v = plain
        v.generationZTail = try ZTail(probability: 0.01, nu: 5)
        XCTAssertEqual(version(v), .int(1), "one ν for both tails is session 14's key set")
        v.generationZTail = try ZTail(probability: 0.01, nu: 5, upperNu: 7)
        XCTAssertEqual(version(v), .int(2))
        v = plain
        v.generationZMarginal = try ZMarginalMap(targets: (0...m.config.vocabSize).map { Double($0) / 100 - 20 })
        XCTAssertEqual(version(v), .int(2))
        v = plain
        v.generationMeanTerm = try MeanTerm(theta: -0.0711)
        XCTAssertEqual(version(v), .int(2))
        var section = v.checkpointSection
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        section.attributes["version"] = .int(1)
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R).generationMeanTerm,
                       v.generationMeanTerm, "a session-15/16 file (version 1 with the keys) loads as written")
        section.attributes["version"] = .int(3)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("version 3 of 'gjr_garch_levels' is not supported"), "\($0)")
        }
    }

    static let params = ["mu": 4.0e-4, "omega": 3.0e-6, "alpha": 0.05, "gamma": 0.06, "beta": 0.90, "nu": 5.0]

    /// The model of `ConditionalVolatilityTests.model` with the term θ (nil: none).
    static func model(theta: Double?) throws -> ScenarioModel {
        let m = try ConditionalVolatilityTests.model(params: params)
        let models = try XCTUnwrap(m.dataModels)
        var v = try XCTUnwrap(models.volatility)
        v.generationMeanTerm = try theta.map { try MeanTerm(theta: $0) }
        try m.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
        return m
    }

    /// r_d = μ + c·(u_d + θ·u_{d−1}) with u the returns of the same model without the term (same seed,
    /// same draws), u_{−1} = `start`, per path (`paths × H`).
    static func filtered(_ u: [[Double]], mu: Double, theta: Double, start: Double) -> [[Double]] {
        let c = 1 / (1 + theta * theta).squareRoot()
        return u.map { path in
            var previous = start
            return path.map { r in
                defer { previous = r - mu }
                return r == 0 ? 0 : mu + c * ((r - mu) + theta * previous)
            }
        }
    }

    /// Unconditional and regime-conditioned generation: with the term the paths are exactly the
    /// filtered paths of the model without it (the network and the recursion see the same draws),
    /// and their lag-1 autocorrelation moves by θ/(1 + θ²) within its sampling error; the same
    /// bits for 1 and 3 threads. Fails without the term in `decode`.
    func testGenerationAppliesTheTerm() throws {
        let theta = -0.3
        let plain = try Self.model(theta: nil), ma = try Self.model(theta: theta)
        let v = try XCTUnwrap(plain.volatilityModel)
        for regime in [RegimeCondition.unconditional, .fixed(1)] {
            let options = GenerationOptions(paths: 96, horizon: 40, regime: regime, seed: 11, threads: 1)
            let before = try plain.generate(options).returns, after = try ma.generate(options).returns
            let mu = v.location(regime: regime == .unconditional ? nil : 0)
            let expected = Self.filtered(before, mu: mu, theta: theta, start: 0)
            for (p, (a, e)) in zip(after, expected).enumerated() {
                assertClose(a, e, rtol: 1e-12, atol: 1e-15, "\(regime) path \(p)")
            }
            var threaded = options
            threaded.threads = 3
            XCTAssertEqual(try ma.generate(threaded).returns, after, "\(regime): the same bits for any thread count")
            func lag1(_ paths: [[Double]]) -> Double {
                let all = paths.flatMap { $0 }, m = all.reduce(0, +) / Double(all.count)
                var num = 0.0, den = 0.0
                for path in paths {
                    for d in path.indices { den += (path[d] - m) * (path[d] - m) }
                    for d in 1..<path.count { num += (path[d] - m) * (path[d - 1] - m) }
                }
                return num / den
            }
            let moved = lag1(after) - lag1(before)
            // sd of a lag-1 autocorrelation over 96 × 39 pairs ≈ 1/√3744 ≈ 0.016
            XCTAssertEqual(moved, theta / (1 + theta * theta), accuracy: 0.06, "\(regime): lag-1 moved by \(moved)")
        }
    }

    /// Prompted generation: the prompt's last innovation under the term, u_t = (p_t − μ)/c − θ·u_{t−1}
    /// over all prompt days, seeds u_{−1}; the rest as without a prompt.
    func testPromptSeedsTheState() throws {
        let theta = -0.3
        let plain = try Self.model(theta: nil), ma = try Self.model(theta: theta)
        let v = try XCTUnwrap(plain.volatilityModel)
        let prompt = Array(try MarketData.bundled(.siemens).logReturns("log_return").values[1000..<1090])
        let options = GenerationOptions(paths: 24, horizon: 12, regime: .unconditional, prompt: prompt, seed: 5, threads: 2)
        let before = try plain.generate(options).returns, after = try ma.generate(options).returns
        let mu = v.location(regime: nil), c = 1 / (1 + theta * theta).squareRoot()
        var start = 0.0
        for p in prompt { start = (p - mu) / c - theta * start }
        XCTAssertGreaterThan(abs(c * theta * start), 1e-5, "the prompt's state matters on day 0")
        let expected = Self.filtered(before, mu: mu, theta: theta, start: start)
        for (p, (a, e)) in zip(after, expected).enumerated() {
            assertClose(a, e, rtol: 1e-12, atol: 1e-15, "path \(p)")
        }
        XCTAssertEqual(v.meanTermStart(prompt: prompt, location: mu), 0, "no term: no state")
    }
}
