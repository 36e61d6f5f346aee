import ArgumentParser
import Foundation
import TGFLCore

/// Where a return series comes from: a CSV of prices or of log returns, or the bundled S&P 500.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "CSV file with one row per day (default: the bundled S&P 500 daily closes, 1999–2018).",
        valueName: "file"))
    var data: String?

    @Option(name: .customLong("date-column"), help: ArgumentHelp(
        "Name of the date column (ISO YYYY-MM-DD); 'none' for a file without dates.", valueName: "name"))
    var dateColumn: String = "date"

    @Option(name: .long, help: ArgumentHelp("Price column (log returns are computed from it).",
                                            valueName: "name"))
    var column: String?

    @Option(name: .customLong("returns-column"), help: ArgumentHelp(
        "Column that already holds daily log returns (instead of --column).", valueName: "name"))
    var returnsColumn: String?

    func validate() throws {
        if column != nil && returnsColumn != nil {
            throw ValidationError("give either --column (prices) or --returns-column (log returns), not both")
        }
    }

    /// A human-readable name of the source.
    var sourceName: String { data ?? "bundled S&P 500 (sp500.csv)" }

    /// Loads the log returns (with dates when the file has them).
    /// - Throws: `TGFLError.data` naming file/row/column, or `CommandFailure` for a missing file.
    func load() throws -> ReturnSeries {
        try DataOptions.load(path: data, dateColumn: dateColumn, column: column, returnsColumn: returnsColumn)
    }

    /// Loads one series; `path == nil` reads the bundled S&P 500.
    static func load(path: String?, dateColumn: String = "date", column: String? = nil,
                     returnsColumn: String? = nil) throws -> ReturnSeries {
        let dates: String? = ["none", ""].contains(dateColumn.lowercased()) ? nil : dateColumn
        guard let path else {
            if column != nil || returnsColumn != nil || dates != "date" {
                logWarning("--column/--returns-column/--date-column apply to --data files; the bundled S&P 500 "
                            + "is read as date,close")
            }
            return try MarketData.sp500(minimumReturns: 2).logReturns()
        }
        try requireReadableFile(path, what: "data file")
        let url = URL(fileURLWithPath: path)
        let market: MarketData
        if let returnsColumn {
            market = try MarketData(contentsOf: url, dateColumn: dates, returnColumns: [returnsColumn],
                                    minimumReturns: 2)
        } else {
            market = try MarketData(contentsOf: url, dateColumn: dates, priceColumns: [column ?? "close"],
                                    minimumReturns: 2)
        }
        let series = try market.logReturns()
        // An absurd value (a price column read as returns, one price of 1e308) fails here
        // instead of training with every return in one token bin.
        try DataSanity.check(returns: series.values, series: series.name, file: path)
        return series
    }
}

/// Selects the days of `series` in `start ... end` (ISO dates, either may be nil).
/// - Throws: `CommandFailure` for unreadable dates, a series without dates, or an empty span.
func selectSpan(_ series: ReturnSeries, start: String?, end: String?) throws -> ReturnSeries {
    guard start != nil || end != nil else { return series }
    guard let dates = series.dates else {
        throw CommandFailure("--start/--end need dates, but the real data has no date column "
                             + "(give --date-column NAME)")
    }
    func parse(_ text: String?, _ option: String) throws -> TradingDate? {
        guard let text else { return nil }
        guard let d = TradingDate(iso: text) else {
            throw CommandFailure("\(option) '\(text)' is not a date: write YYYY-MM-DD, e.g. 2008-01-02")
        }
        return d
    }
    let s = try parse(start, "--start"), e = try parse(end, "--end")
    if let s, let e, e < s { throw CommandFailure("--end \(e) comes before --start \(s)") }
    let keep = dates.indices.filter { i in (s.map { dates[i] >= $0 } ?? true) && (e.map { dates[i] <= $0 } ?? true) }
    guard let first = keep.first, let last = keep.last else {
        throw CommandFailure("no real data between \(start ?? "the start") and \(end ?? "the end"); the data "
                             + "covers \(dates.first!) … \(dates.last!)")
    }
    return ReturnSeries(name: series.name, dates: Array(dates[first...last]),
                        values: Array(series.values[first...last]))
}
