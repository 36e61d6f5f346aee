import ArgumentParser

/// The optimizer and split options that `tgfl train`, `train-joint` and `federate` share: one
/// definition of their names, defaults, help and checks (each command keeps its own step or
/// round counts, whose defaults differ).
struct TrainingRunOptions: ParsableArguments {
    @Option(name: .customLong("batch-size"), parsing: .unconditional,
            help: "Windows per batch (federate: per local step of a client).")
    var batchSize: Int = 32

    @Option(parsing: .unconditional,
            help: "Peak learning rate (train: cosine decay to a tenth of it; federate: the clients' local rate).")
    var lr: Double = 1e-3

    @Option(parsing: .unconditional,
            help: "Seed of the initialization and the batch sampling (federate: also the partition, sampling and noise).")
    var seed: UInt64 = 42

    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Option(name: .customLong("val-fraction"), parsing: .unconditional,
            help: "Fraction of the most recent days (of each series) held out for validation.")
    var valFraction: Double = 0.2

    func validate() throws {
        try Limits.check(batchSize, "--batch-size", 1, Limits.batchSize)
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive, got \(lr)") }
        guard (0..<1).contains(valFraction) else {
            throw ValidationError("--val-fraction must be in [0, 1), got \(valFraction)")
        }
        if let threads { try Limits.check(threads, "--threads", 1, Limits.threads) }
    }
}
