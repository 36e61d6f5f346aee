import Foundation

/// A calendar day as written in market data files: ISO 8601 `YYYY-MM-DD`, no time, no zone.
///
/// Dates compare by (year, month, day); the Gregorian calendar decides which days exist
/// (leap years: divisible by 4, except centuries not divisible by 400).
public struct TradingDate: Comparable, Hashable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, checking that the day exists.
    ///
    /// - Parameters:
    ///   - year: four-digit year, 1...9999.
    ///   - month: 1...12.
    ///   - day: 1...days in that month.
    /// - Throws: `TGFLError.invalidArgument` if the day does not exist.
    public init(year: Int, month: Int, day: Int) throws {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...TradingDate.daysIn(month: month, year: year)).contains(day) else {
            throw TGFLError.invalidArgument(
                "\(year)-\(month)-\(day) is not a calendar day (year 1...9999, month 1...12, "
                + "day within the month)")
        }
        self.year = year; self.month = month; self.day = day
    }

    /// Parses an ISO 8601 calendar date `YYYY-MM-DD` (exactly 4, 2 and 2 digits).
    ///
    /// Surrounding spaces are ignored; anything else (`1999/01/04`, `04.01.1999`, `1999-1-4`,
    /// a time part) is rejected so that day order is never guessed.
    /// - Parameter text: the field as read from the file.
    /// - Returns: the date, or `nil` if `text` is not a valid `YYYY-MM-DD` day.
    public init?(iso text: String) {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard s.count == 10, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                guard s[i] >= UInt8(ascii: "0"), s[i] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int(s[i] - UInt8(ascii: "0"))
            }
            return v
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
              let date = try? TradingDate(year: y, month: m, day: d) else { return nil }
        self = date
    }

    /// Number of days in `month` of `year` (Gregorian).
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: TradingDate, b: TradingDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// The ISO form `YYYY-MM-DD`.
    public var description: String {
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}
