import Foundation
import TGFLReport
import TGFLStats
import TGFLTestSupport
import XCTest

/// The report's numbers against NumPy and statsmodels (Tests/Fixtures/make_report_reference.py).
final class ScenarioReportDataTests: XCTestCase {
    struct Curves: Decodable {
        var acf_returns: [Double], acf_absolute: [Double], acf_squared: [Double], leverage: [Double]
        func matches(_ c: DependenceCurves, rtol: Double, _ what: String) {
            assertClose(c.acfReturns, acf_returns, rtol: rtol, atol: 1e-12, "\(what) ACF r")
            assertClose(c.acfAbsolute, acf_absolute, rtol: rtol, atol: 1e-12, "\(what) ACF |r|")
            assertClose(c.acfSquared, acf_squared, rtol: rtol, atol: 1e-12, "\(what) ACF r²")
            assertClose(c.leverage, leverage, rtol: rtol, atol: 1e-12, "\(what) leverage")
        }
    }
    struct Density: Decodable { var edges: [Double], real: [Double], synthetic: [Double] }
    struct Risk: Decodable { var std: Double, `var`: Double, es: Double }
    struct Reference: Decodable {
        struct Inputs: Decodable { var real: [Double], paths: [[Double]], regime_real: [Double] }
        struct Fan: Decodable { var bands: [[Double]], real_bands: [[Double]], real_windows: Int }
        struct QQ: Decodable { var real: [Double], synthetic: [Double] }
        struct Dependence: Decodable { var chunks: Int, low: Curves, high: Curves, synthetic: Curves, real: Curves }
        struct Regime: Decodable { var real: Risk, synthetic: Risk }
        var inputs: Inputs, fan: Fan, density_1: Density, density_20: Density, qq: QQ, dependence: Dependence
        var regime: Regime
    }

    static let reference: Reference = try! loadJSONFixture("report_reference.json")

    func makeData() throws -> ScenarioReportData {
        let ref = Self.reference
        return try ScenarioReportData(ScenarioReportInput(real: ref.inputs.real, scenarios: [
            .init(name: "calm", paths: ref.inputs.paths, realRegimeDays: ref.inputs.regime_real),
        ]))
    }

    func testFanBandsMatchNumPyQuantiles() throws {
        let data = try makeData(), ref = Self.reference
        XCTAssertEqual(data.fans.count, 1)
        let fan = data.fans[0]
        XCTAssertEqual(fan.horizon, 60)
        XCTAssertEqual(fan.realWindows, ref.fan.real_windows)
        for j in 0..<5 {
            assertClose(fan.bands[j], ref.fan.bands[j], rtol: 1e-12, "synthetic band \(j)")
            assertClose(fan.realBands[j], ref.fan.real_bands[j], rtol: 1e-12, "real band \(j)")
        }
        XCTAssertEqual(fan.samples.count, 5)
    }

    func testDensitiesMatchNumPyHistograms() throws {
        let data = try makeData(), ref = Self.reference
        XCTAssertEqual(data.densities.map(\.horizon), [1, 20])
        for (d, expected) in zip(data.densities, [ref.density_1, ref.density_20]) {
            assertClose(d.edges, expected.edges, rtol: 1e-12, atol: 1e-15, "edges h=\(d.horizon)")
            assertClose(d.real, expected.real, rtol: 1e-9, "real density h=\(d.horizon)")
            assertClose(d.synthetic, expected.synthetic, rtol: 1e-9, "synthetic density h=\(d.horizon)")
        }
    }

    func testQQMatchesNumPy() throws {
        let data = try makeData(), ref = Self.reference
        assertClose(data.qq.real, ref.qq.real, rtol: 1e-12, "real quantiles")
        assertClose(data.qq.synthetic, ref.qq.synthetic, rtol: 1e-12, "synthetic quantiles")
    }

