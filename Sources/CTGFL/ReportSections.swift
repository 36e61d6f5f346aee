// The backtest and stress pages of the HTML report (include/tgfl.h, section "Report (issue 15)"):
// TGFLReport's renderer for a backtest's JSON and a stress result's JSON, so that Python shows
// the very pages `tgfl backtest --html` and `tgfl stress --html` write.

import CTGFLHeader
import Foundation
import TGFLReport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `int32_t tgfl_backtest_report(const char * backtest_json, const char * const * dates,
/// size_t n_dates, char ** out_html)`.
@_cdecl("tgfl_backtest_report")
public func cBacktestReport(_ json: UnsafePointer<CChar>?, _ dates: UnsafePointer<UnsafePointer<CChar>?>?,
                            _ nDates: Int, _ outHTML: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outHTML?.pointee = nil
    return withStatus {
        guard let outHTML else { throw BoundaryError.null("out_html") }
        let text = try Check.string(json, "backtest_json")
        let n = try Check.size(nDates, "n_dates")
        var labels: [String]?
        if n > 0 {
            let buffer = try Check.buffer(dates, count: n, "dates")
            labels = try buffer.indices.map { try Check.string(buffer[$0], "dates[\($0)]", allowEmpty: true) }
        }
        let page = try reportPage { HTMLReport.render(BacktestReport.document(try BacktestReportData(json: text, dates: labels))) }
        outHTML.pointee = try copied(page, what: "the backtest report")
    }
}

/// `int32_t tgfl_stress_report(const char * stress_json, char ** out_html)`.
@_cdecl("tgfl_stress_report")
public func cStressReport(_ json: UnsafePointer<CChar>?,
                          _ outHTML: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    outHTML?.pointee = nil
    return withStatus {
        guard let outHTML else { throw BoundaryError.null("out_html") }
        let text = try Check.string(json, "stress_json")
        let page = try reportPage {
            HTMLReport.render(StressReport.document(try StressReportData(try StressReportInput(json: text))))
        }
        outHTML.pointee = try copied(page, what: "the stress report")
    }
}

/// A report error (bad input, named) becomes TGFL_ERR_INVALID_ARGUMENT.
private func reportPage(_ body: () throws -> String) throws -> String {
    do { return try body() } catch let error as ReportError { throw BoundaryError.invalid(error.description) }
}

/// A C copy of `text` for the caller to free with tgfl_string_free.
private func copied(_ text: String, what: String) throws -> UnsafeMutablePointer<CChar> {
    guard let copy = strdup(text) else {
        throw BoundaryError(status: Status.internalError, message: "out of memory copying \(what)")
    }
    return copy
}
