// tgfl-fuzz: a seeded, structure-aware fuzzer for TGFL's input boundaries (issue 13).
//
// The coverage-guided variant is Fuzz/libfuzzer (`make libfuzz`). This one needs no special
// build and runs the loop in-process: pick a corpus input, mutate it with a seeded generator, run the
// harness; a trap, crash or hang kills the process after the input is written to
// Fuzz/findings/<harness>-<n>.bin. Exit status 0 means no finding.
//
//   tgfl-fuzz [--harness csv|checkpoint|scenario-csv|cabi|all] [--iterations N] [--seconds S]
//             [--seed K] [--corpus DIR] [--replay DIR] [--findings DIR] [--timeout S]
//             [--fork 1 [--batch N]]   (each batch of N inputs in a child: findings are counted, not fatal)

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
    // An alternate signal stack, so that a stack overflow (SIGSEGV on the guard page) still
    // writes its input: without it the handler cannot run and the finding is lost.
    var stack = stack_t()
    stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
    stack.ss_size = 1 << 16
    stack.ss_flags = 0
    sigaltstack(&stack, nil)
    for s in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGALRM] {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        action.sa_flags = Int32(SA_ONSTACK)
        sigemptyset(&action.sa_mask)
        sigaction(s, &action, nil)
    }
}

func setCurrent(_ input: [UInt8], harness: String, index: Int, findings: String) {
    currentLength = min(input.count, 1 << 24)
    input.withUnsafeBufferPointer { currentInput.update(from: $0.baseAddress!, count: currentLength) }
    let path = findings + "/\(harness)-\(index).bin"
    _ = path.withCString { strncpy(findingPath, $0, 4095) }
}

// MARK: - Arguments

var harnessName = "all", iterations = 1000, seconds = 0.0, seed: UInt64 = 1, timeout: UInt32 = 20
var forkMode = false, batchSize = 20_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path
var corpusRoot = root + "/corpus", replayRoot = root + "/crashes", findings = root + "/findings"
let usage = """
    usage: tgfl-fuzz [--harness csv|checkpoint|scenario-csv|cabi|all] [--iterations N] [--seconds S]
                     [--seed K] [--corpus DIR] [--replay DIR] [--findings DIR] [--timeout S]
                     [--fork 1 [--batch N]]
      --harness       the input boundary to fuzz (default: all four, one after another)
      --iterations N  mutated inputs per harness after the corpus (default 1000)
      --seconds S     run each harness S seconds instead (default 0: --iterations)
      --seed K        the mutations' seed (default 1)
      --corpus, --replay, --findings DIR   seed corpus, crash corpus replayed first, where findings
                      go (default: Fuzz/corpus, Fuzz/crashes, Fuzz/findings)
      --timeout S     seconds one input may run before it counts as a hang (default 20)
      --fork 1        run batches of --batch N inputs (default 20000) in child processes, so a
                      finding is counted and the run goes on
    More in Fuzz/README.md.
    """
func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n\(usage)\n".utf8))
    exit(2)
}
/// A numeric option's value; a value that is not a number is an error, not the default.
func number<T: LosslessStringConvertible>(_ value: String, of flag: String) -> T {
    guard let parsed = T(value) else { usageError("\(flag) takes a number, got '\(value)'") }
    return parsed
}
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let flag = arguments.removeFirst()
    if flag == "--help" || flag == "-h" { print(usage); exit(0) }
    guard let value = arguments.first else { usageError("\(flag) needs a value") }
    arguments.removeFirst()
    switch flag {
    case "--harness": harnessName = value
    case "--iterations": iterations = number(value, of: flag)
    case "--seconds": seconds = number(value, of: flag)
    case "--seed": seed = number(value, of: flag)
    case "--corpus": corpusRoot = value
    case "--replay": replayRoot = value
    case "--findings": findings = value
    case "--timeout": timeout = number(value, of: flag)
    case "--fork": forkMode = value != "0"
    case "--batch": batchSize = max(1, number(value, of: flag))
    default: usageError("unknown option \(flag)")
    }
}
let selected = harnessName == "all" ? Harnesses.names : [harnessName]
guard selected.allSatisfy(Harnesses.names.contains) else {
    FileHandle.standardError.write(Data("error: --harness must be one of \(Harnesses.names.joined(separator: ", ")) or all\n".utf8))
    exit(2)
}
try? FileManager.default.createDirectory(atPath: findings, withIntermediateDirectories: true)
installCrashHandlers()
// A file on which libhdf5 hangs costs the checkpoint check 3 s (default 10 s), well inside --timeout.
setenv("TGFL_HDF5_CHECK_TIMEOUT", "3", 0)

