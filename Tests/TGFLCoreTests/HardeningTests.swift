import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore
#if canImport(Glibc)
import Glibc
#endif

/// Regression tests for issue 13 (hardening): each reproduces a reported case and fails
/// without its fix. Hostile files come from `Tests/Fixtures/make_hostile_checkpoints.py` (h5py).
final class HardeningTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-hardening" }

    /// The h5py fixture's config (`CheckpointFixtures.h5pyConfig`).
    private let tiny = CheckpointFixtures.h5pyConfig

    private func path(_ name: String) -> String { temporaryPath(name) }

    private func checkpoint(seed: UInt64) throws -> Checkpoint {
        var rng = SeededRNG(seed: seed)
        let count = ParameterLayout(config: tiny).count
        return try Checkpoint(config: tiny, parameters: (0..<count).map { _ in Float(rng.normal()) })
    }

    private func fileType(_ p: String) -> mode_t {
        var info = stat()
        guard lstat(p, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    // MARK: 1. Saving must not replace devices, FIFOs or symlinks

    func testSaveRefusesFIFOAndDeviceAndLeavesThemAlone() throws {
        let fifo = path("n")
        XCTAssertEqual(mkfifo(fifo, 0o666), 0)
        let model = try checkpoint(seed: 1)
        assertThrows(containing: ["FIFO", "regular file"]) { try model.save(to: fifo) }
        XCTAssertEqual(fileType(fifo), S_IFIFO, "the FIFO was replaced")
        // A symlink to the FIFO is refused too, and both stay.
        XCTAssertEqual(symlink("n", path("fifolink.h5")), 0)
        assertThrows(containing: ["FIFO"]) { try model.save(to: path("fifolink.h5")) }
        XCTAssertEqual(fileType(path("fifolink.h5")), S_IFLNK)
        XCTAssertEqual(fileType(fifo), S_IFIFO)
        // A directory.
        assertThrows(containing: ["is a directory"]) { try model.save(to: directory.path) }
        // A character device like /dev/null (1, 3), made here when allowed (root); never the
        // real /dev/null, which the old code would have replaced.
        let device = path("null-device")
        if mknod(device, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0 {
            assertThrows(containing: ["character device"]) { try model.save(to: device) }
            XCTAssertEqual(fileType(device), S_IFCHR, "the device was replaced")
            unlink(device)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
                       ["fifolink.h5", "n"])
    }

    func testSaveWritesThroughSymlinkAtomically() throws {
        let sub = path("real")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let target = sub + "/model.h5"
        let first = try checkpoint(seed: 1), second = try checkpoint(seed: 2)
        try first.save(to: target)
        // A relative link in another directory, and a chain of two links.
        XCTAssertEqual(symlink("real/model.h5", path("link1.h5")), 0)
        XCTAssertEqual(symlink("link1.h5", path("link2.h5")), 0)
        try second.save(to: path("link2.h5"))
        XCTAssertEqual(fileType(path("link1.h5")), S_IFLNK, "the symlink was replaced instead of followed")
        XCTAssertEqual(fileType(path("link2.h5")), S_IFLNK)
        XCTAssertEqual(try Checkpoint.load(from: target), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sub), ["model.h5"])
        // A dangling link creates its target.
        XCTAssertEqual(symlink("real/new.h5", path("dangling.h5")), 0)
        try first.save(to: path("dangling.h5"))
        XCTAssertEqual(try Checkpoint.load(from: sub + "/new.h5"), first)
        XCTAssertEqual(fileType(path("dangling.h5")), S_IFLNK)
        // A loop is an error, not a hang.
        XCTAssertEqual(symlink("loop-b", path("loop-a")), 0)
        XCTAssertEqual(symlink("loop-a", path("loop-b")), 0)
        assertThrows(containing: ["symlinks"]) { try first.save(to: path("loop-a")) }
        assertThrows(containing: ["NUL"]) { try first.save(to: directory.path + "/a\u{0}b.h5") }
    }

    // MARK: 13. Temporaries of killed saves are removed by the next save

    func testNextSaveRemovesStaleTemporariesOnly() throws {
        let target = path("model.h5")
        // A process that has exited: its pid is free.
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        let deadPID = done.processIdentifier
        let stale = target + ".tmp-\(deadPID)-1f2e3d"
        let live = target + ".tmp-1-abc"             // pid 1 is alive
        let other = target + ".tmp-notes"             // not of our form
        let otherTarget = path("other.h5.tmp-\(deadPID)-77")
        for file in [stale, live, other, otherTarget] {
            XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data(count: 16)))
        }
        try checkpoint(seed: 3).save(to: target)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        XCTAssertEqual(left, ["model.h5", "model.h5.tmp-1-abc", "model.h5.tmp-notes",
                              "other.h5.tmp-\(deadPID)-77"])
    }

    // MARK: 2 and 10. Crafted model_config: no trap, no huge allocation

    func testCraftedModelConfigThrowsInsteadOfTrapping() throws {
        for (json, fragment) in [
            (#"{"vocab_size":11,"context_length":7,"d_model":2147483648,"n_layers":1,"n_heads":2,"d_ff":12,"n_regimes":2}"#, "too large"),
            (#"{"vocab_size":11,"context_length":7,"d_model":8,"n_layers":1,"n_heads":2,"d_ff":4611686018427387904,"n_regimes":2}"#, "too large"),
            (#"{"vocab_size":9223372036854775807,"context_length":7,"d_model":8,"n_layers":1,"n_heads":2,"d_ff":12,"n_regimes":2}"#, "too large"),
            (#"{"vocab_size":11,"context_length":7,"d_model":8,"n_layers":100000,"n_heads":2,"d_ff":12,"n_regimes":2}"#, "at most 4096"),
        ] {
            assertThrows(containing: [fragment]) { try ModelConfig.fromJSON(json) }
        }
        for (file, fragment) in [("crafted_d_model.h5", "too large"), ("crafted_d_ff.h5", "too large"),
                                 ("crafted_layers.h5", "at most 4096")] {
            assertThrows(containing: ["model_config", fragment]) {
                try Checkpoint.load(from: fixtureURL("hostile/\(file)").path)
            }
        }
    }

    func testMissingTensorsFailBeforeTheParameterBufferIsAllocated() throws {
        // model_config claims 455,725,568 parameters (1.8 GB); the file holds one tensor.
        var before = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &before)
        assertThrows(containing: ["pos_emb.weight", "missing"]) {
            try Checkpoint.load(from: fixtureURL("hostile/huge_no_tensors.h5").path)
        }
        var after = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &after)
        // ru_maxrss is in KiB; the old code filled a 1.8 GB buffer before the check.
        XCTAssertLessThan(after.ru_maxrss - before.ru_maxrss, 512 * 1024, "peak memory grew by \(after.ru_maxrss - before.ru_maxrss) KiB")
    }

    // MARK: 6. Links in checkpoints are refused

    func testExternalAndSoftLinksAreRefused() throws {
        assertThrows(containing: ["/weights/head.weight", "external link"]) {
            try Checkpoint.load(from: fixtureURL("hostile/external_link.h5").path)
        }
        assertThrows(containing: ["/weights/head.weight", "soft link"]) {
            try Checkpoint.load(from: fixtureURL("hostile/soft_link.h5").path)
        }
    }

    // MARK: 7. Checksums and non-finite logits

    func testFlippedByteIsDetectedByFletcher32() throws {
        let target = path("model.h5")
        var model = try checkpoint(seed: 4)
        // A distinctive run of values in head.bias to find in the file.
        let spec = ParameterLayout(config: tiny)["head.bias"]!
        for i in 0..<spec.count { model.parameters[spec.offset + i] = 1234.5 + Float(i) }
        try model.save(to: target)
        let file = try HDF5File.open(target)
        XCTAssertTrue(try file.hasChecksum("/weights/head.bias"))
        XCTAssertTrue(try file.hasChecksum("/weights/blocks.0.attn.qkv.weight"))
        file.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: target))
        let needle = withUnsafeBytes(of: Float(1234.5 + 3).bitPattern.littleEndian) { Data($0) }
        let found = try XCTUnwrap(bytes.range(of: needle), "head.bias data not found in the file")
        bytes[found.lowerBound] ^= 0x01                   // one flipped bit: a finite, plausible value
        try bytes.write(to: URL(fileURLWithPath: target))
        assertThrows(containing: ["head.bias", "Fletcher32", "corrupt"]) { try Checkpoint.load(from: target) }
        // Files without the filter (h5py's default, older TGFL) still load.
        XCTAssertNoThrow(try Checkpoint.load(from: fixtureURL("h5py_checkpoint.h5").path))
    }

    func testAbsurdWeightsGiveAnErrorNotGarbage() throws {
        let config = ModelConfig(vocabSize: 24, contextLength: 12, dModel: 16, nLayers: 1, nHeads: 2,
                                 dFF: 24, nRegimes: 4)
        let model = try ScenarioModel(config: config, seed: 3)
        let series = try GARCHGenerator().paths(count: 1, length: 400, seed: 3)
        try model.fitDataModels(trainingReturns: series, options: nil)
        var parameters = model.parameters()
        let head = model.transformer.layout["head.weight"]!
        for i in head.offset..<(head.offset + head.count) { parameters[i] = 3e38 }
        try model.setParameters(parameters)
        assertThrows(containing: ["generate", "not finite", "head.weight"]) {
            try model.generate(GenerationOptions(paths: 2, horizon: 5, regime: .fixed(0), seed: 1, threads: 1))
        }
        assertThrows(containing: ["log_likelihood", "not finite", "head.weight"]) {
            try model.logLikelihood(returns: Array(series[0].prefix(30)))
        }
    }

    // MARK: 11. Absurd data fail loudly, naming the series and the value

    func testDataSanityNamesTheAbsurdReturn() throws {
        var rng = SeededRNG(seed: 9)
        var prices = [1300.0]
        for _ in 0..<500 { prices.append(prices.last! * exp(rng.normal(mean: 0, std: 0.01))) }
        let good = (1..<prices.count).map { log(prices[$0] / prices[$0 - 1]) }
        XCTAssertNoThrow(try DataSanity.check(returns: good, series: "close"))
        // The 1987 crash day inside ordinary data stays acceptable.
        var crash = good
        crash[200] = -0.229
        XCTAssertNoThrow(try DataSanity.check(returns: crash, series: "close"))
        // One absurd price (1e308 among prices of 1,300).
        var absurd = prices
        absurd[123] = 1e308
        let bad = (1..<absurd.count).map { log(absurd[$0] / absurd[$0 - 1]) }
        assertThrows(containing: ["'p.csv'", "series 'close'", "standard deviations", "price column"]) {
            try DataSanity.check(returns: bad, series: "close", file: "p.csv")
        }
        // Prices read as returns.
        assertThrows(containing: ["series 'close'", "standard deviations"]) {
            try DataSanity.check(returns: Array(prices.prefix(200)) + [1e6], series: "close")
        }
        assertThrows(containing: ["all 5 returns equal"]) { try DataSanity.check(returns: [0, 0, 0, 0, 0], series: "x") }
    }

    // MARK: 12. One-line messages naming file, row and column

    func testUnbalancedQuoteNamesTheRowWithoutDumpingAnEnum() throws {
        let text = "date,close\n2020-01-01,1\n2020-01-02,\"1.5\n2020-01-03,2\n"
        assertThrows(containing: ["'q.csv', row 3, column 'close':", "double quote", "never closed"]) {
            try MarketData(csvText: text, source: "q.csv", columns: ["close"], kind: .prices)
        }
        do {
            _ = try MarketData(csvText: text, source: "q.csv", columns: ["close"], kind: .prices)
        } catch {
            let message = "\(error)"
            XCTAssertFalse(message.contains("quotation("), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testErrorsStayShortAndOnOneLine() throws {
        // A 500k-field header line used to give a 3 MB error listing every column (100k here).
        let header = (0..<100_000).map { "c\($0)" }.joined(separator: ",")
        do {
            _ = try MarketData(csvText: header + "\n" + String(repeating: "1,", count: 10) + "1\n", source: "wide.csv",
                               dateColumn: nil, columns: ["close"], kind: .prices)
            XCTFail("expected an error")
        } catch {
            let message = "\(error)"
            XCTAssertLessThanOrEqual(message.count, TGFLError.maxDescriptionLength, "a \(message.count)-character error")
            XCTAssertTrue(message.contains("'wide.csv'") && message.contains("close"), message)
        }
        let multiLine = TGFLError.invalidArgument("first\nsecond\r\nthird").description
        XCTAssertEqual(multiLine, "invalid argument: first second  third")
    }
}
