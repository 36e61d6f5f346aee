import Foundation
import XCTest
import TGFLCore
@testable import tgfl

/// `--bundled NAME` and files without dates in the data options shared by train and generate.
final class BundledDataOptionsTests: XCTestCase {
    func testBundledOptionLoadsTheNamedColumn() throws {
        let c = try TrainCommand.parse(["--bundled", "eu_stocks", "--column", "cac", "--out", "m.h5"])
        XCTAssertEqual(c.source.sourceName, "bundled eu_stocks.cac")
        let s = try c.source.load()
        XCTAssertEqual(s.name, "cac")
        XCTAssertNil(s.dates)
        XCTAssertEqual(s.values.count, 1859)
        XCTAssertEqual(s.values[0], log(1750.50 / 1772.80), accuracy: 1e-15)   // rows 1-2 of eu_stocks.csv
        // A returns file: the first column by default, used as it is.
        let siemens = try TrainCommand.parse(["--bundled", "siemens", "--out", "m.h5"]).source.load()
        XCTAssertEqual(siemens.values.prefix(2), [0.01434745, 0.01086197])
        XCTAssertEqual(try TrainCommand.parse(["--bundled", "DJIA", "--out", "m.h5"]).source.load().dates?.first?.description,
                       "1885-02-17")
    }

    func testBundledOptionErrors() throws {
        XCTAssertThrowsError(try TrainCommand.parse(["--bundled", "ftse", "--out", "m.h5"])) { error in
            XCTAssertTrue(TrainCommand.message(for: error).contains("djia, sp500, nyse"), "\(error)")
        }
        XCTAssertThrowsError(try TrainCommand.parse(["--bundled", "djia", "--data", "p.csv", "--out", "m.h5"]))
        let c = try TrainCommand.parse(["--bundled", "eu_stocks", "--column", "close", "--out", "m.h5"])
        XCTAssertThrowsError(try c.source.load()) { error in
            XCTAssertTrue("\(error)".contains("its columns are dax, smi, cac, ftse"), "\(error)")
        }
    }

    func testFileWithoutDateColumnIsReadWithoutDates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgfl-undated-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let prices = dir.appendingPathComponent("eu.csv").path
        try "dax,smi\n100,10\n110,11\n99,12\n".write(toFile: prices, atomically: true, encoding: .utf8)
        let s = try DataOptions.load(path: prices, column: "smi")
        XCTAssertNil(s.dates)
        XCTAssertEqual(s.values, [log(11.0 / 10.0), log(12.0 / 11.0)])
        // An explicit, missing date column is still an error naming it.
        XCTAssertThrowsError(try DataOptions.load(path: prices, dateColumn: "day", column: "smi")) { error in
            XCTAssertTrue("\(error)".contains("no column named 'day'"), "\(error)")
        }
        // A returns column read as prices: the hint names the command-line option.
        let returns = dir.appendingPathComponent("r.csv").path
        try "log_return\n0.01\n-0.02\n0.03\n".write(toFile: returns, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DataOptions.load(path: returns, column: "log_return")) { error in
            XCTAssertTrue("\(error)".contains("--returns-column log_return"), "\(error)")
        }
        XCTAssertEqual(try DataOptions.load(path: returns, returnsColumn: "log_return").values, [0.01, -0.02, 0.03])
    }
}
