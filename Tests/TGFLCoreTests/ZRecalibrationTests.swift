import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The z recalibration of prompted generation (issue 16) against arch and NumPy
/// (`Tests/Fixtures/make_z_recalibration_reference.py`).
final class ZRecalibrationTests: XCTestCase {
    struct Day: Decodable { let day: Int; let residuals: [Double]; let quantiles: [Double] }
    struct Map: Decodable {
        let logits: [Double]; let edges: [Double]; let temperature: Double; let weight: Double
        let residuals: [Double]; let x: [Double]; let bin: [Int]; let y: [Double]
        /// NumPy's quantile method: "linear" or "weibull" (session 12).
        let method: String
    }
    struct Reference: Decodable {
        let params: [String: Double]
        let prompt_days: Int
        let window: Int
        let quantile_levels: [Double]
        let days: [Day]
        let maps: [Map]
    }

    func reference() throws -> Reference { try loadJSONFixture("z_recalibration_reference.json") }

    /// A tiny v2 model (random weights) whose filter has the fixture's GJR-t parameters.
    func model(_ ref: Reference) throws -> ScenarioModel { try ConditionalVolatilityTests.model(params: ref.params) }

    var dax: [Double] { get throws { try MarketData.bundled(.euStocks).logReturns("dax").values } }

    /// The prompt's standardized residuals are arch's (resid / conditional_volatility) under the
    /// same fixed GJR-t filter: the last `window` of the 1,000 prompt days, sorted.
    func testResidualsAreArchsStandardizedResiduals() throws {
        let ref = try reference()
        let v = try XCTUnwrap(try model(ref).dataModels?.volatility)
        let z = ZRecalibration(window: ref.window, weight: 0.5)
        for d in ref.days {
            let prompt = Array(try dax[(d.day - ref.prompt_days)..<d.day])
            assertClose(try z.residuals(prompt: prompt, volatility: v), d.residuals, rtol: 1e-9, "day \(d.day)")
        }
    }

    /// T(x) = (1 − λ)·x + λ·Q_e(F(x)) matches NumPy on five random maps (V, τ, λ, n differ), three
    /// with NumPy's linear quantile and two with its "weibull" one (h = (n + 1)u, clamped).
    func testMapMatchesNumPy() throws {
        let maps = try reference().maps
        XCTAssertEqual(maps.filter { $0.method == "weibull" }.count, 2)
        for (i, m) in maps.enumerated() {
            let logits = m.logits.map(Float.init)
            let position = try XCTUnwrap(ZRecalibration.QuantilePosition(rawValue: m.method))
            let map = logits.withUnsafeBufferPointer {
                ZRecalibrationMap(logits: $0.baseAddress!, inverseTemperature: 1 / m.temperature, edges: m.edges,
                                  residuals: m.residuals.sorted(),
                                  recalibration: ZRecalibration(window: m.residuals.count, weight: m.weight,
                                                                position: position))
            }
            let y = zip(m.x, m.bin).map { map.apply($0, bin: $1) }
            assertClose(y, m.y, rtol: 1e-12, atol: 1e-12, "map \(i)")
        }
    }

