import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLStats

/// `RealismScorecard` against numpy/scipy (Tests/Fixtures/make_realism_reference.py →
/// realism_reference.json): the fair ACF|r| (lags 1–50) and leverage (lags 1–20) errors, KS,
/// kurtosis, 1 % VaR/ES, the per-regime statistics and every verdict.
final class RealismScorecardTests: XCTestCase {
    struct Regime: Decodable {
        var real_days: Int, synthetic_days: Int
        var real_std: Double, synthetic_std: Double, real_var: Double, synthetic_var: Double
        var real_mean: Double, synthetic_mean: Double
    }
    struct Reference: Decodable {
        var real: [Double], real_labels: [Int], paths: [[Double]], path_labels: [[Int]], names: [String]
        var references: [String: Double]
        var ks_p: Double, real_kurtosis: Double, synthetic_kurtosis: Double
        var acf_abs_error: Double, leverage_error: Double
        var real_var: Double, real_es: Double, synthetic_var: Double, synthetic_es: Double
        var regimes: [Regime]
        var passed: [String: Bool?]
    }

    private func load() throws -> (Reference, RealismScorecard) {
        let ref: Reference = try loadJSONFixture("realism_reference.json")
        let card = try RealismScorecard(
            real: ref.real, realRegimes: ref.real_labels, synthetic: ref.paths, syntheticRegimes: ref.path_labels,
            regimeNames: ref.names,
            references: RealismReferences(acfAbsoluteError: ref.references["acf_abs_error"],
                                          leverageError: ref.references["leverage_error"]))
        return (ref, card)
    }

    func testMetricsMatchNumpy() throws {
        let (ref, card) = try load()
        let m = card.metrics
        assertClose(m.ksFairPValue, ref.ks_p, rtol: 1e-9, "KS p (scipy ks_2samp)")
        assertClose(m.realExcessKurtosis, ref.real_kurtosis, rtol: 1e-10, "real kurtosis")
        assertClose(m.syntheticExcessKurtosis, ref.synthetic_kurtosis, rtol: 1e-10, "synthetic kurtosis")
        assertClose(m.acfAbsoluteError, ref.acf_abs_error, rtol: 1e-9, "fair ACF|r| error, lags 1-50")
        assertClose(m.leverageError, ref.leverage_error, rtol: 1e-9, "fair leverage error, lags 1-20")
        assertClose([m.realVaR, m.realES, m.syntheticVaR, m.syntheticES],
                    [ref.real_var, ref.real_es, ref.synthetic_var, ref.synthetic_es], rtol: 1e-12, "VaR/ES")
        XCTAssertEqual(m.regimes.map(\.name), ref.names)
        for (g, r) in ref.regimes.enumerated() {
            let s = m.regimes[g]
            XCTAssertEqual(s.realDays, r.real_days); XCTAssertEqual(s.syntheticDays, r.synthetic_days)
            assertClose([s.realStd!, s.syntheticStd!, s.realVaR!, s.syntheticVaR!, s.realMean!, s.syntheticMean!],
                        [r.real_std, r.synthetic_std, r.real_var, r.synthetic_var, r.real_mean, r.synthetic_mean],
                        rtol: 1e-10, "regime \(g)")
        }
        XCTAssertNil(m.memorization)
    }

    func testVerdictsMatchTheReference() throws {
        let (ref, card) = try load()
        for t in card.targets where t.key != "memorization" {
            XCTAssertEqual(t.passed, ref.passed[t.key] ?? nil, t.key)
        }
        XCTAssertEqual(Set(card.targets.map(\.key)), Set(ref.passed.keys).union(["memorization"]))
        XCTAssertNil(card.targets.first { $0.key == "memorization" }?.passed)   // no windows: unchecked
        XCTAssertEqual(card.passedCount, ref.passed.values.filter { $0 == true }.count)
        XCTAssertEqual(card.checkedCount, ref.passed.values.filter { $0 != nil }.count)
        // Without baseline references the ACF and leverage targets are unchecked, not passed.
        let bare = RealismScorecard.targets(metrics: card.metrics, references: RealismReferences(), options: card.options)
        XCTAssertNil(bare.first { $0.key == "acf_abs_error" }?.passed)
        XCTAssertNil(bare.first { $0.key == "leverage_error" }?.passed)
    }

    func testRejectsBadLabels() throws {
        let ref: Reference = try loadJSONFixture("realism_reference.json")
        XCTAssertThrowsError(try RealismScorecard(real: ref.real, realRegimes: Array(ref.real_labels.dropLast()),
                                                  synthetic: ref.paths, syntheticRegimes: ref.path_labels,
                                                  regimeNames: ref.names)) { XCTAssertTrue("\($0)".contains("realRegimes"), "\($0)") }
        var bad = ref.path_labels
        bad[1][7] = 4
        XCTAssertThrowsError(try RealismScorecard(real: ref.real, realRegimes: ref.real_labels, synthetic: ref.paths,
                                                  syntheticRegimes: bad, regimeNames: ref.names)) {
            XCTAssertTrue("\($0)".contains("syntheticRegimes[1][7] = 4"), "\($0)")
        }
    }
}
