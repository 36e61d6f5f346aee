import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real daily series bundled with TGFL as package resources (sources and citations in
/// `Sources/TGFLCore/Resources/README.md`). The raw value is the file's stem and the prefix of
/// the series names `bundledReturnSeries()` gives (`eu_stocks.dax`).
public enum BundledSeries: String, CaseIterable, Sendable {
    /// Dow Jones Industrial Average, close, 1885-02-16 … 2023-11-21 (stevedata `DJIA`).
    case djia
    /// S&P 500, adjusted close, 1999-01-04 … 2018-12-31 (Yahoo Finance, `arch.data.sp500`).
    case sp500
    /// NYSE Composite index, 1990-01-02 … 2005-11-11 (AER `NYSESW`).
    case nyse
    /// MSCI Switzerland index, 1994-12-30 … 2012-12-31 (AER `MSCISwitzerland`).
    case msciSwitzerland = "msci_switzerland"
    /// DAX, SMI, CAC 40, FTSE 100 closes, business days 1991–1998, no dates (R `EuStockMarkets`).
    case euStocks = "eu_stocks"
    /// Daily log returns of GE, IBM, Mobil and the CRSP value-weighted index, 1989–1998 (Ecdat `CRSPday`).
    case crspDaily = "crsp_daily"
    /// USD per DEM, GBP, CAD, JPY, CHF, 1980-01-02 … 1987-05-21 (Ecdat `Garch`).
    case fxUSD1980 = "fx_usd_1980"
    /// Daily log returns of the Siemens share, 1973–1996, no dates (evir `siemens`).
    case siemens

    /// The resource file name, e.g. `eu_stocks.csv`.
    public var fileName: String { rawValue + ".csv" }

    /// The date column, or `nil` for the files without dates (`eu_stocks`, `siemens`).
    public var dateColumn: String? {
        switch self {
        case .euStocks, .siemens: return nil
        default: return "date"
        }
    }

    /// The numeric columns, in file order.
    public var columns: [String] {
        switch self {
        case .djia, .sp500, .nyse, .msciSwitzerland: return ["close"]
        case .euStocks: return ["dax", "smi", "cac", "ftse"]
        case .crspDaily: return ["ge", "ibm", "mobil", "crsp"]
        case .fxUSD1980: return ["dem", "gbp", "cad", "jpy", "chf"]
        case .siemens: return ["log_return"]
        }
    }

    /// Whether the columns hold prices or log returns.
    public var kind: MarketValueKind {
        switch self {
        case .crspDaily, .siemens: return .logReturns
        default: return .prices
        }
    }

    /// Looks a series up by its raw value (`eu_stocks`), its Swift name (`euStocks`) or the
    /// file name (`eu_stocks.csv`), ignoring case, `_` and `-`.
    /// - Parameter name: the name to look up.
    /// - Returns: the series, or `nil` when no bundled series has that name.
    public init?(name: String) {
        func key(_ s: String) -> String {
            var t = s.lowercased()
            if t.hasSuffix(".csv") { t.removeLast(4) }
            return t.filter { $0 != "_" && $0 != "-" }
        }
        let wanted = key(name)
        guard let hit = Self.allCases.first(where: { key($0.rawValue) == wanted || key("\($0)") == wanted }) else {
            return nil
        }
        self = hit
    }

    /// Every bundled name, for error messages: `djia, sp500, nyse, ...`.
    public static var namesList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension MarketData {
    /// File name of the bundled S&P 500 series.
    public static let sp500FileName = "sp500.csv"

    /// The environment variable naming a folder that holds `sp500.csv` (or another bundled file,
    /// e.g. `djia.csv`); it is looked at first.
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

    /// One bundled real series (see `BundledSeries` and `Sources/TGFLCore/Resources/README.md`),
    /// read with its own date column (none for `eu_stocks` and `siemens`), all its columns, and
    /// its kind (prices, or log returns for `crsp_daily` and `siemens`).
    ///
    /// The file is found like `sp500()` (see `locateSP500()`): `$TGFL_DATA_DIR/<file>` first,
    /// then SwiftPM's resource bundle beside the executable or the library, then the source tree.
    /// - Parameters:
    ///   - series: which file.
    ///   - minimumReturns: the least number of log returns needed.
    /// - Returns: the file's data, every column.
    /// - Throws: `TGFLError.data` if the file cannot be found (naming every place searched)
    ///   or read (naming file, row and column).
    public static func bundled(_ series: BundledSeries, minimumReturns: Int = 1) throws -> MarketData {
        let url = try locateBundled(series.fileName)
        switch series.kind {
        case .prices:
            return try MarketData(contentsOf: url, dateColumn: series.dateColumn, priceColumns: series.columns,
                                  minimumReturns: minimumReturns)
        case .logReturns:
            return try MarketData(contentsOf: url, dateColumn: series.dateColumn, returnColumns: series.columns,
                                  minimumReturns: minimumReturns)
        }
    }

    /// Every column of every bundled file as a named series of daily log returns, in
    /// `BundledSeries.allCases` order, then column order.
    ///
    /// ```
    /// name = "<file stem>.<column>"          e.g. "djia.close", "eu_stocks.dax", "siemens.log_return"
    /// r_t  = ln(P_t / P_{t−1})               (price files; dated by the later day)
    /// r_t  = value_t                          (crsp_daily, siemens: log returns already)
    /// ```
    /// - Returns: 18 series; `dates` is `nil` for `eu_stocks` and `siemens`.
    /// - Throws: `TGFLError.data` as `bundled(_:)`.
    public static func bundledReturnSeries() throws -> [ReturnSeries] {
        try BundledSeries.allCases.flatMap { series -> [ReturnSeries] in
            try bundled(series).allLogReturns().map { s in
                var named = s
                named.name = "\(series.rawValue).\(s.name)"
                return named
            }
        }
    }

    /// Finds a bundled file, looking where `locateSP500()` looks.
    /// - Parameter fileName: the resource file, e.g. `djia.csv`.
    /// - Returns: the first existing copy.
    /// - Throws: `TGFLError.data` listing every path tried.
    public static func locateBundled(_ fileName: String) throws -> URL {
        try firstReadable(bundledCandidates(fileName), fileName: fileName)
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
    static func firstReadable(_ candidates: [URL], fileName: String = sp500FileName) throws -> URL {
        let fm = FileManager.default
        if let hit = candidates.first(where: { fm.isReadableFile(atPath: $0.path) }) {
            return hit
        }
        let tried = candidates.map { "  " + $0.path }.joined(separator: "\n")
        let what = fileName == sp500FileName ? "the bundled S&P 500 data" : "the bundled data file \(fileName)"
        throw TGFLError.data(file: fileName, row: nil, column: nil, message:
            "\(what) was not found. Looked in:\n\(tried)\n"
            + "Set \(dataDirectoryEnvironmentVariable) to a folder holding \(fileName) "
            + "(a copy is in Sources/TGFLCore/Resources/ of the TGFL source tree)")
    }

    /// Every place `locateSP500()` looks, in order (some may not exist).
    static func sp500Candidates() -> [URL] { bundledCandidates(sp500FileName) }

    /// Every place a bundled file is looked for, in order (some may not exist).
    static func bundledCandidates(_ fileName: String) -> [URL] {
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
        return folders.map { $0.appendingPathComponent(fileName).standardizedFileURL }
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
