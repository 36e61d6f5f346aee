import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with `TGFL_TRUSTED_CHECKPOINTS=1` (HDF5 files opened without the child-process
/// check), restoring the variable afterwards.
func withTrustedHDF5Files<T>(_ body: () throws -> T) rethrows -> T {
    try withEnvironment(HDF5File.trustedFilesVariable, "1", body)
}

/// Runs `body` with environment variable `name` set to `value`, restoring it afterwards.
func withEnvironment<T>(_ name: String, _ value: String, _ body: () throws -> T) rethrows -> T {
    let previous = getenv(name).map { String(cString: $0) }
    setenv(name, value, 1)
    defer { if let previous { setenv(name, previous, 1) } else { unsetenv(name) } }
    return try body()
}

/// Untrusted HDF5 files are read in a child process before libhdf5 sees them in this process
/// (issue 13: libhdf5 1.10.8 crashes and hangs on crafted files). The reproducers are the
/// checkpoint harness's findings, kept in `Fuzz/crashes/checkpoint/libhdf5-*.h5`: without the
/// check, loading them hangs or kills the test process.
final class UntrustedHDF5Tests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-untrusted" }

    private let crashCorpus = CheckpointFixtures.crashCorpus

    private func reproducers(_ prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: crashCorpus.path)
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".h5") }.sorted()
            .map { crashCorpus.appendingPathComponent($0).path }
    }

    /// All in one process and in order: without the check, `libhdf5-seq-*` crash or hang
    /// libhdf5 after earlier ones left its caches inconsistent, and `libhdf5-hang-*` hang it alone.
    func testEveryLibHDF5ReproducerGivesAnErrorNamingTheFile() throws {
        let files = try reproducers("libhdf5-")
        XCTAssertGreaterThanOrEqual(files.count, 16, "the libhdf5 reproducers are missing from \(crashCorpus.path)")
        withEnvironment(HDF5File.checkTimeoutVariable, "1") {
            for file in files {
                let name = URL(fileURLWithPath: file).lastPathComponent
                // A hang of libhdf5 becomes a timeout; anything else an error naming the file.
                let expected = name.hasPrefix("libhdf5-hang-") ? [name, "did not finish within 1 s", "separate process"]
                    : [name]
                assertThrows(containing: expected) { try Checkpoint.load(from: file) }
                if !name.hasPrefix("libhdf5-hang-") {
                    assertThrows(containing: [name]) { try ScenarioModel.load(from: file) }
                }
            }
        }
        // This process still reads a good checkpoint afterwards.
        XCTAssertNoThrow(try Checkpoint.load(from: fixtureURL("h5py_checkpoint.h5").path))
    }

    func testFIFOAndNonHDF5FilesAreRefusedBeforeAnyRead() throws {
        let fifo = temporaryPath("pipe.h5")
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        assertThrows(containing: ["pipe.h5", "not a regular file", "FIFO"]) { try HDF5File.open(fifo) }
        let text = temporaryPath("text.h5")
        try Data(String(repeating: "not HDF5 ", count: 200).utf8).write(to: URL(fileURLWithPath: text))
        assertThrows(containing: ["text.h5", "not an HDF5 file", "no HDF5 signature"]) { try HDF5File.open(text) }
    }

    /// The child reads every dataset: a corrupt dataset that a caller would read only later
    /// already stops `open`, while a trusted open (the opt-out) fails only when it is read.
    func testTheCheckReadsEveryDatasetBeforeTheFileOpens() throws {
        let target = temporaryPath("one-bad-dataset.h5")
        do {
            let file = try HDF5File.create(target)
            try file.write("/keep", float32: [1, 2, 3], shape: [3])
            try file.write("/extra/data", float32: [4321.5, 4322.5, 4323.5], shape: [3])
            file.close()
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: target))
        let needle = withUnsafeBytes(of: Float(4322.5).bitPattern.littleEndian) { Data($0) }
        let found = try XCTUnwrap(bytes.range(of: needle))
        bytes[found.lowerBound] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: target))

        assertThrows(containing: ["one-bad-dataset.h5", "'/extra/data'", "Fletcher32", "corrupt"]) {
            try HDF5File.open(target)
        }
        try withTrustedHDF5Files {
            let file = try HDF5File.open(target)
            defer { file.close() }
            XCTAssertEqual(try file.readFloat32("/keep").values, [1, 2, 3])
            assertThrows(containing: ["'/extra/data'", "Fletcher32"]) { try file.readFloat32("/extra/data") }
        }
    }

    func testSettings() {
        withEnvironment(HDF5File.trustedFilesVariable, "1") { XCTAssertFalse(HDF5File.checksInChildProcess) }
        withEnvironment(HDF5File.trustedFilesVariable, "0") { XCTAssertTrue(HDF5File.checksInChildProcess) }
        withEnvironment(HDF5File.checkTimeoutVariable, "4") {
            XCTAssertEqual(HDF5File.checkTimeout(bytes: 0), 4)
            XCTAssertEqual(HDF5File.checkTimeout(bytes: 1 << 30), 14)
        }
        withEnvironment(HDF5File.checkTimeoutVariable, "nonsense") { XCTAssertEqual(HDF5File.checkTimeout(bytes: 0), 10) }
    }
}
