import Foundation
import TGFLRandom
import XCTest
import TGFLTestSupport
@testable import TGFLStats

final class StylizedFactsReportTests: XCTestCase {
    /// The report of the reference case, built once per test process.
    nonisolated(unsafe) private static var cached: StylizedFactsReport?

    private func makeReport(_ c: ReportReference.ReportCase) throws -> StylizedFactsReport {
        if let r = Self.cached { return r }
        let r = try buildReport(c)
        Self.cached = r
        return r
    }

    private func buildReport(_ c: ReportReference.ReportCase) throws -> StylizedFactsReport {
        let w = c.memorizationWindow, half = c.real.count / 2
        let memo = MemorizationInput(
            training: try Memorization.windows(of: Array(c.real[..<half]), length: w, stride: w),
            heldOut: try Memorization.windows(of: Array(c.real[half...]), length: w, stride: w))
        let options = StylizedFactsOptions(maxLag: c.maxLag, leverageLags: c.leverageLags, horizons: c.horizons,
                                           seed: c.seed, ksSubsamples: c.ksSubsamples,
                                           mmd: MMDOptions(maxSamplesPerSide: c.mmdCap))
        return try StylizedFactsReport(real: c.real, synthetic: c.synthetic, options: options, memorization: memo)
    }

    func testFactsAgainstScipyNumpyStatsmodels() throws {
        let c = try ReportReference.load().report
        let r = try makeReport(c)
        XCTAssertEqual(r.realCount, c.real.count)
        XCTAssertEqual(r.pathCount, c.synthetic.count)
        XCTAssertEqual(r.syntheticCount, c.synthetic.reduce(0) { $0 + $1.count })
        // Every fact the script computed is in the report, with the same values.
        for (key, expected) in c.facts {
            guard let f = r.facts.first(where: { $0.key == key }) else { XCTFail("missing fact \(key)"); continue }
            XCTAssertEqual(f.real == nil, expected[0] == nil, key)
            if let a = f.real, let e = expected[0] { assertClose(a, e, rtol: 1e-9, key + " real") }
            if let a = f.synthetic, let e = expected[1] {
                assertClose(a, e, rtol: key == "ks_fair" ? 1e-6 : 1e-9, key + " synthetic")
            } else { XCTFail("\(key): synthetic value missing") }
        }
        for (d, e) in zip(r.horizonDistances, c.rows) {
            XCTAssertEqual([d.horizon, d.realCount, d.syntheticCount], [e.horizon, e.realCount, e.syntheticCount])
            assertClose([d.wasserstein1, d.energy, d.mmdBandwidth, d.dy], [e.wasserstein1, e.energy, e.mmdBandwidth, e.dy],
                        rtol: 1e-10, atol: 1e-14, "h=\(e.horizon)")
            assertClose(d.mmd2, e.mmd2, rtol: 1e-8, atol: 1e-13, "h=\(e.horizon) MMD²")
        }
        for (s, e) in [(r.quantGANs, c.scores), (r.quantGANsFair, c.fairScores)] {
            assertClose([s.acfReturns, s.acfAbsolute, s.acfSquared, s.leverage],
                        [e.acfReturns, e.acfAbsolute, e.acfSquared, e.leverage], rtol: 1e-9, "Quant GANs")
        }
        let m = try XCTUnwrap(r.memorization)
        assertClose([m.medianRatio, m.fractionCloser], [c.memorization.medianRatio, c.memorization.fractionCloser],
                    rtol: 1e-12, "memorization")
        XCTAssertEqual(m.generatedCount, c.memorization.generatedCount)
    }

    func testVerdictsFollowTheDocumentedThresholds() throws {
        let c = try ReportReference.load().report
        let r = try makeReport(c)
        func fact(_ k: String) -> StylizedFact { r.facts.first { $0.key == k }! }
        func v(_ k: String) -> (Double, Double) { (c.facts[k]![0] ?? .nan, c.facts[k]![1]!) }
        let o = StylizedFactsOptions()
        XCTAssertEqual(fact("ks_fair").passed, v("ks_fair").1 >= 0.05)
        XCTAssertEqual(fact("std").passed, o.stdRatioRange.contains(v("std").1 / v("std").0))
        XCTAssertEqual(fact("excess_kurtosis").passed, (3.0...15).contains(v("excess_kurtosis").1))
        XCTAssertNil(fact("skewness").passed)
        XCTAssertNil(fact("worst_day_pooled").passed)
        for k in ["abs_acf_mean", "leverage_mean"] {   // against the fair real value (NumPy's chunks)
            XCTAssertEqual(fact(k).passed, abs(v(k).1 - v(k).0) <= max(0.5 * abs(v(k).0), 0.02), k)
        }
        XCTAssertEqual(fact("return_acf_max").passed, v("return_acf_max").1 <= 0.1)
        XCTAssertEqual(fact("worst_day").passed, v("worst_day").1 >= 3 * v("worst_day").0)
        XCTAssertEqual(fact("hill_left_tail").passed, abs(v("hill_left_tail").1 - v("hill_left_tail").0) <= 1)
        for k in ["var_1", "es_1", "var_5", "es_5"] {
            XCTAssertEqual(fact(k).passed, abs(v(k).1 / v(k).0 - 1) <= 0.25, k)
        }
        XCTAssertEqual(fact("memorization").passed, true)
        // This synthetic set is too wild (kurtosis 38, worst day 5.7× the real one): it must fail.
        XCTAssertFalse(r.overallPass)
        XCTAssertEqual(r.passedCount + r.failedCount + r.informationalCount, r.facts.count)
        XCTAssertEqual(r.failedCount, r.facts.filter { $0.passed == false }.count)
    }

