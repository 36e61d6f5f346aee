import XCTest
import TGFLCore
import TGFLFederated
@testable import tgfl

/// `tgfl federate` arguments → `FederatedTrainingOptions`.
final class FederateArgumentTests: XCTestCase {
    func testParsing() throws {
        let c = try FederateCommand.parse(["--data", "a.csv", "--data", "b.csv", "--clients", "2", "--partition",
                                           "natural", "--strategy", "fedadam", "--strategy-param", "eta=0.01",
                                           "--dp-noise", "0.5", "--clip", "2", "--secure-agg", "--out", "f.h5"])
        XCTAssertEqual(c.data, ["a.csv", "b.csv"])
        XCTAssertEqual(c.clientCount, 2)
        XCTAssertEqual(c.federation.strategyParam, ["eta=0.01"])
        XCTAssertEqual(c.federation.dpNoise, 0.5)
        XCTAssertEqual(c.federation.clip, 2)
        XCTAssertTrue(c.federation.secureAgg)
        XCTAssertThrowsError(try FederateCommand.parse(["--clip", "1", "--out", "f.h5"]), "--clip needs --dp-noise")
        // Issue #19: no DP for strategies without a proof; #13 item 8: secure aggregation needs 2 per round.
        XCTAssertThrowsError(try FederateCommand.parse(["--strategy", "krum", "--dp-noise", "1", "--out", "f.h5"])) {
            XCTAssertTrue(FederateCommand.message(for: $0).contains("proven only for mean-based"), "\($0)")
        }
        XCTAssertNoThrow(try FederateCommand.parse(["--strategy", "fedadam", "--dp-noise", "1", "--out", "f.h5"]))
        XCTAssertThrowsError(try FederateCommand.parse(["--clients", "1", "--secure-agg", "--out", "f.h5"]))
        // min_train_nodes = 2 in the CLI, so --clients 2 --fraction 0.5 still samples 2.
        XCTAssertNoThrow(try FederateCommand.parse(["--clients", "2", "--fraction", "0.5", "--secure-agg", "--out", "f.h5"]))
        XCTAssertNoThrow(try FederateCommand.parse(["--clients", "2", "--secure-agg", "--out", "f.h5"]))
        XCTAssertThrowsError(try FederateCommand.parse(["--dp-noise", "1", "--dp-sampling", "shuffle", "--out", "f.h5"]))
        XCTAssertEqual(try FederateCommand.parse(["--dp-noise", "1", "--dp-sampling", "fixed", "--out", "f.h5"]).federation.dpSampling, "fixed")
        XCTAssertThrowsError(try FederateCommand.parse(["--fraction", "0", "--out", "f.h5"]))
    }

    /// Session 20: `--client-encoding own_filter` needs v2 and the natural partition, and excludes public data
    /// models and noised summaries; the default is the pooled filter.
    func testClientEncodingArguments() throws {
        XCTAssertEqual(try FederateCommand.parse(["--out", "f.h5"]).clientEncoding, "pooled_filter")
        let base = ["--data", "a.csv", "--data", "b.csv", "--clients", "2", "--partition", "natural"]
        XCTAssertEqual(try FederateCommand.parse(base + ["--client-encoding", "own_filter", "--out", "f.h5"]).clientEncoding,
                       "own_filter")
        for (arguments, message) in [
            (base + ["--client-encoding", "mine"], "--client-encoding: client encoding 'mine' is not one of: pooled_filter, own_filter"),
            (["--client-encoding", "own_filter"], "--client-encoding own_filter needs --partition natural"),
            (base + ["--client-encoding", "own_filter", "--model-version", "1"], "needs --model-version 2"),
            (base + ["--client-encoding", "own_filter", "--data-models-from", "bundled:djia"], "--data-models-from exclude each other"),
            (base + ["--client-encoding", "own_filter", "--dp-noise", "1", "--dp-summaries"], "--dp-summaries exclude each other"),
        ] {
            XCTAssertThrowsError(try FederateCommand.parse(arguments + ["--out", "f.h5"])) {
                XCTAssertTrue(FederateCommand.message(for: $0).contains(message), "\(arguments): \($0)")
            }
        }
    }

    /// Issue 19: `--dp-summaries` needs DP, excludes public data models and needs whole-day clients.
    func testDPSummariesArguments() throws {
        let c = try FederateCommand.parse(["--dp-noise", "1", "--partition", "time", "--dp-summaries", "--out", "f.h5"])
        XCTAssertTrue(c.dpSummaries)
        XCTAssertEqual(try FederateCommand.parse(["--dp-noise", "1", "--partition", "natural", "--dp-summaries-noise", "2",
                                                  "--out", "f.h5"]).dpSummariesNoise, 2)
        for (arguments, message) in [
            (["--partition", "time", "--dp-summaries"], "needs --dp-noise"),
            (["--dp-noise", "1", "--dp-summaries"], "--partition time or natural"),
            (["--dp-noise", "1", "--partition", "time", "--dp-summaries", "--data-models-from", "bundled:djia"],
             "exclude each other"),
            (["--dp-noise", "1", "--partition", "time", "--dp-summaries-noise", "0"], "must be positive"),
        ] {
            XCTAssertThrowsError(try FederateCommand.parse(arguments + ["--out", "f.h5"])) {
                XCTAssertTrue(FederateCommand.message(for: $0).contains(message), "\(arguments): \($0)")
            }
        }
    }

