import Foundation
import XCTest
import TGFLCore
@testable import tgfl

/// Regime paths, key=value pairs, the paths CSV and argument → option mapping.
final class ParsingTests: XCTestCase {
    var regimes: RegimeModel!

    override func setUpWithError() throws {
        regimes = try RegimeModel(names: ["calm", "normal", "volatile", "crisis"], window: 20,
                                  quantileLevels: [0.4, 0.8, 0.95], thresholds: [0.008, 0.014, 0.022])
    }

    func resolve(_ s: String) throws -> Int { try regimes.regime(s).index }

    func testRegimePath() throws {
        XCTAssertEqual(try parseRegimePath("calm,calm,crisis", resolve: resolve), [0, 0, 3])
        XCTAssertEqual(try parseRegimePath("calm:2, 3 ,Volatile:1", resolve: resolve), [0, 0, 3, 2])
        XCTAssertEqual(try parseRegimePath("normal:250", resolve: resolve).count, 250)
    }

    func testRegimePathErrors() {
        XCTAssertThrowsError(try parseRegimePath("calm,,crisis", resolve: resolve)) { e in
            XCTAssertTrue(errorMessage(for: e).contains("item 2 is empty"), errorMessage(for: e))
        }
        XCTAssertThrowsError(try parseRegimePath("calm:0", resolve: resolve)) { e in
            XCTAssertTrue(errorMessage(for: e).contains("repeat count '0'"), errorMessage(for: e))
        }
        XCTAssertThrowsError(try parseRegimePath("calm,panic", resolve: resolve)) { e in
            let m = errorMessage(for: e)
            XCTAssertTrue(m.contains("'panic'") && m.contains("calm (0), normal (1), volatile (2), crisis (3)"), m)
        }
    }

    func testHorizon() throws {
        XCTAssertEqual(try resolveHorizon(explicit: nil, path: nil), 250)
        XCTAssertEqual(try resolveHorizon(explicit: 20, path: nil), 20)
        XCTAssertEqual(try resolveHorizon(explicit: nil, path: [0, 1, 2]), 3)
        XCTAssertEqual(try resolveHorizon(explicit: 3, path: [0, 1, 2]), 3)
        XCTAssertThrowsError(try resolveHorizon(explicit: 5, path: [0, 1, 2]))
    }

    func testKeyValues() throws {
        XCTAssertEqual(try parseKeyValues(["eta=0.01", " beta_1 = 0.9"], option: "--strategy-param"),
                       ["eta": 0.01, "beta_1": 0.9])
        XCTAssertThrowsError(try parseKeyValues(["eta"], option: "--strategy-param"))
        XCTAssertThrowsError(try parseKeyValues(["eta=fast"], option: "--strategy-param"))
        XCTAssertThrowsError(try parseKeyValues(["eta=nan"], option: "--strategy-param"))
    }

    func testPathsCSVReturns() throws {
        let csv = try PathsCSV(text: "r_1,r_2,r_3\n0.01,-0.02,0.5e-3\n\n-0.1,0,0.25\n", source: "p.csv")
        XCTAssertEqual(csv.returns, [[0.01, -0.02, 0.0005], [-0.1, 0, 0.25]])
        XCTAssertFalse(csv.convertedFromPrices)
        // No header, CRLF line ends.
        XCTAssertEqual(try PathsCSV(text: "1,2\r\n3,4\r\n", source: "p.csv").returns, [[1, 2], [3, 4]])
    }

    func testPathsCSVPrices() throws {
        let csv = try PathsCSV(text: "p_0,p_1,p_2\n100,110,99\n", source: "p.csv")
        XCTAssertTrue(csv.convertedFromPrices)
        XCTAssertEqual(csv.returns.count, 1)
        XCTAssertEqual(csv.returns[0][0], log(1.1), accuracy: 1e-15)
        XCTAssertEqual(csv.returns[0][1], log(0.9), accuracy: 1e-15)
    }