func files(in dir: String) -> [[UInt8]] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    return names.compactMap { FileManager.default.contents(atPath: dir + "/" + $0).map { [UInt8]($0) } }
}

func run(_ name: String, _ input: [UInt8]) { Harnesses.run(name, input) }

// MARK: - Loop

/// Inputs executed by the current (child) process, in memory shared with the parent.
let sharedCount: UnsafeMutablePointer<Int> = {
    let raw = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)!
    return raw.bindMemory(to: Int.self, capacity: 1)
}()

/// Replays `corpus` unmutated (when `replayFirst`), then runs mutations until `limit` inputs or
/// `deadline`; counts into `sharedCount`.
@MainActor func runBatch(_ name: String, corpus start: [[UInt8]], stream: UInt64, limit: Int, deadline: Date?,
              replayFirst: Bool) {
    var corpus = start
    if replayFirst {
        for (i, input) in corpus.enumerated() {
            setCurrent(input, harness: name, index: -1 - i, findings: findings)
            alarm(timeout)
            run(name, input)
            alarm(0)
            sharedCount.pointee += 1
        }
    }
    // Inputs over 64 KiB (the wide-row reproducers) are replayed but not mutated: they would
    // dominate the run time.
    corpus = corpus.filter { $0.count <= 1 << 16 }
    if corpus.isEmpty { corpus = [[]] }
    var mutator = Mutator(rng: SeededRNG(seed: seed, stream: stream))
    var k = 0
    while deadline.map({ Date() < $0 }) ?? (k < limit) {
        if deadline != nil && k >= limit { break }
        let base = corpus[mutator.int(corpus.count)], other = corpus[mutator.int(corpus.count)]
        let input = name == "checkpoint" || name == "cabi"
            ? mutator.mutateBytes(base, other: other) : mutator.mutateCSV(base, other: other)
        setCurrent(input, harness: name, index: Int(stream & 0xffff_ffff) * 1_000_000 + k, findings: findings)
        alarm(timeout)
        run(name, input)
        alarm(0)
        // Keep a few mutants as new bases (no coverage feedback: a bounded random walk).
        if mutator.int(50) == 0 && corpus.count < 256 && input.count < 1 << 20 { corpus.append(input) }
        k += 1
        sharedCount.pointee += 1
    }
}

var totalFindings = 0
_ = Harnesses.scratch          // one scratch folder for the parent and every forked batch
for name in selected {
    let replay = files(in: replayRoot + "/" + name)
    var corpus = files(in: corpusRoot + "/" + name) + replay
    if corpus.isEmpty { corpus = [[]] }
    let harnessIndex = UInt64(Harnesses.names.firstIndex(of: name)!)
    let started = Date()
    let deadline: Date? = seconds > 0 ? started.addingTimeInterval(seconds) : nil
    var executed = 0, found = 0, batches = 0
    if forkMode {
        // Each batch runs in a child process, so a crash or hang is counted and the run goes on
        // (like libFuzzer's -fork). Batch b uses the generator stream (harness, b).
        var batch: UInt64 = 0
        while deadline.map({ Date() < $0 }) ?? (executed < iterations + corpus.count) {
            sharedCount.pointee = 0
            let limit = deadline == nil ? min(batchSize, iterations + corpus.count - executed) : batchSize
            let pid = fork()
            if pid == 0 {
                runBatch(name, corpus: corpus, stream: harnessIndex << 32 | batch, limit: limit, deadline: deadline,
                         replayFirst: batch == 0)
                _exit(0)
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            executed += sharedCount.pointee
            let signal = status & 0x7f
            if signal != 0 || (status >> 8) & 0xff != 0 {
                found += 1
                print("tgfl-fuzz \(name): finding in batch \(batch) (signal \(signal)); input in \(findings)/")
                executed += 1
            }
            batch += 1
            batches += 1
        }
    } else {
        sharedCount.pointee = 0
        runBatch(name, corpus: corpus, stream: harnessIndex << 32, limit: iterations, deadline: deadline, replayFirst: true)
        executed = sharedCount.pointee
    }
    totalFindings += found
    let elapsed = Date().timeIntervalSince(started)
    print("tgfl-fuzz \(name): \(executed) inputs (\(corpus.count) corpus incl. \(replay.count) crash-corpus, seed \(seed)"
          + (forkMode ? ", \(batches) forked batches" : "") + ") in \(String(format: "%.1f", elapsed)) s, "
          + "\(String(format: "%.0f", Double(executed) / max(elapsed, 1e-9))) /s, \(found) findings")
}
try? FileManager.default.removeItem(atPath: Harnesses.scratch)
exit(totalFindings == 0 ? 0 : 1)
