import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// Variance targeting of unconditional generation (`ScenarioModel.calibrateUnconditionalVolatility`,
/// on by default in `Trainer.fit`) against the real data's own variance.
final class VolatilityCalibrationTests: XCTestCase {
    /// The first 2,000 returns of the bundled NYSE index, the small v2 model, 40 steps.
    func trainedOnNYSE(calibrate: Bool) throws -> (ScenarioModel, [Double], TrainingReport) {
        let nyse = Array(try MarketData.bundled(.nyse).logReturns().values.prefix(2000))
        let model = try ScenarioModel(config: ModelConfig.small.v2(), seed: 42)
        var options = TrainingOptions(steps: SanitizerRun.size(40, sanitizer: 8), batchSize: SanitizerRun.size(32, sanitizer: 8),
                                      learningRate: 1e-3, minLearningRate: 1e-4,
                                      validationFraction: 0.2, seed: 42)
        options.calibrateVolatility = calibrate
        if SanitizerRun.isActive { options.volatilityCalibration = VolatilityCalibrationOptions(paths: 16, horizon: 50) }
        let report = try Trainer(model: model, options: options).fit(series: [nyse])
        return (model, nyse, report)
    }

    static func variance(_ x: [Double]) -> Double {
        let m = x.reduce(0, +) / Double(x.count)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
    }

    /// Scenarios drawn with another seed than the pilot's have the data's variance within 10 %,
    /// where the filter's fitted ω alone gives 0.74× (measured with `tgfl train
    /// --no-volatility-calibration` on the same days): the check can fail.
    func testUnconditionalScenariosHaveTheDataVariance() throws {
        let (model, nyse, report) = try trainedOnNYSE(calibrate: true)
        let real = Self.variance(nyse)
        let calibration = try XCTUnwrap(report.volatilityCalibration)
        XCTAssertEqual(calibration.targetVariance / real, 1, accuracy: 0.01, "the target is the data's variance")
        XCTAssertEqual(model.volatilityModel?.generationOmega, calibration.omega)
        XCTAssertEqual(try XCTUnwrap(calibration.targetMean), nyse.reduce(0, +) / Double(nyse.count), accuracy: 1e-15)
        XCTAssertEqual(model.volatilityModel?.generationMean, calibration.location)
        let scenarios = try model.generate(GenerationOptions(paths: SanitizerRun.size(800, sanitizer: 16), horizon: 250,
                                                             regime: .unconditional, seed: 99))
        let generated = scenarios.returns.flatMap { $0 }
        let calibrated = Self.variance(generated)
        if !SanitizerRun.isActive {  // the tolerances need the full pilot and sample (SanitizerRun)
            XCTAssertEqual(calibrated / real, 1, accuracy: 0.1, "calibrated: generated / real variance")
            // Mean drift: within 0.015 daily std (about 7 standard errors of 800 × 250 days).
            XCTAssertEqual(generated.reduce(0, +) / Double(generated.count), nyse.reduce(0, +) / Double(nyse.count),
                           accuracy: 0.015 * real.squareRoot(), "calibrated: generated mean")
        }

        let (plain, _, plainReport) = try trainedOnNYSE(calibrate: false)
        XCTAssertNil(plainReport.volatilityCalibration)
        XCTAssertNil(plain.volatilityModel?.generationOmega)
        let uncalibrated = Self.variance(
            try plain.generate(GenerationOptions(paths: SanitizerRun.size(400, sanitizer: 16), horizon: 250,
                                                 regime: .unconditional, seed: 99))
                .returns.flatMap { $0 })
        if !SanitizerRun.isActive {
            XCTAssertGreaterThan(abs(uncalibrated / real - 1), 0.1, "without calibration the level is off")
        }
        // Regime-conditioned generation targets each regime's own variance: unchanged.
        let crisis = GenerationOptions(paths: 64, horizon: 50, regime: .fixed(3), seed: 5)
        XCTAssertEqual(try model.generate(crisis), try plain.generate(crisis))
    }

