import Foundation
import TGFLCore

/// Scenario paths read from a CSV written by `tgfl generate` (or any tool): one path per row.
struct PathsCSV: Equatable {
    /// Log returns, one array per path.
    var returns: [[Double]]
    /// Whether the file held prices (header `p_0,…`), converted to log returns.
    var convertedFromPrices: Bool

    /// Parses the text. A first line whose first field is not a number is a header; a header
    /// whose first field starts with `p_` marks price paths (as `generate --prices` writes),
    /// which are turned into log returns `log(p_t / p_{t−1})`. Blank lines are skipped.
    /// - Parameters:
    ///   - text: The CSV text.
    ///   - source: The file name used in errors.
    ///   - prices: Force reading rows as prices (nil: decide from the header).
    /// - Throws: `TGFLError.data` naming file, row and column of a bad value.
    init(text: String, source: String, prices: Bool? = nil) throws {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
            .enumerated().map { (row: $0.offset, text: $0.element) }
            .filter { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }
        var headerSaysPrices = false
        let rowOffset = 1   // row r is line r of the file, as a spreadsheet numbers it (header = row 1)
        if let first = lines.first {
            let field = first.text.split(separator: ",", omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if Double(field) == nil {
                headerSaysPrices = field.lowercased().hasPrefix("p_")
                lines.removeFirst()
            }
        }
        let asPrices = prices ?? headerSaysPrices
        guard !lines.isEmpty else {
            throw TGFLError.data(file: source, row: nil, column: nil, message:
                "no paths: expected one path per row of comma-separated log returns")
        }
        var paths: [[Double]] = []
        paths.reserveCapacity(lines.count)
        for line in lines {
            let fields = line.text.split(separator: ",", omittingEmptySubsequences: false)
            var values: [Double] = []
            values.reserveCapacity(fields.count)
            for (c, f) in fields.enumerated() {
                let t = f.trimmingCharacters(in: .whitespaces)
                guard let v = Double(t), v.isFinite else {
                    throw TGFLError.data(file: source, row: line.row + rowOffset, column: "\(c + 1)",
                                         message: Self.unreadable(t))
                }
                if asPrices && v <= 0 {
                    throw TGFLError.data(file: source, row: line.row + rowOffset, column: "\(c + 1)", message:
                        "price \(t) is not positive")
                }
                values.append(v)
            }
            if asPrices {
                guard values.count >= 2 else {
                    throw TGFLError.data(file: source, row: line.row + rowOffset, column: nil, message:
                        "a price path needs at least 2 prices")
                }
                values = (1..<values.count).map { Foundation.log(values[$0] / values[$0 - 1]) }
            }
            if let first = paths.first, first.count != values.count {
                throw TGFLError.data(file: source, row: line.row + rowOffset, column: nil, message:
                    "this path has \(values.count + (asPrices ? 1 : 0)) values but the first path has "
                    + "\(first.count + (asPrices ? 1 : 0)); every row must have the same number of days")
            }
            paths.append(values)
        }
        self.returns = paths
        self.convertedFromPrices = asPrices
    }

    /// Why a field is not a return. A date means a dated series (the real data) was given where
    /// paths are expected, so the message says where that file belongs.
    static func unreadable(_ field: String) -> String {
        if field.isEmpty { return "empty value: every row needs one number per day" }
        if TradingDate(iso: field) != nil {
            return "cannot read '\(field)' as a finite number: this looks like a dated series; a paths file "
                + "holds one path per row, numbers only (as `tgfl generate` writes it), and real data goes to "
                + "--real (evaluate) or --data (report)"
        }
        return "cannot read '\(field)' as a finite number"
    }

    /// Reads a file.
    /// - Throws: `CommandFailure` for a missing file, `TGFLError.data` for bad content.
    init(path: String, prices: Bool? = nil) throws {
        try requireReadableFile(path, what: "synthetic paths file")
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TGFLError.data(file: path, row: nil, column: nil, message: "cannot read as UTF-8 text")
        }
        try self.init(text: text, source: path, prices: prices)
    }
}
