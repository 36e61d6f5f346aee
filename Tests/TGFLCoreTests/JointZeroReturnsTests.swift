import Foundation
import TGFLStats
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// `Tests/Fixtures/make_joint_zero_returns_reference.py`: per asset of eu_stocks, the shares of
/// exact zeros per z-token on the days without an earlier zero, and per count of earlier zeros.
private struct ZeroReturnsReference: Decodable {
    struct Tokenizer: Decodable { let vocab_size: Int; let mean: Double; let std: Double; let clip_sigma: Double }
    struct Case: Decodable {
        let spans: [[Int]]; let shares: [[Double]]; let after_zeros: [[Double]]
        let zero_days: [Int]; let days_by_zero_count: [Int]
    }
    let assets: [String]; let params: [[String: Double]]; let tokenizer: Tokenizer; let cases: [String: Case]
}

/// Exact-zero returns of the joint model (issue 17, session 14): the shares against arch and
/// NumPy, their optional `/joint` datasets (version 4), and what generation does with them.
final class JointZeroReturnsTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-joint-zero-returns-tests" }

    private func reference() throws -> ZeroReturnsReference {
        try loadJSONFixture("joint_zero_returns_reference.json", as: ZeroReturnsReference.self)
    }

    private var euStocks: [[Double]] { get throws { try MarketData.bundled(.euStocks).allLogReturns().map(\.values) } }

    /// The shares equal NumPy's on arch's GJR-t residuals at fixed parameters (one span and two),
    /// and the data hold the joint events the second rule is for: 20 of the 1,487 training days
    /// have all four indices at zero (0.003 expected if independent), 16 have three.
    func testSharesMatchNumPy() throws {
        let ref = try reference()
        let fitted = try JointDataModels.fit(
            assets: ref.assets, trainingColumns: try euStocks.map { Array($0.prefix(600)) },
            config: DataPipelineConfig(contextLength: 32, vocabSize: 64, modelVersion: 2, volatilityLevels: 2))
        let volatility = try zip(fitted.volatility, ref.params).map { v, p in
            let garch = try GARCHModel(specification: VolatilityModel.defaultSpecification, mu: p["mu"]!, omega: p["omega"]!,
                                       alpha: p["alpha"]!, gamma: p["gamma"]!, beta: p["beta"]!, nu: p["nu"]!, lambda: nil)
            return try VolatilityModel(garch: garch, levelEdges: v.levelEdges, regimeVariances: v.regimeVariances,
                                       initialLogSigmaQuantiles: v.initialLogSigmaQuantiles, sigmaFloor: 1e-6, sigmaCap: 1)
        }
        let t = ref.tokenizer
        let tokenizer = try ReturnTokenizer(vocabSize: t.vocab_size, mean: t.mean, std: t.std, clipSigma: t.clip_sigma)
        let r = try euStocks
        for (name, c) in ref.cases.sorted(by: { $0.key < $1.key }) {
            let spans = c.spans.map { s in r.map { Array($0[s[0]..<s[1]]) } }
            let got = try XCTUnwrap(try JointZeroReturns.fit(trainingSpans: spans, volatility: volatility, tokenizer: tokenizer))
            for k in ref.assets.indices {
                assertClose(got.shares[k], c.shares[k], rtol: 1e-12, "\(name): shares of \(ref.assets[k])")
                assertClose(got.afterZeros[k], c.after_zeros[k], rtol: 1e-12, "\(name): after zeros, \(ref.assets[k])")
            }
            XCTAssertEqual(c.days_by_zero_count, [1355, 89, 7, 16, 20], name)
        }
        // No exact zero in the training days: no zero returns.
        let noZeros = r.map { c in c.prefix(1487).map { $0 == 0 ? 1e-4 : $0 } }
        XCTAssertNil(try JointZeroReturns.fit(trainingSpans: [noZeros], volatility: volatility, tokenizer: tokenizer))
    }

    /// `JointDataModels.fit` fits them on the training days (the shares after earlier zeros depend
    /// on the zero pattern only, so they equal NumPy's whatever the filter), and
    /// `DataPipelineConfig.zeroReturns = false` leaves them out.
    func testFitRecordsTheZeroReturns() throws {
        let ref = try reference()
        var config = DataPipelineConfig(contextLength: 32, vocabSize: 128, modelVersion: 2, volatilityLevels: 2)
        config.zeroReturns = true
        let columns = try euStocks.map { Array($0.prefix(1487)) }
        let fitted = try JointDataModels.fit(assets: ref.assets, trainingColumns: columns, config: config)
        let zeros = try XCTUnwrap(fitted.zeroReturns)
        for k in ref.assets.indices {
            assertClose(zeros.afterZeros[k], ref.cases["one"]!.after_zeros[k], rtol: 1e-12, "after zeros, \(ref.assets[k])")
            XCTAssertEqual(zeros.shares[k].count, 128)
        }
        config.zeroReturns = false
        XCTAssertNil(try JointDataModels.fit(assets: ref.assets, trainingColumns: columns, config: config).zeroReturns)
    }

    /// Stored as `zero_returns.shares` and `zero_returns.after_zeros` under `/joint` version 4 and
    /// read back equal; a file without them reads as nil; a share outside [0, 1] or a wrong count
    /// is refused naming the dataset.
    func testCheckpointKeys() throws {
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        let V = model.config.vocabSize
        let zeros = try JointZeroReturns(shares: [(0..<V).map { $0 == V / 2 ? 0.5 : 0 }, [Double](repeating: 0.01, count: V)],
                                         afterZeros: [[0, 0], [0, 0.7]], vocabSize: V)
        try model.setDataModels(try models.replacingZeroReturns(zeros))
        let (path, checkpoint, section) = try savedJointSection(model, "zeros.h5")
        XCTAssertEqual(section.attributes["version"], .int(4))
        XCTAssertEqual(section.datasets["zero_returns.after_zeros"], [0, 0, 0, 0.7])
        XCTAssertEqual(try JointScenarioModel.load(from: path).dataModels?.zeroReturns, zeros)

        XCTAssertNil(try jointDataModels(section, without: ["zero_returns.shares", "zero_returns.after_zeros"],
                                         config: checkpoint.config).zeroReturns)
        var bad = section
        bad.datasets["zero_returns.after_zeros"] = [0, 0, 0, 1.5]
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("/joint") && "\(e)".contains("zero_returns.after_zeros[1][1] = 1.5"), "\(e)")
        }
        bad = section
        bad.datasets["zero_returns.shares"] = [0.5]
        XCTAssertThrowsError(try JointDataModels(checkpointSection: bad, config: checkpoint.config)) { e in
            XCTAssertTrue("\(e)".contains("zero_returns.shares") && "\(e)".contains("expected \(2 * V)"), "\(e)")
        }
    }

    /// Generation: every share 0 gives the bits of a model without zero returns (no extra draw);
    /// with shares q_0 = 0.3, q_1 = 0.2 in every z-bin and P(asset 1 zero | asset 0 zero) = 0.8,
    /// asset 0 is zero on 30 % of the days, asset 1 on 80 % of those and on 20 % of the others
    /// (within 4 standard errors; the z-bin rule within 0.02 more for its near-uniform w), and 1
    /// and 3 threads give the same bits. Without
    /// the point mass no return is exactly zero.
    func testGenerationDrawsTheZerosJointly() throws {
        let model = try JointScenarioModel.load(from: fixtureURL("joint_v1_model.h5").path)
        let models = try XCTUnwrap(model.dataModels)
        let V = model.config.vocabSize
        var options = JointGenerationOptions(paths: 400, horizon: 25, seed: 17, threads: 1)
        let before = try model.generate(options)
        XCTAssertFalse(before.returns.joined().joined().contains(0), "no zeros without the point mass")
        let none = try JointZeroReturns(shares: [[Double]](repeating: [Double](repeating: 0, count: V), count: 2),
                                        afterZeros: [[0, 0], [0, 0]], vocabSize: V)
        try model.setDataModels(try models.replacingZeroReturns(none))
        XCTAssertEqual(try model.generate(options), before, "shares of 0: the same bits")

        let zeros = try JointZeroReturns(shares: [[Double](repeating: 0.3, count: V), [Double](repeating: 0.2, count: V)],
                                         afterZeros: [[0, 0], [0, 0.8]], vocabSize: V)
        try model.setDataModels(try models.replacingZeroReturns(zeros))
        let set = try model.generate(options)
        let days = set.returns.flatMap { $0 }
        let first = days.filter { $0[0] == 0 }, others = days.filter { $0[0] != 0 }
        func check(_ share: Double, _ expected: Double, _ n: Int, slack: Double, _ what: String) {
            XCTAssertEqual(share, expected, accuracy: slack + 4 * (expected * (1 - expected) / Double(n)).squareRoot(), what)
        }
        check(Double(first.count) / Double(days.count), 0.3, days.count, slack: 0.02, "asset 0 zero")
        check(Double(first.filter { $0[1] == 0 }.count) / Double(first.count), 0.8, first.count, slack: 0,
              "asset 1 zero after asset 0's")
        check(Double(others.filter { $0[1] == 0 }.count) / Double(others.count), 0.2, others.count, slack: 0.02,
              "asset 1 zero on its own")
        XCTAssertGreaterThan(first.filter { $0[1] == 0 }.count, 1500, "days with both at zero")
        options.threads = 3
        XCTAssertEqual(try model.generate(options), set, "1 and 3 threads")
    }
}
