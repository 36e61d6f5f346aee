import ArgumentParser

/// Upper bounds of the command's numeric options: the C ABI's caps (include/tgfl.h), so that
/// an absurd value is a one-line error instead of a crash or an exhausted memory.
///
/// ```
/// clients ≤ 65 536   batch size ≤ 4 096   threads ≤ 256   steps, rounds ≤ 2^31 − 1
/// paths, horizon ≤ 2^31 − 1   and   paths × horizon ≤ 100 000 000 values (800 MB)
/// ```
enum Limits {
    /// `n_clients` of `tgfl_federated_params`.
    static let clients = 65_536
    /// `batch_size` of `tgfl_train_params` / `tgfl_federated_params`.
    static let batchSize = 4_096
    /// `n_threads`.
    static let threads = 256
    /// Steps, rounds, local steps, paths and days: what an `int32_t` holds.
    static let count = Int(Int32.max)
    /// The most generated values one `tgfl generate` keeps in memory (and writes as CSV).
    static let generatedValues = 100_000_000

    /// Throws unless `value` is in `minimum ... maximum`, naming the option.
    static func check(_ value: Int, _ option: String, _ minimum: Int, _ maximum: Int) throws {
        guard value >= minimum else {
            throw ValidationError("\(option) must be at least \(minimum), got \(value)")
        }
        guard value <= maximum else {
            throw ValidationError("\(option) must be at most \(maximum), got \(value)")
        }
    }

    /// Throws when `paths × horizon` exceeds `generatedValues`, naming both options.
    static func checkGenerated(paths: Int, horizon: Int, what: String = "--paths × --horizon") throws {
        let (product, overflow) = paths.multipliedReportingOverflow(by: horizon)
        guard !overflow, product <= generatedValues else {
            throw ValidationError("\(what) = \(paths) × \(horizon) is more than \(generatedValues) values; "
                                  + "generate in several runs with fewer paths or days")
        }
    }
}
