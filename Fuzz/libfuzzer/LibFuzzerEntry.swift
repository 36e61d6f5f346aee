// tgfl-libfuzz: the four harnesses of Fuzz/tgfl-fuzz under libFuzzer (coverage-guided).
//
// Built only by `make libfuzz` (`TGFL_LIBFUZZER=1 swift build --sanitize=fuzzer --product
// tgfl-libfuzz`): libFuzzer brings `main`, so this target has none and is not part of an
// ordinary build. The harness is chosen by `TGFL_FUZZ_HARNESS` (csv, checkpoint, scenario-csv
// or cabi); everything else is libFuzzer's own command line, e.g.
//
//   TGFL_FUZZ_HARNESS=csv .build/libfuzz/release/tgfl-libfuzz WORK_CORPUS Fuzz/corpus/csv \
//       Fuzz/crashes/csv -max_total_time=300 -artifact_prefix=Fuzz/findings/libfuzz-csv-

import Foundation

/// The harness every input goes to (set once by `LLVMFuzzerInitialize`).
nonisolated(unsafe) var selectedHarness = "csv"

/// libFuzzer's start-up hook: reads `TGFL_FUZZ_HARNESS`; an unknown name stops the run.
@_cdecl("LLVMFuzzerInitialize")
public func libFuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>?,
                                _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    let name = ProcessInfo.processInfo.environment["TGFL_FUZZ_HARNESS"] ?? "csv"
    guard Harnesses.names.contains(name) else {
        FileHandle.standardError.write(Data("error: TGFL_FUZZ_HARNESS must be one of \(Harnesses.names.joined(separator: ", ")), not '\(name)'\n".utf8))
        exit(2)
    }
    selectedHarness = name
    // A hang of libhdf5 in the checkpoint check costs 3 s, not the default 10 s.
    setenv("TGFL_HDF5_CHECK_TIMEOUT", "3", 0)
    return 0
}

/// libFuzzer's per-input entry point: runs the selected harness, which returns normally for
/// every input (errors are expected; a trap or crash is a finding).
@_cdecl("LLVMFuzzerTestOneInput")
public func libFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    Harnesses.run(selectedHarness, input)
    return 0
}