    /// With λ = 1 the one-day z of 4,000 paths take the prompt's residual quantiles (arch's,
    /// NumPy's quantiles; the network only picks the probability), with λ = 0.5 half-way; the
    /// network's own z (λ = 0, or no recalibration) are far from them. Fails without the map.
    func testGeneratedQuantilesMoveToThePromptsResiduals() throws {
        let ref = try reference()
        let m = try model(ref)
        let days = ref.days.map(\.day), mu = ref.params["mu"]!
        func zQuantiles(_ z: ZRecalibration?) throws -> [[Double]] {
            let o = ConditionalGenerationOptions(paths: 4000, horizon: 1, promptDays: ref.prompt_days, seed: 9, threads: 2,
                                                 zRecalibration: z)
            let s = try m.generateConditional(history: try dax, days: days, options: o)
            return days.indices.map { k in
                let z = s.returns[k].map { ($0 - mu) / s.startVolatilities![k] }.sorted()
                return ref.quantile_levels.map { linearQuantile(z, $0) }
            }
        }
        let raw = try zQuantiles(nil), full = try zQuantiles(ZRecalibration(window: ref.window, weight: 1))
        let half = try zQuantiles(ZRecalibration(window: ref.window, weight: 0.5))
        XCTAssertEqual(try zQuantiles(ZRecalibration(window: ref.window, weight: 0)), raw, "λ = 0 is the network")
        for (k, d) in ref.days.enumerated() {
            // Sampling error of a quantile of 4,000 draws: < 0.15 in z at these levels.
            assertClose(full[k], d.quantiles, atol: 0.15, "λ = 1, day \(d.day)")
            assertClose(half[k], zip(raw[k], d.quantiles).map { 0.5 * $0 + 0.5 * $1 }, atol: 0.15, "λ = 0.5, day \(d.day)")
            let gap = zip(raw[k], d.quantiles).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(gap, 0.5, "the network's own z differ from the prompt's (the test can fail)")
        }
    }

