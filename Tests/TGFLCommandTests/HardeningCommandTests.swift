import ArgumentParser
import Foundation
import TGFLCore
import XCTest
@testable import tgfl

/// Regression tests for issue 13 in the `tgfl` command: bounds, negative numbers, the
/// regime-path size check and the synthetic-paths reader's errors.
final class HardeningCommandTests: XCTestCase {
    func testNegativeNumbersGetAClearMessageNotMissingValue() throws {
        for (args, fragment) in [
            (["federate", "--clients", "-5", "--out", "x.h5"], "--clients must be at least 1, got -5"),
            (["train", "--steps", "-3", "--out", "x.h5"], "--steps must be at least 1, got -3"),
            (["generate", "--model", "m.h5", "--paths", "-1", "--out", "x.csv"], "--paths must be at least 1, got -1"),
        ] {
            XCTAssertThrowsError(try TGFLRoot.parseAsRoot(args)) { error in
                let message = TGFLRoot.message(for: error)
                XCTAssertTrue(message.contains(fragment), "\(args): \(message)")
                XCTAssertFalse(message.contains("Missing value"), "\(args): \(message)")
            }
        }
    }

    func testUpperBoundsMatchTheCABI() throws {
        for (args, fragment) in [
            (["federate", "--clients", "9223372036854775807", "--out", "x.h5"], "--clients must be at most 65536"),
            (["train", "--batch-size", "100000", "--out", "x.h5"], "--batch-size must be at most 4096"),
            (["federate", "--batch-size", "4097", "--out", "x.h5"], "--batch-size must be at most 4096"),
            (["train", "--threads", "100000", "--out", "x.h5"], "--threads must be at most 256"),
            (["generate", "--model", "m.h5", "--paths", "1000000", "--horizon", "1000", "--out", "x.csv"],
             "is more than 100000000 values"),
        ] {
            XCTAssertThrowsError(try TGFLRoot.parseAsRoot(args)) { error in
                let message = TGFLRoot.message(for: error)
                XCTAssertTrue(message.contains(fragment), "\(args): \(message)")
            }
        }
        XCTAssertNoThrow(try TGFLRoot.parseAsRoot(["federate", "--clients", "65536", "--out", "x.h5"]))
    }

    func testRegimePathLengthIsCheckedBeforeAllocating() throws {
        let resolve: (String) throws -> Int = { _ in 0 }
        // calm:2000000000 took 13 GB; calm:9223372036854775807 crashed.
        for text in ["calm:2000000000", "calm:9223372036854775807", "calm:9223372036854775807,calm:9"] {
            XCTAssertThrowsError(try parseRegimePath(text, maxDays: 1_000_000, resolve: resolve)) { error in
                XCTAssertTrue("\(error)".contains("--regime-path has more than 1000000 days"), "\(error)")
            }
        }
        XCTAssertEqual(try parseRegimePath("calm:999999,calm:1", maxDays: 1_000_000, resolve: resolve).count, 1_000_000)
    }

    func testPathsCSVRowsOfUnequalLengthNameFileAndRow() {
        XCTAssertThrowsError(try PathsCSV(text: "r_1,r_2,r_3\n0.1,0.2,0.3\n0.1,0.2\n", source: "paths.csv")) { e in
            let text = (e as? TGFLError)?.description ?? "\(e)"
            XCTAssertTrue(text.hasPrefix("'paths.csv', row 3:"), text)
            XCTAssertTrue(text.contains("has 2 values but the first path has 3"), text)
        }
    }
}