    func testDependenceBandsMatchStatsmodels() throws {
        let d = try makeData().dependence, ref = Self.reference.dependence
        XCTAssertEqual(d.maxLag, 20)
        XCTAssertEqual(d.chunks, ref.chunks)
        ref.low.matches(d.realLow, rtol: 1e-8, "real chunks 5 %")
        ref.high.matches(d.realHigh, rtol: 1e-8, "real chunks 95 %")
        ref.synthetic.matches(d.synthetic, rtol: 1e-8, "synthetic path average")
        ref.real.matches(d.real, rtol: 1e-8, "real full series")
    }

    func testRegimeRiskMatchesNumPy() throws {
        let r = try XCTUnwrap(makeData().regimes.first), ref = Self.reference.regime
        assertClose(try XCTUnwrap(r.realStd), ref.real.std, rtol: 1e-12, "real std")
        assertClose(try XCTUnwrap(r.realVaR), ref.real.var, rtol: 1e-12, "real VaR")
        assertClose(try XCTUnwrap(r.realES), ref.real.es, rtol: 1e-12, "real ES")
        assertClose(r.syntheticStd, ref.synthetic.std, rtol: 1e-12, "synthetic std")
        assertClose(r.syntheticVaR, ref.synthetic.var, rtol: 1e-12, "synthetic VaR")
        assertClose(r.syntheticES, ref.synthetic.es, rtol: 1e-12, "synthetic ES")
    }

    func testBadInputNamesSetPathAndDay() {
        let real = Self.reference.inputs.real
        var paths = Self.reference.inputs.paths
        paths[3].removeLast()
        XCTAssertThrowsError(try ScenarioReportData(ScenarioReportInput(real: real, scenarios: [.init(name: "crisis", paths: paths)]))) {
            XCTAssertEqual("\($0)", "report: scenario set 'crisis': path 3 has 59 days, path 0 has 60; every path of a set must have one length")
        }
        paths = Self.reference.inputs.paths
        paths[2][7] = .nan
        XCTAssertThrowsError(try ScenarioReportData(ScenarioReportInput(real: real, scenarios: [.init(name: "x", paths: paths)]))) {
            XCTAssertTrue("\($0)".contains("path 2, day 7 is nan"), "\($0)")
        }
        XCTAssertThrowsError(try ScenarioReportData(ScenarioReportInput(real: real, scenarios: []))) {
            XCTAssertTrue("\($0)".contains("no scenario set"), "\($0)")
        }
    }

    func testFederationRecordRoundsAndClients() throws {
        let record = """
            {"format":"tgfl.federation","clients":3,"delta":1e-5,"strategy":{"name":"FedAvg"},
             "privacy":{"enabled":true},"history":[
              {"round":1,"train_loss":2.5,"validation_loss":2.4,"epsilon":0.7,"participants":2,"dropped":1,"late":0,
               "rejected":[2],"client_losses":[{"client":0,"train_loss":2.6},{"client":1,"train_loss":2.4}]},
              {"round":2,"train_loss":null,"validation_loss":2.2,"epsilon":1.1,"participants":3,"dropped":0,"late":0,
               "rejected":[],"client_losses":[]}]}
            """
        let ref = Self.reference
        let data = try ScenarioReportData(ScenarioReportInput(real: ref.inputs.real, scenarios: [
            .init(name: "u", paths: ref.inputs.paths)], federationRecord: record))
        let f = try XCTUnwrap(data.federation)
        XCTAssertEqual(f.rounds.map(\.round), [1, 2])
        XCTAssertEqual(f.rounds[0].rejected, [2])
        XCTAssertEqual(f.rounds[0].clientLosses.map(\.client), [0, 1])
        XCTAssertEqual(f.rounds[0].clientLosses.map(\.trainLoss), [2.6, 2.4])
        XCTAssertNil(f.rounds[1].trainLoss)
        XCTAssertEqual(f.rounds.map(\.epsilon), [0.7, 1.1])
        XCTAssertTrue(f.privacy)
        XCTAssertThrowsError(try ScenarioReportData(ScenarioReportInput(
            real: ref.inputs.real, scenarios: [.init(name: "u", paths: ref.inputs.paths)], federationRecord: "[1,")))
    }
}
