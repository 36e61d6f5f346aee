import Foundation
import TGFLReport

/// Renders a report document and writes it atomically, logging its size and the time taken.
/// - Parameters:
///   - path: the HTML file.
///   - build: makes the document (timed with the rendering).
/// - Throws: whatever `build` throws; `TGFLError.io` when the file cannot be written.
func writeReportPage(to path: String, _ build: () throws -> ReportDocument) throws {
    let clock = Date()
    let html = HTMLReport.render(try build())
    try writeText(html, to: path)
    logInfo("report: wrote \(path) " + String(format: "(%.1f MB) in %.2f s", Double(html.utf8.count) / 1e6,
                                               Date().timeIntervalSince(clock)))
}
