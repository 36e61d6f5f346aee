import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// Issue 16's walk-forward refit of TGFL's volatility filter (`VolatilityModel.refitted(on:)`,
/// `tgfl backtest --refit-every`) and the count of forecast days whose σ_t sat at the bounds,
/// against `arch` (`Tests/Fixtures/make_conditional_volatility_reference.py`, "refit").
final class VolatilityRefitTests: XCTestCase {
    struct Refit: Decodable { let sigma: Double; let persistence: Double; let params: [String: Double]; let max_sigma: Double }
    struct Bounded: Decodable { let floor: Double; let cap: Double; let sigma: [Double] }
    struct Reference: Decodable {
        let params: [String: Double]; let days: [Int]; let prompt_days: Int; let sigma: [Double]
        let refit: [Refit]; let bounded: Bounded
    }

    func reference() throws -> Reference { try loadJSONFixture("conditional_volatility_reference.json") }

    var dax: [Double] { get throws { try MarketData.bundled(.euStocks).logReturns("dax").values } }

    /// A tiny v2 model whose filter has the fixture's parameters and the given bounds, with a
    /// calibrated generation ω and μ (which a refit must drop).
    func model(_ ref: Reference, floor: Double, cap: Double) throws -> ScenarioModel {
        let m = try makeFittedModel(VolatilityModelTests.tinyV2, seed: 4, weightScale: 0.3)
        let trained = try XCTUnwrap(m.dataModels), v = try XCTUnwrap(trained.volatility), p = ref.params
        let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: p["mu"]!, omega: p["omega"]!,
                                   alpha: p["alpha"]!, gamma: p["gamma"]!, beta: p["beta"]!, nu: p["nu"]!, lambda: nil)
        var filter = try VolatilityModel(garch: garch, levelEdges: v.levelEdges, regimeVariances: v.regimeVariances,
                                         initialLogSigmaQuantiles: v.initialLogSigmaQuantiles, sigmaFloor: floor, sigmaCap: cap)
        filter.generationOmega = 2 * p["omega"]!
        filter.generationMean = 0
        try m.setDataModels(DataModels(tokenizer: trained.tokenizer, regimes: trained.regimes, volatility: filter))
        return m
    }

    /// The refitted filter's μ, ω, α, γ, β, ν are arch's GJR-t fit of the same 1,000-day window;
    /// the cap becomes 1.25 × the largest σ_t of that fit over the window (the trained cap
    /// 0.01 is below it on all four windows), the floor and the levels stay, and the calibrated
    /// generation ω and μ of the trained filter are dropped (conditional paths run on the refit).
    ///
    /// Tolerances: the two optimisers (SLSQP on 100 × returns in arch, TGFLStats' own) stop at
    /// slightly different points of a flat likelihood; σ agrees to 5e-3 (`ConditionalVolatilityTests`),
    /// the persistence to 2e-3, β to 1e-2; α and γ (0.003–0.09) to 5e-3 absolute; ω to 10 %,
    /// ν to 10 %, μ to 5e-5 (a tenth of a daily σ's 1 %). The fit of the trained filter
    /// (α 0.0196, γ 0.1201, β 0.8353, ν 5.5) is outside these bands on every window.
    func testRefitEqualsArchsFitOfTheWindow() throws {
        let ref = try reference()
        let trained = try XCTUnwrap(try model(ref, floor: 1e-4, cap: 0.01).dataModels?.volatility)
        let r = try dax
        for (k, t) in ref.days.enumerated() {
            let want = ref.refit[k], p = want.params
            let got = try trained.refitted(on: Array(r[(t - ref.prompt_days)..<t]))
            let g = got.garch
            assertClose(g.persistence, want.persistence, rtol: 2e-3, "day \(t) persistence")
            assertClose(g.beta, p["beta"]!, rtol: 1e-2, "day \(t) β")
            XCTAssertEqual(g.alpha, p["alpha"]!, accuracy: 5e-3, "day \(t) α")
            XCTAssertEqual(g.gamma, p["gamma"]!, accuracy: 5e-3, "day \(t) γ")
            assertClose(g.omega, p["omega"]!, rtol: 0.1, "day \(t) ω")
            assertClose(g.nu!, p["nu"]!, rtol: 0.1, "day \(t) ν")
            XCTAssertEqual(g.mu, p["mu"]!, accuracy: 5e-5, "day \(t) μ")
            XCTAssertGreaterThan(abs(trained.garch.gamma - p["gamma"]!), 5e-3, "the fixture tells the fits apart")
            assertClose(got.sigmaCap, VolatilityModel.capMultiplier * want.max_sigma, rtol: 5e-3, "day \(t) cap")
            XCTAssertEqual(got.sigmaFloor, trained.sigmaFloor, "day \(t) floor kept")
            XCTAssertEqual(got.levelEdges, trained.levelEdges, "day \(t) levels kept")
            XCTAssertNil(got.generationOmega, "day \(t): the calibrated ω of unconditional generation is dropped")
            XCTAssertNil(got.generationMean, "day \(t): the calibrated μ is dropped")
        }
        // A cap above the refit's own keeps the trained cap.
        let wide = try XCTUnwrap(try model(ref, floor: 1e-4, cap: 0.5).dataModels?.volatility)
        XCTAssertEqual(try wide.refitted(on: Array(r[600..<1600])).sigmaCap, 0.5)
    }

    /// The bounds' use on the forecast days. With the trained filter bounded to the fixture's
    /// [0.0093, 0.0097], σ_t of the four days is NumPy's clamped recursion from arch's backcast
    /// (one day at the cap, one at the floor); refitted on every day (floor 1e-4), the cap rises
    /// above the windows' σ, nothing binds and σ_t is arch's forecast after its own fit.
    func testBoundsUseCountsTheDaysAtCapAndFloor() throws {
        let ref = try reference(), b = ref.bounded
        let m = try model(ref, floor: b.floor, cap: b.cap)
        var o = ConditionalGenerationOptions(paths: 8, horizon: 1, promptDays: ref.prompt_days, seed: 3, threads: 2)
        let fixed = try m.generateConditional(history: try dax, days: ref.days, options: o)
        for (k, s) in fixed.startVolatilities!.enumerated() {
            assertClose(s, b.sigma[k], rtol: 1e-9, "bounded σ of day \(ref.days[k])")
        }
        let wantCap = b.sigma.filter { $0 >= (1 - 1e-9) * b.cap }.count
        let wantFloor = b.sigma.filter { $0 <= (1 + 1e-9) * b.floor }.count
        XCTAssertEqual([wantCap, wantFloor], [1, 1], "the fixture's σ reach both bounds")
        let use = try XCTUnwrap(try m.volatilityBoundsUse(name: "TGFL-trained-filter", history: try dax,
                                                          scenarios: fixed, options: o))
        XCTAssertEqual([use.days, use.atCap, use.atFloor, use.refits], [4, wantCap, wantFloor, 0])
        assertClose(use.largestCapRatio, 1, rtol: 1e-9, "the cap bound")
        assertClose(use.smallestFloorRatio, 1, rtol: 1e-9, "the floor bound")

        let open = try model(ref, floor: 1e-4, cap: b.cap)
        o.refitVolatilityEvery = 1
        let refit = try open.generateConditional(history: try dax, days: ref.days, options: o)
        let used = try XCTUnwrap(try open.volatilityBoundsUse(name: "TGFL", history: try dax, scenarios: refit, options: o))
        XCTAssertEqual([used.days, used.atCap, used.atFloor, used.refits], [4, 0, 0, 4])
        for (k, s) in refit.startVolatilities!.enumerated() {
            assertClose(s, ref.refit[k].sigma, rtol: 5e-3, "refitted σ of day \(ref.days[k])")
        }
        XCTAssertLessThan(used.largestCapRatio, 1)
    }

    /// The walk-forward backtest with `compareTrainedFilter` backtests the same network twice
    /// (refitted and trained filter) and reports the bounds' use of both.
    func testWalkForwardComparesTheTrainedFilter() throws {
        let ref = try reference()
        let m = try model(ref, floor: ref.bounded.floor, cap: ref.bounded.cap)
        var o = WalkForwardOptions(levels: [0.05], horizons: [1], paths: 100, baselines: [], refitEvery: 2, seed: 5, threads: 2)
        o.compareTrainedFilter = true
        let r = try WalkForwardBacktest.run(model: m, series: "dax", returns: try dax, span: 1600..<1606, options: o)
        XCTAssertEqual(r.results.map(\.model), ["TGFL", "TGFL-trained-filter"])
        let uses = try XCTUnwrap(r.tgflVolatilityBounds)
        XCTAssertEqual(uses.map(\.model), ["TGFL", "TGFL-trained-filter"])
        XCTAssertEqual(uses.map(\.refits), [3, 0], "6 days refitted every 2nd")
        let json = try r.jsonString()
        XCTAssertTrue(json.contains("\"tgflVolatilityBounds\""), "in the JSON")
    }
}
