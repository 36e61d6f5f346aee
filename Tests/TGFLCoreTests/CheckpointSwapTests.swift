import Foundation
import TGFLTestSupport
import XCTest
@testable import TGFLCore
#if canImport(Glibc)
import Glibc
#endif

/// A checkpoint replaced on disk between the check and the load (issue 13, a time-of-check to
/// time-of-use gap): `HDF5File.open` reads the file once into memory, checks those bytes in the
/// child process and opens the same bytes here, so whatever replaces the file afterwards is
/// never parsed.
///
/// The checked file is `Tests/Fixtures/h5py_checkpoint.h5` (written by h5py with the closed
/// formulas of `make_h5py_checkpoint.py`); the load must return exactly the formula's model,
/// whatever the test hook puts at the path after the file was read or checked. Before the fix the
/// parent opened the path again after the check, and these tests got the swapped file's model,
/// its error, or (with a libhdf5 crash reproducer) a crash.
final class CheckpointSwapTests: TemporaryDirectoryTestCase {
    override var directoryPrefix: String { "tgfl-swap" }

    /// The h5py fixture's config (`CheckpointFixtures.h5pyConfig`).
    private let tiny = CheckpointFixtures.h5pyConfig

    private let crashCorpus = CheckpointFixtures.crashCorpus

    /// The fixture script's weights: element k of the i-th tensor is ((k + 13 i) mod 97)/97 − 0.5.
    private func formulaParameters() -> [Float] {
        ParameterLayout(config: tiny).specs.enumerated().flatMap { i, spec in
            (0..<spec.count).map { Float(Double(($0 + 13 * i) % 97) / 97 - 0.5) }
        }
    }

    /// How the file at the path is replaced.
    private enum Swap: CaseIterable {
        /// `rename(2)` of another file over the path (a new inode, as an atomic writer does).
        case rename
        /// The same inode truncated and rewritten with the other file's bytes.
        case rewriteInPlace
        /// The path replaced by a symlink to the other file.
        case symlink
    }

