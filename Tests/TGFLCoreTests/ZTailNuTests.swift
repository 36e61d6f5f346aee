import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The tail's own index of the generated z's t tails (issue 12, session 15): the t's Hill statistic,
/// each side's ν from the training z, and the DAX's ν under arch's filter, against SciPy
/// (`Tests/Fixtures/make_z_tail_nu_reference.py`); the fit's rule and the checkpoint key.
final class ZTailNuTests: XCTestCase {
    struct Grid: Decodable { let nu: Double; let fraction: Double; let h: Double }
    struct Side: Decodable { let hill: Double; let nu: Double }
    struct Expected: Decodable { let k: Int; let lower: Side; let upper: Side }
    struct Sample: Decodable { let name: String; let z: [Double]; let expected: Expected? }
    struct Rule: Decodable { let lower: Double; let upper: Double }
    struct Dax: Decodable { let days: Int; let params: [String: Double]; let expected: Expected; let expected_rule: Rule }
    struct Reference: Decodable {
        let fraction: Double; let bounds: [Double]; let minimum_exceedances: Int
        let grid: [Grid]; let samples: [Sample]; let dax: Dax
    }

    func reference() throws -> Reference { try loadJSONFixture("z_tail_nu_reference.json") }

    /// h_ν(f) = (1/f)∫_q^∞ S_ν(t)/t dt against `scipy.integrate.quad` (ν 2.5 … 100, f 1–10 %).
    func testStudentTHillStatisticMatchesSciPy() throws {
        for g in try reference().grid {
            assertClose(try TailIndex.studentTHillStatistic(degreesOfFreedom: g.nu, fraction: g.fraction), g.h,
                        rtol: 1e-8, "ν \(g.nu), f \(g.fraction)")
        }
        XCTAssertThrowsError(try TailIndex.studentTHillStatistic(degreesOfFreedom: 5, fraction: 0.5))
        XCTAssertThrowsError(try TailIndex.studentTDegreesOfFreedom(hillStatistic: 0, fraction: 0.05, bounds: 3...100))
    }

    /// The rule's constants are the reference's, and each side's Hill statistic and ν match numpy
    /// and `scipy.optimize.brentq`: an asymmetric sample (t₄ below, t₁₂ above), the bounds (Pareto
    /// index 1.2 → 3; uniform → 100), and nil below 20 exceedances.
    func testTailNuMatchesSciPy() throws {
        let ref = try reference()
        XCTAssertEqual(ZTail.hillFraction, ref.fraction)
        XCTAssertEqual([ZTail.nuBounds.lowerBound, ZTail.nuBounds.upperBound], ref.bounds)
        XCTAssertEqual(ZTail.minimumExceedances, ref.minimum_exceedances)
        for s in ref.samples {
            let got = ZTail.tailNu(trainingZ: s.z)
            guard let e = s.expected else { XCTAssertNil(got, s.name); continue }
            let g = try XCTUnwrap(got, s.name)
            assertClose(try TailIndex.hill(s.z, tail: .left, k: e.k).xi, e.lower.hill, rtol: 1e-12, "\(s.name) lower H")
            assertClose(try TailIndex.hill(s.z, tail: .right, k: e.k).xi, e.upper.hill, rtol: 1e-12, "\(s.name) upper H")
            assertClose(g.lower, e.lower.nu, rtol: 1e-7, "\(s.name) lower ν")
            assertClose(g.upper, e.upper.nu, rtol: 1e-7, "\(s.name) upper ν")
        }
    }

    /// The DAX's first 1,487 days under arch's GJR-t fit: z from this filter at arch's parameters,
    /// then each side's ν equals SciPy's (lower 4.76, upper 12.3), and neither is the filter's 5.75;
    /// the fit's rule caps them at the filter's ν (lower 4.76, upper 5.75).
    func testDaxTailNuUnderArchsFilter() throws {
        let ref = try reference().dax
        let m = try ConditionalVolatilityTests.model(params: ref.params)
        let v = try XCTUnwrap(m.volatilityModel)
        let r = Array(try MarketData.bundled(.euStocks).logReturns("dax").values[0..<ref.days])
        let z = zip(r, v.variances(r)).map { ($0 - v.garch.mu) / $1.squareRoot() }
        let got = try XCTUnwrap(ZTail.tailNu(trainingZ: z))
        assertClose(got.lower, ref.expected.lower.nu, rtol: 1e-6, "lower ν")
        assertClose(got.upper, ref.expected.upper.nu, rtol: 1e-6, "upper ν")
        let filterNu = try XCTUnwrap(ref.params["nu"])
        XCTAssertGreaterThan(abs(got.lower - filterNu), 0.5)
        XCTAssertGreaterThan(abs(got.upper - filterNu), 5)
        // The fit's rule on these z: each side capped at the filter's ν.
        let tail = try XCTUnwrap(v.fittedZTail(probability: 0.005, trainingZ: z, ownNu: true))
        assertClose(tail.nu, ref.expected_rule.lower, rtol: 1e-6, "rule, lower ν")
        assertClose(tail.upperNu, ref.expected_rule.upper, rtol: 1e-6, "rule, upper ν")
    }