    func testPathsCSVErrorsNameRowAndColumn() {
        XCTAssertThrowsError(try PathsCSV(text: "r_1,r_2\n0.1,0.2\n0.3,x\n", source: "p.csv")) { e in
            XCTAssertEqual(e as? TGFLError, .data(file: "p.csv", row: 3, column: "2",
                                                  message: "cannot read 'x' as a finite number"))
        }
        XCTAssertThrowsError(try PathsCSV(text: "0.1,\n", source: "p.csv")) { e in
            XCTAssertEqual(e as? TGFLError, .data(file: "p.csv", row: 1, column: "2",
                                                  message: "empty value: every row needs one number per day"))
        }
        // A dated price file given as paths: the message says where it belongs.
        XCTAssertThrowsError(try PathsCSV(text: "date,close\n1999-01-04,1228.1\n", source: "p.csv")) { e in
            XCTAssertEqual(e as? TGFLError, .data(file: "p.csv", row: 2, column: "1", message:
                "cannot read '1999-01-04' as a finite number: this looks like a dated series; a paths file "
                + "holds one path per row, numbers only (as `tgfl generate` writes it), and real data goes to "
                + "--real (evaluate) or --data (report)"))
        }
        XCTAssertThrowsError(try PathsCSV(text: "r_1\n", source: "p.csv"))
        XCTAssertThrowsError(try PathsCSV(text: "p_0,p_1\n100,-1\n", source: "p.csv"))
    }

    func testSelectSpan() throws {
        let dates = try (1...5).map { try TradingDate(year: 2020, month: 1, day: $0) }
        let s = ReturnSeries(name: "close", dates: dates, values: [1, 2, 3, 4, 5])
        XCTAssertEqual(try selectSpan(s, start: "2020-01-02", end: "2020-01-04").values, [2, 3, 4])
        XCTAssertEqual(try selectSpan(s, start: nil, end: "2020-01-01").values, [1])
        XCTAssertEqual(try selectSpan(s, start: nil, end: nil).values, [1, 2, 3, 4, 5])
        XCTAssertThrowsError(try selectSpan(s, start: "2021-01-01", end: nil))
        XCTAssertThrowsError(try selectSpan(s, start: "01/02/2020", end: nil))
        XCTAssertThrowsError(try selectSpan(s, start: "2020-01-04", end: "2020-01-02"))
        XCTAssertThrowsError(try selectSpan(ReturnSeries(name: "r", values: [1]), start: "2020-01-01", end: nil))
    }

    func testTrainArguments() throws {
        let c = try TrainCommand.parse(["--config", "tiny", "--steps", "5", "--lr", "0.01", "--out", "m.h5",
                                        "--data", "p.csv", "--returns-column", "r"])
        XCTAssertEqual(c.config, .tiny)
        XCTAssertEqual(c.steps, 5)
        XCTAssertEqual(c.training.lr, 0.01)
        XCTAssertEqual(c.out, "m.h5")
        XCTAssertEqual(c.source.data, "p.csv")
        XCTAssertEqual(c.source.returnsColumn, "r")
        XCTAssertEqual(c.training.batchSize, 32)
        XCTAssertThrowsError(try TrainCommand.parse(["--steps", "0", "--out", "m.h5"]))
        XCTAssertThrowsError(try TrainCommand.parse(["--config", "huge", "--out", "m.h5"]))
        XCTAssertThrowsError(try TrainCommand.parse(["--column", "close", "--returns-column", "r", "--out", "m.h5"]))
        XCTAssertThrowsError(try TrainCommand.parse(["--steps", "5"]), "--out is required")
    }

    func testGenerateArguments() throws {
        let g = try GenerateCommand.parse(["--model", "m.h5", "--regime-path", "calm:10,crisis:5", "--paths", "3",
                                           "--prompt-days", "64", "--prices", "100", "--out", "g.csv"])
        XCTAssertEqual(g.regimePath, "calm:10,crisis:5")
        XCTAssertNil(g.regime)
        XCTAssertEqual(g.paths, 3)
        XCTAssertEqual(g.promptDays, 64)
        XCTAssertEqual(g.prices, 100)
        XCTAssertEqual(g.seed, 42)
        XCTAssertThrowsError(try GenerateCommand.parse(["--model", "m", "--regime", "calm", "--regime-path", "calm",
                                                        "--out", "g.csv"]))
        XCTAssertThrowsError(try GenerateCommand.parse(["--model", "m", "--temperature", "0", "--out", "g.csv"]))
        XCTAssertThrowsError(try GenerateCommand.parse(["--model", "m", "--prices", "-5", "--out", "g.csv"]))
    }

    func testModelPresets() throws {
        for preset in ModelPreset.allCases { XCTAssertNoThrow(try preset.config.validate(), preset.rawValue) }
        XCTAssertEqual(ModelPreset.demo.config.contextLength, 64)
        XCTAssertEqual(ModelPreset.small.config, .small)
    }

    func testUsageHint() {
        XCTAssertEqual(usageHint("Error: Missing '--out'\nUsage: tgfl train --out <file>\n  See 'tgfl train --help' for more information."),
                       "See 'tgfl train --help' for more information.")
        XCTAssertNil(usageHint("no hint"))
    }
}
