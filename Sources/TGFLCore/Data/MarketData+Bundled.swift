import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension MarketData {
    /// File name of the bundled S&P 500 series.
    public static let sp500FileName = "sp500.csv"

    /// The environment variable naming a folder that holds `sp500.csv`; it is looked at first.
    public static let dataDirectoryEnvironmentVariable = "TGFL_DATA_DIR"

    /// The S&P 500 daily adjusted close bundled with TGFL: 5,031 trading days from 1999-01-04
    /// to 2018-12-31, columns `date,close` (the test data of the Python `arch` package,
    /// `arch.data.sp500`).
    ///
    /// The file is found without `Bundle.module` (which stops the process when the library
    /// is loaded from elsewhere, e.g. Python through ctypes); see `locateSP500()` for where
    /// it looks.
    /// - Parameter minimumReturns: the least number of log returns needed (e.g. T + 1).
    /// - Returns: the prices of column `close`.
    /// - Throws: `TGFLError.data` if the file cannot be found (naming every place searched)
    ///   or read.
    public static func sp500(minimumReturns: Int = 1) throws -> MarketData {
        try MarketData(contentsOf: locateSP500(), dateColumn: "date", priceColumns: ["close"],
                       minimumReturns: minimumReturns)
    }

    /// Finds the bundled `sp500.csv`, looking in this order:
    /// 1. `$TGFL_DATA_DIR/sp500.csv`;
    /// 2. SwiftPM's resource bundle (`TGFL_TGFLCore.resources/`, or `TGFL_TGFLCore.bundle/`
    ///    on Apple platforms) next to the main executable;
    /// 3. the same bundle next to the binary that holds this code (found with `dladdr`), so
    ///    `libCTGFL.so` loaded by Python finds the copy beside it;
    /// 4. the source tree, `Sources/TGFLCore/Resources/` (tests and development).
    /// - Returns: the first existing file.
    /// - Throws: `TGFLError.data` listing every path tried and how to fix it.
    public static func locateSP500() throws -> URL {
        try firstReadable(sp500Candidates())
    }

    /// The first readable file of `candidates`, or an error listing them all.
    static func firstReadable(_ candidates: [URL]) throws -> URL {
        let fm = FileManager.default
        if let hit = candidates.first(where: { fm.isReadableFile(atPath: $0.path) }) {
            return hit
        }
        let tried = candidates.map { "  " + $0.path }.joined(separator: "\n")
        throw TGFLError.data(file: sp500FileName, row: nil, column: nil, message:
            "the bundled S&P 500 data was not found. Looked in:\n\(tried)\n"
            + "Set \(dataDirectoryEnvironmentVariable) to a folder holding \(sp500FileName) "
            + "(a copy is in Sources/TGFLCore/Resources/ of the TGFL source tree)")
    }

    /// Every place `locateSP500()` looks, in order (some may not exist).
    static func sp500Candidates() -> [URL] {
        var folders: [URL] = []
        if let dir = ProcessInfo.processInfo.environment[dataDirectoryEnvironmentVariable], !dir.isEmpty {
            folders.append(URL(fileURLWithPath: dir))
        }
        let bundleNames = ["TGFL_TGFLCore.resources", "TGFL_TGFLCore.bundle/Contents/Resources",
                           "TGFL_TGFLCore.bundle"]
        var binaryFolders: [URL] = [Bundle.main.bundleURL]
        if let arg0 = CommandLine.arguments.first, !arg0.isEmpty {
            binaryFolders.append(URL(fileURLWithPath: arg0).deletingLastPathComponent())
        }
        if let lib = loadedBinaryURL() {
            binaryFolders.append(lib.deletingLastPathComponent())
            binaryFolders.append(lib.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for folder in binaryFolders {
            for name in bundleNames { folders.append(folder.appendingPathComponent(name)) }
        }
        // Sources/TGFLCore/Data/<this file> → Sources/TGFLCore/Resources
        folders.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Resources"))

        var seen = Set<String>()
        return folders.map { $0.appendingPathComponent(sp500FileName).standardizedFileURL }
            .filter { seen.insert($0.path).inserted }
    }

    /// The executable or shared library that contains this code, from `dladdr` on one of
    /// our own functions. Glibc declares `dladdr` only under `_GNU_SOURCE`, which Swift's
    /// Glibc module does not set, so on Linux it is looked up with `dlsym`.
    static func loadedBinaryURL() -> URL? {
        let marker: @convention(c) () -> Void = {}
        let address = unsafeBitCast(marker, to: UnsafeRawPointer.self)
        #if canImport(Darwin)
        var info = Dl_info()
        guard dladdr(address, &info) != 0, let name = info.dli_fname else { return nil }
        return URL(fileURLWithPath: String(cString: name))
        #else
        // int dladdr(const void *addr, Dl_info *info); Dl_info = { fname, fbase, sname, saddr }.
        typealias DladdrFunction = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
        guard let handle = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "dladdr") else { return nil }
        let dladdrFunction = unsafeBitCast(symbol, to: DladdrFunction.self)
        var info: [UnsafeRawPointer?] = [nil, nil, nil, nil]
        let found = info.withUnsafeMutableBytes { dladdrFunction(address, $0.baseAddress) }
        guard found != 0, let name = info[0] else { return nil }
        return URL(fileURLWithPath: String(cString: name.assumingMemoryBound(to: CChar.self)))
        #endif
    }
}
