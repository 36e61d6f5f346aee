import Foundation
import SwiftCSV

/// What the numeric columns of a market-data table hold.
public enum MarketValueKind: String, Sendable, Codable {
    /// Positive prices (close, adjusted close, index level); returns are `ln(P_t / P_{t-1})`.
    case prices
    /// Daily log returns, used as they are.
    case logReturns = "log_returns"
}

/// One series of daily log returns, with the date of each return where known.
public struct ReturnSeries: Sendable, Equatable {
    /// The column the series came from (or a caller-chosen name).
    public var name: String
    /// The day each return belongs to (the later of the two prices); `nil` without a date column.
    public var dates: [TradingDate]?
    /// Log returns `r_t`, one per day, in time order.
    public var values: [Double]

    /// Creates a series; `dates`, when given, must have one entry per value.
    public init(name: String, dates: [TradingDate]? = nil, values: [Double]) {
        self.name = name; self.dates = dates; self.values = values
    }
}

/// Daily market data read from a CSV file: a date column and one or more numeric columns,
/// either prices or log returns.
///
/// ## File format
/// - A header line naming the columns, then one record per day, sorted by date, oldest first,
///   with no duplicate dates. The file is parsed by SwiftCSV (RFC 4180: quoted fields,
///   `""` escapes, commas and line breaks inside quotes, LF or CRLF line endings, a UTF-8
///   byte-order mark). Column names are matched after trimming spaces, case-sensitively.
/// - Dates are ISO 8601 calendar days `YYYY-MM-DD` (e.g. `1999-01-04`); other forms are
///   rejected rather than guessed.
/// - Numbers use `.` as the decimal point, no thousands separators. Prices must be finite
///   and > 0; log returns finite.
/// - Blank lines are skipped (they still count in row numbers).
///
/// ## Row numbers in errors
/// Every `TGFLError.data(file:row:column:message:)` thrown here counts rows **as a spreadsheet
/// shows them**: row 1 is the header, row 2 the first record (row r is line r of a file without
/// line breaks inside quotes). `row` is `nil` when no single row is at fault.
public struct MarketData: Sendable, Equatable {
    /// Where the data came from (the file path as given).
    public let source: String
    /// Whether `values` are prices or log returns.
    public let kind: MarketValueKind
    /// The date of each row; `nil` when read without a date column.
    public let dates: [TradingDate]?
    /// The names of the numeric columns that were read, in the order requested.
    public let columns: [String]
    /// `values[c][i]`: column `columns[c]` on row `i`.
    public let values: [[Double]]

    /// Number of rows (days) read.
    public var rowCount: Int { values.first?.count ?? 0 }

    // MARK: - Loading

    /// Reads prices from a CSV file.
    ///
    /// - Parameters:
    ///   - url: the CSV file.
    ///   - dateColumn: name of the ISO-date column, or `nil` if the file has none (rows are
    ///     then taken in file order).
    ///   - priceColumns: names of the price columns to read (at least one).
    ///   - minimumReturns: the least number of log returns the data must give, e.g.
    ///     `context_length + 1` for one training window; needs `minimumReturns + 1` rows.
    ///   - delimiter: the field separator.
    /// - Returns: the prices, validated.
    /// - Throws: `TGFLError.data` naming the file, row and column for an unreadable or empty
    ///   file, a missing column (listing those found), a bad date, unsorted or duplicate
    ///   dates, a missing, unparseable, NaN, infinite or non-positive price, or too few rows.
    public init(contentsOf url: URL, dateColumn: String? = "date", priceColumns: [String] = ["close"],
                minimumReturns: Int = 1, delimiter: Character = ",") throws {
        try self.init(csvText: Self.readText(url), source: url.path, dateColumn: dateColumn,
                      columns: priceColumns, kind: .prices, minimumReturns: minimumReturns,
                      delimiter: delimiter)
    }

    /// Reads log returns from a CSV file (e.g. a `ret` column), used without conversion.
    ///
    /// - Parameters:
    ///   - url: the CSV file.
    ///   - dateColumn: name of the ISO-date column, or `nil` if the file has none.
    ///   - returnColumns: names of the log-return columns to read (at least one).
    ///   - minimumReturns: the least number of rows (returns) needed.
    ///   - delimiter: the field separator.
    /// - Returns: the returns, validated.
    /// - Throws: `TGFLError.data` as for prices, with "finite" instead of "positive".
    public init(contentsOf url: URL, dateColumn: String? = "date", returnColumns: [String],
                minimumReturns: Int = 1, delimiter: Character = ",") throws {
        try self.init(csvText: Self.readText(url), source: url.path, dateColumn: dateColumn,
                      columns: returnColumns, kind: .logReturns, minimumReturns: minimumReturns,
                      delimiter: delimiter)
    }

