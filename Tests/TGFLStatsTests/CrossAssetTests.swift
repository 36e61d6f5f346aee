import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLStats

/// Golden values of `Tests/Fixtures/make_cross_asset_reference.py` (numpy, scipy, statsmodels).
private struct CrossAssetReference: Decodable {
    struct Correlation: Decodable { let values: [Double]; let standard_errors: [Double] }
    struct Tail: Decodable { let i: Int; let j: Int; let q: Double; let lower: Double; let upper: Double }
    struct Ties: Decodable { let x: [Double]; let y: [Double]; let q: Double; let lower: Double; let upper: Double }
    struct Pair: Decodable { let i: Int; let j: Int; let values: [Double] }
    struct CrossACF: Decodable { let max_lag: Int; let pairs: [Pair] }
    struct Energy: Decodable {
        let y: [[Double]]; let real_vs_y: Double; let halves: Double; let one_dimensional: Double
    }
    struct Stress: Decodable {
        let scenarios: [Double]; let paths: Int; let days: Int; let assets: Int; let weights: [Double]
        let level: Double; let pnl: [Double]; let `var`: Double; let es: Double; let component_es: [Double]
        let max_drawdown: [Double]; let worst: [Int]
    }
    let columns: [[Double]]
    let correlation: Correlation
    let labels: [Int]
    let regime_correlation: [String: [Double]]
    let rows: [Int]
    let rows_correlation: [Double]
    let tail_dependence: [Tail]
    let ties: Ties
    let abs_cross_acf: CrossACF
    let energy: Energy
    let stress: Stress
}

final class CrossAssetTests: XCTestCase {
    private static let reference: CrossAssetReference = {
        do { return try loadJSONFixture("cross_asset_reference.json") } catch {
            fatalError("cross_asset_reference.json: \(error)")
        }
    }()
    private var ref: CrossAssetReference { Self.reference }

    func testCorrelationMatchesNumpy() throws {
        let c = try CrossAsset.correlation(ref.columns)
        XCTAssertEqual(c.assets, 4); XCTAssertEqual(c.days, 600)
        assertClose(c.values, ref.correlation.values, rtol: 1e-12, atol: 1e-14, "corrcoef")
        assertClose(c.standardErrors, ref.correlation.standard_errors, rtol: 1e-12, atol: 1e-15, "se")
        let sub = try CrossAsset.correlation(ref.columns, rows: ref.rows)
        assertClose(sub.values, ref.rows_correlation, rtol: 1e-12, atol: 1e-14, "corrcoef on rows")
    }

    func testRegimeCorrelationsMatchNumpy() throws {
        let perRegime = try CrossAsset.regimeCorrelations(ref.columns, labels: ref.labels, regimes: [0, 2])
        assertClose(try XCTUnwrap(perRegime[0]).values, ref.regime_correlation["0"]!, rtol: 1e-12, atol: 1e-14, "calm")
        assertClose(try XCTUnwrap(perRegime[1]).values, ref.regime_correlation["2"]!, rtol: 1e-12, atol: 1e-14, "crisis")
        // The real data's stylized fact, from numpy's values: crisis correlation is higher.
        XCTAssertGreaterThan(perRegime[1]!.meanOffDiagonal, perRegime[0]!.meanOffDiagonal)
        XCTAssertNil(try CrossAsset.regimeCorrelations(ref.columns, labels: ref.labels, regimes: [7])[0])
    }

    func testTailDependenceMatchesScipyRanks() throws {
        for t in ref.tail_dependence {
            let (lower, upper) = try CrossAsset.tailDependence(ref.columns[t.i], ref.columns[t.j], q: t.q)
            assertClose(lower, t.lower, rtol: 1e-14, "λ_L(\(t.i),\(t.j),\(t.q))")
            assertClose(upper, t.upper, rtol: 1e-14, "λ_U(\(t.i),\(t.j),\(t.q))")
        }
        let (lower, upper) = try CrossAsset.tailDependence(ref.ties.x, ref.ties.y, q: ref.ties.q)
        assertClose(lower, ref.ties.lower, rtol: 1e-14, "λ_L with ties")
        assertClose(upper, ref.ties.upper, rtol: 1e-14, "λ_U with ties")
    }

