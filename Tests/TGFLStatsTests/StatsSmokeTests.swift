import XCTest
@testable import TGFLStats

final class StatsSmokeTests: XCTestCase {
    func testVersion() { XCTAssertFalse(TGFLStatsInfo.version.isEmpty) }
}