    /// Issue 19: `--dp-volatility-noise` needs DP, public data models, the calibration and whole-day clients.
    func testDPVolatilityNoiseArguments() throws {
        let base = ["--dp-noise", "1", "--partition", "time", "--data-models-from", "bundled:djia"]
        XCTAssertEqual(try FederateCommand.parse(base + ["--dp-volatility-noise", "0.5", "--out", "f.h5"]).dpVolatilityNoise, 0.5)
        XCTAssertNil(try FederateCommand.parse(base + ["--dp-volatility-noise", "0.5", "--out", "f.h5"]).dpVolatilityBound)
        XCTAssertEqual(try FederateCommand.parse(base + ["--dp-volatility-noise", "1", "--dp-volatility-bound", "0.175",
                                                         "--out", "f.h5"]).dpVolatilityBound, 0.175)
        for (arguments, message) in [
            (["--partition", "time", "--data-models-from", "bundled:djia", "--dp-volatility-noise", "1"], "needs --dp-noise"),
            (["--dp-noise", "1", "--partition", "time", "--dp-volatility-noise", "1"], "give --data-models-from"),
            (["--dp-noise", "1", "--data-models-from", "bundled:djia", "--dp-volatility-noise", "1"],
             "--partition time or natural"),
            (base + ["--dp-volatility-noise", "1", "--no-volatility-calibration"], "volatility calibration"),
            (base + ["--dp-volatility-noise", "-1"], "must be positive"),
            // Session 18: the box h of the release.
            (base + ["--dp-volatility-noise", "1", "--dp-volatility-bound", "0"], "--dp-volatility-bound must be positive and finite"),
            (base + ["--dp-volatility-noise", "1", "--dp-volatility-bound", "-0.1"], "--dp-volatility-bound must be positive and finite"),
            (base + ["--dp-volatility-noise", "1", "--dp-volatility-bound", "nan"], "--dp-volatility-bound must be positive and finite"),
            (base + ["--dp-volatility-noise", "1", "--dp-volatility-bound", "inf"], "--dp-volatility-bound must be positive and finite"),
            (base + ["--dp-volatility-bound", "0.175"], "--dp-volatility-bound is the box of the noised volatility level: it needs --dp-volatility-noise"),
        ] {
            XCTAssertThrowsError(try FederateCommand.parse(arguments + ["--out", "f.h5"])) {
                XCTAssertTrue(FederateCommand.message(for: $0).contains(message), "\(arguments): \($0)")
            }
        }
    }

    func testOptionsMapping() throws {
        let o = try federatedOptions(clientCount: 8, rounds: 5, localSteps: 3, batchSize: 16, learningRate: 0.002,
                                     validationFraction: 0.1, partition: try parsePartition("dirichlet:0.3"),
                                     strategy: try parseStrategyKind("FedAdam"), strategyParameters: ["eta": 0.01],
                                     fraction: 0.5, privacy: (0.7, 2.0), delta: 1e-6, secureAggregation: true,
                                     seed: 9, threads: 1)
        XCTAssertEqual(o.clientCount, 8)
        XCTAssertEqual(o.rounds, 5)
        XCTAssertEqual(o.localSteps, 3)
        XCTAssertEqual(o.batchSize, 16)
        XCTAssertEqual(o.learningRate, 0.002)
        XCTAssertEqual(o.validationFraction, 0.1)
        XCTAssertEqual(o.partition, .dirichlet(alpha: 0.3))
        XCTAssertEqual(o.strategy, .fedadam)
        XCTAssertEqual(o.hyperparameters, ["eta": 0.01])
        XCTAssertEqual(o.sampling.fractionTrain, 0.5)
        // Flower: sample size = max(int(8 · 0.5), min_train_nodes = 2) = 4 clients per round.
        XCTAssertEqual(o.privacy?.numSampledClients, 4)
        XCTAssertEqual(o.privacy?.noiseMultiplier, 0.7)
        XCTAssertEqual(o.privacy?.clippingNorm, 2.0)
        XCTAssertEqual(o.privacyDelta, 1e-6)
        XCTAssertTrue(o.secureAggregation)
        XCTAssertEqual(o.seed, 9)
        XCTAssertEqual(o.threads, 1)
    }

    func testBadNamesListTheValidOnes() {
        XCTAssertThrowsError(try parseStrategyKind("fedfoo")) { e in
            XCTAssertTrue(errorMessage(for: e).contains("valid: fedavg, fedavgm"), errorMessage(for: e))
        }
        XCTAssertThrowsError(try parsePartition("zipf")) { e in
            XCTAssertTrue(errorMessage(for: e).contains("valid: iid, dirichlet:ALPHA"), errorMessage(for: e))
        }
    }
}
