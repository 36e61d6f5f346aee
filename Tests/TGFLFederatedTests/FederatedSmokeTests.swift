import XCTest
@testable import TGFLFederated

final class FederatedSmokeTests: XCTestCase {
    func testVersion() { XCTAssertFalse(TGFLFederatedInfo.version.isEmpty) }
}