    /// The same bits for 1 and 2 threads; `generate` with the same prompt and recalibration
    /// gives the conditional path's returns; bad settings are refused with the fix.
    func testDeterministicAndSameAsGenerate() throws {
        let ref = try reference()
        let m = try model(ref)
        let z = ZRecalibration(window: 100, weight: 0.7), t = ref.days[0].day
        var o = ConditionalGenerationOptions(paths: 70, horizon: 4, promptDays: 300, seed: 5, threads: 1, zRecalibration: z)
        let one = try m.generateConditional(history: try dax, days: [t, t + 3], options: o)
        o.threads = 2
        XCTAssertEqual(try m.generateConditional(history: try dax, days: [t, t + 3], options: o), one)
        // `generate` (stream p) and the shared-prompt sampler (given stream 0) agree path by path
        // (a prompt shorter than the context, so both see all of it; 30 < 100 residuals).
        o.promptDays = 30
        let prompt = Array(try dax[(t - 30)..<t])
        let g = try m.generate(GenerationOptions(paths: 70, horizon: 4, regime: .unconditional, prompt: prompt, seed: 5,
                                                 threads: 2, zRecalibration: z))
        let plan = try m.conditionalPlan(history: try dax, day: t, options: o)
        let shared = try m.sampleBlock(plans: [plan], days: [t], streams: [0], options: o,
                                       residuals: [try z.residuals(prompt: prompt, volatility: try XCTUnwrap(m.dataModels?.volatility))],
                                       report: nil)
        XCTAssertEqual(g.returns.flatMap { $0 }, shared[0])
        let plain = try m.generate(GenerationOptions(paths: 70, horizon: 4, regime: .unconditional, prompt: prompt, seed: 5))
        XCTAssertNotEqual(plain.returns, g.returns, "the recalibration changes the paths")
        assertThrows(containing: ["at least 20 residuals"]) {
            try m.generateConditional(history: try dax, days: [t], options: ConditionalGenerationOptions(
                paths: 10, horizon: 1, promptDays: 300, zRecalibration: ZRecalibration(window: 5, weight: 0.5)))
        }
        // A prompt of fewer than 20 days would collapse the quantile map onto its few residuals.
        assertThrows(containing: ["at least 20 days", "got 5"]) {
            try m.generate(GenerationOptions(paths: 10, horizon: 2, regime: .unconditional,
                                             prompt: Array(prompt.suffix(5)), seed: 5, zRecalibration: z))
        }
        assertThrows(containing: ["weight must lie in [0, 1]"]) { try ZRecalibration(parsing: "500,1.5") }
        assertThrows(containing: ["'window,weight'"]) { try ZRecalibration(parsing: "500") }
        assertThrows(containing: ["position linear or weibull"]) { try ZRecalibration(parsing: "250,0.75,median") }
        let weibull = try ZRecalibration(parsing: "250,0.75,Weibull")
        XCTAssertEqual(weibull, ZRecalibration(window: 250, weight: 0.75, position: .weibull))
        XCTAssertEqual(weibull.modelName, "TGFL-z250-0.75-weibull")
        XCTAssertEqual(try ZRecalibration(parsing: "250,0.75"), ZRecalibration(window: 250, weight: 0.75, position: .linear))
        // A setting encoded before session 12 (no position) decodes as linear.
        let old = try JSONDecoder().decode(ZRecalibration.self, from: Data(#"{"window": 100, "weight": 0.5}"#.utf8))
        XCTAssertEqual(old, ZRecalibration(window: 100, weight: 0.5, position: .linear))
        assertThrows(containing: ["needs a v2 model and a prompt"]) {
            try m.generate(GenerationOptions(paths: 10, horizon: 2, regime: .unconditional, zRecalibration: z))
        }
    }

    /// The walk-forward backtest runs "TGFL" with the recalibration, "TGFL-uncalibrated" (the
    /// same as a run without it) and each extra setting, on the same days and network.
    func testWalkForwardComparesTheUncalibratedNetwork() throws {
        let ref = try reference()
        let m = try model(ref)
        var o = WalkForwardOptions(levels: [0.05], horizons: [1], paths: 200, baselines: [], refitEvery: 2, seed: 5, threads: 2)
        XCTAssertEqual(o.zRecalibration, ZRecalibration.standard, "on by default")
        o.zRecalibration = nil
        let plain = try WalkForwardBacktest.run(model: m, series: "dax", returns: try dax, span: 1600..<1630, options: o)
        o.zRecalibration = ZRecalibration(window: 250, weight: 0.75)
        o.compareUncalibrated = true
        o.compareZRecalibrations = [ZRecalibration(window: 100, weight: 1)]
        let r = try WalkForwardBacktest.run(model: m, series: "dax", returns: try dax, span: 1600..<1630, options: o)
        XCTAssertEqual(r.results.map(\.model), ["TGFL", "TGFL-uncalibrated", "TGFL-z100-1.0"])
        XCTAssertEqual(r.results[1].pit, plain.results[0].pit, "uncalibrated = no recalibration")
        XCTAssertEqual(r.results[1].valueAtRisk, plain.results[0].valueAtRisk)
        XCTAssertNotEqual(r.results[0].pit, plain.results[0].pit)
    }

    /// A model's backtest, ES test included (a simulated p-value), does not depend on which other
    /// models run before it: the baseline's result is the same with an extra TGFL row ahead of it.
    func testBacktestOfAModelDoesNotDependOnTheOtherModels() throws {
        let m = try model(try reference())
        var o = WalkForwardOptions(levels: [0.05], horizons: [1], paths: 200, baselines: [.filteredHistorical(variance: .garch, window: 500)],
                                   refitEvery: 2, seed: 5, threads: 2)
        o.zRecalibration = nil
        let alone = try WalkForwardBacktest.run(model: m, series: "dax", returns: try dax, span: 1600..<1660, options: o)
        o.compareZRecalibrations = [ZRecalibration(window: 100, weight: 1)]
        let shifted = try WalkForwardBacktest.run(model: m, series: "dax", returns: try dax, span: 1600..<1660, options: o)
        XCTAssertEqual(alone.results.map(\.model), ["TGFL", "FHS-GARCH"])
        XCTAssertEqual(shifted.results.map(\.model), ["TGFL", "TGFL-z100-1.0", "FHS-GARCH"])
        let p = alone.results[1].levels[0].expectedShortfallTest.pValue
        XCTAssertTrue(p > 0 && p < 1, "the ES test's p-value is a simulation here (\(p))")
        XCTAssertEqual(shifted.results[2].levels[0].expectedShortfallTest, alone.results[1].levels[0].expectedShortfallTest,
                       "FHS-GARCH's ES test as the third model = as the second")
        XCTAssertTrue(shifted.results[2] == alone.results[1], "FHS-GARCH's whole backtest as the third model = as the second")
    }

    /// NumPy's default ("linear") quantile of sorted values.
    func linearQuantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q, i = Int(h)
        return i + 1 < sorted.count ? sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i]) : sorted[i]
    }
}
