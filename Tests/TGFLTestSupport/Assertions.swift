import Foundation
import XCTest

/// Shared helpers for every TGFL test target: one closeness assertion and one way
/// to find the committed fixtures in `Tests/Fixtures/`.

/// Asserts `|actual - expected| <= atol + rtol * |expected|` element-wise, reporting the
/// worst element (index, both values) on failure.
public func assertClose(_ actual: [Double], _ expected: [Double], rtol: Double = 1e-10,
                        atol: Double = 0, _ what: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(what): count \(actual.count) != expected \(expected.count)", file: file, line: line)
        return
    }
    var worst = -1
    var worstExcess = 0.0
    for i in actual.indices {
        let a = actual[i], e = expected[i]
        if a.isNaN != e.isNaN || (a.isInfinite || e.isInfinite) && a != e {
            worst = i; worstExcess = .infinity; break
        }
        if a.isNaN || a.isInfinite { continue }
        let excess = abs(a - e) - (atol + rtol * abs(e))
        if excess > worstExcess { worstExcess = excess; worst = i }
    }
    if worst >= 0 {
        XCTFail("\(what): element \(worst): got \(actual[worst]), expected \(expected[worst]) "
                + "(rtol \(rtol), atol \(atol))", file: file, line: line)
    }
}

/// Scalar form of `assertClose`.
public func assertClose(_ actual: Double, _ expected: Double, rtol: Double = 1e-10,
                        atol: Double = 0, _ what: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    assertClose([actual], [expected], rtol: rtol, atol: atol, what, file: file, line: line)
}

/// Float32 form of `assertClose`.
public func assertClose(_ actual: [Float], _ expected: [Float], rtol: Double = 1e-5,
                        atol: Double = 0, _ what: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    assertClose(actual.map(Double.init), expected.map(Double.init), rtol: rtol, atol: atol,
                what, file: file, line: line)
}

/// The committed fixtures folder, `Tests/Fixtures/`, found from this source file's path.
public let fixturesDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// URL of a committed fixture file.
public func fixtureURL(_ name: String) -> URL {
    fixturesDirectory.appendingPathComponent(name)
}

/// Decodes a JSON fixture into `T`.
public func loadJSONFixture<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
    let data = try Data(contentsOf: fixtureURL(name))
    return try JSONDecoder().decode(T.self, from: data)
}

/// Asserts that `body` throws an error whose description contains every fragment (the one
/// error-message check of every test target).
public func assertThrows<T>(containing fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                            _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch {
        let message = "\(error)"
        for fragment in fragments where !message.contains(fragment) {
            XCTFail("error \"\(message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }
}

/// `assertThrows(containing:_:)` for a single expression.
public func assertThrows(_ expression: @autoclosure () throws -> Any?, containing fragments: [String],
                         file: StaticString = #filePath, line: UInt = #line) {
    assertThrows(containing: fragments, file: file, line: line) { try expression() }
}

/// A copy of `value` with `edit` applied: the corrupted input of an error test, e.g.
/// `assertThrows(try Section(edited(good) { $0.field = nil }), containing: ["'field'"])`.
public func edited<T>(_ value: T, _ edit: (inout T) -> Void) -> T {
    var copy = value
    edit(&copy)
    return copy
}