    private func replace(_ path: String, with source: String, _ swap: Swap) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        switch swap {
        case .rename:
            let staged = path + ".staged"
            try bytes.write(to: URL(fileURLWithPath: staged))
            XCTAssertEqual(Glibc.rename(staged, path), 0, "rename over \(path)")
        case .rewriteInPlace:
            let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: bytes)
            try handle.close()
        case .symlink:
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: source)
        }
    }

    /// Copies the h5py fixture to a fresh path and loads it with `replacement` swapped in at
    /// `stage`; returns the checkpoint (the hook ran exactly once).
    private func loadSwapped(_ replacement: String, at stage: HDF5File.OpenStage, _ swap: Swap,
                             name: String) throws -> Checkpoint {
        let path = temporaryPath(name)
        try FileManager.default.copyItem(atPath: fixtureURL("h5py_checkpoint.h5").path, toPath: path)
        var swaps = 0
        HDF5File.openStageHook = { reached, opened in
            guard reached == stage, opened == path, swaps == 0 else { return }
            swaps += 1
            do { try self.replace(opened, with: replacement, swap) } catch { XCTFail("swap: \(error)") }
        }
        defer { HDF5File.openStageHook = nil }
        let checkpoint = try Checkpoint.load(from: path)
        XCTAssertEqual(swaps, 1, "the hook never ran at \(stage)")
        // The swap happened: the path now holds the other file's bytes.
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)),
                       try Data(contentsOf: URL(fileURLWithPath: replacement)))
        return checkpoint
    }

    /// Another valid checkpoint: V=13 and every weight 0.25.
    private func otherCheckpoint() throws -> String {
        let path = temporaryPath("other.h5")
        let config = ModelConfig(vocabSize: 13, contextLength: 7, dModel: 8, nLayers: 1, nHeads: 2, dFF: 12, nRegimes: 2)
        let other = try Checkpoint(config: config, parameters: [Float](repeating: 0.25, count: ParameterLayout(config: config).count))
        try other.save(to: path)
        return path
    }

    /// Another valid checkpoint (another config and weights) swapped in after the check:
    /// the load returns the checked file's model, not the swapped one's.
    func testAnotherCheckpointSwappedInAfterTheCheckIsNotLoaded() throws {
        let other = try otherCheckpoint()
        XCTAssertNotEqual(try Checkpoint.load(from: other).config, tiny, "the replacement must be another model")
        for swap in Swap.allCases {
            let checkpoint = try loadSwapped(other, at: .checked, swap, name: "swap-\(swap).h5")
            XCTAssertEqual(checkpoint.config, tiny, "\(swap)")
            XCTAssertEqual(checkpoint.parameters, formulaParameters(), "\(swap)")
            XCTAssertEqual(checkpoint.libraryVersion, "h5py-fixture", "\(swap)")
        }
    }

    /// A hostile checkpoint (the same model, but `/weights/head.weight` an external link to a
    /// file of 7.0s) swapped in after the check: the checked bytes load, without the link.
    func testAHostileFileSwappedInAfterTheCheckIsNotParsed() throws {
        let hostile = fixtureURL("hostile/external_link.h5").path
        for swap in Swap.allCases {
            let checkpoint = try loadSwapped(hostile, at: .checked, swap, name: "hostile-\(swap).h5")
            XCTAssertEqual(checkpoint.parameters, formulaParameters(), "\(swap)")
            XCTAssertFalse(checkpoint.parameters.contains(7), "\(swap): the linked 7.0s were read")
        }
    }

    /// A file that crashes libhdf5 in this process when parsed (`libhdf5-heap-1.h5`: a global
    /// heap object claiming 2.4e18 bytes, `H5HG_read`) swapped in after the file was read and
    /// before any check: the load still returns the checked model (a parse would crash here).
    func testALibHDF5CrashReproducerSwappedInAfterTheReadIsNeverParsed() throws {
        let crasher = crashCorpus.appendingPathComponent("libhdf5-heap-1.h5").path
        // What the path-based checks say about it: refused by the global-heap pre-check.
        assertThrows(containing: ["libhdf5-heap-1.h5", "global heap"]) { try Checkpoint.load(from: crasher) }
        for stage in [HDF5File.OpenStage.read, .checked] {
            let checkpoint = try loadSwapped(crasher, at: stage, .rename, name: "crash-\(stage).h5")
            XCTAssertEqual(checkpoint.parameters, formulaParameters(), "\(stage)")
        }
    }

    /// The open file keeps the checked bytes while it is open: a swap after `open` does not
    /// change what later reads return, and the handle still reads the whole model.
    func testAnOpenFileKeepsReadingTheCheckedBytes() throws {
        let path = temporaryPath("open.h5")
        try FileManager.default.copyItem(atPath: fixtureURL("h5py_checkpoint.h5").path, toPath: path)
        let file = try HDF5File.open(path)
        defer { file.close() }
        try replace(path, with: try otherCheckpoint(), .rewriteInPlace)
        XCTAssertEqual(try file.stringAttribute("library_version"), "h5py-fixture")
        let head = try file.readFloat32("/weights/head.weight")
        XCTAssertEqual(head.shape, [11, 8])
        XCTAssertEqual(file.path, path, "errors name the file on disk, not the in-memory image")
    }

    /// A file that is replaced while it is read gives either model or a clear error (never a
    /// mixture that loads): here the first read is cut short by truncating the file to 0 bytes.
    func testAFileEmptiedBeforeTheReadGivesTheEmptyFileError() throws {
        let path = temporaryPath("emptied.h5")
        try FileManager.default.copyItem(atPath: fixtureURL("h5py_checkpoint.h5").path, toPath: path)
        HDF5File.openStageHook = { stage, opened in
            guard stage == .opened, opened == path else { return }
            _ = truncate(path, 0)
        }
        defer { HDF5File.openStageHook = nil }
        assertThrows(containing: ["emptied.h5", "empty"]) { try Checkpoint.load(from: path) }
    }

    /// Opening many files at once: each keeps its own bytes (the in-memory files have distinct
    /// names, or libhdf5 would hand the second open the first file).
    func testTwoOpenImagesStayApart() throws {
        let first = try HDF5File.open(fixtureURL("h5py_checkpoint.h5").path)
        let second = try HDF5File.open(try otherCheckpoint())
        defer { first.close(); second.close() }
        XCTAssertEqual(try first.stringAttribute("library_version"), "h5py-fixture")
        XCTAssertNotEqual(try second.stringAttribute("library_version"), "h5py-fixture")
    }
}