    /// Issue 12: a scenario set without clustering must fail. The real series' returns shuffled
    /// into paths keep every one-day fact but lose the dependence: their mean ACF of |r| is
    /// about 0 against the real chunks' 0.04, so the clustering fact fails (a sign criterion,
    /// "syn > 0", passed or failed on noise). The real series' own chunks pass.
    func testASetWithoutClusteringFails() throws {
        let c = try ReportReference.load().report
        var rng = SeededRNG(seed: 5, stream: 0)
        var shuffled = c.real
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.int(below: i + 1)) }
        let options = StylizedFactsOptions(mmd: MMDOptions(maxSamplesPerSide: 200))
        let iid = try StylizedFactsReport(real: c.real, synthetic: (0..<7).map { Array(shuffled[($0 * 200)..<($0 * 200 + 200)]) },
                                          options: options)
        let own = try StylizedFactsReport(real: c.real, synthetic: (0..<7).map { Array(c.real[($0 * 200)..<($0 * 200 + 200)]) },
                                          options: options)
        XCTAssertEqual(iid.facts.first { $0.key == "abs_acf_mean" }?.passed, false)
        XCTAssertEqual(own.facts.first { $0.key == "abs_acf_mean" }?.passed, true)
        XCTAssertEqual(own.facts.first { $0.key == "leverage_mean" }?.passed, true)
    }

    func testRealAgainstItsOwnChunksPasses() throws {
        // Synthetic = the real series cut into paths: every distributional fact must pass.
        let c = try ReportReference.load().report
        let paths = (0..<7).map { Array(c.real[($0 * 200)..<($0 * 200 + 200)]) }
        let r = try StylizedFactsReport(real: c.real, synthetic: paths,
                                        options: StylizedFactsOptions(excessKurtosisRange: 0...15,
                                                                                     mmd: MMDOptions(maxSamplesPerSide: 200)))
        for key in ["ks_fair", "std", "excess_kurtosis", "worst_day", "hill_left_tail", "var_5", "es_5"] {
            XCTAssertEqual(r.facts.first { $0.key == key }?.passed, true, key)
        }
    }

    func testRenderingAndJSONRoundTrip() throws {
        let c = try ReportReference.load().report
        let r = try makeReport(c)
        let json = try r.jsonString()
        for key in ["\"overall_pass\"", "\"horizon_distances\"", "\"quant_gans_fair\"", "\"facts\"",
                    "\"wasserstein1\"", "\"passed_count\"", "\"memorization\""] {
            XCTAssertTrue(json.contains(key), key)
        }
        XCTAssertEqual(try StylizedFactsReport.decode(json: Data(json.utf8)), r)
        // Stable shape: the top-level keys, and null (not a missing key) for absent values.
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object.keys.sorted(), [
            "facts", "failed_count", "fair_real_curves", "horizon_distances", "informational_count", "memorization",
            "options", "overall_pass", "passed_count", "path_count", "quant_gans", "quant_gans_fair", "real_count",
            "real_curves", "synthetic_count", "synthetic_curves"])
        XCTAssertTrue(json.contains("\"real\" : null"), "a comparison fact has real = null")
        XCTAssertEqual(try r.jsonString(), json, "stable output")
        let text = r.textTable()
        XCTAssertTrue(text.contains("Excess kurtosis") && text.contains("FAIL") && text.contains("100d"))
        XCTAssertTrue(text.hasSuffix(r.summary + "\n"))
        let md = r.markdown()
        XCTAssertTrue(md.contains("| Fact | Real | Synthetic | Criterion | Result |"))
        XCTAssertEqual(md.components(separatedBy: "\n").filter { $0.hasPrefix("| ") }.count,
                       (r.facts.count + 2) + (r.horizonDistances.count + 2) + 4)
    }

    func testDeterministic() throws {
        let c = try ReportReference.load().report
        XCTAssertEqual(try makeReport(c), try buildReport(c))
    }

    func testBadInput() throws {
        let c = try ReportReference.load().report
        let real = c.real, syn = Array(c.synthetic.prefix(3))
        XCTAssertThrowsError(try StylizedFactsReport(real: [], synthetic: syn))
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: []))
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn + [Array(syn[0].prefix(50))])) {
            guard case .tooShort(let m) = $0 as? StatsError else { return XCTFail("\($0)") }
            XCTAssertTrue(m.contains("synthetic[3]"), m)
        }
        var bad = syn
        bad[1][7] = .nan
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: bad)) {
            XCTAssertEqual($0 as? StatsError, .nonFinite("synthetic[1]", index: 7))
        }
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn, options: StylizedFactsOptions(leverageLags: 30)))
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn, options: StylizedFactsOptions(horizons: [1, 0])))
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn, options: StylizedFactsOptions(ksMinMedianPValue: 1)))
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn, options: StylizedFactsOptions(worstDayFactor: 0.5)))
        XCTAssertThrowsError(try StylizedFactsReport(real: Array(real.prefix(150)), synthetic: syn)) // < 2 × 100 days
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn,
                                                     memorization: MemorizationInput(training: [], heldOut: [[1]])))
        XCTAssertThrowsError(try StylizedFactsReport(real: real, synthetic: syn,
                                                     memorization: MemorizationInput(training: [[1, 2]], heldOut: [[1, 2, 3]]))) {
            guard case .lengthMismatch = $0 as? StatsError else { return XCTFail("\($0)") }
        }
    }
}