    /// Parses CSV text already in memory; `source` names it in errors.
    ///
    /// - Parameters:
    ///   - csvText: the whole file's text.
    ///   - source: the name used in error messages (a path or a label).
    ///   - dateColumn: the ISO-date column, or `nil`.
    ///   - columns: the numeric columns to read.
    ///   - kind: whether those columns hold prices or log returns.
    ///   - minimumReturns: the least number of log returns the data must give.
    ///   - delimiter: the field separator.
    /// - Throws: `TGFLError.data` (see the type's documentation for row numbering).
    public init(csvText: String, source: String, dateColumn: String? = "date", columns: [String],
                kind: MarketValueKind, minimumReturns: Int = 1, delimiter: Character = ",") throws {
        let fail = Self.failure(source)
        guard !columns.isEmpty else {
            throw fail(nil, nil, "no \(kind == .prices ? "price" : "return") column requested: "
                       + "name at least one column to read")
        }
        guard minimumReturns >= 1 else {
            throw fail(nil, nil, "minimumReturns must be at least 1, got \(minimumReturns)")
        }
        let csv = try Self.parse(csvText, delimiter: delimiter, fail: fail)

        // Header.
        let header = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard header.contains(where: { !$0.isEmpty }) else {
            throw fail(nil, nil, "empty file: no header line. The first line must name the columns, "
                       + "e.g. 'date,close'")
        }
        let dateIndex = try dateColumn.map { try Self.columnIndex($0, in: header, fail: fail) }
        let valueIndices = try columns.map { try Self.columnIndex($0, in: header, fail: fail) }

        // Records (row 2 = first record after the header, as a spreadsheet numbers it); blank
        // lines are skipped but counted.
        var dates: [TradingDate] = []
        var values = Array(repeating: [Double](), count: columns.count)
        var previousRow = 0
        for (offset, record) in csv.rows.enumerated() {
            let row = offset + 2
            if record.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func field(_ i: Int) -> String {
                i < record.count ? record[i].trimmingCharacters(in: .whitespaces) : ""
            }
            if let dateIndex, let name = dateColumn {
                dates.append(try Self.nextDate(field(dateIndex), after: dates.last, row: row, previousRow: previousRow,
                                               column: name, fail: fail))
            }
            for (c, i) in valueIndices.enumerated() {
                values[c].append(try Self.value(field(i), row: row, column: columns[c], kind: kind, fail: fail))
            }
            previousRow = row
        }
        try Self.checkLength(rows: values[0].count, kind: kind, minimumReturns: minimumReturns,
                             column: columns[0], fail: fail)
        self.source = source
        self.kind = kind
        self.dates = dateIndex == nil ? nil : dates
        self.columns = columns
        self.values = values
    }

    /// A data error of `source` at a row and column.
    typealias Failure = (_ row: Int?, _ column: String?, _ message: String) -> TGFLError

    private static func failure(_ source: String) -> Failure {
        { row, column, message in .data(file: source, row: row, column: column, message: message) }
    }

