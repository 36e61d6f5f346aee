import Foundation
import TGFLReport
import TGFLTestSupport
import XCTest

/// The rendered page: self-contained, escaped, within the issue's size target.
final class HTMLReportTests: XCTestCase {
    /// Seeded Student-t-like returns (a ratio of normals from a small LCG: no TGFL code involved).
    static func returns(_ n: Int, seed: UInt64, scale: Double = 0.01) -> [Double] {
        var s = seed
        func uniform() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (Double(s >> 11) + 0.5) / Double(1 << 53)
        }
        return (0..<n).map { _ in
            let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            let w = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            return scale * z / max(0.35, abs(w))
        }
    }

    func testPageIsSelfContainedAndEscaped() throws {
        let real = Self.returns(800, seed: 1)
        let input = ScenarioReportInput(title: "A </script><b>title</b>", realName: "test & co", real: real,
                                        scenarios: [.init(name: "calm", paths: (0..<30).map { Self.returns(50, seed: 100 + UInt64($0)) },
                                                          realRegimeDays: Array(real.prefix(300))),
                                                    .init(name: "unconditional", paths: (0..<30).map { Self.returns(50, seed: 200 + UInt64($0)) })],
                                        trainingDays: 500)
        let data = try ScenarioReportData(input)
        let document = ScenarioReport.document(data, title: input.title)
        let html = HTMLReport.render(document)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
        XCTAssertFalse(html.contains("<b>title</b>"), "the title must be escaped")
        XCTAssertTrue(html.contains("A &lt;/script&gt;&lt;b&gt;title&lt;/b&gt;"))
        // Exactly the page's own three scripts; no external source.
        XCTAssertEqual(html.components(separatedBy: "<script").count - 1, 3)
        XCTAssertEqual(html.components(separatedBy: "</script>").count - 1, 3)
        XCTAssertNil(html.range(of: "src=\"http"))
        XCTAssertNil(html.range(of: "href=\"http"))
        // Every chart has a container and a spec; section order as in the issue.
        XCTAssertEqual(document.sections.map(\.id), ["scenarios", "dynamics", "regimes", "facts", "memorization"])
        for chart in document.charts {
            XCTAssertTrue(html.contains("id=\"\(chart.id)\""), chart.id)
            XCTAssertTrue(html.contains("\"\(chart.id)\":{"), chart.id)
        }
        XCTAssertEqual(Set(document.charts.map(\.id)).count, document.charts.count, "chart ids must be unique")
        // Failed facts are highlighted.
        let failed = data.stylizedFacts.filter { $0.passed == false }.count
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"fail\">").count - 1, failed)
    }

    func testThousandByTwoFiftyIsAtMostThreeMegabytes() throws {
        let real = Self.returns(5000, seed: 7)
        let paths = (0..<1000).map { Self.returns(250, seed: 1000 + UInt64($0)) }
        let regimes = ["calm", "normal", "volatile", "crisis"].map {
            ScenarioReportInput.ScenarioSet(name: $0, paths: paths, realRegimeDays: Array(real.prefix(1200)))
        }
        let html = try ScenarioReport.html(ScenarioReportInput(
            real: real, scenarios: regimes + [.init(name: "unconditional", paths: paths)], trainingDays: 4000))
        XCTAssertLessThanOrEqual(html.utf8.count, 3_000_000, "issue 15: a 1,000 × 250 report is at most 3 MB")
    }

    func testJSONValueEscapesScriptEndAndNonFinite() {
        let v: JSONValue = ["a": "</script>", "b": .finite(.nan), "c": 0.1, "d": 3, "e": "x\"\n"]
        XCTAssertEqual(v.text, #"{"a":"<\/script>","b":null,"c":0.1,"d":3,"e":"x\"\n"}"#)
    }
}
