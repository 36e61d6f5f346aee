import XCTest
@testable import TGFLCore

final class ModelConfigTests: XCTestCase {
    func testSmallConfigParameterCountMatchesDesignFormula() throws {
        // Count from docs/DESIGN.md's shapes, written out independently of ParameterLayout.
        let (V, T, C, L, F, R) = (512, 128, 64, 4, 256, 4)
        let perBlock = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (F * C + F) + (C * F + C)
        let expected = V * C + T * C + R * C + L * perBlock + 2 * C + V * C + V
        XCTAssertEqual(ParameterLayout(config: .small).count, expected)
        XCTAssertLessThan(ParameterLayout(config: .large).count, 1_000_000)
    }

    func testInvalidConfigsThrowNamingTheField() {
        var c = ModelConfig.small
        c.nHeads = 3
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("n_heads")) }
        c = .small
        c.dFF = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("d_ff")) }
    }

    func testConfigJSONUsesSnakeCaseKeys() throws {
        let json = ModelConfig.small.jsonString()
        XCTAssertTrue(json.contains("\"vocab_size\":512"))
        XCTAssertEqual(try ModelConfig.fromJSON(json), .small)
        XCTAssertThrowsError(try ModelConfig.fromJSON("{\"vocab_size\":1}"))
    }
}