    /// The CSV records; an unclosed quote is named by its line.
    private static func parse(_ csvText: String, delimiter: Character, fail: Failure) throws -> EnumeratedCSV {
        // A quote that is never closed swallows the rest of the file into one field; name its row.
        if let (line, field) = unclosedQuote(csvText, delimiter: delimiter) {
            let names = csvText.prefix(while: { $0 != "\n" && $0 != "\r\n" }).split(separator: delimiter,
                omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            throw fail(line, field < names.count && line > 1 ? names[field] : nil,
                       "a double quote opened here (line \(line) of the file) is never closed; close it, "
                       + "and double any quote inside a quoted field (\"\")")
        }
        do {
            return try EnumeratedCSV(string: csvText, delimiter: .character(delimiter), loadColumns: false)
        } catch {
            throw fail(nil, nil, "not valid CSV: check for an unbalanced double quote; "
                       + "a quote inside a quoted field must be doubled (\"\")")
        }
    }

    /// The index of the header's only column named `name`.
    private static func columnIndex(_ name: String, in header: [String], fail: Failure) throws -> Int {
        let hits = header.indices.filter { header[$0] == name }
        guard let first = hits.first else {
            let found = header.map { "'\($0)'" }.joined(separator: ", ")
            throw fail(1, name, "no column named '\(name)'; the header has \(found). "
                       + "Pass one of these names (matching is case-sensitive)")
        }
        guard hits.count == 1 else {
            throw fail(1, name, "the header names '\(name)' \(hits.count) times: rename the duplicates")
        }
        return first
    }

    /// The row's date: ISO, and after the previous row's.
    private static func nextDate(_ text: String, after last: TradingDate?, row: Int, previousRow: Int,
                                 column name: String, fail: Failure) throws -> TradingDate {
        guard let date = TradingDate(iso: text) else {
            throw fail(row, name, "cannot read the date '\(text)': write dates as ISO "
                       + "YYYY-MM-DD, e.g. 1999-01-04")
        }
        if let last {
            if date == last {
                throw fail(row, name, "duplicate date \(date) (also on row \(previousRow)): "
                           + "keep one row per day")
            }
            if date < last {
                throw fail(row, name, "date \(date) comes before \(last) on row \(previousRow): "
                           + "sort the rows by date, oldest first")
            }
        }
        return date
    }

    /// A cell's value: present, a finite number, and positive for prices.
    private static func value(_ text: String, row: Int, column name: String, kind: MarketValueKind,
                              fail: Failure) throws -> Double {
        guard !text.isEmpty else {
            throw fail(row, name, "missing value: fill it in or remove the row")
        }
        guard let v = Double(text) else {
            throw fail(row, name, "cannot read '\(text)' as a number: use '.' as the decimal "
                       + "point and no thousands separators")
        }
        guard v.isFinite else {
            throw fail(row, name, "value '\(text)' is not finite: remove or fill the row")
        }
        if kind == .prices && v <= 0 {
            throw fail(row, name, "price \(text) is not positive; log returns need prices > 0 "
                       + "(is this a return column? read it with returnColumns:)")
        }
        return v
    }

    /// Enough rows for `minimumReturns` returns.
    private static func checkLength(rows: Int, kind: MarketValueKind, minimumReturns: Int, column: String,
                                    fail: Failure) throws {
        guard rows > 0 else {
            throw fail(nil, nil, "no data rows after the header: the file needs one row per day")
        }
        let returns = kind == .prices ? rows - 1 : rows
        guard returns >= minimumReturns else {
            let needRows = kind == .prices ? minimumReturns + 1 : minimumReturns
            throw fail(nil, column, "only \(rows) data rows (\(returns) log returns); at least "
                       + "\(needRows) rows are needed for \(minimumReturns) returns (one training window "
                       + "needs context_length + 1 returns): use a longer series or a shorter context")
        }
    }

    /// Builds market data from values already in memory (no file); validates as a file would.
    ///
    /// - Parameters:
    ///   - values: `values[c][i]`, one array per column, equal lengths.
    ///   - columns: a name per column.
    ///   - kind: prices or log returns.
    ///   - dates: optional dates, one per row, strictly increasing.
    ///   - source: a name for error messages.
    /// - Throws: `TGFLError.data` for non-finite or non-positive values, unequal lengths or
    ///   unsorted dates; `row` is the 1-based position in the arrays.
    public init(values: [[Double]], columns: [String], kind: MarketValueKind,
                dates: [TradingDate]? = nil, source: String = "<memory>") throws {
        guard !values.isEmpty, values.count == columns.count else {
            throw TGFLError.data(file: source, row: nil, column: nil, message:
                "need one name per column and at least one column: \(values.count) columns, "
                + "\(columns.count) names")
        }
        let n = values[0].count
        for (c, column) in values.enumerated() {
            guard column.count == n, n > 0 else {
                throw TGFLError.data(file: source, row: nil, column: columns[c], message:
                    "has \(column.count) values; every column needs the same, non-zero count (\(n))")
            }
            for (i, v) in column.enumerated() where !v.isFinite || (kind == .prices && v <= 0) {
                throw TGFLError.data(file: source, row: i + 1, column: columns[c], message:
                    "value \(v) is \(kind == .prices ? "not a finite positive price" : "not finite")")
            }
        }
        if let dates {
            guard dates.count == n else {
                throw TGFLError.data(file: source, row: nil, column: "date", message:
                    "\(dates.count) dates for \(n) rows")
            }
            for i in 1..<max(1, n) where !(dates[i - 1] < dates[i]) {
                throw TGFLError.data(file: source, row: i + 1, column: "date", message:
                    "date \(dates[i]) is not after \(dates[i - 1]): sort by date, one row per day")
            }
        }
        self.source = source; self.kind = kind; self.dates = dates
        self.columns = columns; self.values = values
    }

    /// Where a double quote that is never closed opens: its 1-based line and 0-based field on
    /// that line (RFC 4180 quoting: `""` inside a quoted field is a literal quote), or nil when
    /// every quote is closed.
    static func unclosedQuote(_ text: String, delimiter: Character = ",") -> (line: Int, field: Int)? {
        var line = 1, field = 0
        var opened: (line: Int, field: Int)? = nil
        let separator = delimiter.unicodeScalars.first ?? ","
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? scalars.next() {
            pending = nil
            if c == "\n" {
                line += 1
                if opened == nil { field = 0 }
                continue
            }
            if c == separator && opened == nil { field += 1; continue }
            guard c == "\"" else { continue }
            if opened == nil {
                opened = (line, field)
            } else if let next = scalars.next() {
                if next == "\"" { continue }           // an escaped quote inside the field
                opened = nil
                pending = next
            } else {
                opened = nil
            }
        }
        return opened
    }

    private static func readText(_ url: URL) throws -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw TGFLError.data(file: url.path, row: nil, column: nil, message:
                "cannot read the file as UTF-8 text (\(error.localizedDescription)): check the path")
        }
    }

    // MARK: - Returns

    /// The values of one column (prices or returns, as read).
    /// - Parameter column: a column name from `columns`.
    /// - Returns: one value per row.
    /// - Throws: `TGFLError.data` listing the available columns if `column` is unknown.
    public func values(of column: String) throws -> [Double] {
        guard let c = columns.firstIndex(of: column) else {
            throw TGFLError.data(file: source, row: nil, column: column, message:
                "no such column; available: \(columns.joined(separator: ", "))")
        }
        return values[c]
    }

    /// The log returns of one column.
    ///
    /// ```
    /// r_t = ln(P_t / P_{t-1}),  t = 1 ..< rowCount      (prices; dated by day t)
    /// r_t = value_t                                       (log-return columns)
    /// ```
    /// - Parameter column: the column; `nil` takes the first.
    /// - Returns: the series, with the dates of the later day of each pair.
    /// - Throws: `TGFLError.data` if the column is unknown.
    public func logReturns(_ column: String? = nil) throws -> ReturnSeries {
        let name = column ?? columns[0]
        let v = try values(of: name)
        switch kind {
        case .prices:
            return ReturnSeries(name: name, dates: dates.map { Array($0.dropFirst()) },
                                values: Self.unvalidatedLogReturns(v))
        case .logReturns:
            return ReturnSeries(name: name, dates: dates, values: v)
        }
    }

    /// The log returns of every column, in `columns` order.
    public func allLogReturns() -> [ReturnSeries] {
        // Columns come from `columns`, so the lookups cannot fail.
        columns.compactMap { try? logReturns($0) }
    }

    /// Log returns of a price path.
    ///
    /// ```
    /// r_t = ln(P_t / P_{t-1}),  t = 1 ..< n
    /// ```
    /// - Parameter prices: at least two finite, positive prices.
    /// - Returns: `n - 1` log returns.
    /// - Throws: `TGFLError.invalidArgument` naming the first bad index, or if fewer than 2 prices.
    public static func logReturns(prices: [Double]) throws -> [Double] {
        guard prices.count >= 2 else {
            throw TGFLError.invalidArgument("log returns need at least 2 prices, got \(prices.count)")
        }
        if let i = prices.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
            throw TGFLError.invalidArgument("prices[\(i)] = \(prices[i]) is not a finite positive price")
        }
        return unvalidatedLogReturns(prices)
    }

    static func unvalidatedLogReturns(_ p: [Double]) -> [Double] {
        guard p.count >= 2 else { return [] }
        return (1..<p.count).map { Foundation.log(p[$0] / p[$0 - 1]) }
    }
}
