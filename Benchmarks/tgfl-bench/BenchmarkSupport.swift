import ArgumentParser
import Foundation
import TGFLCore

/// Shared helpers for the benchmark subcommands.
enum BenchmarkSupport {
    /// Monotonic seconds.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds of this process, all threads (`CLOCK_PROCESS_CPUTIME_ID`). On a loaded
    /// machine, single-threaded runs compare better by CPU time than by wall time.
    static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Peak resident set size of this process in megabytes (`getrusage` `ru_maxrss`, KiB on Linux).
    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }

    static func config(named name: String, modelVersion: Int = 1) throws -> ModelConfig {
        let base: ModelConfig
        switch name {
        case "small": base = .small
        case "large": base = .large
        default: throw ValidationError("--config must be 'small' or 'large', got '\(name)'")
        }
        switch modelVersion {
        case 1: return base
        case 2: return base.v2()
        default: throw ValidationError("--model-version must be 1 or 2, got \(modelVersion)")
        }
    }

    /// `uptime`-style load averages, for the report.
    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
    }
}
