// swift-tools-version: 6.0
//
// TGFL — market scenario simulation with federated learning.
//
// Layers (each its own product):
//   TGFLRandom → TGFLBase (errors, RNG, finite checks, sampling)
//   TGFLBase → TGFLFederation (the federated engine on flat vectors: strategies, privacy, simulation,
//              partitioning, faults; it knows no model)
//   CBLAS, CHDF5 (system shims), TGFLKernels (C), TGFLStats → TGFLCore (the model)
//   TGFLCore + TGFLFederation → TGFLFederated (the transformer bridge; re-exports TGFLFederation) → CTGFL (C ABI)
//   (TGFLStats needs no model; TGFLCore uses its GARCH filter for the v2 volatility state)
// Executables: `tgfl` (command line), `tgfl-bench` (benchmarks).

import PackageDescription

let package = Package(
    name: "TGFL",
    platforms: [.macOS(.v13)],

    // MARK: - Public products
    products: [
        .library(name: "TGFLRandom", targets: ["TGFLRandom"]),
        .library(name: "TGFLBase", targets: ["TGFLBase"]),
        .library(name: "TGFLFederation", targets: ["TGFLFederation"]),
        .library(name: "TGFLCore", targets: ["TGFLCore"]),
        .library(name: "TGFLStats", targets: ["TGFLStats"]),
        .library(name: "TGFLFederated", targets: ["TGFLFederated"]),
        // The self-contained HTML report (issue 15).
        .library(name: "TGFLReport", targets: ["TGFLReport"]),
        // libCTGFL.so: the C ABI declared in include/tgfl.h (Python loads it with ctypes).
        .library(name: "CTGFL", type: .dynamic, targets: ["CTGFL"]),
        .executable(name: "tgfl", targets: ["tgfl"]),
        .executable(name: "tgfl-bench", targets: ["tgfl-bench"]),
    ],

    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),   // LogHandler.log(event:)
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // `swift package generate-documentation` (DocC catalogs in Sources/<Module>/<Module>.docc);
        // a command plugin only: nothing of it is linked into TGFL.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],

    targets: [
        // MARK: - System libraries (pkg-config; apt providers)
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"]), .brew(["openblas"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev", "pkg-config"]), .brew(["hdf5"])]
        ),

        // MARK: - Libraries
        // The seeded generator, shared by TGFLCore (re-exported) and TGFLStats, which must
        // not depend on the model.
        .target(name: "TGFLRandom"),
        // TGFLError, the library version, finite-value scans and sampling: all the federated engine needs.
        .target(name: "TGFLBase", dependencies: ["TGFLRandom"]),
        // The element-wise and attention kernels in C, each built for baseline x86-64, AVX2+FMA
        // and AVX-512 and chosen at run time (no compiler flags needed; see tgfl_kernels.h).
        .target(name: "TGFLKernels"),
        .target(
            name: "TGFLCore",
            dependencies: [
                "CBLAS", "CHDF5", "TGFLBase", "TGFLKernels", "TGFLStats",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ],
            // No unsafeFlags: the package must stay usable as a dependency.
            exclude: ["Resources/README.md"],
            // The bundled real corpus (Resources/README.md gives the sources).
            resources: [.copy("Resources/sp500.csv"), .copy("Resources/djia.csv"), .copy("Resources/nyse.csv"),
                        .copy("Resources/msci_switzerland.csv"), .copy("Resources/eu_stocks.csv"),
                        .copy("Resources/crsp_daily.csv"), .copy("Resources/fx_usd_1980.csv"),
                        .copy("Resources/siemens.csv")]
        ),
        .target(
            name: "TGFLStats",
            dependencies: ["TGFLBase"]
        ),
        // The federated engine: strategies, privacy, simulation, partitioning and faults work on flat
        // parameter vectors and know nothing of layers (it links no BLAS, HDF5 or CSV package).
        .target(name: "TGFLFederation", dependencies: ["TGFLBase"]),
        // The bridge between the engine and the transformer (clients that train a ScenarioModel,
        // federated data models, the trainer); re-exports TGFLFederation.
        .target(name: "TGFLFederated", dependencies: ["TGFLCore", "TGFLStats", "TGFLFederation"]),
        // The HTML report: data → Vega-Lite charts → one offline page (Sources/TGFLReport/TGFLReport.swift).
        .target(
            name: "TGFLReport",
            dependencies: ["TGFLCore", "TGFLStats"],
            exclude: ["Vendor/LICENSES.md", "Vendor/make_vega_bundle.py"]
        ),
        // include/tgfl.h as a Clang module (Sources/CTGFLHeader/module.modulemap), so that
        // CTGFL implements the header's own struct layouts.
        .systemLibrary(name: "CTGFLHeader"),
        .target(
            name: "CTGFL",
            dependencies: ["CTGFLHeader", "TGFLCore", "TGFLStats", "TGFLFederated", "TGFLReport"]
        ),

        // MARK: - Executables
        .executableTarget(
            name: "tgfl",
            dependencies: [
                "TGFLCore", "TGFLStats", "TGFLFederated", "TGFLReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/tgfl"
        ),
        // The README's Swift example (built with the package so it cannot go stale).
        .executableTarget(
            name: "tgfl-example",
            dependencies: ["TGFLCore", "TGFLStats", "TGFLFederated"],
            path: "Examples/swift"
        ),
        // Seeded structure-aware fuzzer of the input boundaries (Fuzz/README.md; `make fuzz`).
        .executableTarget(
            name: "tgfl-fuzz",
            dependencies: ["TGFLCore", "TGFLRandom", "CTGFL", "CTGFLHeader"],
            path: "Fuzz/tgfl-fuzz"
        ),
        .executableTarget(
            name: "tgfl-bench",
            dependencies: [
                "TGFLCore", "TGFLStats", "TGFLFederated", "TGFLKernels", "TGFLReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/tgfl-bench"
        ),

        // MARK: - Tests
        // Shared assertions and fixture lookup (Tests/Fixtures/) for every test target.
        // (also the toy QuadraticClient the federated engine's tests train)
        .target(name: "TGFLTestSupport", dependencies: ["TGFLBase", "TGFLFederation"], path: "Tests/TGFLTestSupport"),
        .testTarget(name: "TGFLCoreTests", dependencies: ["TGFLCore", "TGFLKernels", "TGFLTestSupport"]),
        .testTarget(name: "TGFLStatsTests", dependencies: ["TGFLStats", "TGFLTestSupport"]),
        .testTarget(name: "TGFLFederatedTests",
                    dependencies: ["TGFLFederated", "TGFLFederation", "TGFLCore", "TGFLTestSupport"]),
        // The `tgfl` command's parsing and formatting helpers (@testable import of the executable).
        .testTarget(name: "TGFLCommandTests", dependencies: ["tgfl", "TGFLCore", "TGFLFederated"]),
        // The report's numbers against NumPy (Tests/TGFLReportTests/make_report_fixture.py).
        .testTarget(name: "TGFLReportTests", dependencies: ["TGFLReport", "TGFLStats", "TGFLTestSupport"]),
    ]
)

// MARK: - libFuzzer (only with TGFL_LIBFUZZER=1; `make libfuzz`)
// The four fuzz harnesses under libFuzzer (coverage-guided; Fuzz/libfuzzer). libFuzzer brings
// `main`, so the target has none and exists only in
// `TGFL_LIBFUZZER=1 swift build --sanitize=fuzzer --product tgfl-libfuzz`, never in an ordinary build.
if Context.environment["TGFL_LIBFUZZER"] == "1" {
    package.targets.append(.executableTarget(
        name: "tgfl-libfuzz",
        dependencies: ["TGFLCore", "TGFLRandom", "CTGFL", "CTGFLHeader"],
        path: "Fuzz/libfuzzer"
    ))
}
