import XCTest
import TGFLCore
import TGFLFederated
@testable import tgfl

/// `tgfl federate-joint`: the institutions' periods and the mapping of the flags.
final class FederateJointArgumentTests: XCTestCase {
    /// eu_stocks has 1,859 return days: 80 % is ⌊1487.2⌋ = 1487 training days, cut into
    /// consecutive periods whose lengths differ by at most one day; a period shorter than one
    /// window (⌈(T + 1)/K⌉ = ⌈33/4⌉ = 9 days for T = 32, K = 4) is refused naming the fix.
    func testPeriods() throws {
        XCTAssertEqual(try FederateJointCommand.periods(days: 1859, valFraction: 0.2, clients: 2, assets: 4, contextLength: 32),
                       [0..<743, 743..<1487])
        XCTAssertEqual(try FederateJointCommand.periods(days: 10, valFraction: 0, clients: 3, assets: 1, contextLength: 2),
                       [0..<3, 3..<6, 6..<10])
        XCTAssertNoThrow(try FederateJointCommand.periods(days: 100, valFraction: 0.1, clients: 10, assets: 4, contextLength: 32))
        XCTAssertThrowsError(try FederateJointCommand.periods(days: 100, valFraction: 0.2, clients: 10, assets: 4,
                                                             contextLength: 32)) { e in
            XCTAssertTrue("\(e)".contains("gives each institution 8 of the 80 training days"), "\(e)")
            XCTAssertTrue("\(e)".contains("needs 9 days of 4 assets"), "\(e)")
        }
    }

    /// The flags reach `JointFederationOptions` and the strategy as `tgfl federate` maps them;
    /// the shared checks refuse DP with a robust rule and secure aggregation with one institution.
    func testOptionsMapping() throws {
        let c = try FederateJointCommand.parse(["--bundled", "eu_stocks", "--clients", "4", "--rounds", "7", "--local-steps", "3",
                                                "--strategy", "fedadam", "--strategy-param", "eta=0.02", "--fraction", "0.5",
                                                "--dp-noise", "0.8", "--clip", "2", "--secure-agg", "--batch-size", "16",
                                                "--lr", "0.002", "--seed", "9", "--out", "f.h5"])
        let (strategy, o) = try c.jointOptions(kind: try parseStrategyKind("fedadam"))
        XCTAssertEqual(strategy.name, "FedAdam")
        XCTAssertEqual(o.rounds, 7); XCTAssertEqual(o.localSteps, 3); XCTAssertEqual(o.batchSize, 16)
        XCTAssertEqual(o.learningRate, 0.002); XCTAssertEqual(o.seed, 9); XCTAssertTrue(o.secureAggregation)
        XCTAssertEqual(o.privacy?.noiseMultiplier, 0.8); XCTAssertEqual(o.privacy?.clippingNorm, 2)
        XCTAssertEqual(o.privacy?.numSampledClients, 2, "fraction 0.5 of 4 institutions")
        XCTAssertTrue(c.keepBest)
        XCTAssertThrowsError(try FederateJointCommand.parse(["--bundled", "eu_stocks", "--strategy", "krum", "--dp-noise", "1",
                                                             "--out", "f.h5"])) {
            XCTAssertTrue(FederateJointCommand.message(for: $0).contains("proven only for mean-based"), "\($0)")
        }
        XCTAssertThrowsError(try FederateJointCommand.parse(["--bundled", "eu_stocks", "--clients", "1", "--secure-agg",
                                                             "--out", "f.h5"]))
        XCTAssertThrowsError(try FederateJointCommand.parse(["--clients", "2", "--out", "f.h5"])) {
            XCTAssertTrue(FederateJointCommand.message(for: $0).contains("--data FILE or --bundled NAME"), "\($0)")
        }
    }
}