    func testAbsoluteCrossACFMatchesStatsmodels() throws {
        for pair in ref.abs_cross_acf.pairs {
            let values = try CrossAsset.absoluteCrossACF(ref.columns[pair.i], ref.columns[pair.j],
                                                         maxLag: ref.abs_cross_acf.max_lag)
            assertClose(values, pair.values, rtol: 1e-10, atol: 1e-13, "ccf \(pair.i)→\(pair.j)")
        }
    }

    func testEnergyDistanceMatchesScipy() throws {
        assertClose(try CrossAsset.energyDistance(ref.columns, ref.energy.y), ref.energy.real_vs_y, rtol: 1e-10,
                    "real vs t(4)")
        let first = ref.columns.map { Array($0.prefix(300)) }, second = ref.columns.map { Array($0.dropFirst(300)) }
        assertClose(try CrossAsset.energyDistance(first, second), ref.energy.halves, rtol: 1e-10, "halves")
        assertClose(try CrossAsset.energyDistance([ref.columns[0]], [ref.energy.y[0]]), ref.energy.one_dimensional,
                    rtol: 1e-9, "K = 1 is scipy.stats.energy_distance")
        XCTAssertEqual(try CrossAsset.energyDistance(ref.columns, ref.columns), 0, accuracy: 1e-12)
    }

    func testPortfolioStressMatchesNumpy() throws {
        let s = ref.stress
        let scenarios = (0..<s.paths).map { p in
            (0..<s.days).map { d in Array(s.scenarios[((p * s.days + d) * s.assets)..<((p * s.days + d + 1) * s.assets)]) }
        }
        let stress = try PortfolioStress(scenarios: scenarios, weights: s.weights, level: s.level, worst: 7)
        assertClose(stress.profitAndLoss, s.pnl, rtol: 1e-11, atol: 1e-9, "P&L")
        assertClose(stress.valueAtRisk, s.var, rtol: 1e-11, "VaR")
        assertClose(stress.expectedShortfall, s.es, rtol: 1e-11, "ES")
        assertClose(stress.componentExpectedShortfall, s.component_es, rtol: 1e-10, atol: 1e-9, "component ES")
        assertClose(stress.componentExpectedShortfall.reduce(0, +), stress.expectedShortfall, rtol: 1e-12, "Euler sum")
        assertClose(stress.maxDrawdowns, s.max_drawdown, rtol: 1e-10, atol: 1e-14, "drawdowns")
        XCTAssertEqual(stress.worstScenarios, s.worst)
        XCTAssertEqual(try PortfolioStress.weights(positions: [2, 3], prices: [10, 0.5]), [20, 1.5])
    }

    func testBadInputIsNamed() {
        XCTAssertThrowsError(try CrossAsset.correlation([[1, 2, 3, 4, 5], [1, 2, 3]])) { e in
            XCTAssertTrue("\(e)".contains("columns[1] has 3 days"), "\(e)")
        }
        XCTAssertThrowsError(try CrossAsset.correlation([[1, 2, .nan, 4, 5]])) { e in
            XCTAssertTrue("\(e)".contains("columns[0]"), "\(e)")
        }
        XCTAssertThrowsError(try CrossAsset.correlation([[1, 2, 3, 4], [1, 1, 1, 1]])) { e in
            XCTAssertTrue("\(e)".contains("columns[1] is constant"), "\(e)")
        }
        XCTAssertThrowsError(try CrossAsset.tailDependence([1, 2, 3], [3, 2, 1], q: 0.7))
        XCTAssertThrowsError(try CrossAsset.energyDistance([[1, 2]], [[1, 2], [3, 4]])) { e in
            XCTAssertTrue("\(e)".contains("x has 1 assets but y has 2"), "\(e)")
        }
        XCTAssertThrowsError(try PortfolioStress(scenarios: [[[0.01, 0.02]], [[0.01]]], weights: [1, 1], level: 0.05)) { e in
            XCTAssertTrue("\(e)".contains("scenarios[1][0] has 1 assets"), "\(e)")
        }
        XCTAssertThrowsError(try PortfolioStress(scenarios: [[[0.01, .infinity]]], weights: [1, 1], level: 0.05)) { e in
            XCTAssertTrue("\(e)".contains("scenarios[0][0] (asset 1)"), "\(e)")
        }
    }
}
