import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore
import TGFLStats

/// Issue 16's crash-conditioned check on the bundled DJIA: prompted with the real days up to a
/// crash, the generated volatility starts at the realised level and decays over the following
/// weeks as the realised one did.
final class CrashConditioningTests: XCTestCase {

    /// Root mean square of `x`.
    func rms(_ x: [Double]) -> Double { (x.reduce(0) { $0 + $1 * $1 } / Double(x.count)).squareRoot() }

    /// A small v2 model trained briefly (60 steps, the output prior on) on the DJIA before
    /// 1987-10-19 only. The decay comes from the volatility state filtered over the prompt and
    /// its fitted GJR recursion; the network supplies the standardized shocks.
    ///
    /// For each crash day t and the blocks after it (b₁ = days 1–10, b₂₋₄ = days 11–40), with
    /// vol = root mean square return (over all paths for the generated ones):
    /// ```
    /// realised:   vol(b₂₋₄) < vol(b₁)                          (the real decay; checks the data)
    /// generated:  vol(b₂₋₄) / vol(b₁) < min(0.95, 1.05 · GJR(b₂₋₄) / GJR(b₁))   (decays, as its state does)
    ///             vol(b₁) within a factor 2 of the realised vol(b₁)
    ///             realised vol(b₂₋₄) / 2 < vol(b₂₋₄) < 1.25 · GJR(b₂₋₄)
    /// GJR(b) = √(mean_{k∈b} E[σ²_k]),  E[σ²_{k+1}] = ω + (α + γ/2 + β) E[σ²_k]   (the state's expected path)
    /// ```
    /// Days 11–40 are not held to the realised level here: after 1987 the realised volatility fell
    /// faster than the model's recursion allows (session 11, with the recursion `matchDependence`
    /// chose for the generated days: 1.88×, 0.70× and 1.33× the realised level after 1987, 2008
    /// and 2020; session 10, with the fitted GJR: 3.2×, 1.1×, 2.3×; BENCHMARKS.md). The upper
    /// bound checks that the generated paths decay at least as fast as the fitted GJR's state.
    /// `checkBetaTPromptFilter` holds them to the realised level with the Beta-t prompt filter.
    func testVolatilityAfterDJIACrashesDecaysLikeTheRealisedPath() throws {
        let djia = try MarketData.bundled(.djia).logReturns()
        let dates = try XCTUnwrap(djia.dates)
        let crashes = ["1987-10-19", "2008-10-15", "2020-03-16"].map { day in
            dates.firstIndex { "\($0)" == day }!
        }
        let model = try ScenarioModel(config: ModelConfig.small.v2(), seed: 42)
        var options = TrainingOptions(steps: 60, batchSize: 32, learningRate: 1e-3, minLearningRate: 1e-4,
                                      validationFraction: 0.1, seed: 42)
        options.outputPrior = true
        _ = try Trainer(model: model, options: options).fit(series: [Array(djia.values[..<crashes[0]])])
        // Day index t + 1: the prompt ends with the crash day itself.
        let scenarios = try model.generateConditional(
            history: djia.values, days: crashes.map { $0 + 1 },
            options: ConditionalGenerationOptions(paths: 300, horizon: 40, promptDays: 1000, seed: 7))
        let v = try XCTUnwrap(model.volatilityModel).garch
        for (k, t) in crashes.enumerated() {
            let real = Array(djia.values[(t + 1)...(t + 40)])
            let realFirst = rms(Array(real[..<10])), realLater = rms(Array(real[10...]))
            XCTAssertLessThan(realLater, realFirst, "\(dates[t]): the realised volatility decays")
            let paths = (0..<300).map { p in Array(scenarios.returns[k][(p * 40)..<((p + 1) * 40)]) }
            let genFirst = rms(paths.flatMap { $0[..<10] }), genLater = rms(paths.flatMap { $0[10...] })
            XCTAssertTrue(genFirst > realFirst / 2 && genFirst < realFirst * 2,
                          "\(dates[t]) days 1–10: generated vol \(genFirst), realised \(realFirst)")
            let options = ConditionalGenerationOptions(paths: 300, horizon: 40, promptDays: 1000, seed: 7)
            var s2 = try XCTUnwrap(model.conditionalPlan(history: djia.values, day: t + 1, options: options)
                .volatility?.startVariance)
            var expected = [Double]()
            for _ in 0..<40 { expected.append(s2); s2 = v.omega + (v.alpha + v.gamma / 2 + v.beta) * s2 }
            let gjrFirst = (expected[..<10].reduce(0, +) / 10).squareRoot(), gjrLater = (expected[10...].reduce(0, +) / 30).squareRoot()
            // The decay is the state's: a fixed 0.85 was stricter than the GJR's own expected
            // decay after 2008 (0.0430 / 0.049 ≈ 0.88) and passed by sampling luck (issue 16).
            XCTAssertLessThan(genLater / genFirst, min(0.95, 1.05 * gjrLater / gjrFirst),
                              "\(dates[t]): generated vol \(genFirst) → \(genLater) decays (GJR \(gjrFirst) → \(gjrLater))")
            XCTAssertTrue(genLater > realLater / 2 && genLater < 1.25 * gjrLater,
                          "\(dates[t]) days 11–40: generated vol \(genLater), realised \(realLater), GJR \(gjrLater)")
            print(String(format: "%@: vol days 1–10 generated %.4f realised %.4f; days 11–40 generated %.4f realised %.4f GJR %.4f",
                         "\(dates[t])", genFirst, realFirst, genLater, realLater, gjrLater))
        }
        try checkBetaTPromptFilter(model: model, djia: djia.values, dates: dates, crashes: crashes)
    }

