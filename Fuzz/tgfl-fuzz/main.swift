// tgfl-fuzz: a seeded, structure-aware fuzzer for TGFL's input boundaries (issue 13).
//
// libFuzzer (`swift build -sanitize=fuzzer`) is not used: see Fuzz/README.md. This runs the
// same loop in-process: pick a corpus input, mutate it with a seeded generator, run the
// harness; a trap, crash or hang kills the process after the input is written to
// Fuzz/findings/<harness>-<n>.bin. Exit status 0 means no finding.
//
//   tgfl-fuzz [--harness csv|checkpoint|scenario-csv|cabi|all] [--iterations N] [--seconds S]
//             [--seed K] [--corpus DIR] [--replay DIR] [--findings DIR] [--timeout S]

import Foundation
import TGFLRandom
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Crash capture (async-signal-safe: write(2) of preallocated buffers only)

nonisolated(unsafe) var currentInput = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 24)
nonisolated(unsafe) var currentLength = 0
nonisolated(unsafe) var findingPath = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)

func installCrashHandlers() {
    let handler: @convention(c) (Int32) -> Void = { signal in
        let fd = open(findingPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            _ = write(fd, currentInput, currentLength)
            _ = close(fd)
        }
        let note = "tgfl-fuzz: signal caught; the input was written to the findings folder\n"
        _ = note.withCString { write(2, $0, strlen($0)) }
        Glibc.signal(signal, SIG_DFL)
        raise(signal)
    }
    for s in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGALRM] { signal(s, handler) }
}

func setCurrent(_ input: [UInt8], harness: String, index: Int, findings: String) {
    currentLength = min(input.count, 1 << 24)
    input.withUnsafeBufferPointer { currentInput.update(from: $0.baseAddress!, count: currentLength) }
    let path = findings + "/\(harness)-\(index).bin"
    _ = path.withCString { strncpy(findingPath, $0, 4095) }
}

// MARK: - Arguments

var harnessName = "all", iterations = 1000, seconds = 0.0, seed: UInt64 = 1, timeout: UInt32 = 20
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
var corpusRoot = root + "/corpus", replayRoot = root + "/crashes", findings = root + "/findings"
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    guard let value = arguments.first else { FileHandle.standardError.write(Data("error: \(flag) needs a value\n".utf8)); exit(2) }
    arguments.removeFirst()
    switch flag {
    case "--harness": harnessName = value
    case "--iterations": iterations = Int(value) ?? iterations
    case "--seconds": seconds = Double(value) ?? 0
    case "--seed": seed = UInt64(value) ?? seed
    case "--corpus": corpusRoot = value
    case "--replay": replayRoot = value
    case "--findings": findings = value
    case "--timeout": timeout = UInt32(value) ?? timeout
    default: FileHandle.standardError.write(Data("error: unknown option \(flag)\n".utf8)); exit(2)
    }
}
let selected = harnessName == "all" ? Harnesses.names : [harnessName]
guard selected.allSatisfy(Harnesses.names.contains) else {
    FileHandle.standardError.write(Data("error: --harness must be one of \(Harnesses.names.joined(separator: ", ")) or all\n".utf8))
    exit(2)
}
try? FileManager.default.createDirectory(atPath: findings, withIntermediateDirectories: true)
installCrashHandlers()

func files(in dir: String) -> [[UInt8]] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    return names.compactMap { FileManager.default.contents(atPath: dir + "/" + $0).map { [UInt8]($0) } }
}

func run(_ name: String, _ input: [UInt8]) {
    switch name {
    case "csv": Harnesses.csv(input)
    case "checkpoint": Harnesses.checkpoint(input)
    case "scenario-csv": Harnesses.scenarioCSV(input)
    default: Harnesses.cabi(input)
    }
}

// MARK: - Loop

for name in selected {
    let replay = files(in: replayRoot + "/" + name)
    var corpus = files(in: corpusRoot + "/" + name) + replay
    if corpus.isEmpty { corpus = [[]] }
    let started = Date()
    var executed = 0
    // 1. Every committed crash input and seed, unmutated.
    for (i, input) in corpus.enumerated() {
        setCurrent(input, harness: name, index: -1 - i, findings: findings)
        alarm(timeout)
        run(name, input)
        alarm(0)
        executed += 1
    }
    // 2. Mutations, seeded per harness.
    var mutator = Mutator(rng: SeededRNG(seed: seed, stream: UInt64(Harnesses.names.firstIndex(of: name)!)))
    var k = 0
    while seconds > 0 ? Date().timeIntervalSince(started) < seconds : k < iterations {
        let base = corpus[mutator.int(corpus.count)], other = corpus[mutator.int(corpus.count)]
        let input = name == "checkpoint" || name == "cabi"
            ? mutator.mutateBytes(base, other: other) : mutator.mutateCSV(base, other: other)
        setCurrent(input, harness: name, index: k, findings: findings)
        alarm(timeout)
        run(name, input)
        alarm(0)
        // Keep a few mutants as new bases (no coverage feedback: a bounded random walk).
        if mutator.int(50) == 0 && corpus.count < 256 && input.count < 1 << 20 { corpus.append(input) }
        k += 1
        executed += 1
    }
    let elapsed = Date().timeIntervalSince(started)
    print("tgfl-fuzz \(name): \(executed) inputs (\(replay.count) crash-corpus, \(k) mutated, seed \(seed)) "
          + "in \(String(format: "%.1f", elapsed)) s, \(String(format: "%.0f", Double(executed) / max(elapsed, 1e-9))) /s, 0 findings")
}
try? FileManager.default.removeItem(atPath: Harnesses.scratch)
