import Foundation
import XCTest
import TGFLTestSupport
@testable import TGFLCore

/// CSV loading (SwiftCSV, RFC 4180 cases), validation errors naming file/row/column, log
/// returns and the bundled S&P 500 series.
final class DataMarketDataTests: XCTestCase {
    struct Reference: Decodable {
        let n_prices: Int
        let first_date: String
        let last_date: String
        let first_price: Double
        let last_price: Double
        let returns_head: [Double]
        let returns_sum: Double
    }

    private func csvURL(_ name: String) -> URL { fixtureURL("csv/\(name)") }

    // MARK: - Good files

    func testQuotedFieldsCRLFAndCommaInsideQuotes() throws {
        let url = csvURL("quoted_crlf.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.contains("\r\n"), "fixture must keep its CRLF line endings")
        let data = try MarketData(contentsOf: url, priceColumns: ["spx", "ndx"])
        XCTAssertEqual(data.rowCount, 4, "the blank line is skipped")
        XCTAssertEqual(data.columns, ["spx", "ndx"])
        XCTAssertEqual(data.values[0], [100.0, 110, 99, 101.5])
        XCTAssertEqual(data.values[1], [50.0, 55.5, 49.95, 50])
        XCTAssertEqual(data.dates?.map(\.description),
                       ["1999-01-04", "1999-01-05", "1999-01-06", "1999-01-07"])
        // The note column holds commas and escaped quotes inside quoted fields; if the parser
        // split them, the row would be misread. Read it as a "return" column to see it fail
        // on the text, at the right row.
        XCTAssertThrowsError(try MarketData(contentsOf: url, returnColumns: ["note"])) { error in
            guard case TGFLError.data(_, let row, let column, let message) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(row, 2); XCTAssertEqual(column, "note")   // row 2 = first record (header = row 1)
            XCTAssertTrue(message.contains("rally, then \"calm\""), message)
        }
    }

    func testLogReturnsOfPricesAndReturnColumn() throws {
        let data = try MarketData(contentsOf: csvURL("quoted_crlf.csv"), priceColumns: ["spx"])
        let r = try data.logReturns()
        XCTAssertEqual(r.name, "spx")
        assertClose(r.values, [log(1.1), log(99.0 / 110), log(101.5 / 99)], rtol: 1e-15)
        XCTAssertEqual(r.dates?.first?.description, "1999-01-05", "a return is dated by its later day")
        let text = "day,ret\n2000-01-03,0.01\n2000-01-04,-0.02\n"
        let rets = try MarketData(csvText: text, source: "inline", dateColumn: "day", columns: ["ret"],
                                  kind: .logReturns)
        XCTAssertEqual(try rets.logReturns().values, [0.01, -0.02])
        XCTAssertThrowsError(try MarketData.logReturns(prices: [1, 0, 2])) {
            XCTAssertTrue("\($0)".contains("prices[1]"), "\($0)")
        }
    }

    func testByteOrderMarkAndNoDateColumn() throws {
        let text = "\u{FEFF}close\n10\n20\n"
        let data = try MarketData(csvText: text, source: "bom", dateColumn: nil, columns: ["close"],
                                  kind: .prices)
        XCTAssertNil(data.dates)
        assertClose(try data.logReturns().values, [log(2.0)], rtol: 1e-15)
    }

    func testISODateParsing() {
        XCTAssertEqual(TradingDate(iso: "2000-02-29")?.description, "2000-02-29")
        XCTAssertNil(TradingDate(iso: "1900-02-29"), "1900 is not a leap year")
        XCTAssertNil(TradingDate(iso: "1999-13-01"))
        XCTAssertNil(TradingDate(iso: "1999-1-4"))
        XCTAssertNil(TradingDate(iso: "04.01.1999"))
        XCTAssertNil(TradingDate(iso: "1999-01-04T00:00:00"))
        XCTAssertLessThan(TradingDate(iso: "1999-12-31")!, TradingDate(iso: "2000-01-01")!)
    }

    // MARK: - Bad files: each error names file, row and column

    private func assertDataError(_ file: String, row: Int?, column: String?, mentions words: [String],
                                 line: UInt = #line,
                                 load: (URL) throws -> MarketData) {
        let url = csvURL(file)
        XCTAssertThrowsError(try load(url), file: #filePath, line: line) { error in
            guard case TGFLError.data(let f, let r, let c, let message) = error else {
                return XCTFail("\(file): wrong error \(error)", line: line)
            }
            XCTAssertEqual(f, url.path, "file", line: line)
            XCTAssertEqual(r, row, "\(file): row in \(message)", line: line)
            XCTAssertEqual(c, column, "\(file): column in \(message)", line: line)
            for w in words {
                XCTAssertTrue(message.contains(w), "\(file): '\(w)' not in: \(message)", line: line)
            }
        }
    }

    private func prices(_ url: URL) throws -> MarketData { try MarketData(contentsOf: url) }

    func testBadCSVFilesNameFileRowAndColumn() {
        assertDataError("empty.csv", row: nil, column: nil, mentions: ["empty", "header"], load: prices)
        assertDataError("header_only.csv", row: nil, column: nil, mentions: ["no data rows"], load: prices)
        assertDataError("missing_column.csv", row: 1, column: "close", mentions: ["'date'", "'price'"],
                        load: prices)
        // Row 5: the blank line (row 4) still counts; row r is line r, as a spreadsheet shows it.
        assertDataError("bad_date.csv", row: 5, column: "date", mentions: ["1999/01/07", "YYYY-MM-DD"],
                        load: prices)
        assertDataError("unsorted_dates.csv", row: 5, column: "date", mentions: ["sort", "row 4"], load: prices)
        assertDataError("duplicate_dates.csv", row: 4, column: "date", mentions: ["duplicate", "row 3"],
                        load: prices)
        assertDataError("negative_price.csv", row: 3, column: "close", mentions: ["not positive"], load: prices)
        assertDataError("zero_price.csv", row: 5, column: "close", mentions: ["not positive"], load: prices)
        assertDataError("nan_price.csv", row: 4, column: "close", mentions: ["not finite"], load: prices)
        assertDataError("infinite_price.csv", row: 3, column: "close", mentions: ["not finite"], load: prices)
        assertDataError("unparseable_price.csv", row: 3, column: "close", mentions: ["1,234.5", "decimal"],
                        load: prices)
        assertDataError("missing_price.csv", row: 4, column: "close", mentions: ["missing value"], load: prices)
        assertDataError("too_few_rows.csv", row: nil, column: "close", mentions: ["3 data rows", "6 rows"]) {
            try MarketData(contentsOf: $0, minimumReturns: 5)
        }
        assertDataError("bad_quotes.csv", row: 3, column: "close", mentions: ["quote", "never closed"], load: prices)
        assertDataError("nan_return.csv", row: 3, column: "ret", mentions: ["not finite"]) {
            try MarketData(contentsOf: $0, returnColumns: ["ret"])
        }
        assertDataError("does_not_exist.csv", row: nil, column: nil, mentions: ["cannot read"], load: prices)
    }

    func testTooFewRowsPassesAtTheExactMinimum() throws {
        // 3 prices give 2 returns: enough for minimumReturns 2, not 3.
        XCTAssertEqual(try MarketData(contentsOf: csvURL("too_few_rows.csv"), minimumReturns: 2).rowCount, 3)
        XCTAssertThrowsError(try MarketData(contentsOf: csvURL("too_few_rows.csv"), minimumReturns: 3))
    }

    // MARK: - Bundled S&P 500

    func testBundledSP500LoadsWithoutBundleModule() throws {
        let ref: Reference = try loadJSONFixture("data_reference.json")
        let data = try MarketData.sp500()
        XCTAssertEqual(data.rowCount, 5031)
        XCTAssertEqual(data.rowCount, ref.n_prices)
        XCTAssertEqual(data.dates?.first?.description, "1999-01-04")
        XCTAssertEqual(data.dates?.last?.description, "2018-12-31")
        XCTAssertEqual(data.dates?.first?.description, ref.first_date)
        XCTAssertEqual(data.dates?.last?.description, ref.last_date)
        XCTAssertEqual(data.values[0].first, ref.first_price)
        XCTAssertEqual(data.values[0].last, ref.last_price)
        let r = try data.logReturns().values
        XCTAssertEqual(r.count, 5030)
        assertClose(Array(r.prefix(5)), ref.returns_head, rtol: 1e-12, "numpy diff(log(p))")
        assertClose(r.reduce(0, +), ref.returns_sum, rtol: 1e-9)
        XCTAssertThrowsError(try MarketData.sp500(minimumReturns: 6000))
    }

    func testSP500SearchOrderAndDladdr() throws {
        let candidates = MarketData.sp500Candidates().map(\.path)
        XCTAssertTrue(candidates.last!.hasSuffix("Sources/TGFLCore/Resources/sp500.csv"), candidates.last!)
        let binary = try XCTUnwrap(MarketData.loadedBinaryURL(), "dladdr found no binary for our code")
        XCTAssertTrue(FileManager.default.fileExists(atPath: binary.path), binary.path)
        XCTAssertTrue(candidates.contains(binary.deletingLastPathComponent()
            .appendingPathComponent("TGFL_TGFLCore.resources/sp500.csv").standardizedFileURL.path))
    }

    func testSP500PrefersTheResourceBundleAndExplainsAMiss() throws {
        let besideBinary = try XCTUnwrap(MarketData.loadedBinaryURL()).deletingLastPathComponent()
            .appendingPathComponent("TGFL_TGFLCore.resources/sp500.csv")
        if FileManager.default.fileExists(atPath: besideBinary.path) {   // SwiftPM copied it
            XCTAssertFalse(try MarketData.locateSP500().path.contains("/Sources/TGFLCore/"))
        }
        let missing = [URL(fileURLWithPath: "/nonexistent/a/sp500.csv"),
                       URL(fileURLWithPath: "/nonexistent/b/sp500.csv")]
        XCTAssertThrowsError(try MarketData.firstReadable(missing)) { error in
            let text = "\(error)"
            for want in ["/nonexistent/a/sp500.csv", "/nonexistent/b/sp500.csv", "TGFL_DATA_DIR"] {
                XCTAssertTrue(text.contains(want), text)
            }
        }
    }

    func testSP500EnvironmentVariableComesFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tgfl-data-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "date,close\n2001-01-02,10\n2001-01-03,11\n".write(
            to: dir.appendingPathComponent("sp500.csv"), atomically: true, encoding: .utf8)
        setenv("TGFL_DATA_DIR", dir.path, 1)
        defer { unsetenv("TGFL_DATA_DIR") }
        XCTAssertEqual(try MarketData.locateSP500().path, dir.appendingPathComponent("sp500.csv").path)
        XCTAssertEqual(try MarketData.sp500().rowCount, 2)
    }
}