    /// The calibrated ω is saved and loaded, the same bits are generated after loading, a
    /// checkpoint without it loads with the fitted ω, and a bad value is refused by name.
    func testCalibrationIsSavedAndChecked() throws {
        let model = try makeFittedModel(VolatilityModelTests.tinyV2, seed: 4, weightScale: 0.3)
        let result = try model.calibrateUnconditionalVolatility(
            targetVariance: 1e-4, targetMean: 3e-4, options: VolatilityCalibrationOptions(paths: 32, horizon: 50, seed: 2))
        XCTAssertEqual(model.volatilityModel?.generationMean, result.location)
        // The location moves the pilot's paths by exactly m* − m_k: rerun the kept pilot.
        let pilot = try model.generate(GenerationOptions(paths: 32, horizon: 50, regime: .unconditional, seed: 2))
            .returns.flatMap { $0 }
        XCTAssertEqual(pilot.reduce(0, +) / Double(pilot.count), 3e-4, accuracy: 1e-12)
        XCTAssertEqual(model.volatilityModel?.generationOmega, result.omega)
        XCTAssertEqual(model.volatilityModel?.generationTargetVariance, 1e-4)
        // Power 2: starts from the fitted ω (moved to the generation dynamics' persistence);
        // power 1 (session 10): from the target, √V*·(1 − (α + γ/2)·√(2/π) − β).
        let fitted = try XCTUnwrap(model.volatilityModel)
        if let d = fitted.generationDynamics, d.power == 1 {
            XCTAssertEqual(try XCTUnwrap(result.omegas.first),
                           0.01 * (1 - (d.alpha + d.gamma / 2) * (2 / Double.pi).squareRoot() - d.beta), accuracy: 1e-15,
                           "a power-1 recursion starts from the target")
        } else {
            XCTAssertEqual(result.omegas.first, fitted.uncalibratedGenerationOmega,
                           "starts from the fitted ω (moved to the generation dynamics' persistence)")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tgfl-cal-\(getpid()).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let loaded = try ScenarioModel.load(from: path)
        XCTAssertEqual(loaded.dataModels, model.dataModels)
        let options = GenerationOptions(paths: 8, horizon: 30, regime: .unconditional, seed: 1)
        XCTAssertEqual(try loaded.generate(options), try model.generate(options))

        let v = try XCTUnwrap(model.volatilityModel)
        var section = v.checkpointSection
        section.attributes["generation_omega"] = nil
        section.attributes["generation_target_variance"] = nil
        section.attributes["generation_mean"] = nil
        let old = try VolatilityModel(checkpointSection: section, levels: v.levels, regimes: 4)
        XCTAssertNil(old.generationOmega)
        XCTAssertEqual(old.omega(regime: nil), v.uncalibratedGenerationOmega)
        XCTAssertEqual(old.location(regime: nil), v.garch.mu)
        section = v.checkpointSection
        section.attributes["generation_omega"] = .double(-1)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: v.levels, regimes: 4)) {
            XCTAssertTrue("\($0)".contains("generation_omega") && "\($0)".contains("/volatility"), "\($0)")
        }
        section = v.checkpointSection
        section.attributes["generation_mean"] = .double(.infinity)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: section, levels: v.levels, regimes: 4)) {
            XCTAssertTrue("\($0)".contains("generation_mean"), "\($0)")
        }
    }

    /// A fitted filter at a unit root (persistence 1, as arch fits Microsoft 1986–2011 after its
    /// years of stale prices) with a stationary generation recursion: the calibration starts
    /// from the target and reaches it. Starting from the fitted implied level (ω / (1 − p_fit),
    /// p_fit → 1) it began thousands of times too high and ended 91 % below (before session 11).
    func testAUnitRootFitStartsFromTheTarget() throws {
        let (model, nyse, _) = try trainedOnNYSE(calibrate: false)
        let target = Self.variance(nyse)
        let models = try XCTUnwrap(model.dataModels)
        let fitted = try XCTUnwrap(models.volatility)
        var g = fitted.garch
        g.beta = 1 - g.alpha - g.gamma / 2   // persistence α + γ/2 + β = 1
        var v = try VolatilityModel(garch: g, levelEdges: fitted.levelEdges, regimeVariances: fitted.regimeVariances,
                                    initialLogSigmaQuantiles: fitted.initialLogSigmaQuantiles,
                                    sigmaFloor: fitted.sigmaFloor, sigmaCap: fitted.sigmaCap)
        XCTAssertEqual(v.garch.persistence, 1, accuracy: 1e-12)
        v.generationDynamics = GenerationDynamics(alpha: 1.5 * v.garch.alpha, gamma: 1.5 * v.garch.gamma,
                                                  beta: 0.9 - 1.5 * v.garch.alpha - 0.75 * v.garch.gamma)
        try model.setDataModels(DataModels(tokenizer: models.tokenizer, regimes: models.regimes, volatility: v))
        let result = try model.calibrateUnconditionalVolatility(
            targetVariance: target, options: VolatilityCalibrationOptions(paths: SanitizerRun.size(256, sanitizer: 16),
                                                                          horizon: SanitizerRun.size(250, sanitizer: 50),
                                                                          seed: 2))
        XCTAssertEqual(try XCTUnwrap(result.omegas.first), target * (1 - v.generationPersistence),
                       accuracy: 1e-12 * target, "starts from the target V*·(1 − p_nominal)")
        XCTAssertEqual(v.generationPersistence, 0.9, accuracy: 1e-12)
        if !SanitizerRun.isActive {
            XCTAssertLessThan(abs(result.relativeError), 0.05, "pilot variance against the data's")
        }
    }

    func testCalibrationRefusesBadInput() throws {
        let v1 = try makeFittedModel(GenerationTests.tiny)
        XCTAssertThrowsError(try v1.calibrateUnconditionalVolatility(targetVariance: 1e-4)) {
            XCTAssertTrue("\($0)".contains("model v2"), "\($0)")
        }
        let model = try makeFittedModel(VolatilityModelTests.tinyV2, seed: 4, weightScale: 0.3)
        XCTAssertThrowsError(try model.calibrateUnconditionalVolatility(targetVariance: .nan)) {
            XCTAssertTrue("\($0)".contains("target variance"), "\($0)")
        }
        XCTAssertThrowsError(try model.calibrateUnconditionalVolatility(targetVariance: 1e-4, targetMean: .nan)) {
            XCTAssertTrue("\($0)".contains("target mean"), "\($0)")
        }
        XCTAssertThrowsError(try model.calibrateUnconditionalVolatility(
            targetVariance: 1e-4, options: VolatilityCalibrationOptions(paths: 0))) {
            XCTAssertTrue("\($0)".contains("paths"), "\($0)")
        }
    }
}