    /// The fit: p from the pipeline; with the tail's own ν, each side's from the training z under the
    /// fitted filter, capped at the filter's ν (the filter's ν when the training z are too few);
    /// without it (the default) the filter's ν on both sides; nil when the tails are off.
    func testFitUsesTheTailsOwnNu() throws {
        let r = try MarketData.bundled(.euStocks).logReturns("dax").values
        var config = DataPipelineConfig(contextLength: 40, vocabSize: 256, modelVersion: 2)
        config.matchDependence = false
        config.zTailProbability = 0.01
        let spans = [ReturnSeries(name: "dax", values: Array(r[0..<1487]))]
        let v = try XCTUnwrap(try DataModels.fit(trainingSpans: spans, config: config).volatility)
        let z = zip(spans[0].values, v.variances(spans[0].values)).map { ($0 - v.garch.mu) / $1.squareRoot() }
        let own = try XCTUnwrap(ZTail.tailNu(trainingZ: z)), filterNu = try XCTUnwrap(v.garch.nu)
        XCTAssertEqual(v.generationZTail, v.fittedZTail(probability: 0.01, trainingZ: z), "the fit follows the default")
        if !ZTail.ownNuByDefault {
            XCTAssertEqual(v.generationZTail, try ZTail(probability: 0.01, nu: filterNu), "off by default: the filter's ν")
        }
        let tail = try XCTUnwrap(v.fittedZTail(probability: 0.01, trainingZ: z, ownNu: true))
        XCTAssertEqual(tail, try ZTail(probability: 0.01, nu: min(own.lower, filterNu), upperNu: min(own.upper, filterNu)))
        XCTAssertLessThan(tail.nu, filterNu - 0.5, "the DAX's lower tail is heavier than the filter's t")
        XCTAssertEqual(tail.upperNu, filterNu, "its upper tail is lighter: capped at the filter's ν")
        let few = try XCTUnwrap(v.fittedZTail(probability: 0.01, trainingZ: Array(z.prefix(300)), ownNu: true))
        XCTAssertEqual(few, try ZTail(probability: 0.01, nu: try XCTUnwrap(v.garch.nu)))
        config.zTailProbability = nil
        XCTAssertNil(try DataModels.fit(trainingSpans: spans, config: config).volatility?.generationZTail)
    }

    /// `generation_z_tail_nu_upper`: written only when the sides differ, read back equal; absent → both
    /// sides use `generation_z_tail_nu` (session-14 checkpoints); without the pair, or ≤ 2 → a clear error.
    func testCheckpointKey() throws {
        let m = try ConditionalVolatilityTests.model(params: ZTailTests.params)
        var v = try XCTUnwrap(m.volatilityModel)
        let S = v.levels, R = m.config.nRegimes
        v.generationZTail = try ZTail(probability: 0.005, nu: 5.5)
        XCTAssertNil(v.checkpointSection.attributes["generation_z_tail_nu_upper"])
        let old = try VolatilityModel(checkpointSection: v.checkpointSection, levels: S, regimes: R)
        XCTAssertEqual(old.generationZTail?.upperNu, 5.5)
        v.generationZTail = try ZTail(probability: 0.005, nu: 4.5, upperNu: 12)
        let section = v.checkpointSection
        XCTAssertEqual(section.attributes["generation_z_tail_nu_upper"], .double(12))
        XCTAssertEqual(try VolatilityModel(checkpointSection: section, levels: S, regimes: R), v)
        var bad = section
        bad.attributes["generation_z_tail_nu_upper"] = .double(1.5)
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("degrees of freedom 1.5 must be finite and > 2"), "\($0)")
        }
        bad = section
        bad.attributes["generation_z_tail_probability"] = nil
        bad.attributes["generation_z_tail_nu"] = nil
        XCTAssertThrowsError(try VolatilityModel(checkpointSection: bad, levels: S, regimes: R)) {
            XCTAssertTrue("\($0)".contains("'generation_z_tail_nu_upper' needs"), "\($0)")
        }
    }
}
