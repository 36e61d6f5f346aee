import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// Issue 16: the volatility state conditional generation starts from, the refitted filter and
/// the shrunk level priors, against `arch` and NumPy
/// (`Tests/Fixtures/make_conditional_volatility_reference.py`).
final class ConditionalVolatilityTests: XCTestCase {
    struct Refit: Decodable { let sigma: Double; let persistence: Double }
    struct LevelPrior: Decodable { let counts: [[Int]]; let floor: Double; let log_p: [String: [[Double]]] }
    struct Reference: Decodable {
        let params: [String: Double]
        let days: [Int]
        let prompt_days: Int
        let sigma: [Double]
        let refit: [Refit]
        let level_prior: LevelPrior
    }

    func reference() throws -> Reference { try loadJSONFixture("conditional_volatility_reference.json") }

    /// A tiny v2 model whose volatility filter has the fixture's parameters (bounds wide open).
    func model(_ ref: Reference) throws -> ScenarioModel { try Self.model(params: ref.params) }

    /// A tiny v2 model (random weights) whose volatility filter has GJR-t parameters `params`
    /// (mu, omega, alpha, gamma, beta, nu; bounds wide open).
    static func model(params p: [String: Double]) throws -> ScenarioModel {
        let m = try makeFittedModel(VolatilityModelTests.tinyV2, seed: 4, weightScale: 0.3)
        let trained = try XCTUnwrap(m.dataModels), v = try XCTUnwrap(trained.volatility)
        let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: p["mu"]!, omega: p["omega"]!,
                                   alpha: p["alpha"]!, gamma: p["gamma"]!, beta: p["beta"]!, nu: p["nu"]!, lambda: nil)
        let filter = try VolatilityModel(garch: garch, levelEdges: v.levelEdges, regimeVariances: v.regimeVariances,
                                         initialLogSigmaQuantiles: v.initialLogSigmaQuantiles, sigmaFloor: 1e-6, sigmaCap: 1)
        try m.setDataModels(DataModels(tokenizer: trained.tokenizer, regimes: trained.regimes, volatility: filter))
        return m
    }

    var dax: [Double] { get throws { try MarketData.bundled(.euStocks).logReturns("dax").values } }

    /// σ_t of each forecast day is arch's one-step forecast after the same 1,000-day prompt (the
    /// prompt's last return included; one day off would be ~6 % away on the DAX), and a one-day
    /// path's return is μ + σ_t · z with z inside the tokenizer's range.
    func testStartVolatilityIsArchsForecastAfterThePrompt() throws {
        let ref = try reference()
        let m = try model(ref)
        let o = ConditionalGenerationOptions(paths: 40, horizon: 1, promptDays: ref.prompt_days, seed: 3, threads: 2)
        let s = try m.generateConditional(history: try dax, days: ref.days, options: o)
        let sigmas = try XCTUnwrap(s.startVolatilities)
        for (k, t) in ref.days.enumerated() {
            assertClose(sigmas[k], ref.sigma[k], rtol: 1e-9, "σ of day \(t)")
            let tok = try XCTUnwrap(m.tokenizer)
            for r in s.returns[k] {
                XCTAssertTrue(tok.range.contains((r - ref.params["mu"]!) / sigmas[k]), "day \(t): z of \(r)")
            }
        }
    }

    /// With the filter refitted on each prompt, σ_t follows arch's own GJR-t fit of that prompt
    /// (the optimisers agree to ~1e-3), and differs from the fixed filter's by more than that.
    func testRefittedFilterFollowsArchsFitOfThePrompt() throws {
        let ref = try reference()
        let m = try model(ref)
        let o = ConditionalGenerationOptions(paths: 8, horizon: 1, promptDays: ref.prompt_days, seed: 3, threads: 2,
                                             refitVolatilityEvery: 1)
        let s = try m.generateConditional(history: try dax, days: ref.days, options: o)
        let sigmas = try XCTUnwrap(s.startVolatilities)
        for (k, t) in ref.days.enumerated() {
            assertClose(sigmas[k], ref.refit[k].sigma, rtol: 5e-3, "refitted σ of day \(t)")
            XCTAssertGreaterThan(abs(ref.refit[k].sigma / ref.sigma[k] - 1), 0.01, "the fixture tells the two apart (2 × rtol)")
        }
        // Refitting every 2nd day: the second day keeps the first day's filter.
        var every2 = o
        every2.refitVolatilityEvery = 2
        let s2 = try m.generateConditional(history: try dax, days: [1600, 1858], options: every2)
        assertClose(s2.startVolatilities![0], ref.refit[2].sigma, rtol: 5e-3, "day 1600 refitted")
        XCTAssertGreaterThan(abs(s2.startVolatilities![1] / ref.refit[3].sigma - 1), 1e-4, "day 1858 not refitted")
        assertThrows(containing: ["refitVolatilityEvery must be at least 1"]) {
            var bad = o
            bad.refitVolatilityEvery = 0
            return try m.generateConditional(history: try dax, days: [1600], options: bad)
        }
    }

    /// The level priors are each level's variance-preserving prior mixed with the pooled one.
    func testLevelPriorsShrinkTowardsThePooledPrior() throws {
        let ref = try reference().level_prior
        for (key, rows) in ref.log_p {
            let got = try TokenPrior.levelLogProbabilities(counts: ref.counts, floor: ref.floor, shrinkage: Double(key)!)
            for (l, row) in rows.enumerated() {
                for (k, v) in row.enumerated() { assertClose(got[l][k], v, rtol: 1e-9, "κ \(key) level \(l) token \(k)") }
            }
        }
        assertThrows(containing: ["shrinkage κ = -1.0"]) {
            try TokenPrior.levelLogProbabilities(counts: ref.counts, floor: 0.1, shrinkage: -1)
        }
    }
}
