import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore
@testable import TGFLFederated

/// Variance targeting after a federated run (`FederatedTrainingOptions.calibrateVolatility`):
/// done without DP, against the real data's own variance; skipped with DP.
final class FederatedCalibrationTests: XCTestCase {
    static let tiny = ModelConfig(vocabSize: 64, contextLength: 16, dModel: 16, nLayers: 1, nHeads: 2, dFF: 32,
                                  nRegimes: 4, modelVersion: 2, volatilityLevels: 8)

    private func variance(_ x: [Double]) -> Double {
        let m = x.reduce(0, +) / Double(x.count)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)
    }

    private func run(_ configure: (inout FederatedTrainingOptions) -> Void) throws
        -> (ScenarioModel, FederatedTrainingReport, [Double]) {
        let nyse = Array(try MarketData.bundled(.nyse).logReturns().values.prefix(2000))
        let model = try ScenarioModel(config: Self.tiny, seed: 1)
        var o = FederatedTrainingOptions()
        o.clientCount = 3; o.rounds = 2; o.localSteps = 2; o.batchSize = 8; o.maxValidationWindows = 4
        o.partition = .timePeriods
        o.volatilityCalibration = VolatilityCalibrationOptions(paths: SanitizerRun.size(512, sanitizer: 16),
                                                               horizon: SanitizerRun.size(250, sanitizer: 50))
        configure(&o)
        let report = try FederatedTrainer(model: model, options: o).fit(series: [nyse])
        return (model, report, nyse)
    }

    /// The calibrated federation's unconditional scenarios (another seed than the pilot's) have
    /// the data's variance within 10 %; the history says what was released; with DP nothing is
    /// calibrated.
    func testCalibratedWithoutDPOnly() throws {
        let (model, report, nyse) = try run { _ in }
        let calibration = try XCTUnwrap(report.volatilityCalibration)
        XCTAssertEqual(calibration.targetVariance / variance(nyse), 1, accuracy: 0.01)
        XCTAssertEqual(model.volatilityModel?.generationOmega, calibration.omega)
        let paths = try model.generate(GenerationOptions(paths: SanitizerRun.size(512, sanitizer: 16), horizon: 250,
                                                         regime: .unconditional, seed: 77))
        if !SanitizerRun.isActive {  // the tolerance needs the full pilot and sample (SanitizerRun)
            XCTAssertEqual(variance(paths.returns.flatMap { $0 }) / variance(nyse), 1, accuracy: 0.1)
        }
        XCTAssertTrue(model.history.summary["volatility_calibration"]?.contains("released per series") ?? false)

        let (dp, dpReport, _) = try run {
            $0.privacy = DPConfig(noiseMultiplier: 0.5, clippingNorm: 0.5, numSampledClients: 3)
        }
        XCTAssertNil(dpReport.volatilityCalibration)
        XCTAssertNil(dp.volatilityModel?.generationOmega)
    }

    /// `rematchDependence` (session 21): without DP the recursion is chosen again on the global
    /// model's pilots before the calibration, and recorded; with DP it is refused by name.
    func testRematchBeforeTheCalibrationWithoutDPOnly() throws {
        let (model, report, _) = try run { $0.rematchDependence = DependenceRematchOptions(paths: 8) }
        let rematch = try XCTUnwrap(report.dependenceRematch)
        XCTAssertEqual(rematch.pilotTokens, rematch.candidates.count * 8 * 250)
        if rematch.changed {
            XCTAssertEqual(model.volatilityModel?.generationDynamics, rematch.candidates[rematch.kept].dynamics)
        }
        XCTAssertNotNil(report.volatilityCalibration, "the calibration follows")
        XCTAssertNotNil(model.history.summary["dependence_rematch"])
        let (_, plain, _) = try run { _ in }
        XCTAssertNil(plain.dependenceRematch, "off by default")
        XCTAssertThrowsError(try run {
            $0.rematchDependence = DependenceRematchOptions(paths: 8)
            $0.privacy = DPConfig(noiseMultiplier: 0.5, clippingNorm: 0.5, numSampledClients: 3)
        }) { XCTAssertTrue("\($0)".contains("rematchDependence"), "\($0)") }
    }
}
