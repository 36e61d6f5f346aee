import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_whitening_reference.py`: z with a scale and correlation per regime,
/// their labels, and NumPy's Cholesky factors of each regime's covariance and correlation.
private struct WhiteningReference: Decodable {
    let z: [[Double]]; let labels: [Int32]; let regimes: Int
    let covariance_cholesky: [[Double]]; let correlation_cholesky: [[Double]]; let rows: [Int]
    let return_correlation: ReturnCorrelationReference
}

/// The session-17 case of the same script: z whose correlation rises with σ inside each regime,
/// their σ, NumPy's return-correlation factors, the covariance factors, ρ^r and the mixing m.
private struct ReturnCorrelationReference: Decodable {
    let z: [[Double]]; let sigmas: [[Double]]; let labels: [Int32]; let regimes: Int
    let cholesky: [[Double]]; let covariance_cholesky: [[Double]]
    let return_correlation: [[Double]]; let mixing: [[Double]]; let rows: [Int]
}

/// Session 13: the joint model's whitening factors are those of each regime's covariance of z,
/// so every regime's u have the identity covariance and `z = L_g u` gives back the regime's own
/// scale and correlation; the rule is recorded in `/joint` (version 3) and older files read as before.
final class JointWhiteningTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-whitening-tests" }

    /// The factors equal `numpy.linalg.cholesky(numpy.cov(z[rows_g]))` with the pooling of thin
    /// regimes (the 20 crisis days pooled with the 60 volatile ones), and differ from the
    /// correlation's (the rule before session 13) where a regime's spread is not 1 (calm z with
    /// std up to 1.10, crisis z 0.72–0.84: a diagonal away from the correlation factor's 1).
    func testRegimeWhiteningMatchesNumPyCovariance() throws {
        let ref = try loadJSONFixture("joint_whitening_reference.json", as: WhiteningReference.self)
        XCTAssertEqual(ref.rows, [300, 200, 60, 80])
        let got = try JointDataModels.regimeWhitening(z: ref.z, labels: ref.labels, regimes: ref.regimes)
        XCTAssertEqual(got.count, ref.regimes)
        for g in 0..<ref.regimes {
            assertClose(got[g], ref.covariance_cholesky[g], rtol: 1e-12, atol: 1e-14, "L of regime \(g)")
        }
        let apart = (0..<ref.regimes).flatMap { g in zip(got[g], ref.correlation_cholesky[g]).map { abs($0 - $1) } }.max() ?? 0
        XCTAssertGreaterThan(apart, 0.05, "the factors are not the correlation's")
    }

    /// The rule of files before session 13 is read, not fitted: asking a fit for it is an error that
    /// names the setting and the rules to use (it used to fit the covariance rule silently).
    func testFitRefusesTheReadOnlyCorrelationRule() {
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        config.joint.whitening = .correlation
        let span = [[0.01, -0.02, 0.003, 0.0, 0.015], [0.002, -0.01, 0.004, -0.003, 0.01]]
        XCTAssertThrowsError(try JointDataModels.fit(assets: ["a", "b"], trainingSpans: [span], config: config)) {
            XCTAssertTrue("\($0)".contains("JointDataSettings.whitening .correlation"), "\($0)")
            XCTAssertTrue("\($0)".contains("use .returnCorrelation (the default) or .covariance"), "\($0)")
        }
    }

    /// Session 17: with σ the factors are NumPy's return-correlation rule (each regime's z
    /// variances, the correlation ρ^r_ij / m_ij), so that z = L_g u drawn independently of σ gives
    /// back the regime's return correlation: m_ij · corr(L_g L_gᵀ)_ij = ρ^r_ij, which the covariance
    /// factors miss by 0.04–0.20 on these days (their z correlation rises with σ). Without σ the
    /// factors stay the covariance's. A σ column of the wrong length or ≤ 0 is refused.
    func testReturnCorrelationWhiteningMatchesNumPy() throws {
        let ref = try loadJSONFixture("joint_whitening_reference.json", as: WhiteningReference.self).return_correlation
        XCTAssertEqual(ref.rows, [240, 150, 70, 95])
        let K = ref.z.count
        let got = try JointDataModels.regimeWhitening(z: ref.z, labels: ref.labels, regimes: ref.regimes, sigmas: ref.sigmas)
        let plain = try JointDataModels.regimeWhitening(z: ref.z, labels: ref.labels, regimes: ref.regimes)
        for g in 0..<ref.regimes {
            assertClose(got[g], ref.cholesky[g], rtol: 1e-10, atol: 1e-12, "L of regime \(g)")
            assertClose(plain[g], ref.covariance_cholesky[g], rtol: 1e-10, atol: 1e-12, "covariance L of regime \(g)")
            let c = (0..<(K * K)).map { e in (0..<K).reduce(0.0) { $0 + got[g][(e / K) * K + $1] * got[g][(e % K) * K + $1] } }
            let cPlain = (0..<(K * K)).map { e in (0..<K).reduce(0.0) { $0 + plain[g][(e / K) * K + $1] * plain[g][(e % K) * K + $1] } }
            var worstPlain = 0.0
            for i in 0..<K {
                for j in 0..<K where j != i {
                    let m = ref.mixing[g][i * K + j], rho = ref.return_correlation[g][i * K + j]
                    XCTAssertEqual(m * c[i * K + j] / (c[i * K + i] * c[j * K + j]).squareRoot(), rho, accuracy: 1e-10,
                                   "regime \(g), pair \(i)-\(j)")
                    worstPlain = max(worstPlain, abs(m * cPlain[i * K + j] / (cPlain[i * K + i] * cPlain[j * K + j]).squareRoot() - rho))
                }
                XCTAssertEqual(c[i * K + i], cPlain[i * K + i], accuracy: 1e-12, "regime \(g): z variance \(i) kept")
            }
            XCTAssertGreaterThan(worstPlain, 0.04, "regime \(g): the covariance rule misses the return correlation")
        }
        var bad = ref.sigmas
        bad[1][3] = 0
        XCTAssertThrowsError(try JointDataModels.regimeWhitening(z: ref.z, labels: ref.labels, regimes: ref.regimes, sigmas: bad)) { e in
            XCTAssertTrue("\(e)".contains("σ > 0"), "\(e)")
        }
        XCTAssertThrowsError(try JointDataModels.regimeWhitening(z: ref.z, labels: ref.labels, regimes: ref.regimes,
                                                                 sigmas: Array(ref.sigmas.prefix(2)))) { e in
            XCTAssertTrue("\(e)".contains("return-correlation whitening"), "\(e)")
        }
    }

    /// Bad inputs are refused with a message: a label count that does not match the days, and
    /// a constant asset (its covariance is singular).
    func testRegimeWhiteningRefusesBadInput() throws {
        XCTAssertThrowsError(try JointDataModels.regimeWhitening(z: [[1, 2, 3, 4, 5]], labels: [0, 0, 0, 0], regimes: 1)) { e in
            XCTAssertTrue("\(e)".contains("label"), "\(e)")
        }
        let z = [[Double](repeating: 1, count: 40), (0..<40).map { Double($0 % 7) }]
        XCTAssertThrowsError(try JointDataModels.regimeWhitening(z: z, labels: [Int32](repeating: 0, count: 40), regimes: 1)) { e in
            XCTAssertTrue("\(e)".contains("not positive definite"), "\(e)")
        }
    }

    /// A fit records its rule: the return-correlation rule by default (session 17; `/joint` version
    /// 7, `whitening = "return_correlation"`), the covariance rule when asked (`JointDataSettings`;
    /// version 3 with nothing else, as sessions 13–16 wrote). The covariance rule is stored as
    /// `whitening = "covariance"` with `/joint` version 3 and read back; a section without the
    /// attribute (every file before session 13) reads as the correlation rule, and a bad value is
    /// refused naming the key.
    func testWhiteningIsStoredInTheCheckpoint() throws {
        let columns = try MarketData.bundled(.euStocks).allLogReturns().map { Array($0.values.prefix(600)) }
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2)
        let fitted = try JointDataModels.fit(assets: ["dax", "smi", "cac", "ftse"], trainingColumns: columns, config: config)
        XCTAssertEqual(fitted.whitening, .returnCorrelation)
        XCTAssertEqual(fitted.checkpointSection.attributes["version"], .int(7))
        XCTAssertEqual(fitted.checkpointSection.attributes["whitening"], .string("return_correlation"))
        config.joint.whitening = .covariance
        let covariance = try JointDataModels.fit(assets: ["dax", "smi", "cac", "ftse"], trainingColumns: columns, config: config)
        XCTAssertEqual(covariance.whitening, .covariance)
        XCTAssertEqual(covariance.volatility, fitted.volatility)
        XCTAssertNotEqual(covariance.cholesky, fitted.cholesky)
        XCTAssertEqual(covariance.checkpointSection.attributes["version"], .int(6))
        XCTAssertEqual(try JointDataModels(checkpointSection: fitted.checkpointSection,
                                           config: ModelConfig(vocabSize: 64, contextLength: 32, dModel: 16, nLayers: 1,
                                                               nHeads: 2, dFF: 32, nRegimes: 4, modelVersion: 2,
                                                               volatilityLevels: 8)).whitening, .returnCorrelation)

        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let old = try XCTUnwrap(model.dataModels)
        XCTAssertEqual(old.whitening, .correlation)
        let models = try JointDataModels(assets: old.assets, tokenizer: old.tokenizer, volatility: old.volatility,
                                         regimes: old.regimes, cholesky: old.cholesky, whitening: .covariance,
                                         copula: old.copula)
        try model.setDataModels(models)
        let path = directory.appendingPathComponent("whitening.h5").path
        try model.save(to: path)
        let checkpoint = try Checkpoint.load(from: path)
        let section = try XCTUnwrap(checkpoint.joint)
        XCTAssertEqual(section.attributes["version"], .int(3))
        XCTAssertEqual(section.attributes["whitening"], .string("covariance"))
        XCTAssertEqual(try JointScenarioModel.load(from: path).dataModels, models)

        var before = section
        before.attributes["whitening"] = nil
        before.attributes["version"] = .int(1)
        XCTAssertEqual(try JointDataModels(checkpointSection: before, config: checkpoint.config).whitening, .correlation)
        var bad = section
        bad.attributes["whitening"] = .string("pearson")
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("whitening"), "\(e)")
        }
    }
}
