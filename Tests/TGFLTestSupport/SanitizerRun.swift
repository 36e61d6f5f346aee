import Foundation

/// Sizes for the statistical suites under `make sanitize`.
///
/// `make sanitize` runs the tests as a debug build under AddressSanitizer (or ThreadSanitizer) and
/// sets `TGFL_SANITIZER_RUN=1`. Such a build runs the generator about 30× slower than the release
/// build `make test` uses, so a suite whose statistical check needs hundreds of 250-day pilot paths
/// (the volatility calibration: 512 × 250 per pilot, up to four pilots) takes over 20 minutes there.
/// Under a sanitizer run those suites run the same code paths on small sizes and skip only the
/// tolerances that need the full sizes; `make test` checks those on the full sizes. Everything
/// else in such a test (errors, saved attributes, bit-identity) is asserted in both runs.
public enum SanitizerRun {
    /// True when `TGFL_SANITIZER_RUN=1` is set (by `make sanitize`).
    public static let isActive = ProcessInfo.processInfo.environment["TGFL_SANITIZER_RUN"] == "1"

    /// `full` in a normal run, `small` in a sanitizer run.
    public static func size(_ full: Int, sanitizer small: Int) -> Int { isActive ? small : full }
}
