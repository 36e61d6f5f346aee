import XCTest
import Foundation
import TGFLCore
import TGFLTestSupport
@testable import TGFLFederated
@testable import TGFLFederation

/// `PrivacyAudit` statistics against scikit-learn/SciPy (Tests/Fixtures/make_audit_reference.py).
final class PrivacyAuditTests: XCTestCase {
    struct Roc: Decodable {
        let members: [Double]; let non_members: [Double]
        let auc: Double; let auc_mannwhitney: Double; let tpr_at_1pct_fpr: Double; let tpr_at_10pct_fpr: Double
    }
    struct Runs: Decodable { let sequence: [Int32]; let corpus: [[Int32]]; let longest: Int }
    struct DCR: Decodable { let synthetic: [[Double]]; let records: [[Double]]; let distances: [Double] }
    struct Ref: Decodable { let roc: [Roc]; let runs: Runs; let dcr: DCR }

    func testAUCAndTPRMatchSklearn() throws {
        let ref = try loadJSONFixture("audit_reference.json", as: Ref.self)
        XCTAssertEqual(ref.roc.count, 3)
        for (i, c) in ref.roc.enumerated() {
            let auc = try PrivacyAudit.rocAUC(members: c.members, nonMembers: c.non_members)
            assertClose(auc, c.auc, rtol: 1e-12, "AUC case \(i)")
            assertClose(auc, c.auc_mannwhitney, rtol: 1e-12, "AUC = U/(mn) case \(i)")
            assertClose(try PrivacyAudit.tprAtFPR(members: c.members, nonMembers: c.non_members, fpr: 0.01),
                        c.tpr_at_1pct_fpr, rtol: 1e-12, "TPR@1% case \(i)")
            assertClose(try PrivacyAudit.tprAtFPR(members: c.members, nonMembers: c.non_members, fpr: 0.1),
                        c.tpr_at_10pct_fpr, rtol: 1e-12, "TPR@10% case \(i)")
        }
    }

    func testLongestRunAndDCRMatchTheReference() throws {
        let ref = try loadJSONFixture("audit_reference.json", as: Ref.self)
        XCTAssertEqual(PrivacyAudit.longestCommonRun(ref.runs.sequence, in: ref.runs.corpus), ref.runs.longest)
        let d = try PrivacyAudit.distancesToClosestRecord(ref.dcr.synthetic, records: ref.dcr.records)
        assertClose(d, ref.dcr.distances, rtol: 1e-12, "DCR")
        XCTAssertEqual(try PrivacyAudit.dcrRatio(synthetic: ref.dcr.synthetic, train: ref.dcr.records,
                                                 holdout: ref.dcr.records), 1)
    }

    func testAuditInputErrors() {
        XCTAssertThrowsError(try PrivacyAudit.rocAUC(members: [], nonMembers: [1])) { XCTAssertTrue("\($0)".contains("member")) }
        XCTAssertThrowsError(try PrivacyAudit.rocAUC(members: [.nan], nonMembers: [1])) { XCTAssertTrue("\($0)".contains("NaN")) }
        XCTAssertThrowsError(try PrivacyAudit.distancesToClosestRecord([[1, 2]], records: [[1]])) {
            XCTAssertTrue("\($0)".contains("synthetic 0"))
        }
    }
}