    /// The same trained model with the score-driven prompt filter (`promptFilter`: Beta-t-EGARCH
    /// fitted on the same training span, issue 16): days 11–40 are held to the REALISED level.
    /// ```
    /// generated:  vol(b₁) within a factor 2 of the realised vol(b₁)
    ///             realised vol(b₂₋₄) / 1.6 < vol(b₂₋₄) < 1.6 · realised vol(b₂₋₄)   (each crash)
    ///             vol(b₂₋₄) / vol(b₁) < 0.95                                       (decays)
    /// ```
    /// Measured (session 11): days 11–40 at 1.23×, 0.84× and 1.57× the realised level after
    /// 1987, 2008 and 2020 (days 1–10 at 0.63×, 0.90×, 0.98×); 1.5× would fail after 2020. The
    /// model's own recursion (above; since session 10 the matched GJR/TARCH of `generationStep`)
    /// gives 1.88×, 0.70× and 1.33×, so the 1.6× bound fails after 1987 without the option.
    func checkBetaTPromptFilter(model: ScenarioModel, djia: [Double], dates: [TradingDate], crashes: [Int]) throws {
        let filter = try PromptFilter.fitBetaT(Array(djia[..<crashes[0]]), what: "the DJIA before 1987-10-19")
        let scenarios = try model.generateConditional(
            history: djia, days: crashes.map { $0 + 1 },
            options: ConditionalGenerationOptions(paths: 300, horizon: 40, promptDays: 1000, seed: 7, promptFilter: filter))
        for (k, t) in crashes.enumerated() {
            let real = Array(djia[(t + 1)...(t + 40)])
            let realFirst = rms(Array(real[..<10])), realLater = rms(Array(real[10...]))
            let paths = (0..<300).map { p in Array(scenarios.returns[k][(p * 40)..<((p + 1) * 40)]) }
            let genFirst = rms(paths.flatMap { $0[..<10] }), genLater = rms(paths.flatMap { $0[10...] })
            print(String(format: "%@ (Beta-t prompt filter): vol days 1–10 generated %.4f realised %.4f; days 11–40 generated %.4f realised %.4f (%.2f×)",
                         "\(dates[t])", genFirst, realFirst, genLater, realLater, genLater / realLater))
            XCTAssertTrue(genFirst > realFirst / 2 && genFirst < realFirst * 2,
                          "\(dates[t]) days 1–10 (Beta-t): generated vol \(genFirst), realised \(realFirst)")
            XCTAssertTrue(genLater > realLater / 1.6 && genLater < realLater * 1.6,
                          "\(dates[t]) days 11–40 (Beta-t): generated vol \(genLater), realised \(realLater)")
            XCTAssertLessThan(genLater / genFirst, 0.95, "\(dates[t]) (Beta-t): generated vol \(genFirst) → \(genLater) decays")
        }
    }
}
