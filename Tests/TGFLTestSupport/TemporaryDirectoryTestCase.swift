import Foundation
import XCTest

/// A test case with its own empty directory, made before each test and removed after it
/// (named after the process and the test, so parallel runs do not collide).
open class TemporaryDirectoryTestCase: XCTestCase {
    /// The directory of the running test.
    public private(set) var directory: URL!

    /// The folder name's prefix, e.g. `tgfl-checkpoint-tests`.
    open var directoryPrefix: String { "tgfl-tests" }

    override open func setUpWithError() throws {
        try super.setUpWithError()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(directoryPrefix)-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override open func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
        try super.tearDownWithError()
    }

    /// The path of `name` inside the test's directory.
    public func temporaryPath(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
