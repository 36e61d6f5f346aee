import XCTest
@testable import TGFLFederated
@testable import TGFLFederation

final class FederatedSmokeTests: XCTestCase {
    func testVersion() { XCTAssertFalse(TGFLFederatedInfo.version.isEmpty) }
}
