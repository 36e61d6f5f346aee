import ArgumentParser
import Foundation
import TGFLCore

/// Where a return series comes from: a CSV of prices or of log returns, a bundled real series
/// (`--bundled djia`), or by default the bundled S&P 500.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "CSV file with one row per day (default: the bundled S&P 500 daily closes, 1999–2018).",
        valueName: "file"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp(
        "A bundled real series instead of --data: \(BundledSeries.namesList); --column picks one of its "
        + "columns (default: the first), e.g. --bundled eu_stocks --column dax.", valueName: "name"))
    var bundled: String?

    @Option(name: .customLong("date-column"), help: ArgumentHelp(
        "Name of the date column (ISO YYYY-MM-DD); 'none' for a file without dates. A file without a "
        + "'date' column is read without dates when this is left at its default.", valueName: "name"))
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
        if data != nil && bundled != nil {
            throw ValidationError("give either --data FILE or --bundled NAME, not both")
        }
        if let bundled, BundledSeries(name: bundled) == nil {
            throw ValidationError("--bundled '\(bundled)' is not a bundled series; use one of \(BundledSeries.namesList)")
        }
    }

    /// A human-readable name of the source.
    var sourceName: String {
        if let bundled, let series = BundledSeries(name: bundled) {
            return "bundled \(series.rawValue).\(column ?? returnsColumn ?? series.columns[0])"
        }
        return data ?? "bundled S&P 500 (sp500.csv)"
    }

    /// Loads the log returns (with dates when the file has them).
    /// - Throws: `TGFLError.data` naming file/row/column, or `CommandFailure` for a missing file.
    func load() throws -> ReturnSeries {
        if let bundled {
            return try DataOptions.loadBundled(name: bundled, column: column ?? returnsColumn)
        }
        return try DataOptions.load(path: data, dateColumn: dateColumn, column: column, returnsColumn: returnsColumn)
    }

    /// Loads one column of a bundled real series (prices or returns as the file holds them).
    /// - Parameters:
    ///   - name: a `BundledSeries` name (`djia`, `eu_stocks`, ...).
    ///   - column: the column; `nil` takes the file's first.
    /// - Throws: `CommandFailure` for an unknown name or column.
    static func loadBundled(name: String, column: String?) throws -> ReturnSeries {
        guard let series = BundledSeries(name: name) else {
            throw CommandFailure("--bundled '\(name)' is not a bundled series; use one of \(BundledSeries.namesList)")
        }
        if let column, !series.columns.contains(column) {
            throw CommandFailure("the bundled \(series.rawValue) has no column '\(column)'; its columns are "
                                 + series.columns.joined(separator: ", "))
        }
        return try MarketData.bundled(series, minimumReturns: 2).logReturns(column)
    }

    /// Reads a `--data` file with the date column `dates` (nil: none). When that is the default
    /// `date` and the file has no such column (e.g. `eu_stocks.csv`, `siemens.csv`), it is read
    /// again without dates, and the log says so.
    static func readWithDateFallback(path: String, dates: String?,
                                     _ read: (String?) throws -> MarketData) throws -> MarketData {
        do {
            return try read(dates)
        } catch TGFLError.data(_, _, "date", let message) where dates == "date" && message.hasPrefix("no column named") {
            let undated = try read(nil)
            logInfo("\(path) has no 'date' column: read its rows in file order, without dates "
                    + "(name the date column with --date-column NAME)")
            return undated
        }
    }

    /// Loads one series; `path == nil` reads the bundled S&P 500. When `dateColumn` is the
    /// default `date` and the file has no such column (e.g. `eu_stocks.csv`, `siemens.csv`),
    /// the file is read without dates.
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
        func read(_ dates: String?) throws -> MarketData {
            if let returnsColumn {
                return try MarketData(contentsOf: url, dateColumn: dates, returnColumns: [returnsColumn],
                                      minimumReturns: 2)
            }
            return try MarketData(contentsOf: url, dateColumn: dates, priceColumns: [column ?? "close"],
                                  minimumReturns: 2)
        }
        let series: ReturnSeries
        do {
            series = try readWithDateFallback(path: path, dates: dates, read).logReturns()
        } catch TGFLError.data(let file, let row, let column, let message)
                    where returnsColumn == nil && message.contains("is this a return column") {
            // The library's hint names its Swift parameter; on the command line it is an option.
            throw TGFLError.data(file: file, row: row, column: column, message:
                message.replacingOccurrences(of: "read it with returnColumns:", with:
                    "read it with --returns-column \(column ?? "NAME") instead of --column"))
        }
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
