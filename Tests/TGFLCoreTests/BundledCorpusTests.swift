import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore

/// The bundled real corpus (Sources/TGFLCore/Resources/) against an independent pandas/numpy
/// reading of the source files (Tests/Fixtures/make_corpus_reference.py → corpus_reference.json).
final class BundledCorpusTests: XCTestCase {
    struct Reference: Decodable {
        struct Column: Decodable {
            var column: String
            var series: String
            var first_value: Double
            var last_value: Double
            var returns: Int
            var returns_head: [Double]
            var mean: Double
            var std: Double
            var min: Double
            var max: Double
        }
        struct File: Decodable {
            var name: String
            var kind: String
            var rows: Int
            var first_date: String?
            var last_date: String?
            var columns: [Column]
        }
        var files: [File]
    }

    private func reference() throws -> Reference { try loadJSONFixture("corpus_reference.json") }

    private func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    private func std(_ x: [Double]) -> Double {
        let m = mean(x)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
    }

    func testEveryFileMatchesPandas() throws {
        let ref = try reference()
        XCTAssertEqual(ref.files.map(\.name).sorted(), BundledSeries.allCases.map(\.rawValue).sorted())
        for file in ref.files {
            let series = try XCTUnwrap(BundledSeries(rawValue: file.name), file.name)
            let data = try MarketData.bundled(series)
            XCTAssertEqual(data.kind.rawValue, file.kind, file.name)
            XCTAssertEqual(data.rowCount, file.rows, file.name)
            XCTAssertEqual(data.columns, file.columns.map(\.column), file.name)
            XCTAssertEqual(data.dates?.first?.description, file.first_date, file.name)
            XCTAssertEqual(data.dates?.last?.description, file.last_date, file.name)
            XCTAssertEqual(data.dates == nil, series.dateColumn == nil, file.name)
            for (c, col) in file.columns.enumerated() {
                let what = col.series
                XCTAssertEqual(data.values[c].first, col.first_value, what)
                XCTAssertEqual(data.values[c].last, col.last_value, what)
                let r = try data.logReturns(col.column)
                XCTAssertEqual(r.values.count, col.returns, what)
                if let dates = r.dates { XCTAssertEqual(dates.count, r.values.count, what) }
                assertClose(Array(r.values.prefix(3)), col.returns_head, rtol: 1e-12, "\(what) head")
                assertClose(mean(r.values), col.mean, rtol: 1e-9, atol: 1e-15, "\(what) mean")
                assertClose(std(r.values), col.std, rtol: 1e-9, "\(what) std")
                assertClose(r.values.min()!, col.min, rtol: 1e-12, "\(what) min")
                assertClose(r.values.max()!, col.max, rtol: 1e-12, "\(what) max")
            }
        }
    }

    func testBundledReturnSeriesNamesEveryColumn() throws {
        let ref = try reference()
        let all = try MarketData.bundledReturnSeries()
        let expected = BundledSeries.allCases.flatMap { s in
            ref.files.first { $0.name == s.rawValue }!.columns.map(\.series)
        }
        XCTAssertEqual(all.map(\.name), expected)
        XCTAssertEqual(all.count, 18)
        XCTAssertTrue(all.contains { $0.name == "eu_stocks.dax" && $0.dates == nil })
        XCTAssertTrue(all.contains { $0.name == "siemens.log_return" && $0.dates == nil && $0.values.count == 6146 })
        let crsp = try XCTUnwrap(all.first { $0.name == "crsp_daily.ge" })
        XCTAssertEqual(crsp.dates?.first?.description, "1989-01-03")    // returns keep every row's date
        let djia = try XCTUnwrap(all.first { $0.name == "djia.close" })
        XCTAssertEqual(djia.dates?.first?.description, "1885-02-17")    // prices: the later day of the pair
    }

    func testSP500IsUnchangedAndNamesResolve() throws {
        XCTAssertEqual(try MarketData.sp500(), try MarketData.bundled(.sp500))
        XCTAssertEqual(BundledSeries(name: "euStocks"), .euStocks)
        XCTAssertEqual(BundledSeries(name: "EU-Stocks"), .euStocks)
        XCTAssertEqual(BundledSeries(name: "fx_usd_1980.csv"), .fxUSD1980)
        XCTAssertNil(BundledSeries(name: "ftse"))
        let besideBinary = try XCTUnwrap(MarketData.loadedBinaryURL()).deletingLastPathComponent()
            .appendingPathComponent("TGFL_TGFLCore.resources/siemens.csv")
        if FileManager.default.fileExists(atPath: besideBinary.path) {   // SwiftPM copied the resource
            XCTAssertFalse(try MarketData.locateBundled("siemens.csv").path.contains("/Sources/TGFLCore/"))
        }
        XCTAssertThrowsError(try MarketData.locateBundled("nope.csv")) { error in
            XCTAssertTrue("\(error)".contains("nope.csv") && "\(error)".contains("TGFL_DATA_DIR"), "\(error)")
        }
    }

    /// The three shapes the corpus needs: several price columns without dates, one return
    /// column without dates, dated returns — and their errors name file, row and column.
    func testLoaderShapesAndErrors() throws {
        let multi = try MarketData(csvText: "a,b\n1,10\n2,20\n4,10\n", source: "m.csv", dateColumn: nil,
                                   columns: ["a", "b"], kind: .prices)
        XCTAssertNil(multi.dates)
        assertClose(try multi.logReturns("b").values, [log(2.0), log(0.5)], rtol: 1e-15)
        let returnsOnly = try MarketData(csvText: "log_return\n0.01\n-0.02\n", source: "s.csv", dateColumn: nil,
                                         columns: ["log_return"], kind: .logReturns)
        XCTAssertEqual(try returnsOnly.logReturns().values, [0.01, -0.02])
        XCTAssertThrowsError(try MarketData(csvText: "log_return\n0.01\nabc\n", source: "s.csv", dateColumn: nil,
                                            columns: ["log_return"], kind: .logReturns)) { error in
            // Rows as a spreadsheet shows them: the header is row 1, 'abc' is on row 3.
            XCTAssertEqual(error as? TGFLError, .data(file: "s.csv", row: 3, column: "log_return",
                message: "cannot read 'abc' as a number: use '.' as the decimal point and no thousands separators"))
        }
        XCTAssertThrowsError(try MarketData(csvText: "dax,smi\n1,2\n3,-1\n", source: "e.csv", dateColumn: nil,
                                            columns: ["dax", "smi"], kind: .prices)) { error in
            guard case .data(let file, let row, let column, _)? = error as? TGFLError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "e.csv"); XCTAssertEqual(row, 3); XCTAssertEqual(column, "smi")
        }
    }
}
